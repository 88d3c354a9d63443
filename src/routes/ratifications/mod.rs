//! Members' decisions in ballots: `/v1/ballots/{id}/ratifications`.

pub mod cast;
pub mod list;
pub mod receipt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::db::models::ballot::RatificationRow;
use crate::domain::ballot::Decision;
use crate::domain::time::Timestamp;

/// A reservation attached to a ratification, on one clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reservation {
    #[schema(example = "6.1")]
    pub clause: String,
    pub text: String,
}

/// The event that recorded a decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventRef {
    pub seq: i64,
    pub hash: String,
}

/// One version of a member's decision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ratification {
    pub ballot: String,
    pub member: String,
    /// 1 for the first decision, then one more per amendment.
    pub version: i32,
    /// Whether this is the member's decision now.
    pub current: bool,
    #[schema(value_type = Decision)]
    pub decision: String,
    pub reservations: Vec<Reservation>,
    /// SHA-256 of the canonical JSON of `reservations`.
    pub reservations_hash: String,
    pub reasons: Option<String>,
    pub statement: Option<String>,
    /// The client that cast it.
    pub cast_by: String,
    pub cast_at: Timestamp,
    pub event: EventRef,
    /// The signed receipt of this version (compact JWS; see `/receipt`).
    pub receipt: String,
}

impl From<RatificationRow> for Ratification {
    fn from(row: RatificationRow) -> Self {
        let reservations = serde_json::from_str::<Value>(&row.reservations)
            .ok()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        Self {
            ballot: row.ballot_id,
            member: row.member_code,
            version: row.version,
            current: row.current,
            decision: row.decision,
            reservations,
            reservations_hash: row.reservations_hash,
            reasons: row.reasons,
            statement: row.statement,
            cast_by: row.cast_by,
            cast_at: Timestamp::from_naive(row.cast_at),
            event: EventRef {
                seq: row.event_seq,
                hash: row.event_hash,
            },
            receipt: row.receipt,
        }
    }
}

/// The payload of a receipt: what was recorded, in whose name, and where in the event chain.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReceiptClaims {
    /// The service that signed it.
    pub iss: String,
    /// When it was signed (seconds since 1970).
    pub iat: i64,
    pub ballot: String,
    pub standard: String,
    pub revision: i32,
    /// The content hash of the ratified (or declined) text.
    pub content_hash: String,
    pub member: String,
    #[schema(value_type = Decision)]
    pub decision: String,
    pub reservations_hash: String,
    pub version: i32,
    pub cast_at: Timestamp,
    pub cast_by: String,
    pub event: EventRef,
}

/// The `typ` of receipts, distinct from access tokens' `at+jwt` so one cannot pass for the other.
pub const RECEIPT_TYP: &str = "receipt+jwt";
