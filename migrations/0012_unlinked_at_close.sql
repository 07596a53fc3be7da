-- Nothing held ties a closed appraisal's or survey's answers to a person. Who answered which appraisal or
-- survey, and when, is kept apart from the answers (for the person's subject access export and to let a
-- person replace their answer while it is open); at close the answers move under a random key and lose
-- their submission time. Response audit events keep only that a response came.

-- A survey's release is made once, at close, like an appraisal's report: what is shown and withheld and both
-- reports (by unit, by staff group), as the disclosure auditor passed them. Surveys closed before this are
-- released on their first read.
ALTER TABLE surveys ADD COLUMN release jsonb;

CREATE TABLE appraisal_participants (
    org_id        uuid NOT NULL,
    appraisal_id  uuid NOT NULL,
    rater_key     bytea NOT NULL,
    answered_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT appraisal_participants_pkey PRIMARY KEY (org_id, appraisal_id, rater_key),
    CONSTRAINT appraisal_participants_appraisal_fkey FOREIGN KEY (org_id, appraisal_id)
        REFERENCES appraisals (org_id, id)
);
CREATE INDEX appraisal_participants_org_rater_idx ON appraisal_participants (org_id, rater_key);

CREATE TABLE survey_participants (
    org_id          uuid NOT NULL,
    survey_id       uuid NOT NULL,
    respondent_key  bytea NOT NULL,
    answered_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT survey_participants_pkey PRIMARY KEY (org_id, survey_id, respondent_key),
    CONSTRAINT survey_participants_survey_fkey FOREIGN KEY (org_id, survey_id)
        REFERENCES surveys (org_id, id)
);
CREATE INDEX survey_participants_org_respondent_idx ON survey_participants (org_id, respondent_key);

INSERT INTO appraisal_participants (org_id, appraisal_id, rater_key, answered_at)
SELECT org_id, appraisal_id, rater_key, submitted_at FROM appraisal_responses;
INSERT INTO survey_participants (org_id, survey_id, respondent_key, answered_at)
SELECT org_id, survey_id, respondent_key, submitted_at FROM survey_responses;

UPDATE appraisal_responses r
   SET rater_key = sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())), submitted_at = a.closed_at
  FROM appraisals a
 WHERE a.org_id = r.org_id AND a.id = r.appraisal_id AND a.status = 'closed';
UPDATE survey_responses r
   SET respondent_key = sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())),
       submitted_at = s.closed_at
  FROM surveys s
 WHERE s.org_id = r.org_id AND s.id = r.survey_id AND s.status = 'closed';

UPDATE audit_events SET after = NULL
 WHERE action IN ('appraisal.response_added', 'appraisal.response_replaced',
                  'survey.response_added', 'survey.response_replaced');
UPDATE audit_events SET object_type = 'subject', after = NULL WHERE action = 'subject.unlinked';
