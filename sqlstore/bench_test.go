package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cg "github.com/b02aa859/customergroup"
)

// These benchmarks hold a few hot operations of the store to the plain SQL that does the same
// work, on SQLite (no server needed). The full comparison, on every database, is the bench
// command at the module root.

// benchStore seeds 200 groups of 500 members over 20,000 customers (5 groups each) and a group
// of 20,000 members, on SQLite.
func benchStore(b *testing.B) (*Store, *sql.DB) {
	b.Helper()
	db, err := sql.Open("sqlite", sqliteDSN(filepath.Join(b.TempDir(), "bench.db")))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	s, err := New(db, SQLite)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	now := cg.Timestamp(time.Now())
	for g := range 200 {
		id := fmt.Sprintf("g%03d", g)
		if err := s.CreateGroup(ctx, cg.CustomerGroup{ID: id, Name: id, CreatedAt: now, UpdatedAt: now, Version: 1}); err != nil {
			b.Fatal(err)
		}
		ids := make([]string, 500)
		for i := range ids {
			ids[i] = fmt.Sprintf("c%05d", (g*500+i)%20000)
		}
		if _, err := s.AddMembers(ctx, id, ids, now, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	s.CreateGroup(ctx, cg.CustomerGroup{ID: "big", Name: "big", CreatedAt: now, UpdatedAt: now, Version: 1})
	ids := make([]string, 20000)
	for i := range ids {
		ids[i] = fmt.Sprintf("c%05d", i)
	}
	if _, err := s.AddMembers(ctx, "big", ids, now, "bench"); err != nil {
		b.Fatal(err)
	}
	return s, db
}

func BenchmarkLookups(b *testing.B) {
	s, db := benchStore(b)
	ctx := context.Background()
	b.Run("GroupIDsOf/store", func(b *testing.B) {
		for i := range b.N {
			if _, err := s.GroupIDsOf(ctx, fmt.Sprintf("c%05d", i%20000)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GroupIDsOf/raw", func(b *testing.B) {
		q := "SELECT group_id FROM " + s.t.members + " WHERE customer_id = ?"
		for i := range b.N {
			rows, err := db.QueryContext(ctx, q, fmt.Sprintf("c%05d", i%20000))
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				var id string
				rows.Scan(&id)
			}
			rows.Close()
		}
	})
	b.Run("Members/store", func(b *testing.B) {
		for range b.N {
			if _, err := s.Members(ctx, "big", cg.MemberQuery{Limit: 100}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Members/raw", func(b *testing.B) {
		q := "SELECT customer_id, added_at, added_by FROM " + s.t.members + " WHERE group_id = ? ORDER BY customer_id LIMIT 100"
		for range b.N {
			rows, err := db.QueryContext(ctx, q, "big")
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				var id, by string
				var at any
				rows.Scan(&id, &at, &by)
			}
			rows.Close()
		}
	})
}

func BenchmarkAdd1k(b *testing.B) {
	s, db := benchStore(b)
	ctx := context.Background()
	now := cg.Timestamp(time.Now())
	seq := 0
	batch := func(int) []string {
		seq++
		i := seq
		ids := make([]string, 1000)
		for j := range ids {
			ids[j] = fmt.Sprintf("n%06d-%04d", i, j)
		}
		return ids
	}
	b.Run("store", func(b *testing.B) {
		for i := range b.N {
			if _, err := s.AddMembers(ctx, "g001", batch(i), now, "x"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json-returning", func(b *testing.B) {
		q := s.sql(`INSERT INTO {members} (group_id, customer_id, added_at, added_by) SELECT ?, value, ?, ? FROM json_each(?) WHERE true ON CONFLICT DO NOTHING RETURNING customer_id`)
		for i := range b.N {
			tx, _ := db.Begin()
			rows, err := tx.Query(q, "g002", now.UnixMicro(), "x", jsonArray(batch(i)))
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				var s string
				rows.Scan(&s)
			}
			rows.Close()
			tx.Commit()
		}
	})
	b.Run("json-exec", func(b *testing.B) {
		q := s.sql(`INSERT INTO {members} (group_id, customer_id, added_at, added_by) SELECT ?, value, ?, ? FROM json_each(?) WHERE true ON CONFLICT DO NOTHING`)
		for i := range b.N {
			tx, _ := db.Begin()
			if _, err := tx.Exec(q, "g003", now.UnixMicro(), "x", jsonArray(batch(i))); err != nil {
				b.Fatal(err)
			}
			tx.Commit()
		}
	})
	b.Run("raw-values", func(b *testing.B) {
		var sb strings.Builder
		sb.WriteString("INSERT INTO " + s.t.members + " (group_id, customer_id, added_at, added_by) VALUES ")
		for i := range 1000 {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString("(?,?,?,?)")
		}
		q := sb.String()
		for i := range b.N {
			args := make([]any, 0, 4000)
			for _, id := range batch(i) {
				args = append(args, "g004", id, now.UnixMicro(), "x")
			}
			tx, err := db.Begin()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tx.Exec(q, args...); err != nil {
				b.Fatal(err)
			}
			tx.Commit()
		}
	})
}
