//! `/v1/members`: the registry of states and organisations.

pub mod create;
pub mod list;
pub mod read;
pub mod update;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::models::member::MemberRow;
use crate::domain::member::{MemberKind, MemberStatus, Region};
use crate::domain::time::Timestamp;

/// A party to the body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Member {
    /// ISO 3166-1 alpha-3 code of a state (`BRA`), or the code of an organisation (`OECD`).
    #[schema(example = "BRA")]
    pub code: String,
    #[schema(example = "Federative Republic of Brazil")]
    pub name: String,
    #[schema(value_type = MemberKind)]
    pub kind: String,
    /// True for full members, false for observers.
    pub voting: bool,
    #[schema(value_type = Region)]
    pub region: String,
    #[schema(value_type = MemberStatus)]
    pub status: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<MemberRow> for Member {
    fn from(row: MemberRow) -> Self {
        Self {
            code: row.code,
            name: row.name,
            kind: row.kind,
            voting: row.voting,
            region: row.region,
            status: row.status,
            created_at: Timestamp::from_naive(row.created_at),
            updated_at: Timestamp::from_naive(row.updated_at),
        }
    }
}

/// One page of members.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberPage {
    pub items: Vec<Member>,
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
}
