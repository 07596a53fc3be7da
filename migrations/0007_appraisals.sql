-- 360 feedback: appraisals pinned to a rubric version, one response per (pseudonymised) rater, and the
-- report frozen when the appraisal closes. Keys lead with org_id, so rows of one organisation stay
-- together when the tables are distributed by organisation.

CREATE TABLE appraisals (
    org_id          uuid NOT NULL REFERENCES organisations (id),
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    external_ref    text,
    subject_ref     text NOT NULL,
    cycle           text NOT NULL,
    rubric_id       text NOT NULL,
    rubric_version  integer NOT NULL,
    rubric_hash     text NOT NULL,
    status          text NOT NULL DEFAULT 'open',
    created_at      timestamptz NOT NULL DEFAULT now(),
    closed_at       timestamptz,
    report          jsonb,  -- the final report, written at close
    CONSTRAINT appraisals_pkey PRIMARY KEY (org_id, id),
    CONSTRAINT appraisals_org_external_ref_key UNIQUE (org_id, external_ref),
    CONSTRAINT appraisals_status_check CHECK (status IN ('open', 'closed')),
    CONSTRAINT appraisals_closed_report_check CHECK ((status = 'closed') = (report IS NOT NULL)),
    CONSTRAINT appraisals_rubric_fkey FOREIGN KEY (rubric_id, rubric_version)
        REFERENCES rubric_versions (rubric_id, version)
);
CREATE INDEX appraisals_org_created_idx ON appraisals (org_id, created_at, id);

-- `rater_key` is an HMAC of (organisation, rater reference) under SECRET_KEY: the reference itself is
-- never stored, and the same rater resubmitting finds (and replaces) their earlier response.
CREATE TABLE appraisal_responses (
    org_id        uuid NOT NULL,
    appraisal_id  uuid NOT NULL,
    rater_key     bytea NOT NULL,
    group_id      text NOT NULL,
    answers       jsonb NOT NULL,
    comments      jsonb NOT NULL DEFAULT '{}',
    submitted_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT appraisal_responses_pkey PRIMARY KEY (org_id, appraisal_id, rater_key),
    CONSTRAINT appraisal_responses_appraisal_fkey FOREIGN KEY (org_id, appraisal_id)
        REFERENCES appraisals (org_id, id)
);
