use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, web};

use super::{Standard, find_standard};
use crate::error::ApiResult;
use crate::http::etag::json_with_etag;
use crate::state::AppState;

/// Get a standard
///
/// The standard with its current stage, the stages it can move to, its latest revision (number
/// and content hash) and, once ratified, the ratified revision. Public; `ETag` and 304.
#[utoipa::path(
    tag = "standards",
    params(("reference" = String, Path, description = "Standard reference, such as AIS-0001")),
    responses(
        (status = 200, description = "The standard", body = Standard, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[get("/v1/standards/{reference}")]
pub async fn get_standard(
    req: HttpRequest,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let reference = reference.into_inner();
    let row = state
        .db
        .read(move |conn| find_standard(conn, &reference))
        .await?;
    Ok(json_with_etag(&req, StatusCode::OK, &Standard::from(row)))
}
