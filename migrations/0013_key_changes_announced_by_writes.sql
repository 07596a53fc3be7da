-- A change to an API key is announced by the statement that makes it (service/tenants/store.py), not by
-- triggers: on a distributed database `api_keys` and `organisations` are reference tables, copied to every
-- node and written in a two-phase commit, which a transaction that has sent a notification cannot join.
DROP TRIGGER api_keys_changed ON api_keys;
DROP TRIGGER organisations_changed ON organisations;
DROP FUNCTION notify_api_keys_changed();
