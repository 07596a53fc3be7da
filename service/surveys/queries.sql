-- Engagement surveys and their respondents' responses. Every query is scoped by organisation.

-- name: survey_create
-- The new survey, or no row when the organisation already has one with this reference.
INSERT INTO surveys (org_id, reference, title, rubric_id, rubric_version, rubric_hash)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (org_id, reference) DO NOTHING
RETURNING id, reference, title, rubric_id, rubric_version, rubric_hash, status, created_at, closed_at;

-- name: survey
SELECT id, reference, title, rubric_id, rubric_version, rubric_hash, status, created_at, closed_at
FROM surveys WHERE org_id = $1 AND id = $2;

-- name: survey_for_update
-- Taken by every write to a survey, so that no response slips in after the close: the survey's row locked
-- by an update that changes nothing. An update, not SELECT … FOR UPDATE: on a distributed database only a
-- write holds the organisation's shards in place until the transaction ends (Citus can move them to another
-- node under a transaction that began with a locking read, and its later writes would be lost with the old
-- copy).
UPDATE surveys SET status = status WHERE org_id = $1 AND id = $2
RETURNING id, reference, title, rubric_id, rubric_version, rubric_hash, status, created_at, closed_at;

-- name: survey_by_reference
SELECT id, reference, title, rubric_id, rubric_version, rubric_hash, status, created_at, closed_at
FROM surveys WHERE org_id = $1 AND reference = $2;

-- name: surveys_page
-- Oldest first; $2/$3 the (created_at, id) of the last survey of the page before, both null for the
-- first; $5 a reference to match (null: all).
SELECT id, reference, title, rubric_id, rubric_version, rubric_hash, status, created_at, closed_at
FROM surveys
WHERE org_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) > ($2, $3::uuid))
  AND ($5::text IS NULL OR reference = $5)
ORDER BY created_at, id
LIMIT $4;

-- name: survey_close
UPDATE surveys SET status = 'closed', closed_at = now()
WHERE org_id = $1 AND id = $2
RETURNING id, reference, title, rubric_id, rubric_version, rubric_hash, status, created_at, closed_at;

-- name: release
-- What a closed survey releases, made once (null for a survey closed before releases were stored).
SELECT release FROM surveys WHERE org_id = $1 AND id = $2;

-- name: release_store
UPDATE surveys SET release = $3 WHERE org_id = $1 AND id = $2 AND status = 'closed' AND release IS NULL;

-- name: response_rekey
-- Moves a response stored under one of a person's earlier pseudonyms ($4) to their current one ($3),
-- unless one is stored under the current one already (and the same for their participation).
WITH participation AS (
  UPDATE survey_participants SET respondent_key = $3
  WHERE org_id = $1 AND survey_id = $2 AND respondent_key = ANY($4::bytea[])
    AND NOT EXISTS (SELECT 1 FROM survey_participants WHERE org_id = $1 AND survey_id = $2 AND respondent_key = $3))
UPDATE survey_responses SET respondent_key = $3
WHERE org_id = $1 AND survey_id = $2 AND respondent_key = ANY($4::bytea[])
  AND NOT EXISTS (SELECT 1 FROM survey_responses WHERE org_id = $1 AND survey_id = $2 AND respondent_key = $3);

-- name: participation_put
-- That the respondent answered, and when, kept apart from what they answered (their participation), for once the
-- survey closes; written in the transaction of response_put. ON CONFLICT … DO UPDATE SET takes the new row's
-- time (EXCLUDED), not now(): Citus takes only immutable functions there.
INSERT INTO survey_participants (org_id, survey_id, respondent_key) VALUES ($1, $2, $3)
ON CONFLICT (org_id, survey_id, respondent_key) DO UPDATE SET answered_at = EXCLUDED.answered_at;

-- name: response_put
-- Stores a respondent's response, replacing their earlier one; `replaced` says whether there was one.
INSERT INTO survey_responses AS r (org_id, survey_id, respondent_key, unit, staff_group, answers)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (org_id, survey_id, respondent_key) DO UPDATE
SET unit = EXCLUDED.unit, staff_group = EXCLUDED.staff_group, answers = EXCLUDED.answers,
    submitted_at = EXCLUDED.submitted_at
RETURNING submitted_at, (xmax <> 0) AS replaced;

-- name: responses
-- Every response of the survey (without the respondents' keys: the report needs none of them).
SELECT unit, staff_group, answers FROM survey_responses
WHERE org_id = $1 AND survey_id = $2;

-- name: responses_unlink
-- At close: every response keeps its answers under a key that leads to no one (its key hashed with random
-- bytes $4 that are kept nowhere), and the close time instead of its own, so nothing held ties an answer to a
-- respondent any more. (Random bytes from the caller: Citus takes no volatile function in such an UPDATE.)
UPDATE survey_responses SET respondent_key = sha256($4 || respondent_key), submitted_at = $3
WHERE org_id = $1 AND survey_id = $2;

-- name: unit_counts
-- Responses per unit, for the progress of an open survey (which shows only whether each has reached the
-- smallest group reported).
SELECT unit AS key, count(*) AS responses FROM survey_responses
WHERE org_id = $1 AND survey_id = $2
GROUP BY unit;

-- name: staff_group_counts
SELECT staff_group AS key, count(*) AS responses FROM survey_responses
WHERE org_id = $1 AND survey_id = $2
GROUP BY staff_group;
