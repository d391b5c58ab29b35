package reliability

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cg "github.com/b02aa859/customergroup"
)

// TestLoad runs a bounded mixed workload (creates, renames, conditional updates, metadata
// edits, adds, removes, ForgetCustomer, deletes and every lookup) from many goroutines on two
// separate pools (two processes, as far as the database can tell), then checks against the
// tables with raw SQL that every invariant holds and that the database holds exactly what the
// acknowledged operations wrote:
//
//   - every customer_count equals its member rows; no membership twice; no membership of a
//     deleted or missing group; no two groups with one folded name;
//   - the groups are exactly those whose Create was acknowledged and whose Delete was not;
//   - each worker owns its customers, so for every surviving group the members of each worker
//     are exactly those its acknowledged adds, removes and ForgetCustomer calls leave;
//   - every metadata row an acknowledged EditMetadata added is there with its value, none an
//     acknowledged edit deleted is, and none that no edit acknowledged;
//   - each group's version is 1 + its acknowledged changes (no lost update), its name one
//     that an acknowledged Create or rename gave it, and no worker ever read a version older
//     than one it had seen (versions only grow);
//   - every lookup agrees with the worker's own model of its customers, unless the group was
//     deleted meanwhile.
//
// It prints the operations per second of each kind. The duration is 10s per server (3s on
// SQLite) in CI, 3s with -short, 60s with CUSTOMERGROUP_RELIABILITY=full, or
// CUSTOMERGROUP_LOAD_DURATION (a Go duration).
func TestLoad(t *testing.T) {
	all := []struct {
		name    string
		get     func(t *testing.T) backend
		workers int
		conns   int
		share   float64 // of the duration
	}{
		{"postgres", postgresBackend, 16, 8, 1},
		{"mysql", mysqlBackend, 16, 8, 1},
		{"sqlite", sqliteBackend, 8, 4, 0.3},
	}
	for _, c := range all {
		t.Run(c.name, func(t *testing.T) {
			b := c.get(t)
			d := time.Duration(float64(loadDuration(t)) * c.share)
			runLoad(t, b, c.workers, c.conns, d)
		})
	}
}

func loadDuration(t *testing.T) time.Duration {
	if s := os.Getenv("CUSTOMERGROUP_LOAD_DURATION"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("CUSTOMERGROUP_LOAD_DURATION: %v", err)
		}
		return d
	}
	switch {
	case full():
		return time.Minute
	case testing.Short():
		return 3 * time.Second
	}
	return 10 * time.Second
}

// registry is what the workers know together: the groups, and what acknowledged operations did
// to their names, versions and deletion.
type registry struct {
	mu     sync.Mutex
	groups map[string]*groupFacts
	live   []string // ids of groups not known to be deleted
	names  atomic.Int64
	base   cg.Metadata // every group's first metadata rows
}

type groupFacts struct {
	id      string
	names   []string // the acknowledged Create's name, then every acknowledged rename
	bumps   int      // acknowledged changes: version should be 1 + bumps
	deleted bool     // an acknowledged Delete
}

func (r *registry) add(g cg.CustomerGroup) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.groups[g.ID] = &groupFacts{id: g.ID, names: []string{g.Name}}
	r.live = append(r.live, g.ID)
}

// pick returns a random group id that is not known to be deleted, or "".
func (r *registry) pick(rnd *rand.Rand) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.live) == 0 {
		return ""
	}
	return r.live[rnd.IntN(len(r.live))]
}

func (r *registry) liveCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.live)
}

// nameOf returns some acknowledged name of a live group (to collide with), or "".
func (r *registry) nameOf(id string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f := r.groups[id]; f != nil {
		return f.names[len(f.names)-1]
	}
	return ""
}

func (r *registry) changed(id string, newName string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.groups[id]
	f.bumps++
	if newName != "" {
		f.names = append(f.names, newName)
	}
}

func (r *registry) deleted(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.groups[id].deleted = true
	r.live = slices.DeleteFunc(r.live, func(s string) bool { return s == id })
}

func (r *registry) isDeleted(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.groups[id].deleted
}

// loadWorker is one goroutine of the workload, with its own customers and what it knows of
// them.
type loadWorker struct {
	id        int
	svc       *cg.Service
	rnd       *rand.Rand
	customers []string
	members   map[string]map[string]bool   // group → its customers the worker put there (acknowledged)
	keys      map[string]map[string]string // group → metadata key → value, from acknowledged edits
	gone      map[string]map[string]bool   // group → keys acknowledged as deleted
	seen      map[string]int64             // group → highest version this worker has read
	keyN      int
	ops       map[string]int
	expected  map[string]int // errors the contract allows under contention (not found, conflict, name taken)
	problems  []string
}

func (w *loadWorker) problem(format string, args ...any) {
	if len(w.problems) < 20 {
		w.problems = append(w.problems, fmt.Sprintf("worker %d: ", w.id)+fmt.Sprintf(format, args...))
	}
}

// see records a version read from group id and reports a version older than one seen before.
func (w *loadWorker) see(op string, g cg.CustomerGroup) {
	if v := w.seen[g.ID]; g.Version < v {
		w.problem("%s read version %d of group %s after having seen %d: versions went back", op, g.Version, g.ID, v)
	}
	w.seen[g.ID] = max(w.seen[g.ID], g.Version)
}

// outcome counts an operation; an error is fine when it is one the contract gives under
// contention for this operation, and reported otherwise.
func (w *loadWorker) outcome(op string, err error, allowed ...error) bool {
	w.ops[op]++
	if err == nil {
		return true
	}
	for _, a := range allowed {
		if errors.Is(err, a) {
			w.expected[op+": "+errorClass(err)]++
			return false
		}
	}
	w.problem("%s: unexpected error: %v", op, err)
	return false
}

func runLoad(t *testing.T, b backend, workers, conns int, d time.Duration) {
	direct := b.open(t, 2)
	tb := newTables(t, b, direct)
	svcs := []*cg.Service{cg.New(tb.storeOn(t, b.open(t, conns))), cg.New(tb.storeOn(t, b.open(t, conns)))}
	reg := &registry{groups: map[string]*groupFacts{}, base: table(t, "base", 2)}
	ctx := context.Background()
	for i := range 20 {
		g, err := svcs[i%2].Create(ctx, cg.NewGroup{Name: fmt.Sprintf("load-%04d", reg.names.Add(1)), Metadata: reg.base})
		if err != nil {
			t.Fatal(err)
		}
		reg.add(g)
	}
	ws := make([]*loadWorker, workers)
	for i := range ws {
		ws[i] = &loadWorker{
			id: i, svc: svcs[i%2], rnd: rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano()))),
			customers: ids(fmt.Sprintf("w%02d", i), 0, 60),
			members:   map[string]map[string]bool{}, keys: map[string]map[string]string{}, gone: map[string]map[string]bool{},
			seen: map[string]int64{}, ops: map[string]int{}, expected: map[string]int{},
		}
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	start := time.Now()
	for _, w := range ws {
		wg.Go(func() {
			for !stop.Load() {
				w.step(ctx, reg)
			}
		})
	}
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(start)

	// What the workers did.
	total := 0
	byOp := map[string]int{}
	expected := map[string]int{}
	for _, w := range ws {
		for op, n := range w.ops {
			byOp[op] += n
			total += n
		}
		for k, n := range w.expected {
			expected[k] += n
		}
		for _, p := range w.problems {
			t.Error(p)
		}
	}
	opNames := make([]string, 0, len(byOp))
	for op := range byOp {
		opNames = append(opNames, op)
	}
	sort.Strings(opNames)
	var parts []string
	for _, op := range opNames {
		parts = append(parts, fmt.Sprintf("%s %.0f/s", op, float64(byOp[op])/elapsed.Seconds()))
	}
	t.Logf("%d workers on 2 pools for %v: %d operations, %.0f ops/s (%s)", workers, elapsed.Round(time.Millisecond), total, float64(total)/elapsed.Seconds(), strings.Join(parts, ", "))
	if len(expected) > 0 {
		t.Logf("errors the contract allows under contention, nothing stored: %v", expected)
	}

	// What the tables hold.
	checks := loadChecks(t, tb, reg, ws)
	rep := tb.checkInvariants(t)
	checks = append(rep.checks, checks...)
	t.Logf("invariants checked against the tables (%d groups, %d memberships): %s", rep.groups, rep.members, strings.Join(checks, "; "))
	countLoad(fmt.Sprintf("%-8s %2d workers, 2 pools, %v: %d ops, %.0f ops/s; %d invariants held: %v", b.name, workers,
		elapsed.Round(time.Second), total, float64(total)/elapsed.Seconds(), len(checks), !t.Failed()))
}

// step runs one random operation.
func (w *loadWorker) step(ctx context.Context, reg *registry) {
	r := w.rnd.IntN(100)
	gid := reg.pick(w.rnd)
	if gid == "" {
		r = 0
	}
	notFound := cg.ErrNotFound
	switch {
	case r < 4: // create; now and then with a name that is taken
		name := fmt.Sprintf("load-%04d", reg.names.Add(1))
		if w.rnd.IntN(5) == 0 && gid != "" {
			name = strings.ToUpper(reg.nameOf(gid))
		}
		g, err := w.svc.Create(ctx, cg.NewGroup{Name: name, Metadata: reg.base})
		if w.outcome("create", err, cg.ErrNameTaken) {
			reg.add(g)
			w.see("create", g)
		}
	case r < 12: // rename to a fresh name
		name := fmt.Sprintf("load-%04d", reg.names.Add(1))
		g, err := w.svc.Update(ctx, gid, cg.Update{Name: &name})
		if w.outcome("rename", err, notFound, cg.ErrConflict) {
			if g.Name != name {
				w.problem("rename to %q returned name %q", name, g.Name)
			}
			reg.changed(gid, name) // a fresh name is always a change
			w.see("rename", g)
		}
	case r < 16: // compare-and-set rename after a read: to a fresh name, or to another group's
		g, err := w.svc.Get(ctx, gid)
		if !w.outcome("get", err, notFound) {
			return
		}
		w.see("get", g)
		name := fmt.Sprintf("load-%04d", reg.names.Add(1))
		if other := reg.pick(w.rnd); w.rnd.IntN(3) == 0 && other != gid && other != "" {
			name = strings.ToUpper(reg.nameOf(other))
		}
		if name == g.Name {
			return // not a change
		}
		g2, err := w.svc.Update(ctx, gid, cg.Update{Name: &name, IfVersion: g.Version})
		if w.outcome("update-if-version", err, notFound, cg.ErrConflict, cg.ErrNameTaken) {
			if g2.Version != g.Version+1 || g2.Name != name {
				w.problem("update of version %d to %q returned version %d, name %q", g.Version, name, g2.Version, g2.Name)
			}
			reg.changed(gid, name)
			w.see("update-if-version", g2)
		}
	case r < 28: // metadata edit: add a row of this worker's, or delete one
		keys := w.keys[gid]
		var key, value string
		del := len(keys) >= 3 || (len(keys) > 0 && w.rnd.IntN(3) == 0)
		if del {
			for k := range keys {
				key = k
				break
			}
		} else {
			w.keyN++
			key, value = fmt.Sprintf("w%02d-k%06d", w.id, w.keyN), fmt.Sprintf("v%d", w.rnd.Int())
		}
		var missing bool
		g, err := w.svc.EditMetadata(ctx, gid, func(m *cg.Metadata) error {
			missing = false
			if del {
				if !m.Delete(key) {
					missing = true
					return errMissingRow
				}
				return nil
			}
			return m.Set(key, value)
		})
		if missing {
			w.problem("metadata row %q of group %s, acknowledged before, is lost", key, gid)
		}
		if w.outcome("edit-metadata", err, notFound, cg.ErrConflict, errMissingRow) {
			if w.keys[gid] == nil {
				w.keys[gid], w.gone[gid] = map[string]string{}, map[string]bool{}
			}
			if del {
				delete(w.keys[gid], key)
				w.gone[gid][key] = true
			} else {
				w.keys[gid][key] = value
			}
			reg.changed(gid, "")
			w.see("edit-metadata", g)
		}
	case r < 50: // add some of this worker's customers
		batch := w.sample(1 + w.rnd.IntN(40))
		n, err := w.svc.AddCustomers(ctx, gid, batch)
		if w.outcome("add", err, notFound, cg.ErrConflict) {
			m := w.group(gid)
			want := 0
			for _, c := range batch {
				if !m[c] {
					want++
				}
				m[c] = true
			}
			if n != want {
				w.problem("AddCustomers added %d, the worker's own model says %d were new", n, want)
			}
		}
	case r < 60: // remove some
		batch := w.sample(1 + w.rnd.IntN(30))
		n, err := w.svc.RemoveCustomers(ctx, gid, batch)
		if w.outcome("remove", err, notFound, cg.ErrConflict) {
			m := w.group(gid)
			want := 0
			for _, c := range batch {
				if m[c] {
					want++
				}
				delete(m, c)
			}
			if n != want {
				w.problem("RemoveCustomers removed %d, the worker's own model says %d were members", n, want)
			}
		}
	case r < 62: // forget a customer everywhere
		c := w.customers[w.rnd.IntN(len(w.customers))]
		_, err := w.svc.ForgetCustomer(ctx, c)
		if w.outcome("forget", err, cg.ErrConflict) {
			for _, m := range w.members {
				delete(m, c)
			}
		}
	case r < 64: // delete, keeping a dozen groups alive
		if reg.liveCount() < 12 {
			return
		}
		err := w.svc.Delete(ctx, gid)
		if w.outcome("delete", err, notFound, cg.ErrConflict) {
			reg.deleted(gid)
		}
	case r < 74:
		g, err := w.svc.Get(ctx, gid)
		if w.outcome("get", err, notFound) {
			w.see("get", g)
		}
	case r < 82: // is-member, against the worker's model
		c := w.customers[w.rnd.IntN(len(w.customers))]
		in, err := w.svc.IsMember(ctx, gid, c)
		if w.outcome("is-member", err) && in != w.members[gid][c] {
			w.unlessDeleted(ctx, reg, gid, "IsMember(%s) = %v, but the worker's acknowledged operations say %v", c, in, !in)
		}
	case r < 90: // the pricing lookup, against the model
		c := w.customers[w.rnd.IntN(len(w.customers))]
		got, err := w.svc.GroupIDsOf(ctx, c)
		if !w.outcome("group-ids-of", err) {
			return
		}
		if !slices.IsSorted(got) {
			w.problem("GroupIDsOf is not in byte order: %q", got)
		}
		for g, m := range w.members {
			if in := slices.Contains(got, g); in != m[c] {
				w.unlessDeleted(ctx, reg, g, "GroupIDsOf(%s) has group %s: %v, but the worker's model says %v", c, g, in, m[c])
			}
		}
	case r < 95: // list with a search, a filter and paging
		q := cg.Query{Search: fmt.Sprintf("%d", w.rnd.IntN(10)), Sort: cg.SortByName, Limit: 5, CountTotal: w.rnd.IntN(2) == 0}
		page, err := w.svc.List(ctx, q)
		if w.outcome("list", err) {
			for i, g := range page.Groups {
				if !strings.Contains(cg.FoldName(g.Name), q.Search) {
					w.problem("List(search %q) returned %q", q.Search, g.Name)
				}
				if i > 0 && cg.FoldName(page.Groups[i-1].Name) >= cg.FoldName(g.Name) {
					w.problem("List by name is out of order: %q then %q", page.Groups[i-1].Name, g.Name)
				}
			}
		}
	default: // page through a group's members; the worker's own ones must be exact
		var got []string
		var q cg.MemberQuery
		q.Limit = 25
		for {
			p, err := w.svc.ListCustomers(ctx, gid, q)
			if !w.outcome("list-customers", err, notFound) {
				return
			}
			for _, m := range p.Members {
				if len(got) > 0 && m.CustomerID <= got[len(got)-1] {
					w.problem("ListCustomers pages are out of order or repeat: %q after %q", m.CustomerID, got[len(got)-1])
				}
				got = append(got, m.CustomerID)
			}
			if p.Next == "" {
				break
			}
			q.After = p.Next
		}
		mine := 0
		prefix := fmt.Sprintf("w%02d-", w.id)
		for _, c := range got {
			if strings.HasPrefix(c, prefix) {
				mine++
				if !w.members[gid][c] {
					w.unlessDeleted(ctx, reg, gid, "ListCustomers has %s, which the worker removed or never added", c)
				}
			}
		}
		if mine != len(w.members[gid]) {
			w.unlessDeleted(ctx, reg, gid, "ListCustomers has %d of the worker's customers, its model %d", mine, len(w.members[gid]))
		}
	}
}

var errMissingRow = errors.New("the metadata row to delete is not there")

func (w *loadWorker) group(id string) map[string]bool {
	if w.members[id] == nil {
		w.members[id] = map[string]bool{}
	}
	return w.members[id]
}

func (w *loadWorker) sample(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = w.customers[w.rnd.IntN(len(w.customers))]
	}
	return out
}

// unlessDeleted reports a mismatch unless the group is gone now: a group that still exists
// existed at the time of the lookup (ids are never reused and Delete is final).
func (w *loadWorker) unlessDeleted(ctx context.Context, reg *registry, id, format string, args ...any) {
	if reg.isDeleted(id) {
		return
	}
	if _, err := w.svc.Get(ctx, id); errors.Is(err, cg.ErrNotFound) {
		return
	}
	w.problem("group %s: "+format, append([]any{id}, args...)...)
}

// loadChecks compares the tables with what the acknowledged operations wrote, and returns
// the names of the checks.
func loadChecks(t *testing.T, tb *tables, reg *registry, ws []*loadWorker) []string {
	t.Helper()
	ctx := context.Background()
	stored, err := queryStrings(ctx, tb.db, tb.bind(`SELECT id FROM {groups}`))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for id, f := range reg.groups {
		if !f.deleted {
			want = append(want, id)
		}
	}
	slices.Sort(stored)
	slices.Sort(want)
	if !slices.Equal(stored, want) {
		lost, extra := diff(want, stored), diff(stored, want)
		countLost(len(lost))
		t.Errorf("the groups table does not hold exactly the acknowledged groups: %d lost %q, %d unacknowledged or deleted %q", len(lost), lost, len(extra), extra)
	}
	svc := cg.New(tb.store)
	lost := 0
	for _, id := range stored {
		f := reg.groups[id]
		if f == nil {
			continue
		}
		g, err := svc.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(1 + f.bumps); g.Version != want {
			t.Errorf("group %s: version %d, but 1 + %d acknowledged changes = %d: an update was lost or invented", id, g.Version, f.bumps, want)
		}
		if !slices.Contains(f.names, g.Name) {
			t.Errorf("group %s: name %q was never acknowledged (acknowledged: %q)", id, g.Name, f.names)
		}
		for _, w := range ws {
			if g.Version < w.seen[id] {
				t.Errorf("group %s: version %d, but worker %d read %d: versions went back", id, g.Version, w.id, w.seen[id])
			}
		}
		// Metadata rows: each worker's acknowledged rows are there with their values, and
		// no other rows of the workers are.
		owner := map[string]*loadWorker{}
		for _, w := range ws {
			owner[fmt.Sprintf("w%02d-", w.id)] = w
		}
		for k, v := range g.Metadata.All() {
			if strings.HasPrefix(k, "base-") {
				continue
			}
			w := owner[k[:4]]
			if w == nil {
				t.Errorf("group %s: metadata row %q belongs to nobody", id, k)
				continue
			}
			if got, ok := w.keys[id][k]; !ok || got != v {
				t.Errorf("group %s: metadata row %q = %q was not acknowledged (deleted: %v)", id, k, v, w.gone[id][k])
			}
		}
		for _, w := range ws {
			for k, v := range w.keys[id] {
				if got, ok := g.Metadata.Get(k); !ok || got != v {
					t.Errorf("group %s: acknowledged metadata row %q = %q is lost (got %q, %v)", id, k, v, got, ok)
					lost++
				}
			}
		}
		// Members: each worker's are exactly its model.
		rows, err := queryStrings(ctx, tb.db, tb.bind(`SELECT customer_id FROM {members} WHERE group_id = ?`), id)
		if err != nil {
			t.Fatal(err)
		}
		byWorker := map[*loadWorker]map[string]bool{}
		for _, c := range rows {
			w := owner[c[:4]]
			if w == nil {
				t.Errorf("group %s: member %q belongs to no worker", id, c)
				continue
			}
			if byWorker[w] == nil {
				byWorker[w] = map[string]bool{}
			}
			byWorker[w][c] = true
		}
		for _, w := range ws {
			for c := range w.members[id] {
				if !byWorker[w][c] {
					t.Errorf("group %s: acknowledged membership of %s is lost", id, c)
					lost++
				}
			}
			for c := range byWorker[w] {
				if !w.members[id][c] {
					t.Errorf("group %s: membership of %s was removed (or never added) by acknowledged operations", id, c)
				}
			}
		}
		if g.CustomerCount != len(rows) {
			t.Errorf("group %s: CustomerCount %d, member rows %d", id, g.CustomerCount, len(rows))
		}
	}
	countLost(lost)
	return []string{
		"the groups are exactly the acknowledged ones",
		"versions are 1 + acknowledged changes (no lost update)",
		"names were acknowledged",
		"versions only grew",
		"every acknowledged metadata row is kept, no unacknowledged one",
		"members are exactly what acknowledged adds, removes and forgets left",
		"CustomerCount equals the member rows",
	}
}

// diff returns the elements of a (sorted) not in b (sorted).
func diff(a, b []string) []string {
	var out []string
	for _, s := range a {
		if _, ok := slices.BinarySearch(b, s); !ok {
			out = append(out, s)
		}
	}
	return out
}
