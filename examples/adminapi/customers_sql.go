package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/b02aa859/customergroup/internal/dbopen"
	"github.com/b02aa859/customergroup/sqlstore"
	"slices"
	"strings"
	"time"
)

// sqlDialect names the SQL the demo customers table speaks.
type sqlDialect string

const (
	dialectSQLite   sqlDialect = "sqlite"
	dialectPostgres sqlDialect = "postgres"
	dialectMySQL    sqlDialect = "mysql"
)

// sqlCustomers is the demo customers table in the database the groups live in, under the same
// table prefix. Times are Unix microseconds, metadata its ordered JSON text.
type sqlCustomers struct {
	db      *sql.DB
	dialect sqlDialect
	table   string
}

const customerColumns = "id, email, first_name, last_name, company_name, phone, metadata, created_by, created_at, updated_at"

func newSQLCustomers(ctx context.Context, db *sql.DB, dialect sqlDialect, prefix string) (*sqlCustomers, error) {
	s := &sqlCustomers{db: db, dialect: dialect, table: prefix + "demo_customers"}
	text, key := "TEXT", "TEXT"
	if dialect == dialectMySQL {
		text = "VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
		key = text
	}
	ddl := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (
	id %s NOT NULL PRIMARY KEY,
	email %s NOT NULL,
	first_name %s NOT NULL,
	last_name %s NOT NULL,
	company_name %s NOT NULL,
	phone %s NOT NULL,
	metadata TEXT NOT NULL,
	created_by %s NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
)`, s.table, key, text, text, text, text, text, text)
	if _, err := db.ExecContext(ctx, ddl); err != nil {
		return nil, fmt.Errorf("create table %s: %w", s.table, err)
	}
	return s, nil
}

// bind rewrites ? placeholders as $1, $2, … for PostgreSQL.
func (s *sqlCustomers) bind(q string) string {
	return dbopen.Rebind(sqlstore.Dialect(s.dialect), q)
}

func (s *sqlCustomers) createCustomer(ctx context.Context, c customer) error {
	md, err := c.Metadata.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, s.bind("INSERT INTO "+s.table+" ("+customerColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
		c.ID, c.Email, c.FirstName, c.LastName, c.CompanyName, c.Phone, string(md), c.CreatedBy,
		c.CreatedAt.UnixMicro(), c.UpdatedAt.UnixMicro())
	if err != nil {
		return fmt.Errorf("insert customer %s: %w", c.ID, err)
	}
	return nil
}

type scanner interface{ Scan(dest ...any) error }

func scanCustomer(sc scanner) (customer, error) {
	var c customer
	var md string
	var created, updated int64
	if err := sc.Scan(&c.ID, &c.Email, &c.FirstName, &c.LastName, &c.CompanyName, &c.Phone, &md, &c.CreatedBy, &created, &updated); err != nil {
		return customer{}, err
	}
	if err := c.Metadata.UnmarshalJSON([]byte(md)); err != nil {
		return customer{}, fmt.Errorf("customer %s: stored metadata: %w", c.ID, err)
	}
	c.CreatedAt, c.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return c, nil
}

func (s *sqlCustomers) customer(ctx context.Context, id string) (customer, error) {
	row := s.db.QueryRowContext(ctx, s.bind("SELECT "+customerColumns+" FROM "+s.table+" WHERE id = ?"), id)
	c, err := scanCustomer(row)
	if errors.Is(err, sql.ErrNoRows) {
		return customer{}, errNoCustomer
	}
	return c, err
}

// customersByID reads the customers in chunks, each one statement of bounded size.
func (s *sqlCustomers) customersByID(ctx context.Context, ids []string) (map[string]customer, error) {
	out := make(map[string]customer, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		q := "SELECT " + customerColumns + " FROM " + s.table + " WHERE id IN (" + placeholders(len(chunk)) + ")"
		if err := s.query(ctx, q, args, func(c customer) { out[c.ID] = c }); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func (s *sqlCustomers) query(ctx context.Context, q string, args []any, each func(customer)) error {
	rows, err := s.db.QueryContext(ctx, s.bind(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			return err
		}
		each(c)
	}
	return rows.Err()
}

func (s *sqlCustomers) deleteCustomer(ctx context.Context, id string) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.bind("DELETE FROM "+s.table+" WHERE id = ?"), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// listCustomers filters and orders in SQL. With an id filter (the members of groups, which
// live in the library's tables), it reads the other matches in order and keeps those ids:
// fine for a demo table; a real host would join its own membership data.
func (s *sqlCustomers) listCustomers(ctx context.Context, f customerFilter) ([]customer, int, error) {
	var where []string
	var args []any
	if q := strings.TrimSpace(f.Q); q != "" {
		pattern := "%" + likeEscaper.Replace(strings.ToLower(q)) + "%"
		var ors []string
		for _, col := range []string{"email", "first_name", "last_name", "company_name"} {
			ors = append(ors, "LOWER("+col+") LIKE ? ESCAPE '!'")
			args = append(args, pattern)
		}
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	if len(f.Emails) > 0 {
		where = append(where, "LOWER(email) IN ("+placeholders(len(f.Emails))+")")
		for _, e := range f.Emails {
			args = append(args, strings.ToLower(e))
		}
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	col := f.Sort
	if !slices.Contains([]string{"created_at", "updated_at", "email", "first_name", "last_name", "company_name"}, col) {
		col = "created_at"
	}
	dir := ""
	if f.Desc {
		dir = " DESC"
	}
	order := " ORDER BY " + col + dir + ", id" + dir
	sel := "SELECT " + customerColumns + " FROM " + s.table + cond + order

	if f.IDs != nil {
		var all []customer
		if err := s.query(ctx, sel, args, func(c customer) { all = append(all, c) }); err != nil {
			return nil, 0, err
		}
		page, total := filterCustomers(all, customerFilter{IDs: f.IDs, Limit: f.Limit, Offset: f.Offset}, false)
		return page, total, nil
	}
	var total int
	if err := s.db.QueryRowContext(ctx, s.bind("SELECT COUNT(*) FROM "+s.table+cond), args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	page := []customer{}
	if f.Limit > 0 {
		err := s.query(ctx, sel+" LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset), func(c customer) { page = append(page, c) })
		if err != nil {
			return nil, 0, err
		}
	}
	return page, total, nil
}

var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

var _ customerStore = (*sqlCustomers)(nil)
