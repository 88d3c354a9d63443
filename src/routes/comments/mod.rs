//! Comments on drafts: `/v1/standards/{reference}/comments` and `/v1/comments/{id}`.

pub mod create;
pub mod dispose;
pub mod list;
pub mod read;
pub mod update;

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use utoipa::ToSchema;

use crate::cache::Caches;
use crate::db::DbConn;
use crate::db::OptionalExt;
use crate::db::models::comment::{CommentRow, clause_index};
use crate::domain::comment::{Anchor, CommentStatus, CommentType, DispositionStatus, locate};
use crate::domain::time::Timestamp;
use crate::error::ApiResult;
use crate::routes::standards::find_standard;

/// The editor's decision on a comment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DispositionView {
    #[schema(value_type = DispositionStatus)]
    pub status: String,
    pub response: Option<String>,
    /// The revision that acted on the comment.
    pub resolved_in: Option<i32>,
    pub at: Option<Timestamp>,
    /// The client that recorded it.
    pub by: Option<String>,
}

/// A member's comment on a revision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Comment {
    pub id: String,
    pub standard: String,
    /// The revision commented on.
    pub revision: i32,
    /// The clause commented on; null for a general comment.
    pub clause: Option<String>,
    /// Paragraph, figure, table or note within the clause (the ISO/IEC template's column).
    pub paragraph: Option<String>,
    #[serde(rename = "type")]
    #[schema(value_type = CommentType)]
    pub comment_type: String,
    pub body: String,
    pub proposed_change: Option<String>,
    /// The comment this one replies to.
    pub parent: Option<String>,
    /// The member in whose name it was made.
    pub member: String,
    /// The client that wrote it.
    pub author: String,
    /// `open`, a disposition (`accepted`, `accepted_modified`, `rejected`, `noted`) or `withdrawn`.
    #[schema(value_type = CommentStatus)]
    pub status: String,
    pub disposition: Option<DispositionView>,
    /// How many comments reply to this one.
    pub replies: i64,
    /// True when a later revision changed or removed the clause commented on.
    pub outdated: bool,
    /// Where the clause is in the latest revision; null for general comments.
    pub anchor: Option<Anchor>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One page of comments.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentPage {
    pub items: Vec<Comment>,
    pub next_cursor: Option<String>,
}

/// What a comment view needs beyond its row: the latest revision's clauses and reply counts.
pub struct ViewContext {
    latest_revision: i32,
    latest: Arc<Vec<(String, i32, String)>>,
    replies: HashMap<String, i64>,
}

impl ViewContext {
    /// Loads the context for comments of one standard.
    pub fn load(
        conn: &mut DbConn,
        reference: &str,
        latest_revision: i32,
        ids: &[String],
    ) -> ApiResult<Self> {
        Ok(Self {
            latest_revision,
            latest: Arc::new(clause_index(conn, reference, latest_revision)?),
            replies: CommentRow::reply_counts(conn, ids)?.into_iter().collect(),
        })
    }

    /// The context of a page of comments whose reply counts came with their rows
    /// ([`CommentRow::list_counted`]): the (immutable) clause index of the latest revision, taken
    /// from memory when it is there.
    pub fn for_counted_page(
        conn: &mut DbConn,
        caches: &Caches,
        reference: &str,
        latest_revision: i32,
    ) -> ApiResult<Self> {
        let latest = match caches.clause_index(reference, latest_revision) {
            Some(index) => index,
            None => {
                let index = Arc::new(clause_index(conn, reference, latest_revision)?);
                caches.put_clause_index(reference, latest_revision, index.clone());
                index
            }
        };
        Ok(Self {
            latest_revision,
            latest,
            replies: HashMap::new(),
        })
    }

    /// The context of a comment just made on the latest revision: its clause is where it was,
    /// and nothing replies to it yet.
    pub fn fresh(revision: i32, clause: Option<(String, i32, String)>) -> Self {
        Self {
            latest_revision: revision,
            latest: Arc::new(clause.into_iter().collect()),
            replies: HashMap::new(),
        }
    }

    pub fn view(&self, row: CommentRow) -> Comment {
        let replies = self.replies.get(&row.id).copied().unwrap_or(0);
        self.view_counted(row, replies)
    }

    /// The view of `row`, which has `replies` replies.
    pub fn view_counted(&self, row: CommentRow, replies: i64) -> Comment {
        let anchor = match (&row.clause_id, &row.clause_hash) {
            (Some(id), Some(hash)) => Some(locate(
                row.revision,
                id,
                row.clause_position,
                hash,
                self.latest_revision,
                &self.latest,
            )),
            _ => None,
        };
        let disposed = !matches!(row.status.as_str(), "open" | "withdrawn");
        Comment {
            outdated: anchor.as_ref().is_some_and(Anchor::outdated),
            anchor,
            replies,
            disposition: disposed.then(|| DispositionView {
                status: row.status.clone(),
                response: row.response.clone(),
                resolved_in: row.resolved_in,
                at: row.disposed_at.map(Timestamp::from_naive),
                by: row.disposed_by.clone(),
            }),
            id: row.id,
            standard: row.reference,
            revision: row.revision,
            clause: row.clause_id,
            paragraph: row.paragraph,
            comment_type: row.comment_type,
            body: row.body,
            proposed_change: row.proposed_change,
            parent: row.parent_id,
            member: row.member_code,
            author: row.author_client,
            status: row.status,
            created_at: Timestamp::from_naive(row.created_at),
            updated_at: Timestamp::from_naive(row.updated_at),
        }
    }
}

/// A comment or 404.
pub fn find_comment(conn: &mut DbConn, id: &str) -> ApiResult<CommentRow> {
    CommentRow::find(conn, id).or_not_found(|| format!("no comment has the id {id}"))
}

/// The full view of one comment.
pub fn comment_view(conn: &mut DbConn, row: CommentRow) -> ApiResult<Comment> {
    let standard = find_standard(conn, &row.reference)?;
    let ctx = ViewContext::load(
        conn,
        &row.reference,
        standard.latest_revision,
        std::slice::from_ref(&row.id),
    )?;
    Ok(ctx.view(row))
}
