package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	cg "github.com/b02aa859/customergroup"
)

// Driver error look-alikes: the classify functions know them by method or by type and field
// name, as they know the real drivers' errors, without importing the drivers.
type PgError struct{ Code, ConstraintName string }

func (e *PgError) Error() string    { return "pg " + e.Code + " " + e.ConstraintName }
func (e *PgError) SQLState() string { return e.Code }

type MySQLError struct {
	Number  uint16
	Message string
}

func (e *MySQLError) Error() string { return fmt.Sprintf("mysql %d", e.Number) }

type sqliteError struct{ code int }

func (e *sqliteError) Error() string { return fmt.Sprintf("sqlite %d", e.code) }
func (e *sqliteError) Code() int     { return e.code }

func TestFailTranslatesDriverErrors(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		d    Dialect
		err  error
		want error
	}{
		{Postgres, &PgError{Code: "23505", ConstraintName: "shop_customer_groups_pkey"}, cg.ErrIDTaken},
		{Postgres, &PgError{Code: "23505", ConstraintName: "shop_customer_groups_name_key"}, cg.ErrNameTaken},
		{Postgres, fmt.Errorf("wrapped: %w", &PgError{Code: "40001"}), cg.ErrConflict},
		{Postgres, &PgError{Code: "40P01"}, cg.ErrConflict},
		{Postgres, &PgError{Code: "22001"}, cg.ErrInvalid},
		{MySQL, &MySQLError{Number: 1213}, cg.ErrConflict},
		{MySQL, &MySQLError{Number: 1205}, cg.ErrUnavailable}, // lock wait timeout: already waited, no retry
		{MySQL, &MySQLError{Number: 1406}, cg.ErrInvalid},
		{SQLite, &sqliteError{1555}, cg.ErrIDTaken},
		{SQLite, &sqliteError{2067}, cg.ErrNameTaken},
		{SQLite, &sqliteError{5}, cg.ErrUnavailable}, // busy_timeout elapsed: already waited, no retry
		{Postgres, &PgError{Code: "55P03"}, cg.ErrUnavailable},
		{SQLite, &sqliteError{517}, cg.ErrConflict}, // SQLITE_BUSY_SNAPSHOT
		{SQLite, &sqliteError{18}, cg.ErrInvalid},
	}
	for _, c := range cases {
		s, err := New(unusedDB(t), c.d)
		require.NoError(t, err)
		got := s.fail(ctx, "op", c.err)
		require.ErrorIs(t, got, c.want, "%s %v", c.d, c.err)
	}

	s, err := New(unusedDB(t), MySQL)
	require.NoError(t, err)
	require.Equal(t, failDuplicate, s.d.classify(&MySQLError{Number: 1062}))
	require.Equal(t, failOther, s.d.classify(&MySQLError{Number: 1146}))
	require.Equal(t, failOther, s.d.classify(errors.New("Error 1062: Duplicate entry")), "never by text")
	other := errors.New("connection refused")
	require.ErrorIs(t, s.fail(ctx, "op", other), other, "an unknown error stays reachable")

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	require.Equal(t, context.Canceled, s.fail(canceled, "op", &MySQLError{Number: 1317}))
	// The store's own errors pass unchanged.
	nf := cg.NotFoundError("x")
	require.Equal(t, nf, s.fail(ctx, "op", nf))
}

// unusedDB is a pool New accepts, for tests that never reach a database.
func unusedDB(t *testing.T) *sql.DB {
	db, err := sql.Open("sqlite", "file::memory:")
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestLikeContainsEscapes(t *testing.T) {
	require.Equal(t, "%100!% off!_!!x\\%", likeContains("100% off_!x\\", '!'))
	require.Equal(t, `%100\% off\_!x\\%`, likeContains(`100% off_!x\`, '\\'))
}

// TestWithTx runs the store inside the host's transactions: a rolled-back one leaves nothing,
// a committed one everything, and the store issues no BEGIN or COMMIT of its own.
func TestWithTx(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db := b.open(t)
		s := newStore(t, db, b.dialect, WithBatchSize(2))
		now := cg.Timestamp(time.Now())
		group := func(id string) cg.CustomerGroup {
			return cg.CustomerGroup{ID: id, Name: "Group " + id, CreatedAt: now, UpdatedAt: now, Version: 1}
		}

		tx, err := db.BeginTx(ctx, nil)
		require.NoError(t, err)
		in := s.WithTx(tx)
		require.NoError(t, in.CreateGroup(ctx, group("rolled-back")))
		added, err := in.AddMembers(ctx, "rolled-back", []string{"c1", "c2", "c3"}, now, "")
		require.NoError(t, err)
		require.Equal(t, []string{"c1", "c2", "c3"}, added)
		g, err := in.Group(ctx, "rolled-back")
		require.NoError(t, err)
		require.Equal(t, 3, g.CustomerCount)
		require.NoError(t, tx.Rollback())
		_, err = s.Group(ctx, "rolled-back")
		require.ErrorIs(t, err, cg.ErrNotFound)
		ids, err := s.GroupIDsOf(ctx, "c1")
		require.NoError(t, err)
		require.Empty(t, ids)

		tx, err = db.BeginTx(ctx, nil)
		require.NoError(t, err)
		in = s.WithTx(tx)
		require.NoError(t, in.CreateGroup(ctx, group("committed")))
		require.NoError(t, in.CreateGroup(ctx, group("deleted")))
		_, err = in.AddMembers(ctx, "committed", []string{"c3", "c1", "c2"}, now, "")
		require.NoError(t, err)
		_, err = in.AddMembers(ctx, "deleted", []string{"c1"}, now, "")
		require.NoError(t, err)
		removed, err := in.RemoveMembers(ctx, "committed", []string{"c9", "c2"})
		require.NoError(t, err)
		require.Equal(t, []string{"c2"}, removed)
		require.NoError(t, in.DeleteGroup(ctx, "deleted"))
		forgot, err := in.ForgetCustomer(ctx, "c3")
		require.NoError(t, err)
		require.Equal(t, []string{"committed"}, forgot)
		g = group("committed")
		g.Name, g.Version = "Renamed", 2
		require.NoError(t, in.UpdateGroup(ctx, g, 1))
		require.NoError(t, tx.Commit())

		got, err := s.Group(ctx, "committed")
		require.NoError(t, err)
		require.Equal(t, "Renamed", got.Name)
		require.Equal(t, 1, got.CustomerCount)
		ids, err = s.GroupIDsOf(ctx, "c1")
		require.NoError(t, err)
		require.Equal(t, []string{"committed"}, ids)
		requireCountsExact(t, s)
	})
}

// TestSearchEscapeCharacterIsLiteral: the LIKE escape character is '!', so it must be taken
// literally too.
func TestSearchEscapeCharacterIsLiteral(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		svc := cg.New(newStore(t, b.open(t), b.dialect))
		byName := map[string]string{}
		for _, n := range []string{"Sale!", "Sale!!", "Sale", "Sa!le", "50%!", "x_y"} {
			g, err := svc.Create(ctx, cg.NewGroup{Name: n})
			require.NoError(t, err)
			byName[n] = g.ID
		}
		for search, want := range map[string][]string{
			"!":    {"Sale!", "Sale!!", "Sa!le", "50%!"},
			"!!":   {"Sale!!"},
			"e!":   {"Sale!", "Sale!!"},
			"!%":   {},
			"%!":   {"50%!"},
			"!_":   {},
			"SA!L": {"Sa!le"},
		} {
			p, err := svc.List(ctx, cg.Query{Search: search})
			require.NoError(t, err)
			var got []string
			for _, g := range p.Groups {
				got = append(got, g.Name)
			}
			require.ElementsMatch(t, want, got, "search %q", search)
		}
	})
}

// TestMySQLWithoutParseTime: times round-trip when the DSN lacks parseTime=true too.
func TestMySQLWithoutParseTime(t *testing.T) {
	dsn := os.Getenv(mysqlEnv)
	if dsn == "" {
		t.Skipf("set %s to run the mysql tests", mysqlEnv)
	}
	dsn = strings.NewReplacer("parseTime=true&", "", "&parseTime=true", "", "?parseTime=true", "").Replace(dsn)
	require.NotContains(t, dsn, "parseTime")
	ctx := context.Background()
	s := newStore(t, openDB(t, "mysql", dsn), MySQL)
	at := time.Date(2024, 2, 29, 23, 59, 58, 123456000, time.UTC)
	require.NoError(t, s.CreateGroup(ctx, cg.CustomerGroup{ID: "g", Name: "G", CreatedAt: at, UpdatedAt: at.Add(time.Microsecond), Version: 1}))
	_, err := s.AddMembers(ctx, "g", []string{"c"}, at, "me")
	require.NoError(t, err)
	g, err := s.Group(ctx, "g")
	require.NoError(t, err)
	require.Equal(t, at, g.CreatedAt)
	require.Equal(t, at.Add(time.Microsecond), g.UpdatedAt)
	p, err := s.Members(ctx, "g", cg.MemberQuery{})
	require.NoError(t, err)
	require.Equal(t, []cg.Membership{{GroupID: "g", CustomerID: "c", AddedAt: at, AddedBy: "me"}}, p.Members)
	page, err := s.Groups(ctx, cg.Query{Created: cg.TimeRange{From: at, To: at.Add(time.Microsecond)}, Limit: 10})
	require.NoError(t, err)
	require.Len(t, page.Groups, 1)
}

// TestDirectCallerDuplicates: a caller of the Store itself (not the Service) may repeat ids;
// each counts once.
func TestDirectCallerDuplicates(t *testing.T) {
	forEach(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := newStore(t, b.open(t), b.dialect, WithBatchSize(2))
		now := cg.Timestamp(time.Now())
		require.NoError(t, s.CreateGroup(ctx, cg.CustomerGroup{ID: "g", Name: "G", CreatedAt: now, UpdatedAt: now, Version: 1}))
		added, err := s.AddMembers(ctx, "g", []string{"b", "a", "b", "c", "a"}, now, "")
		require.NoError(t, err)
		require.Equal(t, []string{"b", "a", "c"}, added)
		removed, err := s.RemoveMembers(ctx, "g", []string{"c", "c", "x"})
		require.NoError(t, err)
		require.Equal(t, []string{"c"}, removed)
		g, err := s.Group(ctx, "g")
		require.NoError(t, err)
		require.Equal(t, 2, g.CustomerCount)
	})
}

func TestInInputOrder(t *testing.T) {
	require.Equal(t, []string{"b", "a"}, inInputOrder([]string{"c", "b", "a"}, []string{"a", "b"}))
	require.Equal(t, []string{"a", "b"}, inInputOrder([]string{"a", "b", "c"}, []string{"a", "b"}))
	require.Equal(t, []string{}, inInputOrder([]string{"a"}, nil))
	require.Equal(t, []string{"b", "a", "c"}, inFirstSeenOrder([]string{"b", "a", "b", "c", "a"}, []string{"a", "b", "c"}))
	got, copied := sortedIDs([]string{"c", "a", "c"})
	require.Equal(t, []string{"a", "c"}, got)
	require.True(t, copied)
	got, copied = sortedIDs([]string{"a", "a"})
	require.Equal(t, []string{"a"}, got)
	require.True(t, copied)
	got, copied = sortedIDs([]string{"a", "b"})
	require.Equal(t, []string{"a", "b"}, got)
	require.False(t, copied)
}

// A failure outside the input (the database gone, the schema missing) is ErrUnavailable, with
// the driver's error still reachable, never a bare driver error.
func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "unavailable.db")

	db := openDB(t, "sqlite", sqliteDSN(file))
	s, err := New(db, SQLite)
	require.NoError(t, err)
	_, err = s.Group(ctx, "g1") // no Migrate: the tables are missing
	require.ErrorIs(t, err, cg.ErrUnavailable)
	require.NotErrorIs(t, err, cg.ErrNotFound)

	require.NoError(t, s.Migrate(ctx))
	require.NoError(t, db.Close())
	_, err = cg.New(s).AddCustomers(ctx, "g1", []string{"c1"})
	require.ErrorIs(t, err, cg.ErrUnavailable)
	require.ErrorContains(t, err, "database is closed", "the driver's error stays in the chain")
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "dial tcp 127.0.0.1:5432: i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// A driver's own timer set from ctx's deadline can fire just before ctx expires: the caller
// sees its deadline, not ErrUnavailable.
func TestDriverTimeoutBeforeDeadlineIsDeadline(t *testing.T) {
	s, err := New(unusedDB(t), Postgres)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, s.fail(ctx, "op", fmt.Errorf("connect: %w", timeoutError{})), context.DeadlineExceeded)
	// Without a deadline, or with one far away, a timeout is the database's own (a connect
	// timeout in the DSN, say): ErrUnavailable.
	require.ErrorIs(t, s.fail(context.Background(), "op", timeoutError{}), cg.ErrUnavailable)
	far, cancelFar := context.WithTimeout(context.Background(), time.Hour)
	defer cancelFar()
	require.ErrorIs(t, s.fail(far, "op", timeoutError{}), cg.ErrUnavailable)
}
