package customergroup_test

// These tests isolate the Service's own logic (validation, stamping, retries, events) with a
// tiny fake Store. What a real store must do is checked by storetest, against every store.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/matryer/is"

	"github.com/b02aa859/customergroup"
)

// fakeStore keeps groups in a map and records every call. onUpdate, when set, runs at the
// start of UpdateGroup (to simulate a concurrent writer or a failure).
type fakeStore struct {
	mu       sync.Mutex
	calls    []string
	groups   map[string]customergroup.CustomerGroup
	members  map[string][]string // group id → customer ids
	addedAt  time.Time
	addedBy  string
	lastAdd  []string
	lastQ    customergroup.Query
	onUpdate func(f *fakeStore, g customergroup.CustomerGroup, prev int64) error
}

func newFake() *fakeStore {
	return &fakeStore{groups: map[string]customergroup.CustomerGroup{}, members: map[string][]string{}}
}

func (f *fakeStore) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fakeStore) count(call string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c == call {
			n++
		}
	}
	return n
}

func (f *fakeStore) put(g customergroup.CustomerGroup) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.groups[g.ID] = g.Clone()
}

func (f *fakeStore) CreateGroup(_ context.Context, g customergroup.CustomerGroup) error {
	f.record("CreateGroup")
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.groups[g.ID]; ok {
		return customergroup.ErrIDTaken
	}
	for _, o := range f.groups {
		if customergroup.FoldName(o.Name) == customergroup.FoldName(g.Name) {
			return customergroup.ErrNameTaken
		}
	}
	f.groups[g.ID] = g.Clone()
	return nil
}

func (f *fakeStore) Group(_ context.Context, id string) (customergroup.CustomerGroup, error) {
	f.record("Group")
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.groups[id]
	if !ok {
		return customergroup.CustomerGroup{}, customergroup.NotFoundError(id)
	}
	g.CustomerCount = len(f.members[id])
	return g.Clone(), nil
}

func (f *fakeStore) Groups(_ context.Context, q customergroup.Query) (customergroup.Page, error) {
	f.record("Groups")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lastQ = q
	return customergroup.Page{Groups: []customergroup.CustomerGroup{}, Total: -1}, nil
}

func (f *fakeStore) UpdateGroup(_ context.Context, g customergroup.CustomerGroup, prev int64) error {
	f.record("UpdateGroup")
	if f.onUpdate != nil {
		if err := f.onUpdate(f, g, prev); err != nil {
			return err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	cur, ok := f.groups[g.ID]
	if !ok {
		return customergroup.NotFoundError(g.ID)
	}
	if cur.Version != prev {
		return fmt.Errorf("fake: %w", customergroup.ErrConflict)
	}
	f.groups[g.ID] = g.Clone()
	return nil
}

func (f *fakeStore) DeleteGroup(_ context.Context, id string) error {
	f.record("DeleteGroup")
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.groups[id]; !ok {
		return customergroup.NotFoundError(id)
	}
	delete(f.groups, id)
	delete(f.members, id)
	return nil
}

func (f *fakeStore) AddMembers(_ context.Context, groupID string, ids []string, at time.Time, by string) ([]string, error) {
	f.record("AddMembers")
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.groups[groupID]; !ok {
		return nil, customergroup.NotFoundError(groupID)
	}
	f.addedAt, f.addedBy, f.lastAdd = at, by, slices.Clone(ids)
	added := []string{}
	for _, id := range ids {
		if !slices.Contains(f.members[groupID], id) {
			f.members[groupID] = append(f.members[groupID], id)
			added = append(added, id)
		}
	}
	return added, nil
}

func (f *fakeStore) RemoveMembers(_ context.Context, groupID string, ids []string) ([]string, error) {
	f.record("RemoveMembers")
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.groups[groupID]; !ok {
		return nil, customergroup.NotFoundError(groupID)
	}
	removed := []string{}
	for _, id := range ids {
		if i := slices.Index(f.members[groupID], id); i >= 0 {
			f.members[groupID] = slices.Delete(f.members[groupID], i, i+1)
			removed = append(removed, id)
		}
	}
	return removed, nil
}

func (f *fakeStore) Members(_ context.Context, groupID string, q customergroup.MemberQuery) (customergroup.MemberPage, error) {
	f.record("Members")
	return customergroup.MemberPage{Members: []customergroup.Membership{}, Total: -1}, nil
}

func (f *fakeStore) IsMember(_ context.Context, groupID, customerID string) (bool, error) {
	f.record("IsMember")
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Contains(f.members[groupID], customerID), nil
}

func (f *fakeStore) GroupIDsOf(_ context.Context, customerID string) ([]string, error) {
	f.record("GroupIDsOf")
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []string{}
	for g, ms := range f.members {
		if slices.Contains(ms, customerID) {
			out = append(out, g)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (f *fakeStore) ForgetCustomer(_ context.Context, customerID string) ([]string, error) {
	f.record("ForgetCustomer")
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []string{}
	for g, ms := range f.members {
		if i := slices.Index(ms, customerID); i >= 0 {
			f.members[g] = slices.Delete(ms, i, i+1)
			out = append(out, g)
		}
	}
	slices.Sort(out)
	return out, nil
}

// events records what an Observer is told.
type events struct {
	mu sync.Mutex
	es []customergroup.Event
}

func (r *events) Observe(_ context.Context, e customergroup.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.es = append(r.es, e)
}

func (r *events) types() []customergroup.EventType {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := []customergroup.EventType{}
	for _, e := range r.es {
		out = append(out, e.Type)
	}
	return out
}

func (r *events) last() customergroup.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.es[len(r.es)-1]
}

// fixedClock returns a clock that reads t, then t+1s, t+2s, …
func fixedClock(t time.Time) func() time.Time {
	var mu sync.Mutex
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now := t
		t = t.Add(time.Second)
		return now
	}
}

func seqIDs(prefix string) func() string {
	var mu sync.Mutex
	n := 0
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("%s%d", prefix, n)
	}
}

// setup returns a Service over a fresh fake, with a deterministic clock and ids.
func setup(opts ...customergroup.Option) (*customergroup.Service, *fakeStore, *events) {
	f, ev := newFake(), &events{}
	opts = append([]customergroup.Option{
		customergroup.WithClock(fixedClock(t0)),
		customergroup.WithIDGenerator(seqIDs("g")),
		customergroup.WithObserver(ev),
	}, opts...)
	return customergroup.New(f, opts...), f, ev
}

func TestServiceValidatesBeforeTheStore(t *testing.T) {
	ctx := context.Background()
	long := strings.Repeat("x", 256)
	tooBig := md(t, "k", strings.Repeat("v", customergroup.DefaultLimits.MaxValueBytes+1))
	name := func(s string) *string { return &s }
	for _, tc := range []struct {
		name  string
		call  func(s *customergroup.Service) error
		field string
	}{
		{"create: empty name", func(s *customergroup.Service) error {
			_, err := s.Create(ctx, customergroup.NewGroup{Name: "  "})
			return err
		}, "name"},
		{"create: long name", func(s *customergroup.Service) error {
			_, err := s.Create(ctx, customergroup.NewGroup{Name: long})
			return err
		}, "name"},
		{"create: bad id", func(s *customergroup.Service) error {
			_, err := s.Create(ctx, customergroup.NewGroup{ID: "a\x00", Name: "VIP"})
			return err
		}, "id"},
		{"create: metadata over the limits", func(s *customergroup.Service) error {
			_, err := s.Create(ctx, customergroup.NewGroup{Name: "VIP", Metadata: tooBig})
			return err
		}, `metadata["k"]`},
		{"create: bad CreatedBy", func(s *customergroup.Service) error {
			_, err := s.Create(ctx, customergroup.NewGroup{Name: "VIP", CreatedBy: "a\nb"})
			return err
		}, "createdBy"},
		{"create: bad actor", func(s *customergroup.Service) error {
			_, err := s.Create(customergroup.WithActor(ctx, long), customergroup.NewGroup{Name: "VIP"})
			return err
		}, "createdBy"},
		{"get: empty id", func(s *customergroup.Service) error {
			_, err := s.Get(ctx, "")
			return err
		}, "id"},
		{"list: bad query", func(s *customergroup.Service) error {
			_, err := s.List(ctx, customergroup.Query{Limit: 5000})
			return err
		}, "limit"},
		{"update: bad id", func(s *customergroup.Service) error {
			_, err := s.Update(ctx, "", customergroup.Update{Name: name("x")})
			return err
		}, "id"},
		{"update: bad name", func(s *customergroup.Service) error {
			_, err := s.Update(ctx, "g1", customergroup.Update{Name: name("\t")})
			return err
		}, "name"},
		{"update: metadata over the limits", func(s *customergroup.Service) error {
			_, err := s.Update(ctx, "g1", customergroup.Update{Metadata: &tooBig})
			return err
		}, `metadata["k"]`},
		{"update: negative IfVersion", func(s *customergroup.Service) error {
			_, err := s.Update(ctx, "g1", customergroup.Update{Name: name("x"), IfVersion: -1})
			return err
		}, "ifVersion"},
		{"edit metadata: bad id", func(s *customergroup.Service) error {
			_, err := s.EditMetadata(ctx, "\xff", func(*customergroup.Metadata) error { return nil })
			return err
		}, "id"},
		{"delete: bad id", func(s *customergroup.Service) error { return s.Delete(ctx, "") }, "id"},
		{"add: bad group id", func(s *customergroup.Service) error {
			_, err := s.AddCustomers(ctx, "", []string{"c"})
			return err
		}, "groupID"},
		{"add: one bad customer id names it", func(s *customergroup.Service) error {
			_, err := s.AddCustomers(ctx, "g1", []string{"c1", "c2", "", "c4"})
			return err
		}, "customerIDs[2]"},
		{"add: bad actor", func(s *customergroup.Service) error {
			_, err := s.AddCustomers(customergroup.WithActor(ctx, "x\x00"), "g1", []string{"c1"})
			return err
		}, "actor"},
		{"remove: bad customer id", func(s *customergroup.Service) error {
			_, err := s.RemoveCustomers(ctx, "g1", []string{"c1", long})
			return err
		}, "customerIDs[1]"},
		{"list customers: bad query", func(s *customergroup.Service) error {
			_, err := s.ListCustomers(ctx, "g1", customergroup.MemberQuery{Offset: -1})
			return err
		}, "offset"},
		{"list customers: another group's cursor", func(s *customergroup.Service) error {
			_, err := s.ListCustomers(ctx, "g1", customergroup.MemberQuery{After: customergroup.MemberQuery{}.NextCursor("g2", "c")})
			return err
		}, "after"},
		{"is member: bad customer id", func(s *customergroup.Service) error {
			_, err := s.IsMember(ctx, "g1", "")
			return err
		}, "customerID"},
		{"group ids of: bad customer id", func(s *customergroup.Service) error {
			_, err := s.GroupIDsOf(ctx, "a\tb")
			return err
		}, "customerID"},
		{"forget: bad customer id", func(s *customergroup.Service) error {
			_, err := s.ForgetCustomer(ctx, "")
			return err
		}, "customerID"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			is := is.New(t)
			s, f, ev := setup()
			f.put(group("g1", "VIP", t0, t0))
			isInvalid(t, tc.call(s), tc.field)
			is.Equal(len(f.calls), 0) // the store was not called
			is.Equal(len(ev.types()), 0)
		})
	}
}

func TestServiceCreateStamps(t *testing.T) {
	is := is.New(t)
	ctx := customergroup.WithActor(context.Background(), "admin@example.com")
	clockTime := time.Date(2026, 3, 1, 13, 0, 0, 123456789, time.FixedZone("CET", 3600))
	s, f, ev := setup(customergroup.WithClock(func() time.Time { return clockTime }))

	meta := md(t, "b", "2", "a", "1")
	g, err := s.Create(ctx, customergroup.NewGroup{Name: "  VIP  ", Metadata: meta})
	is.NoErr(err)
	want := time.Date(2026, 3, 1, 12, 0, 0, 123456000, time.UTC) // UTC, truncated to the microsecond
	is.Equal(g.ID, "g1")                                         // from the id generator
	is.Equal(g.Name, "VIP")
	is.Equal(g.Version, int64(1))
	is.Equal(g.CustomerCount, 0)
	is.Equal(g.CreatedBy, "admin@example.com") // the actor
	is.Equal(g.CreatedAt, want)
	is.Equal(g.UpdatedAt, want)
	is.Equal(g.CreatedAt.Location(), time.UTC)
	is.True(g.Metadata.Equal(meta))

	stored := f.groups["g1"]
	is.Equal(stored.CreatedAt, want)
	is.True(stored.Metadata.Equal(meta))
	is.NoErr(meta.Set("a", "changed")) // the caller's table is not shared with the store
	v, _ := stored.Metadata.Get("a")
	is.Equal(v, "1")

	is.Equal(ev.types(), []customergroup.EventType{customergroup.EventCreated})
	e := ev.last()
	is.Equal(e.GroupID, "g1")
	is.Equal(e.Actor, "admin@example.com")
	is.Equal(e.At, want)
	is.True(e.CustomerIDs == nil)

	// CreatedBy in the input wins over the actor; a supplied ID is kept.
	g, err = s.Create(ctx, customergroup.NewGroup{ID: "imported-7", Name: "Wholesale", CreatedBy: "importer"})
	is.NoErr(err)
	is.Equal(g.ID, "imported-7")
	is.Equal(g.CreatedBy, "importer")
	is.Equal(ev.last().Actor, "admin@example.com") // the event names who acted

	// No actor: CreatedBy is empty.
	g, err = s.Create(context.Background(), customergroup.NewGroup{Name: "Retail"})
	is.NoErr(err)
	is.Equal(g.CreatedBy, "")
	is.Equal(g.ID, "g2")
}

func TestServiceCreateStoreErrors(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	s, _, ev := setup()
	_, err := s.Create(ctx, customergroup.NewGroup{Name: "VIP"})
	is.NoErr(err)
	_, err = s.Create(ctx, customergroup.NewGroup{Name: "vip"})
	is.True(errors.Is(err, customergroup.ErrNameTaken))
	is.True(strings.Contains(err.Error(), `"vip"`)) // wrapped with context
	_, err = s.Create(ctx, customergroup.NewGroup{ID: "g1", Name: "Other"})
	is.True(errors.Is(err, customergroup.ErrIDTaken))
	is.Equal(len(ev.types()), 1) // no event for a failed change
}

func TestServiceIDGenerator(t *testing.T) {
	t.Run("default is UUIDv7", func(t *testing.T) {
		is := is.New(t)
		s := customergroup.New(newFake())
		a, err := s.Create(context.Background(), customergroup.NewGroup{Name: "A"})
		is.NoErr(err)
		b, err := s.Create(context.Background(), customergroup.NewGroup{Name: "B"})
		is.NoErr(err)
		u, err := uuid.Parse(a.ID)
		is.NoErr(err)
		is.Equal(u.Version(), uuid.Version(7))
		is.Equal(a.ID, u.String()) // canonical lower-case text
		is.True(a.ID < b.ID)       // sorts by creation
	})
	t.Run("generated ids are validated", func(t *testing.T) {
		is := is.New(t)
		f := newFake()
		s := customergroup.New(f, customergroup.WithIDGenerator(func() string { return "" }))
		_, err := s.Create(context.Background(), customergroup.NewGroup{Name: "A"})
		isInvalid(t, err, "id")
		is.Equal(len(f.calls), 0)
	})
	t.Run("not called for a supplied id", func(t *testing.T) {
		is := is.New(t)
		called := false
		s := customergroup.New(newFake(), customergroup.WithIDGenerator(func() string { called = true; return "x" }))
		_, err := s.Create(context.Background(), customergroup.NewGroup{ID: "mine", Name: "A"})
		is.NoErr(err)
		is.True(!called)
	})
}

func TestServiceUpdate(t *testing.T) {
	ctx := customergroup.WithActor(context.Background(), "editor")
	str := func(s string) *string { return &s }
	seed := func(t *testing.T) (*customergroup.Service, *fakeStore, *events) {
		s, f, ev := setup()
		g := group("g1", "VIP", t0.Add(-time.Hour), t0.Add(-time.Hour))
		g.Version = 3
		g.Metadata = md(t, "tier", "gold")
		f.put(g)
		return s, f, ev
	}

	t.Run("rename bumps version and UpdatedAt", func(t *testing.T) {
		is := is.New(t)
		s, f, ev := seed(t)
		g, err := s.Update(ctx, "g1", customergroup.Update{Name: str(" VIP Gold "), IfVersion: 3})
		is.NoErr(err)
		is.Equal(g.Name, "VIP Gold")
		is.Equal(g.Version, int64(4))
		is.Equal(g.UpdatedAt, t0)
		is.Equal(g.CreatedAt, t0.Add(-time.Hour)) // unchanged
		is.True(g.Metadata.Equal(md(t, "tier", "gold")))
		is.Equal(f.groups["g1"].Name, "VIP Gold")
		is.Equal(ev.types(), []customergroup.EventType{customergroup.EventUpdated})
		is.Equal(ev.last().Actor, "editor")
		is.Equal(ev.last().At, t0)
	})
	t.Run("metadata replaces the whole table", func(t *testing.T) {
		is := is.New(t)
		s, f, _ := seed(t)
		next := md(t, "b", "2", "a", "1")
		g, err := s.Update(ctx, "g1", customergroup.Update{Metadata: &next})
		is.NoErr(err)
		is.True(g.Metadata.Equal(next))
		is.NoErr(next.Set("a", "changed")) // not shared with the store
		v, _ := f.groups["g1"].Metadata.Get("a")
		is.Equal(v, "1")
	})
	t.Run("case-only rename is a change", func(t *testing.T) {
		is := is.New(t)
		s, _, ev := seed(t)
		g, err := s.Update(ctx, "g1", customergroup.Update{Name: str("vip")})
		is.NoErr(err)
		is.Equal(g.Name, "vip")
		is.Equal(g.Version, int64(4))
		is.Equal(len(ev.types()), 1)
	})
	t.Run("IfVersion mismatch: ErrConflict, store not written", func(t *testing.T) {
		is := is.New(t)
		s, f, ev := seed(t)
		_, err := s.Update(ctx, "g1", customergroup.Update{Name: str("New"), IfVersion: 2})
		is.True(errors.Is(err, customergroup.ErrConflict))
		is.Equal(f.count("UpdateGroup"), 0)
		is.Equal(f.groups["g1"].Name, "VIP")
		is.Equal(len(ev.types()), 0)
	})
	t.Run("IfVersion lost race: ErrConflict, no retry", func(t *testing.T) {
		is := is.New(t)
		s, f, ev := seed(t)
		f.onUpdate = func(*fakeStore, customergroup.CustomerGroup, int64) error {
			return customergroup.ErrConflict // someone wrote between the read and the write
		}
		_, err := s.Update(ctx, "g1", customergroup.Update{Name: str("New"), IfVersion: 3})
		is.True(errors.Is(err, customergroup.ErrConflict))
		is.Equal(f.count("UpdateGroup"), 1)
		is.Equal(len(ev.types()), 0)
	})
	t.Run("unconditional update retries a lost race", func(t *testing.T) {
		is := is.New(t)
		s, f, ev := seed(t)
		lose := 2
		f.onUpdate = func(f *fakeStore, g customergroup.CustomerGroup, prev int64) error {
			if lose == 0 {
				return nil
			}
			lose--
			f.mu.Lock()
			defer f.mu.Unlock()
			cur := f.groups["g1"]
			cur.Version++ // a concurrent writer
			f.groups["g1"] = cur
			return nil // the version check below now fails
		}
		g, err := s.Update(ctx, "g1", customergroup.Update{Name: str("New")})
		is.NoErr(err)
		is.Equal(f.count("UpdateGroup"), 3)
		is.Equal(g.Version, int64(6)) // 3, two concurrent writes, then ours
		is.Equal(len(ev.types()), 1)
	})
	t.Run("other store errors are not retried", func(t *testing.T) {
		is := is.New(t)
		s, f, ev := seed(t)
		f.onUpdate = func(*fakeStore, customergroup.CustomerGroup, int64) error { return customergroup.ErrNameTaken }
		_, err := s.Update(ctx, "g1", customergroup.Update{Name: str("Taken")})
		is.True(errors.Is(err, customergroup.ErrNameTaken))
		is.Equal(f.count("UpdateGroup"), 1)
		is.Equal(len(ev.types()), 0)
	})
	t.Run("unknown group", func(t *testing.T) {
		is := is.New(t)
		s, f, _ := seed(t)
		_, err := s.Update(ctx, "nope", customergroup.Update{Name: str("x")})
		is.True(errors.Is(err, customergroup.ErrNotFound))
		is.Equal(f.count("UpdateGroup"), 0)
	})

	noops := map[string]customergroup.Update{
		"nil fields":      {},
		"same name":       {Name: str(" VIP ")},
		"same metadata":   {Metadata: ptr(md(t, "tier", "gold"))},
		"same both":       {Name: str("VIP"), Metadata: ptr(md(t, "tier", "gold"))},
		"same, IfVersion": {Name: str("VIP"), IfVersion: 3},
	}
	for name, u := range noops {
		t.Run("no-op: "+name, func(t *testing.T) {
			is := is.New(t)
			s, f, ev := seed(t)
			g, err := s.Update(ctx, "g1", u)
			is.NoErr(err)
			is.Equal(g.Version, int64(3)) // no new version
			is.Equal(g.UpdatedAt, t0.Add(-time.Hour))
			is.Equal(f.count("UpdateGroup"), 0)
			is.Equal(len(ev.types()), 0) // no event
		})
	}
	t.Run("no-op still checks IfVersion", func(t *testing.T) {
		s, _, _ := seed(t)
		_, err := s.Update(ctx, "g1", customergroup.Update{IfVersion: 9})
		is.New(t).True(errors.Is(err, customergroup.ErrConflict))
	})
	t.Run("reordered metadata is a change", func(t *testing.T) {
		is := is.New(t)
		s, f, _ := seed(t)
		two := md(t, "a", "1", "b", "2")
		_, err := s.Update(ctx, "g1", customergroup.Update{Metadata: &two})
		is.NoErr(err)
		swapped := md(t, "b", "2", "a", "1")
		g, err := s.Update(ctx, "g1", customergroup.Update{Metadata: &swapped})
		is.NoErr(err)
		is.Equal(g.Version, int64(5))
		is.Equal(f.count("UpdateGroup"), 2)
	})
}

func ptr[T any](v T) *T { return &v }

func TestServiceEditMetadata(t *testing.T) {
	ctx := context.Background()
	seed := func(t *testing.T, opts ...customergroup.Option) (*customergroup.Service, *fakeStore, *events) {
		s, f, ev := setup(opts...)
		g := group("g1", "VIP", t0, t0)
		g.Metadata = md(t, "a", "1", "c", "3")
		f.put(g)
		return s, f, ev
	}

	t.Run("insert above, below, delete row, save", func(t *testing.T) {
		is := is.New(t)
		s, f, ev := seed(t)
		g, err := s.EditMetadata(ctx, "g1", func(m *customergroup.Metadata) error {
			c := m.Index("c")
			if err := m.Insert(c, "b", "2"); err != nil { // above c
				return err
			}
			if err := m.Insert(m.Index("c")+1, "d", "4"); err != nil { // below c
				return err
			}
			return m.DeleteAt(m.Index("a"))
		})
		is.NoErr(err)
		is.Equal(flat(g.Metadata), []string{"b", "2", "c", "3", "d", "4"})
		is.Equal(g.Version, int64(2))
		is.True(f.groups["g1"].Metadata.Equal(g.Metadata))
		is.Equal(ev.types(), []customergroup.EventType{customergroup.EventUpdated})
	})
	t.Run("re-reads and re-applies the edit after a conflict", func(t *testing.T) {
		is := is.New(t)
		s, f, ev := seed(t)
		raced := false
		f.onUpdate = func(f *fakeStore, g customergroup.CustomerGroup, prev int64) error {
			if raced {
				return nil
			}
			raced = true
			// Another editor saves a row between our read and our write.
			f.mu.Lock()
			defer f.mu.Unlock()
			cur := f.groups["g1"].Clone()
			if err := cur.Metadata.Set("theirs", "x"); err != nil {
				return err
			}
			cur.Version++
			f.groups["g1"] = cur
			return nil
		}
		calls := 0
		g, err := s.EditMetadata(ctx, "g1", func(m *customergroup.Metadata) error {
			calls++
			return m.Set("ours", "y")
		})
		is.NoErr(err)
		is.Equal(calls, 2)
		is.Equal(f.count("UpdateGroup"), 2)
		is.Equal(f.count("Group"), 2)
		is.Equal(flat(g.Metadata), []string{"a", "1", "c", "3", "theirs", "x", "ours", "y"}) // neither row lost
		is.Equal(g.Version, int64(3))
		is.Equal(len(ev.types()), 1)
	})
	t.Run("gives up with ErrConflict after the retry bound", func(t *testing.T) {
		for _, retries := range []int{-1, 0, 1, 3} {
			is := is.New(t)
			s, f, ev := seed(t, customergroup.WithEditRetries(retries))
			f.onUpdate = func(*fakeStore, customergroup.CustomerGroup, int64) error { return customergroup.ErrConflict }
			calls := 0
			_, err := s.EditMetadata(ctx, "g1", func(m *customergroup.Metadata) error {
				calls++
				return m.Set("k", "v")
			})
			is.True(errors.Is(err, customergroup.ErrConflict))
			attempts := max(retries, 0) + 1 // the first try plus the retries
			is.Equal(f.count("UpdateGroup"), attempts)
			is.Equal(calls, attempts)
			is.Equal(len(ev.types()), 0)
		}
	})
	t.Run("default retry bound", func(t *testing.T) {
		is := is.New(t)
		s, f, _ := seed(t)
		f.onUpdate = func(*fakeStore, customergroup.CustomerGroup, int64) error { return customergroup.ErrConflict }
		_, err := s.EditMetadata(ctx, "g1", func(m *customergroup.Metadata) error { return m.Set("k", "v") })
		is.True(errors.Is(err, customergroup.ErrConflict))
		is.Equal(customergroup.DefaultEditRetries, 16)
		is.Equal(f.count("UpdateGroup"), customergroup.DefaultEditRetries+1)
	})
	t.Run("a cancelled context stops the retries", func(t *testing.T) {
		is := is.New(t)
		s, f, _ := seed(t)
		cctx, cancel := context.WithCancel(ctx)
		f.onUpdate = func(*fakeStore, customergroup.CustomerGroup, int64) error {
			cancel()
			return customergroup.ErrConflict
		}
		_, err := s.EditMetadata(cctx, "g1", func(m *customergroup.Metadata) error { return m.Set("k", "v") })
		is.True(errors.Is(err, context.Canceled))
		is.Equal(f.count("UpdateGroup"), 1)
	})
	t.Run("an error from edit is returned as it is, nothing saved", func(t *testing.T) {
		is := is.New(t)
		s, f, ev := seed(t)
		boom := errors.New("boom")
		_, err := s.EditMetadata(ctx, "g1", func(m *customergroup.Metadata) error {
			_ = m.Set("partial", "x")
			return boom
		})
		is.Equal(err, boom)
		is.Equal(f.count("UpdateGroup"), 0)
		is.Equal(f.groups["g1"].Metadata.Index("partial"), -1)
		is.Equal(len(ev.types()), 0)
	})
	t.Run("a mutator's refusal is ErrInvalid naming the key", func(t *testing.T) {
		s, f, _ := seed(t)
		_, err := s.EditMetadata(ctx, "g1", func(m *customergroup.Metadata) error { return m.Insert(0, "c", "dup") })
		isInvalid(t, err, `metadata["c"]`)
		is.New(t).Equal(f.count("UpdateGroup"), 0)
	})
	t.Run("the edited table is checked against the limits", func(t *testing.T) {
		is := is.New(t)
		s, f, _ := seed(t, customergroup.WithLimits(customergroup.Limits{MaxEntries: 3, MaxKeyBytes: 4, MaxValueBytes: 5}))
		for _, tc := range []struct {
			edit  func(m *customergroup.Metadata) error
			field string
		}{
			{func(m *customergroup.Metadata) error { return m.Set("longkey", "v") }, `metadata["longkey"]`},
			{func(m *customergroup.Metadata) error { return m.Set("k", "123456") }, `metadata["k"]`},
			{func(m *customergroup.Metadata) error { _ = m.Set("x", ""); return m.Set("y", "") }, "metadata"},
		} {
			_, err := s.EditMetadata(ctx, "g1", tc.edit)
			isInvalid(t, err, tc.field)
		}
		is.Equal(f.count("UpdateGroup"), 0)
		_, err := s.EditMetadata(ctx, "g1", func(m *customergroup.Metadata) error { return m.Set("keys", "12345") })
		is.NoErr(err) // exactly at the limits
	})
	t.Run("an edit that changes nothing saves nothing", func(t *testing.T) {
		is := is.New(t)
		s, f, ev := seed(t)
		g, err := s.EditMetadata(ctx, "g1", func(m *customergroup.Metadata) error {
			_ = m.Set("z", "")
			m.Delete("z")
			return m.Set("a", "1")
		})
		is.NoErr(err)
		is.Equal(g.Version, int64(1))
		is.Equal(f.count("UpdateGroup"), 0)
		is.Equal(len(ev.types()), 0)
	})
	t.Run("unknown group", func(t *testing.T) {
		is := is.New(t)
		s, _, _ := seed(t)
		called := false
		_, err := s.EditMetadata(ctx, "nope", func(*customergroup.Metadata) error { called = true; return nil })
		is.True(errors.Is(err, customergroup.ErrNotFound))
		is.True(!called)
	})
}

func TestServiceMembers(t *testing.T) {
	ctx := customergroup.WithActor(context.Background(), "clerk")
	t.Run("add: dedupes, stamps, counts new ones, tells the observer", func(t *testing.T) {
		is := is.New(t)
		clockTime := time.Date(2026, 3, 1, 12, 0, 0, 999, time.Local)
		s, f, ev := setup(customergroup.WithClock(func() time.Time { return clockTime }))
		f.put(group("g1", "VIP", t0, t0))
		f.members["g1"] = []string{"c0"}

		n, err := s.AddCustomers(ctx, "g1", []string{"c1", "c0", "c2", "c1", "c2"})
		is.NoErr(err)
		is.Equal(n, 2)
		is.Equal(f.lastAdd, []string{"c1", "c0", "c2"}) // the store sees each id once, in first-seen order
		is.Equal(f.addedBy, "clerk")
		is.Equal(f.addedAt, clockTime.UTC().Truncate(time.Microsecond))
		is.Equal(f.addedAt.Location(), time.UTC)
		e := ev.last()
		is.Equal(e.Type, customergroup.EventCustomersAdded)
		is.Equal(e.CustomerIDs, []string{"c1", "c2"}) // exactly those added
		is.Equal(e.Actor, "clerk")
		is.Equal(e.At, f.addedAt)
		is.Equal(e.GroupID, "g1")

		n, err = s.AddCustomers(ctx, "g1", []string{"c1", "c2"}) // all members already
		is.NoErr(err)
		is.Equal(n, 0)
		is.Equal(len(ev.types()), 1) // no event for a no-op
	})
	t.Run("add to an unknown group", func(t *testing.T) {
		is := is.New(t)
		s, _, ev := setup()
		_, err := s.AddCustomers(ctx, "nope", []string{"c1"})
		is.True(errors.Is(err, customergroup.ErrNotFound))
		is.Equal(len(ev.types()), 0)
	})
	t.Run("remove: counts members, ignores others, tells the observer", func(t *testing.T) {
		is := is.New(t)
		s, f, ev := setup()
		f.put(group("g1", "VIP", t0, t0))
		f.members["g1"] = []string{"c1", "c2", "c3"}
		n, err := s.RemoveCustomers(ctx, "g1", []string{"c3", "x", "c1", "c3"})
		is.NoErr(err)
		is.Equal(n, 2)
		is.Equal(f.members["g1"], []string{"c2"})
		e := ev.last()
		is.Equal(e.Type, customergroup.EventCustomersRemoved)
		is.Equal(e.CustomerIDs, []string{"c3", "c1"})
		is.Equal(e.Actor, "clerk")

		n, err = s.RemoveCustomers(ctx, "g1", []string{"x"})
		is.NoErr(err)
		is.Equal(n, 0)
		is.Equal(len(ev.types()), 1)
	})
	t.Run("forget: one event per group left", func(t *testing.T) {
		is := is.New(t)
		s, f, ev := setup()
		for _, id := range []string{"g1", "g2", "g3"} {
			f.put(group(id, id, t0, t0))
		}
		f.members["g1"] = []string{"c1"}
		f.members["g3"] = []string{"c1", "c2"}
		n, err := s.ForgetCustomer(ctx, "c1")
		is.NoErr(err)
		is.Equal(n, 2)
		is.Equal(ev.types(), []customergroup.EventType{customergroup.EventCustomersRemoved, customergroup.EventCustomersRemoved})
		is.Equal(ev.es[0].GroupID, "g1")
		is.Equal(ev.es[1].GroupID, "g3")
		is.Equal(ev.es[1].CustomerIDs, []string{"c1"})
		n, err = s.ForgetCustomer(ctx, "c1")
		is.NoErr(err)
		is.Equal(n, 0)
		is.Equal(len(ev.types()), 2)
	})
	t.Run("delete tells the observer once it is done", func(t *testing.T) {
		is := is.New(t)
		s, f, ev := setup()
		f.put(group("g1", "VIP", t0, t0))
		is.NoErr(s.Delete(ctx, "g1"))
		is.Equal(ev.types(), []customergroup.EventType{customergroup.EventDeleted})
		is.Equal(ev.last().GroupID, "g1")
		err := s.Delete(ctx, "g1")
		is.True(errors.Is(err, customergroup.ErrNotFound))
		is.Equal(len(ev.types()), 1)
	})
}

func TestServiceCustomerCheck(t *testing.T) {
	ctx := context.Background()
	known := map[string]bool{"c1": true, "c2": true}
	var seen [][]string
	check := func(_ context.Context, ids []string) ([]string, error) {
		seen = append(seen, slices.Clone(ids))
		unknown := []string{}
		for _, id := range ids {
			if !known[id] {
				unknown = append(unknown, id)
			}
		}
		return unknown, nil
	}
	s, f, ev := setup(customergroup.WithCustomerCheck(check))
	f.put(group("g1", "VIP", t0, t0))

	is := is.New(t)
	_, err := s.AddCustomers(ctx, "g1", []string{"c1", "ghost", "c1", "c2", "phantom"})
	is.True(errors.Is(err, customergroup.ErrUnknownCustomer))
	var uce *customergroup.UnknownCustomerError
	is.True(errors.As(err, &uce))
	is.Equal(uce.IDs, []string{"ghost", "phantom"})
	is.True(strings.Contains(err.Error(), `"ghost"`))
	is.Equal(seen, [][]string{{"c1", "ghost", "c2", "phantom"}}) // distinct, valid ids
	is.Equal(f.count("AddMembers"), 0)                           // nothing added
	is.Equal(len(ev.types()), 0)

	n, err := s.AddCustomers(ctx, "g1", []string{"c1", "c2"})
	is.NoErr(err)
	is.Equal(n, 2)

	// Invalid ids are refused before the host is asked.
	seen = nil
	_, err = s.AddCustomers(ctx, "g1", []string{"c1", "bad\x00"})
	isInvalid(t, err, "customerIDs[1]")
	is.Equal(len(seen), 0)

	// An empty batch asks nobody.
	_, _ = s.AddCustomers(ctx, "g1", nil)
	is.Equal(len(seen), 0)

	// Removing does not ask.
	_, err = s.RemoveCustomers(ctx, "g1", []string{"ghost"})
	is.NoErr(err)
	is.Equal(len(seen), 0)

	// The check's own error is returned as it is, and nothing is added.
	down := errors.New("customer service down")
	s2, f2, _ := setup(customergroup.WithCustomerCheck(func(context.Context, []string) ([]string, error) { return nil, down }))
	f2.put(group("g1", "VIP", t0, t0))
	_, err = s2.AddCustomers(ctx, "g1", []string{"c1"})
	is.Equal(err, down)
	is.Equal(f2.count("AddMembers"), 0)
}

func TestUnknownCustomerErrorText(t *testing.T) {
	is := is.New(t)
	ids := make([]string, 12)
	for i := range ids {
		ids[i] = fmt.Sprintf("c%d", i)
	}
	msg := (&customergroup.UnknownCustomerError{IDs: ids}).Error()
	is.True(strings.Contains(msg, `"c9"`))
	is.True(!strings.Contains(msg, `"c10"`))
	is.True(strings.HasSuffix(msg, "and 2 more"))
}

func TestServiceListNormalizes(t *testing.T) {
	is := is.New(t)
	s, f, _ := setup()
	p, err := s.List(context.Background(), customergroup.Query{Search: "  vip "})
	is.NoErr(err)
	is.True(p.Groups != nil)
	is.Equal(f.lastQ.Search, "vip")
	is.Equal(f.lastQ.Limit, customergroup.DefaultPageSize)
	is.Equal(f.lastQ.Sort, customergroup.SortByCreatedAt)
}

func TestActor(t *testing.T) {
	is := is.New(t)
	ctx := context.Background()
	is.Equal(customergroup.ActorFrom(ctx), "")
	ctx = customergroup.WithActor(ctx, "a")
	is.Equal(customergroup.ActorFrom(ctx), "a")
	is.Equal(customergroup.ActorFrom(customergroup.WithActor(ctx, "b")), "b") // the innermost wins
}

func TestTimestamp(t *testing.T) {
	is := is.New(t)
	in := time.Date(2026, 1, 2, 3, 4, 5, 678901234, time.FixedZone("X", -5*3600))
	got := customergroup.Timestamp(in)
	is.Equal(got, time.Date(2026, 1, 2, 8, 4, 5, 678901000, time.UTC))
}

func TestObserverFunc(t *testing.T) {
	is := is.New(t)
	var got customergroup.EventType
	s, f, _ := setup(customergroup.WithObserver(customergroup.ObserverFunc(func(_ context.Context, e customergroup.Event) { got = e.Type })))
	_ = f
	_, err := s.Create(context.Background(), customergroup.NewGroup{Name: "VIP"})
	is.NoErr(err)
	is.Equal(got, customergroup.EventCreated)
}
