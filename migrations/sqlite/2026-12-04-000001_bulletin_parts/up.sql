-- A bulletin's editions, in parts of about 1 MB each, in the order they are
-- read. At 50,000 authorities an edition is 10-20 MB: stored as one value,
-- the database built the whole row of four editions (51 MB) in memory to
-- write it, and again to read any one of them.
CREATE TABLE bulletin_parts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    bulletin_id BIGINT NOT NULL REFERENCES bulletins (id),
    -- html_full, text_full, html_public or text_public
    edition TEXT NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (bulletin_id, edition, seq)
);

INSERT INTO bulletin_parts (bulletin_id, edition, seq, body)
SELECT id, 'html_full', 0, html_full FROM bulletins WHERE html_full <> '';
INSERT INTO bulletin_parts (bulletin_id, edition, seq, body)
SELECT id, 'text_full', 0, text_full FROM bulletins WHERE text_full <> '';
INSERT INTO bulletin_parts (bulletin_id, edition, seq, body)
SELECT id, 'html_public', 0, html_public FROM bulletins WHERE html_public <> '';
INSERT INTO bulletin_parts (bulletin_id, edition, seq, body)
SELECT id, 'text_public', 0, text_public FROM bulletins WHERE text_public <> '';

ALTER TABLE bulletins DROP COLUMN html_full;
ALTER TABLE bulletins DROP COLUMN text_full;
ALTER TABLE bulletins DROP COLUMN html_public;
ALTER TABLE bulletins DROP COLUMN text_public;
