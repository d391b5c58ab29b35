package main

import (
	"context"
	"database/sql"
	"errors"
	"github.com/b02aa859/customergroup/internal/dbopen"
	"strings"
	"sync"
	"time"

	"github.com/b02aa859/customergroup/sqlstore"
)

// raw is the hand-written SQL each operation is held to: the baselines of issue 4, against the
// store's own tables. It does only the work the database must do: it keeps no member count,
// reports no ids and checks nothing.
type raw struct {
	d                sqlstore.Dialect
	groups, members  string
	insertChunk      int // rows per multi-row INSERT (SQLite, MySQL)
	deleteChunk      int // ids per IN list (SQLite, MySQL)
	groupIDsOf       string
	isMember         string
	getGroup         string
	page, firstPage  string
	search, count    string
	deleteMembers    string
	deleteGroup      string
	mu               sync.Mutex
	inserts, deletes map[int]string // by rows
}

func newRaw(d sqlstore.Dialect, prefix string) *raw {
	r := &raw{d: d, groups: prefix + "customer_groups", members: prefix + "customer_group_members",
		inserts: map[int]string{}, deletes: map[int]string{}}
	switch d {
	case sqlstore.SQLite:
		r.insertChunk, r.deleteChunk = 8000, 32000 // at most 32,766 parameters a statement
	case sqlstore.MySQL:
		r.insertChunk, r.deleteChunk = 10000, 10000 // at most 65,535 placeholders a statement
	}
	r.groupIDsOf = r.sql(`SELECT group_id FROM {members} WHERE customer_id = ?`)
	r.isMember = r.sql(`SELECT 1 FROM {members} WHERE group_id = ? AND customer_id = ?`)
	r.getGroup = r.sql(`SELECT id, name, metadata, customer_count, created_by, created_at, updated_at, version FROM {groups} WHERE id = ?`)
	r.page = r.sql(`SELECT customer_id, added_at, added_by FROM {members} WHERE group_id = ? AND customer_id > ? ORDER BY customer_id LIMIT 100`)
	r.firstPage = r.sql(`SELECT customer_id, added_at, added_by FROM {members} WHERE group_id = ? ORDER BY customer_id LIMIT 100`)
	// The baseline: name ILIKE '%vip%' ORDER BY name LIMIT 20, plus its count. SQLite's
	// LIKE ignores ASCII case by itself; MySQL's follows the column's collation, which is
	// binary here, so the name is lowered.
	like := `name ILIKE ?`
	switch d {
	case sqlstore.SQLite:
		like = `name LIKE ?`
	case sqlstore.MySQL:
		like = `LOWER(name) LIKE ?`
	}
	r.search = r.sql(`SELECT id, name, metadata, customer_count, created_by, created_at, updated_at, version FROM {groups} WHERE ` + like + ` ORDER BY name LIMIT 20`)
	r.count = r.sql(`SELECT count(*) FROM {groups} WHERE ` + like)
	r.deleteMembers = r.sql(`DELETE FROM {members} WHERE group_id = ?`)
	r.deleteGroup = r.sql(`DELETE FROM {groups} WHERE id = ?`)
	return r
}

// sql fills in the table names and, on PostgreSQL, numbers the placeholders.
func (r *raw) sql(q string) string {
	q = strings.NewReplacer("{groups}", r.groups, "{members}", r.members).Replace(q)
	return dbopen.Rebind(r.d, q)
}

func (r *raw) timeArg(t time.Time) any {
	if r.d == sqlstore.SQLite {
		return t.UnixMicro()
	}
	return t.UTC()
}

// insertSQL is a multi-row INSERT of n memberships.
func (r *raw) insertSQL(n int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if q, ok := r.inserts[n]; ok {
		return q
	}
	var b strings.Builder
	b.WriteString("INSERT INTO " + r.members + " (group_id, customer_id, added_at, added_by) VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?)")
	}
	r.inserts[n] = b.String()
	return r.inserts[n]
}

// deleteSQL is a DELETE of the group's members in an IN list of n ids.
func (r *raw) deleteSQL(n int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if q, ok := r.deletes[n]; ok {
		return q
	}
	var b strings.Builder
	b.WriteString("DELETE FROM " + r.members + " WHERE group_id = ? AND customer_id IN (")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('?')
	}
	b.WriteByte(')')
	r.deletes[n] = b.String()
	return r.deletes[n]
}

// addMembers inserts new memberships: on PostgreSQL one INSERT … SELECT FROM unnest($4::text[]),
// elsewhere chunked multi-row INSERTs in one transaction.
func (r *raw) addMembers(ctx context.Context, db *sql.DB, groupID string, ids []string, at time.Time, by string) error {
	if r.d == sqlstore.Postgres {
		_, err := db.ExecContext(ctx, `INSERT INTO `+r.members+` (group_id, customer_id, added_at, added_by) SELECT $1, x, $2, $3 FROM unnest($4::text[]) AS x`,
			groupID, at.UTC(), by, ids)
		return err
	}
	targ := r.timeArg(at)
	return inTx(ctx, db, func(tx *sql.Tx) error {
		args := make([]any, 0, 4*r.insertChunk)
		for len(ids) > 0 {
			n := min(len(ids), r.insertChunk)
			args = args[:0]
			for _, id := range ids[:n] {
				args = append(args, groupID, id, targ, by)
			}
			if _, err := tx.ExecContext(ctx, r.insertSQL(n), args...); err != nil {
				return err
			}
			ids = ids[n:]
		}
		return nil
	})
}

// removeMembers deletes memberships: on PostgreSQL one DELETE … customer_id = ANY($2),
// elsewhere chunked IN lists in one transaction.
func (r *raw) removeMembers(ctx context.Context, db *sql.DB, groupID string, ids []string) error {
	if r.d == sqlstore.Postgres {
		_, err := db.ExecContext(ctx, `DELETE FROM `+r.members+` WHERE group_id = $1 AND customer_id = ANY($2)`, groupID, ids)
		return err
	}
	return inTx(ctx, db, func(tx *sql.Tx) error {
		args := make([]any, 0, 1+r.deleteChunk)
		for len(ids) > 0 {
			n := min(len(ids), r.deleteChunk)
			args = append(args[:0], groupID)
			for _, id := range ids[:n] {
				args = append(args, id)
			}
			if _, err := tx.ExecContext(ctx, r.deleteSQL(n), args...); err != nil {
				return err
			}
			ids = ids[n:]
		}
		return nil
	})
}

func (r *raw) groupIDsOfCustomer(ctx context.Context, db *sql.DB, customerID string) ([]string, error) {
	rows, err := db.QueryContext(ctx, r.groupIDsOf, customerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

func (r *raw) member(ctx context.Context, db *sql.DB, groupID, customerID string) (bool, error) {
	var one int
	err := db.QueryRowContext(ctx, r.isMember, groupID, customerID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// groupRow reads the group row by primary key; it returns the stored count.
func (r *raw) groupRow(ctx context.Context, db *sql.DB, groupID string) (int64, error) {
	var (
		id, name, md, by string
		count, version   int64
		created, updated any
	)
	err := db.QueryRowContext(ctx, r.getGroup, groupID).Scan(&id, &name, &md, &count, &by, &created, &updated, &version)
	return count, err
}

// membersPage reads 100 members after the customer id after ("" for the first page) and
// returns the last one.
func (r *raw) membersPage(ctx context.Context, db *sql.DB, groupID, after string) (string, error) {
	var (
		rows *sql.Rows
		err  error
	)
	if after == "" {
		rows, err = db.QueryContext(ctx, r.firstPage, groupID)
	} else {
		rows, err = db.QueryContext(ctx, r.page, groupID, after)
	}
	if err != nil {
		return "", err
	}
	defer rows.Close()
	last := ""
	for rows.Next() {
		var (
			id, by string
			at     any
		)
		if err := rows.Scan(&id, &at, &by); err != nil {
			return "", err
		}
		last = id
	}
	return last, rows.Err()
}

// searchPage reads the first 20 groups whose name contains word, by name, and their count.
func (r *raw) searchPage(ctx context.Context, db *sql.DB, word string) (n, total int, err error) {
	pattern := "%" + strings.ToLower(word) + "%"
	rows, err := db.QueryContext(ctx, r.search, pattern)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, name, md, by string
			count, version   int64
			created, updated any
		)
		if err := rows.Scan(&id, &name, &md, &count, &by, &created, &updated, &version); err != nil {
			return 0, 0, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, 0, err
	}
	err = db.QueryRowContext(ctx, r.count, pattern).Scan(&total)
	return n, total, err
}

// deleteGroupAndMembers deletes the members, then the group row, in one transaction.
func (r *raw) deleteGroupAndMembers(ctx context.Context, db *sql.DB, groupID string) error {
	return inTx(ctx, db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, r.deleteMembers, groupID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, r.deleteGroup, groupID)
		return err
	})
}

func inTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
