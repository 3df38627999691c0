-- Which authorities each directory generation changed, so that an instance
-- can bring its in-memory copy up to date by reading only those. A row with
-- no authority means "too many to name: read everything". Old rows are
-- pruned by the writers.
CREATE TABLE directory_changes (
    generation BIGINT NOT NULL,
    authority_id BIGINT
);
CREATE INDEX directory_changes_generation ON directory_changes (generation);
