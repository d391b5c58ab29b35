package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"reflect"
	"strings"
	"time"

	"github.com/b02aa859/customergroup"
)

// postgres is the PostgreSQL dialect, through pgx's database/sql driver. Id lists travel as
// one text[] parameter (pgx encodes a []string natively), so a batch is one statement of
// fixed text whatever its size.
type postgres struct{}

func (postgres) defaultBatchSize() int { return 50_000 }
func (postgres) maxBatchSize() int     { return 1_000_000 }

func (postgres) timeArg(t time.Time) any { return t.UTC() }

func (postgres) in(a *args, col string, vals []string) string {
	return col + " = ANY(" + a.add(vals) + "::text[])"
}

func (postgres) contains(a *args, col, s string) string {
	// A pg_trgm GIN index on name_key serves this when the optional migration made it. The
	// escape character is LIKE's default, the backslash: an ESCAPE clause would make
	// PostgreSQL call like_escape on every row of a cached (generic) plan.
	return col + " LIKE " + a.add(likeContains(s, '\\'))
}

// classify reads pgconn.PgError by its SQLSTATE (the SQLState method), and the name of the
// violated constraint from its ConstraintName field, read by reflection so that this package
// does not import pgconn.
func (postgres) classify(err error) failKind {
	kind := failOther
	errorChain(err, func(e error) bool {
		pe, ok := e.(interface{ SQLState() string })
		if !ok {
			return true
		}
		switch code := pe.SQLState(); {
		case code == "23505": // unique_violation
			kind = failDuplicate
			if f, ok := structField(e, "PgError", "ConstraintName"); ok && f.Kind() == reflect.String {
				switch name := f.String(); {
				case strings.HasSuffix(name, "customer_groups_pkey"):
					kind = failDuplicateID
				case strings.HasSuffix(name, "customer_groups_name_key"):
					kind = failDuplicateName
				}
			}
		case code == "40001", code == "40P01": // serialization_failure, deadlock_detected
			kind = failTransient
		case code == "55P03": // lock_not_available (lock_timeout)
			kind = failLockTimeout
		case code == "57014": // query_canceled
			kind = failCanceled
		case code == "22001", code == "22008", code == "22021", code == "54000": // string_data_right_truncation, character_not_in_repertoire, program_limit_exceeded
			kind = failInvalid
		}
		return false
	})
	return kind
}

// addMembers runs one statement per batch: it locks the group row (FOR UPDATE), inserts the
// batch from unnest($4) skipping existing members (ON CONFLICT DO NOTHING), adds the number
// inserted to customer_count, and returns that number with the ids it skipped (usually few:
// sending back the skipped ids rather than the inserted ones keeps a large fresh batch from
// streaming back to the client). A single statement is atomic, so a batch that fits
// WithBatchSize needs no transaction: one round trip in all. Larger ones run their
// statements in one transaction.
//
// Outside WithTx, the common case (every id is new) goes first the way of fastBatches: plain
// INSERTs with no ON CONFLICT and nothing sent back.
func (p postgres) addMembers(ctx context.Context, s *Store, groupID string, ids []string, at time.Time, by string) ([]string, error) {
	// No existence check: an id that is already a member fails the primary key (23505), and
	// the general statements take over. A NOT EXISTS anti-join here would read every row
	// version of the group, dead ones included, which on a group with churn costs more than
	// the insert.
	const fast = `INSERT INTO {members} (group_id, customer_id, added_at, added_by)
SELECT $1, x, $2, $3 FROM unnest($4::text[]) AS x`
	if ok, err := p.fastBatches(ctx, s, "add members", groupID, ids, 1, func(batch []string) (string, []any) {
		return s.sql(fast), []any{groupID, at.UTC(), by, batch}
	}); err != nil {
		return nil, err
	} else if ok {
		return ids, nil
	}
	const stmt = `WITH g AS (SELECT id FROM {groups} WHERE id = $1 FOR UPDATE),
ins AS (
	INSERT INTO {members} (group_id, customer_id, added_at, added_by)
	SELECT g.id, x, $2, $3 FROM g CROSS JOIN unnest($4::text[]) AS x
	ON CONFLICT DO NOTHING
	RETURNING customer_id),
n AS (SELECT count(*) AS n FROM ins),
upd AS (
	UPDATE {groups} SET customer_count = customer_count + (SELECT n FROM n)
	WHERE id = (SELECT id FROM g) AND (SELECT n FROM n) > 0)
SELECT g.id, n.n, skipped.x FROM (SELECT 1) AS one
LEFT JOIN g ON true
CROSS JOIN n
LEFT JOIN (SELECT x FROM unnest($4::text[]) AS x
	WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.customer_id = x)) AS skipped ON g.id IS NOT NULL`
	return p.batches(ctx, s, "add members", groupID, ids, func(ctx context.Context, q querier, batch []string) ([]string, error) {
		return p.lockedBatch(ctx, q, s.sql(stmt), groupID, batch, groupID, at.UTC(), by, batch)
	})
}

// removeMembers is addMembers' mirror: per batch one statement that locks the group row,
// deletes the batch's members (customer_id = ANY($2)), subtracts the number deleted from
// customer_count, and returns that number with the ids that were not members.
// Outside WithTx, the common case (every id is a member) goes first the way of fastBatches.
func (p postgres) removeMembers(ctx context.Context, s *Store, groupID string, ids []string) ([]string, error) {
	const fast = `DELETE FROM {members} WHERE group_id = $1 AND customer_id = ANY($2::text[])`
	if ok, err := p.fastBatches(ctx, s, "remove members", groupID, ids, -1, func(batch []string) (string, []any) {
		return s.sql(fast), []any{groupID, batch}
	}); err != nil {
		return nil, err
	} else if ok {
		return ids, nil
	}
	const stmt = `WITH g AS (SELECT id FROM {groups} WHERE id = $1 FOR UPDATE),
del AS (
	DELETE FROM {members} WHERE group_id = (SELECT id FROM g) AND customer_id = ANY($2::text[])
	RETURNING customer_id),
n AS (SELECT count(*) AS n FROM del),
upd AS (
	UPDATE {groups} SET customer_count = customer_count - (SELECT n FROM n)
	WHERE id = (SELECT id FROM g) AND (SELECT n FROM n) > 0)
SELECT g.id, n.n, skipped.x FROM (SELECT 1) AS one
LEFT JOIN g ON true
CROSS JOIN n
LEFT JOIN (SELECT x FROM unnest($2::text[]) AS x
	WHERE NOT EXISTS (SELECT 1 FROM del WHERE del.customer_id = x)) AS skipped ON g.id IS NOT NULL`
	return p.batches(ctx, s, "remove members", groupID, ids, func(ctx context.Context, q querier, batch []string) ([]string, error) {
		return p.lockedBatch(ctx, q, s.sql(stmt), groupID, batch, groupID, batch)
	})
}

// errNotAll stops fastBatches when a batch changed fewer rows than it has ids.
var errNotAll = errors.New("sqlstore: some ids were already members, or were not members")

// fastBatches runs addMembers or removeMembers for the common case, every id new (or every
// id a member), as a hand-written bulk change would: in a READ COMMITTED transaction of its
// own, SELECT … FOR UPDATE of the group row, one plain statement per batch (no ON CONFLICT,
// which costs a third more per row, and no RETURNING), one UPDATE of customer_count. Every
// writer of the group's memberships holds that lock until it commits, so nobody else changes
// them meanwhile. When an INSERT hits an existing member (the primary key refuses it, 23505;
// PostgreSQL logs that error) or a DELETE removes fewer rows than it has ids, the transaction
// is rolled back and ok is false: the caller runs its general statements, which tell which
// ids were skipped. With ok true, every id was changed. Inside WithTx (the host's isolation
// level and error handling) it does nothing.
func (postgres) fastBatches(ctx context.Context, s *Store, op, groupID string, ids []string, sign int, stmt func(batch []string) (string, []any)) (ok bool, err error) {
	if s.tx != nil {
		return false, nil
	}
	err = s.retry(ctx, op, func() error {
		tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
		if err != nil {
			return err
		}
		defer tx.Rollback() //nolint:errcheck // a no-op after Commit
		var one int
		err = tx.QueryRowContext(ctx, s.sql(`SELECT 1 FROM {groups} WHERE id = ? FOR UPDATE`), groupID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return customergroup.NotFoundError(groupID)
		}
		if err != nil {
			return err
		}
		for _, batch := range chunks(ids, s.batchSize) {
			if err := ctx.Err(); err != nil {
				return err
			}
			q, args := stmt(batch)
			res, err := tx.ExecContext(ctx, q, args...)
			if err != nil {
				if s.d.classify(err) == failDuplicate { // an id that is already a member
					return errNotAll
				}
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n != int64(len(batch)) {
				return errNotAll
			}
		}
		if _, err := tx.ExecContext(ctx, s.sql(`UPDATE {groups} SET customer_count = customer_count + ? WHERE id = ?`), sign*len(ids), groupID); err != nil {
			return err
		}
		return tx.Commit()
	})
	if errors.Is(err, errNotAll) {
		return false, nil
	}
	return err == nil, err
}

// batches runs one statement per batch of ids: alone when there is one batch, else all in one
// transaction. It returns the ids the statements changed, in input order.
func (postgres) batches(ctx context.Context, s *Store, op, groupID string, ids []string, run func(ctx context.Context, q querier, batch []string) ([]string, error)) ([]string, error) {
	parts := chunks(ids, s.batchSize)
	var done []string
	body := func(q querier) error {
		done = make([]string, 0, min(len(ids), 1024))
		for _, batch := range parts {
			if err := ctx.Err(); err != nil {
				return err
			}
			got, err := run(ctx, q, batch)
			if err != nil {
				return err
			}
			done = append(done, got...)
		}
		return nil
	}
	var err error
	if len(parts) == 1 {
		err = s.do(ctx, op, body)
	} else {
		err = s.inTx(ctx, op, body)
	}
	if err != nil {
		return nil, err
	}
	return done, nil
}

// lockedBatch runs one of the statements above and returns the ids of batch it changed, in
// batch order. The statement's rows carry the group id (NULL when there is no such group),
// the number of memberships changed, and one id of batch it did not change (NULL when none).
func (postgres) lockedBatch(ctx context.Context, q querier, stmt, groupID string, batch []string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := false
	var changed int64
	var skipped map[string]struct{}
	for rows.Next() {
		var g, id sql.NullString
		if err := rows.Scan(&g, &changed, &id); err != nil {
			return nil, err
		}
		found = found || g.Valid
		if id.Valid {
			if skipped == nil {
				skipped = make(map[string]struct{})
			}
			skipped[id.String] = struct{}{}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !found {
		return nil, customergroup.NotFoundError(groupID)
	}
	if len(skipped) == 0 && changed == int64(len(batch)) {
		return batch, nil
	}
	out := make([]string, 0, changed)
	for _, id := range batch {
		if _, ok := skipped[id]; !ok {
			out = append(out, id)
		}
	}
	if len(out) != int(changed) {
		return nil, fmt.Errorf("sqlstore: the database changed %d memberships of a batch but skipped %d of %d ids", changed, len(skipped), len(batch))
	}
	return out, nil
}

// forgetCustomer is one statement: it locks the customer's groups in id order (so that two
// of them cannot deadlock), deletes the memberships and decrements those groups' counts.
func (postgres) forgetCustomer(ctx context.Context, s *Store, customerID string) ([]string, error) {
	const stmt = `WITH l AS (
	SELECT id FROM {groups} WHERE id IN (SELECT group_id FROM {members} WHERE customer_id = ?)
	ORDER BY id FOR UPDATE),
del AS (
	DELETE FROM {members} WHERE customer_id = ? AND group_id IN (SELECT id FROM l)
	RETURNING group_id),
upd AS (
	UPDATE {groups} SET customer_count = customer_count - 1 WHERE id IN (SELECT group_id FROM del))
SELECT group_id FROM del ORDER BY group_id`
	var ids []string
	err := s.do(ctx, "forget customer", func(q querier) error {
		var err error
		ids, err = s.strings(ctx, q, s.sql(stmt), customerID, customerID)
		return err
	})
	return ids, err
}

func (postgres) migrationsTable() string {
	return `CREATE TABLE IF NOT EXISTS {migrations} (
	version integer PRIMARY KEY,
	name text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now())`
}

// migrate runs every pending migration in one transaction that holds a transaction-level
// advisory lock, so concurrent Migrate calls run one after the other and the later ones find
// nothing to do. PostgreSQL's DDL is transactional: a failed migration leaves no trace. An
// optional migration runs under a savepoint and is skipped (and tried again by the next
// Migrate) when it fails, for example when the role may not create the pg_trgm extension.
func (p postgres) migrate(ctx context.Context, s *Store, all []migration) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLockKey()); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.sql(p.migrationsTable())); err != nil {
		return err
	}
	pending, err := s.pending(ctx, tx, all)
	if err != nil {
		return err
	}
	for _, m := range pending {
		if m.optional {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT customergroup_optional`); err != nil {
				return err
			}
		}
		if err := s.apply(ctx, tx, m); err != nil {
			if !m.optional || ctx.Err() != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
			}
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT customergroup_optional`); err != nil {
				return err
			}
			continue
		}
		if m.optional {
			if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT customergroup_optional`); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}

// migrateLockKey is the advisory lock of Migrate. It is the same for every table prefix, so
// that migrations of several stores in one database (and their CREATE EXTENSION) serialize.
func migrateLockKey() int64 {
	h := fnv.New64a()
	h.Write([]byte("github.com/b02aa859/customergroup/sqlstore.Migrate"))
	return int64(h.Sum64())
}
