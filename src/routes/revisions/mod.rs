//! `/v1/standards/{reference}/revisions`: numbered, immutable drafts.

pub mod create;
pub mod diff;
pub mod list;
pub mod read;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::db::OptionalExt;
use crate::db::models::revision::RevisionRow;
use crate::db::models::standard::StandardRow;
use crate::domain::standard::Clause;
use crate::domain::time::Timestamp;
use crate::error::{ApiError, ApiResult};

/// A revision without its clauses.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevisionSummary {
    /// The standard's reference.
    #[schema(example = "AIS-0001")]
    pub standard: String,
    /// 1, 2, 3 … in the order they were added.
    pub number: i32,
    /// What changed since the previous revision.
    pub summary: String,
    /// Lower-case hex SHA-256 of the RFC 8785 canonical JSON of the clause array (see the API
    /// description); names the exact text.
    pub content_hash: String,
    pub clause_count: i32,
    pub created_at: Timestamp,
    /// The client that added it (null for the command line).
    pub created_by: Option<String>,
}

/// A revision with its clauses, in order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Revision {
    #[serde(flatten)]
    pub revision: RevisionSummary,
    pub clauses: Vec<Clause>,
}

impl From<RevisionRow> for RevisionSummary {
    fn from(row: RevisionRow) -> Self {
        Self {
            standard: row.reference,
            number: row.number,
            summary: row.summary,
            content_hash: row.content_hash,
            clause_count: row.clause_count,
            created_at: Timestamp::from_naive(row.created_at),
            created_by: row.created_by,
        }
    }
}

/// One page of revisions.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionPage {
    pub items: Vec<RevisionSummary>,
    pub next_cursor: Option<String>,
}

/// A revision number in a URL: a positive integer or `latest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevisionSelector {
    Number(i32),
    Latest,
}

impl RevisionSelector {
    pub fn parse(s: &str) -> ApiResult<Self> {
        if s == "latest" {
            return Ok(Self::Latest);
        }
        s.parse::<i32>()
            .ok()
            .filter(|n| *n >= 1)
            .map(Self::Number)
            .ok_or_else(|| {
                ApiError::InvalidPath(format!(
                    "a revision is a number from 1 or `latest`; `{s}` is neither"
                ))
            })
    }
}

/// The revision a selector names, with its standard (404s name what is missing).
pub fn resolve(
    conn: &mut DbConn,
    reference: &str,
    selector: RevisionSelector,
) -> ApiResult<(StandardRow, RevisionRow)> {
    let standard = crate::routes::standards::find_standard(conn, reference)?;
    let number = match selector {
        RevisionSelector::Number(n) => n,
        RevisionSelector::Latest if standard.latest_revision == 0 => {
            return Err(ApiError::not_found(format!(
                "{reference} has no revision yet"
            )));
        }
        RevisionSelector::Latest => standard.latest_revision,
    };
    let revision = RevisionRow::find(conn, reference, number).or_not_found(|| {
        format!(
            "{reference} has no revision {number} (latest is {})",
            standard.latest_revision
        )
    })?;
    Ok((standard, revision))
}
