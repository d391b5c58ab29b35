// Package storetest is the conformance suite for customergroup.Store implementations:
// memstore, every sqlstore dialect, and a host's own store all run it, and a store that
// passes it gives every guarantee the customergroup package documents.
//
// # Running it on a store
//
// Call Run from an ordinary test, with a function that returns a new, empty store each time
// it is called (Run calls it once per subtest):
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Factory(mystore.New))
//	}
//
// A store that needs a database takes the *testing.T to set itself up and clean up after
// itself, for example with a fresh schema or table prefix per call:
//
//	func TestConformance(t *testing.T) {
//		db := openTestDB(t) // skip unless the host's database is configured
//		storetest.Run(t, func(t *testing.T) customergroup.Store {
//			return newStoreWithFreshTables(t, db) // dropped again in t.Cleanup
//		})
//	}
//
// # What it checks
//
// The suite drives the store through a customergroup.Service, as a host would, with a fake
// clock (times with nanoseconds in a non-UTC zone, to check the store keeps UTC microseconds)
// and an Observer that records events. Its subtests are grouped by concept (Create, Update,
// Rename, EditMetadata, Metadata, Delete, AddCustomers, RemoveCustomers, CustomerCount,
// ListCustomers, Customers, List, Paging, Events, Times, Context, Batch, Concurrency); each
// pins one documented behaviour and fails if it breaks. Most are a handful of calls, so the
// suite is quick even against a database; the exceptions are Batch/Million (1,000,000 ids in
// one AddCustomers and one RemoveCustomers call), which is skipped under go test -short, and
// the Concurrency group, which is worth running under -race:
//
//	go test -race -run 'TestConformance/Concurrency' ./mystore
//
// The subtests run one after another (not in parallel), each on its own fresh store.
//
// Where each guarantee of the customergroup contract is pinned:
//
//   - Create trims, validates, folds names, keeps supplied ids: Create/*, Rename/*.
//   - ErrNotFound for an unknown group: Get/UnknownIsErrNotFound, Update/UnknownIsErrNotFound,
//     EditMetadata/UnknownIsErrNotFound, Delete/UnknownIsErrNotFound,
//     Delete/DeletedGroupIsGoneEverywhere, AddCustomers/UnknownGroupIsErrNotFound (also with
//     no ids), RemoveCustomers/UnknownGroupIsErrNotFound, ListCustomers/UnknownGroupIsErrNotFound;
//     IsMember is false instead (Customers/IsMemberOfUnknownGroupIsFalse).
//   - Versions and conflicts: Update/*, EditMetadata/*, Concurrency/IfVersionRace,
//     Concurrency/EditorsKeepEachOthersRows.
//   - Delete: Delete/*, Concurrency/DeleteWhileAdding.
//   - Idempotent, atomic AddCustomers and RemoveCustomers: AddCustomers/*, RemoveCustomers/*,
//     Batch/*, Concurrency/AddAndRemoveSameCustomers.
//   - The customer check: AddCustomers/CustomerCheckRefusesUnknown, AddCustomers/CustomerCheckError.
//   - ForgetCustomer: Customers/ForgetCustomer.
//   - Exact CustomerCount: CustomerCount/ExactAfterEveryOperation, and after most changes elsewhere.
//   - Non-nil slices: every List, ListCustomers and GroupIDsOf call the suite makes checks it;
//     List/EmptyStore, List/NoMatchIsEmptyNotNil, ListCustomers/EmptyGroup,
//     Customers/GroupIDsOfNoneIsEmpty aim at it.
//   - Ordered metadata: Metadata/*.
//   - Listing, filters, search, sorting and paging: List/*, Paging/*, ListCustomers/*.
//   - Events: Events/*, and the exact events after each change elsewhere.
//   - Times in UTC at microsecond precision: Times/*.
//   - The context's error, with nothing changed: Context/*.
package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	cg "github.com/b02aa859/customergroup"
)

// Run runs the whole conformance suite against the stores newStore returns. newStore is called
// once per subtest, with that subtest's *testing.T, and must return a new, empty store; it may
// skip or fail the test, and register cleanup with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) cg.Store) {
	t.Helper()
	for _, s := range suites() {
		t.Run(s.name, func(t *testing.T) {
			for _, c := range s.cases {
				t.Run(c.name, func(t *testing.T) {
					c.run(t, newHarness(t, newStore))
				})
			}
		})
	}
}

// Factory adapts a constructor of a concrete store, such as memstore.New, to Run's newStore,
// so that a store's conformance test is three lines:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Factory(memstore.New))
//	}
func Factory[S cg.Store](newStore func() S) func(t *testing.T) cg.Store {
	return func(*testing.T) cg.Store { return newStore() }
}

// A suite is the subtests of one concept.
type suite struct {
	name  string
	cases []testCase
}

// A testCase gets a harness around a fresh, empty store.
type testCase struct {
	name string
	run  func(t *testing.T, h *harness)
}

func suites() []suite {
	return []suite{
		{"Create", createTests()},
		{"Get", getTests()},
		{"Update", updateTests()},
		{"Rename", renameTests()},
		{"EditMetadata", editMetadataTests()},
		{"Metadata", metadataTests()},
		{"Delete", deleteTests()},
		{"AddCustomers", addTests()},
		{"RemoveCustomers", removeTests()},
		{"CustomerCount", countTests()},
		{"ListCustomers", listCustomersTests()},
		{"Customers", customerTests()},
		{"List", listTests()},
		{"Paging", pagingTests()},
		{"Events", eventTests()},
		{"Times", timeTests()},
		{"Context", contextTests()},
		{"Batch", batchTests()},
		{"Concurrency", concurrencyTests()},
	}
}

// baseTime is where the fake clock starts: nanoseconds that the store must not keep, in a
// zone that is not UTC and on another calendar day than in UTC (2025-03-29T20:29:58.123456Z).
var baseTime = time.Date(2025, time.March, 30, 1, 59, 58, 123456789,
	time.FixedZone("UTC+05:30", 5*60*60+30*60))

// tick is how far harness.tick moves the clock: stamps a tick apart differ at microsecond
// precision and keep a sub-microsecond remainder to be cut.
const tick = time.Second + 1001*time.Nanosecond

// fakeClock is the Service's clock; safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// recorder is the Observer: it keeps every event, with its own copy of CustomerIDs.
type recorder struct {
	mu     sync.Mutex
	events []cg.Event
}

func (r *recorder) Observe(_ context.Context, e cg.Event) {
	e.CustomerIDs = slices.Clone(e.CustomerIDs)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// take returns the events recorded since the last take and forgets them.
func (r *recorder) take() []cg.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.events
	r.events = nil
	return e
}

// harness is one subtest's world: a fresh store, a Service over it with the fake clock and
// the recorder, and helpers that fail the test on any unexpected error.
type harness struct {
	t      *testing.T
	ctx    context.Context
	store  cg.Store
	clock  *fakeClock
	events *recorder
	svc    *cg.Service
}

func newHarness(t *testing.T, newStore func(*testing.T) cg.Store) *harness {
	t.Helper()
	store := newStore(t)
	require.NotNil(t, store, "newStore returned a nil Store")
	h := &harness{t: t, ctx: t.Context(), store: store, clock: &fakeClock{now: baseTime}, events: new(recorder)}
	h.svc = h.service()
	p, err := h.svc.List(h.ctx, cg.Query{CountTotal: true, Limit: 1})
	require.NoError(t, err, "listing the groups of a new store")
	require.Zero(t, p.Total, "newStore must return an empty store")
	return h
}

// service returns another Service over the same store, clock and recorder, with opts added.
func (h *harness) service(opts ...cg.Option) *cg.Service {
	base := []cg.Option{cg.WithClock(h.clock.Now), cg.WithObserver(h.events)}
	return cg.New(h.store, append(base, opts...)...)
}

// as returns the harness context with actor acting.
func (h *harness) as(actor string) context.Context { return cg.WithActor(h.ctx, actor) }

// tick moves the clock forward by tick.
func (h *harness) tick() { h.clock.Advance(tick) }

// now is the stamp the Service makes of the clock's current time: UTC, microseconds.
func (h *harness) now() time.Time { return cg.Timestamp(h.clock.Now()) }

// setTick sets the clock to n ticks after baseTime and returns the stamp of that time.
func (h *harness) setTick(n int) time.Time {
	h.clock.Set(baseTime.Add(time.Duration(n) * tick))
	return h.now()
}

func (h *harness) create(name string) cg.CustomerGroup {
	h.t.Helper()
	return h.createWith(cg.NewGroup{Name: name})
}

func (h *harness) createWith(g cg.NewGroup) cg.CustomerGroup {
	h.t.Helper()
	out, err := h.svc.Create(h.ctx, g)
	require.NoError(h.t, err, "Create(%q)", g.Name)
	return out
}

func (h *harness) get(id string) cg.CustomerGroup {
	h.t.Helper()
	g, err := h.svc.Get(h.ctx, id)
	require.NoError(h.t, err, "Get(%q)", id)
	return g
}

func (h *harness) add(groupID string, customerIDs ...string) int {
	h.t.Helper()
	n, err := h.svc.AddCustomers(h.ctx, groupID, customerIDs)
	require.NoError(h.t, err, "AddCustomers(%q)", groupID)
	return n
}

func (h *harness) remove(groupID string, customerIDs ...string) int {
	h.t.Helper()
	n, err := h.svc.RemoveCustomers(h.ctx, groupID, customerIDs)
	require.NoError(h.t, err, "RemoveCustomers(%q)", groupID)
	return n
}

func (h *harness) isMember(groupID, customerID string) bool {
	h.t.Helper()
	ok, err := h.svc.IsMember(h.ctx, groupID, customerID)
	require.NoError(h.t, err, "IsMember(%q, %q)", groupID, customerID)
	return ok
}

func (h *harness) groupIDsOf(customerID string) []string {
	h.t.Helper()
	ids, err := h.svc.GroupIDsOf(h.ctx, customerID)
	require.NoError(h.t, err, "GroupIDsOf(%q)", customerID)
	require.NotNil(h.t, ids, "GroupIDsOf(%q) returned a nil slice", customerID)
	return ids
}

// list returns one page, checking it has a non-nil Groups.
func (h *harness) list(q cg.Query) cg.Page {
	h.t.Helper()
	p, err := h.svc.List(h.ctx, q)
	require.NoError(h.t, err, "List(%+v)", q)
	require.NotNil(h.t, p.Groups, "List(%+v) returned a nil Page.Groups", q)
	return p
}

// listAll walks every page of q by cursor (MaxPageSize at a time when q.Limit is 0) and
// returns the groups in order.
func (h *harness) listAll(q cg.Query) []cg.CustomerGroup {
	h.t.Helper()
	if q.Limit == 0 {
		q.Limit = cg.MaxPageSize
	}
	out := []cg.CustomerGroup{}
	for page := 0; ; page++ {
		require.Less(h.t, page, 10000, "List keeps returning a Next cursor")
		p := h.list(q)
		out = append(out, p.Groups...)
		if p.Next == "" {
			return out
		}
		require.Len(h.t, p.Groups, q.Limit, "a page with a Next cursor must be full")
		q.After = p.Next
	}
}

// listIDs is the ids of listAll(q).
func (h *harness) listIDs(q cg.Query) []string {
	h.t.Helper()
	return groupIDs(h.listAll(q))
}

// members walks every page of the group's members by cursor.
func (h *harness) members(groupID string) []cg.Membership {
	h.t.Helper()
	q := cg.MemberQuery{Limit: cg.MaxPageSize}
	out := []cg.Membership{}
	for page := 0; ; page++ {
		require.Less(h.t, page, 10000, "ListCustomers keeps returning a Next cursor")
		p, err := h.svc.ListCustomers(h.ctx, groupID, q)
		require.NoError(h.t, err, "ListCustomers(%q)", groupID)
		require.NotNil(h.t, p.Members, "ListCustomers(%q) returned a nil MemberPage.Members", groupID)
		out = append(out, p.Members...)
		if p.Next == "" {
			return out
		}
		require.Len(h.t, p.Members, q.Limit, "a member page with a Next cursor must be full")
		q.After = p.Next
	}
}

// memberIDs is the customer ids of members(groupID), in the order listed.
func (h *harness) memberIDs(groupID string) []string {
	h.t.Helper()
	return customerIDsOf(h.members(groupID))
}

// requireCount checks that Get, List and ListCustomers (Total, and the members listed when
// there are not too many) all say the group has n customers.
func (h *harness) requireCount(groupID string, n int) {
	h.t.Helper()
	require.Equal(h.t, n, h.get(groupID).CustomerCount, "Get(%q).CustomerCount", groupID)
	p := h.list(cg.Query{IDs: []string{groupID}})
	require.Len(h.t, p.Groups, 1, "List(IDs: %q)", groupID)
	require.Equal(h.t, n, p.Groups[0].CustomerCount, "List(IDs: %q).Groups[0].CustomerCount", groupID)
	mp, err := h.svc.ListCustomers(h.ctx, groupID, cg.MemberQuery{Limit: 1, CountTotal: true})
	require.NoError(h.t, err)
	require.Equal(h.t, n, mp.Total, "ListCustomers(%q, CountTotal).Total", groupID)
	if n <= 5000 {
		require.Len(h.t, h.members(groupID), n, "members listed by ListCustomers(%q)", groupID)
	}
}

// requireEvents checks that the events since the last take are exactly want, in order.
func (h *harness) requireEvents(want ...cg.Event) {
	h.t.Helper()
	require.Equal(h.t, fmtEvents(want), fmtEvents(h.events.take()), "events")
}

// requireNoEvents checks that there was no event since the last take.
func (h *harness) requireNoEvents() {
	h.t.Helper()
	require.Empty(h.t, fmtEvents(h.events.take()), "events (there must be none)")
}

// snapshot forgets the events so far and returns a dump of everything in the store, for
// requireUnchanged.
func (h *harness) snapshot() string {
	h.t.Helper()
	h.events.take()
	return h.dump()
}

// requireUnchanged checks that the store holds exactly what it held at snapshot and that
// there was no event since.
func (h *harness) requireUnchanged(snapshot string) {
	h.t.Helper()
	require.Equal(h.t, snapshot, h.dump(), "the store changed")
	h.requireNoEvents()
}

// dump renders every group (all fields) and every membership in the store as text.
func (h *harness) dump() string {
	h.t.Helper()
	var b strings.Builder
	for _, g := range h.listAll(cg.Query{}) {
		fmt.Fprintln(&b, fmtGroup(g))
		for _, m := range h.members(g.ID) {
			fmt.Fprintf(&b, "\t%s\n", fmtMember(m))
		}
	}
	return b.String()
}

// event builds an expected event.
func event(typ cg.EventType, groupID, actor string, at time.Time, customerIDs ...string) cg.Event {
	return cg.Event{Type: typ, GroupID: groupID, CustomerIDs: customerIDs, Actor: actor, At: at}
}

// fmtTime renders t with its location, so that a time in another zone than UTC (even at the
// same instant) or with nanoseconds compares unequal.
func fmtTime(t time.Time) string {
	return t.Format("2006-01-02T15:04:05.000000000Z07:00") + " [" + t.Location().String() + "]"
}

func fmtGroup(g cg.CustomerGroup) string {
	return fmt.Sprintf("group id=%q name=%q count=%d createdBy=%q createdAt=%s updatedAt=%s version=%d metadata=%q",
		g.ID, g.Name, g.CustomerCount, g.CreatedBy, fmtTime(g.CreatedAt), fmtTime(g.UpdatedAt), g.Version, g.Metadata.Entries())
}

func fmtMember(m cg.Membership) string {
	return fmt.Sprintf("member group=%q customer=%q addedAt=%s addedBy=%q", m.GroupID, m.CustomerID, fmtTime(m.AddedAt), m.AddedBy)
}

func fmtEvents(es []cg.Event) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, fmt.Sprintf("%s group=%q customers=%q actor=%q at=%s", e.Type, e.GroupID, e.CustomerIDs, e.Actor, fmtTime(e.At)))
	}
	return out
}

// requireGroup checks every field of got against want (metadata rows in order, times to the
// nanosecond and in UTC).
func requireGroup(t *testing.T, want, got cg.CustomerGroup, msgAndArgs ...any) {
	t.Helper()
	require.Equal(t, fmtGroup(want), fmtGroup(got), msgAndArgs...)
}

// requireInvalid checks err is ErrInvalid with a *ValidationError; field, when not "", is the
// field it must name.
func requireInvalid(t *testing.T, err error, field string, msgAndArgs ...any) {
	t.Helper()
	require.ErrorIs(t, err, cg.ErrInvalid, msgAndArgs...)
	var ve *cg.ValidationError
	require.ErrorAs(t, err, &ve, msgAndArgs...)
	if field != "" {
		require.Equal(t, field, ve.Field, msgAndArgs...)
	} else {
		require.NotEmpty(t, ve.Field, msgAndArgs...)
	}
}

// metadata builds a table from key, value pairs.
func metadata(t *testing.T, kv ...string) cg.Metadata {
	t.Helper()
	require.Zero(t, len(kv)%2, "metadata needs key, value pairs")
	var es []cg.Entry
	for i := 0; i < len(kv); i += 2 {
		es = append(es, cg.Entry{Key: kv[i], Value: kv[i+1]})
	}
	m, err := cg.MetadataOf(es...)
	require.NoError(t, err)
	return m
}

func groupIDs(gs []cg.CustomerGroup) []string {
	out := []string{}
	for _, g := range gs {
		out = append(out, g.ID)
	}
	return out
}

func customerIDsOf(ms []cg.Membership) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.CustomerID)
	}
	return out
}

// sorted returns a sorted copy of ss (byte order, as Go compares strings).
func sorted(ss ...string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// ptr returns a pointer to v, for Update's fields.
func ptr[T any](v T) *T { return &v }
