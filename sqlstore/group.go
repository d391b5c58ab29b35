package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/b02aa859/customergroup"
)

// groupColumns are the columns scanGroup reads, in order.
const groupColumns = `id, name, metadata, customer_count, created_by, created_at, updated_at, version`

type scanner interface{ Scan(dest ...any) error }

func scanGroup(sc scanner) (customergroup.CustomerGroup, error) {
	var (
		g     customergroup.CustomerGroup
		md    string
		count int64
	)
	if err := sc.Scan(&g.ID, &g.Name, &md, &count, &g.CreatedBy, timeColumn{&g.CreatedAt}, timeColumn{&g.UpdatedAt}, &g.Version); err != nil {
		return g, err
	}
	g.CustomerCount = int(count)
	if md == "{}" { // the usual case, without a JSON decoder
		return g, nil
	}
	if err := g.Metadata.UnmarshalJSON([]byte(md)); err != nil {
		return g, fmt.Errorf("group %q: stored metadata: %w", g.ID, err)
	}
	return g, nil
}

// timeColumn scans a stored time: a time.Time (PostgreSQL, MySQL with parseTime=true), an
// integer of Unix microseconds (SQLite), or MySQL's text form. The result is UTC.
type timeColumn struct{ t *time.Time }

func (c timeColumn) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		*c.t = x.UTC()
	case int64:
		*c.t = time.UnixMicro(x).UTC()
	case []byte:
		return c.parse(string(x))
	case string:
		return c.parse(x)
	default:
		return fmt.Errorf("sqlstore: cannot read a time from %T", v)
	}
	return nil
}

func (c timeColumn) parse(s string) error {
	t, err := time.ParseInLocation("2006-01-02 15:04:05.999999", s, time.UTC)
	if err != nil {
		return fmt.Errorf("sqlstore: cannot read a time from %q", s)
	}
	*c.t = t
	return nil
}

// CreateGroup inserts g: one statement. ErrIDTaken when its id is used, ErrNameTaken when
// FoldName(g.Name) is another group's (the unique index on name_key decides, across
// processes).
func (s *Store) CreateGroup(ctx context.Context, g customergroup.CustomerGroup) error {
	md, err := g.Metadata.MarshalJSON()
	if err != nil {
		return fmt.Errorf("sqlstore: create group %q: metadata: %w", g.ID, customergroup.ErrInvalid)
	}
	return s.do(ctx, "create group", func(q querier) error {
		_, err := q.ExecContext(ctx, s.sql(`INSERT INTO {groups} (`+groupColumns+`, name_key) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?)`),
			g.ID, g.Name, string(md), g.CreatedBy, s.d.timeArg(g.CreatedAt), s.d.timeArg(g.UpdatedAt), g.Version, customergroup.FoldName(g.Name))
		if err == nil {
			return nil
		}
		// MySQL does not say which unique index refused the row, and SQLite checks the
		// name_key index before the primary key: the id decides, as on PostgreSQL (which
		// checks the primary key first, and whose failed statement would abort a WithTx
		// transaction, so it is not asked again).
		if k := s.d.classify(err); k != failDuplicate && (k != failDuplicateName || s.dialect != SQLite) {
			return err
		}
		if s.groupExists(ctx, q, g.ID) == nil {
			return fmt.Errorf("sqlstore: create group: id %q: %w", g.ID, customergroup.ErrIDTaken)
		}
		return fmt.Errorf("sqlstore: create group: name %q: %w", g.Name, customergroup.ErrNameTaken)
	})
}

// Group reads one group by primary key: one statement. CustomerCount is the stored
// customer_count, which every membership change keeps exact in its own transaction.
func (s *Store) Group(ctx context.Context, id string) (customergroup.CustomerGroup, error) {
	var g customergroup.CustomerGroup
	err := s.do(ctx, "get group", func(q querier) error {
		var err error
		g, err = scanGroup(q.QueryRowContext(ctx, s.sql(`SELECT `+groupColumns+` FROM {groups} WHERE id = ?`), id))
		if errors.Is(err, sql.ErrNoRows) {
			return customergroup.NotFoundError(id)
		}
		return err
	})
	if err != nil {
		return customergroup.CustomerGroup{}, err
	}
	return g, nil
}

// UpdateGroup writes g when the stored version is prevVersion: one conditional UPDATE, plus
// one lookup when it matched no row, to tell ErrNotFound from ErrConflict.
func (s *Store) UpdateGroup(ctx context.Context, g customergroup.CustomerGroup, prevVersion int64) error {
	md, err := g.Metadata.MarshalJSON()
	if err != nil {
		return fmt.Errorf("sqlstore: update group %q: metadata: %w", g.ID, customergroup.ErrInvalid)
	}
	return s.do(ctx, "update group", func(q querier) error {
		res, err := q.ExecContext(ctx, s.sql(`UPDATE {groups} SET name = ?, name_key = ?, metadata = ?, updated_at = ?, version = ? WHERE id = ? AND version = ?`),
			g.Name, customergroup.FoldName(g.Name), string(md), s.d.timeArg(g.UpdatedAt), g.Version, g.ID, prevVersion)
		if err != nil {
			if s.d.classify(err) == failDuplicate { // the id does not change: it is the name
				return fmt.Errorf("sqlstore: update group: name %q: %w", g.Name, customergroup.ErrNameTaken)
			}
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if err := s.groupExists(ctx, q, g.ID); err != nil {
			return err
		}
		return fmt.Errorf("sqlstore: update group %q: stored version is not %d: %w", g.ID, prevVersion, customergroup.ErrConflict)
	})
}

// DeleteGroup removes the group row, then its memberships, in one transaction: BEGIN, two
// DELETEs, COMMIT. Deleting the group row first locks it, so a concurrent membership change
// (which locks the row too) either finishes before or finds no group.
func (s *Store) DeleteGroup(ctx context.Context, id string) error {
	return s.inTx(ctx, "delete group", func(tx querier) error {
		res, err := tx.ExecContext(ctx, s.sql(`DELETE FROM {groups} WHERE id = ?`), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return customergroup.NotFoundError(id)
		}
		_, err = tx.ExecContext(ctx, s.sql(`DELETE FROM {members} WHERE group_id = ?`), id)
		return err
	})
}

// Groups lists one page of groups: one SELECT on the index of the sort column, plus one
// count(*) with the same filters when q.CountTotal.
func (s *Store) Groups(ctx context.Context, q customergroup.Query) (customergroup.Page, error) {
	page := customergroup.Page{Groups: []customergroup.CustomerGroup{}, Total: -1}
	sortCol := "created_at"
	switch q.Sort {
	case customergroup.SortByName:
		sortCol = "name_key"
	case customergroup.SortByUpdatedAt:
		sortCol = "updated_at"
	}
	limit := q.Limit
	if limit <= 0 {
		limit = customergroup.DefaultPageSize
	}

	a := s.args()
	where := s.groupFilters(a, q)
	if q.After != "" {
		pos, err := q.Position()
		if err != nil {
			return customergroup.Page{}, err
		}
		var key any = pos.Name
		if q.Sort != customergroup.SortByName {
			key = s.d.timeArg(pos.Time)
		}
		op := ">"
		if q.Desc {
			op = "<"
		}
		// (sort, id) > (key, id) spelled out, so that every dialect uses the index.
		where = append(where, fmt.Sprintf("%[1]s %[2]s= %[3]s AND (%[1]s %[2]s %[4]s OR id %[2]s %[5]s)",
			sortCol, op, a.add(key), a.add(key), a.add(pos.ID)))
	}
	dir := ""
	if q.Desc {
		dir = " DESC"
	}
	order := sortCol + dir + ", id" + dir
	if q.Sort == customergroup.SortByName {
		order = sortCol + dir // name_key is unique: no ties to break
	}
	var b strings.Builder
	b.WriteString("SELECT " + groupColumns + " FROM " + s.t.groups)
	writeWhere(&b, where)
	// LIMIT and OFFSET are integers of ours, written into the text: a cached plan then knows
	// them (a LIMIT parameter leaves PostgreSQL's generic plan guessing).
	b.WriteString(" ORDER BY " + order + " LIMIT " + strconv.Itoa(limit+1))
	if q.Offset > 0 {
		b.WriteString(" OFFSET " + strconv.Itoa(q.Offset))
	}

	err := s.do(ctx, "list groups", func(db querier) error {
		page.Groups = make([]customergroup.CustomerGroup, 0, min(limit+1, 128))
		rows, err := db.QueryContext(ctx, b.String(), a.vals...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			g, err := scanGroup(rows)
			if err != nil {
				return err
			}
			page.Groups = append(page.Groups, g)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if !q.CountTotal {
			return nil
		}
		ca := s.args()
		var cb strings.Builder
		cb.WriteString("SELECT count(*) FROM " + s.t.groups)
		writeWhere(&cb, s.groupFilters(ca, q))
		return db.QueryRowContext(ctx, cb.String(), ca.vals...).Scan(&page.Total)
	})
	if err != nil {
		return customergroup.Page{}, err
	}
	if len(page.Groups) > limit {
		page.Groups = page.Groups[:limit]
		page.Next = q.NextCursor(page.Groups[limit-1])
	}
	return page, nil
}

// groupFilters renders q's filters (all but the cursor) as conditions joined by AND.
func (s *Store) groupFilters(a *args, q customergroup.Query) []string {
	var where []string
	if q.Search != "" {
		where = append(where, s.d.contains(a, "name_key", customergroup.FoldName(q.Search)))
	}
	if len(q.IDs) > 0 {
		where = append(where, s.d.in(a, "id", q.IDs))
	}
	if len(q.Names) > 0 {
		keys := make([]string, len(q.Names))
		for i, n := range q.Names {
			keys[i] = customergroup.FoldName(strings.TrimSpace(n))
		}
		where = append(where, s.d.in(a, "name_key", keys))
	}
	if q.CustomerID != "" {
		where = append(where, "id IN (SELECT group_id FROM "+s.t.members+" WHERE customer_id = "+a.add(q.CustomerID)+")")
	}
	if q.CreatedBy != "" {
		where = append(where, "created_by = "+a.add(q.CreatedBy))
	}
	for _, r := range []struct {
		col string
		tr  customergroup.TimeRange
	}{{"created_at", q.Created}, {"updated_at", q.Updated}} {
		if !r.tr.From.IsZero() {
			where = append(where, r.col+" >= "+a.add(s.d.timeArg(r.tr.From)))
		}
		if !r.tr.To.IsZero() {
			where = append(where, r.col+" < "+a.add(s.d.timeArg(r.tr.To)))
		}
	}
	return where
}

func writeWhere(b *strings.Builder, where []string) {
	for i, w := range where {
		if i == 0 {
			b.WriteString(" WHERE ")
		} else {
			b.WriteString(" AND ")
		}
		b.WriteString("(" + w + ")")
	}
}

// likeContains is the LIKE pattern matching s anywhere, with LIKE's wildcards and the escape
// character esc ('!' or '\\') in s escaped by esc.
func likeContains(s string, esc byte) string {
	r := likeBang
	if esc == '\\' {
		r = likeBackslash
	}
	return "%" + r.Replace(s) + "%"
}

var (
	likeBang      = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")
	likeBackslash = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`)
)
