//! Ballots, their electorate, and every version of every member's decision.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::models::member::MemberRow;
use crate::db::schema::{ballot_electorate, ballots, members, ratifications};
use crate::db::{DbConn, memo};
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

/// What a new decision is checked against: the member's current version, without the receipt,
/// hashes and times that make up most of the row. Within a batch on PostgreSQL the voter read
/// returns the whole electorate with its current decisions, so each column here is read for every
/// member (receipts alone were some 125 kB a batch at scale 1).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = ratifications)]
pub struct CurrentDecision {
    pub version: i32,
    pub decision: String,
    pub reservations: String,
    pub reasons: Option<String>,
    pub statement: Option<String>,
}

impl From<&RatificationRow> for CurrentDecision {
    fn from(row: &RatificationRow) -> Self {
        Self {
            version: row.version,
            decision: row.decision.clone(),
            reservations: row.reservations.clone(),
            reasons: row.reasons.clone(),
            statement: row.statement.clone(),
        }
    }
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
    /// of ballot `id`, and its current decision there. A decision is cast on the single writer's
    /// connection, where each statement is a round trip to PostgreSQL: this is one statement, and
    /// on PostgreSQL, within a batch that casts several decisions on one ballot, the second reads
    /// every member at once and the others read nothing (see [`memo::remember_group`]). SQLite
    /// answers in process, where reading all 193 members costs more than the few a batch asks
    /// for: there each member is read alone, once per batch.
    pub fn voter(conn: &mut DbConn, id: &str, member: &str) -> QueryResult<Option<Voter>> {
        let whole = !conn.is_sqlite();
        let stored = memo::remember_group(
            |m| &mut m.voters,
            id,
            member,
            whole,
            |only| Self::voters(conn, id, only),
        )?;
        Ok(stored.map(|stored| Voter {
            // A version this batch has yet to store replaces the stored one.
            current: batch::current(id, &stored.member.code, |r| CurrentDecision::from(r))
                .or(stored.current),
            ..stored
        }))
    }

    /// Every member (or `only` that one) as ballot `id` sees it, with its stored current decision.
    fn voters(
        conn: &mut DbConn,
        id: &str,
        only: Option<&str>,
    ) -> QueryResult<Vec<(String, Voter)>> {
        let found: Vec<(MemberRow, Option<String>, Option<CurrentDecision>)> =
            crate::on_backend!(conn, |c| {
                // Not boxed: a boxed query is planned anew every time, this one is prepared once
                // per connection (diesel's statement cache). The ballot is bound as an owned
                // string: diesel wants a two-join query's parameters to be 'static.
                macro_rules! query {
                    () => {
                        members::table
                            .left_join(
                                ballot_electorate::table.on(ballot_electorate::member_code
                                    .eq(members::code)
                                    .and(ballot_electorate::ballot_id.eq(id.to_owned()))),
                            )
                            .left_join(
                                ratifications::table.on(ratifications::member_code
                                    .eq(members::code)
                                    .and(ratifications::ballot_id.eq(id.to_owned()))
                                    .and(ratifications::current)),
                            )
                            .select((
                                MemberRow::as_select(),
                                ballot_electorate::member_code.nullable(),
                                Option::<CurrentDecision>::as_select(),
                            ))
                    };
                }
                match only {
                    Some(code) => query!().filter(members::code.eq(code)).load(c),
                    None => query!().load(c),
                }
            })?;
        Ok(found
            .into_iter()
            .map(|(member, elector, current)| {
                let voter = Voter {
                    in_electorate: elector.is_some(),
                    current,
                    member,
                };
                (voter.member.code.clone(), voter)
            })
            .collect())
    }
}

/// A member as a ballot sees it: see [`BallotRow::voter`].
#[derive(Debug, Clone)]
pub struct Voter {
    pub member: MemberRow,
    pub in_electorate: bool,
    pub current: Option<CurrentDecision>,
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

    /// `member`'s current decision on `ballot` in full: a version pending in the writer's batch
    /// before the stored one.
    pub fn current_version(
        conn: &mut DbConn,
        ballot: &str,
        member: &str,
    ) -> QueryResult<Option<RatificationRow>> {
        match batch::current(ballot, member, RatificationRow::clone) {
            Some(pending) => Ok(Some(pending)),
            None => Self::current_of(conn, ballot, member),
        }
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
    /// current one read under the ballot's lock, if any): in the writer's batch, with the batch's
    /// other decisions just before the commit ([`batch`]); anywhere else, at once.
    pub fn insert_current(
        conn: &mut DbConn,
        row: RatificationRow,
        replaces: Option<i32>,
    ) -> QueryResult<()> {
        // A version pending in this batch is the one replaced; the stored one it replaces is
        // already listed with it.
        let replaces = match batch::current(&row.ballot_id, &row.member_code, |_| ()) {
            Some(_) => None,
            None => replaces,
        };
        match batch::ROWS.defer((row, replaces)) {
            None => Ok(()),
            Some(one) => store(conn, vec![one]),
        }
    }
}

/// Stores new versions of decisions, each with the version it replaces as current (`None` for a
/// member's first decision, or for a version that replaces another of `rows`, listed before it):
/// the current flag leaves the replaced versions, then the new ones are added, of which only each
/// member's last is current. The one-current-decision index sees the old rows leave before the
/// new ones enter. On PostgreSQL both steps are one call of `accord_store_decisions` (migration
/// 2026-12-07-000006), the rows passed as arrays to statements planned once per connection; on
/// SQLite, in process, one UPDATE per ballot and one multi-row INSERT.
fn store(conn: &mut DbConn, mut rows: Vec<(RatificationRow, Option<i32>)>) -> QueryResult<()> {
    let replaced: Vec<(String, String)> = rows
        .iter()
        .filter(|(_, old)| old.is_some())
        .map(|(row, _)| (row.ballot_id.clone(), row.member_code.clone()))
        .collect();
    let mut seen = std::collections::HashSet::new();
    for (row, _) in rows.iter_mut().rev() {
        row.current = seen.insert((row.ballot_id.clone(), row.member_code.clone()));
    }
    let rows: Vec<RatificationRow> = rows.into_iter().map(|(row, _)| row).collect();
    match conn {
        DbConn::Postgres(c) => store_on_postgres(c, replaced, rows),
        DbConn::Sqlite(c) => store_on_sqlite(c, replaced, &rows),
    }
}

fn store_on_postgres(
    conn: &mut PgConnection,
    replaced: Vec<(String, String)>,
    rows: Vec<RatificationRow>,
) -> QueryResult<()> {
    use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text, Timestamp};
    let (replaced_ballot, replaced_member): (Vec<String>, Vec<String>) =
        replaced.into_iter().unzip();
    let mut cols = DecisionColumns::default();
    for row in rows {
        cols.push(row);
    }
    diesel::sql_query(
        "SELECT accord_store_decisions($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
         $14, $15, $16)",
    )
    .bind::<Array<Text>, _>(replaced_ballot)
    .bind::<Array<Text>, _>(replaced_member)
    .bind::<Array<Text>, _>(cols.ballot_id)
    .bind::<Array<Text>, _>(cols.member_code)
    .bind::<Array<Integer>, _>(cols.version)
    .bind::<Array<Bool>, _>(cols.current)
    .bind::<Array<Text>, _>(cols.decision)
    .bind::<Array<Text>, _>(cols.reservations)
    .bind::<Array<Text>, _>(cols.reservations_hash)
    .bind::<Array<Nullable<Text>>, _>(cols.reasons)
    .bind::<Array<Nullable<Text>>, _>(cols.statement)
    .bind::<Array<Text>, _>(cols.cast_by)
    .bind::<Array<Timestamp>, _>(cols.cast_at)
    .bind::<Array<BigInt>, _>(cols.event_seq)
    .bind::<Array<Text>, _>(cols.event_hash)
    .bind::<Array<Text>, _>(cols.receipt)
    .execute(conn)?;
    Ok(())
}

/// Decisions as one array per column, the shape `accord_store_decisions` takes them in.
#[derive(Default)]
struct DecisionColumns {
    ballot_id: Vec<String>,
    member_code: Vec<String>,
    version: Vec<i32>,
    current: Vec<bool>,
    decision: Vec<String>,
    reservations: Vec<String>,
    reservations_hash: Vec<String>,
    reasons: Vec<Option<String>>,
    statement: Vec<Option<String>>,
    cast_by: Vec<String>,
    cast_at: Vec<NaiveDateTime>,
    event_seq: Vec<i64>,
    event_hash: Vec<String>,
    receipt: Vec<String>,
}

impl DecisionColumns {
    fn push(&mut self, row: RatificationRow) {
        self.ballot_id.push(row.ballot_id);
        self.member_code.push(row.member_code);
        self.version.push(row.version);
        self.current.push(row.current);
        self.decision.push(row.decision);
        self.reservations.push(row.reservations);
        self.reservations_hash.push(row.reservations_hash);
        self.reasons.push(row.reasons);
        self.statement.push(row.statement);
        self.cast_by.push(row.cast_by);
        self.cast_at.push(row.cast_at);
        self.event_seq.push(row.event_seq);
        self.event_hash.push(row.event_hash);
        self.receipt.push(row.receipt);
    }
}

fn store_on_sqlite(
    conn: &mut SqliteConnection,
    replaced: Vec<(String, String)>,
    rows: &[RatificationRow],
) -> QueryResult<()> {
    let mut by_ballot: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (ballot, member) in replaced {
        by_ballot.entry(ballot).or_default().push(member);
    }
    // diesel prepares an UPDATE anew every time (it never keeps one), so one per ballot.
    for (ballot, members) in by_ballot {
        let n = diesel::update(
            ratifications::table.filter(
                ratifications::ballot_id
                    .eq(&ballot)
                    .and(ratifications::member_code.eq_any(&members))
                    .and(ratifications::current),
            ),
        )
        .set(ratifications::current.eq(false))
        .execute(conn)?;
        // The replaced versions were read as current under the ballot's lock, which this
        // transaction still holds, so finding fewer is a bug, not a race: nothing is stored
        // rather than a second current row.
        if n != members.len() {
            return Err(diesel::result::Error::QueryBuilderError(
                format!(
                    "{} of {} replaced decisions on ballot {ballot} are no longer current",
                    members.len() - n.min(members.len()),
                    members.len()
                )
                .into(),
            ));
        }
    }
    // One prepared single-row INSERT per row: a multi-row INSERT's SQL depends on its row count,
    // so diesel cannot keep it prepared and SQLite would parse it for every batch.
    for row in rows {
        diesel::insert_into(ratifications::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// New decisions during one batch of the writer thread.
///
/// A decision job reads what it checks (ballot, member, electorate, current decision) and ends
/// with a new version of a row it built whole. Its row is kept here instead, and the batch's
/// decisions are stored just before the commit ([`batch::flush`]): on PostgreSQL two statements
/// for the batch instead of a round trip per decision. A later decision of the same member in the
/// same batch finds the pending one as its current decision ([`BallotRow::voter`]) and replaces it.
/// The writer stores what is pending before any job that is not additive, and forgets a failed
/// job's rows (see `writer`). Outside a batch nothing is deferred.
pub mod batch {
    use std::cell::RefCell;

    use diesel::QueryResult;

    use super::RatificationRow;
    use crate::db::DbConn;
    use crate::db::deferred::Deferred;

    type Pending = (RatificationRow, Option<i32>);

    thread_local! {
        /// `Some` while a batch runs: its new versions, each with the stored one it replaces.
        static PENDING: RefCell<Option<Vec<Pending>>> = const { RefCell::new(None) };
    }

    pub static ROWS: Deferred<Pending> = Deferred::new(&PENDING);

    /// The latest pending version of `member`'s decision on `ballot` (its current one), as
    /// `view` makes of it: a caller that needs a few columns copies no more.
    pub(super) fn current<V>(
        ballot: &str,
        member: &str,
        view: impl Fn(&RatificationRow) -> V,
    ) -> Option<V> {
        ROWS.find_last(|(r, _)| (r.ballot_id == ballot && r.member_code == member).then(|| view(r)))
    }

    /// Stores the pending decisions in the batch's transaction; the batch goes on deferring.
    pub fn flush(conn: &mut DbConn) -> QueryResult<()> {
        let rows = ROWS.take();
        if rows.is_empty() {
            return Ok(());
        }
        super::store(conn, rows)
    }
}
