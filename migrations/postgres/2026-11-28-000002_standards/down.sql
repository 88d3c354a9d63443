DROP TABLE clauses;
DROP TABLE revisions;
DROP TABLE standards;
