-- Organisations and their API keys.

-- name: create_org
INSERT INTO organisations (code, name) VALUES ($1, $2) RETURNING id, code, name, created_at;

-- name: list_orgs
SELECT id, code, name FROM organisations ORDER BY code;

-- name: org_by_code
SELECT id, code, name, created_at FROM organisations WHERE code = $1;

-- name: create_key
INSERT INTO api_keys (org_id, name, token_prefix, token_hash, scopes)
VALUES ($1, $2, $3, $4, $5) RETURNING id, name, token_prefix, scopes, created_at;

-- name: key_by_hash
SELECT k.id, k.org_id, o.code AS org_code, k.scopes FROM api_keys k
  JOIN organisations o ON o.id = k.org_id
 WHERE k.token_hash = $1 AND k.revoked_at IS NULL;

-- name: revoke_key
UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL
RETURNING id, org_id, (SELECT code FROM organisations WHERE id = org_id) AS org_code;

-- name: announce_key_change
-- The channel key_cache.CHANNEL. A statement of its own: on a distributed database it runs on the
-- coordinator, where the web processes listen.
SELECT pg_notify('api_keys_changed', '');

-- name: list_keys
SELECT id, name, token_prefix, scopes, created_at, revoked_at FROM api_keys
 WHERE org_id = $1 ORDER BY created_at;
