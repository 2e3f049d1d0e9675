-- The full content model of DESIGN §4: richer titles, shelf features, event details,
-- tours with stops, media assets with renditions, and anonymous scan events.
-- Never edit once applied; add a new numbered migration instead.

-- Titles: the rest of the bibliographic record and the visitor extras.
ALTER TABLE titles ADD COLUMN contributors TEXT NOT NULL DEFAULT '[]'; -- JSON array of added authors (MARC 700 $a)
ALTER TABLE titles ADD COLUMN language     TEXT;                       -- ISO 639-2 code (MARC 008/35-37 or 041 $a), e.g. 'ind'
ALTER TABLE titles ADD COLUMN subjects     TEXT NOT NULL DEFAULT '[]'; -- JSON array of subject headings (MARC 650)
ALTER TABLE titles ADD COLUMN publisher    TEXT;                       -- MARC 260/264 $b, as catalogued
ALTER TABLE titles ADD COLUMN pub_year     TEXT;                       -- MARC 260/264 $c, as catalogued
ALTER TABLE titles ADD COLUMN ebook_url    TEXT;                       -- link to an e-book edition, when there is one
ALTER TABLE titles ADD COLUMN source       TEXT;                       -- where the record came from: 'demo', 'marc:FILE', 'csv:FILE'
ALTER TABLE titles ADD COLUMN updated_at   TEXT;                       -- last re-import or edit, RFC 3339 UTC

CREATE INDEX titles_title ON titles (title);

-- Shelves: an introduction and the titles featured on them.
ALTER TABLE shelves ADD COLUMN description_id TEXT;                    -- introduction in Bahasa Indonesia
ALTER TABLE shelves ADD COLUMN description_en TEXT;                    -- introduction in English

CREATE TABLE shelf_titles (
    shelf_id   INTEGER NOT NULL REFERENCES shelves (id) ON DELETE CASCADE,
    title_id   INTEGER NOT NULL REFERENCES titles (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,                                       -- display order, 1-based
    PRIMARY KEY (shelf_id, title_id)
);

-- Events: audience and registration.
ALTER TABLE events ADD COLUMN audience_id      TEXT;                   -- who it is for, in Bahasa Indonesia
ALTER TABLE events ADD COLUMN audience_en      TEXT;                   -- who it is for, in English
ALTER TABLE events ADD COLUMN registration_url TEXT;                   -- where to register, when needed

CREATE INDEX events_starts_at ON events (starts_at);

-- Markers: where the code is stuck, and when it was made.
ALTER TABLE markers ADD COLUMN placement TEXT;                         -- e.g. 'sampul belakang', 'tiang rak 3'

-- Tours: ordered stops, each reached by a clue, with narration, a question and a badge.
CREATE TABLE tours (
    id             INTEGER PRIMARY KEY,
    name_id        TEXT NOT NULL,                                      -- tour name in Bahasa Indonesia
    name_en        TEXT,
    description_id TEXT,
    description_en TEXT,
    active         INTEGER NOT NULL DEFAULT 1                          -- 0 = hidden from the app
);

CREATE TABLE tour_stops (
    id             INTEGER PRIMARY KEY,
    tour_id        INTEGER NOT NULL REFERENCES tours (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,                                   -- visiting order, 1-based
    clue_id        TEXT NOT NULL,                                      -- clue leading to this stop
    clue_en        TEXT,
    narration_id   TEXT,                                               -- what the app tells here
    narration_en   TEXT,
    question_id    TEXT,                                               -- NULL = no question at this stop
    question_en    TEXT,
    badge_name_id  TEXT,                                               -- NULL = no badge at this stop
    badge_name_en  TEXT,
    UNIQUE (tour_id, position)
);

CREATE TABLE tour_stop_choices (
    stop_id        INTEGER NOT NULL REFERENCES tour_stops (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,                                   -- display order, 1-based
    text_id        TEXT NOT NULL,
    text_en        TEXT,
    correct        INTEGER NOT NULL DEFAULT 0,                         -- 1 = a right answer
    feedback_id    TEXT,                                               -- said when picked
    feedback_en    TEXT,
    PRIMARY KEY (stop_id, position)
);

-- Media: one row per stored file, named by its SHA-256 in the media store.
CREATE TABLE media_assets (
    sha256         TEXT PRIMARY KEY,                                   -- lowercase hex of the stored bytes
    ext            TEXT NOT NULL,                                      -- file extension: 'jpg', 'png', 'mp4', 'm4a', 'mp3', 'ogg'
    mime           TEXT NOT NULL,                                      -- sniffed MIME type of the stored bytes
    kind           TEXT NOT NULL CHECK (kind IN ('image', 'video', 'audio')),
    size_bytes     INTEGER NOT NULL,
    width          INTEGER,                                            -- pixels (image, video)
    height         INTEGER,                                            -- pixels (image, video)
    duration_ms    INTEGER,                                            -- milliseconds (video, audio)
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- Derived files of an asset: an image's thumbnail, a video's poster frame.
CREATE TABLE media_renditions (
    source_sha256  TEXT NOT NULL REFERENCES media_assets (sha256) ON DELETE CASCADE,
    role           TEXT NOT NULL CHECK (role IN ('thumbnail', 'poster')),
    sha256         TEXT NOT NULL REFERENCES media_assets (sha256),
    PRIMARY KEY (source_sha256, role)
);

-- Which asset is attached to which piece of content, in which role.
CREATE TABLE content_media (
    target_kind    TEXT NOT NULL CHECK (target_kind IN ('title', 'shelf', 'event', 'tour_stop')),
    target_id      INTEGER NOT NULL,                                   -- id in the table named by target_kind
    role           TEXT NOT NULL CHECK (role IN ('cover', 'trailer', 'narration', 'poster', 'promo', 'badge')),
    sha256         TEXT NOT NULL REFERENCES media_assets (sha256),
    alt_id         TEXT,                                               -- text alternative in Bahasa Indonesia
    alt_en         TEXT,                                               -- text alternative in English
    PRIMARY KEY (target_kind, target_id, role)
);

-- Anonymous scans reported by the app: no device id, no address, no location.
CREATE TABLE scan_events (
    id             INTEGER PRIMARY KEY,
    code           TEXT NOT NULL,                                      -- canonical marker code as scanned
    scanned_at     TEXT NOT NULL,                                      -- when, RFC 3339 UTC
    client         TEXT NOT NULL CHECK (client IN ('android', 'ios', 'desktop', 'web')),
    received_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE INDEX scan_events_code ON scan_events (code, scanned_at);
