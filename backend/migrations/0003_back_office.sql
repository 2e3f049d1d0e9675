-- The back office: staff accounts with roles, login throttling, the audit log,
-- drafts with publishing, and settings. Sessions live in `tower_sessions`
-- (created by tower-sessions-sqlx-store at start-up), so replicas can share them.
-- Never edit once applied; add a new numbered migration instead.

CREATE TABLE staff_users (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE COLLATE NOCASE,                 -- login name, 3-32 of [a-z0-9._-]
    password_hash  TEXT NOT NULL,                                       -- argon2id PHC string ($argon2id$v=19$...)
    role           TEXT NOT NULL CHECK (role IN ('admin', 'librarian', 'volunteer')),
    active         INTEGER NOT NULL DEFAULT 1,                          -- 0 = may not log in
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Failed logins, for throttling (shared by every replica through the database).
CREATE TABLE login_failures (
    username       TEXT NOT NULL COLLATE NOCASE,                        -- as typed, also for unknown names
    failed_at      TEXT NOT NULL                                        -- RFC 3339 UTC
);
CREATE INDEX login_failures_username ON login_failures (username, failed_at);

-- Who changed what, when. Never updated or deleted by the application.
CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    at             TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    user_id        INTEGER REFERENCES staff_users (id),                 -- NULL for the command line
    username       TEXT NOT NULL,                                       -- kept even if the account goes
    action         TEXT NOT NULL,                                       -- e.g. 'title.draft', 'title.publish', 'login'
    target         TEXT NOT NULL DEFAULT '',                            -- e.g. 'title:12', 'marker:BK0001'
    detail         TEXT NOT NULL DEFAULT ''                             -- short human-readable summary
);
CREATE INDEX audit_log_at ON audit_log (at);

-- Pending edits: the public API and pages show the live row until the draft is published.
CREATE TABLE drafts (
    target_kind    TEXT NOT NULL CHECK (target_kind IN ('title', 'shelf', 'event', 'tour')),
    target_id      INTEGER NOT NULL,
    data           TEXT NOT NULL,                                       -- JSON object of the edited fields
    updated_by     TEXT NOT NULL,                                       -- username
    updated_at     TEXT NOT NULL,                                       -- RFC 3339 UTC
    PRIMARY KEY (target_kind, target_id)
);

-- Content created in the back office is hidden until its first publication;
-- existing and imported content is public.
ALTER TABLE titles  ADD COLUMN published INTEGER NOT NULL DEFAULT 1;
ALTER TABLE shelves ADD COLUMN published INTEGER NOT NULL DEFAULT 1;
ALTER TABLE events  ADD COLUMN published INTEGER NOT NULL DEFAULT 1;
ALTER TABLE tours   ADD COLUMN published INTEGER NOT NULL DEFAULT 1;

-- Settings an administrator can change in the back office.
CREATE TABLE settings (
    key            TEXT PRIMARY KEY,                                    -- e.g. 'upload_cap_image_mb'
    value          TEXT NOT NULL
);

-- A display name for each media asset in the media library (from the uploaded
-- file's name, cleaned; never used as a path).
ALTER TABLE media_assets ADD COLUMN label TEXT;
