-- Issue 20 (hardening): login throttling per client address beside the user
-- name, trusted-device tokens that let staff in while strangers have their
-- name throttled, and a session epoch per account that ends all its sessions.

-- The client address of a failed login (IPv4, or an IPv6 /64), '' for rows
-- from before this column.
ALTER TABLE login_failures ADD COLUMN address TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_address ON login_failures (address, failed_at);
CREATE INDEX login_failures_at ON login_failures (failed_at);

-- A browser that has logged in to an account before (OWASP "device cookies"):
-- its attempts for that account skip the per-name throttle.
CREATE TABLE login_devices (
    token_hash     TEXT PRIMARY KEY,                                   -- SHA-256 hex of the cookie's token
    username       TEXT NOT NULL COLLATE NOCASE,
    last_used      TEXT NOT NULL                                       -- RFC 3339 UTC
);
CREATE INDEX login_devices_username ON login_devices (username, last_used);

-- Raised when an account's password is reset or it is deactivated; a session
-- that logged in under an older epoch is over.
ALTER TABLE staff_users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
