-- The webhook tables: outbound endpoints, the outbox of messages to them and their attempts, inbound
-- sources and their receipts. A transaction that queues messages also wakes the workers (wake_workers),
-- delivered at commit and only if the transaction commits (a rolled-back emit wakes nobody).


-- name: create_endpoint
INSERT INTO webhook_endpoints (org_id, url, events, description, secret) VALUES ($1, $2, $3, $4, $5)
RETURNING id, seq, url, events, description, created_at, disabled_at, disabled_reason;

-- name: get_endpoint
SELECT id, seq, url, events, description, created_at, disabled_at, disabled_reason
  FROM webhook_endpoints WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL;

-- name: endpoints_page
SELECT id, seq, url, events, description, created_at, disabled_at, disabled_reason
  FROM webhook_endpoints WHERE org_id = $1 AND deleted_at IS NULL AND seq > $2
 ORDER BY seq LIMIT $3;

-- name: delete_endpoint
UPDATE webhook_endpoints SET deleted_at = now() WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL
RETURNING id;

-- name: disable_endpoint
UPDATE webhook_endpoints SET disabled_at = now(), disabled_reason = $3
 WHERE org_id = $1 AND id = $2 AND disabled_at IS NULL RETURNING id;

-- name: cancel_pending
UPDATE webhook_messages SET status = 'cancelled', claimed_until = NULL, claim_token = NULL
 WHERE org_id = $1 AND endpoint_id = $2 AND status = 'pending';


-- name: insert_for_subscribers
-- $1 the organisation, $2/$3 its events' types and bodies (parallel arrays): one message per event and
-- enabled endpoint of the organisation subscribed to its type, in the events' order.
INSERT INTO webhook_messages (org_id, endpoint_id, event_type, body)
SELECT e.org_id, e.id, ev.event_type, ev.body
  FROM (SELECT $1::uuid AS org_id, t.event_type, t.body, t.n
          FROM unnest($2::text[], $3::bytea[]) WITH ORDINALITY AS t (event_type, body, n)) AS ev
  JOIN webhook_endpoints e ON e.org_id = ev.org_id AND ev.event_type = ANY (e.events)
   AND e.disabled_at IS NULL AND e.deleted_at IS NULL
 ORDER BY ev.n
RETURNING id;

-- name: insert_for_endpoint
INSERT INTO webhook_messages (org_id, endpoint_id, event_type, body) VALUES ($1, $2, $3, $4)
RETURNING id, seq, endpoint_id, event_type, status, total_attempts, next_attempt_at, last_attempt_at,
          last_status, delivered_at, created_at;

-- name: wake_workers
-- Wakes the delivery workers listening on 'webhook_outbox' (store.CHANNEL) at commit. A statement of its
-- own: on a distributed database it runs on the coordinator, where the workers listen.
SELECT pg_notify('webhook_outbox', '');

-- name: due_organisations
-- The organisations with messages due, the longest waiting first: the one read across organisations (no
-- row is locked); each is then claimed from on its own, so a claim touches one organisation's rows.
SELECT org_id FROM webhook_messages
 WHERE status = 'pending' AND next_attempt_at <= now() AND (claimed_until IS NULL OR claimed_until <= now())
 GROUP BY org_id ORDER BY min(next_attempt_at) LIMIT $1;

-- name: claim
-- $5: random bytes from the caller, from which each message's claim token is made (Citus takes no volatile
-- function in an UPDATE).
WITH due AS (
  SELECT id FROM webhook_messages
   WHERE org_id = $4 AND status = 'pending' AND next_attempt_at <= now()
     AND (claimed_until IS NULL OR claimed_until <= now())
   ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
UPDATE webhook_messages AS m
   SET claimed_until = now() + make_interval(secs => $2), claim_token = md5($5::text || m.id::text)::uuid,
       claimed_by = $3
  FROM due, webhook_endpoints AS e
 WHERE m.org_id = $4 AND m.id = due.id AND e.org_id = m.org_id AND e.id = m.endpoint_id
RETURNING m.id, m.org_id, m.endpoint_id, m.event_type, m.body, m.attempts, m.claim_token,
          e.url, e.secret;

-- An attempt is recorded by record_attempt's transaction: settle the message if the claim ($2) still holds,
-- else only count the attempt; then the attempt's row, numbered by the message's total. Each statement
-- touches one message's rows (one node of a distributed database).

-- settle_*: $1 the message, $2 the claim, $3 when attempted, $4 the status code, $5 the error, $6 the
-- organisation; one statement per outcome, since Citus takes no now() inside a CASE.

-- name: settle_retry
-- Still pending: tried again $7 seconds from now.
UPDATE webhook_messages SET attempts = attempts + 1, total_attempts = total_attempts + 1,
  next_attempt_at = now() + make_interval(secs => $7),
  last_attempt_at = $3, last_status = $4, last_error = $5, claimed_until = NULL, claim_token = NULL
WHERE org_id = $6 AND id = $1 AND claim_token = $2 AND status = 'pending' RETURNING total_attempts;

-- name: settle_delivered
UPDATE webhook_messages SET status = 'delivered', total_attempts = total_attempts + 1, delivered_at = now(),
  last_attempt_at = $3, last_status = $4, last_error = $5, claimed_until = NULL, claim_token = NULL
WHERE org_id = $6 AND id = $1 AND claim_token = $2 AND status = 'pending' RETURNING total_attempts;

-- name: settle_final
-- Given up: $7 the final status (dead, or cancelled with its endpoint).
UPDATE webhook_messages SET status = $7, total_attempts = total_attempts + 1,
  last_attempt_at = $3, last_status = $4, last_error = $5, claimed_until = NULL, claim_token = NULL
WHERE org_id = $6 AND id = $1 AND claim_token = $2 AND status = 'pending' RETURNING total_attempts;

-- name: count_attempt
UPDATE webhook_messages SET total_attempts = total_attempts + 1 WHERE org_id = $1 AND id = $2
RETURNING total_attempts;

-- name: insert_attempt
INSERT INTO webhook_attempts (org_id, message_id, attempt_no, worker, outcome, status_code, latency_ms,
  error, response_excerpt, attempted_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10);

-- name: release
UPDATE webhook_messages AS m SET claimed_until = NULL, claim_token = NULL, claimed_by = NULL
  FROM unnest($2::uuid[], $3::uuid[]) AS c(id, token)
 WHERE m.org_id = $1 AND m.id = c.id AND m.claim_token = c.token;

-- name: stats
SELECT count(*) AS pending, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float AS oldest_age
  FROM webhook_messages WHERE status = 'pending';

-- name: deliveries_page
SELECT id, seq, endpoint_id, event_type, status, total_attempts, next_attempt_at, last_attempt_at,
       last_status, delivered_at, created_at
  FROM webhook_messages WHERE org_id = $1 AND endpoint_id = $2
   AND ($3::bigint IS NULL OR seq < $3) AND ($4::text IS NULL OR status = $4)
 ORDER BY seq DESC LIMIT $5;

-- name: attempts_of
SELECT message_id, attempt_no, attempted_at, outcome, status_code, latency_ms, error, response_excerpt
  FROM webhook_attempts WHERE org_id = $1 AND message_id = ANY ($2::uuid[])
 ORDER BY message_id, attempt_no;

-- name: lock_delivery
SELECT m.id, m.status, e.disabled_at IS NOT NULL AS endpoint_disabled,
       e.deleted_at IS NOT NULL AS endpoint_deleted
  FROM webhook_messages m JOIN webhook_endpoints e ON e.org_id = m.org_id AND e.id = m.endpoint_id
 WHERE m.org_id = $1 AND m.id = $2 FOR UPDATE OF m;

-- name: redeliver
UPDATE webhook_messages SET status = 'pending', attempts = 0, next_attempt_at = now(),
       claimed_until = NULL, claim_token = NULL, delivered_at = NULL
 WHERE org_id = $1 AND id = $2
RETURNING id, seq, endpoint_id, event_type, status, total_attempts, next_attempt_at, last_attempt_at,
          last_status, delivered_at, created_at;


-- name: create_source
INSERT INTO webhook_sources (org_id, name, description, secret) VALUES ($1, $2, $3, $4)
RETURNING id, seq, name, description, created_at;

-- name: get_source
SELECT id, seq, name, description, created_at
  FROM webhook_sources WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL;

-- name: sources_page
SELECT id, seq, name, description, created_at
  FROM webhook_sources WHERE org_id = $1 AND deleted_at IS NULL AND seq > $2
 ORDER BY seq LIMIT $3;

-- name: delete_source
UPDATE webhook_sources SET deleted_at = now() WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL
RETURNING id;

-- name: source_for_hook
SELECT s.id, s.org_id, o.code AS org_code, s.secret FROM webhook_sources s
  JOIN organisations o ON o.id = s.org_id WHERE s.id = $1 AND s.deleted_at IS NULL;

-- name: claim_receipt
INSERT INTO webhook_receipts (org_id, source_id, webhook_id, body_sha256) VALUES ($1, $2, $3, $4)
ON CONFLICT (org_id, source_id, webhook_id) DO NOTHING RETURNING id;

-- name: stored_answer
SELECT status_code, response_type, response_body, body_sha256 FROM webhook_receipts
 WHERE org_id = $1 AND source_id = $2 AND webhook_id = $3;

-- name: finish_receipt
UPDATE webhook_receipts SET event_type = $3, outcome = $4, status_code = $5, reason = $6,
       response_type = $7, response_body = $8
 WHERE org_id = $1 AND id = $2;

-- name: receipts_page
SELECT id, seq, webhook_id, event_type, outcome, status_code, reason, received_at FROM webhook_receipts
 WHERE org_id = $1 AND source_id = $2
   AND ($3::bigint IS NULL OR seq < $3) AND ($4::text IS NULL OR outcome = $4)
 ORDER BY seq DESC LIMIT $5;

-- Signing secrets not sealed under the current key ($1 is its prefix), and sealing one again if it
-- still holds what was read.

-- name: webhook_endpoints_to_reseal
SELECT id, org_id, secret FROM webhook_endpoints WHERE left(secret, length($1)) <> $1;

-- name: webhook_endpoints_reseal
UPDATE webhook_endpoints SET secret = $4 WHERE org_id = $1 AND id = $2 AND secret = $3;

-- name: webhook_sources_to_reseal
SELECT id, org_id, secret FROM webhook_sources WHERE left(secret, length($1)) <> $1;

-- name: webhook_sources_reseal
UPDATE webhook_sources SET secret = $4 WHERE org_id = $1 AND id = $2 AND secret = $3;
