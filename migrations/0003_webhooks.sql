-- Webhooks both ways: inbound sources and their receipts (dedupe), outbound endpoints, the outbox
-- (one message per endpoint, its body fixed when emitted) and every delivery attempt.

CREATE TABLE webhook_sources (
    seq          bigint GENERATED ALWAYS AS IDENTITY,
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id       uuid NOT NULL REFERENCES organisations (id),
    name         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    secret       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz,
    CONSTRAINT webhook_sources_seq_key UNIQUE (seq),
    CONSTRAINT webhook_sources_name_length CHECK (char_length(name) BETWEEN 1 AND 100)
);
CREATE UNIQUE INDEX webhook_sources_org_name_key ON webhook_sources (org_id, name) WHERE deleted_at IS NULL;
CREATE INDEX webhook_sources_org_seq_idx ON webhook_sources (org_id, seq);

-- One row per (source, webhook-id): inserted before the event's effect, in the same transaction, so a
-- concurrent duplicate waits on the unique key and then replays the stored answer.
CREATE TABLE webhook_receipts (
    seq            bigint GENERATED ALWAYS AS IDENTITY,
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id         uuid NOT NULL REFERENCES organisations (id),
    source_id      uuid NOT NULL REFERENCES webhook_sources (id),
    webhook_id     text NOT NULL,
    body_sha256    bytea NOT NULL,
    event_type     text,
    outcome        text,
    status_code    integer,
    reason         text,
    response_type  text,
    response_body  bytea,
    received_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_receipts_seq_key UNIQUE (seq),
    CONSTRAINT webhook_receipts_source_webhook_id_key UNIQUE (org_id, source_id, webhook_id),
    CONSTRAINT webhook_receipts_outcome_check CHECK (outcome IN ('accepted', 'rejected'))
);
CREATE INDEX webhook_receipts_org_source_seq_idx ON webhook_receipts (org_id, source_id, seq);

CREATE TABLE webhook_endpoints (
    seq              bigint GENERATED ALWAYS AS IDENTITY,
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id           uuid NOT NULL REFERENCES organisations (id),
    url              text NOT NULL,
    events           text[] NOT NULL,
    description      text NOT NULL DEFAULT '',
    secret           text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    disabled_at      timestamptz,
    disabled_reason  text,
    deleted_at       timestamptz,
    CONSTRAINT webhook_endpoints_seq_key UNIQUE (seq),
    CONSTRAINT webhook_endpoints_events_not_empty CHECK (cardinality(events) > 0)
);
CREATE INDEX webhook_endpoints_org_seq_idx ON webhook_endpoints (org_id, seq) WHERE deleted_at IS NULL;

-- The outbox. `attempts` counts failures in the current round (it drives the retry schedule and is
-- reset by a redelivery); `total_attempts` numbers the attempt rows. A worker owns a row while
-- `claimed_until` is in the future and it holds `claim_token`.
CREATE TABLE webhook_messages (
    seq              bigint GENERATED ALWAYS AS IDENTITY,
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id           uuid NOT NULL REFERENCES organisations (id),
    endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints (id),
    event_type       text NOT NULL,
    body             bytea NOT NULL,
    status           text NOT NULL DEFAULT 'pending',
    attempts         integer NOT NULL DEFAULT 0,
    total_attempts   integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    claimed_until    timestamptz,
    claim_token      uuid,
    claimed_by       text,
    last_attempt_at  timestamptz,
    last_status      integer,
    last_error       text,
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_messages_seq_key UNIQUE (seq),
    CONSTRAINT webhook_messages_status_check CHECK (status IN ('pending', 'delivered', 'dead', 'cancelled'))
);
CREATE INDEX webhook_messages_due_idx ON webhook_messages (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_messages_endpoint_idx ON webhook_messages (org_id, endpoint_id, seq);

CREATE TABLE webhook_attempts (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id            uuid NOT NULL REFERENCES organisations (id),
    message_id        uuid NOT NULL REFERENCES webhook_messages (id),
    attempt_no        integer NOT NULL,
    worker            text NOT NULL,
    outcome           text NOT NULL,
    status_code       integer,
    latency_ms        double precision NOT NULL,
    error             text,
    response_excerpt  text,
    attempted_at      timestamptz NOT NULL,
    CONSTRAINT webhook_attempts_outcome_check CHECK (outcome IN
        ('success', 'http_error', 'redirect', 'gone', 'timeout', 'connection_error', 'blocked'))
);
CREATE INDEX webhook_attempts_message_idx ON webhook_attempts (org_id, message_id, attempt_no);
