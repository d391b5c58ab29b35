// Package sqlstore is the persistent customergroup.Store: PostgreSQL, SQLite and
// MySQL/MariaDB over the host's own *sql.DB.
//
//	db, err := sql.Open("pgx", os.Getenv("DATABASE_URL")) // import _ "github.com/jackc/pgx/v5/stdlib"
//	store, err := sqlstore.New(db, sqlstore.Postgres, sqlstore.WithTablePrefix("shop_"))
//	err = store.Migrate(ctx)
//	svc := customergroup.New(store)
//
// The package imports no driver: the host imports the one it uses, and passes the dialect.
//
// # Dialects and DSNs
//
// Postgres: PostgreSQL 12 or later (or a compatible server) through
// github.com/jackc/pgx/v5/stdlib, driver name "pgx". Id lists are passed as text[]
// parameters, which pgx encodes from a []string.
//
// SQLite: SQLite 3.37 or later through modernc.org/sqlite (pure Go, no cgo), driver name
// "sqlite". Use a file in WAL mode with a busy timeout, and let transactions take the write
// lock when they begin:
//
//	file:/var/lib/shop/shop.db?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate
//
// Several processes may share the file (SQLite lets one write at a time; the others wait up
// to busy_timeout). The store's own write transactions start with a write, so they work
// without _txlock=immediate too, but a host's transactions passed to WithTx benefit from it.
// ":memory:" gives every pooled connection a database of its own: for an in-memory store, call
// db.SetMaxOpenConns(1).
//
// MySQL: MySQL 8.0 or MariaDB 10.11 or later (InnoDB) through github.com/go-sql-driver/mysql,
// driver name "mysql":
//
//	user:password@tcp(host:3306)/shop?parseTime=true&interpolateParams=true
//
// parseTime=true is recommended (times are also read without it) and loc must stay UTC, the
// default. interpolateParams=true halves the round trips: without it the driver prepares,
// runs and closes a server-side statement for every query with arguments. The schema needs
// no multiStatements=true: Migrate runs one statement at a time.
//
// # Schema
//
// Two tables, named with the prefix of WithTablePrefix (default none), plus the migrations
// table {prefix}customer_group_migrations (version, name, applied_at) that Migrate keeps. On
// PostgreSQL:
//
//	CREATE TABLE customer_groups (
//	    id             text COLLATE "C" NOT NULL,     -- byte order
//	    name           text NOT NULL,                 -- as written (trimmed)
//	    name_key       text COLLATE "C" NOT NULL,     -- customergroup.FoldName(name)
//	    metadata       text NOT NULL DEFAULT '{}',    -- the ordered JSON object of Metadata
//	    customer_count bigint NOT NULL DEFAULT 0,     -- exact: changed with every membership
//	    created_by     text NOT NULL DEFAULT '',
//	    created_at     timestamptz NOT NULL,
//	    updated_at     timestamptz NOT NULL,
//	    version        bigint NOT NULL DEFAULT 1,
//	    CONSTRAINT customer_groups_pkey PRIMARY KEY (id),
//	    CONSTRAINT customer_groups_name_key UNIQUE (name_key)
//	);
//	CREATE INDEX customer_groups_created_idx ON customer_groups (created_at, id);
//	CREATE INDEX customer_groups_updated_idx ON customer_groups (updated_at, id);
//	CREATE TABLE customer_group_members (
//	    group_id    text COLLATE "C" NOT NULL,
//	    customer_id text COLLATE "C" NOT NULL,
//	    added_at    timestamptz NOT NULL,
//	    added_by    text NOT NULL DEFAULT '',
//	    CONSTRAINT customer_group_members_pkey PRIMARY KEY (group_id, customer_id)
//	);
//	CREATE INDEX customer_group_members_customer_idx ON customer_group_members (customer_id, group_id);
//	-- optional (skipped when the role may not create the extension):
//	CREATE EXTENSION IF NOT EXISTS pg_trgm;
//	CREATE INDEX customer_groups_name_trgm_idx ON customer_groups USING gin (name_key gin_trgm_ops);
//
// SQLite has the same tables (STRICT; members WITHOUT ROWID) with TEXT in BINARY collation and
// times as INTEGER Unix microseconds. MySQL uses VARBINARY for ids, actors and name_key (byte
// order, and no trailing-space padding, which the _bin collations have), VARCHAR(255) utf8mb4
// for the name, LONGTEXT for metadata and DATETIME(6) in UTC for times, with the indexes
// inside CREATE TABLE IF NOT EXISTS. The exact DDL of each dialect is in Schema(d) and in
// README.md.
//
// Choices worth knowing: metadata is text, not jsonb or MySQL's JSON type, which reorder an
// object's keys. Times keep microseconds exactly. name_key is unique, so names are unique
// across processes whatever the case or normalization; sorting by name is by name_key (ties
// are impossible), by time is by (time, id). There are no foreign keys: the store deletes a
// group's memberships in the transaction that deletes the group, and a membership change
// locks its group row, so no membership outlives its group (a foreign key would cost a lookup
// per inserted row).
//
// Migrate applies the schema and is safe to call at every start, from several processes at
// once. Hosts with their own migration tool apply Schema(d) (or (*Store).Schema() for a
// prefix) instead. Every schema statement says IF NOT EXISTS (left out above), so Migrate
// also adopts tables created from those files.
//
// # Guarantees across processes
//
// Every guarantee of customergroup.Store is enforced by the database, so any number of
// processes may share the tables:
//
//   - Names: the unique index on name_key. Ids: the primary key.
//   - Versions: UPDATE … WHERE id = ? AND version = ?; when it matches no row, one lookup tells
//     ErrNotFound from ErrConflict.
//   - Memberships: AddMembers, RemoveMembers and ForgetCustomer lock the group row first
//     (SELECT … FOR UPDATE, or a write on SQLite), so batches on one group run one after the
//     other, and change customer_count in the same transaction as the memberships. Member
//     counts are never counted on read. ForgetCustomer locks its groups in id order.
//   - DeleteGroup deletes the group row and then its memberships, in one transaction.
//
// Batches of customer ids of any size (a million in one call is tested) move in statements of
// WithBatchSize ids inside one transaction: on PostgreSQL one plain INSERT … SELECT FROM
// unnest($4::text[]) (or DELETE … = ANY($2)) per batch after locking the group row, and, when
// a batch meets an id that is already a member (a primary-key error, which PostgreSQL logs)
// or one that is not, again with INSERT … ON CONFLICT DO NOTHING (or DELETE) statements that
// name the skipped ids; on SQLite one
// INSERT … SELECT FROM json_each(?) ON CONFLICT DO NOTHING RETURNING per batch, on MySQL
// multi-row INSERTs and IN lists under the placeholder limit. Ids are written in byte order,
// so that each statement touches neighbouring index pages; results come back in input order.
//
// # Round trips
//
// Statements per operation; on a server each is one round trip (MySQL without
// interpolateParams: two for a statement with arguments). n is the number of ids, b the batch
// size (WithBatchSize; 50,000 on PostgreSQL and SQLite, 10,000 on MySQL).
//
//	operation        PostgreSQL                      SQLite                              MySQL
//	CreateGroup      1                               1                                   1 (+1 on a duplicate, to tell id from name)
//	Group            1 (primary key)                 1                                   1
//	Groups           1 (+1 count with CountTotal)    1 (+1)                              1 (+1)
//	UpdateGroup      1 (+1 when no row matched)      1 (+1)                              1 (+1)
//	DeleteGroup      BEGIN, 2, COMMIT                BEGIN, 2, COMMIT                    BEGIN, 2, COMMIT
//	AddMembers       BEGIN, lock, ceil(n/b), count,  BEGIN, lock, ceil(n/b),             BEGIN, lock, ceil(n/b) INSERTs (+2 for a
//	                 COMMIT; when a batch holds      count, COMMIT                       batch holding members), count, COMMIT
//	                 members: ROLLBACK, then 1 if
//	                 n <= b, else BEGIN, ceil(n/b),
//	                 COMMIT (only these in WithTx)
//	RemoveMembers    as AddMembers (non-members)     as AddMembers                       BEGIN, lock, 2 per batch (+3 for a batch
//	                                                                                     holding non-members), count, COMMIT
//	Members          1 (+1 group row when the page   1 (+1)                              1 (+1)
//	                 is empty or with CountTotal)
//	IsMember         1 (primary key)                 1                                   1
//	GroupIDsOf       1 (index-only scan)             1                                   1
//	ForgetCustomer   1                               BEGIN, 2, COMMIT                    1, and when it is in groups
//	                                                                                     BEGIN, 4, COMMIT
//
// On PostgreSQL a batch is one statement that locks the group row, writes the memberships,
// updates customer_count and returns what it skipped, so a batch that fits needs no explicit
// transaction. An operation with no ids checks that the group exists: one statement.
//
// # Errors
//
// Each dialect reads its driver's errors in one function, by code, never by message text:
// PostgreSQL by SQLSTATE (the SQLState method of pgconn.PgError; 23505 on the constraint
// customer_groups_pkey is ErrIDTaken, on customer_groups_name_key ErrNameTaken, the constraint
// name read from the error's ConstraintName field), SQLite by extended result code (the Code
// method of modernc.org/sqlite's *Error: 1555 primary key, 2067 unique, 5 busy), MySQL by
// error number (1062 duplicate, 1213 deadlock, 1205 lock wait timeout). MySQL's error names
// no index but in its text, so CreateGroup looks the id up after a 1062; its *MySQLError
// offers the number only as a field, which is read by reflection (importing the driver's
// package for the type would register the driver). Deadlocks and serialization failures (and
// SQLite's BUSY_SNAPSHOT, BUSY_RECOVERY and LOCKED) are ErrConflict; the store runs its own
// transactions again (up to 5 times) before it returns that. A lock wait that timed out
// (PostgreSQL 55P03, MySQL 1205, plain SQLite BUSY after busy_timeout) is ErrUnavailable and
// is not run again: the database has already waited as long as it was told to. Values the
// database refuses (too long, bad encoding, a time out of range) are ErrInvalid. When ctx is
// done, the error is ctx.Err(). An error the store cannot classify (a lost connection, a
// missing table) is ErrUnavailable, with the driver's error reachable by errors.As.
//
// # Transactions
//
// WithTx runs the store inside the host's *sql.Tx: no BEGIN or COMMIT of its own and no
// retries. On PostgreSQL a failed statement aborts the host's transaction, as always. On
// MySQL, run such a transaction at READ COMMITTED: the store reads memberships under the
// group lock, and an older REPEATABLE READ snapshot can make it report ErrConflict.
package sqlstore
