DROP TABLE measure_updates;
