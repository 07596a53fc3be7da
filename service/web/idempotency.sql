-- The stored responses of `Idempotency-Key` requests, by organisation and key. A row whose status is null
-- is a claim: its request is still being handled.

-- name: expire
-- $3 how long a key is kept, $4 how long a claim never completed (its process died) blocks its key.
DELETE FROM idempotency_keys WHERE org_id = $1 AND key = $2 AND (created_at < now() - $3::text::interval
   OR (status IS NULL AND created_at < now() - $4::text::interval));

-- name: claim
INSERT INTO idempotency_keys (org_id, key, method, path, request_hash) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (org_id, key) DO NOTHING RETURNING true;

-- name: stored
SELECT request_hash, status, headers, body FROM idempotency_keys WHERE org_id = $1 AND key = $2;

-- name: release
DELETE FROM idempotency_keys WHERE org_id = $1 AND key = $2;

-- name: store
UPDATE idempotency_keys SET status = $3, headers = $4, body = $5 WHERE org_id = $1 AND key = $2;
