-- Customer groups and their memberships (MySQL 8.0+, MariaDB 10.11+, InnoDB).
-- Ids, customer ids, actors and name keys are VARBINARY: they compare and sort byte by byte,
-- without the trailing-space padding of the _bin collations. Times are DATETIME(6) in UTC.
-- metadata is text holding the ordered JSON object of Metadata.MarshalJSON (the JSON type
-- would reorder its keys). customer_count is kept exact by every membership change.
-- Each statement is safe to run again: MySQL commits DDL statement by statement.
CREATE TABLE IF NOT EXISTS {prefix}customer_groups (
    id             VARBINARY(255) NOT NULL,
    name           VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    name_key       VARBINARY(3072) NOT NULL,
    metadata       LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
    customer_count BIGINT NOT NULL DEFAULT 0,
    created_by     VARBINARY(255) NOT NULL DEFAULT '',
    created_at     DATETIME(6) NOT NULL,
    updated_at     DATETIME(6) NOT NULL,
    version        BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (id),
    UNIQUE KEY {prefix}customer_groups_name_key (name_key),
    KEY {prefix}customer_groups_created_idx (created_at, id),
    KEY {prefix}customer_groups_updated_idx (updated_at, id)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS {prefix}customer_group_members (
    group_id    VARBINARY(255) NOT NULL,
    customer_id VARBINARY(255) NOT NULL,
    added_at    DATETIME(6) NOT NULL,
    added_by    VARBINARY(255) NOT NULL DEFAULT '',
    PRIMARY KEY (group_id, customer_id),
    KEY {prefix}customer_group_members_customer_idx (customer_id, group_id)
) ENGINE=InnoDB;
