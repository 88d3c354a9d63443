-- Members, API clients and the hash-chained event log.
CREATE TABLE members (
    code        TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('state', 'organisation')),
    voting      BOOLEAN NOT NULL,
    region      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'withdrawn')),
    version     BIGINT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE clients (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    member_code  TEXT REFERENCES members (code),
    roles        TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP
);
CREATE INDEX clients_by_creation ON clients (created_at, id);
CREATE INDEX clients_by_member ON clients (member_code, created_at, id);

CREATE TABLE events (
    seq           BIGINT PRIMARY KEY NOT NULL,
    at            TIMESTAMP NOT NULL,
    event_type    TEXT NOT NULL,
    actor_client  TEXT,
    actor_member  TEXT,
    subject       TEXT NOT NULL,
    data          TEXT NOT NULL,
    prev_hash     TEXT NOT NULL,
    hash          TEXT NOT NULL UNIQUE
);
CREATE INDEX events_by_type ON events (event_type, seq);
CREATE INDEX events_by_subject ON events (subject, seq);

-- The one row every write locks to append to the chain: its seq and hash are the last event's.
CREATE TABLE chain_head (
    id    INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO chain_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
