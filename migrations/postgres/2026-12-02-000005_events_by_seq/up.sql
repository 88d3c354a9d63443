-- The UNIQUE index on `hash` goes: nothing looks an event up by its hash, the chain itself
-- (each hash covers the previous one, verified by `GET /v1/events/verify` and `accord verify-log`)
-- is what makes a hash unrepeatable, and the index cost every append an insert at a random place
-- in a B-tree as large as the log. (The SQLite migration of the same version also makes `seq`
-- the table's own key; PostgreSQL's `events_pkey` already is a plain index on it.)
ALTER TABLE events DROP CONSTRAINT events_hash_key;
