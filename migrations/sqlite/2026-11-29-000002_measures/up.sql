-- What authorities tell the others about how they work now.
CREATE TABLE measure_updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    authority_id BIGINT NOT NULL REFERENCES authorities (id),
    status TEXT NOT NULL,
    operations TEXT,
    electronic_requests TEXT,
    electronic_address TEXT,
    originals_required TEXT,
    time_limits TEXT,
    video_hearings TEXT,
    surrenders TEXT,
    transfers TEXT,
    urgent_contact TEXT,
    remarks TEXT,
    language TEXT,
    effective_from DATE NOT NULL,
    effective_until DATE,
    rejection_reason TEXT,
    created_by BIGINT REFERENCES users (id),
    decided_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    decided_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX measure_updates_authority ON measure_updates (authority_id, status);
CREATE INDEX measure_updates_status ON measure_updates (status, submitted_at);
