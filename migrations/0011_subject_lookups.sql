-- Finding everything held about one person of an organisation (a subject access request) and erasing a
-- rater's or respondent's link: their appraisals and candidacies by reference, their responses by
-- pseudonym. Each index leads with org_id, like every key, so it lives on the organisation's shard.
CREATE INDEX appraisals_org_subject_idx ON appraisals (org_id, subject_ref);
CREATE INDEX candidates_org_ref_idx ON candidates (org_id, candidate_ref);
CREATE INDEX appraisal_responses_org_rater_idx ON appraisal_responses (org_id, rater_key);
CREATE INDEX survey_responses_org_respondent_idx ON survey_responses (org_id, respondent_key);
