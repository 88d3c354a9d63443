use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, http::header, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{RevisionSelector, resolve};
use crate::db::models::revision::RevisionRow;
use crate::domain::diff::{ClauseDiff, diff};
use crate::error::{ApiError, ApiResult};
use crate::http::etag::json_with_etag;
use crate::routes::standards::RevisionPointer;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The revision to compare with: a number or `latest`.
    #[param(required = true)]
    pub from: Option<String>,
}

/// The difference between two revisions, clause by clause.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionDiff {
    pub standard: String,
    pub from: RevisionPointer,
    pub to: RevisionPointer,
    #[serde(flatten)]
    pub diff: ClauseDiff,
}

/// Compare two revisions
///
/// Clauses added, removed, moved (their order among the clauses both revisions share changed) and
/// changed (heading or text), each changed clause with line hunks and a unified diff of its text.
/// Clauses are matched by id. Public; immutable between numbered revisions.
#[utoipa::path(
    tag = "revisions",
    params(
        ("reference" = String, Path, description = "Standard reference"),
        ("n" = String, Path, description = "The newer revision: a number or `latest`"),
        DiffQuery,
    ),
    responses(
        (status = 200, description = "The difference", body = RevisionDiff, headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified"),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[get("/v1/standards/{reference}/revisions/{n}/diff")]
pub async fn diff_revisions(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<DiffQuery>,
) -> ApiResult<HttpResponse> {
    let (reference, n) = path.into_inner();
    let to = RevisionSelector::parse(&n)?;
    let from = match &query.from {
        Some(f) => RevisionSelector::parse(f).map_err(|_| {
            ApiError::InvalidQuery(format!(
                "from must be a revision number or `latest`; `{f}` is not"
            ))
        })?,
        None => {
            return Err(ApiError::InvalidQuery(
                "from is required: the revision to compare with".into(),
            ));
        }
    };
    let immutable = from != RevisionSelector::Latest && to != RevisionSelector::Latest;
    let result = state
        .db
        .read(move |conn| {
            let (_, new_row) = resolve(conn, &reference, to)?;
            let (_, old_row) = resolve(conn, &reference, from)?;
            let new = RevisionRow::clauses(conn, &reference, new_row.number)?;
            let old = RevisionRow::clauses(conn, &reference, old_row.number)?;
            Ok((old_row, old, new_row, new))
        })
        .await?;
    let (old_row, old, new_row, new) = result;
    let body = crate::db::blocking(move || {
        Ok(RevisionDiff {
            standard: new_row.reference.clone(),
            diff: diff(old_row.number, &old, new_row.number, &new),
            from: RevisionPointer {
                number: old_row.number,
                content_hash: old_row.content_hash,
            },
            to: RevisionPointer {
                number: new_row.number,
                content_hash: new_row.content_hash,
            },
        })
    })
    .await?;
    let mut response = json_with_etag(&req, StatusCode::OK, &body);
    let cache = if immutable {
        super::read::IMMUTABLE
    } else {
        "no-cache"
    };
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static(cache),
    );
    Ok(response)
}
