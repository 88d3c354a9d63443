use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, get, web};

use super::{Revision, RevisionSelector, RevisionSummary, resolve};
use crate::db::models::revision::RevisionRow;
use crate::domain::standard::render_markdown;
use std::sync::Arc;

use crate::cache::CachedRevision;
use crate::error::{ApiError, ApiResult};
use crate::http::etag::not_modified;
use crate::http::negotiate;
use crate::state::AppState;

pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Get a revision
///
/// One revision with its clauses. `n` is a number or `latest`. The `ETag` is the quoted content
/// hash (with `-md` for the Markdown form) and a numbered revision is cacheable for ever;
/// `If-None-Match` gives 304. With `Accept: text/markdown` the whole draft comes back as one
/// Markdown document. `latest` is not cached and names the numbered revision in
/// `Content-Location`. Public.
#[utoipa::path(
    tag = "revisions",
    params(
        ("reference" = String, Path, description = "Standard reference"),
        ("n" = String, Path, description = "Revision number, or `latest`"),
    ),
    responses(
        (status = 200, description = "The revision",
            content((Revision = "application/json"), (String = "text/markdown")),
            headers(("ETag" = String), ("Cache-Control" = String), ("Content-Location" = String))),
        (status = 304, description = "Not modified"),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 406, response = crate::openapi::NotAcceptable),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[get("/v1/standards/{reference}/revisions/{n}")]
pub async fn get_revision(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (reference, n) = path.into_inner();
    let selector = RevisionSelector::parse(&n)?;
    let media = negotiate::choose(&req, &["application/json", "text/markdown"])?;
    if media == "text/markdown" {
        return markdown(&req, &state, reference, selector).await;
    }
    // Numbered revisions never change: serve them from memory when we can.
    let cached = match selector {
        RevisionSelector::Number(number) => state.caches.revision(&reference, number),
        RevisionSelector::Latest => None,
    };
    // `fresh` is the JSON just rendered on a miss; a hit is decompressed only when it is sent.
    let (entry, fresh) = match cached {
        Some(hit) => (hit, None),
        None => {
            let (_, row) = {
                let reference = reference.clone();
                state
                    .db
                    .read(move |conn| resolve(conn, &reference, selector))
                    .await?
            };
            let number = row.number;
            match state.caches.revision(&reference, number) {
                Some(hit) => (hit, None),
                None => {
                    let key = reference.clone();
                    let clauses = state
                        .db
                        .read(move |conn| Ok(RevisionRow::clauses(conn, &key, number)?))
                        .await?;
                    let etag = etag_value(&row.content_hash)?;
                    let location = location_value(&state, &reference, number)?;
                    let json = serde_json::to_vec(&Revision {
                        revision: RevisionSummary::from(row),
                        clauses,
                    })
                    .map_err(ApiError::internal)?;
                    let entry = Arc::new(
                        CachedRevision::new(etag, location, &json).map_err(ApiError::internal)?,
                    );
                    state.caches.put_revision(&reference, number, entry.clone());
                    (entry, Some(web::Bytes::from(json)))
                }
            }
        }
    };
    let unchanged = entry
        .etag
        .to_str()
        .is_ok_and(|etag| not_modified(&req, etag));
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    headers(
        &mut response,
        entry.etag.clone(),
        entry.location.clone(),
        selector,
    );
    if unchanged {
        return Ok(response.finish());
    }
    let body = match fresh {
        Some(json) => json,
        None => entry.json().map_err(ApiError::internal)?,
    };
    Ok(response.content_type("application/json").body(body))
}

/// A numbered revision is cacheable for ever; `latest` names a different one when a revision is
/// added.
fn cache_control(selector: RevisionSelector) -> &'static str {
    if selector == RevisionSelector::Latest {
        "no-cache"
    } else {
        IMMUTABLE
    }
}

/// The quoted content hash, as an `ETag` value (a hex digest, so always a valid header value).
fn etag_value(content_hash: &str) -> ApiResult<HeaderValue> {
    HeaderValue::from_str(&format!("\"{content_hash}\"")).map_err(ApiError::internal)
}

/// The URL of the numbered revision, as a `Content-Location` value.
fn location_value(state: &AppState, reference: &str, number: i32) -> ApiResult<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{}/v1/standards/{reference}/revisions/{number}",
        state.public_base
    ))
    .map_err(ApiError::internal)
}

/// The headers a revision is sent with, as JSON or as Markdown.
fn headers(
    response: &mut actix_web::HttpResponseBuilder,
    etag: HeaderValue,
    location: HeaderValue,
    selector: RevisionSelector,
) {
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control(selector)))
        .insert_header((header::VARY, "Accept"))
        .insert_header((header::CONTENT_LOCATION, location));
}

/// The whole draft as Markdown (not cached: it carries the standard's current title).
async fn markdown(
    req: &HttpRequest,
    state: &AppState,
    reference: String,
    selector: RevisionSelector,
) -> ApiResult<HttpResponse> {
    let (standard, revision, clauses) = state
        .db
        .read(move |conn| {
            let (standard, revision) = resolve(conn, &reference, selector)?;
            let clauses = RevisionRow::clauses(conn, &revision.reference, revision.number)?;
            Ok((standard, revision, clauses))
        })
        .await?;
    let etag = format!("\"{}-md\"", revision.content_hash);
    let unchanged = not_modified(req, &etag);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    headers(
        &mut response,
        HeaderValue::from_str(&etag).map_err(ApiError::internal)?,
        location_value(state, &standard.reference, revision.number)?,
        selector,
    );
    if unchanged {
        return Ok(response.finish());
    }
    let body = render_markdown(
        &standard.reference,
        &standard.title,
        revision.number,
        &revision.content_hash,
        &revision.summary,
        &clauses,
    );
    Ok(response
        .content_type("text/markdown; charset=utf-8")
        .body(body))
}
