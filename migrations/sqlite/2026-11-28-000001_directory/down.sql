DROP TABLE directory_state;
DROP TABLE contact_persons;
DROP TABLE designations;
DROP TABLE authorities;
