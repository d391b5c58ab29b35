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
// memberships (groups of 1,000 members, about 5 groups per customer), beside a "raw"
// baseline: the same lookup on plain Go maps with no locking, validation or copying, so that
// the library's overhead reads as a ratio within one run.

var scales = []int{10_000, 100_000, 1_000_000}

type fixture struct {
	svc       *customergroup.Service
	groups    []string
	customers []string
	// the raw baseline: the same data in plain maps
	rawMembers    map[string]map[string]struct{}
	rawByCustomer map[string][]string
}

var fixtures = map[int]*fixture{}

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

// BenchmarkListCustomers reads a page of 100 members by cursor at depth 0 and at depth 500.
func BenchmarkListCustomers(b *testing.B) {
	ctx := context.Background()
	f := seed(b, 1_000_000)
	g := f.groups[0]
	deep, err := f.svc.ListCustomers(ctx, g, customergroup.MemberQuery{Limit: 500})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		after string
	}{{"depth=0", ""}, {"depth=500", deep.Next}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.svc.ListCustomers(ctx, g, customergroup.MemberQuery{Limit: 100, After: c.after}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
