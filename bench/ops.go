package main

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/b02aa859/customergroup"
)

// op is one row of the table: an operation done through the library and by raw SQL.
type op struct {
	name    string
	in      *side   // the tables it works on: the seeded ones when nil
	target  float64 // library/raw median at most this
	p99     bool    // the p99 ratio is held to the target too
	samples int
	// setup prepares sample i of a side, outside the timer; it may be nil.
	setup func(ctx context.Context, i int, lib bool) error
	// lib and raw do the work once; their time is the sample.
	lib func(ctx context.Context, svc *customergroup.Service, i int) error
	raw func(ctx context.Context, db *sql.DB, i int) error
	// cleanup undoes sample i of a side, outside the timer; it may be nil.
	cleanup func(ctx context.Context, i int, lib bool) error
}

// result is one measured op.
type result struct {
	op                 op
	lib, raw           []time.Duration
	libCalls, rawCalls string
}

type levelResult struct {
	sz      sizes
	rows    int64
	groups  int
	trigram bool
	results []result
}

// runLevel seeds one data set, measures every op on it and drops its tables.
func runLevel(ctx context.Context, t *target, sz sizes, c config, logf func(string, ...any)) (levelResult, error) {
	lr := levelResult{sz: sz, groups: sz.groups}
	logf("level: %d memberships", sz.memberships)
	ds, err := seed(ctx, t, sz, logf)
	if !c.keep {
		defer func() {
			dctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			for _, s := range []side{ds.main, ds.empty} {
				if s.store != nil {
					if err := s.drop(dctx, t.db); err != nil {
						logf("drop: %v", err)
					}
				}
			}
		}()
	}
	if err != nil {
		return lr, fmt.Errorf("seed: %w", err)
	}
	lr.rows, lr.trigram = ds.rows, ds.trigram
	if c.cpuprof != "" {
		f, err := os.Create(c.cpuprof)
		if err != nil {
			return lr, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return lr, err
		}
		defer pprof.StopCPUProfile()
	}
	if err := checkSearch(ctx, t.db, ds); err != nil {
		return lr, fmt.Errorf("check: %w", err)
	}
	if err := checkGroupIDs(ctx, t.db, ds); err != nil {
		return lr, fmt.Errorf("check: %w", err)
	}
	for _, o := range ds.ops(t) {
		if !selected(o.name, c.ops) {
			continue
		}
		logf("%s: %d samples per side", o.name, o.samples)
		r, err := measure(ctx, t, ds, o)
		if err != nil {
			return lr, fmt.Errorf("%s: %w", o.name, err)
		}
		lr.results = append(lr.results, r)
	}
	return lr, nil
}

func selected(name, filter string) bool {
	if filter == "" {
		return true
	}
	for _, w := range strings.Split(filter, ",") {
		if w = strings.TrimSpace(w); w != "" && strings.Contains(strings.ToLower(name), strings.ToLower(w)) {
			return true
		}
	}
	return false
}

// measure runs o's samples, the library and raw SQL alternately (library first on even
// samples, raw first on odd ones), then once more each through the counted pool.
func measure(ctx context.Context, t *target, ds *dataset, o op) (result, error) {
	r := result{op: o, lib: make([]time.Duration, 0, o.samples), raw: make([]time.Duration, 0, o.samples)}
	one := func(i int, lib bool, svc *customergroup.Service, db *sql.DB) (time.Duration, error) {
		if o.setup != nil {
			if err := o.setup(ctx, i, lib); err != nil {
				return 0, fmt.Errorf("setup: %w", err)
			}
		}
		var err error
		start := time.Now()
		if lib {
			err = o.lib(ctx, svc, i)
		} else {
			err = o.raw(ctx, db, i)
		}
		d := time.Since(start)
		if err != nil {
			return 0, err
		}
		if o.cleanup != nil {
			if err := o.cleanup(ctx, i, lib); err != nil {
				return 0, fmt.Errorf("cleanup: %w", err)
			}
		}
		return d, nil
	}
	in := &ds.main
	if o.in != nil {
		in = o.in
	}
	// one warm-up of each side, not recorded
	for _, lib := range []bool{true, false} {
		if _, err := one(o.samples, lib, in.svc, t.db); err != nil {
			return r, err
		}
	}
	for i := range o.samples {
		order := []bool{true, false}
		if i%2 == 1 {
			order = []bool{false, true}
		}
		for _, lib := range order {
			d, err := one(i, lib, in.svc, t.db)
			if err != nil {
				return r, err
			}
			if lib {
				r.lib = append(r.lib, d)
			} else {
				r.raw = append(r.raw, d)
			}
		}
	}
	// the driver calls of one more sample of each side
	for _, lib := range []bool{true, false} {
		t.calls.reset()
		if _, err := one(o.samples+1, lib, in.csvc, t.counted); err != nil {
			return r, err
		}
		// setup and cleanup run on the timing pool, so only the call itself is counted
		if lib {
			r.libCalls = t.calls.String()
		} else {
			r.rawCalls = t.calls.String()
		}
	}
	return r, nil
}

// ops are the rows of the table, in order.
func (ds *dataset) ops(t *target) []op {
	sz := ds.sz
	at := customergroup.Timestamp(time.Now())
	actx := func(ctx context.Context) context.Context { return customergroup.WithActor(ctx, actor) }
	// Fresh ids for each sample of either side, so that no sample inserts over the dead rows
	// of another. They sort after every earlier sample's, whichever side ran first: a side
	// whose ids sorted last would always append at the right edge of the indexes (PostgreSQL
	// takes a fast path there) while the other split pages in the middle.
	seq := 0
	newIDs := func(tag string, i int, lib bool) []string {
		seq++
		ids := make([]string, sz.batch)
		for j := range ids {
			ids[j] = fmt.Sprintf("%s%05d_%07d", tag, seq, j)
		}
		return ids
	}
	var cur []string // the ids of the sample being measured
	resetGroup := func(ctx context.Context, s side, groupID string) error {
		if _, err := t.db.ExecContext(ctx, s.raw.deleteMembers, groupID); err != nil {
			return err
		}
		_, err := t.db.ExecContext(ctx, s.raw.sql(`UPDATE {groups} SET customer_count = 0 WHERE id = ?`), groupID)
		return err
	}
	fill := func(ctx context.Context, s side, groupID string, ids []string) error {
		if err := s.raw.addMembers(ctx, t.db, groupID, ids, at, actor); err != nil {
			return err
		}
		_, err := t.db.ExecContext(ctx, s.raw.sql(`UPDATE {groups} SET customer_count = ? WHERE id = ?`), len(ids), groupID)
		return err
	}
	addOp := func(name string, s *side, groupID string) op {
		return op{
			name: name, in: s, target: 1.3, samples: sz.reps,
			setup: func(ctx context.Context, i int, lib bool) error {
				cur = newIDs("a", i, lib)
				return nil
			},
			lib: func(ctx context.Context, svc *customergroup.Service, i int) error {
				n, err := svc.AddCustomers(actx(ctx), groupID, cur)
				if err == nil && n != len(cur) {
					err = fmt.Errorf("added %d of %d", n, len(cur))
				}
				return err
			},
			raw: func(ctx context.Context, db *sql.DB, i int) error {
				return s.raw.addMembers(ctx, db, groupID, cur, at, actor)
			},
			cleanup: func(ctx context.Context, i int, lib bool) error { return resetGroup(ctx, *s, groupID) },
		}
	}

	rng := rand.New(rand.NewPCG(4, 2))
	lookupCustomers := make([]string, sz.lookups+2)
	memberPairs := make([][2]string, sz.lookups+2)
	for i := range lookupCustomers {
		lookupCustomers[i] = ds.customers[rng.IntN(len(ds.customers))]
		gi := rng.IntN(len(ds.groups))
		c := ds.customers[(gi*perGroup+rng.IntN(perGroup))%len(ds.customers)] // a member
		if i%2 == 1 {
			c = ds.customers[rng.IntN(len(ds.customers))] // most likely not
		}
		memberPairs[i] = [2]string{ds.groups[gi], c}
	}
	depth := sz.big / 2
	deepAfter := ds.bigIDs[depth-1]
	deepCursor := customergroup.MemberQuery{}.NextCursor(ds.bigID, deepAfter)
	var deleteID string

	return []op{
		addOp(fmt.Sprintf("AddCustomers %s, empty table", count(int64(sz.batch))), &ds.empty, ds.emptyID),
		addOp(fmt.Sprintf("AddCustomers %s, table of %s rows", count(int64(sz.batch)), count(ds.rows)), &ds.main, ds.addID),
		{
			name: fmt.Sprintf("RemoveCustomers %s", count(int64(sz.batch))), target: 1.3, samples: sz.reps,
			setup: func(ctx context.Context, i int, lib bool) error {
				cur = newIDs("r", i, lib)
				return fill(ctx, ds.main, ds.removeID, cur)
			},
			lib: func(ctx context.Context, svc *customergroup.Service, i int) error {
				n, err := svc.RemoveCustomers(actx(ctx), ds.removeID, cur)
				if err == nil && n != len(cur) {
					err = fmt.Errorf("removed %d of %d", n, len(cur))
				}
				return err
			},
			raw: func(ctx context.Context, db *sql.DB, i int) error {
				return ds.main.raw.removeMembers(ctx, db, ds.removeID, cur)
			},
			cleanup: func(ctx context.Context, i int, lib bool) error { return resetGroup(ctx, ds.main, ds.removeID) },
		},
		{
			name: "GroupIDsOf", target: 1.2, p99: true, samples: sz.lookups,
			lib: func(ctx context.Context, svc *customergroup.Service, i int) error {
				ids, err := svc.GroupIDsOf(ctx, lookupCustomers[i])
				if err == nil && len(ids) == 0 {
					err = fmt.Errorf("%s is in no group", lookupCustomers[i])
				}
				return err
			},
			raw: func(ctx context.Context, db *sql.DB, i int) error {
				_, err := ds.main.raw.groupIDsOfCustomer(ctx, db, lookupCustomers[i])
				return err
			},
		},
		{
			name: "IsMember", target: 1.2, samples: sz.lookups,
			lib: func(ctx context.Context, svc *customergroup.Service, i int) error {
				_, err := svc.IsMember(ctx, memberPairs[i][0], memberPairs[i][1])
				return err
			},
			raw: func(ctx context.Context, db *sql.DB, i int) error {
				_, err := ds.main.raw.member(ctx, db, memberPairs[i][0], memberPairs[i][1])
				return err
			},
		},
		{
			name: fmt.Sprintf("Get, group of %s members", count(int64(sz.big))), target: 1.3, samples: sz.pages,
			lib: func(ctx context.Context, svc *customergroup.Service, i int) error {
				g, err := svc.Get(ctx, ds.bigID)
				if err == nil && g.CustomerCount != sz.big {
					err = fmt.Errorf("count %d, want %d", g.CustomerCount, sz.big)
				}
				return err
			},
			raw: func(ctx context.Context, db *sql.DB, i int) error {
				_, err := ds.main.raw.groupRow(ctx, db, ds.bigID)
				return err
			},
		},
		{
			name: "ListCustomers 100, depth 0", target: 1.3, samples: sz.pages,
			lib: func(ctx context.Context, svc *customergroup.Service, i int) error {
				p, err := svc.ListCustomers(ctx, ds.bigID, customergroup.MemberQuery{Limit: 100})
				if err == nil && (len(p.Members) != 100 || p.Members[0].CustomerID != ds.bigIDs[0]) {
					err = fmt.Errorf("wrong page: %d members", len(p.Members))
				}
				return err
			},
			raw: func(ctx context.Context, db *sql.DB, i int) error {
				_, err := ds.main.raw.membersPage(ctx, db, ds.bigID, "")
				return err
			},
		},
		{
			name: fmt.Sprintf("ListCustomers 100, depth %s", count(int64(depth))), target: 1.3, samples: sz.pages,
			lib: func(ctx context.Context, svc *customergroup.Service, i int) error {
				p, err := svc.ListCustomers(ctx, ds.bigID, customergroup.MemberQuery{Limit: 100, After: deepCursor})
				if err == nil && (len(p.Members) != 100 || p.Members[0].CustomerID != ds.bigIDs[depth]) {
					err = fmt.Errorf("wrong page: %d members", len(p.Members))
				}
				return err
			},
			raw: func(ctx context.Context, db *sql.DB, i int) error {
				_, err := ds.main.raw.membersPage(ctx, db, ds.bigID, deepAfter)
				return err
			},
		},
		{
			name: fmt.Sprintf("List, Search \"vip\" in %s groups, 20 + total", count(int64(sz.groups))), target: 1.5, samples: sz.searches,
			lib: func(ctx context.Context, svc *customergroup.Service, i int) error {
				p, err := svc.List(ctx, customergroup.Query{Search: "vip", Sort: customergroup.SortByName, Limit: 20, CountTotal: true})
				if err == nil && (len(p.Groups) != min(20, p.Total) || p.Total == 0) {
					err = fmt.Errorf("wrong page: %d groups of %d", len(p.Groups), p.Total)
				}
				return err
			},
			raw: func(ctx context.Context, db *sql.DB, i int) error {
				_, _, err := ds.main.raw.searchPage(ctx, db, "vip")
				return err
			},
		},
		{
			name: fmt.Sprintf("Delete, group of %s members", count(int64(sz.batch))), target: 1.3, samples: sz.reps,
			setup: func(ctx context.Context, i int, lib bool) error {
				g, err := ds.main.svc.Create(actx(ctx), customergroup.NewGroup{Name: fmt.Sprintf("Bench delete %d %v", i, lib)})
				if err != nil {
					return err
				}
				deleteID = g.ID
				return fill(ctx, ds.main, deleteID, newIDs("d", i, lib))
			},
			lib: func(ctx context.Context, svc *customergroup.Service, i int) error {
				return svc.Delete(actx(ctx), deleteID)
			},
			raw: func(ctx context.Context, db *sql.DB, i int) error {
				return ds.main.raw.deleteGroupAndMembers(ctx, db, deleteID)
			},
		},
	}
}

// count is n in short: 100k, 1M, 2.1M.
func count(n int64) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	case n >= 1000:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

// checkSearch compares the library's total with the raw count once, so that both
// searches are known to do the same work.
func checkSearch(ctx context.Context, db *sql.DB, ds *dataset) error {
	p, err := ds.main.svc.List(ctx, customergroup.Query{Search: "vip", Sort: customergroup.SortByName, Limit: 20, CountTotal: true})
	if err != nil {
		return err
	}
	_, total, err := ds.main.raw.searchPage(ctx, db, "vip")
	if err != nil {
		return err
	}
	if p.Total != total {
		return fmt.Errorf("library finds %d groups, raw SQL %d", p.Total, total)
	}
	return nil
}

// checkGroupIDs compares the library's answer with the raw one for a few customers.
func checkGroupIDs(ctx context.Context, db *sql.DB, ds *dataset) error {
	for _, c := range ds.customers[:min(20, len(ds.customers))] {
		lib, err := ds.main.svc.GroupIDsOf(ctx, c)
		if err != nil {
			return err
		}
		raw, err := ds.main.raw.groupIDsOfCustomer(ctx, db, c)
		if err != nil {
			return err
		}
		slices.Sort(raw)
		if !slices.Equal(lib, raw) {
			return fmt.Errorf("GroupIDsOf(%s): library %v, raw %v", c, lib, raw)
		}
	}
	return nil
}

// readAll concatenates the files of a flat fs.FS.
func readAll(fsys fs.FS) (string, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, e := range entries {
		data, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return "", err
		}
		b.Write(data)
		b.WriteByte('\n')
	}
	return b.String(), nil
}
