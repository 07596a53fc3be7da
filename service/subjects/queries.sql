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

-- name: answered_by
-- The appraisals (as a rater) and surveys the person answered, and when: their participation, never the answers.
SELECT 'appraisal' AS kind, a.id, a.status, a.created_at, p.answered_at
FROM appraisal_participants p JOIN appraisals a ON a.org_id = p.org_id AND a.id = p.appraisal_id
WHERE p.org_id = $1 AND p.rater_key = ANY ($2::bytea[])
UNION ALL
SELECT 'survey', s.id, s.status, s.created_at, p.answered_at
FROM survey_participants p JOIN surveys s ON s.org_id = p.org_id AND s.id = p.survey_id
WHERE p.org_id = $1 AND p.respondent_key = ANY ($2::bytea[])
ORDER BY created_at, id;

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

-- name: open_appraisals_answered_by
-- The open appraisals the person answered in, locked as every write to an appraisal locks it (so none closes
-- while their response is withdrawn).
SELECT id FROM appraisals
WHERE org_id = $1 AND status = 'open'
  AND id IN (SELECT appraisal_id FROM appraisal_participants WHERE org_id = $1 AND rater_key = ANY ($2::bytea[]))
ORDER BY id
FOR UPDATE;

-- name: appraisal_unlink
-- Withdraws the person's responses from the open appraisals $3 (a response unlinked while open would let
-- the same person answer twice) and forgets that they answered any.
WITH withdrawn AS (
  DELETE FROM appraisal_responses
  WHERE org_id = $1 AND appraisal_id = ANY ($3::uuid[]) AND rater_key = ANY ($2::bytea[]))
DELETE FROM appraisal_participants WHERE org_id = $1 AND rater_key = ANY ($2::bytea[]);

-- name: open_surveys_answered_by
SELECT id FROM surveys
WHERE org_id = $1 AND status = 'open'
  AND id IN (SELECT survey_id FROM survey_participants WHERE org_id = $1 AND respondent_key = ANY ($2::bytea[]))
ORDER BY id
FOR UPDATE;

-- name: survey_unlink
WITH withdrawn AS (
  DELETE FROM survey_responses
  WHERE org_id = $1 AND survey_id = ANY ($3::uuid[]) AND respondent_key = ANY ($2::bytea[]))
DELETE FROM survey_participants WHERE org_id = $1 AND respondent_key = ANY ($2::bytea[]);
