-- The audit log: one row per write, in the writer's transaction.

-- name: record
-- The parameters are the values of store.entry(), in its order.
INSERT INTO audit_events (org_id, actor, key_id, action, object_type, object_id, rubric, before, after,
                          request_id)
VALUES ($1::uuid, $2::text, $3::uuid, $4::text, $5::text, $6::text, $7::jsonb, $8::jsonb, $9::jsonb, $10::text);

-- name: page
-- Oldest first, after the row numbered $2 (0: from the start).
SELECT seq, id, actor, key_id, action, object_type, object_id, rubric, before, after,
       request_id, created_at FROM audit_events
 WHERE org_id = $1 AND seq > $2 AND ($3::text IS NULL OR action = $3) AND object_type = ANY ($5)
   AND ($6::timestamptz IS NULL OR created_at >= $6)
 ORDER BY seq LIMIT $4;

-- name: page_newest_first
-- Newest first, before the row numbered $2 (NULL: from the newest).
SELECT seq, id, actor, key_id, action, object_type, object_id, rubric, before, after,
       request_id, created_at FROM audit_events
 WHERE org_id = $1 AND ($2::bigint IS NULL OR seq < $2) AND ($3::text IS NULL OR action = $3)
   AND object_type = ANY ($5) AND ($6::timestamptz IS NULL OR created_at >= $6)
 ORDER BY seq DESC LIMIT $4;
