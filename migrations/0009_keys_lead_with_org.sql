-- Every key of an organisation's rows leads with org_id, and every foreign key between such tables carries
-- it, so that the tables can be distributed by organisation (Citus: org_id as the distribution column) and
-- each row, and every row it refers to, lives on one organisation's shard. Rows are not changed: only
-- constraints and indexes are rebuilt. organisations, rubric_versions, api_keys and webhook_sources are
-- reference tables, copied whole to every node: an API key is found by its hash, and an inbound webhook
-- source by the id in its URL, before the organisation is known.

-- Foreign keys between organisation tables go first: they depend on the keys they reference.
ALTER TABLE webhook_receipts DROP CONSTRAINT webhook_receipts_source_id_fkey;
ALTER TABLE webhook_messages DROP CONSTRAINT webhook_messages_endpoint_id_fkey;
ALTER TABLE webhook_attempts DROP CONSTRAINT webhook_attempts_message_id_fkey;
ALTER TABLE candidates DROP CONSTRAINT candidates_campaign_id_fkey;
ALTER TABLE scorecards DROP CONSTRAINT scorecards_campaign_id_fkey,
                       DROP CONSTRAINT scorecards_candidate_id_fkey;
ALTER TABLE moderations DROP CONSTRAINT moderations_campaign_id_fkey,
                        DROP CONSTRAINT moderations_candidate_id_fkey;
ALTER TABLE candidate_results DROP CONSTRAINT candidate_results_campaign_id_fkey,
                              DROP CONSTRAINT candidate_results_candidate_id_fkey;

ALTER TABLE audit_events DROP CONSTRAINT audit_events_pkey,
                         DROP CONSTRAINT audit_events_id_key,
                         ADD CONSTRAINT audit_events_pkey PRIMARY KEY (org_id, seq),
                         ADD CONSTRAINT audit_events_id_key UNIQUE (org_id, id);
DROP INDEX audit_events_org_seq_idx;

ALTER TABLE webhook_sources DROP CONSTRAINT webhook_sources_pkey,
                            DROP CONSTRAINT webhook_sources_seq_key,
                            ADD CONSTRAINT webhook_sources_pkey PRIMARY KEY (org_id, id),
                            ADD CONSTRAINT webhook_sources_seq_key UNIQUE (org_id, seq);
DROP INDEX webhook_sources_org_seq_idx;

ALTER TABLE webhook_receipts DROP CONSTRAINT webhook_receipts_pkey,
                             DROP CONSTRAINT webhook_receipts_seq_key,
                             ADD CONSTRAINT webhook_receipts_pkey PRIMARY KEY (org_id, id),
                             ADD CONSTRAINT webhook_receipts_seq_key UNIQUE (org_id, seq);

ALTER TABLE webhook_endpoints DROP CONSTRAINT webhook_endpoints_pkey,
                              DROP CONSTRAINT webhook_endpoints_seq_key,
                              ADD CONSTRAINT webhook_endpoints_pkey PRIMARY KEY (org_id, id),
                              ADD CONSTRAINT webhook_endpoints_seq_key UNIQUE (org_id, seq);

ALTER TABLE webhook_messages DROP CONSTRAINT webhook_messages_pkey,
                             DROP CONSTRAINT webhook_messages_seq_key,
                             ADD CONSTRAINT webhook_messages_pkey PRIMARY KEY (org_id, id),
                             ADD CONSTRAINT webhook_messages_seq_key UNIQUE (org_id, seq);

ALTER TABLE webhook_attempts DROP CONSTRAINT webhook_attempts_pkey,
                             ADD CONSTRAINT webhook_attempts_pkey PRIMARY KEY (org_id, id);

ALTER TABLE campaigns DROP CONSTRAINT campaigns_pkey,
                      ADD CONSTRAINT campaigns_pkey PRIMARY KEY (org_id, id);

ALTER TABLE candidates DROP CONSTRAINT candidates_pkey,
                       DROP CONSTRAINT candidates_campaign_ref_key,
                       ADD CONSTRAINT candidates_pkey PRIMARY KEY (org_id, id),
                       ADD CONSTRAINT candidates_campaign_ref_key UNIQUE (org_id, campaign_id, candidate_ref);

ALTER TABLE scorecards DROP CONSTRAINT scorecards_pkey,
                       ADD CONSTRAINT scorecards_pkey PRIMARY KEY (org_id, candidate_id, station_id, panellist_ref);
DROP INDEX scorecards_campaign_idx;
CREATE INDEX scorecards_campaign_idx ON scorecards (org_id, campaign_id);

ALTER TABLE moderations DROP CONSTRAINT moderations_pkey,
                        ADD CONSTRAINT moderations_pkey PRIMARY KEY (org_id, candidate_id, station_id, criterion_id);

ALTER TABLE candidate_results DROP CONSTRAINT candidate_results_pkey,
                              ADD CONSTRAINT candidate_results_pkey PRIMARY KEY (org_id, candidate_id);
DROP INDEX candidate_results_campaign_idx;
CREATE INDEX candidate_results_campaign_idx ON candidate_results (org_id, campaign_id);

-- The foreign keys again, each with org_id.
ALTER TABLE webhook_receipts ADD CONSTRAINT webhook_receipts_source_fkey
    FOREIGN KEY (org_id, source_id) REFERENCES webhook_sources (org_id, id);
ALTER TABLE webhook_messages ADD CONSTRAINT webhook_messages_endpoint_fkey
    FOREIGN KEY (org_id, endpoint_id) REFERENCES webhook_endpoints (org_id, id);
ALTER TABLE webhook_attempts ADD CONSTRAINT webhook_attempts_message_fkey
    FOREIGN KEY (org_id, message_id) REFERENCES webhook_messages (org_id, id);
ALTER TABLE candidates ADD CONSTRAINT candidates_campaign_fkey
    FOREIGN KEY (org_id, campaign_id) REFERENCES campaigns (org_id, id);
ALTER TABLE scorecards ADD CONSTRAINT scorecards_campaign_fkey
                           FOREIGN KEY (org_id, campaign_id) REFERENCES campaigns (org_id, id),
                       ADD CONSTRAINT scorecards_candidate_fkey
                           FOREIGN KEY (org_id, candidate_id) REFERENCES candidates (org_id, id);
ALTER TABLE moderations ADD CONSTRAINT moderations_campaign_fkey
                            FOREIGN KEY (org_id, campaign_id) REFERENCES campaigns (org_id, id),
                        ADD CONSTRAINT moderations_candidate_fkey
                            FOREIGN KEY (org_id, candidate_id) REFERENCES candidates (org_id, id);
ALTER TABLE candidate_results ADD CONSTRAINT candidate_results_campaign_fkey
                                  FOREIGN KEY (org_id, campaign_id) REFERENCES campaigns (org_id, id),
                              ADD CONSTRAINT candidate_results_candidate_fkey
                                  FOREIGN KEY (org_id, candidate_id) REFERENCES candidates (org_id, id);

-- The delivery workers claim organisation by organisation.
CREATE INDEX webhook_messages_org_due_idx ON webhook_messages (org_id, next_attempt_at) WHERE status = 'pending';
