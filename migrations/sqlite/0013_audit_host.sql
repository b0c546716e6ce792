-- The host a request went to, for the checks the platform's own services
-- ask of `/auth/verify` (SPEC §13): the audit log shows
-- "GET api.example.com/v1/things" beside the requests to this app's own
-- `/api/v1`, whose host stays empty.
ALTER TABLE audit_events ADD COLUMN host TEXT;
