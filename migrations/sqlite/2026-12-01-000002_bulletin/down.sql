DROP TABLE reminders;
DROP INDEX mail_outbox_subscription;
DROP INDEX mail_outbox_delivery;
ALTER TABLE mail_outbox DROP COLUMN subscription_id;
ALTER TABLE mail_outbox DROP COLUMN bulletin_id;
DROP TABLE scheduler_state;
DROP TABLE bulletins;
DROP TABLE subscriptions;
