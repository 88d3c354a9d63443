//! Closing what time or a decision ends, shared by the endpoints and the scheduler: a comment
//! period at its deadline or early, and everything open when a standard is withdrawn.
//!
//! Every function here runs inside the caller's write transaction and is idempotent: when two
//! processes race to record the same close, the second finds it recorded and does nothing.

use chrono::NaiveDateTime;
use serde_json::{Value, json};

use crate::db::DbConn;
use crate::db::models::comment_period::PeriodRow;
use crate::db::models::event::Event;
use crate::db::models::standard::StandardRow;
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
    Ok(closed)
}

/// Closes what a withdrawal ends (an open comment period) and says what it closed.
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
    Ok(Value::Array(closed))
}
