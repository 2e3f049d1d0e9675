-- Pictures sized for phones, and captions for videos.
--
-- 1. Renditions gain the narrower copies of an image that the web pages offer
--    in `srcset` ('w320', 'w640', 'w960': that many pixels wide, JPEG), made
--    once per image when a page first needs them. SQLite cannot change a
--    CHECK constraint, so the table is rebuilt with the wider list; nothing
--    refers to it by a foreign key.
CREATE TABLE media_renditions_0033 (
    source_sha256  TEXT NOT NULL REFERENCES media_assets (sha256) ON DELETE CASCADE,
    role           TEXT NOT NULL CHECK (role IN ('thumbnail', 'poster', 'w320', 'w640', 'w960')),
    sha256         TEXT NOT NULL REFERENCES media_assets (sha256),
    PRIMARY KEY (source_sha256, role)
);
INSERT INTO media_renditions_0033 (source_sha256, role, sha256)
    SELECT source_sha256, role, sha256 FROM media_renditions;
DROP TABLE media_renditions;
ALTER TABLE media_renditions_0033 RENAME TO media_renditions;

-- 2. WebVTT captions of a video, at most one per language; the text is small
--    and kept here, served as `/media/captions/{sha256}.vtt` (the SHA-256 of
--    the text, so the address changes when the captions do).
CREATE TABLE media_captions (
    video_sha256   TEXT NOT NULL REFERENCES media_assets (sha256) ON DELETE CASCADE,
    lang           TEXT NOT NULL CHECK (lang IN ('id', 'en')),
    sha256         TEXT NOT NULL,
    body           TEXT NOT NULL,
    created_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (video_sha256, lang)
);
CREATE INDEX media_captions_by_sha256 ON media_captions (sha256);
