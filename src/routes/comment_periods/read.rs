use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, web};

use super::{CommentPeriod, find_period};
use crate::error::ApiResult;
use crate::http::etag::json_with_etag;
use crate::state::AppState;

/// Get a comment period
///
/// One period with its status at this moment. Public; its `ETag` is what `PATCH` needs.
#[utoipa::path(
    tag = "comment periods",
    params(
        ("reference" = String, Path, description = "Standard reference"),
        ("id" = String, Path, description = "Comment period id"),
    ),
    responses(
        (status = 200, description = "The period", body = CommentPeriod, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[get("/v1/standards/{reference}/comment-periods/{id}")]
pub async fn get_comment_period(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (reference, id) = path.into_inner();
    let row = state
        .db
        .read(move |conn| find_period(conn, &reference, &id))
        .await?;
    Ok(json_with_etag(
        &req,
        StatusCode::OK,
        &CommentPeriod::at(row, state.now()),
    ))
}
