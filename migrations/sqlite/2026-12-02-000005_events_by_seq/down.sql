CREATE TABLE events_rebuilt (
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
INSERT INTO events_rebuilt (seq, at, event_type, actor_client, actor_member, subject, data, prev_hash, hash)
    SELECT seq, at, event_type, actor_client, actor_member, subject, data, prev_hash, hash
    FROM events ORDER BY seq;
DROP TABLE events;
ALTER TABLE events_rebuilt RENAME TO events;
CREATE INDEX events_by_type ON events (event_type, seq);
CREATE INDEX events_by_subject ON events (subject, seq);
