package dbopen

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/b02aa859/customergroup/sqlstore"
)

func TestMySQLConfig(t *testing.T) {
	cfg, err := mysqlConfig("mysql://u:p%40ss@db.example:3307/shop?timeout=5s")
	require.NoError(t, err)
	require.Equal(t, "u", cfg.User)
	require.Equal(t, "p@ss", cfg.Passwd)
	require.Equal(t, "db.example:3307", cfg.Addr)
	require.Equal(t, "shop", cfg.DBName)
	require.True(t, cfg.ParseTime)
	cfg, err = mysqlConfig("mysql://root@localhost/shop")
	require.NoError(t, err)
	require.Equal(t, "localhost:3306", cfg.Addr)
}

func TestRedactURL(t *testing.T) {
	require.NotContains(t, RedactURL("postgres://u:secret@h/db"), "secret")
}

func TestOpenPicksDialect(t *testing.T) {
	for dsn, want := range map[string]sqlstore.Dialect{
		"postgres://u@h/db":         sqlstore.Postgres,
		"postgresql://u@h/db":       sqlstore.Postgres,
		"mysql://root@h/db":         sqlstore.MySQL,
		"mysql:root@tcp(h:3306)/db": sqlstore.MySQL,
		"sqlite:x.db":               sqlstore.SQLite,
		"file:x.db?_pragma=foo":     sqlstore.SQLite,
		t.TempDir() + "/x.db":       sqlstore.SQLite,
	} {
		db, d, describe, err := Open(dsn)
		require.NoError(t, err, dsn)
		require.Equal(t, want, d, dsn)
		require.NotEmpty(t, describe)
		require.NoError(t, db.Close())
	}
	_, _, _, err := Open("sqlite:x.db?cache=shared")
	require.Error(t, err)
}
