-- Engagement surveys pinned to a rubric version, and one response per (pseudonymised) respondent. Keys
-- lead with org_id, so rows of one organisation stay together when tables are distributed by organisation.

CREATE TABLE surveys (
    org_id          uuid NOT NULL REFERENCES organisations (id),
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    reference       text NOT NULL,
    title           text NOT NULL,
    rubric_id       text NOT NULL,
    rubric_version  integer NOT NULL,
    rubric_hash     text NOT NULL,
    status          text NOT NULL DEFAULT 'open',
    created_at      timestamptz NOT NULL DEFAULT now(),
    closed_at       timestamptz,
    CONSTRAINT surveys_pkey PRIMARY KEY (org_id, id),
    CONSTRAINT surveys_org_reference_key UNIQUE (org_id, reference),
    CONSTRAINT surveys_status_check CHECK (status IN ('open', 'closed')),
    CONSTRAINT surveys_closed_at_check CHECK ((status = 'closed') = (closed_at IS NOT NULL)),
    CONSTRAINT surveys_rubric_fkey FOREIGN KEY (rubric_id, rubric_version)
        REFERENCES rubric_versions (rubric_id, version)
);
CREATE INDEX surveys_org_created_idx ON surveys (org_id, created_at, id);

-- `respondent_key` is an HMAC of (organisation, respondent reference) under SECRET_KEY: the reference is
-- never stored, and the same respondent answering again replaces their earlier response. `answers` holds
-- one value per item of the pinned rubric version, in its order, NULL where the item was not answered.
CREATE TABLE survey_responses (
    org_id          uuid NOT NULL,
    survey_id       uuid NOT NULL,
    respondent_key  bytea NOT NULL,
    unit            text NOT NULL,
    staff_group     text NOT NULL,
    answers         smallint[] NOT NULL,
    submitted_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT survey_responses_pkey PRIMARY KEY (org_id, survey_id, respondent_key),
    CONSTRAINT survey_responses_survey_fkey FOREIGN KEY (org_id, survey_id)
        REFERENCES surveys (org_id, id)
);
