-- The catalogue as the distribution plan reads it, and the calls a Citus coordinator takes.

-- name: organisation_tables
-- Tables of the public schema with the distribution column ($1).
SELECT c.relname AS name FROM pg_class c
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
   AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = $1 AND NOT a.attisdropped)
 ORDER BY 1;

-- name: foreign_keys
SELECT DISTINCT t.relname AS referencing, r.relname AS referenced
  FROM pg_constraint f JOIN pg_class t ON t.oid = f.conrelid JOIN pg_class r ON r.oid = f.confrelid
 WHERE f.contype = 'f' AND f.connamespace = 'public'::regnamespace AND f.conrelid <> f.confrelid;

-- name: foreign_keys_of
-- The foreign keys from or to any of the tables named in $1, to be made again as they were.
SELECT t.relname AS table, f.conname AS name, pg_get_constraintdef(f.oid) AS definition
  FROM pg_constraint f JOIN pg_class t ON t.oid = f.conrelid JOIN pg_class r ON r.oid = f.confrelid
 WHERE f.contype = 'f' AND f.connamespace = 'public'::regnamespace
   AND (t.relname = ANY ($1::text[]) OR r.relname = ANY ($1::text[]))
 ORDER BY t.relname, f.conname;

-- name: triggers
-- The triggers (not those that enforce constraints) on the tables named in $1, to be made again as they were.
SELECT c.relname AS table, g.tgname AS name, pg_get_triggerdef(g.oid) AS definition
  FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
 WHERE NOT g.tgisinternal AND c.relnamespace = 'public'::regnamespace AND c.relname = ANY ($1::text[])
 ORDER BY c.relname, g.tgname;

-- name: citus_version
SELECT extversion FROM pg_extension WHERE extname = 'citus';

-- name: laid_out
SELECT EXISTS (SELECT FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid
                WHERE c.relnamespace = 'public'::regnamespace AND p.partmethod = 'h');

-- name: layout
-- Every table of the public schema and what Citus holds it as ("plain" when not in its metadata).
SELECT c.relname AS name, coalesce(t.citus_table_type, 'plain') AS kind,
       CASE WHEN t.distribution_column <> '<none>' THEN t.distribution_column END AS column,
       CASE WHEN t.citus_table_type = 'distributed' THEN t.colocation_id END AS colocation
  FROM pg_class c LEFT JOIN citus_tables t ON t.table_name = c.oid
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
 ORDER BY 1;

-- name: sequential
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';

-- name: allow_triggers
SET LOCAL citus.enable_unsafe_triggers TO on;

-- name: create_reference_table
SELECT create_reference_table($1::regclass);

-- name: create_distributed_table
SELECT create_distributed_table($1::regclass, $2, colocate_with => $3);
