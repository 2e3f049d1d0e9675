-- Where each visitor-facing value of a title came from, field by field, so a
-- catalogue re-import fills only what is empty or was itself imported and
-- never overwrites what a librarian wrote or published.
CREATE TABLE title_field_sources (
    title_id       INTEGER NOT NULL REFERENCES titles (id) ON DELETE CASCADE,
    field          TEXT NOT NULL CHECK (field IN ('synopsis_id', 'synopsis_en', 'age_group', 'ebook_url', 'cover')),
    source         TEXT NOT NULL CHECK (source IN ('import', 'staff')),  -- the catalogue import, or the back office
    PRIMARY KEY (title_id, field)
) WITHOUT ROWID;

-- Values from before this table: those of a title a librarian has published,
-- or that no import wrote (the demo's), are the librarian's; the others'
-- came from the import.
INSERT INTO title_field_sources (title_id, field, source)
SELECT t.id, f.field,
       CASE WHEN EXISTS (SELECT 1 FROM audit_log a
                          WHERE a.action = 'title.publish' AND a.target = 'title:' || t.id)
                 OR NOT (COALESCE(t.source, '') LIKE 'marc:%' OR COALESCE(t.source, '') LIKE 'csv:%')
            THEN 'staff' ELSE 'import' END
  FROM titles t
  JOIN (SELECT 'synopsis_id' AS field UNION ALL SELECT 'synopsis_en' UNION ALL SELECT 'age_group') f
 WHERE (f.field = 'synopsis_id' AND COALESCE(TRIM(t.synopsis_id), '') <> '')
    OR (f.field = 'synopsis_en' AND COALESCE(TRIM(t.synopsis_en), '') <> '')
    OR (f.field = 'age_group' AND COALESCE(t.age_group, '') <> '');

-- Archived: hidden from visitors and listed last in the back office, kept
-- for later (Publish brings an item back).
ALTER TABLE titles  ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
ALTER TABLE shelves ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events  ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tours   ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
