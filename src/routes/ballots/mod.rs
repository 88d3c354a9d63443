//! Ratification ballots: `/v1/standards/{reference}/ballots` and `/v1/ballots/{id}`.

pub mod close;
pub mod list;
pub mod open;
pub mod read;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::db::OptionalExt;
use crate::db::models::ballot::{BallotRow, RatificationRow};
use crate::domain::ballot::{Counts, Criterion, Decision, Outcome, Rule, evaluate};
use crate::domain::time::Timestamp;
use crate::error::{ApiError, ApiResult};

/// Where the votes stand.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Tally {
    /// Current decisions of the electorate.
    pub counts: Counts,
    /// How many members were eligible when the ballot opened.
    pub electorate: u64,
    pub responded: u64,
    /// Members of the electorate without a decision, by code.
    pub not_responded: Vec<String>,
    /// Each criterion of the rule: required, actual, met.
    pub criteria: Vec<Criterion>,
    /// `pending` while open; `ratified`, `rejected` or `cancelled` once closed.
    pub outcome: Outcome,
    /// While open: the outcome if the ballot closed now.
    pub projected_outcome: Option<Outcome>,
}

/// A ratification vote on one pinned revision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ballot {
    pub id: String,
    pub standard: String,
    /// The pinned revision: nobody ratifies another text.
    pub revision: i32,
    pub content_hash: String,
    pub opens_at: Timestamp,
    pub closes_at: Timestamp,
    /// `open` or `closed` at the moment of the response.
    #[schema(example = "open")]
    pub status: String,
    pub closed_at: Option<Timestamp>,
    /// `early`, `deadline` or `withdrawn`.
    pub close_reason: Option<String>,
    pub rule: Rule,
    /// Members eligible to decide (active voting members when it opened).
    pub electorate: Vec<String>,
    pub tally: Tally,
}

/// The tally of a ballot from its current decisions, as of `now`.
pub fn tally(
    row: &BallotRow,
    electorate: &[String],
    current: &[RatificationRow],
    now: Timestamp,
) -> ApiResult<Tally> {
    let rule: Rule = serde_json::from_str(&row.rule)
        .map_err(|e| ApiError::internal(format!("ballot {} rule: {e}", row.id)))?;
    let mut counts = Counts::default();
    let mut responded = std::collections::HashSet::new();
    for r in current
        .iter()
        .filter(|r| electorate.contains(&r.member_code))
    {
        if let Some(d) = Decision::parse(&r.decision) {
            counts.add(d);
            responded.insert(r.member_code.as_str());
        }
    }
    let (criteria, passes) = evaluate(&rule, &counts, electorate.len() as u64);
    let decided = if passes {
        Outcome::Ratified
    } else {
        Outcome::Rejected
    };
    let (outcome, projected_outcome) = match row.outcome.as_deref().and_then(Outcome::parse) {
        Some(recorded) => (recorded, None),
        None if row.is_open_at(now) => (Outcome::Pending, Some(decided)),
        // The deadline has passed; the record will follow, and the votes can no longer change.
        None => (decided, None),
    };
    Ok(Tally {
        counts,
        electorate: electorate.len() as u64,
        responded: responded.len() as u64,
        not_responded: electorate
            .iter()
            .filter(|m| !responded.contains(m.as_str()))
            .cloned()
            .collect(),
        criteria,
        outcome,
        projected_outcome,
    })
}

/// The full view of a ballot.
pub fn ballot_view(conn: &mut DbConn, row: BallotRow, now: Timestamp) -> ApiResult<Ballot> {
    let electorate = BallotRow::electorate(conn, &row.id)?;
    let current = RatificationRow::current(conn, &row.id)?;
    let tally = tally(&row, &electorate, &current, now)?;
    let rule = serde_json::from_str(&row.rule)
        .map_err(|e| ApiError::internal(format!("ballot {} rule: {e}", row.id)))?;
    let close = match (&row.closed_at, &row.close_reason) {
        (Some(at), Some(reason)) => Some((*at, reason.clone())),
        _ if !row.is_open_at(now) => Some((row.closes_at, "deadline".to_string())),
        _ => None,
    };
    Ok(Ballot {
        status: if row.is_open_at(now) {
            "open"
        } else {
            "closed"
        }
        .into(),
        closed_at: close.as_ref().map(|(at, _)| Timestamp::from_naive(*at)),
        close_reason: close.map(|(_, r)| r),
        id: row.id,
        standard: row.reference,
        revision: row.revision,
        content_hash: row.content_hash,
        opens_at: Timestamp::from_naive(row.opens_at),
        closes_at: Timestamp::from_naive(row.closes_at),
        rule,
        electorate,
        tally,
    })
}

pub fn find_ballot(conn: &mut DbConn, id: &str) -> ApiResult<BallotRow> {
    BallotRow::find(conn, id).or_not_found(|| no_ballot(id))
}

/// The ballot, locked until the write transaction ends (see `BallotRow::find_for_update`).
pub fn find_ballot_for_update(conn: &mut DbConn, id: &str) -> ApiResult<BallotRow> {
    BallotRow::find_for_update(conn, id).or_not_found(|| no_ballot(id))
}

fn no_ballot(id: &str) -> String {
    format!("no ballot has the id {id}")
}

/// One page of ballots.
#[derive(Debug, Serialize, ToSchema)]
pub struct BallotPage {
    pub items: Vec<Ballot>,
    pub next_cursor: Option<String>,
}
