-- The measure in force an update was written against, so that the review
-- sees when another update was approved meanwhile.
ALTER TABLE measure_updates ADD COLUMN base_id BIGINT REFERENCES measure_updates (id);

-- Before the rule below, concurrent approvals could leave several updates of
-- one authority approved; the newest stays in force.
UPDATE measure_updates SET status = 'superseded'
WHERE status = 'approved'
  AND id NOT IN (SELECT MAX(id) FROM measure_updates WHERE status = 'approved' GROUP BY authority_id);

-- At most one measure in force per authority, whatever the application does.
CREATE UNIQUE INDEX measure_updates_one_in_force ON measure_updates (authority_id) WHERE status = 'approved';
CREATE INDEX measure_updates_scheduled ON measure_updates (status, effective_from);

-- A focal point's change to its authority's designations or kind, held for
-- the secretariat: a designation is a State's notification, not a detail.
CREATE TABLE proposals (
    id BIGSERIAL PRIMARY KEY,
    authority_id BIGINT NOT NULL REFERENCES authorities (id),
    status TEXT NOT NULL,
    kind TEXT NOT NULL,
    designations TEXT NOT NULL,
    base_kind TEXT NOT NULL,
    base_designations TEXT NOT NULL,
    reason TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    decided_by BIGINT REFERENCES users (id),
    decided_at TIMESTAMP
);
CREATE UNIQUE INDEX proposals_one_pending ON proposals (authority_id) WHERE status = 'pending';
CREATE INDEX proposals_status ON proposals (status, created_at);
