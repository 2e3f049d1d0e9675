-- Issue 20 (hardening): no lockout of real staff by strangers. A failed login
-- made from a trusted device (a browser that logged in to the account before)
-- counts for that device alone; the others count per address and per name, and
-- the per-name count slows further attempts down (exponential backoff) rather
-- than locking the account.

-- SHA-256 hex of the trusted-device token the attempt came with, '' for none.
ALTER TABLE login_failures ADD COLUMN device TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_device ON login_failures (device, failed_at);
