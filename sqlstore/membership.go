package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/b02aa859/customergroup"
)

// dialect is what differs between the databases. Each implementation lives in its own file
// (postgres.go, sqlite.go, mysql.go) with all of its SQL.
type dialect interface {
	// defaultBatchSize and maxBatchSize bound the ids one membership statement carries.
	defaultBatchSize() int
	maxBatchSize() int
	// timeArg is t as a statement parameter.
	timeArg(t time.Time) any
	// classify is the one function that reads the driver's errors.
	classify(err error) failKind
	// in renders "col is one of vals"; contains renders "col contains s" (s taken literally).
	in(a *args, col string, vals []string) string
	contains(a *args, col, s string) string

	addMembers(ctx context.Context, s *Store, groupID string, ids []string, at time.Time, by string) ([]string, error)
	removeMembers(ctx context.Context, s *Store, groupID string, ids []string) ([]string, error)
	forgetCustomer(ctx context.Context, s *Store, customerID string) ([]string, error)

	// migrationsTable is the DDL of the table that records applied migrations.
	migrationsTable() string
	// migrate applies the pending migrations under the dialect's cross-process lock.
	migrate(ctx context.Context, s *Store, all []migration) error
}

// AddMembers adds customerIDs to the group under a lock on the group row, in batches of
// WithBatchSize ids, and adds the number of new memberships to customer_count in the same
// transaction. See the package documentation for the statements each dialect runs.
func (s *Store) AddMembers(ctx context.Context, groupID string, customerIDs []string, addedAt time.Time, addedBy string) ([]string, error) {
	if len(customerIDs) == 0 {
		return []string{}, s.do(ctx, "add members", func(q querier) error { return s.groupExists(ctx, q, groupID) })
	}
	work, copied := sortedIDs(customerIDs)
	done, err := s.d.addMembers(ctx, s, groupID, work, addedAt, addedBy)
	if err != nil {
		return nil, err
	}
	if copied {
		return inFirstSeenOrder(customerIDs, done), nil
	}
	return done, nil
}

// sortedIDs returns ids in byte order without duplicates, and whether that is a copy (it is
// ids itself when they already are). Batches write in key order, so each statement touches
// neighbouring index pages instead of random ones: on a million ids, several times faster on
// every database. (The Service passes no duplicates; a direct caller's are dropped here.)
func sortedIDs(ids []string) (sorted []string, copied bool) {
	strict := true
	for i := 1; i < len(ids) && strict; i++ {
		strict = ids[i-1] < ids[i]
	}
	if strict {
		return ids, false
	}
	return slices.Compact(slices.Sorted(slices.Values(ids))), true
}

// RemoveMembers removes customerIDs from the group under a lock on the group row, in
// batches, and subtracts the number removed from customer_count in the same transaction.
func (s *Store) RemoveMembers(ctx context.Context, groupID string, customerIDs []string) ([]string, error) {
	if len(customerIDs) == 0 {
		return []string{}, s.do(ctx, "remove members", func(q querier) error { return s.groupExists(ctx, q, groupID) })
	}
	work, copied := sortedIDs(customerIDs)
	done, err := s.d.removeMembers(ctx, s, groupID, work)
	if err != nil {
		return nil, err
	}
	if copied {
		return inFirstSeenOrder(customerIDs, done), nil
	}
	return done, nil
}

// ForgetCustomer removes the customer from every group, locking those groups in id order and
// decrementing their counts in the same transaction.
func (s *Store) ForgetCustomer(ctx context.Context, customerID string) ([]string, error) {
	ids, err := s.d.forgetCustomer(ctx, s, customerID)
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return ids, nil
}

// Members reads one page of the group's members with one SELECT on the members primary key
// (group_id, customer_id), after the cursor. A page with members proves the group exists, so
// the group row is read (a second statement) only when the page is empty, to tell an empty
// group from ErrNotFound, or when q.CountTotal asks for customer_count.
func (s *Store) Members(ctx context.Context, groupID string, q customergroup.MemberQuery) (customergroup.MemberPage, error) {
	after, err := q.Position(groupID)
	if err != nil {
		return customergroup.MemberPage{}, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = customergroup.DefaultPageSize
	}
	a := s.args()
	var b strings.Builder
	b.WriteString("SELECT customer_id, added_at, added_by FROM " + s.t.members + " WHERE group_id = " + a.add(groupID))
	if after != "" {
		b.WriteString(" AND customer_id > " + a.add(after))
	}
	b.WriteString(" ORDER BY customer_id LIMIT " + strconv.Itoa(limit+1)) // see Groups
	if q.Offset > 0 {
		b.WriteString(" OFFSET " + strconv.Itoa(q.Offset))
	}

	page := customergroup.MemberPage{Total: -1}
	err = s.do(ctx, "list members", func(db querier) error {
		page.Members = make([]customergroup.Membership, 0, limit+1)
		rows, err := db.QueryContext(ctx, b.String(), a.vals...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m := customergroup.Membership{GroupID: groupID}
			if err := rows.Scan(&m.CustomerID, timeColumn{&m.AddedAt}, &m.AddedBy); err != nil {
				return err
			}
			page.Members = append(page.Members, m)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(page.Members) > 0 && !q.CountTotal {
			return nil
		}
		var count int64
		err = db.QueryRowContext(ctx, s.sql(`SELECT customer_count FROM {groups} WHERE id = ?`), groupID).Scan(&count)
		if errors.Is(err, sql.ErrNoRows) {
			return customergroup.NotFoundError(groupID)
		}
		if q.CountTotal {
			page.Total = int(count)
		}
		return err
	})
	if err != nil {
		return customergroup.MemberPage{}, err
	}
	if len(page.Members) > limit {
		page.Members = page.Members[:limit]
		page.Next = q.NextCursor(groupID, page.Members[limit-1].CustomerID)
	}
	return page, nil
}

// IsMember is one primary-key lookup on the members table.
func (s *Store) IsMember(ctx context.Context, groupID, customerID string) (bool, error) {
	var ok bool
	err := s.do(ctx, "is member", func(q querier) error {
		var one int
		err := q.QueryRowContext(ctx, s.sql(`SELECT 1 FROM {members} WHERE group_id = ? AND customer_id = ?`), groupID, customerID).Scan(&one)
		ok = err == nil
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	return ok, err
}

// GroupIDsOf is one index-only scan of the members index (customer_id, group_id). The index
// yields the ids in byte order; they are sorted here only if a plan ever did not (no ORDER BY:
// it costs SQLite measurably more than checking).
func (s *Store) GroupIDsOf(ctx context.Context, customerID string) ([]string, error) {
	var ids []string
	err := s.do(ctx, "group ids of customer", func(q querier) error {
		var err error
		ids, err = s.strings(ctx, q, s.sql(`SELECT group_id FROM {members} WHERE customer_id = ?`), customerID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !slices.IsSorted(ids) {
		slices.Sort(ids)
	}
	return ids, nil
}

// strings runs a query of one text column and collects it (never nil).
func (s *Store) strings(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
