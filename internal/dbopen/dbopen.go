// Package dbopen opens the database a -db flag or an environment variable names, for the
// examples and the benchmark: one place that knows each driver's DSN forms. (sqlstore itself
// imports no driver: the host opens its *sql.DB as it likes.)
package dbopen

import (
	"database/sql"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"github.com/b02aa859/customergroup/sqlstore"
)

// Open opens (without connecting) the SQL database dsn names and says which sqlstore dialect
// it speaks, with a description for logs that never holds a password:
//
//	postgres://…, postgresql://…     PostgreSQL through pgx
//	mysql://user:pass@host:port/db   MySQL or MariaDB through go-sql-driver/mysql
//	mysql:<go-sql-driver DSN>        the same, in the driver's own form
//	sqlite:<path>, file:…, <path>    a SQLite file through modernc.org/sqlite (pure Go)
//
// A plain SQLite path gets the settings concurrent use needs: WAL, a busy timeout, and
// immediate write transactions. MySQL connections read times as UTC time.Time.
func Open(dsn string) (db *sql.DB, dialect sqlstore.Dialect, describe string, err error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err := sql.Open("pgx", dsn)
		return db, sqlstore.Postgres, "postgres " + redactURL(dsn), err
	case strings.HasPrefix(dsn, "mysql:"):
		cfg, err := mysqlConfig(dsn)
		if err != nil {
			return nil, "", "", err
		}
		conn, err := mysql.NewConnector(cfg)
		if err != nil {
			return nil, "", "", err
		}
		return sql.OpenDB(conn), sqlstore.MySQL, "mysql " + cfg.Addr + "/" + cfg.DBName, nil
	}
	path := strings.TrimPrefix(dsn, "sqlite:")
	if strings.HasPrefix(path, "file:") {
		db, err := sql.Open("sqlite", path) // the caller's own DSN, pragmas and all
		return db, sqlstore.SQLite, "sqlite " + path, err
	}
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, "", "", fmt.Errorf("database %q: not a SQLite file path (for options, give a file: DSN)", dsn)
	}
	// busy_timeout: concurrent writers (requests, or other processes) wait for the write lock
	// instead of failing; WAL: readers do not block the writer.
	db, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	return db, sqlstore.SQLite, "sqlite " + path, err
}

// mysqlConfig reads mysql://user:pass@host:port/db?params or mysql:<go-sql-driver DSN>. Times
// are read as time.Time in UTC (parseTime, loc), which sqlstore needs.
func mysqlConfig(dsn string) (*mysql.Config, error) {
	native := strings.TrimPrefix(dsn, "mysql:")
	if strings.HasPrefix(dsn, "mysql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, fmt.Errorf("database: %w", err)
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
		return nil, fmt.Errorf("database: %w", err)
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

// MySQLConfig reads mysql://user:pass@host:port/db?params or mysql:<go-sql-driver DSN> (or a
// bare go-sql-driver DSN) with the settings sqlstore needs: times read as time.Time in UTC.
func MySQLConfig(dsn string) (*mysql.Config, error) { return mysqlConfig(dsn) }

// RedactURL drops the password of a URL, for logs.
func RedactURL(s string) string { return redactURL(s) }

// Rebind writes q's ? placeholders as the dialect wants them: $1, $2, … on PostgreSQL,
// unchanged elsewhere. For the hand-written SQL of the examples, tests and benchmark (q must
// hold no ? inside a string literal).
func Rebind(d sqlstore.Dialect, q string) string {
	if d != sqlstore.Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
