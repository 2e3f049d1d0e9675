-- Where the size stored with each code (markers.size_m, the printed side of
-- the symbol the app's pose estimate uses) came from. size_layout: the print
-- layout that set it ('shelf', 'book', 'spine' or 'poster'); NULL when it was
-- typed by a librarian or is the default of a code never printed here.
-- size_printed_at: when that print was made (UTC, RFC 3339), NULL likewise.
ALTER TABLE markers ADD COLUMN size_layout TEXT;
ALTER TABLE markers ADD COLUMN size_printed_at TEXT;
