//! `/v1/standards`: standards and ethics frameworks under development.

pub mod create;
pub mod list;
pub mod read;
pub mod update;
pub mod withdraw;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::db::OptionalExt;
use crate::db::models::standard::{StandardRow, topics_from_text};
use crate::domain::stage::{Stage, Transition, allowed_from};
use crate::domain::time::Timestamp;
use crate::error::{ApiError, ApiResult};

/// A revision, named by number and content hash.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevisionPointer {
    pub number: i32,
    /// SHA-256 of the revision's canonical clauses; names the exact text.
    pub content_hash: String,
}

/// A move the standard can make from its current stage.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StageMove {
    #[schema(value_type = Transition)]
    pub by: String,
    #[schema(value_type = Stage)]
    pub to: String,
}

/// A standard or ethics framework.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Standard {
    /// Chosen by the secretariat, unique and immutable; used in URLs.
    #[schema(example = "AIS-0001")]
    pub reference: String,
    pub title: String,
    pub scope: String,
    pub topics: Vec<String>,
    pub committee: String,
    #[schema(value_type = Stage)]
    pub stage: String,
    /// The stages it can move to from here, and by what.
    pub next_stages: Vec<StageMove>,
    /// The standard this one replaces once ratified.
    pub supersedes: Option<String>,
    /// The standard that replaced this one.
    pub superseded_by: Option<String>,
    /// The newest revision; null before the first.
    pub latest_revision: Option<RevisionPointer>,
    /// The revision that was ratified, once it is.
    pub ratified_revision: Option<RevisionPointer>,
    /// Why it was withdrawn, when it was.
    pub withdrawn_reason: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<StandardRow> for Standard {
    fn from(row: StandardRow) -> Self {
        let next_stages = Stage::parse(&row.stage)
            .map(allowed_from)
            .unwrap_or_default()
            .into_iter()
            .map(|(t, s)| StageMove {
                by: t.as_str().into(),
                to: s.as_str().into(),
            })
            .collect();
        Self {
            topics: topics_from_text(&row.topics),
            next_stages,
            latest_revision: row.latest_hash.map(|content_hash| RevisionPointer {
                number: row.latest_revision,
                content_hash,
            }),
            ratified_revision: row.ratified_revision.zip(row.ratified_hash).map(
                |(number, content_hash)| RevisionPointer {
                    number,
                    content_hash,
                },
            ),
            reference: row.reference,
            title: row.title,
            scope: row.scope,
            committee: row.committee,
            stage: row.stage,
            supersedes: row.supersedes,
            superseded_by: row.superseded_by,
            withdrawn_reason: row.withdrawn_reason,
            created_at: Timestamp::from_naive(row.created_at),
            updated_at: Timestamp::from_naive(row.updated_at),
        }
    }
}

/// One page of standards.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandardPage {
    pub items: Vec<Standard>,
    pub next_cursor: Option<String>,
}

/// Loads a standard or answers 404 naming it.
pub fn find_standard(conn: &mut DbConn, reference: &str) -> ApiResult<StandardRow> {
    StandardRow::find(conn, reference)
        .or_not_found(|| format!("no standard has the reference {reference}"))
}

/// The stage of a loaded standard.
pub fn stage_of(row: &StandardRow) -> ApiResult<Stage> {
    Stage::parse(&row.stage)
        .ok_or_else(|| ApiError::internal(format!("unknown stage {}", row.stage)))
}

/// Applies `transition` to the standard's stage, or answers 409 `stage_conflict` naming the
/// current stage and where it could go.
pub fn next_stage(row: &StandardRow, transition: Transition) -> ApiResult<Stage> {
    let current = stage_of(row)?;
    crate::domain::stage::apply(current, transition).map_err(|refused| {
        ApiError::conflict_with(
            "stage_conflict",
            refused.message(&row.reference),
            serde_json::json!({
                "current_stage": refused.current,
                "allowed": refused.allowed.iter().map(|(t, s)| StageMove { by: t.as_str().into(), to: s.as_str().into() }).collect::<Vec<_>>(),
            }),
        )
    })
}
