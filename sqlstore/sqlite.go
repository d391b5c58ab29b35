package sqlstore

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/b02aa859/customergroup"
)

// sqlite is the SQLite dialect, through modernc.org/sqlite. Times are INTEGER Unix
// microseconds; id lists travel as one JSON array parameter read with json_each, so a batch
// is one statement of fixed text whatever its size. SQLite has one writer at a time: every
// write transaction starts with a write, so it takes the write lock at once (and waits
// busy_timeout for it) instead of failing to upgrade a read lock later.
type sqlite struct{}

func (sqlite) defaultBatchSize() int { return 50_000 }
func (sqlite) maxBatchSize() int     { return 1_000_000 }

func (sqlite) timeArg(t time.Time) any { return t.UnixMicro() }

func (sqlite) in(a *args, col string, vals []string) string {
	return col + " IN (SELECT value FROM json_each(" + a.add(jsonArray(vals)) + "))"
}

func (sqlite) contains(a *args, col, s string) string {
	return "instr(" + col + ", " + a.add(s) + ") > 0" // BINARY: exact bytes, no wildcards
}

func jsonArray(ids []string) string {
	b, _ := json.Marshal(ids) // strings always marshal
	return string(b)
}

// SQLite result codes (extended where it matters).
const (
	sqliteBusy                 = 5
	sqliteLocked               = 6
	sqliteInterrupt            = 9
	sqliteTooBig               = 18
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// classify reads modernc.org/sqlite's *sqlite.Error through its Code method: the extended
// result code.
func (sqlite) classify(err error) failKind {
	kind := failOther
	errorChain(err, func(e error) bool {
		se, ok := e.(interface{ Code() int })
		if !ok {
			return true
		}
		switch code := se.Code(); {
		case code == sqliteConstraintPrimaryKey:
			kind = failDuplicateID // the only primary key a statement can hit: groups.id
		case code == sqliteConstraintUnique:
			kind = failDuplicateName // the only other unique index: groups.name_key
		case code == sqliteBusy: // busy_timeout has elapsed
			kind = failLockTimeout
		case code&0xff == sqliteBusy, code&0xff == sqliteLocked: // BUSY_SNAPSHOT, BUSY_RECOVERY, LOCKED
			kind = failTransient
		case code&0xff == sqliteInterrupt:
			kind = failCanceled
		case code&0xff == sqliteTooBig:
			kind = failInvalid
		}
		return false
	})
	return kind
}

// addMembers, in one transaction: an UPDATE of the group row that changes nothing (it takes
// the write lock and tells whether the group exists), one INSERT … SELECT FROM json_each(?)
// ON CONFLICT DO NOTHING RETURNING customer_id per batch, and one UPDATE of customer_count.
func (sqlite) addMembers(ctx context.Context, s *Store, groupID string, ids []string, at time.Time, by string) ([]string, error) {
	const stmt = `INSERT INTO {members} (group_id, customer_id, added_at, added_by)
SELECT ?, value, ?, ? FROM json_each(?) WHERE true
ON CONFLICT DO NOTHING RETURNING customer_id`
	return sqliteBatches(ctx, s, "add members", groupID, ids, 1, func(q querier, batch []string) ([]string, error) {
		return s.strings(ctx, q, s.sql(stmt), groupID, at.UnixMicro(), by, jsonArray(batch))
	})
}

// removeMembers mirrors addMembers with DELETE … RETURNING customer_id per batch.
func (sqlite) removeMembers(ctx context.Context, s *Store, groupID string, ids []string) ([]string, error) {
	const stmt = `DELETE FROM {members}
WHERE group_id = ? AND customer_id IN (SELECT value FROM json_each(?))
RETURNING customer_id`
	return sqliteBatches(ctx, s, "remove members", groupID, ids, -1, func(q querier, batch []string) ([]string, error) {
		return s.strings(ctx, q, s.sql(stmt), groupID, jsonArray(batch))
	})
}

func sqliteBatches(ctx context.Context, s *Store, op, groupID string, ids []string, sign int, run func(q querier, batch []string) ([]string, error)) ([]string, error) {
	var done []string
	err := s.inTx(ctx, op, func(tx querier) error {
		res, err := tx.ExecContext(ctx, s.sql(`UPDATE {groups} SET customer_count = customer_count WHERE id = ?`), groupID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return customergroup.NotFoundError(groupID)
		}
		done = make([]string, 0, min(len(ids), 1024))
		for _, batch := range chunks(ids, s.batchSize) {
			if err := ctx.Err(); err != nil {
				return err
			}
			got, err := run(tx, batch)
			if err != nil {
				return err
			}
			done = append(done, inInputOrder(batch, got)...)
		}
		if len(done) == 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, s.sql(`UPDATE {groups} SET customer_count = customer_count + ? WHERE id = ?`), sign*len(done), groupID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return done, nil
}

// forgetCustomer, in one transaction: decrement the count of every group the customer is in,
// then delete the memberships, returning their group ids.
func (sqlite) forgetCustomer(ctx context.Context, s *Store, customerID string) ([]string, error) {
	var ids []string
	err := s.inTx(ctx, "forget customer", func(tx querier) error {
		if _, err := tx.ExecContext(ctx, s.sql(`UPDATE {groups} SET customer_count = customer_count - 1
WHERE id IN (SELECT group_id FROM {members} WHERE customer_id = ?)`), customerID); err != nil {
			return err
		}
		var err error
		ids, err = s.strings(ctx, tx, s.sql(`DELETE FROM {members} WHERE customer_id = ? RETURNING group_id`), customerID)
		return err
	})
	return ids, err
}

func (sqlite) migrationsTable() string {
	return `CREATE TABLE IF NOT EXISTS {migrations} (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at INTEGER NOT NULL)`
}

// migrate applies the pending migrations in one BEGIN IMMEDIATE transaction on a connection
// of its own: the write lock is taken first, so concurrent Migrate calls (other connections
// or processes) wait their turn (busy_timeout) and then find nothing to do.
func (d sqlite) migrate(ctx context.Context, s *Store, all []migration) (err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return err
	}
	defer func() {
		if err == nil {
			_, err = conn.ExecContext(ctx, `COMMIT`)
			if err == nil {
				return
			}
		}
		if _, rerr := conn.ExecContext(context.Background(), `ROLLBACK`); rerr != nil {
			// A connection left inside a transaction must not go back to the pool.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	if _, err := conn.ExecContext(ctx, s.sql(d.migrationsTable())); err != nil {
		return err
	}
	pending, err := s.pending(ctx, conn, all)
	if err != nil {
		return err
	}
	for _, m := range pending {
		if !m.optional {
			if err := s.apply(ctx, conn, m); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
			}
			continue
		}
		if _, err := conn.ExecContext(ctx, `SAVEPOINT customergroup_optional`); err != nil {
			return err
		}
		end := `RELEASE SAVEPOINT customergroup_optional`
		if s.apply(ctx, conn, m) != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			end = `ROLLBACK TO SAVEPOINT customergroup_optional`
		}
		if _, err := conn.ExecContext(ctx, end); err != nil {
			return err
		}
	}
	return nil
}
