-- Ratification ballots on a pinned revision, their electorate, and every version of each
-- member's decision.
CREATE TABLE ballots (
    id             TEXT PRIMARY KEY NOT NULL,
    reference      TEXT NOT NULL REFERENCES standards (reference),
    revision       INTEGER NOT NULL,
    content_hash   TEXT NOT NULL,
    opens_at       TIMESTAMP NOT NULL,
    closes_at      TIMESTAMP NOT NULL,
    -- The approval rule as canonical JSON.
    rule           TEXT NOT NULL,
    electorate     INTEGER NOT NULL,
    closed_at      TIMESTAMP,
    close_reason   TEXT CHECK (close_reason IN ('early', 'deadline', 'withdrawn')),
    outcome        TEXT CHECK (outcome IN ('ratified', 'rejected', 'cancelled')),
    version        BIGINT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    FOREIGN KEY (reference, revision) REFERENCES revisions (reference, number)
);
CREATE INDEX ballots_by_standard ON ballots (reference, opens_at);
CREATE INDEX ballots_to_close ON ballots (closed_at, closes_at);

CREATE TABLE ballot_electorate (
    ballot_id    TEXT NOT NULL REFERENCES ballots (id),
    member_code  TEXT NOT NULL REFERENCES members (code),
    PRIMARY KEY (ballot_id, member_code)
);

CREATE TABLE ratifications (
    ballot_id          TEXT NOT NULL REFERENCES ballots (id),
    member_code        TEXT NOT NULL REFERENCES members (code),
    version            INTEGER NOT NULL,
    current            BOOLEAN NOT NULL,
    decision           TEXT NOT NULL CHECK (decision IN ('ratify', 'decline', 'abstain')),
    -- Reservations as canonical JSON ([] when none) and its SHA-256.
    reservations       TEXT NOT NULL,
    reservations_hash  TEXT NOT NULL,
    reasons            TEXT,
    statement          TEXT,
    cast_by            TEXT NOT NULL,
    cast_at            TIMESTAMP NOT NULL,
    event_seq          BIGINT NOT NULL,
    event_hash         TEXT NOT NULL,
    receipt            TEXT NOT NULL,
    PRIMARY KEY (ballot_id, member_code, version)
);
-- At most one current decision per member and ballot.
CREATE UNIQUE INDEX ratifications_current ON ratifications (ballot_id, member_code) WHERE current;
