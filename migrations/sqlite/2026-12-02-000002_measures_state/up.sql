-- Moves with every change to a measure, whoever makes it, so that an
-- instance can tell in one read whether the measures it keeps in memory are
-- still those in the database.
CREATE TABLE measures_state (
    id INTEGER PRIMARY KEY,
    generation BIGINT NOT NULL
);
INSERT INTO measures_state (id, generation) VALUES (1, 0);
CREATE TRIGGER measures_inserted AFTER INSERT ON measure_updates
BEGIN
    UPDATE measures_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER measures_updated AFTER UPDATE ON measure_updates
BEGIN
    UPDATE measures_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER measures_deleted AFTER DELETE ON measure_updates
BEGIN
    UPDATE measures_state SET generation = generation + 1 WHERE id = 1;
END;
