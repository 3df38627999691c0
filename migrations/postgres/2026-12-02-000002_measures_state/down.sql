DROP TRIGGER measures_changed ON measure_updates;
DROP FUNCTION measures_changed();
DROP TABLE measures_state;
