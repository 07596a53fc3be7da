-- Recruitment campaigns: candidates, panellists' scorecards, moderations, and computed results.

CREATE TABLE campaigns (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id          uuid NOT NULL REFERENCES organisations (id),
    reference       text NOT NULL,
    title           text NOT NULL,
    rubric_id       text NOT NULL,
    rubric_version  integer NOT NULL,
    rubric_hash     text NOT NULL,
    status          text NOT NULL DEFAULT 'open',
    created_at      timestamptz NOT NULL DEFAULT now(),
    finalised_at    timestamptz,
    CONSTRAINT campaigns_org_reference_key UNIQUE (org_id, reference),
    CONSTRAINT campaigns_status_check CHECK (status IN ('open', 'finalised')),
    CONSTRAINT campaigns_rubric_fkey FOREIGN KEY (rubric_id, rubric_version)
        REFERENCES rubric_versions (rubric_id, version)
);
CREATE INDEX campaigns_org_created_idx ON campaigns (org_id, created_at, id);

CREATE TABLE candidates (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id         uuid NOT NULL REFERENCES organisations (id),
    campaign_id    uuid NOT NULL REFERENCES campaigns (id),
    candidate_ref  text NOT NULL,
    display_name   text,
    components     jsonb NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT candidates_campaign_ref_key UNIQUE (campaign_id, candidate_ref)
);

CREATE TABLE scorecards (
    org_id         uuid NOT NULL REFERENCES organisations (id),
    campaign_id    uuid NOT NULL REFERENCES campaigns (id),
    candidate_id   uuid NOT NULL REFERENCES candidates (id),
    station_id     text NOT NULL,
    panellist_ref  text NOT NULL,
    marks          jsonb NOT NULL,
    evidence       jsonb NOT NULL DEFAULT '{}',
    comment        text,
    submitted_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT scorecards_pkey PRIMARY KEY (candidate_id, station_id, panellist_ref)
);
CREATE INDEX scorecards_campaign_idx ON scorecards (campaign_id);

CREATE TABLE moderations (
    org_id         uuid NOT NULL REFERENCES organisations (id),
    campaign_id    uuid NOT NULL REFERENCES campaigns (id),
    candidate_id   uuid NOT NULL REFERENCES candidates (id),
    station_id     text NOT NULL,
    criterion_id   text NOT NULL,
    mark           integer NOT NULL,
    reason         text NOT NULL,
    moderator_ref  text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT moderations_pkey PRIMARY KEY (candidate_id, station_id, criterion_id)
);

-- The computed result of each candidate, kept current in the transaction of every write that changes
-- it. `standing` is what the ranking needs (its item fields and the exact values it sorts on, as
-- "n/d" fractions); `digest` tells whether a recomputation changed anything.
CREATE TABLE candidate_results (
    candidate_id  uuid PRIMARY KEY REFERENCES candidates (id),
    org_id        uuid NOT NULL REFERENCES organisations (id),
    campaign_id   uuid NOT NULL REFERENCES campaigns (id),
    status        text NOT NULL,
    appointable   boolean,
    digest        text NOT NULL,
    result        jsonb NOT NULL,
    standing      jsonb NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX candidate_results_campaign_idx ON candidate_results (campaign_id);
