use actix_web::{HttpRequest, HttpResponse, http::StatusCode, patch, web};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use super::{Comment, comment_view, find_comment};
use crate::auth::{Auth, Caller, Commenter};
use crate::db::models::comment::{CommentEdit, CommentRow};
use crate::db::models::comment_period::PeriodRow;
use crate::db::models::event::Event;
use crate::domain::comment::{CommentType, MAX_BODY, MAX_PARAGRAPH, MAX_PROPOSED_CHANGE};
use crate::domain::role::Role;
use crate::domain::time::Timestamp;
use crate::domain::validate::Errors;
use crate::error::{ApiError, ApiResult};
use crate::http::body::ApiJson;
use crate::http::etag::{etag_of_json, if_match_accepts, json_with_etag, required_if_match};
use crate::state::AppState;

fn nullable<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Changes by the author while the period is open; absent fields stay. `"status": "withdrawn"`
/// withdraws the comment.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateComment {
    #[serde(rename = "type")]
    #[schema(value_type = Option<CommentType>)]
    pub comment_type: Option<String>,
    #[schema(min_length = 1, max_length = 20000)]
    pub body: Option<String>,
    /// A new proposal, or null to remove it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 20000)]
    pub proposed_change: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 100)]
    pub paragraph: Option<Option<String>>,
    /// Only `withdrawn`.
    #[schema(example = "withdrawn")]
    pub status: Option<String>,
}

impl UpdateComment {
    fn validate(self) -> Result<CommentEdit, ApiError> {
        let mut e = Errors::new();
        let comment_type = self
            .comment_type
            .and_then(|t| e.one_of("type", &t, CommentType::parse, CommentType::ALL));
        if let Some(b) = &self.body {
            e.text("body", b, 1, MAX_BODY);
        }
        if let Some(Some(p)) = &self.proposed_change {
            e.text("proposed_change", p, 0, MAX_PROPOSED_CHANGE);
        }
        if let Some(Some(p)) = &self.paragraph {
            e.text("paragraph", p, 1, MAX_PARAGRAPH);
        }
        if let Some(s) = &self.status {
            if s != "withdrawn" {
                e.add(
                    "status",
                    "not_allowed",
                    "an author may only set status to withdrawn; dispositions are the editor's",
                );
            }
        }
        e.into_result().map_err(ApiError::Validation)?;
        Ok(CommentEdit {
            comment_type: comment_type.map(|t| t.as_str().to_string()),
            body: self.body,
            proposed_change: self
                .proposed_change
                .map(|p| p.filter(|p| !p.trim().is_empty())),
            paragraph: self.paragraph.map(|p| p.map(|p| p.trim().to_string())),
            status: self.status,
        })
    }
}

/// The author, or a delegate of the same member, may change a comment.
pub fn may_edit(caller: &Caller, comment: &CommentRow) -> ApiResult<()> {
    if caller.client_id == comment.author_client {
        return Ok(());
    }
    if caller.has(Role::Delegate) && caller.member.as_deref() == Some(comment.member_code.as_str())
    {
        return Ok(());
    }
    Err(ApiError::Forbidden(format!(
        "only the comment's author or a delegate of {} may change it",
        comment.member_code
    )))
}

fn changes(row: &CommentRow, edit: &CommentEdit) -> Map<String, Value> {
    let mut diff = Map::new();
    let mut note = |field: &str, from: Value, to: Value| {
        if from != to {
            diff.insert(field.into(), json!({"from": from, "to": to}));
        }
    };
    if let Some(t) = &edit.comment_type {
        note("type", json!(row.comment_type), json!(t));
    }
    if let Some(b) = &edit.body {
        note("body", json!(row.body), json!(b));
    }
    if let Some(p) = &edit.proposed_change {
        note("proposed_change", json!(row.proposed_change), json!(p));
    }
    if let Some(p) = &edit.paragraph {
        note("paragraph", json!(row.paragraph), json!(p));
    }
    diff
}

/// Edit or withdraw a comment
///
/// The author (the client that wrote it, or a delegate of the same member) edits the comment or
/// withdraws it (`"status": "withdrawn"`) while its comment period is open and it has no
/// disposition. Requires `If-Match`. Appends `comment.updated` with every change (old and new
/// values), or `comment.withdrawn`.
#[utoipa::path(
    tag = "comments",
    params(
        ("id" = String, Path, description = "Comment id"),
        ("If-Match" = String, Header, description = "The comment's current ETag"),
    ),
    request_body(content = UpdateComment, content_type = "application/json"),
    responses(
        (status = 200, description = "The comment", body = Comment, headers(("ETag" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
        (status = 428, response = crate::openapi::PreconditionRequired),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = ["commenter", "delegate"]))
)]
#[patch("/v1/comments/{id}")]
pub async fn update_comment(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth<Commenter>,
    id: web::Path<String>,
    ApiJson(body): ApiJson<UpdateComment>,
) -> ApiResult<HttpResponse> {
    let if_match = required_if_match(&req)?;
    let edit = body.validate()?;
    let id = id.into_inner();
    let now = state.now();
    let caller = auth.caller.clone();
    let comment = state
        .db
        .write(move |conn| {
            let row = find_comment(conn, &id)?;
            may_edit(&caller, &row)?;
            let current: Comment = comment_view(conn, row.clone())?;
            if_match_accepts(&if_match, &etag_of_json(&current)?, &format!("comment {id}"))?;
            if row.status != "open" {
                return Err(ApiError::conflict_with(
                    "conflict",
                    format!("comment {id} is {} and can no longer be changed", row.status),
                    json!({"comment_status": row.status}),
                ));
            }
            let period = PeriodRow::find(conn, &row.period_id)?;
            if !period.is_open_at(now) {
                return Err(ApiError::conflict_with(
                    "period_closed",
                    format!("the comment period of comment {id} is closed"),
                    json!({"opens_at": Timestamp::from_naive(period.opens_at), "closes_at": Timestamp::from_naive(period.closes_at)}),
                ));
            }
            let withdraw = edit.status.is_some();
            let diff = changes(&row, &edit);
            if !withdraw && diff.is_empty() {
                return Ok(current);
            }
            if !CommentRow::edit(conn, &id, row.version, &edit, now.naive())? {
                return Err(ApiError::PreconditionFailed(format!("comment {id}")));
            }
            let actor = caller.actor();
            if !diff.is_empty() {
                Event::append(conn, &actor, now, "comment.updated", &format!("comment:{id}"), json!({"id": id, "changes": diff}))?;
            }
            if withdraw {
                Event::append(conn, &actor, now, "comment.withdrawn", &format!("comment:{id}"), json!({"id": id, "standard": row.reference}))?;
            }
            let row = CommentRow::find(conn, &id)?;
            comment_view(conn, row)
        })
        .await?;
    Ok(json_with_etag(&req, StatusCode::OK, &comment))
}
