package reliability

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cg "github.com/b02aa859/customergroup"
	"github.com/b02aa859/customergroup/sqlstore"
)

// TestFaults injects faults into the library's operations on real PostgreSQL and
// MySQL/MariaDB servers and checks that each operation is all or nothing:
//
//   - cut: a loopback TCP proxy between the driver and the server cuts every connection at an
//     exact byte offset of the operation, in either direction (the server has received
//     exactly that many bytes, or the client has), at offsets spread over the whole operation;
//   - kill: the proxy holds the traffic at an offset while a second connection kills the
//     session on the server (pg_terminate_backend, KILL CONNECTION);
//   - cancel: the proxy holds the traffic at an offset while the caller's context is
//     cancelled; and a sweep of deadlines from 1ms up, without holding anything;
//   - restart: a running workload loses every connection and the server refuses new ones
//     for a few seconds (simulated by the proxy; a real restart is opt-in, see
//     TestFaults/*/RealRestart).
//
// After each fault the test waits until the server has finished with the session, then checks
// with raw SQL that the group holds all of the batch or none of it with an exact
// customer_count, that a bystander group did not change, that the library keeps working on
// the same pool, that running the operation again completes it, and the table invariants.
//
// The pool under test carries a few thousand ids per statement (sqlstore.WithBatchSize), so
// that one AddCustomers or RemoveCustomers is many statements in one transaction and the
// faults land between and inside them.
func TestFaults(t *testing.T) {
	t.Parallel() // with TestHostileInput; TestLoad runs alone first, so its ops/s are its own
	for _, sb := range serverBackends {
		t.Run(sb.name, func(t *testing.T) {
			t.Parallel() // two servers: most of the time is spent waiting on them
			b := sb.get(t)
			e := newFaultEnv(t, b)
			sz := faultSizes()
			ops := []faultOp{
				addOp(sz.add, sz.points), removeOp(sz.remove, sz.points), deleteOp(sz.del, sz.points),
				updateOp(sz.points), forgetOp(sz.forget, sz.points),
			}
			for _, op := range ops {
				t.Run(op.name, func(t *testing.T) {
					cal := e.calibrate(t, op)
					t.Logf("%s: %d bytes to the database in %d reads, %d bytes back in %d reads",
						op.name, cal.counted[upstream], len(cal.reads[upstream]), cal.counted[downstream], len(cal.reads[downstream]))
					for _, dk := range []struct {
						dir direction
						k   int
					}{{upstream, op.cutsUp}, {downstream, op.cutsDown}} {
						dir, k := dk.dir, dk.k
						for _, at := range spread(offsets(cal.reads[dir]), k) {
							t.Run(fmt.Sprintf("cut_%s_at_%d", dirTag(dir), at), func(t *testing.T) {
								e.inject(t, op, injection{kind: "cut", dir: dir, at: at})
							})
						}
					}
					for _, at := range spread(offsets(cal.reads[upstream]), op.kills) {
						t.Run(fmt.Sprintf("kill_at_%d", at), func(t *testing.T) {
							e.inject(t, op, injection{kind: "kill", dir: upstream, at: at})
						})
					}
					for _, at := range spread(offsets(cal.reads[upstream]), op.cancels) {
						t.Run(fmt.Sprintf("cancel_at_%d", at), func(t *testing.T) {
							e.inject(t, op, injection{kind: "cancel", dir: upstream, at: at})
						})
					}
				})
			}
			t.Run("DeadlineSweep", func(t *testing.T) { e.deadlineSweep(t, sz.sweep) })
			t.Run("RestartUnderLoad", func(t *testing.T) {
				e.restartUnderLoad(t, true, func(t *testing.T, p *proxy) {
					down := 3 * time.Second
					if testing.Short() {
						down = time.Second
					}
					p.refuse(true)
					p.cutAll()
					t.Logf("database down (proxy cut every connection and refuses new ones) for %v", down)
					time.Sleep(down)
					p.refuse(false)
				})
			})
			t.Run("RealRestart", func(t *testing.T) {
				cmdEnv := "CUSTOMERGROUP_" + strings.ToUpper(b.name) + "_RESTART_CMD"
				if os.Getenv("CUSTOMERGROUP_RESTART_TEST") != "1" {
					t.Skipf("restarts the real server: set CUSTOMERGROUP_RESTART_TEST=1 and %s (a shell command that restarts it) to run", cmdEnv)
				}
				cmd := os.Getenv(cmdEnv)
				if cmd == "" {
					t.Skipf("set %s to a shell command that restarts the %s server", cmdEnv, b.name)
				}
				e.restartUnderLoad(t, false, func(t *testing.T, _ *proxy) {
					out, err := exec.Command("sh", "-c", cmd).CombinedOutput()
					if err != nil {
						t.Fatalf("%s: %v\n%s", cmdEnv, err, out)
					}
					t.Logf("server restarted with %s", cmdEnv)
				})
			})
		})
	}
}

// sizes of the operations faults are injected into, and how many faults of each kind: large
// enough that a fault lands in the middle of many statements of one transaction, small enough
// for the race detector on two cores. CUSTOMERGROUP_RELIABILITY=full runs the large version
// (200,000 ids in one AddCustomers, more fault offsets); -short the smallest.
type sizes struct {
	add, remove, del, forget, sweep int
	batch                           int // ids per statement on the faulty pool: add/batch statements
	points                          int // fault offsets per direction and kind, roughly
}

func faultSizes() sizes {
	switch {
	case full():
		return sizes{add: 200_000, remove: 50_000, del: 50_000, forget: 100, sweep: 20_000, batch: 10_000, points: 3}
	case testing.Short():
		return sizes{add: 20_000, remove: 6_000, del: 6_000, forget: 10, sweep: 5_000, batch: 2_000, points: 1}
	}
	return sizes{add: 60_000, remove: 20_000, del: 20_000, forget: 30, sweep: 10_000, batch: 6_000, points: 2}
}

// full reports whether CUSTOMERGROUP_RELIABILITY=full asks for the long version of the suites.
func full() bool { return os.Getenv("CUSTOMERGROUP_RELIABILITY") == "full" }

func dirTag(d direction) string {
	if d == upstream {
		return "to_db"
	}
	return "to_client"
}

// faultEnv is one server's tables, a pool straight to it, and a bystander group that no
// faulty operation touches.
type faultEnv struct {
	b         backend
	tb        *tables
	svc       *cg.Service // straight to the database
	bystander cg.CustomerGroup
	byRow     storedGroup
	byMembers int
	names     atomic.Int64
}

const sharedCustomers = 500 // customers in the bystander group and in every faulty group

func newFaultEnv(t *testing.T, b backend) *faultEnv {
	t.Helper()
	db := b.open(t, 4)
	e := &faultEnv{b: b, tb: newTables(t, b, db)}
	e.svc = e.service(e.tb.store)
	e.bystander = e.create(t, "bystander", 20)
	e.add(t, e.bystander.ID, ids("shared", 0, sharedCustomers))
	e.byRow = e.tb.row(t, e.bystander.ID)
	e.byMembers = e.tb.memberRows(t, e.bystander.ID)
	return e
}

// service is a Service with a fixed clock and fixed-length ids, so that an operation sends
// the same bytes every time it runs.
func (e *faultEnv) service(s cg.Store) *cg.Service {
	return cg.New(s, cg.WithClock(fixedClock), cg.WithIDGenerator(seqIDs("fault")))
}

// create makes a group named "<tag>-NNNNNN" with rows metadata rows, straight on the database.
func (e *faultEnv) create(t *testing.T, tag string, rows int) cg.CustomerGroup {
	t.Helper()
	g, err := e.svc.Create(context.Background(), cg.NewGroup{Name: fmt.Sprintf("%s-%06d", tag, e.names.Add(1)), Metadata: table(t, tag, rows)})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return g
}

func (e *faultEnv) add(t *testing.T, groupID string, customers []string) {
	t.Helper()
	if _, err := e.svc.AddCustomers(context.Background(), groupID, customers); err != nil {
		t.Fatalf("add %d customers: %v", len(customers), err)
	}
}

// table is a metadata table of n rows.
func table(t *testing.T, tag string, n int) cg.Metadata {
	t.Helper()
	var m cg.Metadata
	for i := range n {
		if err := m.Set(fmt.Sprintf("%s-key-%03d", tag, i), strings.Repeat(tag, 3)+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// checkBystander fails if the bystander group or its members changed.
func (e *faultEnv) checkBystander(t *testing.T) {
	t.Helper()
	if got := e.tb.row(t, e.bystander.ID); got != e.byRow {
		t.Errorf("the bystander group changed: %+v, was %+v", got, e.byRow)
	}
	if got := e.tb.memberRows(t, e.bystander.ID); got != e.byMembers {
		t.Errorf("the bystander group has %d member rows, had %d", got, e.byMembers)
		countLost(max(0, e.byMembers-got))
	}
}

// A faultOp is an operation faults are injected into. prepare sets up a fresh case straight
// on the database.
type faultOp struct {
	name string
	// how many offsets of each kind: cuts of the traffic to the database and to the client,
	// server-side kills, context cancellations
	cutsUp, cutsDown, kills, cancels int
	prepare                          func(t *testing.T, e *faultEnv) *opCase
}

// opCase is one prepared run of an operation.
type opCase struct {
	// run is the operation, through the Service under test.
	run func(ctx context.Context, svc *cg.Service) error
	// outcome reads the tables and returns "none" or "all"; anything in between fails the test.
	outcome func(t *testing.T) string
	// retry runs the operation again, on the pool that saw the fault, after an outcome: it
	// must succeed (or report exactly what the first run did) and leave "all".
	retry func(t *testing.T, svc *cg.Service, outcome string)
	// groups are the groups the case made, deleted when it ends so that the tables stay small.
	groups []string
}

// exact checks a group's stored count against its member rows and returns the rows.
func (e *faultEnv) exact(t *testing.T, groupID string) (rows int, found bool) {
	t.Helper()
	rows = e.tb.memberRows(t, groupID)
	r := e.tb.row(t, groupID)
	if r.found && r.count != int64(rows) {
		t.Errorf("group %s: customer_count %d, but %d member rows", groupID, r.count, rows)
	}
	if r.found {
		g, err := e.svc.Get(context.Background(), groupID)
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		if g.CustomerCount != rows {
			t.Errorf("group %s: CustomerCount %d, but %d member rows", groupID, g.CustomerCount, rows)
		}
	}
	return rows, r.found
}

// addOp: AddCustomers of n ids to a group that already has 100 of them and 50 others.
func addOp(n, k int) faultOp {
	return faultOp{name: "AddCustomers", cutsUp: k + 1, cutsDown: k, kills: k, cancels: k, prepare: func(t *testing.T, e *faultEnv) *opCase {
		g := e.create(t, "add", 5)
		batch := ids("add", 0, n)
		pre := append(append(batch[:100:100], ids("other", 0, 50)...), ids("shared", 0, sharedCustomers)...)
		e.add(t, g.ID, pre)
		none, all := len(pre), len(pre)+n-100
		outcome := func(t *testing.T) string {
			t.Helper()
			switch rows, _ := e.exact(t, g.ID); rows {
			case none:
				return "none"
			case all:
				return "all"
			default:
				t.Fatalf("half-written: %d of the batch's %d new memberships are stored", rows-none, n-100)
			}
			return ""
		}
		return &opCase{
			groups: []string{g.ID},
			run: func(ctx context.Context, svc *cg.Service) error {
				added, err := svc.AddCustomers(ctx, g.ID, batch)
				if err == nil && added != n-100 {
					return fmt.Errorf("added %d, want %d", added, n-100)
				}
				return err
			},
			outcome: outcome,
			retry: func(t *testing.T, svc *cg.Service, was string) {
				added, err := svc.AddCustomers(context.Background(), g.ID, batch)
				if err != nil {
					t.Fatalf("AddCustomers again after the fault: %v", err)
				}
				if want := map[string]int{"none": n - 100, "all": 0}[was]; added != want {
					t.Errorf("AddCustomers again added %d, want %d (the first run left %s)", added, want, was)
				}
				if got := outcome(t); got != "all" {
					t.Errorf("after AddCustomers again: %s of the batch", got)
				}
			},
		}
	}}
}

// removeOp: RemoveCustomers of n members and 100 non-members from a group that keeps 50 others.
func removeOp(n, k int) faultOp {
	return faultOp{name: "RemoveCustomers", cutsUp: k, cutsDown: k, kills: 1, cancels: 1, prepare: func(t *testing.T, e *faultEnv) *opCase {
		g := e.create(t, "remove", 5)
		batch := ids("remove", 0, n)
		keep := append(ids("other", 0, 50), ids("shared", 0, sharedCustomers)...)
		e.add(t, g.ID, append(append([]string{}, batch...), keep...))
		request := append(append([]string{}, batch...), ids("never", 0, 100)...)
		none, all := n+len(keep), len(keep)
		outcome := func(t *testing.T) string {
			t.Helper()
			switch rows, _ := e.exact(t, g.ID); rows {
			case none:
				return "none"
			case all:
				return "all"
			default:
				t.Fatalf("half-written: %d of the batch's %d memberships are removed", none-rows, n)
			}
			return ""
		}
		return &opCase{
			groups: []string{g.ID},
			run: func(ctx context.Context, svc *cg.Service) error {
				removed, err := svc.RemoveCustomers(ctx, g.ID, request)
				if err == nil && removed != n {
					return fmt.Errorf("removed %d, want %d", removed, n)
				}
				return err
			},
			outcome: outcome,
			retry: func(t *testing.T, svc *cg.Service, was string) {
				removed, err := svc.RemoveCustomers(context.Background(), g.ID, request)
				if err != nil {
					t.Fatalf("RemoveCustomers again after the fault: %v", err)
				}
				if want := map[string]int{"none": n, "all": 0}[was]; removed != want {
					t.Errorf("RemoveCustomers again removed %d, want %d (the first run left %s)", removed, want, was)
				}
				if got := outcome(t); got != "all" {
					t.Errorf("after RemoveCustomers again: %s of the batch", got)
				}
			},
		}
	}}
}

// deleteOp: Delete of a group with n members, some of whom are also in the bystander group.
func deleteOp(n, k int) faultOp {
	return faultOp{name: "Delete", cutsUp: k + 1, cutsDown: k, kills: 1, cancels: 1, prepare: func(t *testing.T, e *faultEnv) *opCase {
		g := e.create(t, "delete", 30)
		e.add(t, g.ID, append(ids("delete", 0, n-sharedCustomers), ids("shared", 0, sharedCustomers)...))
		before := e.tb.row(t, g.ID)
		outcome := func(t *testing.T) string {
			t.Helper()
			rows, found := e.exact(t, g.ID)
			switch {
			case found && rows == n:
				if got := e.tb.row(t, g.ID); got != before {
					t.Errorf("the group changed: %+v, was %+v", got, before)
				}
				return "none"
			case !found && rows == 0:
				return "all"
			}
			t.Fatalf("half-written: group row present %v with %d of its %d member rows", found, rows, n)
			return ""
		}
		return &opCase{
			groups:  []string{g.ID},
			run:     func(ctx context.Context, svc *cg.Service) error { return svc.Delete(ctx, g.ID) },
			outcome: outcome,
			retry: func(t *testing.T, svc *cg.Service, was string) {
				err := svc.Delete(context.Background(), g.ID)
				switch {
				case was == "none" && err != nil:
					t.Fatalf("Delete again after the fault: %v", err)
				case was == "all" && !errors.Is(err, cg.ErrNotFound):
					t.Fatalf("Delete again after a Delete that went through: %v, want ErrNotFound", err)
				}
				if got := outcome(t); got != "all" {
					t.Errorf("after Delete again: %s", got)
				}
			},
		}
	}}
}

// updateOp: Update renaming a group and replacing its 40 metadata rows with 60 others.
func updateOp(k int) faultOp {
	return faultOp{name: "Update", cutsUp: k + 1, cutsDown: k + 1, kills: 1, cancels: 1, prepare: func(t *testing.T, e *faultEnv) *opCase {
		g := e.create(t, "update", 40)
		e.add(t, g.ID, ids("shared", 0, 10))
		before := e.tb.row(t, g.ID)
		name := strings.Replace(g.Name, "update", "renamed", 1)
		md := table(t, "after", 60)
		mdJSON, _ := md.MarshalJSON()
		u := cg.Update{Name: &name, Metadata: &md}
		outcome := func(t *testing.T) string {
			t.Helper()
			got := e.tb.row(t, g.ID)
			e.exact(t, g.ID)
			switch {
			case got == before:
				return "none"
			case got.name == name && got.metadata == string(mdJSON) && got.version == before.version+1 && got.count == before.count:
				return "all"
			}
			t.Fatalf("half-written: stored %+v, before %+v, update to %q", got, before, name)
			return ""
		}
		return &opCase{
			groups: []string{g.ID},
			run: func(ctx context.Context, svc *cg.Service) error {
				_, err := svc.Update(ctx, g.ID, u)
				return err
			},
			outcome: outcome,
			retry: func(t *testing.T, svc *cg.Service, was string) {
				got, err := svc.Update(context.Background(), g.ID, u)
				if err != nil {
					t.Fatalf("Update again after the fault: %v", err)
				}
				if got.Version != before.version+1 {
					t.Errorf("Update again: version %d, want %d (the first run left %s)", got.Version, before.version+1, was)
				}
				if o := outcome(t); o != "all" {
					t.Errorf("after Update again: %s", o)
				}
			},
		}
	}}
}

// forgetOp: ForgetCustomer of a customer who is in n groups (and the bystander is not one).
func forgetOp(n, k int) faultOp {
	return faultOp{name: "ForgetCustomer", cutsUp: k, cutsDown: 1, kills: 1, cancels: 1, prepare: func(t *testing.T, e *faultEnv) *opCase {
		who := fmt.Sprintf("forget-%07d", e.names.Add(1))
		groups := make([]string, n)
		for i := range groups {
			g := e.create(t, "forget", 0)
			e.add(t, g.ID, []string{who, "shared-0000000", fmt.Sprintf("other-%07d", i)})
			groups[i] = g.ID
		}
		outcome := func(t *testing.T) string {
			t.Helper()
			in := int(e.tb.scalar(t, `SELECT count(*) FROM {members} WHERE customer_id = ?`, who))
			for _, id := range groups {
				if rows, _ := e.exact(t, id); rows != 2 && rows != 3 {
					t.Fatalf("group %s has %d members, want 2 or 3", id, rows)
				}
			}
			switch in {
			case n:
				return "none"
			case 0:
				return "all"
			}
			t.Fatalf("half-written: the customer left %d of %d groups", n-in, n)
			return ""
		}
		return &opCase{
			groups: groups,
			run: func(ctx context.Context, svc *cg.Service) error {
				removed, err := svc.ForgetCustomer(ctx, who)
				if err == nil && removed != n {
					return fmt.Errorf("removed from %d groups, want %d", removed, n)
				}
				return err
			},
			outcome: outcome,
			retry: func(t *testing.T, svc *cg.Service, was string) {
				removed, err := svc.ForgetCustomer(context.Background(), who)
				if err != nil {
					t.Fatalf("ForgetCustomer again after the fault: %v", err)
				}
				if want := map[string]int{"none": n, "all": 0}[was]; removed != want {
					t.Errorf("ForgetCustomer again removed %d, want %d (the first run left %s)", removed, want, was)
				}
				if got := outcome(t); got != "all" {
					t.Errorf("after ForgetCustomer again: %s", got)
				}
			},
		}
	}}
}

// prepare sets up a case of op and deletes its groups when the test ends.
func (e *faultEnv) prepare(t *testing.T, op faultOp) *opCase {
	t.Helper()
	c := op.prepare(t, e)
	t.Cleanup(func() {
		for _, id := range c.groups {
			if err := e.svc.Delete(context.Background(), id); err != nil && !errors.Is(err, cg.ErrNotFound) {
				t.Errorf("clean up group %s: %v", id, err)
			}
		}
	})
	return c
}

// calibration is what one fault-free run of an operation sent each way.
type calibration struct {
	counted [2]int64
	reads   [2][]int
}

// viaProxy returns a proxy to the server, a one-connection pool through it and a Service over
// the env's tables on that pool. The connection is open (and counted before the reset).
func (e *faultEnv) viaProxy(t *testing.T) (*proxy, *sql.DB, *cg.Service) {
	t.Helper()
	p := newProxy(t, e.b.target(t), e.b.name)
	db := e.b.openVia(t, p, 1, true)
	return p, db, e.service(e.tb.storeOn(t, db, sqlstore.WithBatchSize(faultSizes().batch)))
}

// calibrate runs op once without a fault and records its bytes.
func (e *faultEnv) calibrate(t *testing.T, op faultOp) calibration {
	t.Helper()
	c := e.prepare(t, op)
	p, _, svc := e.viaProxy(t)
	p.reset()
	if err := c.run(context.Background(), svc); err != nil {
		t.Fatalf("%s without a fault: %v", op.name, err)
	}
	var cal calibration
	cal.counted, cal.reads = p.bytes()
	if got := c.outcome(t); got != "all" {
		t.Fatalf("%s without a fault left %s", op.name, got)
	}
	return cal
}

// offsets are the candidate fault offsets of a run whose reads had these sizes: each read's
// start (the other side has every earlier read and none of this one) and its middle (a
// message cut in two), never 0 nor the end.
func offsets(reads []int) []int64 {
	var out []int64
	var off int64
	for i, r := range reads {
		if i > 0 {
			out = append(out, off)
		}
		if r > 1 {
			out = append(out, off+int64(r/2))
		}
		off += int64(r)
	}
	return out
}

// spread picks k of the offsets, evenly spaced inside the run: for k = 1 the middle one.
func spread(offs []int64, k int) []int64 {
	if len(offs) <= k {
		return offs
	}
	out := make([]int64, 0, k)
	for i := range k {
		j := (2*i + 1) * len(offs) / (2 * k)
		if len(out) == 0 || out[len(out)-1] != offs[j] {
			out = append(out, offs[j])
		}
	}
	return out
}

// injection is one fault: cut the links, kill the server session, or cancel the context, at
// byte at in direction dir.
type injection struct {
	kind string // "cut", "kill", "cancel"
	dir  direction
	at   int64
}

// inject runs op with the fault and checks everything the fault tests promise.
func (e *faultEnv) inject(t *testing.T, op faultOp, inj injection) {
	c := e.prepare(t, op)
	p, db, svc := e.viaProxy(t)
	p.reset()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	kind := faultStall
	if inj.kind == "cut" {
		kind = faultCut
	}
	f := p.arm(inj.dir, inj.at, kind)
	done := make(chan error, 1)
	go func() { done <- c.run(ctx, svc) }()
	var err error
	returned := false
	select {
	case <-f.reached:
	case err = <-done:
		returned = true
		select {
		case <-f.reached:
		default:
			p.disarm()
			t.Fatalf("the fault at byte %d %s never fired: the operation ended first (err %v); the calibration is off", inj.at, inj.dir, err)
		}
	case <-time.After(3 * time.Minute):
		t.Fatalf("the fault at byte %d %s did not fire in 3 minutes", inj.at, inj.dir)
	}
	if len(p.sessionIDs()) == 0 {
		t.Fatalf("the proxy could not read the server's session id (a TLS connection?)")
	}
	switch inj.kind {
	case "kill":
		if n := e.killSessions(t, p.sessionIDs()); n == 0 {
			t.Fatalf("no server session to kill")
		}
		close(f.release)
	case "cancel":
		cancel()
		time.Sleep(20 * time.Millisecond)
		close(f.release)
	}
	if !returned {
		select {
		case err = <-done:
		case <-time.After(3 * time.Minute):
			t.Fatalf("the operation did not return within 3 minutes of the fault")
		}
	}
	survived := false
	defer func() { countFault(e.b.name, op.name+"/"+inj.kind, survived && !t.Failed()) }()
	t.Logf("%s at byte %d %s: %s returned %s: %v", inj.kind, inj.at, inj.dir, op.name, errorClass(err), err)
	if err == nil {
		// Only a driver that knows the lost request was never executed may run it again on a
		// new connection (database/sql retries on driver.ErrBadConn): then the operation
		// must be complete, on a connection opened after the fault.
		if inj.kind == "cancel" || p.acceptedSince(f) == 0 {
			t.Fatalf("%s returned no error although its connection was lost before the operation's last byte", op.name)
		}
		t.Logf("the driver ran the request again on a new connection (nothing of it had been executed)")
	}
	switch {
	case err == nil:
	case inj.kind == "cancel":
		if !errors.Is(err, context.Canceled) {
			t.Errorf("after cancel: %v, want context.Canceled", err)
		}
	case !errors.Is(err, cg.ErrUnavailable):
		t.Errorf("a lost connection was reported as %v, want ErrUnavailable (retry later)", err)
	}
	for _, definite := range []error{cg.ErrNotFound, cg.ErrInvalid, cg.ErrNameTaken, cg.ErrIDTaken, cg.ErrUnknownCustomer, cg.ErrConflict} {
		if errors.Is(err, definite) {
			t.Errorf("a lost connection was reported as %v, which tells the caller something false", definite)
		}
	}
	e.settle(t, db, p)
	outcome := c.outcome(t)
	t.Logf("outcome: %s of the operation", outcome)
	e.checkBystander(t)
	// The library keeps working on the pool that saw the fault, and running the operation
	// again is safe and completes it.
	c.retry(t, svc, outcome)
	e.checkBystander(t)
	e.tb.checkInvariants(t)
	survived = true
}

// sessionQuery selects those of the given server sessions that still exist.
func (e *faultEnv) sessionQuery(ids []string) string {
	if len(ids) == 0 {
		ids = []string{"0"}
	}
	in := strings.Join(ids, ",") // numbers the proxy read from the protocol
	if e.b.dialect == sqlstore.Postgres {
		return `SELECT pid::text FROM pg_stat_activity WHERE pid IN (` + in + `)`
	}
	return `SELECT CAST(id AS CHAR) FROM information_schema.processlist WHERE id IN (` + in + `)`
}

// killSessions kills, from a second connection, those of the given server sessions that
// still exist, and returns how many it killed.
func (e *faultEnv) killSessions(t *testing.T, sessions []string) int {
	t.Helper()
	ctx := context.Background()
	ids, err := queryStrings(ctx, e.tb.db, e.sessionQuery(sessions))
	if err != nil {
		t.Fatalf("find sessions: %v", err)
	}
	for _, id := range ids {
		var q string
		if e.b.dialect == sqlstore.Postgres {
			q = "SELECT pg_terminate_backend(" + id + ")"
		} else {
			q = "KILL CONNECTION " + id
		}
		if _, err := e.tb.db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return len(ids)
}

// settle waits until the operation that saw a fault can no longer change anything: the pool
// closes its idle connections, the proxy has no link left (bytes it held have gone to the
// server), and the server has ended every session the proxy opened. A session that is idle
// but still connected is not enough: bytes still on their way to it (a request the client
// gave up on) can commit after it looked idle. Then no group row may be locked.
func (e *faultEnv) settle(t *testing.T, db *sql.DB, p *proxy) {
	t.Helper()
	db.SetMaxIdleConns(0) // closes the idle connections now
	defer db.SetMaxIdleConns(2)
	deadline := time.Now().Add(time.Minute)
	for {
		links := p.openLinks()
		var ids []string
		if links == 0 {
			var err error
			if ids, err = queryStrings(context.Background(), e.tb.db, e.sessionQuery(p.sessionIDs())); err != nil {
				t.Fatalf("list sessions: %v", err)
			}
			if len(ids) == 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("a minute after the fault, %d proxy links are open and server sessions %v remain: %s", links, ids, e.describeSessions(ids))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := e.lockedGroups(t); n > 0 {
		t.Errorf("%d group rows are still locked after every session of the faulty pool ended", n)
	}
}

// lockedGroups counts the group rows some transaction holds a lock on.
func (e *faultEnv) lockedGroups(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	tx, err := e.tb.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var all, free int
	if err := tx.QueryRowContext(ctx, e.tb.bind(`SELECT count(*) FROM {groups}`)).Scan(&all); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.QueryContext(ctx, e.tb.bind(`SELECT id FROM {groups} FOR UPDATE SKIP LOCKED`))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		free++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return all - free
}

// describeSessions says what the server sessions are doing, for a failure message.
func (e *faultEnv) describeSessions(ids []string) string {
	q := `SELECT concat_ws(' | ', pid::text, state, wait_event_type, wait_event, left(query, 200)) FROM pg_stat_activity WHERE pid IN (` + strings.Join(ids, ",") + `)`
	if e.b.dialect == sqlstore.MySQL {
		q = `SELECT concat_ws(' | ', id, command, time, state, left(info, 200)) FROM information_schema.processlist WHERE id IN (` + strings.Join(ids, ",") + `)`
	}
	rows, err := queryStrings(context.Background(), e.tb.db, q)
	if err != nil {
		return err.Error()
	}
	return strings.Join(rows, "; ")
}

// deadlineSweep runs AddCustomers, RemoveCustomers and Delete with deadlines from 1ms,
// growing until the operation finishes in time, and checks each run is all or nothing and
// fails with the context's error.
func (e *faultEnv) deadlineSweep(t *testing.T, n int) {
	p := newProxy(t, e.b.target(t), e.b.name) // only to know the sessions' ids
	db := e.b.openVia(t, p, 2, false)
	svc := e.service(e.tb.storeOn(t, db))
	ctx := context.Background()
	for _, op := range []string{"AddCustomers", "RemoveCustomers", "Delete"} {
		t.Run(op, func(t *testing.T) {
			timedOut := 0
			for d := time.Millisecond; ; d = d * 7 / 4 {
				g := e.create(t, "sweep", 3)
				t.Cleanup(func() { e.svc.Delete(context.Background(), g.ID) })
				batch := ids("sweep", 0, n)
				if op != "AddCustomers" {
					e.add(t, g.ID, batch)
				}
				cctx, cancel := context.WithTimeout(ctx, d)
				var err error
				switch op {
				case "AddCustomers":
					_, err = svc.AddCustomers(cctx, g.ID, batch)
				case "RemoveCustomers":
					_, err = svc.RemoveCustomers(cctx, g.ID, batch)
				default:
					err = svc.Delete(cctx, g.ID)
				}
				cancel()
				e.settle(t, db, p)
				rows, found := e.exact(t, g.ID)
				all := map[string]bool{"AddCustomers": rows == n, "RemoveCustomers": rows == 0, "Delete": !found && rows == 0}[op]
				none := map[string]bool{"AddCustomers": rows == 0, "RemoveCustomers": rows == n, "Delete": found && rows == n}[op]
				if !all && !none {
					t.Fatalf("deadline %v: half-written: group present %v with %d of %d member rows", d, found, rows, n)
				}
				if err == nil {
					if !all {
						countLost(n)
						t.Fatalf("deadline %v: %s succeeded but the change is not stored", d, op)
					}
					countFault(e.b.name, "deadline", true)
					if timedOut == 0 {
						t.Fatalf("%s finished within even the first deadline %v: nothing was interrupted", op, d)
					}
					t.Logf("%s: %d deadlines expired mid-operation (from 1ms to %v), each all or nothing; done within %v", op, timedOut, d*4/7, d)
					e.checkBystander(t)
					e.tb.checkInvariants(t)
					return
				}
				timedOut++
				ok := errors.Is(err, context.DeadlineExceeded)
				if !ok {
					t.Errorf("deadline %v: %v, want context.DeadlineExceeded", d, err)
				}
				countFault(e.b.name, "deadline", ok && !t.Failed())
				if d > time.Minute {
					t.Fatalf("%s never finished", op)
				}
			}
		})
	}
}

// restartUnderLoad runs a workload of writers on two pools (two processes, as far as the
// database can tell), brings the database down and up with outage while they run, and checks
// that every writer recovers by itself and that nothing acknowledged is lost and nothing
// unacknowledged is half-written. With viaProxy the pools go through a proxy that outage can
// use; without, they go straight to the server.
func (e *faultEnv) restartUnderLoad(t *testing.T, viaProxy bool, outage func(t *testing.T, p *proxy)) {
	const writers = 6
	var p *proxy
	pools := make([]*cg.Service, 2)
	for i := range pools {
		if viaProxy {
			if p == nil {
				p = newProxy(t, e.b.target(t), e.b.name)
			}
			pools[i] = cg.New(e.tb.storeOn(t, e.b.openVia(t, p, 3, false)))
		} else {
			pools[i] = cg.New(e.tb.storeOn(t, e.b.open(t, 3)))
		}
	}
	type batch struct {
		ids     []string
		acked   bool // AddCustomers returned nil
		removed int  // 0: not asked, 1: RemoveCustomers returned nil, -1: it failed
	}
	type writer struct {
		group      cg.CustomerGroup
		batches    []*batch
		keys       map[string]bool // metadata keys: true when EditMetadata returned nil
		errsDuring int
		okAfter    atomic.Int64 // successes after the outage ended
		recovered  atomic.Int64 // nanoseconds from the end of the outage to the first success
	}
	ws := make([]*writer, writers)
	for i := range ws {
		ws[i] = &writer{group: e.create(t, fmt.Sprintf("restart-w%d", i), 1), keys: map[string]bool{}}
	}
	var (
		overAt atomic.Int64 // Unix nanoseconds when the outage ended; 0 during it
		stop   atomic.Bool
		wg     sync.WaitGroup
	)
	for i, w := range ws {
		svc := pools[i%2]
		wg.Go(func() {
			ctx := context.Background()
			for k := 0; !stop.Load(); k++ {
				var err error
				switch {
				case k%5 == 3 && len(w.keys) < cg.DefaultLimits.MaxEntries-8:
					key := fmt.Sprintf("w%d-k%05d", i, k)
					w.keys[key] = false
					_, err = svc.EditMetadata(ctx, w.group.ID, func(m *cg.Metadata) error { return m.Set(key, strconv.Itoa(k)) })
					w.keys[key] = err == nil
				case k%5 == 4 && len(w.batches) > 0:
					b := w.batches[rand.IntN(len(w.batches))]
					if b.removed != 0 || !b.acked {
						continue
					}
					_, err = svc.RemoveCustomers(ctx, w.group.ID, b.ids)
					b.removed = map[bool]int{true: 1, false: -1}[err == nil]
				default:
					b := &batch{ids: ids(fmt.Sprintf("rs-w%d-b%05d", i, k), 0, 50)}
					w.batches = append(w.batches, b)
					_, err = svc.AddCustomers(ctx, w.group.ID, b.ids)
					b.acked = err == nil
				}
				over := overAt.Load()
				if err != nil {
					if over == 0 {
						w.errsDuring++
					}
					time.Sleep(20 * time.Millisecond) // a host would back off too
					continue
				}
				if over != 0 {
					if w.okAfter.Add(1) == 1 {
						w.recovered.Store(time.Now().UnixNano() - over)
					}
				}
			}
		})
	}
	time.Sleep(time.Second)
	outage(t, p)
	overAt.Store(time.Now().UnixNano())
	// Run until every writer has done a few operations since, or for at most 90 seconds.
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
		ready := true
		for _, w := range ws {
			ready = ready && w.okAfter.Load() >= 10
		}
		if ready {
			break
		}
	}
	stop.Store(true)
	wg.Wait()
	for i, w := range ws {
		if w.okAfter.Load() < 10 {
			t.Errorf("writer %d did not recover by itself: %d successful operations after the database came back", i, w.okAfter.Load())
			continue
		}
		t.Logf("writer %d: %d errors while the database was down, first success %v after it came back",
			i, w.errsDuring, time.Duration(w.recovered.Load()).Round(time.Millisecond))
	}
	// Nothing acknowledged is lost and nothing unacknowledged is half-written.
	lost := 0
	for i, w := range ws {
		present := map[string]bool{}
		rows, err := queryStrings(context.Background(), e.tb.db, e.tb.bind(`SELECT customer_id FROM {members} WHERE group_id = ?`), w.group.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range rows {
			present[id] = true
		}
		for _, b := range w.batches {
			in := 0
			for _, id := range b.ids {
				if present[id] {
					in++
				}
			}
			switch {
			case in != 0 && in != len(b.ids):
				t.Errorf("writer %d: half-written batch: %d of %d customers stored", i, in, len(b.ids))
			case b.removed == 1 && in != 0:
				t.Errorf("writer %d: an acknowledged RemoveCustomers left %d customers", i, in)
			case b.acked && b.removed == 0 && in == 0:
				t.Errorf("writer %d: an acknowledged AddCustomers batch is lost", i)
				lost += len(b.ids)
			}
		}
		if rows, _ := e.exact(t, w.group.ID); rows != len(present) {
			t.Errorf("writer %d: %d rows vs %d", i, rows, len(present))
		}
		g, err := e.svc.Get(context.Background(), w.group.ID)
		if err != nil {
			t.Fatal(err)
		}
		for key, acked := range w.keys {
			if _, ok := g.Metadata.Get(key); acked && !ok {
				t.Errorf("writer %d: acknowledged metadata row %q is lost", i, key)
				lost++
			}
		}
	}
	countLost(lost)
	rep := e.tb.checkInvariants(t)
	t.Logf("invariants held over %d groups and %d memberships: %s", rep.groups, rep.members, strings.Join(rep.checks, "; "))
	countFault(e.b.name, "restart", !t.Failed())
}
