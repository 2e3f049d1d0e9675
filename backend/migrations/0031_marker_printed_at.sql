-- When each code was last put on a printed label sheet or poster (UTC,
-- RFC 3339), so the print page can offer "not printed yet" in one click.
-- NULL: never printed from the back office.
ALTER TABLE markers ADD COLUMN printed_at TEXT;
