-- Which passkey signed a session in (null: a recovery-code session). Removing a passkey ends the sessions it
-- created, so a device whose passkey the user revoked does not keep a live session for up to seven days.
ALTER TABLE sessions ADD COLUMN passkey_id TEXT;
CREATE INDEX sessions_passkey ON sessions(user_id, passkey_id);
