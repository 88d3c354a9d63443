//! Comments on revisions, their dispositions, and the filters researchers use.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable};

use crate::db::schema::{clauses, comments};
use crate::db::{DbConn, MultiBackend};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = comments)]
#[diesel(treat_none_as_default_value = false)]
pub struct CommentRow {
    pub id: String,
    pub created_seq: i64,
    pub reference: String,
    pub revision: i32,
    pub period_id: String,
    pub clause_id: Option<String>,
    pub clause_position: i32,
    pub clause_hash: Option<String>,
    pub paragraph: Option<String>,
    pub comment_type: String,
    pub body: String,
    pub proposed_change: Option<String>,
    pub parent_id: Option<String>,
    pub member_code: String,
    pub author_client: String,
    pub status: String,
    pub response: Option<String>,
    pub resolved_in: Option<i32>,
    pub disposed_at: Option<NaiveDateTime>,
    pub disposed_by: Option<String>,
    pub version: i64,
    #[diesel(deserialize_as = crate::db::time::StoredTime)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::time::StoredTime)]
    pub updated_at: NaiveDateTime,
}

/// Edits by the author; `None` leaves a field as it is.
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = comments)]
pub struct CommentEdit {
    pub comment_type: Option<String>,
    pub body: Option<String>,
    pub proposed_change: Option<Option<String>>,
    pub paragraph: Option<Option<String>>,
    pub status: Option<String>,
}

/// The editor's disposition.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = comments)]
pub struct Disposition {
    pub status: String,
    pub response: Option<String>,
    pub resolved_in: Option<i32>,
    pub disposed_at: Option<NaiveDateTime>,
    pub disposed_by: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CommentOrder {
    #[default]
    NewestFirst,
    ClauseOrder,
}

#[derive(Debug, Default, Clone)]
pub struct CommentFilter {
    pub reference: String,
    pub revision: Option<i32>,
    pub clause: Option<String>,
    pub comment_type: Option<String>,
    pub status: Option<String>,
    pub member: Option<String>,
    pub since: Option<NaiveDateTime>,
    pub order: CommentOrder,
    /// Keyset: newest first, created_seq below this; clause order, after (position, created_seq).
    pub after: Option<(i32, i64)>,
}

/// The comments of `f.reference` that `f` selects, in its order, as a boxed query of the
/// backend at hand (inside `on_backend!`); the caller chooses the columns and the limit.
macro_rules! filtered_comments {
    ($f:expr) => {{
        let f: &CommentFilter = $f;
        let mut query = comments::table
            .filter(comments::reference.eq(&f.reference))
            .into_boxed();
        if let Some(r) = f.revision {
            query = query.filter(comments::revision.eq(r));
        }
        if let Some(c) = &f.clause {
            query = query.filter(comments::clause_id.eq(c));
        }
        if let Some(t) = &f.comment_type {
            query = query.filter(comments::comment_type.eq(t));
        }
        if let Some(s) = &f.status {
            query = query.filter(comments::status.eq(s));
        }
        if let Some(m) = &f.member {
            query = query.filter(comments::member_code.eq(m));
        }
        if let Some(since) = f.since {
            query = query.filter(comments::created_at.ge(since));
        }
        match f.order {
            CommentOrder::NewestFirst => {
                if let Some((_, seq)) = f.after {
                    query = query.filter(comments::created_seq.lt(seq));
                }
                query.order(comments::created_seq.desc())
            }
            CommentOrder::ClauseOrder => {
                if let Some((pos, seq)) = f.after {
                    query = query.filter(
                        comments::clause_position
                            .gt(pos)
                            .or(comments::clause_position
                                .eq(pos)
                                .and(comments::created_seq.gt(seq))),
                    );
                }
                query.order((comments::clause_position.asc(), comments::created_seq.asc()))
            }
        }
    }};
}

impl CommentRow {
    /// Stores `row`: in the writer's batch, with the batch's other new comments just before the
    /// commit ([`batch`]); anywhere else, at once.
    pub fn insert(conn: &mut DbConn, row: CommentRow) -> QueryResult<()> {
        match batch::ROWS.defer(row) {
            None => Ok(()),
            Some(row) => crate::on_backend!(conn, |c| diesel::insert_into(comments::table)
                .values(&row)
                .execute(c))
            .map(|_| ()),
        }
    }

    /// The comment `id`, among those stored and those the writer's batch has yet to store.
    pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<CommentRow> {
        if let Some(row) = batch::pending(id) {
            return Ok(row);
        }
        crate::on_backend!(conn, |c| comments::table
            .find(id)
            .select(CommentRow::as_select())
            .first(c))
    }

    pub fn edit(
        conn: &mut DbConn,
        id: &str,
        version: i64,
        edit: &CommentEdit,
        at: NaiveDateTime,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            comments::table
                .find(id)
                .filter(comments::version.eq(version)),
        )
        .set((
            edit,
            comments::version.eq(version + 1),
            comments::updated_at.eq(at),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    pub fn dispose(
        conn: &mut DbConn,
        id: &str,
        version: i64,
        d: &Disposition,
        at: NaiveDateTime,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            comments::table
                .find(id)
                .filter(comments::version.eq(version)),
        )
        .set((
            d,
            comments::version.eq(version + 1),
            comments::updated_at.eq(at),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    pub fn reply_count(conn: &mut DbConn, id: &str) -> QueryResult<i64> {
        comments::table
            .filter(comments::parent_id.eq(id))
            .count()
            .get_result(conn)
    }

    /// Reply counts of several comments at once.
    pub fn reply_counts(conn: &mut DbConn, ids: &[String]) -> QueryResult<Vec<(String, i64)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // `eq_any` binds a list, and diesel never keeps such a statement prepared (its SQL
        // changes with the list's length): every page of comments parsed and planned this query
        // anew, 6% of the server's time on W2. An OR of equalities padded (with the first id) to
        // a power of two has at most ten shapes, each prepared once per connection; SQLite turns
        // it into an IN on the index, PostgreSQL into a bitmap OR of index scans.
        let slots = ids.len().next_power_of_two();
        let mut matches: Box<
            dyn BoxableExpression<comments::table, MultiBackend, SqlType = Nullable<Bool>>,
        > = Box::new(comments::parent_id.eq(&ids[0]));
        for id in ids[1..]
            .iter()
            .chain(std::iter::repeat_n(&ids[0], slots - ids.len()))
        {
            matches = Box::new(matches.or(comments::parent_id.eq(id)));
        }
        let rows: Vec<(Option<String>, i64)> = comments::table
            .filter(matches)
            .group_by(comments::parent_id)
            .select((comments::parent_id, diesel::dsl::count_star()))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, n)| id.map(|id| (id, n)))
            .collect())
    }

    pub fn list(conn: &mut DbConn, f: &CommentFilter, limit: i64) -> QueryResult<Vec<CommentRow>> {
        // Boxed (its filters vary), so its SQL is built on every call: once, on the backend's own
        // connection, instead of again for each layer of `MultiConnection`.
        crate::on_backend!(conn, |c| filtered_comments!(f)
            .select(CommentRow::as_select())
            .limit(limit)
            .load(c))
    }

    /// [`list`](Self::list) with each comment's reply count, read by the same statement: a page
    /// of comments used to take a second statement (an OR of its ids, grouped by parent), which
    /// was a fifth of the server's time on an uncached page and, on PostgreSQL, one more round
    /// trip. Each count is an index lookup (`comments_by_parent`) done as the row is read.
    pub fn list_counted(
        conn: &mut DbConn,
        f: &CommentFilter,
        limit: i64,
    ) -> QueryResult<Vec<(CommentRow, i64)>> {
        // A subquery built by diesel, not an SQL literal: a literal would make the statement
        // unsafe to cache, and it would be parsed and planned again on every page.
        let reply = diesel::alias!(comments as reply);
        let replies = reply
            .filter(reply.field(comments::parent_id).eq(comments::id.nullable()))
            .select(diesel::dsl::count_star())
            .single_value();
        let rows: Vec<(CommentRow, Option<i64>)> =
            crate::on_backend!(conn, |c| filtered_comments!(f)
                .select((CommentRow::as_select(), replies))
                .limit(limit)
                .load(c))?;
        Ok(rows
            .into_iter()
            .map(|(row, n)| (row, n.unwrap_or(0)))
            .collect())
    }
}

/// Where each clause of a revision is and what its text hashes to: (id, position, hash).
pub fn clause_index(
    conn: &mut DbConn,
    reference: &str,
    revision: i32,
) -> QueryResult<Vec<(String, i32, String)>> {
    clauses::table
        .filter(
            clauses::reference
                .eq(reference)
                .and(clauses::revision.eq(revision)),
        )
        .order(clauses::position.asc())
        .select((clauses::clause_id, clauses::position, clauses::clause_hash))
        .load(conn)
}

/// New comments during one batch of the writer thread.
///
/// A comment job reads what it checks (standard, period, clause, member, parent) and ends with
/// one insert of a row it built whole. Its row is kept here instead, and the batch's new comments
/// are stored by one multi-row INSERT just before the commit ([`batch::flush`]): on PostgreSQL a
/// statement per comment costs a round trip and an executor start-up, where one statement for
/// the batch costs about as much as one row. Nothing is left to go wrong by then: every value was
/// checked against rows read in the same transaction, which only the writer changes.
///
/// Only comment and decision jobs (the writer's *additive* jobs) run while rows are pending, and
/// the one read of comments they make, a reply's parent, finds pending rows through
/// [`CommentRow::find`]. Before any other job the writer stores what is pending
/// ([`batch::flush`] outside that job's savepoint, so that job's failure cannot undo it). A job
/// that fails has its pending row forgotten (see `db::deferred`). Outside a batch (the CLI, the
/// seeders) nothing is deferred. The state is the writer thread's own (a thread-local).
pub mod batch {
    use std::cell::RefCell;

    use diesel::QueryResult;

    use super::CommentRow;
    use crate::db::DbConn;
    use crate::db::deferred::Deferred;
    use crate::db::schema::comments;

    thread_local! {
        /// `Some` while a batch runs: its comments not yet stored, in the order they were made.
        static PENDING: RefCell<Option<Vec<CommentRow>>> = const { RefCell::new(None) };
    }

    pub static ROWS: Deferred<CommentRow> = Deferred::new(&PENDING);

    /// The pending comment `id`, if there is one.
    pub(super) fn pending(id: &str) -> Option<CommentRow> {
        ROWS.find_last(|r| (r.id == id).then(|| r.clone()))
    }

    /// Stores the pending comments in the batch's transaction; the batch goes on deferring.
    pub fn flush(conn: &mut DbConn) -> QueryResult<()> {
        crate::insert_rows!(&mut *conn, comments::table, &ROWS.take()).map(|_| ())
    }
}
