package memstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/b02aa859/customergroup"
	"github.com/b02aa859/customergroup/memstore"
)

// The memstore benchmarks of BENCHMARKS.md. Each operation runs at 10k, 100k and 1M
// memberships (groups of 1,000 members, about 5 groups per customer, and memberships/10
// groups in all, as in ./bench; ListCustomers and GetBig on a store holding one group of that
// many members),
// beside a "raw" baseline where there is one: the same work on plain Go maps with no locking,
// validation or copying, so that the library's overhead reads as a ratio within one run.
//
//	go test -run '^$' -bench . -benchtime 1s ./memstore/

var scales = []int{10_000, 100_000, 1_000_000}

type fixture struct {
	svc       *customergroup.Service
	groups    []string // the groups of 1,000 members
	customers []string
	// the raw baseline: the same data in plain maps
	rawMembers    map[string]map[string]struct{}
	rawByCustomer map[string][]string
}

var fixtures = map[int]*fixture{}

// bigFixture is a store holding one group of n members (a store of its own, so that the
// lookups above run on exactly n memberships).
type bigFixture struct {
	svc *customergroup.Service
	id  string
	ids []string // the members, in byte order
}

var bigFixtures = map[int]*bigFixture{}

func seedBig(b *testing.B, n int) *bigFixture {
	if f, ok := bigFixtures[n]; ok {
		return f
	}
	ctx := context.Background()
	f := &bigFixture{svc: customergroup.New(memstore.New()), ids: make([]string, n)}
	g, err := f.svc.Create(ctx, customergroup.NewGroup{Name: "big"})
	if err != nil {
		b.Fatal(err)
	}
	f.id = g.ID
	for i := range f.ids {
		f.ids[i] = fmt.Sprintf("big_%07d", i)
	}
	if _, err := f.svc.AddCustomers(ctx, f.id, f.ids); err != nil {
		b.Fatal(err)
	}
	bigFixtures[n] = f
	return f
}

func seed(b *testing.B, memberships int) *fixture {
	if f, ok := fixtures[memberships]; ok {
		return f
	}
	ctx := context.Background()
	const perGroup = 1000
	nGroups := memberships / perGroup
	nCustomers := memberships / 5
	f := &fixture{
		svc:           customergroup.New(memstore.New()),
		rawMembers:    make(map[string]map[string]struct{}, nGroups),
		rawByCustomer: make(map[string][]string, nCustomers),
	}
	f.customers = make([]string, nCustomers)
	for i := range f.customers {
		f.customers[i] = fmt.Sprintf("cus_%07d", i)
	}
	batch := make([]string, perGroup)
	for gi := range nGroups {
		g, err := f.svc.Create(ctx, customergroup.NewGroup{Name: fmt.Sprintf("group %d", gi)})
		if err != nil {
			b.Fatal(err)
		}
		f.groups = append(f.groups, g.ID)
		raw := make(map[string]struct{}, perGroup)
		for j := range batch {
			// customer (gi*perGroup+j) mod nCustomers: each customer lands in ~5 groups
			c := f.customers[(gi*perGroup+j)%nCustomers]
			batch[j] = c
			raw[c] = struct{}{}
			f.rawByCustomer[c] = append(f.rawByCustomer[c], g.ID)
		}
		f.rawMembers[g.ID] = raw
		if _, err := f.svc.AddCustomers(ctx, g.ID, batch); err != nil {
			b.Fatal(err)
		}
	}
	for _, gs := range f.rawByCustomer {
		slices.Sort(gs)
	}
	// memberships/10 groups in all (the others have no members), about 1.6% of them with
	// "vip" in their name; the raw maps get them too
	for i := nGroups; i < memberships/10; i++ {
		name := fmt.Sprintf("segment %d", i)
		if i%64 == 7 {
			name = fmt.Sprintf("VIP segment %d", i)
		}
		g, err := f.svc.Create(ctx, customergroup.NewGroup{Name: name})
		if err != nil {
			b.Fatal(err)
		}
		f.rawMembers[g.ID] = map[string]struct{}{}
	}
	fixtures[memberships] = f
	return f
}

func BenchmarkGroupIDsOf(b *testing.B) {
	ctx := context.Background()
	for _, n := range scales {
		f := seed(b, n)
		b.Run(fmt.Sprintf("memberships=%d/library", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := f.svc.GroupIDsOf(ctx, f.customers[i%len(f.customers)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(fmt.Sprintf("memberships=%d/raw", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				gs := f.rawByCustomer[f.customers[i%len(f.customers)]]
				_ = append(make([]string, 0, len(gs)), gs...)
				i++
			}
		})
	}
}

func BenchmarkIsMember(b *testing.B) {
	ctx := context.Background()
	for _, n := range scales {
		f := seed(b, n)
		b.Run(fmt.Sprintf("memberships=%d/library", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := f.svc.IsMember(ctx, f.groups[i%len(f.groups)], f.customers[i%len(f.customers)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
		b.Run(fmt.Sprintf("memberships=%d/raw", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				_, _ = f.rawMembers[f.groups[i%len(f.groups)]][f.customers[i%len(f.customers)]]
				i++
			}
		})
	}
}

func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	for _, n := range scales {
		f := seed(b, n)
		b.Run(fmt.Sprintf("memberships=%d/library", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := f.svc.Get(ctx, f.groups[i%len(f.groups)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkAddCustomers adds 100,000 new ids to one fresh group of a store already holding n
// memberships, then removes them again (the removal is outside the timer).
func BenchmarkAddCustomers(b *testing.B) {
	ctx := context.Background()
	ids := make([]string, 100_000)
	for i := range ids {
		ids[i] = fmt.Sprintf("new_%07d", i)
	}
	for _, n := range scales {
		f := seed(b, n)
		g, err := f.svc.Create(ctx, customergroup.NewGroup{Name: "bench add"})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("memberships=%d/library", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				added, err := f.svc.AddCustomers(ctx, g.ID, ids)
				if err != nil || added != len(ids) {
					b.Fatal(added, err)
				}
				b.StopTimer()
				if _, err := f.svc.RemoveCustomers(ctx, g.ID, ids); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
		b.Run(fmt.Sprintf("memberships=%d/raw", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m := make(map[string]struct{})
				for _, id := range ids {
					m[id] = struct{}{}
				}
			}
		})
		if err := f.svc.Delete(ctx, g.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListCustomers reads a page of 100 members of a group of n members by cursor, at
// depth 0 and at depth n/2.
func BenchmarkListCustomers(b *testing.B) {
	ctx := context.Background()
	for _, n := range scales {
		f := seedBig(b, n)
		for _, depth := range []int{0, n / 2} {
			q := customergroup.MemberQuery{Limit: 100}
			if depth > 0 {
				q.After = q.NextCursor(f.id, f.ids[depth-1])
			}
			b.Run(fmt.Sprintf("members=%d/depth=%d", n, depth), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					p, err := f.svc.ListCustomers(ctx, f.id, q)
					if err != nil || len(p.Members) != 100 {
						b.Fatal(len(p.Members), err)
					}
				}
			})
		}
	}
}

// BenchmarkGetBig reads a group of n members, count included.
func BenchmarkGetBig(b *testing.B) {
	ctx := context.Background()
	for _, n := range scales {
		f := seedBig(b, n)
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if g, err := f.svc.Get(ctx, f.id); err != nil || g.CustomerCount != n {
					b.Fatal(g.CustomerCount, err)
				}
			}
		})
	}
}

// BenchmarkRemoveCustomers removes 100,000 members from one group of a store already holding
// n memberships (adding them back is outside the timer).
func BenchmarkRemoveCustomers(b *testing.B) {
	ctx := context.Background()
	ids := make([]string, 100_000)
	for i := range ids {
		ids[i] = fmt.Sprintf("rem_%07d", i)
	}
	for _, n := range scales {
		f := seed(b, n)
		g, err := f.svc.Create(ctx, customergroup.NewGroup{Name: "bench remove"})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("memberships=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				if _, err := f.svc.AddCustomers(ctx, g.ID, ids); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				removed, err := f.svc.RemoveCustomers(ctx, g.ID, ids)
				if err != nil || removed != len(ids) {
					b.Fatal(removed, err)
				}
			}
		})
		if err := f.svc.Delete(ctx, g.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDelete deletes a group of 100,000 members from a store already holding n
// memberships (creating and filling it is outside the timer).
func BenchmarkDelete(b *testing.B) {
	ctx := context.Background()
	ids := make([]string, 100_000)
	for i := range ids {
		ids[i] = fmt.Sprintf("del_%07d", i)
	}
	for _, n := range scales {
		f := seed(b, n)
		b.Run(fmt.Sprintf("memberships=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				g, err := f.svc.Create(ctx, customergroup.NewGroup{Name: "bench delete"})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := f.svc.AddCustomers(ctx, g.ID, ids); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := f.svc.Delete(ctx, g.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkListSearch lists the first 20 groups whose name contains "vip", by name, with the
// total, among memberships/10 groups (1k, 10k, 100k). memstore filters every group: this one
// grows with the number of groups by design.
func BenchmarkListSearch(b *testing.B) {
	ctx := context.Background()
	for _, n := range scales {
		f := seed(b, n)
		b.Run(fmt.Sprintf("groups=%d", n/10), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := f.svc.List(ctx, customergroup.Query{Search: "vip", Sort: customergroup.SortByName, Limit: 20, CountTotal: true})
				if err != nil || len(p.Groups) != min(20, p.Total) || p.Total == 0 {
					b.Fatal(len(p.Groups), err)
				}
			}
		})
	}
}
