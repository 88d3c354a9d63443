-- Standards, their immutable revisions and the clauses of each revision.
CREATE TABLE standards (
    reference          TEXT PRIMARY KEY NOT NULL,
    title              TEXT NOT NULL,
    scope              TEXT NOT NULL,
    -- Topics as one text, each topic surrounded by spaces (" safety incident-reporting "), so that a
    -- topic filter is a LIKE on " topic ".
    topics             TEXT NOT NULL,
    committee          TEXT NOT NULL,
    stage              TEXT NOT NULL CHECK (stage IN ('drafting', 'public_comment', 'ratification', 'ratified', 'superseded', 'withdrawn')),
    supersedes         TEXT REFERENCES standards (reference),
    superseded_by      TEXT REFERENCES standards (reference),
    latest_revision    INTEGER NOT NULL,
    latest_hash        TEXT,
    ratified_revision  INTEGER,
    ratified_hash      TEXT,
    withdrawn_reason   TEXT,
    -- Lower-cased reference, title and scope, for case-insensitive search in any script.
    search_text        TEXT NOT NULL,
    version            BIGINT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX standards_by_creation ON standards (created_at, reference);
CREATE INDEX standards_by_stage ON standards (stage, created_at, reference);
CREATE INDEX standards_by_committee ON standards (committee, created_at, reference);
CREATE INDEX standards_by_update ON standards (updated_at);

CREATE TABLE revisions (
    reference      TEXT NOT NULL REFERENCES standards (reference),
    number         INTEGER NOT NULL,
    summary        TEXT NOT NULL,
    content_hash   TEXT NOT NULL,
    clause_count   INTEGER NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    created_by     TEXT,
    PRIMARY KEY (reference, number)
);

CREATE TABLE clauses (
    reference    TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    clause_id    TEXT NOT NULL,
    heading      TEXT NOT NULL,
    body         TEXT NOT NULL,
    clause_hash  TEXT NOT NULL,
    PRIMARY KEY (reference, revision, position),
    UNIQUE (reference, revision, clause_id),
    FOREIGN KEY (reference, revision) REFERENCES revisions (reference, number)
);
