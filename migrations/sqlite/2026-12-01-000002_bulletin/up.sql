-- Addresses that receive the bulletin: asked for by their owner and
-- confirmed (double opt-in), or added confirmed by the secretariat or a
-- focal point. One row per address, whatever happens to it.
CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    name TEXT,
    authority_id BIGINT REFERENCES authorities (id),
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    confirm_sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    unsubscribed_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX subscriptions_status ON subscriptions (status);
CREATE INDEX subscriptions_authority ON subscriptions (authority_id);

-- One row per slot of the schedule (unique: a slot is compiled once), with
-- the bulletin as it was rendered and sent, in its two editions; a slot with
-- nothing new is recorded as skipped, without a number.
CREATE TABLE bulletins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number INTEGER UNIQUE,
    slot_at TIMESTAMP NOT NULL UNIQUE,
    status TEXT NOT NULL,
    cause TEXT NOT NULL,
    compiled_at TIMESTAMP NOT NULL,
    since TIMESTAMP,
    subject TEXT NOT NULL,
    summary TEXT NOT NULL,
    entries TEXT NOT NULL,
    html_full TEXT NOT NULL,
    text_full TEXT NOT NULL,
    html_public TEXT NOT NULL,
    text_public TEXT NOT NULL
);

-- The scheduler's memory: the last slot taken, advanced by compare-and-set
-- so that one instance alone compiles each slot.
CREATE TABLE scheduler_state (
    id INTEGER PRIMARY KEY,
    last_slot_at TIMESTAMP,
    last_check_at TIMESTAMP
);
INSERT INTO scheduler_state (id, last_slot_at, last_check_at) VALUES (1, NULL, NULL);

-- A bulletin's deliveries are outbox rows: one per (bulletin, subscription),
-- holding no copy of the body.
ALTER TABLE mail_outbox ADD COLUMN bulletin_id BIGINT REFERENCES bulletins (id);
ALTER TABLE mail_outbox ADD COLUMN subscription_id BIGINT REFERENCES subscriptions (id);
CREATE UNIQUE INDEX mail_outbox_delivery ON mail_outbox (bulletin_id, subscription_id);
CREATE INDEX mail_outbox_subscription ON mail_outbox (subscription_id, status);

-- Reminders sent to focal points of records not verified for too long.
CREATE TABLE reminders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    authority_id BIGINT NOT NULL REFERENCES authorities (id),
    email TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL
);
CREATE INDEX reminders_authority ON reminders (authority_id, email, sent_at);
