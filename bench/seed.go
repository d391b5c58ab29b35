package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/b02aa859/customergroup"
	"github.com/b02aa859/customergroup/sqlstore"
)

// side is one set of tables seen through the library (plain and counted) and through raw SQL.
type side struct {
	prefix string
	store  *sqlstore.Store
	svc    *customergroup.Service // over the timing pool
	csvc   *customergroup.Service // over the counted pool
	raw    *raw
}

// dataset is the seeded data of one level.
type dataset struct {
	sz        sizes
	main      side
	empty     side     // tables holding one group and no memberships
	emptyID   string   // that group
	groups    []string // the member groups
	customers []string // cus_0000000 …: memberships/5 customers, ~5 groups each
	bigID     string   // the group of sz.big members
	bigIDs    []string // its members, in byte order
	addID     string   // AddCustomers' target in the seeded tables
	removeID  string   // RemoveCustomers' target
	rows      int64    // membership rows after seeding
	trigram   bool     // PostgreSQL: pg_trgm is there and both searches have a trigram index
}

const actor = "bench"

func newSide(ctx context.Context, t *target, prefix string) (side, error) {
	s := side{prefix: prefix, raw: newRaw(t.dialect, prefix)}
	var err error
	if s.store, err = sqlstore.New(t.db, t.dialect, sqlstore.WithTablePrefix(prefix)); err != nil {
		return s, err
	}
	cstore, err := sqlstore.New(t.counted, t.dialect, sqlstore.WithTablePrefix(prefix))
	if err != nil {
		return s, err
	}
	if err := s.store.Migrate(ctx); err != nil {
		return s, err
	}
	s.svc = customergroup.New(s.store)
	s.csvc = customergroup.New(cstore)
	return s, nil
}

// drop removes every table of the side's schema.
func (s side) drop(ctx context.Context, db *sql.DB) error {
	tables := []string{s.prefix + "customer_group_members", s.prefix + "customer_groups", s.prefix + "customer_group_migrations"}
	if fsys := s.store.Schema(); fsys != nil {
		re := regexp.MustCompile(`(?i)CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?["` + "`" + `]?(\w+)`)
		var found []string
		if b, err := readAll(fsys); err == nil {
			for _, m := range re.FindAllStringSubmatch(b, -1) {
				found = append(found, m[1])
			}
		}
		// children first: the members table refers to the groups table
		for i := len(found) - 1; i >= 0; i-- {
			if !contains(tables, found[i]) {
				tables = append([]string{found[i]}, tables...)
			}
		}
	}
	var firstErr error
	for _, tb := range tables {
		if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+tb); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("drop %s: %w", tb, err)
		}
	}
	return firstErr
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func newPrefix() string {
	b := make([]byte, 4)
	rand.Read(b)
	return "cgb" + hex.EncodeToString(b) + "_"
}

// groupName is the name of the i-th group: about 1.6% of them contain "vip", in three spellings.
func groupName(i int) string {
	if i%64 == 7 {
		return [...]string{"VIP customers", "Vip club", "Gold vip tier"}[i/64%3] + fmt.Sprintf(" %06d", i)
	}
	return [...]string{"Wholesale", "Retail", "Newsletter", "Staff", "Partners"}[i%5] + fmt.Sprintf(" segment %06d", i)
}

func customerID(i int) string { return fmt.Sprintf("cus_%07d", i) }

// seed fills a fresh set of tables with the level's data.
func seed(ctx context.Context, t *target, sz sizes, logf func(string, ...any)) (*dataset, error) {
	ds := &dataset{sz: sz}
	prefix := newPrefix()
	var err error
	if ds.main, err = newSide(ctx, t, prefix); err != nil {
		return ds, err
	}
	if ds.empty, err = newSide(ctx, t, prefix+"e_"); err != nil {
		return ds, err
	}
	actx := customergroup.WithActor(ctx, actor)
	start := time.Now()
	logf("tables: %scustomer_groups, %scustomer_group_members", prefix, prefix)

	// The groups that get members go through the library; the others are written by one
	// multi-row INSERT per 1,000 exactly as CreateGroup writes them (name_key = FoldName(name)).
	nMember := sz.memberGroups()
	for i := range nMember {
		g, err := ds.main.svc.Create(actx, customergroup.NewGroup{Name: groupName(i)})
		if err != nil {
			return ds, err
		}
		ds.groups = append(ds.groups, g.ID)
	}
	for _, x := range []struct {
		id   *string
		name string
	}{{&ds.bigID, "Bench big group"}, {&ds.addID, "Bench add target"}, {&ds.removeID, "Bench remove target"}} {
		g, err := ds.main.svc.Create(actx, customergroup.NewGroup{Name: x.name})
		if err != nil {
			return ds, err
		}
		*x.id = g.ID
	}
	g, err := ds.empty.svc.Create(actx, customergroup.NewGroup{Name: "Bench empty-table target"})
	if err != nil {
		return ds, err
	}
	ds.emptyID = g.ID
	if err := insertGroups(ctx, t, ds.main.raw, nMember, sz.groups-nMember-3); err != nil {
		return ds, fmt.Errorf("seed groups: %w", err)
	}
	logf("seeded %d groups in %v", sz.groups, time.Since(start).Round(time.Millisecond))

	// Memberships, through the library: groups of 1,000; customer (g*1000+j) mod customers,
	// so that each customer is in about 5 groups.
	start = time.Now()
	ds.customers = make([]string, sz.customers())
	for i := range ds.customers {
		ds.customers[i] = customerID(i)
	}
	batch := make([]string, perGroup)
	for gi, id := range ds.groups {
		for j := range batch {
			batch[j] = ds.customers[(gi*perGroup+j)%len(ds.customers)]
		}
		if n, err := ds.main.svc.AddCustomers(actx, id, batch); err != nil || n != perGroup {
			return ds, fmt.Errorf("seed members of group %d: added %d: %v", gi, n, err)
		}
		if gi%100 == 99 {
			logf("  %d member groups", gi+1)
		}
	}
	logf("seeded %d memberships in %v", len(ds.groups)*perGroup, time.Since(start).Round(time.Millisecond))

	start = time.Now()
	ds.bigIDs = make([]string, sz.big)
	for i := range ds.bigIDs {
		ds.bigIDs[i] = fmt.Sprintf("big_%07d", i)
	}
	if n, err := ds.main.svc.AddCustomers(actx, ds.bigID, ds.bigIDs); err != nil || n != sz.big {
		return ds, fmt.Errorf("seed the big group: added %d: %v", n, err)
	}
	logf("seeded the %d-member group in %v", sz.big, time.Since(start).Round(time.Millisecond))

	if err := t.db.QueryRowContext(ctx, "SELECT count(*) FROM "+ds.main.raw.members).Scan(&ds.rows); err != nil {
		return ds, err
	}
	if t.dialect == sqlstore.Postgres {
		if ds.trigram, err = trigramIndex(ctx, t.db, ds.main.raw); err != nil {
			return ds, err
		}
	}
	if err := analyze(ctx, t, ds.main.raw); err != nil {
		return ds, err
	}
	return ds, nil
}

// insertGroups writes n groups numbered from first, as sqlstore's CreateGroup does.
func insertGroups(ctx context.Context, t *target, r *raw, first, n int) error {
	const chunk = 1000
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	cols := `id, name, metadata, customer_count, created_by, created_at, updated_at, version, name_key`
	return inTx(ctx, t.db, func(tx *sql.Tx) error {
		for done := 0; done < n; {
			k := min(chunk, n-done)
			var b strings.Builder
			b.WriteString("INSERT INTO " + r.groups + " (" + cols + ") VALUES ")
			args := make([]any, 0, 9*k)
			for j := range k {
				if j > 0 {
					b.WriteByte(',')
				}
				b.WriteString("(?,?,?,0,?,?,?,1,?)")
				i := first + done + j
				name := groupName(i)
				at := customergroup.Timestamp(base.Add(time.Duration(i) * time.Second))
				id, err := uuid.NewV7()
				if err != nil {
					return err
				}
				args = append(args, id.String(), name, "{}", actor, r.timeArg(at), r.timeArg(at), customergroup.FoldName(name))
			}
			if _, err := tx.ExecContext(ctx, r.sql(b.String()), args...); err != nil {
				return err
			}
			done += k
		}
		return nil
	})
}

// trigramIndex gives the raw search the best index PostgreSQL offers for name ILIKE '%…%':
// a pg_trgm GIN index on name (the library's optional migration makes one on name_key). It
// reports whether pg_trgm is there.
func trigramIndex(ctx context.Context, db *sql.DB, r *raw) (bool, error) {
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'`).Scan(&n); err != nil {
		return false, err
	}
	if n == 0 {
		return false, nil
	}
	_, err := db.ExecContext(ctx, `CREATE INDEX `+r.groups+`_raw_name_trgm ON `+r.groups+` USING gin (name gin_trgm_ops)`)
	return err == nil, err
}

// analyze refreshes the planner's statistics of the seeded tables.
func analyze(ctx context.Context, t *target, r *raw) error {
	var stmts []string
	switch t.dialect {
	case sqlstore.Postgres:
		stmts = []string{"ANALYZE " + r.groups, "ANALYZE " + r.members}
	case sqlstore.MySQL:
		stmts = []string{"ANALYZE TABLE " + r.groups, "ANALYZE TABLE " + r.members}
	case sqlstore.SQLite:
		stmts = []string{"ANALYZE"}
	}
	for _, s := range stmts {
		rows, err := t.db.QueryContext(ctx, s) // MySQL's ANALYZE TABLE returns rows
		if err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
		rows.Close()
	}
	return nil
}
