package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/b02aa859/customergroup"
)

// Dialect names the SQL database a Store talks to. It decides the SQL text, the schema, how
// migrations lock, and how driver errors are read.
type Dialect string

const (
	// Postgres is PostgreSQL 12 or later (and compatibles) through
	// github.com/jackc/pgx/v5/stdlib, driver name "pgx". Slices are passed as text[]
	// parameters, which pgx encodes natively.
	Postgres Dialect = "postgres"
	// SQLite is SQLite 3.37 or later through modernc.org/sqlite (pure Go), driver name
	// "sqlite". See the package documentation for the recommended DSN.
	SQLite Dialect = "sqlite"
	// MySQL is MySQL 8.0 or MariaDB 10.11 or later through github.com/go-sql-driver/mysql,
	// driver name "mysql", with parseTime=true in the DSN.
	MySQL Dialect = "mysql"
)

// String returns the dialect's name.
func (d Dialect) String() string { return string(d) }

// MaxTablePrefixLength is the longest prefix WithTablePrefix takes: every table and index name
// must stay within the 63-byte identifier limit of PostgreSQL.
const MaxTablePrefixLength = 24

// An Option configures a Store.
type Option func(*options)

type options struct {
	prefix    string
	batchSize int
}

// WithTablePrefix puts prefix in front of every table and index name (for example "shop_" for
// shop_customer_groups). It must be at most MaxTablePrefixLength ASCII letters, digits and
// underscores, and must not start with a digit; New refuses anything else with a
// *customergroup.ValidationError (ErrInvalid) naming the field "tablePrefix".
func WithTablePrefix(prefix string) Option {
	return func(o *options) { o.prefix = prefix }
}

// WithBatchSize sets how many customer ids one statement of AddMembers and RemoveMembers
// carries (default: 50,000 on PostgreSQL and SQLite, where the ids travel as one array or
// JSON parameter, and 10,000 on MySQL, where each id is a placeholder). Larger batches are
// split into several statements inside one transaction. n must be at least 1, and on MySQL at
// most 16,000 (four placeholders per row, under MySQL's limit of 65,535); New refuses anything
// else with a *customergroup.ValidationError (ErrInvalid) naming the field "batchSize".
func WithBatchSize(n int) Option {
	return func(o *options) { o.batchSize = n }
}

// Store is a customergroup.Store over a *sql.DB. It is safe for concurrent use, and every
// guarantee of customergroup.Store holds across processes that share the database: names are
// unique by a unique index, versions are compare-and-set in one UPDATE, and membership
// changes lock the group row and keep customer_count exact in the same transaction.
//
// Run Migrate (or apply Schema with your own tool) before the first call.
type Store struct {
	db        *sql.DB
	tx        *sql.Tx // set on the copies WithTx makes
	dialect   Dialect
	d         dialect
	prefix    string
	t         tables
	batchSize int
	stmts     *sync.Map // SQL template -> rendered SQL, shared with WithTx copies
}

// tables are the table names, prefix included.
type tables struct {
	groups, members, migrations string
}

func newTables(prefix string) tables {
	return tables{
		groups:     prefix + "customer_groups",
		members:    prefix + "customer_group_members",
		migrations: prefix + "customer_group_migrations",
	}
}

var _ customergroup.Store = (*Store)(nil)

// New returns a Store that keeps its tables in db, speaking dialect. It does not touch the
// database; call Migrate (or apply Schema yourself) before using the Store.
func New(db *sql.DB, dialect Dialect, opts ...Option) (*Store, error) {
	if db == nil {
		return nil, errors.New("sqlstore: db is nil")
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if err := validatePrefix(o.prefix); err != nil {
		return nil, err
	}
	s := &Store{db: db, dialect: dialect, prefix: o.prefix, t: newTables(o.prefix), stmts: new(sync.Map)}
	switch dialect {
	case Postgres:
		s.d = postgres{}
	case SQLite:
		s.d = sqlite{}
	case MySQL:
		s.d = mysql{}
	default:
		return nil, fmt.Errorf("sqlstore: unknown dialect %q (want %q, %q or %q)", string(dialect), Postgres, SQLite, MySQL)
	}
	s.batchSize = s.d.defaultBatchSize()
	if o.batchSize != 0 {
		if o.batchSize < 1 || o.batchSize > s.d.maxBatchSize() {
			return nil, &customergroup.ValidationError{Field: "batchSize",
				Problem: fmt.Sprintf("%d is not between 1 and %d", o.batchSize, s.d.maxBatchSize())}
		}
		s.batchSize = o.batchSize
	}
	return s, nil
}

func validatePrefix(p string) error {
	if len(p) > MaxTablePrefixLength {
		return &customergroup.ValidationError{Field: "tablePrefix",
			Problem: fmt.Sprintf("%.40q is longer than %d bytes", p, MaxTablePrefixLength)}
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return &customergroup.ValidationError{Field: "tablePrefix",
				Problem: fmt.Sprintf("%q may hold only ASCII letters, digits and underscores, and must not start with a digit", p)}
		}
	}
	return nil
}

// Dialect returns the store's dialect.
func (s *Store) Dialect() Dialect { return s.dialect }

// TablePrefix returns the prefix of the store's table names.
func (s *Store) TablePrefix() string { return s.prefix }

// WithTx returns a Store that runs every method inside tx, the host's transaction: it issues
// no BEGIN, COMMIT or ROLLBACK of its own (the host commits or rolls back) and does not retry
// on a deadlock or serialization failure (it returns ErrConflict, and the host retries its
// whole transaction). Memberships and counts still change together because they share tx.
//
// On PostgreSQL an error aborts the host's transaction, as any failed statement does. On
// MySQL, run tx at READ COMMITTED, or do not read the group's members before calling
// AddMembers in it: a REPEATABLE READ snapshot taken earlier can make AddMembers return
// ErrConflict.
func (s *Store) WithTx(tx *sql.Tx) customergroup.Store {
	c := *s
	c.tx = tx
	return &c
}

// querier is what *sql.DB, *sql.Tx and *sql.Conn have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn is where single statements go: the host's transaction, or the pool.
func (s *Store) conn() querier {
	if s.tx != nil {
		return s.tx
	}
	return s.db
}

// sql renders a static SQL template: {groups}, {members} and {migrations} become the table
// names and, on PostgreSQL, each ? becomes $1, $2, … in order. Templates are constants, so the
// cache stays small.
func (s *Store) sql(tmpl string) string {
	if q, ok := s.stmts.Load(tmpl); ok {
		return q.(string)
	}
	q := strings.NewReplacer("{groups}", s.t.groups, "{members}", s.t.members, "{migrations}", s.t.migrations).Replace(tmpl)
	if s.dialect == Postgres {
		q = rebind(q)
	}
	s.stmts.Store(tmpl, q)
	return q
}

// rebind turns ? placeholders into $1, $2, …. The templates hold no ? inside literals.
func rebind(q string) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// args collects the parameters of a statement built at run time and hands out their
// placeholders in the dialect's style.
type args struct {
	pg   bool
	vals []any
}

func (s *Store) args() *args { return &args{pg: s.dialect == Postgres} }

// add appends v and returns its placeholder. With ? placeholders, add must be called in the
// order the placeholders appear in the text.
func (a *args) add(v any) string {
	a.vals = append(a.vals, v)
	if a.pg {
		return "$" + strconv.Itoa(len(a.vals))
	}
	return "?"
}

// maxAttempts bounds how often an operation that owns its transaction is run again after a
// deadlock, serialization failure or busy database.
const maxAttempts = 5

// do runs fn, once inside the host's transaction or, on the pool, again after transient
// conflicts. fn gets the querier to use.
func (s *Store) do(ctx context.Context, op string, fn func(q querier) error) error {
	return s.retry(ctx, op, func() error { return fn(s.conn()) })
}

// inTx runs fn in a transaction: the host's (WithTx), or one of its own that it commits, and
// runs again after transient conflicts.
func (s *Store) inTx(ctx context.Context, op string, fn func(tx querier) error) error {
	if s.tx != nil {
		return s.fail(ctx, op, fn(s.tx))
	}
	return s.retry(ctx, op, func() error {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			_ = tx.Rollback()
			return err
		}
		return tx.Commit()
	})
}

func (s *Store) retry(ctx context.Context, op string, run func() error) error {
	for attempt := 1; ; attempt++ {
		err := s.fail(ctx, op, run())
		var t *transientError
		if err == nil || s.tx != nil || attempt >= maxAttempts || !errors.As(err, &t) {
			return err
		}
		d := time.Duration(attempt)*2*time.Millisecond + rand.N(5*time.Millisecond)
		timer := time.NewTimer(d)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
}

// groupExists reports whether the group is there: the answer for an empty batch.
func (s *Store) groupExists(ctx context.Context, q querier, id string) error {
	var one int
	err := q.QueryRowContext(ctx, s.sql(`SELECT 1 FROM {groups} WHERE id = ?`), id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return customergroup.NotFoundError(id)
	}
	return err
}

// chunks splits ids into batches of at most n.
func chunks(ids []string, n int) [][]string {
	out := make([][]string, 0, (len(ids)+n-1)/n)
	for len(ids) > n {
		out = append(out, ids[:n:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// inInputOrder returns the ids of input that are in got, in input order, for an input
// without duplicates. got is usually already a subsequence of input (the databases return
// rows in insertion order), which is checked in one pass; otherwise a set sorts it out.
func inInputOrder(input, got []string) []string {
	if len(got) == 0 {
		return []string{}
	}
	i := 0
	for _, id := range input {
		if i < len(got) && got[i] == id {
			i++
		}
	}
	if i == len(got) {
		return got
	}
	return inFirstSeenOrder(input, got)
}

// inFirstSeenOrder returns the ids of input that are in got, each once, in the order of their
// first appearance in input.
func inFirstSeenOrder(input, got []string) []string {
	set := make(map[string]struct{}, len(got))
	for _, id := range got {
		set[id] = struct{}{}
	}
	out := make([]string, 0, len(got))
	for _, id := range input {
		if _, ok := set[id]; ok {
			out = append(out, id)
			delete(set, id)
		}
	}
	return out
}
