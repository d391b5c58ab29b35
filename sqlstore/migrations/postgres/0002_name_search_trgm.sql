-- optional: a trigram index for name search (name_key LIKE '%…%'). Migrate skips this file,
-- and tries it again next time, when the role may not create the pg_trgm extension.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX IF NOT EXISTS {prefix}customer_groups_name_trgm_idx ON {prefix}customer_groups USING gin (name_key gin_trgm_ops);
