DROP TABLE proposals;
DROP INDEX measure_updates_scheduled;
DROP INDEX measure_updates_one_in_force;
ALTER TABLE measure_updates DROP COLUMN base_id;
