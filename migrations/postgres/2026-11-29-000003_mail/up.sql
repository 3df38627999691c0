-- Mail waiting to go out, written in the same transaction as the event that
-- causes it, so that no message is lost when the process stops.
CREATE TABLE mail_outbox (
    id BIGSERIAL PRIMARY KEY,
    template TEXT NOT NULL,
    recipient TEXT NOT NULL,
    context TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
