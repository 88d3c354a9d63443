-- A standard's comments are read newest first (and by cursor) through the indexes that lead with
-- the standard: comments_by_status, _by_member, _by_clause, _by_revision, _by_standard. The unique
-- index that created_seq alone had offered PostgreSQL another way: walk every comment backwards in
-- creation order and filter by standard, which its estimates favour when matching comments look
-- common, and which is right only when they are spread evenly in time. Where one standard's
-- comments are all older than the rest (seed-bench's busy standard), that plan skipped 160,000 rows
-- for a page of 20 at scale 0.2 (126 ms instead of well under one), and at scale 1 a page read
-- with its reply counts took it too. created_seq is the seq of the comment's `comment.created`
-- event, unique by construction (events.seq is the key of the event log); it stays unique within
-- each standard here, with the standard first, so that no index can give creation order without
-- the standard.
ALTER TABLE comments DROP CONSTRAINT comments_created_seq_key;
DROP INDEX comments_by_standard;
CREATE UNIQUE INDEX comments_by_standard ON comments (reference, created_seq);
