//! `/v1/standards/{reference}/comment-periods`: the windows in which comments are accepted.

pub mod close;
pub mod extend;
pub mod list;
pub mod open;
pub mod read;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::db::OptionalExt;
use crate::db::models::comment_period::PeriodRow;
use crate::domain::time::Timestamp;
use crate::error::ApiResult;

/// A window during which comments on one revision are accepted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommentPeriod {
    pub id: String,
    pub standard: String,
    /// The revision under comment.
    pub revision: i32,
    pub opens_at: Timestamp,
    /// The deadline: no comment is accepted from this instant on.
    pub closes_at: Timestamp,
    /// `open` or `closed`, as of the moment of the response (a passed deadline closes the period
    /// even before its close is recorded).
    #[schema(example = "open")]
    pub status: String,
    /// When it closed: early, at the deadline, or with the standard's withdrawal.
    pub closed_at: Option<Timestamp>,
    /// `early`, `deadline` or `withdrawn`.
    pub close_reason: Option<String>,
}

impl CommentPeriod {
    pub fn at(row: PeriodRow, now: Timestamp) -> Self {
        let close = row
            .effective_close(now)
            .map(|(at, reason)| (Timestamp::from_naive(at), reason.to_string()));
        Self {
            status: if row.is_open_at(now) {
                "open"
            } else {
                "closed"
            }
            .into(),
            closed_at: close.as_ref().map(|(at, _)| *at),
            close_reason: close.map(|(_, r)| r),
            id: row.id,
            standard: row.reference,
            revision: row.revision,
            opens_at: Timestamp::from_naive(row.opens_at),
            closes_at: Timestamp::from_naive(row.closes_at),
        }
    }
}

/// One page of comment periods.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentPeriodPage {
    pub items: Vec<CommentPeriod>,
    pub next_cursor: Option<String>,
}

/// The period `id` of standard `reference`, or 404.
pub fn find_period(conn: &mut DbConn, reference: &str, id: &str) -> ApiResult<PeriodRow> {
    PeriodRow::find(conn, id)
        .ok()
        .filter(|p| p.reference == reference)
        .map(Ok)
        .unwrap_or_else(|| Err(diesel::result::Error::NotFound))
        .or_not_found(|| format!("{reference} has no comment period {id}"))
}
