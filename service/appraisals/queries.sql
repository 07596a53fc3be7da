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
-- group's maximum holds, and none slips in after the close. The row is locked by an update that changes
-- nothing, not SELECT … FOR UPDATE: on a distributed database only a write holds the organisation's shards
-- in place until the transaction ends (Citus can move them to another node under a transaction that began
-- with a locking read, and its later writes would be lost with the old copy).
UPDATE appraisals SET status = status WHERE org_id = $1 AND id = $2
RETURNING id, external_ref, subject_ref, cycle, rubric_id, rubric_version, rubric_hash, status, created_at,
          closed_at;

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

-- name: participation_put
-- That the rater answered, and when, kept apart from what they answered (their participation), for once the
-- appraisal closes; written in the transaction of response_put. ON CONFLICT … DO UPDATE SET takes the new row's
-- time (EXCLUDED), not now(): Citus takes only immutable functions there.
INSERT INTO appraisal_participants (org_id, appraisal_id, rater_key) VALUES ($1, $2, $3)
ON CONFLICT (org_id, appraisal_id, rater_key) DO UPDATE SET answered_at = EXCLUDED.answered_at;

-- name: response_put
-- Stores a rater's response, replacing their earlier one; `replaced` says whether there was one.
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
