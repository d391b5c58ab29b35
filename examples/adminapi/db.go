package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"github.com/b02aa859/customergroup"
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
	db, dialect, describe, err := openDB(dsn)
	if err != nil {
		return nil, err
	}
	be, err := sqlBackend(ctx, db, dialect, prefix)
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

// openDB opens (without connecting) the SQL database dsn names.
func openDB(dsn string) (db *sql.DB, dialect sqlDialect, describe string, err error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err := sql.Open("pgx", dsn)
		return db, dialectPostgres, "postgres " + redactURL(dsn), err
	case strings.HasPrefix(dsn, "mysql:"):
		cfg, err := mysqlConfig(dsn)
		if err != nil {
			return nil, "", "", err
		}
		conn, err := mysql.NewConnector(cfg)
		if err != nil {
			return nil, "", "", err
		}
		return sql.OpenDB(conn), dialectMySQL, "mysql " + cfg.Addr + "/" + cfg.DBName, nil
	}
	path := strings.TrimPrefix(dsn, "sqlite:")
	if strings.HasPrefix(path, "file:") {
		db, err := sql.Open("sqlite", path) // the caller's own DSN, pragmas and all
		return db, dialectSQLite, "sqlite " + path, err
	}
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, "", "", fmt.Errorf("-db %q: not a SQLite file path (for options, give a file: DSN)", dsn)
	}
	// busy_timeout: concurrent writers (requests, or other processes) wait for the write lock
	// instead of failing; WAL: readers do not block the writer.
	db, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)")
	return db, dialectSQLite, "sqlite " + path, err
}

// mysqlConfig reads mysql://user:pass@host:port/db?params or mysql:<go-sql-driver DSN>. Times
// are read as time.Time in UTC (parseTime, loc), which sqlstore needs.
func mysqlConfig(dsn string) (*mysql.Config, error) {
	native := strings.TrimPrefix(dsn, "mysql:")
	if strings.HasPrefix(dsn, "mysql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, fmt.Errorf("-db: %w", err)
		}
		host := u.Host
		if u.Port() == "" {
			host += ":3306"
		}
		userinfo := ""
		if u.User != nil {
			userinfo = u.User.Username()
			if p, ok := u.User.Password(); ok {
				userinfo += ":" + p
			}
			userinfo += "@"
		}
		native = userinfo + "tcp(" + host + ")/" + strings.TrimPrefix(u.Path, "/")
		if u.RawQuery != "" {
			native += "?" + u.RawQuery
		}
	}
	cfg, err := mysql.ParseDSN(native)
	if err != nil {
		return nil, fmt.Errorf("-db: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	return cfg, nil
}

// redactURL drops the password of a URL, for logs.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
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
