package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/b02aa859/customergroup"
	"github.com/b02aa859/customergroup/internal/dbopen"
	"github.com/b02aa859/customergroup/memstore"
	"github.com/b02aa859/customergroup/sqlstore"
)

// backend is where the groups (the library's store) and the demo customers live.
type backend struct {
	store     customergroup.Store
	customers customerStore
	describe  string // for the log: the kind of database, never its credentials
	db        *sql.DB
	dialect   sqlDialect
	close     func() error
}

// openBackend opens the database dsn names, migrates the library's schema (idempotent) and
// creates the demo customers table beside it, all under prefix:
//
//	memory, mem                      memstore and an in-memory customers table
//	postgres://…, postgresql://…     PostgreSQL through pgx
//	mysql://user:pass@host:port/db   MySQL or MariaDB through go-sql-driver/mysql
//	mysql:<go-sql-driver DSN>        the same, in the driver's own form
//	sqlite:<path>, file:…, <path>    a SQLite file through modernc.org/sqlite (pure Go)
func openBackend(ctx context.Context, dsn, prefix string) (*backend, error) {
	if dsn == "memory" || dsn == "mem" {
		if prefix != "" {
			return nil, errors.New("-table-prefix is for SQL databases, not memory")
		}
		return &backend{store: memstore.New(), customers: newMemCustomers(), describe: "memory", close: func() error { return nil }}, nil
	}
	db, dialect, describe, err := dbopen.Open(dsn)
	if err != nil {
		return nil, fmt.Errorf("-db: %w", err)
	}
	be, err := sqlBackend(ctx, db, sqlDialect(dialect), prefix)
	if err != nil {
		db.Close()
		return nil, err
	}
	be.describe = describe
	return be, nil
}

func sqlBackend(ctx context.Context, db *sql.DB, dialect sqlDialect, prefix string) (*backend, error) {
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		return nil, fmt.Errorf("connect to %s: %w", dialect, err)
	}
	store, err := sqlstore.New(db, sqlstore.Dialect(dialect), sqlstore.WithTablePrefix(prefix))
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	customers, err := newSQLCustomers(ctx, db, dialect, prefix)
	if err != nil {
		return nil, err
	}
	return &backend{store: store, customers: customers, db: db, dialect: dialect, close: db.Close}, nil
}

// dropTables drops every table whose name starts with prefix, for -drop-tables (CI runs use a
// fresh prefix each). It refuses an empty prefix: that would be every table.
func dropTables(ctx context.Context, db *sql.DB, dialect sqlDialect, prefix string) (int, error) {
	if prefix == "" {
		return 0, errors.New("-drop-tables needs a -table-prefix: it drops the tables under it")
	}
	var list string
	quote := func(n string) string { return `"` + strings.ReplaceAll(n, `"`, `""`) + `"` }
	switch dialect {
	case dialectSQLite:
		list = `SELECT name FROM sqlite_master WHERE type = 'table'`
	case dialectPostgres:
		list = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`
	case dialectMySQL:
		list = `SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()`
		quote = func(n string) string { return "`" + strings.ReplaceAll(n, "`", "``") + "`" }
	}
	rows, err := db.QueryContext(ctx, list)
	if err != nil {
		return 0, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return 0, err
		}
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(names) == 0 {
		return 0, nil
	}
	if dialect == dialectPostgres {
		quoted := make([]string, len(names))
		for i, n := range names {
			quoted[i] = quote(n)
		}
		_, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS "+strings.Join(quoted, ", ")+" CASCADE")
		return len(names), err
	}
	// Tables others refer to go last: drop what can be dropped, round after round.
	left := names
	for range len(names) {
		var next []string
		for _, n := range left {
			if _, err = db.ExecContext(ctx, "DROP TABLE IF EXISTS "+quote(n)); err != nil {
				next = append(next, n)
			}
		}
		if left = next; len(left) == 0 {
			return len(names), nil
		}
	}
	return len(names) - len(left), fmt.Errorf("could not drop %v: %w", left, err)
}
