-- The directory: authorities designated by States, by article.
CREATE TABLE authorities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ref TEXT NOT NULL UNIQUE,
    country_code TEXT NOT NULL,
    name TEXT NOT NULL,
    name_local TEXT,
    acronym TEXT,
    kind TEXT NOT NULL,
    territory TEXT,
    address TEXT,
    postal_code TEXT,
    city TEXT,
    phone TEXT,
    fax TEXT,
    email TEXT,
    website TEXT,
    languages TEXT NOT NULL DEFAULT '',
    language_note TEXT,
    channels TEXT NOT NULL DEFAULT '',
    urgent_contact TEXT,
    office_hours TEXT,
    time_zone TEXT,
    requirements TEXT,
    notes TEXT,
    verified_at DATE,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    archived_at TIMESTAMP
);
CREATE INDEX authorities_country ON authorities (country_code);

CREATE TABLE designations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    authority_id BIGINT NOT NULL REFERENCES authorities (id) ON DELETE CASCADE,
    instrument TEXT NOT NULL,
    article INTEGER NOT NULL,
    functions TEXT NOT NULL DEFAULT '',
    note TEXT,
    UNIQUE (authority_id, instrument, article)
);
CREATE INDEX designations_article ON designations (instrument, article);

CREATE TABLE contact_persons (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    authority_id BIGINT NOT NULL REFERENCES authorities (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    position TEXT,
    email TEXT,
    phone TEXT,
    languages TEXT NOT NULL DEFAULT ''
);
CREATE INDEX contact_persons_authority ON contact_persons (authority_id, seq);

-- Bumped in the same transaction as every change to the directory, so each
-- instance knows when its in-memory copy is out of date.
CREATE TABLE directory_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO directory_state (id, generation) VALUES (1, 0);
