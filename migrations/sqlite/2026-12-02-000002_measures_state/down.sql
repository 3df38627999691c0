DROP TRIGGER measures_inserted;
DROP TRIGGER measures_updated;
DROP TRIGGER measures_deleted;
DROP TABLE measures_state;
