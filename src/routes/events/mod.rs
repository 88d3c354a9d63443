//! `/v1/events`: the public, hash-chained feed of every change.

pub mod list;
pub mod read;
pub mod verify;

use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use crate::db::models::event::EventRow;
use crate::domain::event::Actor;
use crate::domain::time::Timestamp;
use crate::error::{ApiError, ApiResult};

/// One change, as recorded. `hash` is SHA-256 (hex) of the RFC 8785 canonical JSON of the object
/// `{seq, at, type, actor, subject, data, prev_hash}`, and `prev_hash` is the hash of the event
/// before (64 zeros for the first), so anyone can recompute the chain from this feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    pub at: Timestamp,
    /// What happened, such as `member.created` or `client.revoked`.
    #[serde(rename = "type")]
    #[schema(example = "member.created")]
    pub event_type: String,
    pub actor: Actor,
    /// What changed, as `kind:id`, such as `member:BRA`.
    #[schema(example = "member:BRA")]
    pub subject: String,
    /// The change itself; its shape depends on `type`. Served exactly as stored (canonical JSON).
    #[schema(value_type = Object)]
    pub data: Box<RawValue>,
    pub prev_hash: String,
    pub hash: String,
}

impl TryFrom<EventRow> for EventView {
    type Error = ApiError;

    /// The stored data is passed through without being parsed and printed again.
    fn try_from(row: EventRow) -> ApiResult<Self> {
        let data = RawValue::from_string(row.data).map_err(|e| {
            ApiError::internal(format!("event {} has unreadable data: {e}", row.seq))
        })?;
        Ok(Self {
            seq: row.seq,
            at: Timestamp::from_naive(row.at),
            event_type: row.event_type,
            actor: Actor {
                client: row.actor_client,
                member: row.actor_member,
            },
            subject: row.subject,
            data,
            prev_hash: row.prev_hash,
            hash: row.hash,
        })
    }
}

/// One page of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<EventView>,
    /// The `seq` of the last event served, to pass as `after`; null when the feed is exhausted.
    pub next_cursor: Option<String>,
}
