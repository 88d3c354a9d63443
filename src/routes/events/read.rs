use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, http::header, web};

use super::EventView;
use crate::db::OptionalExt;
use crate::db::models::event::Event;
use crate::error::ApiResult;
use crate::http::etag::json_with_etag;
use crate::state::AppState;

/// Get one event
///
/// Public. Events never change, so the response may be cached for ever.
#[utoipa::path(
    tag = "events",
    params(("seq" = i64, Path, description = "Sequence number")),
    responses(
        (status = 200, description = "The event", body = EventView, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified"),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[get("/v1/events/{seq}")]
pub async fn get_event(
    req: HttpRequest,
    state: web::Data<AppState>,
    seq: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let seq = seq.into_inner();
    let row = state
        .db
        .read(move |conn| Event::find(conn, seq).or_not_found(|| format!("no event has seq {seq}")))
        .await?;
    let mut response = json_with_etag(&req, StatusCode::OK, &EventView::try_from(row)?);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(response)
}
