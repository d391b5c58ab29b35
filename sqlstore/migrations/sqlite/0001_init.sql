-- Customer groups and their memberships (SQLite 3.37+).
-- Text compares with BINARY collation: byte by byte. Times are INTEGER Unix microseconds,
-- UTC. metadata is the ordered JSON object of Metadata.MarshalJSON. customer_count is kept
-- exact by every membership change.
CREATE TABLE IF NOT EXISTS {prefix}customer_groups (
    id             TEXT NOT NULL PRIMARY KEY,
    name           TEXT NOT NULL,
    name_key       TEXT NOT NULL,
    metadata       TEXT NOT NULL DEFAULT '{}',
    customer_count INTEGER NOT NULL DEFAULT 0,
    created_by     TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE UNIQUE INDEX IF NOT EXISTS {prefix}customer_groups_name_key ON {prefix}customer_groups (name_key);

CREATE INDEX IF NOT EXISTS {prefix}customer_groups_created_idx ON {prefix}customer_groups (created_at, id);

CREATE INDEX IF NOT EXISTS {prefix}customer_groups_updated_idx ON {prefix}customer_groups (updated_at, id);

CREATE TABLE IF NOT EXISTS {prefix}customer_group_members (
    group_id    TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    added_at    INTEGER NOT NULL,
    added_by    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (group_id, customer_id)
) WITHOUT ROWID, STRICT;

CREATE INDEX IF NOT EXISTS {prefix}customer_group_members_customer_idx ON {prefix}customer_group_members (customer_id, group_id);
