-- 360 feedback: appraisals, raters' responses and final reports. Every query is scoped by organisation.

-- name: appraisal_create
-- The new appraisal, or no row when the organisation already has one with this external_ref.
INSERT INTO appraisals (org_id, external_ref, subject_ref, cycle, rubric_id, rubric_version, rubric_hash)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (org_id, external_ref) DO NOTHING
RETURNING id, external_ref, subject_ref, cycle, rubric_id, rubric_version, rubric_hash, status, created_at,
          closed_at;

-- name: appraisal
SELECT id, external_ref, subject_ref, cycle, rubric_id, rubric_version, rubric_hash, status, created_at, closed_at
FROM appraisals WHERE org_id = $1 AND id = $2;

-- name: appraisal_for_update
-- Taken by every write to an appraisal: responses of one appraisal are written one at a time, so a
-- group's maximum holds, and none slips in after the close.
SELECT id, external_ref, subject_ref, cycle, rubric_id, rubric_version, rubric_hash, status, created_at, closed_at
FROM appraisals WHERE org_id = $1 AND id = $2
FOR UPDATE;

-- name: appraisal_by_external_ref
SELECT id, external_ref, subject_ref, cycle, rubric_id, rubric_version, rubric_hash, status, created_at, closed_at
FROM appraisals WHERE org_id = $1 AND external_ref = $2;

-- name: appraisals_page
-- Oldest first; $2/$3 the (created_at, id) of the last appraisal of the page before, both null for the
-- first; $5 an external_ref to match (null: all).
SELECT id, external_ref, subject_ref, cycle, rubric_id, rubric_version, rubric_hash, status, created_at, closed_at
FROM appraisals
WHERE org_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3::uuid))
  AND ($5::text IS NULL OR external_ref = $5)
ORDER BY created_at, id
LIMIT $4;

-- name: appraisal_close
UPDATE appraisals SET status = 'closed', closed_at = now(), report = $3
WHERE org_id = $1 AND id = $2
RETURNING id, external_ref, subject_ref, cycle, rubric_id, rubric_version, rubric_hash, status, created_at,
          closed_at;

-- name: final_report
SELECT report FROM appraisals WHERE org_id = $1 AND id = $2;

-- name: group_count
-- The raters of a group other than this one.
SELECT count(*) FROM appraisal_responses
WHERE org_id = $1 AND appraisal_id = $2 AND group_id = $3 AND rater_key <> $4;

-- name: response_rekey
-- Moves a response stored under one of a person's earlier pseudonyms ($4) to their current one ($3),
-- unless one is stored under the current one already (and the same for their participation).
WITH participation AS (
  UPDATE appraisal_participants SET rater_key = $3
  WHERE org_id = $1 AND appraisal_id = $2 AND rater_key = ANY($4::bytea[])
    AND NOT EXISTS (SELECT 1 FROM appraisal_participants WHERE org_id = $1 AND appraisal_id = $2 AND rater_key = $3))
UPDATE appraisal_responses SET rater_key = $3
WHERE org_id = $1 AND appraisal_id = $2 AND rater_key = ANY($4::bytea[])
  AND NOT EXISTS (SELECT 1 FROM appraisal_responses WHERE org_id = $1 AND appraisal_id = $2 AND rater_key = $3);

-- name: response_put
-- Stores a rater's response, replacing their earlier one; `replaced` says whether there was one. A replacement
-- takes the inserted row's time (EXCLUDED), not now(): Citus takes only immutable functions in DO UPDATE SET. That the
-- rater answered, and when, is kept apart (their participation), for once the appraisal closes.
WITH participation AS (
  INSERT INTO appraisal_participants (org_id, appraisal_id, rater_key) VALUES ($1, $2, $3)
  ON CONFLICT (org_id, appraisal_id, rater_key) DO UPDATE SET answered_at = EXCLUDED.answered_at)
INSERT INTO appraisal_responses AS r (org_id, appraisal_id, rater_key, group_id, answers, comments)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (org_id, appraisal_id, rater_key) DO UPDATE
SET group_id = EXCLUDED.group_id, answers = EXCLUDED.answers, comments = EXCLUDED.comments,
    submitted_at = EXCLUDED.submitted_at
RETURNING submitted_at, (xmax <> 0) AS replaced;

-- name: responses_unlink
-- At close: every response keeps its answers under a key that leads to no one (its key hashed with random
-- bytes $4 that are kept nowhere), and the close time instead of its own, so nothing held ties an answer to a
-- rater any more. (Random bytes from the caller, not gen_random_uuid(): Citus takes no volatile function in
-- an UPDATE of a distributed table.)
UPDATE appraisal_responses SET rater_key = sha256($4 || rater_key), submitted_at = $3
WHERE org_id = $1 AND appraisal_id = $2;

-- name: group_counts
-- Responses per group, for the progress of an open appraisal (which shows only whether each group has
-- reached its minimum).
SELECT group_id, count(*) AS responses FROM appraisal_responses
WHERE org_id = $1 AND appraisal_id = $2
GROUP BY group_id;

-- name: responses
-- Every response of the appraisal, in no meaningful order (the report never shows submission order).
SELECT rater_key, group_id, answers, comments FROM appraisal_responses
WHERE org_id = $1 AND appraisal_id = $2
ORDER BY rater_key;
