-- The first schema: titles, shelves, events and the markers that point at them.
-- Never edit once applied; add a new numbered migration instead.

CREATE TABLE titles (
    id            INTEGER PRIMARY KEY,
    isbn13        TEXT UNIQUE,               -- ISBN-13 digits, no hyphens; NULL when unknown
    control_number TEXT UNIQUE,              -- MARC 001 of the imported record, for re-import
    title         TEXT NOT NULL,             -- MARC 245 $a $b, as displayed
    author        TEXT,                      -- MARC 100 $a (main entry), as displayed
    call_number   TEXT,                      -- shelf mark, e.g. "899.221 KAN s"
    synopsis_id   TEXT,                      -- synopsis in Bahasa Indonesia (MARC 520 or a librarian)
    synopsis_en   TEXT,                      -- synopsis in English
    age_group     TEXT,                      -- 'children' | 'teen' | 'adult' | NULL
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE shelves (
    id            INTEGER PRIMARY KEY,
    name_id       TEXT NOT NULL,             -- shelf name in Bahasa Indonesia
    name_en       TEXT,                      -- shelf name in English
    class_range   TEXT,                      -- classification range, e.g. "800-899"
    location      TEXT                       -- where it stands, e.g. "Lantai 1, Ruang Anak"
);

CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    title_id      TEXT NOT NULL,             -- event name in Bahasa Indonesia
    title_en      TEXT,
    description_id TEXT,
    description_en TEXT,
    starts_at     TEXT NOT NULL,             -- RFC 3339 with offset +07:00 (WIB)
    ends_at       TEXT NOT NULL,             -- RFC 3339 with offset +07:00 (WIB)
    place         TEXT NOT NULL
);

CREATE TABLE markers (
    code          TEXT PRIMARY KEY,          -- canonical Crockford base-32 code
    target_kind   TEXT NOT NULL CHECK (target_kind IN ('title', 'shelf', 'event', 'tour_stop')),
    target_id     INTEGER NOT NULL,          -- id in the table named by target_kind
    label         TEXT NOT NULL,             -- what the librarian calls it, e.g. "Rak 3 kiri"
    size_m        REAL NOT NULL DEFAULT 0.05,-- printed side of the code in metres (pose needs it)
    active        INTEGER NOT NULL DEFAULT 1 -- 0 = deactivated: resolves as not found
);
