package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/b02aa859/customergroup/internal/dbopen" // registers "pgx", "mysql" and "sqlite"
	"github.com/b02aa859/customergroup/sqlstore"
)

// target is the database under test: one pool for the timings, and a second one on the same
// database whose driver calls are counted (see counter).
type target struct {
	dialect  sqlstore.Dialect
	describe string // the DSN without its password
	db       *sql.DB
	counted  *sql.DB
	calls    *counter
	tmpDir   string // the SQLite file's directory when the program made it
}

// openTarget opens the database -db names.
func openTarget(spec string) (*target, error) {
	var (
		d        sqlstore.Dialect
		drv, dsn string
		describe string
		tmpDir   string
	)
	switch {
	case spec == "postgres" || spec == "mysql":
		env := "CUSTOMERGROUP_POSTGRES_DSN"
		if spec == "mysql" {
			env = "CUSTOMERGROUP_MYSQL_DSN"
		}
		v := os.Getenv(env)
		if v == "" {
			return nil, fmt.Errorf("-db %s: set %s", spec, env)
		}
		if spec == "postgres" && !strings.Contains(v, "://") {
			return openTarget(v) // a key=value DSN
		}
		if spec == "mysql" && !strings.HasPrefix(v, "mysql://") {
			v = "mysql:" + v
		}
		return openTarget(v)
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"),
		strings.Contains(spec, "host=") || strings.Contains(spec, "dbname="):
		d, drv, dsn = sqlstore.Postgres, "pgx", spec
		describe = dbopen.RedactURL(spec)
	case strings.HasPrefix(spec, "mysql:"), strings.Contains(spec, "@tcp("), strings.Contains(spec, "@unix("):
		cfg, err := dbopen.MySQLConfig(spec)
		if err != nil {
			return nil, err
		}
		d, drv, dsn = sqlstore.MySQL, "mysql", cfg.FormatDSN()
		describe = "mysql " + cfg.User + "@" + cfg.Addr + "/" + cfg.DBName
	default: // SQLite
		path := strings.TrimPrefix(spec, "sqlite:")
		if spec == "sqlite" {
			dir, err := os.MkdirTemp("", "customergroup-bench-")
			if err != nil {
				return nil, err
			}
			tmpDir = dir
			path = filepath.Join(dir, "bench.db")
		}
		d, drv = sqlstore.SQLite, "sqlite"
		if strings.HasPrefix(path, "file:") {
			dsn = path
		} else {
			// The DSN the sqlstore package documentation recommends.
			dsn = "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		}
		describe = "sqlite " + dsn
		if tmpDir != "" {
			describe = "sqlite, a temporary file, WAL, synchronous=NORMAL"
		}
	}
	t := &target{dialect: d, describe: describe, tmpDir: tmpDir, calls: &counter{}}
	var err error
	if t.db, err = sql.Open(drv, dsn); err != nil {
		return nil, err
	}
	connector, err := connectorOf(t.db.Driver(), dsn)
	if err != nil {
		return nil, err
	}
	t.counted = sql.OpenDB(countingConnector{Connector: connector, c: t.calls})
	for _, db := range []*sql.DB{t.db, t.counted} {
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := t.db.PingContext(ctx); err != nil {
		t.close(false)
		return nil, fmt.Errorf("connect to %s: %w", describe, err)
	}
	return t, nil
}

func connectorOf(drv driver.Driver, dsn string) (driver.Connector, error) {
	if dc, ok := drv.(driver.DriverContext); ok {
		return dc.OpenConnector(dsn)
	}
	return dsnConnector{drv, dsn}, nil
}

type dsnConnector struct {
	drv driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }

func (t *target) close(keep bool) {
	t.counted.Close()
	t.db.Close()
	if t.tmpDir != "" && !keep {
		os.RemoveAll(t.tmpDir)
	}
}

// version is the database's version string.
func (t *target) version(ctx context.Context) string {
	q := `SELECT version()`
	if t.dialect == sqlstore.SQLite {
		q = `SELECT 'SQLite ' || sqlite_version()`
	}
	var v string
	if err := t.db.QueryRowContext(ctx, q).Scan(&v); err != nil {
		return "unknown (" + err.Error() + ")"
	}
	if t.dialect == sqlstore.MySQL {
		v = "MySQL/MariaDB " + v
	}
	if i := strings.Index(v, " on "); i > 0 && t.dialect == sqlstore.Postgres {
		v = v[:i]
	}
	return v
}
