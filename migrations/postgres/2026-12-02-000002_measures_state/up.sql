-- Moves with every change to a measure, whoever makes it, so that an
-- instance can tell in one read whether the measures it keeps in memory are
-- still those in the database.
CREATE TABLE measures_state (
    id INTEGER PRIMARY KEY,
    generation BIGINT NOT NULL
);
INSERT INTO measures_state (id, generation) VALUES (1, 0);
CREATE FUNCTION measures_changed() RETURNS trigger AS $$
BEGIN
    UPDATE measures_state SET generation = generation + 1 WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER measures_changed AFTER INSERT OR UPDATE OR DELETE ON measure_updates
    FOR EACH STATEMENT EXECUTE FUNCTION measures_changed();
