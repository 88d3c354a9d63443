-- Comment periods on a revision, and the comments made in them.
CREATE TABLE comment_periods (
    id            TEXT PRIMARY KEY NOT NULL,
    reference     TEXT NOT NULL REFERENCES standards (reference),
    revision      INTEGER NOT NULL,
    opens_at      TIMESTAMP NOT NULL,
    closes_at     TIMESTAMP NOT NULL,
    -- Set when the close is recorded: early by the secretariat, at the deadline by the scheduler,
    -- or with the standard's withdrawal. Until then the period is still closed for every request
    -- once closes_at has passed.
    closed_at     TIMESTAMP,
    close_reason  TEXT CHECK (close_reason IN ('early', 'deadline', 'withdrawn')),
    version       BIGINT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    FOREIGN KEY (reference, revision) REFERENCES revisions (reference, number)
);
CREATE INDEX periods_by_standard ON comment_periods (reference, opens_at);
CREATE INDEX periods_to_close ON comment_periods (closed_at, closes_at);

CREATE TABLE comments (
    id                    TEXT PRIMARY KEY NOT NULL,
    -- The seq of the comment.created event: a total, gap-tolerant order of creation.
    created_seq           BIGINT NOT NULL UNIQUE,
    reference             TEXT NOT NULL REFERENCES standards (reference),
    revision              INTEGER NOT NULL,
    period_id             TEXT NOT NULL REFERENCES comment_periods (id),
    clause_id             TEXT,
    -- Position of the clause in its revision (0 for general comments), for clause order.
    clause_position       INTEGER NOT NULL,
    clause_hash           TEXT,
    paragraph             TEXT,
    comment_type          TEXT NOT NULL CHECK (comment_type IN ('general', 'technical', 'editorial')),
    body                  TEXT NOT NULL,
    proposed_change       TEXT,
    parent_id             TEXT REFERENCES comments (id),
    member_code           TEXT NOT NULL REFERENCES members (code),
    author_client         TEXT NOT NULL,
    status                TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'accepted_modified', 'rejected', 'noted', 'withdrawn')),
    response              TEXT,
    resolved_in           INTEGER,
    disposed_at           TIMESTAMP,
    disposed_by           TEXT,
    version               BIGINT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);
CREATE INDEX comments_by_standard ON comments (reference, created_seq);
CREATE INDEX comments_by_status ON comments (reference, status, created_seq);
CREATE INDEX comments_by_clause ON comments (reference, clause_position, created_seq);
CREATE INDEX comments_by_member ON comments (reference, member_code, created_seq);
CREATE INDEX comments_by_revision ON comments (reference, revision, created_seq);
CREATE INDEX comments_by_parent ON comments (parent_id);
