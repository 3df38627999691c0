-- People and programs who sign in, and the record of every change.
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT,
    role TEXT NOT NULL,
    authority_id BIGINT REFERENCES authorities (id),
    password_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP
);

-- Only a hash of the session id is kept, so a copy of the database does not
-- let anyone sign in.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label TEXT,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Failed sign-ins, counted per account and per address over a window; in the
-- database so that every instance counts the same attempts.
CREATE TABLE login_failures (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL,
    address TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_address ON login_failures (address, at);

CREATE TABLE changes (
    id BIGSERIAL PRIMARY KEY,
    authority_id BIGINT NOT NULL REFERENCES authorities (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    fields TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX changes_authority ON changes (authority_id, id);
CREATE INDEX changes_at ON changes (at);
