package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/b02aa859/customergroup"
)

// mysql is the MySQL 8 / MariaDB 10.11 dialect, through github.com/go-sql-driver/mysql.
// Ids and name keys are VARBINARY, so they compare and sort byte by byte with no trailing-space
// padding; times are DATETIME(6) in UTC. MySQL has no RETURNING: a batch writes all of its
// ids with placeholders (at most 65,535 per statement), and only when that cannot be all of
// them (a duplicate key, fewer rows deleted) reads which ids are members, under the group-row
// lock that keeps everybody else from changing them, and writes exactly the rest.
type mysql struct{}

func (mysql) defaultBatchSize() int { return 10_000 }
func (mysql) maxBatchSize() int     { return 16_000 }

func (mysql) timeArg(t time.Time) any { return t.UTC() }

func (mysql) in(a *args, col string, vals []string) string {
	var b strings.Builder
	b.WriteString(col + " IN (")
	for i, v := range vals {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(a.add(v))
	}
	b.WriteString(")")
	return b.String()
}

func (mysql) contains(a *args, col, s string) string {
	// VARBINARY: byte-wise. ESCAPE '!' rather than the default backslash, whose meaning in
	// a literal depends on the NO_BACKSLASH_ESCAPES SQL mode.
	return col + " LIKE " + a.add(likeContains(s, '!')) + " ESCAPE '!'"
}

// MySQL and MariaDB error numbers.
const (
	mysqlLockWaitTimeout  = 1205
	mysqlDeadlock         = 1213
	mysqlDupEntry         = 1062
	mysqlDataTooLong      = 1406
	mysqlBadString        = 1366
	mysqlQueryInterrupted = 1317
	mysqlStatementTimeout = 3024 // MySQL max_execution_time
	mariadbStatementTime  = 1969 // MariaDB max_statement_time
)

// classify reads go-sql-driver/mysql's *MySQLError by its Number field. The driver gives the
// number no method, and importing the driver's package for the type would register the
// driver (its init does), so the field is read by reflection from the type named MySQLError.
func (mysql) classify(err error) failKind {
	kind := failOther
	errorChain(err, func(e error) bool {
		f, ok := structField(e, "MySQLError", "Number")
		if !ok || (f.Kind() != reflect.Uint16 && f.Kind() != reflect.Uint32 && f.Kind() != reflect.Int) {
			return true
		}
		var n uint64
		if f.Kind() == reflect.Int {
			n = uint64(f.Int())
		} else {
			n = f.Uint()
		}
		switch n {
		case mysqlDupEntry:
			kind = failDuplicate // the error does not name the index but in its text
		case mysqlDeadlock:
			kind = failTransient
		case mysqlLockWaitTimeout:
			kind = failLockTimeout
		case mysqlDataTooLong, mysqlBadString:
			kind = failInvalid
		case mysqlQueryInterrupted, mysqlStatementTimeout, mariadbStatementTime:
			kind = failCanceled
		}
		return false
	})
	return kind
}

// lockGroup locks the group row for the transaction (SELECT … FOR UPDATE). An UPDATE that
// changes nothing would lock it too, but MySQL reports such an UPDATE as affecting no rows.
func (mysql) lockGroup(ctx context.Context, s *Store, tx querier, groupID string) error {
	var n int64
	err := tx.QueryRowContext(ctx, s.sql(`SELECT customer_count FROM {groups} WHERE id = ? FOR UPDATE`), groupID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return customergroup.NotFoundError(groupID)
	}
	return err
}

// members returns which of ids are members of the group. It is a plain (non-locking) read:
// the first plain read of the store's own transaction, after lockGroup, so its snapshot
// starts after the lock was granted, and nobody else can change the group's members until
// COMMIT. (Locking reads would also take gap locks, which deadlock inserts into neighbouring
// groups.)
func (d mysql) members(ctx context.Context, s *Store, tx querier, groupID string, ids []string) (map[string]struct{}, error) {
	a := s.args()
	query := "SELECT customer_id FROM " + s.t.members + " WHERE group_id = " + a.add(groupID) + " AND " + d.in(a, "customer_id", ids)
	found, err := s.strings(ctx, tx, query, a.vals...)
	if err != nil {
		return nil, err
	}
	set := make(map[string]struct{}, len(found))
	for _, id := range found {
		set[id] = struct{}{}
	}
	return set, nil
}

// addMembers, in one transaction: lock the group row; per batch, one multi-row INSERT of the
// whole batch; add the number inserted to customer_count. When the INSERT fails on a
// duplicate key (error 1062: some ids are members already), InnoDB has undone that statement
// only; the batch then reads which ids are members and inserts the others. A batch of new
// members (the usual case) so costs one statement and no read.
func (d mysql) addMembers(ctx context.Context, s *Store, groupID string, ids []string, at time.Time, by string) ([]string, error) {
	at = at.UTC()
	var done []string
	err := s.inTx(ctx, "add members", func(tx querier) error {
		if err := d.lockGroup(ctx, s, tx, groupID); err != nil {
			return err
		}
		done = make([]string, 0, min(len(ids), 1024))
		for _, batch := range chunks(ids, s.batchSize) {
			if err := ctx.Err(); err != nil {
				return err
			}
			err := d.insert(ctx, s, tx, groupID, batch, at, by)
			if err == nil {
				done = append(done, batch...)
				continue
			}
			if d.classify(err) != failDuplicate {
				return err
			}
			existing, err := d.members(ctx, s, tx, groupID, batch)
			if err != nil {
				return err
			}
			fresh := make([]string, 0, len(batch)-len(existing))
			for _, id := range batch {
				if _, ok := existing[id]; !ok {
					fresh = append(fresh, id)
				}
			}
			if len(fresh) == 0 {
				continue
			}
			if err := d.insert(ctx, s, tx, groupID, fresh, at, by); err != nil {
				return err
			}
			done = append(done, fresh...)
		}
		return d.addCount(ctx, s, tx, groupID, len(done))
	})
	if err != nil {
		return nil, err
	}
	return done, nil
}

// insert is one multi-row INSERT of memberships (four placeholders a row).
func (mysql) insert(ctx context.Context, s *Store, tx querier, groupID string, ids []string, at time.Time, by string) error {
	var b strings.Builder
	b.Grow(80 + 14*len(ids))
	b.WriteString("INSERT INTO " + s.t.members + " (group_id, customer_id, added_at, added_by) VALUES ")
	vals := make([]any, 0, 4*len(ids))
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?)")
		vals = append(vals, groupID, id, at, by)
	}
	_, err := tx.ExecContext(ctx, b.String(), vals...)
	return err
}

// removeMembers, in one transaction: lock the group row; per batch, under a savepoint, one
// DELETE of the whole batch: when it removed every id (the usual case) the batch is done;
// otherwise the savepoint is rolled back, the batch reads which ids are members and deletes
// exactly those. Then subtract the number deleted from customer_count.
func (d mysql) removeMembers(ctx context.Context, s *Store, groupID string, ids []string) ([]string, error) {
	var done []string
	err := s.inTx(ctx, "remove members", func(tx querier) error {
		if err := d.lockGroup(ctx, s, tx, groupID); err != nil {
			return err
		}
		done = make([]string, 0, min(len(ids), 1024))
		for _, batch := range chunks(ids, s.batchSize) {
			if err := ctx.Err(); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `SAVEPOINT customergroup_remove`); err != nil {
				return err
			}
			n, err := d.delete(ctx, s, tx, groupID, batch)
			if err != nil {
				return err
			}
			if n == int64(len(batch)) {
				done = append(done, batch...)
				continue
			}
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT customergroup_remove`); err != nil {
				return err
			}
			existing, err := d.members(ctx, s, tx, groupID, batch)
			if err != nil {
				return err
			}
			if len(existing) == 0 {
				continue
			}
			gone := make([]string, 0, len(existing))
			for _, id := range batch {
				if _, ok := existing[id]; ok {
					gone = append(gone, id)
				}
			}
			if n, err := d.delete(ctx, s, tx, groupID, gone); err != nil {
				return err
			} else if n != int64(len(gone)) {
				// The rows were read from a snapshot older than the lock (a host's
				// REPEATABLE READ transaction): the count would go wrong.
				return &transientError{fmt.Errorf("sqlstore: deleted %d memberships, expected %d: %w", n, len(gone), customergroup.ErrConflict)}
			}
			done = append(done, gone...)
		}
		return d.addCount(ctx, s, tx, groupID, -len(done))
	})
	if err != nil {
		return nil, err
	}
	return done, nil
}

// delete deletes the group's memberships of ids and returns how many there were.
func (d mysql) delete(ctx context.Context, s *Store, tx querier, groupID string, ids []string) (int64, error) {
	a := s.args()
	query := "DELETE FROM " + s.t.members + " WHERE group_id = " + a.add(groupID) + " AND " + d.in(a, "customer_id", ids)
	res, err := tx.ExecContext(ctx, query, a.vals...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// deleteExactly runs a DELETE that must remove want rows. Fewer means the snapshot the rows
// were read from is older than the lock (a host's REPEATABLE READ transaction): a conflict,
// since the count would go wrong.
func (mysql) deleteExactly(ctx context.Context, tx querier, want int, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != int64(want) {
		return &transientError{fmt.Errorf("sqlstore: deleted %d memberships, expected %d: %w", n, want, customergroup.ErrConflict)}
	}
	return nil
}

func (mysql) addCount(ctx context.Context, s *Store, tx querier, groupID string, delta int) error {
	if delta == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, s.sql(`UPDATE {groups} SET customer_count = customer_count + ? WHERE id = ?`), delta, groupID)
	return err
}

// forgetCustomer reads the customer's groups; when there are any, it locks them in id order
// in one transaction, reads the memberships again under the locks, deletes them and
// decrements those groups' counts.
func (d mysql) forgetCustomer(ctx context.Context, s *Store, customerID string) ([]string, error) {
	var ids []string
	err := s.do(ctx, "forget customer", func(q querier) error {
		var err error
		ids, err = s.strings(ctx, q, s.sql(`SELECT group_id FROM {members} WHERE customer_id = ? ORDER BY group_id`), customerID)
		return err
	})
	if err != nil || len(ids) == 0 {
		return ids, err
	}
	// The transaction may run again (a deadlock): each run starts from the groups read above
	// and reports through removed, never by overwriting ids.
	var removed []string
	err = s.inTx(ctx, "forget customer", func(tx querier) error {
		removed = []string{}
		a := s.args()
		locked, err := s.strings(ctx, tx, "SELECT id FROM "+s.t.groups+" WHERE "+d.in(a, "id", ids)+" ORDER BY id FOR UPDATE", a.vals...)
		if err != nil || len(locked) == 0 {
			return err
		}
		a = s.args()
		in, err := s.strings(ctx, tx, "SELECT group_id FROM "+s.t.members+" WHERE customer_id = "+a.add(customerID)+" AND "+d.in(a, "group_id", locked), a.vals...)
		if err != nil || len(in) == 0 {
			return err
		}
		a = s.args()
		if err := d.deleteExactly(ctx, tx, len(in), "DELETE FROM "+s.t.members+" WHERE customer_id = "+a.add(customerID)+" AND "+d.in(a, "group_id", in), a.vals...); err != nil {
			return err
		}
		a = s.args()
		if _, err := tx.ExecContext(ctx, "UPDATE "+s.t.groups+" SET customer_count = customer_count - 1 WHERE "+d.in(a, "id", in), a.vals...); err != nil {
			return err
		}
		removed = in
		return nil
	})
	if err != nil {
		return nil, err
	}
	return removed, nil
}

func (mysql) migrationsTable() string {
	return `CREATE TABLE IF NOT EXISTS {migrations} (
	version INT NOT NULL PRIMARY KEY,
	name VARCHAR(255) NOT NULL,
	applied_at DATETIME(6) NOT NULL
) ENGINE=InnoDB`
}

// mysqlMigrateLock names the GET_LOCK lock of Migrate (the same for every table prefix).
const mysqlMigrateLock = "customergroup.sqlstore.migrate"

// migrate takes a named lock (GET_LOCK) on a connection of its own, so that concurrent Migrate
// calls run one after the other, then applies the pending migrations statement by statement.
// MySQL commits each DDL statement by itself, so the schema's statements are written to be
// run again safely (CREATE TABLE IF NOT EXISTS, indexes inside CREATE TABLE), and a migration
// is recorded after its statements ran.
func (d mysql) migrate(ctx context.Context, s *Store, all []migration) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, `SELECT GET_LOCK(?, 600)`, mysqlMigrateLock).Scan(&got); err != nil {
		return err
	}
	if got.Int64 != 1 {
		return errors.New("timed out waiting for the migration lock " + mysqlMigrateLock)
	}
	defer conn.ExecContext(context.Background(), `DO RELEASE_LOCK(?)`, mysqlMigrateLock)
	if _, err := conn.ExecContext(ctx, s.sql(d.migrationsTable())); err != nil {
		return err
	}
	pending, err := s.pending(ctx, conn, all)
	if err != nil {
		return err
	}
	for _, m := range pending {
		if err := s.apply(ctx, conn, m); err != nil {
			if m.optional && ctx.Err() == nil {
				continue
			}
			return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
		}
	}
	return nil
}
