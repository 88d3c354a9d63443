//! `/v1/events`: the public, hash-chained feed of every change.

pub mod list;
pub mod read;
pub mod verify;

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::db::models::event::Event;
use crate::domain::event::Actor;
use crate::domain::time::Timestamp;

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
    /// The change itself; its shape depends on `type`.
    #[schema(value_type = Object)]
    pub data: Value,
    pub prev_hash: String,
    pub hash: String,
}

impl From<Event> for EventView {
    fn from(e: Event) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            event_type: e.event_type,
            actor: e.actor,
            subject: e.subject,
            data: e.data,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

/// One page of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<EventView>,
    /// The `seq` of the last event served, to pass as `after`; null when the feed is exhausted.
    pub next_cursor: Option<String>,
}
