-- What is held about one person of an organisation (their subject access request), and the erasure of
-- the links that tie a rater or respondent to their answers. Every query is scoped by organisation; a
-- person's responses are found by their pseudonyms under every key in use ($2).

-- name: appraisals_of_subject
SELECT id, external_ref, subject_ref, cycle, rubric_id, rubric_version, rubric_hash, status, created_at, closed_at,
       report
FROM appraisals WHERE org_id = $1 AND subject_ref = $2
ORDER BY created_at, id;

-- name: candidacies_of_subject
SELECT k.id AS campaign_id, k.reference, k.title, k.status AS campaign_status, k.finalised_at,
       c.id, c.candidate_ref, c.display_name, c.components, c.created_at, c.updated_at
FROM candidates c JOIN campaigns k ON k.org_id = c.org_id AND k.id = c.campaign_id
WHERE c.org_id = $1 AND c.candidate_ref = $2
ORDER BY k.created_at, k.id;

-- name: scorecards_of_candidates
SELECT candidate_id, station_id, panellist_ref, marks, evidence, comment, submitted_at
FROM scorecards WHERE org_id = $1 AND candidate_id = ANY ($2::uuid[])
ORDER BY candidate_id, station_id, submitted_at, panellist_ref;

-- name: moderations_of_candidates
SELECT candidate_id, station_id, criterion_id, mark, reason, moderator_ref, created_at
FROM moderations WHERE org_id = $1 AND candidate_id = ANY ($2::uuid[])
ORDER BY candidate_id, station_id, criterion_id;

-- name: survey_responses_of_respondent
SELECT s.id AS survey_id, s.reference, s.title, s.status, s.rubric_id, s.rubric_version, s.rubric_hash,
       s.closed_at, r.unit, r.staff_group, r.answers, r.submitted_at
FROM survey_responses r JOIN surveys s ON s.org_id = r.org_id AND s.id = r.survey_id
WHERE r.org_id = $1 AND r.respondent_key = ANY ($2::bytea[])
ORDER BY s.created_at, s.id;

-- name: audit_events_of_subject
-- The events about the subject's appraisals ($2, ids), their candidacies ($3, named `{campaign_id}/{ref}`
-- as audit events name a candidate) with those candidacies' scorecards and moderations, and the subject
-- itself ($4, their reference). Which of them the export shows, and how, is the export's rule.
SELECT action, actor, object_type, object_id, before, after, created_at FROM audit_events
WHERE org_id = $1 AND (
     (object_type = 'appraisal' AND object_id = ANY ($2::text[]))
  OR (object_type = 'candidate' AND object_id = ANY ($3::text[]))
  OR (object_type IN ('scorecard', 'moderation')
      AND EXISTS (SELECT FROM unnest($3::text[]) AS c (name) WHERE starts_with(object_id, c.name || '/')))
  OR (object_type = 'subject' AND object_id = $4))
ORDER BY seq;

-- name: appraisals_answered_by
-- The appraisals the person answered in, locked as every write to an appraisal locks it (so none closes
-- while their response is unlinked or withdrawn).
SELECT id, status FROM appraisals
WHERE org_id = $1
  AND id IN (SELECT appraisal_id FROM appraisal_responses WHERE org_id = $1 AND rater_key = ANY ($2::bytea[]))
ORDER BY id
FOR UPDATE;

-- name: appraisal_responses_unlink
-- The person's responses in the appraisals $3 keep their answers under a random key that leads to no one.
UPDATE appraisal_responses SET rater_key = sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()))
WHERE org_id = $1 AND appraisal_id = ANY ($3::uuid[]) AND rater_key = ANY ($2::bytea[]);

-- name: appraisal_responses_withdraw
DELETE FROM appraisal_responses
WHERE org_id = $1 AND appraisal_id = ANY ($3::uuid[]) AND rater_key = ANY ($2::bytea[]);

-- name: surveys_answered_by
-- The surveys the person answered, locked as every write to a survey locks it.
SELECT id, status FROM surveys
WHERE org_id = $1
  AND id IN (SELECT survey_id FROM survey_responses WHERE org_id = $1 AND respondent_key = ANY ($2::bytea[]))
ORDER BY id
FOR UPDATE;

-- name: survey_responses_unlink
UPDATE survey_responses SET respondent_key = sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()))
WHERE org_id = $1 AND survey_id = ANY ($3::uuid[]) AND respondent_key = ANY ($2::bytea[]);

-- name: survey_responses_withdraw
DELETE FROM survey_responses
WHERE org_id = $1 AND survey_id = ANY ($3::uuid[]) AND respondent_key = ANY ($2::bytea[]);
