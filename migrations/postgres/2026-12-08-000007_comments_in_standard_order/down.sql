DROP INDEX comments_by_standard;
CREATE INDEX comments_by_standard ON comments (reference, created_seq);
ALTER TABLE comments ADD CONSTRAINT comments_created_seq_key UNIQUE (created_seq);
