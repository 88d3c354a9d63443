//! Revisions and their clauses. A revision is written once, with all its clauses, and never
//! changed: there is no update or delete here.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{clauses, revisions};
use crate::domain::standard::{Clause, clause_hash};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = revisions)]
#[diesel(treat_none_as_default_value = false)]
pub struct RevisionRow {
    pub reference: String,
    pub number: i32,
    pub summary: String,
    pub content_hash: String,
    pub clause_count: i32,
    pub created_at: NaiveDateTime,
    pub created_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = clauses)]
#[diesel(treat_none_as_default_value = false)]
pub struct ClauseRow {
    pub reference: String,
    pub revision: i32,
    pub position: i32,
    pub clause_id: String,
    pub heading: String,
    pub body: String,
    pub clause_hash: String,
}

impl From<ClauseRow> for Clause {
    fn from(row: ClauseRow) -> Self {
        Clause {
            id: row.clause_id,
            heading: row.heading,
            text: row.body,
        }
    }
}

/// Rows per multi-row INSERT (SQLite allows 32766 bound values; 7 per clause).
const CLAUSE_BATCH: usize = 500;

impl RevisionRow {
    /// Stores the revision and its clauses, in order.
    pub fn insert(conn: &mut DbConn, row: &RevisionRow, clauses: &[Clause]) -> QueryResult<()> {
        diesel::insert_into(revisions::table)
            .values(row)
            .execute(conn)?;
        let rows: Vec<ClauseRow> = clauses
            .iter()
            .enumerate()
            .map(|(i, c)| ClauseRow {
                reference: row.reference.clone(),
                revision: row.number,
                position: i as i32 + 1,
                clause_id: c.id.clone(),
                heading: c.heading.clone(),
                body: c.text.clone(),
                clause_hash: clause_hash(c),
            })
            .collect();
        for chunk in rows.chunks(CLAUSE_BATCH) {
            crate::insert_batch!(&mut *conn, clauses::table, chunk)?;
        }
        Ok(())
    }

    pub fn find(conn: &mut DbConn, reference: &str, number: i32) -> QueryResult<RevisionRow> {
        revisions::table
            .find((reference, number))
            .select(RevisionRow::as_select())
            .first(conn)
    }

    pub fn clauses(conn: &mut DbConn, reference: &str, number: i32) -> QueryResult<Vec<Clause>> {
        let rows: Vec<ClauseRow> = clauses::table
            .filter(
                clauses::reference
                    .eq(reference)
                    .and(clauses::revision.eq(number)),
            )
            .order(clauses::position.asc())
            .select(ClauseRow::as_select())
            .load(conn)?;
        Ok(rows.into_iter().map(Clause::from).collect())
    }

    /// Revisions of a standard after `after`, oldest first.
    pub fn list(
        conn: &mut DbConn,
        reference: &str,
        after: i32,
        limit: i64,
    ) -> QueryResult<Vec<RevisionRow>> {
        revisions::table
            .filter(
                revisions::reference
                    .eq(reference)
                    .and(revisions::number.gt(after)),
            )
            .order(revisions::number.asc())
            .limit(limit)
            .select(RevisionRow::as_select())
            .load(conn)
    }
}
