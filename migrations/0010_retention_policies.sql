-- How long each organisation keeps what it no longer needs, in days; NULL is the service's default (see
-- service/retention/domain/policy.py). `python -m service retention run` applies them.
CREATE TABLE retention_policies (
    org_id                    uuid NOT NULL REFERENCES organisations (id),
    closed_appraisals_days    integer CHECK (closed_appraisals_days > 0),
    closed_surveys_days       integer CHECK (closed_surveys_days > 0),
    finalised_campaigns_days  integer CHECK (finalised_campaigns_days > 0),
    webhook_records_days      integer CHECK (webhook_records_days > 0),
    audit_events_days         integer CHECK (audit_events_days > 0),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT retention_policies_pkey PRIMARY KEY (org_id)
);
