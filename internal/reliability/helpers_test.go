package reliability

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/b02aa859/customergroup/internal/dbopen"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	cg "github.com/b02aa859/customergroup"
	"github.com/b02aa859/customergroup/sqlstore"
)

// The environment variables of the real servers, for example
//
//	CUSTOMERGROUP_POSTGRES_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
//	CUSTOMERGROUP_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test?parseTime=true'
//
// Without them the PostgreSQL and MySQL/MariaDB tests skip, naming the variable.
const (
	postgresEnv = "CUSTOMERGROUP_POSTGRES_DSN"
	mysqlEnv    = "CUSTOMERGROUP_MYSQL_DSN"
)

// backend is one database the tests run against.
type backend struct {
	name    string // "postgres", "mysql", "sqlite"
	dialect sqlstore.Dialect
	dsn     string
}

// serverBackends are the real servers, each skipped (naming its variable) when unset.
var serverBackends = []struct {
	name string
	get  func(t *testing.T) backend
}{
	{"postgres", postgresBackend},
	{"mysql", mysqlBackend},
}

func postgresBackend(t *testing.T) backend {
	t.Helper()
	dsn := os.Getenv(postgresEnv)
	if dsn == "" {
		t.Skipf("set %s to run this test on PostgreSQL", postgresEnv)
	}
	return backend{name: "postgres", dialect: sqlstore.Postgres, dsn: dsn}
}

func mysqlBackend(t *testing.T) backend {
	t.Helper()
	dsn := os.Getenv(mysqlEnv)
	if dsn == "" {
		t.Skipf("set %s to run this test on MySQL/MariaDB", mysqlEnv)
	}
	return backend{name: "mysql", dialect: sqlstore.MySQL, dsn: dsn}
}

// sqliteBackend is a SQLite database file in the test's temporary directory, with the DSN the
// sqlstore documentation recommends.
func sqliteBackend(t *testing.T) backend {
	t.Helper()
	file := filepath.Join(t.TempDir(), "reliability.db")
	return backend{name: "sqlite", dialect: sqlstore.SQLite,
		dsn: "file:" + file + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"}
}

// open returns a new pool straight to the database, closed when the test ends.
func (b backend) open(t *testing.T, maxConns int) *sql.DB {
	t.Helper()
	var db *sql.DB
	var err error
	switch b.dialect {
	case sqlstore.Postgres:
		db, err = sql.Open("pgx", b.dsn)
	case sqlstore.MySQL:
		db, err = sql.Open("mysql", b.dsn)
	default:
		db, err = sql.Open("sqlite", b.dsn)
	}
	if err != nil {
		t.Fatalf("open %s: %v", b.name, err)
	}
	return ready(t, b, db, maxConns)
}

// openVia returns a new pool whose connections go through p. With exact set, the pool sends
// nothing of its own between operations (pgx pings a connection that was idle for a second
// before reusing it), so that an operation's bytes are the same run after run.
func (b backend) openVia(t *testing.T, p *proxy, maxConns int, exact bool) *sql.DB {
	t.Helper()
	host, port, err := splitHostPort(p.addr())
	if err != nil {
		t.Fatal(err)
	}
	var db *sql.DB
	switch b.dialect {
	case sqlstore.Postgres:
		cfg, err := pgx.ParseConfig(b.dsn)
		if err != nil {
			t.Fatalf("%s: %v", postgresEnv, err)
		}
		cfg.Host, cfg.Port, cfg.Fallbacks = host, uint16(port), nil
		var opts []stdlib.OptionOpenDB
		if exact {
			opts = append(opts, stdlib.OptionShouldPing(func(context.Context, stdlib.ShouldPingParams) bool { return false }))
		}
		db = stdlib.OpenDB(*cfg, opts...)
	case sqlstore.MySQL:
		cfg, err := mysql.ParseDSN(b.dsn)
		if err != nil {
			t.Fatalf("%s: %v", mysqlEnv, err)
		}
		cfg.Net, cfg.Addr = "tcp", p.addr()
		db, err = sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("no proxy for %s", b.name)
	}
	return ready(t, b, db, maxConns)
}

func ready(t *testing.T, b backend, db *sql.DB, maxConns int) *sql.DB {
	t.Helper()
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	t.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("%s: %v", b.name, err)
	}
	return db
}

// target is the server's host:port, for the proxy to dial.
func (b backend) target(t *testing.T) string {
	t.Helper()
	switch b.dialect {
	case sqlstore.Postgres:
		cfg, err := pgx.ParseConfig(b.dsn)
		if err != nil {
			t.Fatalf("%s: %v", postgresEnv, err)
		}
		if strings.HasPrefix(cfg.Host, "/") {
			t.Skipf("%s names a Unix socket; the fault tests need TCP", postgresEnv)
		}
		return fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
	case sqlstore.MySQL:
		cfg, err := mysql.ParseDSN(b.dsn)
		if err != nil {
			t.Fatalf("%s: %v", mysqlEnv, err)
		}
		if cfg.Net != "tcp" {
			t.Skipf("%s does not use tcp; the fault tests need TCP", mysqlEnv)
		}
		return cfg.Addr
	}
	t.Fatalf("%s has no server", b.name)
	return ""
}

// uniquePrefix is a fresh table prefix, so that tests sharing a server never see each other's
// tables.
func uniquePrefix() string {
	b := make([]byte, 4)
	rand.Read(b)
	return "rel" + hex.EncodeToString(b) + "_"
}

// tables is one set of the library's tables (one prefix) on one database.
type tables struct {
	b      backend
	db     *sql.DB // a pool straight to the database, for setup and raw checks
	prefix string
	store  *sqlstore.Store // on db
}

// newTables migrates a fresh set of tables on db and drops them (and any other table with
// the prefix) when the test ends.
func newTables(t *testing.T, b backend, db *sql.DB, opts ...sqlstore.Option) *tables {
	t.Helper()
	prefix := uniquePrefix()
	s, err := sqlstore.New(db, b.dialect, append([]sqlstore.Option{sqlstore.WithTablePrefix(prefix)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	tb := &tables{b: b, db: db, prefix: prefix, store: s}
	t.Cleanup(func() { tb.drop(t) })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Logf("Migrate took %v (it waits for other stores' migrations on this database)", d.Round(time.Millisecond))
	}
	return tb
}

// storeOn is a Store on another pool over the same tables: what another process sees.
func (tb *tables) storeOn(t *testing.T, db *sql.DB, opts ...sqlstore.Option) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.New(db, tb.b.dialect, append([]sqlstore.Option{sqlstore.WithTablePrefix(tb.prefix)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (tb *tables) groups() string  { return tb.prefix + "customer_groups" }
func (tb *tables) members() string { return tb.prefix + "customer_group_members" }

// ownTables lists every table whose name starts with the prefix.
func (tb *tables) ownTables(ctx context.Context) ([]string, error) {
	var q string
	switch tb.b.dialect {
	case sqlstore.Postgres:
		q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND left(tablename, length($1)) = $1`
	case sqlstore.MySQL:
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND LEFT(table_name, CHAR_LENGTH(?)) = ?`
	default:
		q = `SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, length(?1)) = ?1`
	}
	args := []any{tb.prefix}
	if tb.b.dialect == sqlstore.MySQL {
		args = append(args, tb.prefix)
	}
	names, err := queryStrings(ctx, tb.db, q, args...)
	slices.Sort(names)
	return names, err
}

// drop removes every table with the prefix.
func (tb *tables) drop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	names, err := tb.ownTables(ctx)
	if err != nil {
		t.Errorf("list tables to drop: %v", err)
		return
	}
	// Members first: nothing references them.
	slices.SortFunc(names, func(a, b string) int {
		return strings.Compare(strings.Replace(a, "members", "0", 1), strings.Replace(b, "members", "0", 1))
	})
	for _, n := range names {
		if _, err := tb.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+n); err != nil {
			t.Errorf("drop %s: %v", n, err)
		}
	}
}

// bind turns ? placeholders into $1, $2, … on PostgreSQL. Raw test queries hold no ? in
// literals.
func (tb *tables) bind(q string) string {
	q = strings.NewReplacer("{groups}", tb.groups(), "{members}", tb.members()).Replace(q)
	return dbopen.Rebind(tb.b.dialect, q)
}

func queryStrings(ctx context.Context, db *sql.DB, q string, args ...any) ([]string, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (tb *tables) scalar(t *testing.T, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := tb.db.QueryRowContext(context.Background(), tb.bind(q), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// memberRows counts the group's rows in the members table.
func (tb *tables) memberRows(t *testing.T, groupID string) int {
	t.Helper()
	return int(tb.scalar(t, `SELECT count(*) FROM {members} WHERE group_id = ?`, groupID))
}

// storedGroup is a group row as stored.
type storedGroup struct {
	found    bool
	name     string
	metadata string
	count    int64
	version  int64
}

func (tb *tables) row(t *testing.T, groupID string) storedGroup {
	t.Helper()
	var g storedGroup
	err := tb.db.QueryRowContext(context.Background(), tb.bind(`SELECT name, metadata, customer_count, version FROM {groups} WHERE id = ?`), groupID).
		Scan(&g.name, &g.metadata, &g.count, &g.version)
	if errors.Is(err, sql.ErrNoRows) {
		return g
	}
	if err != nil {
		t.Fatalf("read group %s: %v", groupID, err)
	}
	g.found = true
	return g
}

// invariantReport is what checkInvariants found: the sizes it checked.
type invariantReport struct {
	groups, members int64
	checks          []string
}

// checkInvariants checks, with raw SQL against the tables, what must hold whatever happened:
// every customer_count equals its member rows, no membership is stored twice, no membership
// belongs to a group that does not exist, no two groups share a folded name, counts are not
// negative and versions are at least 1.
func (tb *tables) checkInvariants(t *testing.T) invariantReport {
	t.Helper()
	ctx := context.Background()
	var r invariantReport
	r.groups = tb.scalar(t, `SELECT count(*) FROM {groups}`)
	r.members = tb.scalar(t, `SELECT count(*) FROM {members}`)
	check := func(name, q string) {
		t.Helper()
		bad, err := queryStrings(ctx, tb.db, tb.bind(q))
		if err != nil {
			t.Fatalf("invariant %q: %v", name, err)
		}
		if len(bad) > 0 {
			t.Errorf("invariant broken: %s: %d rows, first %q", name, len(bad), bad[:min(len(bad), 5)])
		}
		r.checks = append(r.checks, name)
	}
	check("customer_count equals member rows",
		`SELECT g.id FROM {groups} g LEFT JOIN (SELECT group_id, count(*) AS n FROM {members} GROUP BY group_id) m ON m.group_id = g.id
		 WHERE g.customer_count <> COALESCE(m.n, 0)`)
	check("no duplicate memberships",
		`SELECT group_id FROM {members} GROUP BY group_id, customer_id HAVING count(*) > 1`)
	check("no memberships of missing groups",
		`SELECT m.group_id FROM {members} m WHERE NOT EXISTS (SELECT 1 FROM {groups} g WHERE g.id = m.group_id)`)
	check("no two groups with one folded name",
		`SELECT name_key FROM {groups} GROUP BY name_key HAVING count(*) > 1`)
	check("counts not negative, versions at least 1",
		`SELECT id FROM {groups} WHERE customer_count < 0 OR version < 1`)
	return r
}

// ids returns n customer ids "<prefix>-000000" …, all of one length.
func ids(prefix string, from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%07d", prefix, from+i)
	}
	return out
}

// fixedClock is a clock whose times have microseconds (so that every store keeps them) and
// the same encoded length every time: byte offsets of an operation stay the same run to run.
func fixedClock() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC) }

// seqIDs returns a generator of group ids that all have the same length.
func seqIDs(tag string) func() string {
	run := uniquePrefix()[3:11]
	var n atomic.Int64
	return func() string { return fmt.Sprintf("%s-%s-%06d", tag, run, n.Add(1)) }
}

// errorClass is a short name for an error in messages.
func errorClass(err error) string {
	switch {
	case err == nil:
		return "nil"
	case errors.Is(err, context.Canceled):
		return "context.Canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "context.DeadlineExceeded"
	case errors.Is(err, cg.ErrNotFound):
		return "ErrNotFound"
	case errors.Is(err, cg.ErrConflict):
		return "ErrConflict"
	case errors.Is(err, cg.ErrInvalid):
		return "ErrInvalid"
	case errors.Is(err, cg.ErrNameTaken):
		return "ErrNameTaken"
	case errors.Is(err, cg.ErrIDTaken):
		return "ErrIDTaken"
	case errors.Is(err, cg.ErrUnavailable):
		return "ErrUnavailable"
	}
	return "other"
}
