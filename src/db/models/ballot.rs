//! Ballots, their electorate, and every version of every member's decision.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::models::member::MemberRow;
use crate::db::schema::{ballot_electorate, ballots, members, ratifications};
use crate::domain::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = ballots)]
#[diesel(treat_none_as_default_value = false)]
pub struct BallotRow {
    pub id: String,
    pub reference: String,
    pub revision: i32,
    pub content_hash: String,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub rule: String,
    pub electorate: i32,
    pub closed_at: Option<NaiveDateTime>,
    pub close_reason: Option<String>,
    pub outcome: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = ratifications)]
#[diesel(treat_none_as_default_value = false)]
pub struct RatificationRow {
    pub ballot_id: String,
    pub member_code: String,
    pub version: i32,
    pub current: bool,
    pub decision: String,
    pub reservations: String,
    pub reservations_hash: String,
    pub reasons: Option<String>,
    pub statement: Option<String>,
    pub cast_by: String,
    pub cast_at: NaiveDateTime,
    pub event_seq: i64,
    pub event_hash: String,
    pub receipt: String,
}

impl BallotRow {
    /// Open for decisions at `now`: not closed, deadline not reached.
    pub fn is_open_at(&self, now: Timestamp) -> bool {
        self.closed_at.is_none() && now.naive() < self.closes_at
    }

    pub fn insert(conn: &mut DbConn, row: &BallotRow, electorate: &[String]) -> QueryResult<()> {
        diesel::insert_into(ballots::table)
            .values(row)
            .execute(conn)?;
        let rows: Vec<_> = electorate
            .iter()
            .map(|m| {
                (
                    ballot_electorate::ballot_id.eq(&row.id),
                    ballot_electorate::member_code.eq(m),
                )
            })
            .collect();
        for chunk in rows.chunks(1_000) {
            crate::insert_batch!(&mut *conn, ballot_electorate::table, chunk)?;
        }
        Ok(())
    }

    pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<BallotRow> {
        crate::on_backend!(conn, |c| ballots::table
            .find(id)
            .select(BallotRow::as_select())
            .first(c))
    }

    /// The ballot, locked until the end of the transaction on PostgreSQL (SQLite's write
    /// transaction already excludes every other writer): decisions on one ballot are serialised.
    pub fn find_for_update(conn: &mut DbConn, id: &str) -> QueryResult<BallotRow> {
        match conn {
            DbConn::Postgres(pg) => ballots::table
                .find(id)
                .select(BallotRow::as_select())
                .for_update()
                .first(pg),
            DbConn::Sqlite(_) => Self::find(conn, id),
        }
    }

    /// The ballot of a standard whose close is not recorded yet, if any.
    pub fn unrecorded(conn: &mut DbConn, reference: &str) -> QueryResult<Option<BallotRow>> {
        ballots::table
            .filter(
                ballots::reference
                    .eq(reference)
                    .and(ballots::closed_at.is_null()),
            )
            .select(BallotRow::as_select())
            .first(conn)
            .optional()
    }

    pub fn list(
        conn: &mut DbConn,
        reference: &str,
        after: Option<(NaiveDateTime, String)>,
        limit: i64,
    ) -> QueryResult<Vec<BallotRow>> {
        let mut query = ballots::table
            .filter(ballots::reference.eq(reference))
            .order((ballots::opens_at.asc(), ballots::id.asc()))
            .limit(limit)
            .select(BallotRow::as_select())
            .into_boxed();
        if let Some((at, id)) = after {
            query = query.filter(
                ballots::opens_at
                    .gt(at)
                    .or(ballots::opens_at.eq(at).and(ballots::id.gt(id))),
            );
        }
        query.load(conn)
    }

    pub fn due(conn: &mut DbConn, now: Timestamp, limit: i64) -> QueryResult<Vec<BallotRow>> {
        ballots::table
            .filter(
                ballots::closed_at
                    .is_null()
                    .and(ballots::closes_at.le(now.naive())),
            )
            .order(ballots::closes_at.asc())
            .limit(limit)
            .select(BallotRow::as_select())
            .load(conn)
    }

    /// Records the close and outcome; false when another writer recorded it first.
    pub fn record_close(
        conn: &mut DbConn,
        id: &str,
        at: NaiveDateTime,
        reason: &str,
        outcome: &str,
    ) -> QueryResult<bool> {
        let n = diesel::update(ballots::table.find(id).filter(ballots::closed_at.is_null()))
            .set((
                ballots::closed_at.eq(at),
                ballots::close_reason.eq(reason),
                ballots::outcome.eq(outcome),
                ballots::version.eq(ballots::version + 1),
            ))
            .execute(conn)?;
        Ok(n == 1)
    }

    pub fn electorate(conn: &mut DbConn, id: &str) -> QueryResult<Vec<String>> {
        ballot_electorate::table
            .filter(ballot_electorate::ballot_id.eq(id))
            .order(ballot_electorate::member_code.asc())
            .select(ballot_electorate::member_code)
            .load(conn)
    }

    /// The member `member` (`None` when no member has that code), whether it is in the electorate
    /// of ballot `id`, and its current decision there, in one statement: a decision is cast on
    /// the single writer's connection, where each statement is a round trip to PostgreSQL.
    pub fn voter(conn: &mut DbConn, id: &str, member: &str) -> QueryResult<Option<Voter>> {
        let in_electorate = diesel::dsl::exists(
            ballot_electorate::table.filter(
                ballot_electorate::ballot_id
                    .eq(id)
                    .and(ballot_electorate::member_code.eq(member)),
            ),
        );
        let found: Option<(MemberRow, bool, Option<RatificationRow>)> =
            crate::on_backend!(conn, |c| members::table
                .left_join(
                    ratifications::table.on(ratifications::member_code
                        .eq(members::code)
                        .and(ratifications::ballot_id.eq(id))
                        .and(ratifications::current)),
                )
                .filter(members::code.eq(member))
                .select((
                    MemberRow::as_select(),
                    in_electorate,
                    Option::<RatificationRow>::as_select(),
                ))
                .first(c)
                .optional())?;
        Ok(found.map(|(member, in_electorate, current)| Voter {
            member,
            in_electorate,
            current,
        }))
    }
}

/// A member as a ballot sees it: see [`BallotRow::voter`].
#[derive(Debug)]
pub struct Voter {
    pub member: MemberRow,
    pub in_electorate: bool,
    pub current: Option<RatificationRow>,
}

/// The voting members in good standing right now: a new ballot's electorate.
pub fn active_voting_members(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    members::table
        .filter(members::voting.eq(true).and(members::status.eq("active")))
        .order(members::code.asc())
        .select(members::code)
        .load(conn)
}

impl RatificationRow {
    pub fn current(conn: &mut DbConn, ballot: &str) -> QueryResult<Vec<RatificationRow>> {
        ratifications::table
            .filter(
                ratifications::ballot_id
                    .eq(ballot)
                    .and(ratifications::current),
            )
            .order(ratifications::member_code.asc())
            .select(RatificationRow::as_select())
            .load(conn)
    }

    pub fn current_of(
        conn: &mut DbConn,
        ballot: &str,
        member: &str,
    ) -> QueryResult<Option<RatificationRow>> {
        crate::on_backend!(conn, |c| ratifications::table
            .filter(
                ratifications::ballot_id
                    .eq(ballot)
                    .and(ratifications::member_code.eq(member))
                    .and(ratifications::current),
            )
            .select(RatificationRow::as_select())
            .first(c)
            .optional())
    }

    /// Every version (`history`) or only current decisions, by member then version, after a key.
    pub fn list(
        conn: &mut DbConn,
        ballot: &str,
        history: bool,
        after: Option<(String, i32)>,
        limit: i64,
    ) -> QueryResult<Vec<RatificationRow>> {
        let mut query = ratifications::table
            .filter(ratifications::ballot_id.eq(ballot))
            .order((
                ratifications::member_code.asc(),
                ratifications::version.asc(),
            ))
            .limit(limit)
            .select(RatificationRow::as_select())
            .into_boxed();
        if !history {
            query = query.filter(ratifications::current);
        }
        if let Some((member, version)) = after {
            query = query.filter(
                ratifications::member_code
                    .gt(member.clone())
                    .or(ratifications::member_code
                        .eq(member)
                        .and(ratifications::version.gt(version))),
            );
        }
        query.load(conn)
    }

    /// Stores a new version, making it the current one in place of version `replaces` (the
    /// current one read under the ballot's lock, if any). On PostgreSQL this is one statement,
    /// one round trip, prepared once per connection ([`ReplaceCurrent`]).
    pub fn insert_current(
        conn: &mut DbConn,
        row: &RatificationRow,
        replaces: Option<i32>,
    ) -> QueryResult<()> {
        match (conn, replaces) {
            (DbConn::Postgres(pg), Some(old)) => {
                let n = ReplaceCurrent { row, old }.execute(pg)?;
                replaced(n, old)
            }
            (conn, replaces) => {
                if let Some(old) = replaces {
                    let n = crate::on_backend!(&mut *conn, |c| diesel::update(
                        ratifications::table
                            .find((&row.ballot_id, &row.member_code, old))
                            .filter(ratifications::current),
                    )
                    .set(ratifications::current.eq(false))
                    .execute(c))?;
                    replaced(n, old)?;
                }
                crate::on_backend!(conn, |c| diesel::insert_into(ratifications::table)
                    .values(row)
                    .execute(c))
                .map(|_| ())
            }
        }
    }
}

/// On PostgreSQL, version `old` stops being current and `row` is inserted in its place, in one
/// statement: the update runs in a `WITH` clause and the insert takes its one row from it, so the
/// old row has left the one-current-decision index before the new one enters it, and nothing is
/// inserted unless `old` was current (the count is then 0).
///
/// It is a query type of its own rather than `sql_query` text because diesel never keeps a
/// `sql_query` prepared: PostgreSQL parsed and planned it on every decision, more than half of
/// the statement's time on the writer's connection (W5, step 17 of benches/history.md). A type
/// with a static query id is prepared once per connection and then only bound and run.
struct ReplaceCurrent<'a> {
    row: &'a RatificationRow,
    old: i32,
}

impl diesel::query_builder::QueryId for ReplaceCurrent<'_> {
    type QueryId = ReplaceCurrent<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for ReplaceCurrent<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text, Timestamp};
        let row = self.row;
        out.push_sql("WITH old AS (UPDATE ratifications SET current = false WHERE ballot_id = ");
        out.push_bind_param::<Text, _>(&row.ballot_id)?;
        out.push_sql(" AND member_code = ");
        out.push_bind_param::<Text, _>(&row.member_code)?;
        out.push_sql(" AND version = ");
        out.push_bind_param::<Integer, _>(&self.old)?;
        out.push_sql(
            " AND current RETURNING ballot_id, member_code) \
             INSERT INTO ratifications (ballot_id, member_code, version, current, decision, \
             reservations, reservations_hash, reasons, statement, cast_by, cast_at, event_seq, \
             event_hash, receipt) SELECT old.ballot_id, old.member_code, ",
        );
        out.push_bind_param::<Integer, _>(&row.version)?;
        out.push_sql(", ");
        out.push_bind_param::<Bool, _>(&row.current)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&row.decision)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&row.reservations)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&row.reservations_hash)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&row.reasons)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&row.statement)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&row.cast_by)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&row.cast_at)?;
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(&row.event_seq)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&row.event_hash)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&row.receipt)?;
        out.push_sql(" FROM old");
        Ok(())
    }
}

impl RunQueryDsl<diesel::PgConnection> for ReplaceCurrent<'_> {}

/// Version `old` was read as current under the ballot's lock, so finding it not current is a bug,
/// not a race: the job fails (and its savepoint is undone) rather than store a second current row.
fn replaced(n: usize, old: i32) -> QueryResult<()> {
    if n == 1 {
        Ok(())
    } else {
        Err(diesel::result::Error::QueryBuilderError(
            format!("version {old} of the decision is no longer current").into(),
        ))
    }
}
