use actix_web::{HttpRequest, HttpResponse, http::StatusCode, put, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{Comment, comment_view, find_comment};
use crate::auth::{Auth, Editor};
use crate::db::DbConn;
use crate::db::models::comment::{CommentRow, Disposition};
use crate::db::models::event::Event;
use crate::db::models::revision::RevisionRow;
use crate::domain::comment::{DispositionStatus, MAX_RESPONSE};
use crate::domain::event::Actor;
use crate::domain::time::Timestamp;
use crate::domain::validate::Errors;
use crate::error::{ApiError, ApiResult};
use crate::http::body::ApiJson;
use crate::http::etag::json_with_etag;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisposeComment {
    #[schema(value_type = DispositionStatus, required = true)]
    pub status: Option<String>,
    /// The editor's response, 1 to 20,000 characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 20000)]
    pub response: Option<String>,
    /// A later revision of the standard that acted on the comment.
    #[schema(minimum = 2)]
    pub resolved_in: Option<i32>,
}

/// Records the editor's disposition of comment `id`, with its `comment.disposed` event.
pub fn record_disposition(
    conn: &mut DbConn,
    actor: &Actor,
    now: Timestamp,
    id: &str,
    status: DispositionStatus,
    response: String,
    resolved_in: Option<i32>,
) -> ApiResult<Comment> {
    let row = find_comment(conn, id)?;
    if row.status == "withdrawn" {
        return Err(ApiError::conflict_with(
            "conflict",
            format!("comment {id} was withdrawn by its author and takes no disposition"),
            json!({"comment_status": row.status}),
        ));
    }
    if let Some(n) = resolved_in {
        if n <= row.revision {
            return Err(ApiError::invalid(
                "resolved_in",
                "out_of_range",
                format!(
                    "resolved_in must be a revision after {}, the one commented on",
                    row.revision
                ),
            ));
        }
        if RevisionRow::find(conn, &row.reference, n).is_err() {
            return Err(ApiError::invalid(
                "resolved_in",
                "not_found",
                format!("{} has no revision {n}", row.reference),
            ));
        }
    }
    let previous = (row.status != "open").then(
        || json!({"status": row.status, "response": row.response, "resolved_in": row.resolved_in}),
    );
    let disposition = Disposition {
        status: status.as_str().to_string(),
        response: Some(response.trim().to_string()),
        resolved_in,
        disposed_at: Some(now.naive()),
        disposed_by: actor.client.clone(),
    };
    if !CommentRow::dispose(conn, id, row.version, &disposition, now.naive())? {
        return Err(ApiError::conflict(
            "conflict",
            format!("comment {id} changed meanwhile; retry"),
        ));
    }
    Event::append(
        conn,
        actor,
        now,
        "comment.disposed",
        &format!("comment:{id}"),
        json!({"id": id, "standard": row.reference, "status": status, "response": disposition.response,
               "resolved_in": resolved_in, "previous": previous}),
    )?;
    let row = CommentRow::find(conn, id)?;
    comment_view(conn, row)
}

/// Record a disposition
///
/// The editor's decision on a comment (editors and the secretariat): `accepted`,
/// `accepted_modified`, `rejected` or `noted`, with a response and optionally the later revision
/// that acted on it. Replaces an earlier disposition. A withdrawn comment cannot be disposed
/// (409). Appends `comment.disposed` (with the previous disposition when there was one).
#[utoipa::path(
    tag = "comments",
    params(("id" = String, Path, description = "Comment id")),
    request_body(content = DisposeComment, content_type = "application/json"),
    responses(
        (status = 200, description = "The comment with its disposition", body = Comment, headers(("ETag" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = ["editor", "secretariat"]))
)]
#[put("/v1/comments/{id}/disposition")]
pub async fn dispose_comment(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth<Editor>,
    id: web::Path<String>,
    ApiJson(body): ApiJson<DisposeComment>,
) -> ApiResult<HttpResponse> {
    let mut e = Errors::new();
    let status = e.required("status", body.status).and_then(|s| {
        e.one_of(
            "status",
            &s,
            DispositionStatus::parse,
            DispositionStatus::ALL,
        )
    });
    let response = e.required("response", body.response);
    if let Some(r) = &response {
        e.text("response", r, 1, MAX_RESPONSE);
    }
    e.into_result().map_err(ApiError::Validation)?;
    let (status, response) = match (status, response) {
        (Some(s), Some(r)) => (s, r),
        _ => return Err(ApiError::internal("validated disposition is incomplete")),
    };
    let resolved_in = body.resolved_in;
    let id = id.into_inner();
    let now = state.now();
    let actor = auth.actor();
    let comment = state
        .db
        .write(move |conn| {
            record_disposition(conn, &actor, now, &id, status, response, resolved_in)
        })
        .await?;
    Ok(json_with_etag(&req, StatusCode::OK, &comment))
}
