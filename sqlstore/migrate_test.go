package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

func TestNewRefusesBadOptions(t *testing.T) {
	db, err := sql.Open("sqlite", "file::memory:")
	require.NoError(t, err)
	defer db.Close()

	for _, p := range []string{"", "shop_", "S1_", "_x", "abcdefghijklmnopqrstuvwx"} {
		_, err := New(db, SQLite, WithTablePrefix(p))
		require.NoError(t, err, "prefix %q", p)
	}
	for _, p := range []string{"1shop_", "shop-", "shop.", "a b", `x"`, "x;DROP", "é_", "abcdefghijklmnopqrstuvwxy"} {
		_, err := New(db, SQLite, WithTablePrefix(p))
		require.Error(t, err, "prefix %q", p)
	}
	_, err = New(db, "oracle")
	require.Error(t, err)
	_, err = New(nil, SQLite)
	require.Error(t, err)
	_, err = New(db, MySQL, WithBatchSize(16_001))
	require.Error(t, err)
	_, err = New(db, Postgres, WithBatchSize(-1))
	require.Error(t, err)
	s, err := New(db, Postgres, WithBatchSize(1))
	require.NoError(t, err)
	require.Equal(t, 1, s.batchSize)
	require.Equal(t, Postgres, s.Dialect())
}

func TestSchema(t *testing.T) {
	for _, d := range []Dialect{Postgres, SQLite, MySQL} {
		t.Run(string(d), func(t *testing.T) {
			fsys := Schema(d)
			require.NotNil(t, fsys)
			require.NoError(t, fstest.TestFS(fsys, "0001_init.sql"))
			b, err := fs.ReadFile(fsys, "0001_init.sql")
			require.NoError(t, err)
			require.NotContains(t, string(b), "{prefix}")
			require.Contains(t, string(b), "CREATE TABLE")
			require.Contains(t, string(b), " customer_groups (")

			db, err := sql.Open("sqlite", "file::memory:")
			require.NoError(t, err)
			defer db.Close()
			s, err := New(db, d, WithTablePrefix("shop_"))
			require.NoError(t, err)
			b, err = fs.ReadFile(s.Schema(), "0001_init.sql")
			require.NoError(t, err)
			require.Contains(t, string(b), " shop_customer_groups (")
			require.Contains(t, string(b), " shop_customer_group_members (")

			ms, err := s.migrations()
			require.NoError(t, err)
			require.Equal(t, 1, ms[0].version)
			require.Equal(t, "init", ms[0].name)
			for _, m := range ms {
				for _, stmt := range m.statements {
					require.NotContains(t, stmt, ";", "%s: one statement at a time", m.name)
				}
			}
		})
	}
	require.Nil(t, Schema("oracle"))
}

func TestSplitStatements(t *testing.T) {
	got := splitStatements("-- optional: a comment\nCREATE TABLE a (\n  x int -- inline\n);\n\n-- between\nCREATE INDEX b ON a (x);\nSELECT 1")
	require.Equal(t, []string{"CREATE TABLE a (\n  x int -- inline\n)", "CREATE INDEX b ON a (x)", "SELECT 1"}, got)
}

// TestMigrate checks that Migrate records its versions, does nothing the second time, and that
// two pools (two processes) migrating the same fresh tables at once both succeed.
func TestMigrate(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db1, db2 := b.open(t), b.open(t)
		prefix := uniquePrefix()
		var stores [2]*Store
		for i, db := range []*sql.DB{db1, db2} {
			s, err := New(db, b.dialect, WithTablePrefix(prefix))
			require.NoError(t, err)
			stores[i] = s
		}
		t.Cleanup(func() { dropTables(t, stores[0]) })

		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() { errs[i] = stores[i%2].Migrate(ctx) })
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		versions := func() []int {
			rows, err := db1.QueryContext(ctx, "SELECT version FROM "+stores[0].t.migrations+" ORDER BY version")
			require.NoError(t, err)
			defer rows.Close()
			var out []int
			for rows.Next() {
				var v int
				require.NoError(t, rows.Scan(&v))
				out = append(out, v)
			}
			return out
		}
		all, err := stores[0].migrations()
		require.NoError(t, err)
		want := make([]int, len(all))
		for i, m := range all {
			want[i] = m.version
		}
		require.Equal(t, want, versions(), "every migration recorded once")
		require.NoError(t, stores[1].Migrate(ctx))
		require.Equal(t, want, versions())

		if b.dialect == Postgres {
			var n int
			require.NoError(t, db1.QueryRowContext(ctx, `SELECT count(*) FROM pg_indexes WHERE indexname = $1`,
				prefix+"customer_groups_name_trgm_idx").Scan(&n))
			require.Equal(t, 1, n, "the trigram index, since the test role may create pg_trgm")
		}
	})
}

// TestMigrateSkipsOptionalFailure runs the optional PostgreSQL step as a role that may not
// create extensions: Migrate succeeds without the trigram index and does not record it.
func TestMigrateSkipsOptionalFailure(t *testing.T) {
	b := backends(t)["postgres"]
	db := b.open(t)
	ctx := context.Background()
	role := "cg_" + strings.TrimSuffix(uniquePrefix(), "_")
	schema := role + "_schema"
	for _, stmt := range []string{
		"CREATE ROLE " + role,
		"CREATE SCHEMA " + schema + " AUTHORIZATION " + role,
	} {
		_, err := db.ExecContext(ctx, stmt)
		require.NoError(t, err)
	}
	t.Cleanup(func() {
		db.ExecContext(context.Background(), "RESET ROLE")
		db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		db.ExecContext(context.Background(), "DROP ROLE "+role)
	})
	// One connection, switched to the unprivileged role and its own schema.
	db.SetMaxOpenConns(1)
	for _, stmt := range []string{"SET ROLE " + role, "SET search_path TO " + schema} {
		_, err := db.ExecContext(ctx, stmt)
		require.NoError(t, err)
	}
	// The role may not create an extension that is not installed yet: use one that is not.
	s, err := New(db, Postgres)
	require.NoError(t, err)
	all, err := s.migrations()
	require.NoError(t, err)
	opt := migration{version: 9999, name: "needs_superuser", optional: true,
		statements: []string{"CREATE EXTENSION IF NOT EXISTS file_fdw"}}
	require.NoError(t, s.d.migrate(ctx, s, append(all, opt)))
	var n int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM customer_group_migrations WHERE version = 9999").Scan(&n))
	require.Equal(t, 0, n, "a skipped optional migration is not recorded")
	require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM customer_group_migrations WHERE version = 1").Scan(&n))
	require.Equal(t, 1, n)
}

func TestMigrateCanceled(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		s, err := New(b.open(t), b.dialect, WithTablePrefix(uniquePrefix()))
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err = s.Migrate(ctx)
		require.True(t, errors.Is(err, context.Canceled), "got %v", err)
	})
}

// TestReadmeShowsTheSchema keeps the DDL in README.md equal to the schema files.
func TestReadmeShowsTheSchema(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	for _, d := range []Dialect{Postgres, SQLite, MySQL} {
		fsys := Schema(d)
		entries, err := fs.ReadDir(fsys, ".")
		require.NoError(t, err)
		for _, e := range entries {
			b, err := fs.ReadFile(fsys, e.Name())
			require.NoError(t, err)
			require.Contains(t, string(readme), strings.TrimRight(string(b), "\n"), "%s/%s is not in README.md", d, e.Name())
		}
	}
}

// TestMigrateAfterOwnTool: tables created from Schema by a host's own tool are adopted by a
// later Migrate.
func TestMigrateAfterOwnTool(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db := b.open(t)
		s, err := New(db, b.dialect, WithTablePrefix(uniquePrefix()))
		require.NoError(t, err)
		t.Cleanup(func() { dropTables(t, s) })
		fsys := s.Schema()
		b0, err := fs.ReadFile(fsys, "0001_init.sql")
		require.NoError(t, err)
		for _, stmt := range splitStatements(string(b0)) {
			_, err := db.ExecContext(ctx, stmt)
			require.NoError(t, err, stmt)
		}
		require.NoError(t, s.Migrate(ctx))
		require.NoError(t, s.Migrate(ctx))
	})
}
