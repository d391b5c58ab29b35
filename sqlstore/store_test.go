package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/b02aa859/customergroup"
	"github.com/b02aa859/customergroup/storetest"
)

// The environment variables that point the tests at real servers, for example
//
//	CUSTOMERGROUP_POSTGRES_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
//	CUSTOMERGROUP_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test?parseTime=true'
//
// Without them, the PostgreSQL and MySQL tests skip; SQLite always runs, on a file in the
// test's temporary directory.
const (
	postgresEnv = "CUSTOMERGROUP_POSTGRES_DSN"
	mysqlEnv    = "CUSTOMERGROUP_MYSQL_DSN"
)

// sqliteDSN is the recommended SQLite DSN of the package documentation, for a file.
func sqliteDSN(file string) string {
	return "file:" + file + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
}

// backend is one database the tests run against.
type backend struct {
	dialect Dialect
	// open returns a new, separate pool on the backend's database: two pools stand for two
	// processes. Every call of a test's backend reaches the same database.
	open func(t *testing.T) *sql.DB
}

// backends returns the databases to test on: SQLite always, the servers when their
// environment variables are set. Each SQLite backend gets a database file of its own.
func backends(t *testing.T) map[string]backend {
	t.Helper()
	out := map[string]backend{}
	file := filepath.Join(t.TempDir(), "customergroup.db")
	out["sqlite"] = backend{SQLite, func(t *testing.T) *sql.DB { return openDB(t, "sqlite", sqliteDSN(file)) }}
	out["postgres"] = serverBackend(Postgres, "pgx", postgresEnv)
	out["mysql"] = serverBackend(MySQL, "mysql", mysqlEnv)
	return out
}

func serverBackend(d Dialect, driver, env string) backend {
	return backend{d, func(t *testing.T) *sql.DB {
		dsn := os.Getenv(env)
		if dsn == "" {
			t.Skipf("set %s to run the %s tests", env, d)
		}
		return openDB(t, driver, dsn)
	}}
}

func openDB(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", driver, err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	t.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("%s: %v", driver, err)
	}
	return db
}

// forEach runs f once per backend, as a subtest named after it.
func forEach(t *testing.T, f func(t *testing.T, b backend)) {
	for _, name := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(name, func(t *testing.T) { f(t, backends(t)[name]) })
	}
}

// uniquePrefix is a fresh table prefix, so that tests sharing a server never see each other's
// tables.
func uniquePrefix() string {
	b := make([]byte, 5)
	rand.Read(b)
	return "t" + hex.EncodeToString(b) + "_"
}

// newStore returns a migrated store on db with a fresh table prefix, whose tables are dropped
// when the test ends.
func newStore(t *testing.T, db *sql.DB, d Dialect, opts ...Option) *Store {
	t.Helper()
	s, err := New(db, d, append([]Option{WithTablePrefix(uniquePrefix())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dropTables(t, s) })
	return s
}

// sameStore returns a store on db with s's tables: what another process sees.
func sameStore(t *testing.T, db *sql.DB, s *Store) *Store {
	t.Helper()
	o, err := New(db, s.dialect, WithTablePrefix(s.prefix), WithBatchSize(s.batchSize))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func dropTables(t *testing.T, s *Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, table := range []string{s.t.members, s.t.groups, s.t.migrations} {
		if _, err := s.db.ExecContext(ctx, "DROP TABLE IF EXISTS "+table); err != nil {
			t.Errorf("drop %s: %v", table, err)
		}
	}
}

// TestConformance runs the storetest suite on every backend. Each subtest gets fresh tables
// (a new table prefix) on one pool per backend.
func TestConformance(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		db := b.open(t)
		storetest.Run(t, func(t *testing.T) customergroup.Store {
			return newStore(t, db, b.dialect)
		})
	})
}

// smallBatchSuite matches the storetest subtests that change memberships.
var smallBatchSuite = regexp.MustCompile(`/(AddCustomers|RemoveCustomers|CustomerCount|Customers|Delete|Concurrency|Batch/Thousands|Context)/`)

// TestConformanceSmallBatches runs the membership parts of the suite with batches of 7 ids,
// so that every multi-statement path (several batches in one transaction) is exercised by
// batches of a few dozen ids.
func TestConformanceSmallBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short")
	}
	forEach(t, func(t *testing.T, b backend) {
		db := b.open(t)
		storetest.Run(t, func(t *testing.T) customergroup.Store {
			if !smallBatchSuite.MatchString(t.Name()) {
				t.Skip("not a membership test")
			}
			return newStore(t, db, b.dialect, WithBatchSize(7))
		})
	})
}
