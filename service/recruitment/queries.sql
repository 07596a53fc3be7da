-- Recruitment: campaigns, candidates, their scorecards, moderations and computed results.
-- Every query is scoped by organisation.

-- name: campaign_create
-- The new campaign, or no row when the organisation already has one with this reference.
INSERT INTO campaigns (org_id, reference, title, rubric_id, rubric_version, rubric_hash)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (org_id, reference) DO NOTHING
RETURNING id, reference, title, rubric_id, rubric_version, rubric_hash, status, created_at, finalised_at;

-- name: campaign_by_reference
SELECT id, reference, title, rubric_id, rubric_version, rubric_hash, status, created_at, finalised_at
FROM campaigns WHERE org_id = $1 AND reference = $2;

-- name: campaign
SELECT id, reference, title, rubric_id, rubric_version, rubric_hash, status, created_at, finalised_at
FROM campaigns WHERE org_id = $1 AND id = $2;

-- name: campaign_for_share
-- FOR SHARE (not KEY SHARE): it conflicts with any update, so no change of status can slip under it.
SELECT id, reference, title, rubric_id, rubric_version, rubric_hash, status, created_at, finalised_at
FROM campaigns WHERE org_id = $1 AND id = $2
FOR SHARE;

-- name: campaign_for_update
SELECT id, reference, title, rubric_id, rubric_version, rubric_hash, status, created_at, finalised_at
FROM campaigns WHERE org_id = $1 AND id = $2
FOR UPDATE;

-- name: campaigns_page
-- Oldest first; $2/$3 the (created_at, id) of the last campaign of the page before, both null for the first.
SELECT id, reference, title, rubric_id, rubric_version, rubric_hash, status, created_at, finalised_at
FROM campaigns
WHERE org_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3::uuid))
ORDER BY created_at, id
LIMIT $4;

-- name: campaign_finalise
UPDATE campaigns SET status = 'finalised', finalised_at = now()
WHERE org_id = $1 AND id = $2
RETURNING id, reference, title, rubric_id, rubric_version, rubric_hash, status, created_at, finalised_at;

-- name: campaign_marks
SELECT c.candidate_ref, s.station_id, s.panellist_ref, s.marks
FROM scorecards s JOIN candidates c ON c.org_id = s.org_id AND c.id = s.candidate_id
WHERE s.org_id = $1 AND s.campaign_id = $2;

-- name: campaign_standings
SELECT status, appointable, standing FROM candidate_results WHERE org_id = $1 AND campaign_id = $2;

-- name: candidate_state
-- Everything a recomputation reads about one candidate, in one statement (so one snapshot): the campaign
-- it pins, its own row with the revision, every scorecard and moderation, the stored result's status and
-- digest.
SELECT k.id AS campaign_id, k.reference, k.rubric_id, k.rubric_version, k.rubric_hash, k.status,
       c.id, c.candidate_ref, c.components, c.revision,
       (SELECT coalesce(json_agg(json_build_array(s.station_id, s.panellist_ref, s.marks)), '[]')
          FROM scorecards s WHERE s.org_id = $1 AND s.candidate_id = c.id) AS scorecards,
       (SELECT coalesce(json_agg(json_build_array(m.station_id, m.criterion_id, m.mark, m.reason, m.moderator_ref,
                                                  m.created_at)), '[]')
          FROM moderations m WHERE m.org_id = $1 AND m.candidate_id = c.id) AS moderations,
       r.status AS result_status, r.digest
FROM campaigns k
JOIN candidates c ON c.org_id = k.org_id AND c.campaign_id = k.id
LEFT JOIN candidate_results r ON r.org_id = c.org_id AND r.candidate_id = c.id
WHERE k.org_id = $1 AND k.id = $2 AND c.candidate_ref = $3;

-- name: candidate_lock
-- Lock the candidate for the caller's transaction (and share-lock its campaign); its revision.
SELECT c.revision
FROM campaigns k JOIN candidates c ON c.org_id = k.org_id AND c.campaign_id = k.id
WHERE k.org_id = $1 AND k.id = $2 AND c.candidate_ref = $3
FOR SHARE OF k FOR UPDATE OF c;

-- name: candidate_upsert
-- Create or update (locking the row and bumping its revision); fields not sent keep their value.
INSERT INTO candidates (org_id, campaign_id, candidate_ref, display_name, components)
VALUES ($1, $2, $3, $4, coalesce($5::jsonb, '{}'::jsonb))
ON CONFLICT (org_id, campaign_id, candidate_ref) DO UPDATE SET
  display_name = coalesce(EXCLUDED.display_name, candidates.display_name),
  components = CASE WHEN $5::jsonb IS NULL THEN candidates.components ELSE EXCLUDED.components END,
  updated_at = EXCLUDED.updated_at, revision = candidates.revision + 1
RETURNING id, candidate_ref, display_name, components, created_at, updated_at, (xmax = 0) AS created;

-- name: candidate_guard
-- A batch of guarded writes to candidates, the first statement of their transaction. $1: the writes as a
-- JSON array of objects with `i` (numbering them), kind, campaign_id, candidate_id, revision, station_id and
-- panellist_ref. $2: the organisation, every write's (so that the statement touches one organisation's
-- rows, and runs on one node of a distributed database). A write is done only where the candidate's
-- revision is still the one it was scored at, its campaign still open, and neither held by another
-- transaction: those candidates' revisions are bumped (`written`); the others write nothing. Each write in
-- a batch must be to a different candidate. For a scorecard, the one it replaces (`before`, the audit row's).
--
-- Nothing here waits for a row lock, since one write's wait would hold up the whole batch (and two
-- processes' batches could wait on each other): a campaign or candidate another transaction holds (a
-- finalisation, a locked write, another process's batch) is skipped, and its writes come back `busy`,
-- for their writers to do alone. The campaign's share lock keeps a finalisation from committing between
-- this check of `status` and the transaction's commit.
WITH w AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS w (
    i integer, kind text, campaign_id uuid, candidate_id uuid, revision bigint, station_id text, panellist_ref text)),
open AS MATERIALIZED (
  SELECT id FROM campaigns
  WHERE org_id = $2 AND id IN (SELECT campaign_id FROM w) AND status = 'open'
  FOR SHARE SKIP LOCKED),
seen AS (
  SELECT id FROM campaigns WHERE org_id = $2 AND id IN (SELECT campaign_id FROM w) AND status = 'open'),
locked AS MATERIALIZED (
  SELECT id FROM candidates WHERE org_id = $2 AND id IN (SELECT candidate_id FROM w)
  FOR NO KEY UPDATE SKIP LOCKED),
guard AS (
  UPDATE candidates c SET revision = c.revision + 1 FROM w
  WHERE c.org_id = $2 AND c.id = w.candidate_id AND c.revision = w.revision AND c.campaign_id = w.campaign_id
    AND c.id IN (SELECT id FROM locked) AND w.campaign_id IN (SELECT id FROM open)
  RETURNING w.i)
SELECT w.i, o.id IS NOT NULL AS open, EXISTS (SELECT FROM guard WHERE guard.i = w.i) AS written,
       CASE WHEN o.id IS NULL THEN w.campaign_id IN (SELECT id FROM seen)
            ELSE w.candidate_id NOT IN (SELECT id FROM locked) END AS busy,
       CASE WHEN s.org_id IS NOT NULL THEN jsonb_build_object('marks', s.marks, 'evidence', s.evidence,
            'comment', s.comment, 'submitted_at', s.submitted_at) END AS replaced
FROM w LEFT JOIN open o ON o.id = w.campaign_id
LEFT JOIN scorecards s ON w.kind = 'scorecard' AND s.org_id = $2 AND s.candidate_id = w.candidate_id
  AND s.station_id = w.station_id AND s.panellist_ref = w.panellist_ref
ORDER BY w.i;

-- The writes candidate_guard let through, each a statement of one row (sent together, in one round trip):
-- on a distributed database each runs on the node holding the organisation, and the transaction commits
-- there alone. DO UPDATE SET takes the new row's time (EXCLUDED), not now(): Citus takes only immutable
-- functions there.

-- name: scorecard_upsert
INSERT INTO scorecards (org_id, campaign_id, candidate_id, station_id, panellist_ref, marks, evidence, comment)
VALUES ($1, $2, $3, $4, $5, $6, coalesce($7::jsonb, '{}'), $8)
ON CONFLICT (org_id, candidate_id, station_id, panellist_ref) DO UPDATE SET marks = EXCLUDED.marks,
  evidence = EXCLUDED.evidence, comment = EXCLUDED.comment, submitted_at = EXCLUDED.submitted_at;

-- name: moderation_upsert
INSERT INTO moderations (org_id, campaign_id, candidate_id, station_id, criterion_id, mark, reason, moderator_ref)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (org_id, candidate_id, station_id, criterion_id) DO UPDATE SET mark = EXCLUDED.mark,
  reason = EXCLUDED.reason, moderator_ref = EXCLUDED.moderator_ref, created_at = EXCLUDED.created_at;

-- name: result_upsert
INSERT INTO candidate_results (org_id, candidate_id, campaign_id, status, appointable, digest, standing)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (org_id, candidate_id) DO UPDATE SET status = EXCLUDED.status, appointable = EXCLUDED.appointable,
  digest = EXCLUDED.digest, standing = EXCLUDED.standing, updated_at = EXCLUDED.updated_at;

-- name: candidate_erase
-- Deletes a candidate of an open campaign (locked by the caller: candidate_lock) with their scorecards,
-- moderations and result; how many scorecards and moderations went (r and d run though unread, as every
-- data-modifying WITH does). The ranking, read from the results, no longer has them.
WITH c AS (SELECT id FROM candidates WHERE org_id = $1 AND campaign_id = $2 AND candidate_ref = $3),
s AS (DELETE FROM scorecards WHERE org_id = $1 AND candidate_id IN (SELECT id FROM c) RETURNING 1),
m AS (DELETE FROM moderations WHERE org_id = $1 AND candidate_id IN (SELECT id FROM c) RETURNING 1),
r AS (DELETE FROM candidate_results WHERE org_id = $1 AND candidate_id IN (SELECT id FROM c) RETURNING 1),
d AS (DELETE FROM candidates WHERE org_id = $1 AND id IN (SELECT id FROM c) RETURNING 1)
SELECT (SELECT count(*) FROM s) AS scorecards, (SELECT count(*) FROM m) AS moderations;

-- name: candidate_audit_redact
-- The audit events about an erased candidate ($2, `{campaign_id}/{ref}`) and their scorecards and
-- moderations keep what was done, when and by which key; their content goes, and the reference in their
-- object id is replaced by $3 (`{campaign_id}/erased-{uuid}`), the same for all of them.
UPDATE audit_events SET object_id = $3 || substr(object_id, length($2) + 1), before = NULL, after = NULL
WHERE org_id = $1 AND ((object_type = 'candidate' AND object_id = $2)
   OR (object_type IN ('scorecard', 'moderation') AND starts_with(object_id, $2 || '/')));
