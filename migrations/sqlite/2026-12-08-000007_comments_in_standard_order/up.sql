-- Nothing on SQLite: the PostgreSQL migration of the same version removes the index that let its
-- planner read a standard's comments by walking all comments in creation order. SQLite's planner
-- takes the index that matches the equality filters (comments_by_status for a status filter; see
-- EXPLAIN QUERY PLAN), and dropping the inline UNIQUE would mean rebuilding the table.
SELECT 1;
