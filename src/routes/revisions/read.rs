use actix_web::{HttpRequest, HttpResponse, get, http::header, web};

use super::{Revision, RevisionSelector, RevisionSummary, resolve};
use crate::db::models::revision::RevisionRow;
use crate::domain::standard::render_markdown;
use crate::error::ApiResult;
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
    let markdown = media == "text/markdown";
    let (standard, revision) = state
        .db
        .read(move |conn| resolve(conn, &reference, selector))
        .await?;
    let etag = if markdown {
        format!("\"{}-md\"", revision.content_hash)
    } else {
        format!("\"{}\"", revision.content_hash)
    };
    let cache = if selector == RevisionSelector::Latest {
        "no-cache"
    } else {
        IMMUTABLE
    };
    let location = format!(
        "{}/v1/standards/{}/revisions/{}",
        state.public_base, revision.reference, revision.number
    );
    let mut response = if not_modified(&req, &etag) {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag.clone()))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Accept"))
        .insert_header((header::CONTENT_LOCATION, location));
    if not_modified(&req, &etag) {
        return Ok(response.finish());
    }
    let (reference, number) = (revision.reference.clone(), revision.number);
    let clauses = state
        .db
        .read(move |conn| Ok(RevisionRow::clauses(conn, &reference, number)?))
        .await?;
    if markdown {
        let body = render_markdown(
            &standard.reference,
            &standard.title,
            revision.number,
            &revision.content_hash,
            &revision.summary,
            &clauses,
        );
        return Ok(response
            .content_type("text/markdown; charset=utf-8")
            .body(body));
    }
    Ok(response.json(Revision {
        revision: RevisionSummary::from(revision),
        clauses,
    }))
}
