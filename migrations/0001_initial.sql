-- Organisations (tenants), API keys (hashes only), the audit log, and idempotency records.

CREATE TABLE organisations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code        text NOT NULL,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT organisations_code_key UNIQUE (code),
    CONSTRAINT organisations_code_format CHECK (code ~ '^[A-Z0-9]{2,12}$')
);

CREATE TABLE api_keys (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id        uuid NOT NULL REFERENCES organisations (id),
    name          text NOT NULL DEFAULT '',
    token_prefix  text NOT NULL,
    token_hash    bytea NOT NULL,
    scopes        text[] NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    CONSTRAINT api_keys_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX api_keys_org_idx ON api_keys (org_id);

CREATE TABLE audit_events (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    org_id       uuid NOT NULL REFERENCES organisations (id),
    actor        text NOT NULL,
    key_id       uuid REFERENCES api_keys (id),
    action       text NOT NULL,
    object_type  text NOT NULL,
    object_id    text NOT NULL,
    rubric       jsonb,
    before       jsonb,
    after        jsonb,
    request_id   text,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_org_seq_idx ON audit_events (org_id, seq);

CREATE TABLE idempotency_keys (
    org_id        uuid NOT NULL REFERENCES organisations (id),
    key           text NOT NULL,
    method        text NOT NULL,
    path          text NOT NULL,
    request_hash  text NOT NULL,
    status        integer,
    headers       jsonb,
    body          bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, key)
);
