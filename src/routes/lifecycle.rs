//! Closing what time or a decision ends, shared by the endpoints and the scheduler: a comment
//! period at its deadline or early, and everything open when a standard is withdrawn.
//!
//! Every function here runs inside the caller's write transaction and is idempotent: when two
//! processes race to record the same close, the second finds it recorded and does nothing.

use chrono::NaiveDateTime;
use serde_json::{Value, json};

use crate::db::DbConn;
use crate::db::models::ballot::{BallotRow, RatificationRow};
use crate::db::models::comment_period::PeriodRow;
use crate::db::models::event::Event;
use crate::db::models::standard::StandardRow;
use crate::domain::ballot::Outcome;
use crate::domain::event::Actor;
use crate::domain::stage::{Stage, Transition, apply};
use crate::domain::time::Timestamp;
use crate::error::ApiResult;

/// Records the close of `period` (at `closed_at`, for `reason`) with its event, and returns the
/// standard to `drafting` unless it is being withdrawn. Returns false when it was already recorded.
pub fn close_period(
    conn: &mut DbConn,
    actor: &Actor,
    now: Timestamp,
    period: &PeriodRow,
    closed_at: NaiveDateTime,
    reason: &str,
) -> ApiResult<bool> {
    if !PeriodRow::record_close(conn, &period.id, closed_at, reason)? {
        return Ok(false);
    }
    Event::append(
        conn,
        actor,
        now,
        "comment_period.closed",
        &format!("comment_period:{}", period.id),
        json!({
            "id": period.id, "standard": period.reference, "revision": period.revision, "reason": reason,
            "closes_at": Timestamp::from_naive(period.closes_at), "closed_at": Timestamp::from_naive(closed_at),
        }),
    )?;
    if reason != "withdrawn" {
        let from = Stage::PublicComment;
        let to = apply(from, Transition::CloseCommentPeriod).unwrap_or(Stage::Drafting);
        if StandardRow::set_stage(
            conn,
            &period.reference,
            from.as_str(),
            to.as_str(),
            now.naive(),
        )? {
            Event::append(
                conn,
                actor,
                now,
                "standard.stage_changed",
                &format!("standard:{}", period.reference),
                json!({"from": from, "to": to, "because": "comment_period.closed", "comment_period": period.id}),
            )?;
        }
    }
    Ok(true)
}

/// Records the close of `ballot` (at `closed_at`, for `reason`) with its outcome and events:
/// `ballot.closed`; then `standard.ratified` (and `standard.superseded` for the standard it
/// replaces) when it passed, or `standard.stage_changed` back to `drafting` when it failed. A
/// ballot closed by withdrawal is `cancelled` and moves nothing. Returns the outcome, or `None`
/// when the close was already recorded.
pub fn close_ballot(
    conn: &mut DbConn,
    actor: &Actor,
    now: Timestamp,
    ballot: &BallotRow,
    closed_at: NaiveDateTime,
    reason: &str,
) -> ApiResult<Option<Outcome>> {
    let electorate = BallotRow::electorate(conn, &ballot.id)?;
    let current = RatificationRow::current(conn, &ballot.id)?;
    let mut final_row = ballot.clone();
    final_row.closed_at = Some(closed_at);
    let tally = crate::routes::ballots::tally(&final_row, &electorate, &current, now)?;
    let outcome = if reason == "withdrawn" {
        Outcome::Cancelled
    } else {
        tally.outcome
    };
    if !BallotRow::record_close(conn, &ballot.id, closed_at, reason, outcome.as_str())? {
        return Ok(None);
    }
    let subject = format!("standard:{}", ballot.reference);
    Event::append(
        conn,
        actor,
        now,
        "ballot.closed",
        &format!("ballot:{}", ballot.id),
        json!({
            "id": ballot.id, "standard": ballot.reference, "revision": ballot.revision, "content_hash": ballot.content_hash,
            "reason": reason, "closed_at": Timestamp::from_naive(closed_at), "outcome": outcome,
            "counts": tally.counts, "electorate": tally.electorate, "criteria": tally.criteria,
        }),
    )?;
    match outcome {
        Outcome::Ratified => {
            if StandardRow::ratify(
                conn,
                &ballot.reference,
                ballot.revision,
                &ballot.content_hash,
                now.naive(),
            )? {
                Event::append(
                    conn,
                    actor,
                    now,
                    "standard.ratified",
                    &subject,
                    json!({"ballot": ballot.id, "revision": ballot.revision, "content_hash": ballot.content_hash}),
                )?;
                let standard = StandardRow::find(conn, &ballot.reference)?;
                if let Some(old) = standard.supersedes {
                    if StandardRow::supersede(conn, &old, &ballot.reference, now.naive())? {
                        Event::append(
                            conn,
                            actor,
                            now,
                            "standard.superseded",
                            &format!("standard:{old}"),
                            json!({"by": ballot.reference, "from": Stage::Ratified, "to": Stage::Superseded}),
                        )?;
                    }
                }
            }
        }
        Outcome::Rejected => {
            let (from, to) = (
                Stage::Ratification,
                apply(Stage::Ratification, Transition::BallotFailed).unwrap_or(Stage::Drafting),
            );
            if StandardRow::set_stage(
                conn,
                &ballot.reference,
                from.as_str(),
                to.as_str(),
                now.naive(),
            )? {
                Event::append(
                    conn,
                    actor,
                    now,
                    "standard.stage_changed",
                    &subject,
                    json!({"from": from, "to": to, "because": "ballot.closed", "ballot": ballot.id, "outcome": outcome}),
                )?;
            }
        }
        Outcome::Cancelled | Outcome::Pending => {}
    }
    Ok(Some(outcome))
}

/// Records every close that is due at `now`; the scheduler calls this.
pub fn close_due(conn: &mut DbConn, now: Timestamp) -> ApiResult<usize> {
    let mut closed = 0;
    for period in PeriodRow::due(conn, now, 100)? {
        if close_period(
            conn,
            &Actor::default(),
            now,
            &period,
            period.closes_at,
            "deadline",
        )? {
            closed += 1;
        }
    }
    for ballot in BallotRow::due(conn, now, 100)? {
        if close_ballot(
            conn,
            &Actor::default(),
            now,
            &ballot,
            ballot.closes_at,
            "deadline",
        )?
        .is_some()
        {
            closed += 1;
        }
    }
    Ok(closed)
}

/// Closes what a withdrawal ends (an open comment period, an open ballot) and says what it closed.
pub fn on_withdraw(
    conn: &mut DbConn,
    actor: &Actor,
    now: Timestamp,
    standard: &StandardRow,
) -> ApiResult<Value> {
    let mut closed = Vec::new();
    if let Some(period) = PeriodRow::unrecorded(conn, &standard.reference)? {
        let (at, reason) = match period.effective_close(now) {
            Some((at, _)) => (at, "deadline"),
            None => (now.naive(), "withdrawn"),
        };
        if close_period(conn, actor, now, &period, at, reason)? {
            closed.push(json!({"comment_period": period.id, "reason": reason}));
        }
    }
    if let Some(ballot) = BallotRow::unrecorded(conn, &standard.reference)? {
        // A ballot whose deadline already passed keeps its result; an open one is cancelled.
        let (at, reason) = if ballot.is_open_at(now) {
            (now.naive(), "withdrawn")
        } else {
            (ballot.closes_at, "deadline")
        };
        if let Some(outcome) = close_ballot(conn, actor, now, &ballot, at, reason)? {
            closed.push(json!({"ballot": ballot.id, "reason": reason, "outcome": outcome}));
        }
    }
    Ok(Value::Array(closed))
}
