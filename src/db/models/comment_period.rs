//! Comment periods: windows during which comments on one revision are accepted.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::comment_periods;
use crate::domain::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = comment_periods)]
#[diesel(treat_none_as_default_value = false)]
pub struct PeriodRow {
    pub id: String,
    pub reference: String,
    pub revision: i32,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
    pub close_reason: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
}

impl PeriodRow {
    /// Open for comments at `now`: opened, not closed early, deadline not reached. This is the
    /// check every request makes, whether or not the scheduler has recorded the close yet.
    pub fn is_open_at(&self, now: Timestamp) -> bool {
        let now = now.naive();
        self.closed_at.is_none() && self.opens_at <= now && now < self.closes_at
    }

    /// When it closed (or closes), as seen at `now`: the recorded close, or the deadline once passed.
    pub fn effective_close(&self, now: Timestamp) -> Option<(NaiveDateTime, &str)> {
        match (&self.closed_at, &self.close_reason) {
            (Some(at), Some(reason)) => Some((*at, reason.as_str())),
            _ if now.naive() >= self.closes_at => Some((self.closes_at, "deadline")),
            _ => None,
        }
    }

    pub fn insert(conn: &mut DbConn, row: &PeriodRow) -> QueryResult<()> {
        diesel::insert_into(comment_periods::table)
            .values(row)
            .execute(conn)
            .map(|_| ())
    }

    pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<PeriodRow> {
        comment_periods::table
            .find(id)
            .select(PeriodRow::as_select())
            .first(conn)
    }

    /// The most recent period of a standard.
    pub fn latest(conn: &mut DbConn, reference: &str) -> QueryResult<Option<PeriodRow>> {
        comment_periods::table
            .filter(comment_periods::reference.eq(reference))
            .order((comment_periods::opens_at.desc(), comment_periods::id.desc()))
            .select(PeriodRow::as_select())
            .first(conn)
            .optional()
    }

    /// The period whose close is not recorded yet, if any (at most one per standard).
    pub fn unrecorded(conn: &mut DbConn, reference: &str) -> QueryResult<Option<PeriodRow>> {
        crate::on_backend!(conn, |c| comment_periods::table
            .filter(
                comment_periods::reference
                    .eq(reference)
                    .and(comment_periods::closed_at.is_null()),
            )
            .select(PeriodRow::as_select())
            .first(c)
            .optional())
    }

    pub fn list(
        conn: &mut DbConn,
        reference: &str,
        after: Option<(NaiveDateTime, String)>,
        limit: i64,
    ) -> QueryResult<Vec<PeriodRow>> {
        let mut query = comment_periods::table
            .filter(comment_periods::reference.eq(reference))
            .order((comment_periods::opens_at.asc(), comment_periods::id.asc()))
            .limit(limit)
            .select(PeriodRow::as_select())
            .into_boxed();
        if let Some((at, id)) = after {
            query = query.filter(
                comment_periods::opens_at
                    .gt(at)
                    .or(comment_periods::opens_at
                        .eq(at)
                        .and(comment_periods::id.gt(id))),
            );
        }
        query.load(conn)
    }

    /// Periods past their deadline whose close is not recorded yet.
    pub fn due(conn: &mut DbConn, now: Timestamp, limit: i64) -> QueryResult<Vec<PeriodRow>> {
        comment_periods::table
            .filter(
                comment_periods::closed_at
                    .is_null()
                    .and(comment_periods::closes_at.le(now.naive())),
            )
            .order(comment_periods::closes_at.asc())
            .limit(limit)
            .select(PeriodRow::as_select())
            .load(conn)
    }

    /// Records the close; false when another writer recorded it first.
    pub fn record_close(
        conn: &mut DbConn,
        id: &str,
        at: NaiveDateTime,
        reason: &str,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            comment_periods::table
                .find(id)
                .filter(comment_periods::closed_at.is_null()),
        )
        .set((
            comment_periods::closed_at.eq(at),
            comment_periods::close_reason.eq(reason),
            comment_periods::version.eq(comment_periods::version + 1),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    /// Moves the deadline when the version is still `version` and the close is not recorded.
    pub fn extend(
        conn: &mut DbConn,
        id: &str,
        version: i64,
        closes_at: NaiveDateTime,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            comment_periods::table.find(id).filter(
                comment_periods::version
                    .eq(version)
                    .and(comment_periods::closed_at.is_null()),
            ),
        )
        .set((
            comment_periods::closes_at.eq(closes_at),
            comment_periods::version.eq(version + 1),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }
}
