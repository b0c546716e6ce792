-- The Audit Log page filtered by token and action at once: one index walk
-- instead of every event of the token (or of the action).
CREATE INDEX audit_events_user_token_action ON audit_events (user_id, token_id, action, id);
