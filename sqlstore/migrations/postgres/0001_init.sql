-- Customer groups and their memberships (PostgreSQL 12+).
-- Ids, customer ids and name keys use COLLATE "C": they compare and sort byte by byte.
-- metadata is text holding the ordered JSON object of Metadata.MarshalJSON (jsonb would
-- reorder its keys). customer_count is kept exact by every membership change.
CREATE TABLE IF NOT EXISTS {prefix}customer_groups (
    id             text COLLATE "C" NOT NULL,
    name           text NOT NULL,
    name_key       text COLLATE "C" NOT NULL,
    metadata       text NOT NULL DEFAULT '{}',
    customer_count bigint NOT NULL DEFAULT 0,
    created_by     text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    version        bigint NOT NULL DEFAULT 1,
    CONSTRAINT {prefix}customer_groups_pkey PRIMARY KEY (id),
    CONSTRAINT {prefix}customer_groups_name_key UNIQUE (name_key)
);

CREATE INDEX IF NOT EXISTS {prefix}customer_groups_created_idx ON {prefix}customer_groups (created_at, id);

CREATE INDEX IF NOT EXISTS {prefix}customer_groups_updated_idx ON {prefix}customer_groups (updated_at, id);

CREATE TABLE IF NOT EXISTS {prefix}customer_group_members (
    group_id    text COLLATE "C" NOT NULL,
    customer_id text COLLATE "C" NOT NULL,
    added_at    timestamptz NOT NULL,
    added_by    text NOT NULL DEFAULT '',
    CONSTRAINT {prefix}customer_group_members_pkey PRIMARY KEY (group_id, customer_id)
);

CREATE INDEX IF NOT EXISTS {prefix}customer_group_members_customer_idx ON {prefix}customer_group_members (customer_id, group_id);
