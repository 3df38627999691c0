ALTER TABLE bulletins ADD COLUMN html_full TEXT NOT NULL DEFAULT '';
ALTER TABLE bulletins ADD COLUMN text_full TEXT NOT NULL DEFAULT '';
ALTER TABLE bulletins ADD COLUMN html_public TEXT NOT NULL DEFAULT '';
ALTER TABLE bulletins ADD COLUMN text_public TEXT NOT NULL DEFAULT '';
UPDATE bulletins SET
    html_full = coalesce((SELECT group_concat(body, '' ORDER BY seq) FROM bulletin_parts p WHERE p.bulletin_id = bulletins.id AND p.edition = 'html_full'), ''),
    text_full = coalesce((SELECT group_concat(body, '' ORDER BY seq) FROM bulletin_parts p WHERE p.bulletin_id = bulletins.id AND p.edition = 'text_full'), ''),
    html_public = coalesce((SELECT group_concat(body, '' ORDER BY seq) FROM bulletin_parts p WHERE p.bulletin_id = bulletins.id AND p.edition = 'html_public'), ''),
    text_public = coalesce((SELECT group_concat(body, '' ORDER BY seq) FROM bulletin_parts p WHERE p.bulletin_id = bulletins.id AND p.edition = 'text_public'), '');
DROP TABLE bulletin_parts;
