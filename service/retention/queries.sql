-- Retention: each organisation's policy, and what its periods remove. Every query is one organisation's
-- ($1). `count_*` says what `remove_*` would take; `remove_*` takes one batch of at most $3 objects whose
-- period ran out before $2, with the rows that belong to them, and says how many of each it took.

-- name: policy
SELECT closed_appraisals_days, closed_surveys_days, finalised_campaigns_days, webhook_records_days,
       audit_events_days
  FROM retention_policies WHERE org_id = $1;

-- name: set_policy
INSERT INTO retention_policies (org_id, closed_appraisals_days, closed_surveys_days, finalised_campaigns_days,
                                webhook_records_days, audit_events_days)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (org_id) DO UPDATE SET closed_appraisals_days = EXCLUDED.closed_appraisals_days,
  closed_surveys_days = EXCLUDED.closed_surveys_days, finalised_campaigns_days = EXCLUDED.finalised_campaigns_days,
  webhook_records_days = EXCLUDED.webhook_records_days, audit_events_days = EXCLUDED.audit_events_days,
  updated_at = EXCLUDED.updated_at;

-- name: count_closed_appraisals
SELECT count(*) AS objects,
       (SELECT count(*) FROM appraisal_responses r WHERE r.org_id = $1 AND r.appraisal_id IN (
          SELECT id FROM appraisals WHERE org_id = $1 AND status = 'closed' AND closed_at < $2))
     + (SELECT count(*) FROM appraisal_participants r WHERE r.org_id = $1 AND r.appraisal_id IN (
          SELECT id FROM appraisals WHERE org_id = $1 AND status = 'closed' AND closed_at < $2)) AS rows
  FROM appraisals WHERE org_id = $1 AND status = 'closed' AND closed_at < $2;

-- name: remove_closed_appraisals
WITH due AS (
  SELECT id FROM appraisals WHERE org_id = $1 AND status = 'closed' AND closed_at < $2
   ORDER BY closed_at LIMIT $3 FOR UPDATE),
responses AS (
  DELETE FROM appraisal_responses WHERE org_id = $1 AND appraisal_id IN (SELECT id FROM due) RETURNING 1),
participants AS (
  DELETE FROM appraisal_participants WHERE org_id = $1 AND appraisal_id IN (SELECT id FROM due) RETURNING 1),
removed AS (
  DELETE FROM appraisals WHERE org_id = $1 AND id IN (SELECT id FROM due) RETURNING 1)
SELECT (SELECT count(*) FROM removed) AS objects,
       (SELECT count(*) FROM responses) + (SELECT count(*) FROM participants) AS rows;

-- name: count_closed_surveys
SELECT count(*) AS objects,
       (SELECT count(*) FROM survey_responses r WHERE r.org_id = $1 AND r.survey_id IN (
          SELECT id FROM surveys WHERE org_id = $1 AND status = 'closed' AND closed_at < $2))
     + (SELECT count(*) FROM survey_participants r WHERE r.org_id = $1 AND r.survey_id IN (
          SELECT id FROM surveys WHERE org_id = $1 AND status = 'closed' AND closed_at < $2)) AS rows
  FROM surveys WHERE org_id = $1 AND status = 'closed' AND closed_at < $2;

-- name: remove_closed_surveys
WITH due AS (
  SELECT id FROM surveys WHERE org_id = $1 AND status = 'closed' AND closed_at < $2
   ORDER BY closed_at LIMIT $3 FOR UPDATE),
responses AS (
  DELETE FROM survey_responses WHERE org_id = $1 AND survey_id IN (SELECT id FROM due) RETURNING 1),
participants AS (
  DELETE FROM survey_participants WHERE org_id = $1 AND survey_id IN (SELECT id FROM due) RETURNING 1),
removed AS (
  DELETE FROM surveys WHERE org_id = $1 AND id IN (SELECT id FROM due) RETURNING 1)
SELECT (SELECT count(*) FROM removed) AS objects,
       (SELECT count(*) FROM responses) + (SELECT count(*) FROM participants) AS rows;

-- name: count_finalised_campaigns
WITH due AS (SELECT id FROM campaigns WHERE org_id = $1 AND status = 'finalised' AND finalised_at < $2)
SELECT (SELECT count(*) FROM due) AS objects,
       (SELECT count(*) FROM candidates WHERE org_id = $1 AND campaign_id IN (SELECT id FROM due))
     + (SELECT count(*) FROM scorecards WHERE org_id = $1 AND campaign_id IN (SELECT id FROM due))
     + (SELECT count(*) FROM moderations WHERE org_id = $1 AND campaign_id IN (SELECT id FROM due))
     + (SELECT count(*) FROM candidate_results WHERE org_id = $1 AND campaign_id IN (SELECT id FROM due)) AS rows;

-- name: remove_finalised_campaigns
WITH due AS (
  SELECT id FROM campaigns WHERE org_id = $1 AND status = 'finalised' AND finalised_at < $2
   ORDER BY finalised_at LIMIT $3 FOR UPDATE),
cards AS (DELETE FROM scorecards WHERE org_id = $1 AND campaign_id IN (SELECT id FROM due) RETURNING 1),
moderated AS (DELETE FROM moderations WHERE org_id = $1 AND campaign_id IN (SELECT id FROM due) RETURNING 1),
results AS (DELETE FROM candidate_results WHERE org_id = $1 AND campaign_id IN (SELECT id FROM due) RETURNING 1),
-- (foreign keys are checked at the end of the statement, when the rows referring to a candidate are gone)
people AS (DELETE FROM candidates WHERE org_id = $1 AND campaign_id IN (SELECT id FROM due) RETURNING 1),
removed AS (DELETE FROM campaigns WHERE org_id = $1 AND id IN (SELECT id FROM due) RETURNING 1)
SELECT (SELECT count(*) FROM removed) AS objects,
       (SELECT count(*) FROM cards) + (SELECT count(*) FROM moderated) + (SELECT count(*) FROM results)
     + (SELECT count(*) FROM people) AS rows;

-- name: count_webhook_records
SELECT (SELECT count(*) FROM webhook_receipts WHERE org_id = $1 AND received_at < $2)
     + (SELECT count(*) FROM webhook_messages WHERE org_id = $1 AND status <> 'pending' AND created_at < $2)
       AS objects,
       (SELECT count(*) FROM webhook_attempts WHERE org_id = $1 AND message_id IN (
          SELECT id FROM webhook_messages WHERE org_id = $1 AND status <> 'pending' AND created_at < $2)) AS rows;

-- name: remove_webhook_records
WITH receipts AS (
  SELECT id FROM webhook_receipts WHERE org_id = $1 AND received_at < $2 ORDER BY received_at LIMIT $3),
messages AS (
  SELECT id FROM webhook_messages WHERE org_id = $1 AND status <> 'pending' AND created_at < $2
   ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED),
attempts AS (DELETE FROM webhook_attempts WHERE org_id = $1 AND message_id IN (SELECT id FROM messages) RETURNING 1),
gone_messages AS (DELETE FROM webhook_messages WHERE org_id = $1 AND id IN (SELECT id FROM messages) RETURNING 1),
gone_receipts AS (DELETE FROM webhook_receipts WHERE org_id = $1 AND id IN (SELECT id FROM receipts) RETURNING 1)
SELECT (SELECT count(*) FROM gone_messages) + (SELECT count(*) FROM gone_receipts) AS objects,
       (SELECT count(*) FROM attempts) AS rows;

-- name: count_audit_events
SELECT count(*) AS objects, 0::bigint AS rows FROM audit_events WHERE org_id = $1 AND created_at < $2;

-- name: remove_audit_events
WITH removed AS (
  DELETE FROM audit_events WHERE org_id = $1 AND seq IN (
    SELECT seq FROM audit_events WHERE org_id = $1 AND created_at < $2 ORDER BY seq LIMIT $3)
  RETURNING 1)
SELECT count(*) AS objects, 0::bigint AS rows FROM removed;

-- name: count_idempotency_records
SELECT count(*) AS objects, 0::bigint AS rows FROM idempotency_keys WHERE org_id = $1 AND created_at < $2;

-- name: remove_idempotency_records
WITH removed AS (
  DELETE FROM idempotency_keys WHERE org_id = $1 AND key IN (
    SELECT key FROM idempotency_keys WHERE org_id = $1 AND created_at < $2 ORDER BY created_at LIMIT $3)
  RETURNING 1)
SELECT count(*) AS objects, 0::bigint AS rows FROM removed;
