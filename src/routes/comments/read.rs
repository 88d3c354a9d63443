use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, web};

use super::{Comment, comment_view, find_comment};
use crate::error::ApiResult;
use crate::http::etag::json_with_etag;
use crate::state::AppState;

/// Get a comment
///
/// The comment with its reply count, disposition, and where its clause stands in the latest
/// revision (`outdated` when that clause changed or was removed). Public.
#[utoipa::path(
    tag = "comments",
    params(("id" = String, Path, description = "Comment id")),
    responses(
        (status = 200, description = "The comment", body = Comment, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[get("/v1/comments/{id}")]
pub async fn get_comment(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let comment = state
        .db
        .read(move |conn| {
            let row = find_comment(conn, &id)?;
            comment_view(conn, row)
        })
        .await?;
    Ok(json_with_etag(&req, StatusCode::OK, &comment))
}
