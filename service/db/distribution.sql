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

-- name: citus_version
SELECT extversion FROM pg_extension WHERE extname = 'citus';

-- name: is_distributed
SELECT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = $1::regclass);

-- name: create_reference_table
SELECT create_reference_table($1::regclass);

-- name: create_distributed_table
SELECT create_distributed_table($1::regclass, $2, colocate_with => $3);
