-- Written by /readyz: an instance is ready only while it can write to the
-- database (a full disk or a read-only database answers reads but not this).
CREATE TABLE readiness (
    id INTEGER PRIMARY KEY,
    checked_at TIMESTAMP NOT NULL
);
INSERT INTO readiness (id, checked_at) VALUES (1, CURRENT_TIMESTAMP);
