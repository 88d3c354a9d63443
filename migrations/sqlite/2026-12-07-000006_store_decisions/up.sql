-- Nothing on SQLite: the PostgreSQL migration of the same version adds the function that stores
-- a batch's decisions in one call. SQLite runs in process, where a statement costs no round trip,
-- and keeps the two statements (see `store` in src/db/models/ballot.rs).
SELECT 1;
