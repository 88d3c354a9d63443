use actix_web::{HttpResponse, http::header, post, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{Revision, RevisionSummary};
use crate::auth::{Auth, Editor};
use crate::db::DbConn;
use crate::db::models::event::Event;
use crate::db::models::revision::RevisionRow;
use crate::db::models::standard::StandardRow;
use crate::domain::event::Actor;
use crate::domain::stage::{accepts_revisions, allowed_from};
use crate::domain::standard::Clause;
use crate::domain::standard::{ClauseInput, MAX_SUMMARY, check_clauses, content_hash};
use crate::domain::time::Timestamp;
use crate::domain::validate::Errors;
use crate::error::{ApiError, ApiResult};
use crate::http::body::ApiJson;
use crate::routes::standards::{find_standard, stage_of};
use crate::state::AppState;

/// A new draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRevision {
    /// What changed since the previous revision, 1 to 5,000 characters.
    #[schema(value_type = String, required = true, min_length = 1, max_length = 5000)]
    pub summary: Option<String>,
    /// The clauses in order: 1 to 2,000, ids unique within the revision and kept across
    /// revisions for the same clause; at most 5,000,000 characters of text in all.
    #[schema(value_type = Vec<ClauseInput>, required = true, min_items = 1, max_items = 2000)]
    pub clauses: Option<Vec<ClauseInput>>,
}

/// Stores the next revision of a standard in `drafting`, and its `revision.created` event.
/// `hash` is `content_hash(&clauses)`, computed by the caller outside the write transaction.
pub fn insert_revision(
    conn: &mut DbConn,
    actor: &Actor,
    now: Timestamp,
    reference: &str,
    summary: String,
    clauses: Vec<Clause>,
    hash: String,
) -> ApiResult<Revision> {
    let standard = find_standard(conn, reference)?;
    let stage = stage_of(&standard)?;
    if !accepts_revisions(stage) {
        return Err(ApiError::conflict_with(
            "stage_conflict",
            format!("{reference} is in stage {stage}; revisions are accepted only in drafting"),
            json!({"current_stage": stage, "allowed": allowed_from(stage).iter().map(|(t, s)| json!({"by": t, "to": s})).collect::<Vec<_>>()}),
        ));
    }
    let row = RevisionRow {
        reference: reference.to_string(),
        number: standard.latest_revision + 1,
        summary,
        content_hash: hash,
        clause_count: clauses.len() as i32,
        created_at: now.naive(),
        created_by: actor.client.clone(),
    };
    RevisionRow::insert(conn, &row, &clauses)?;
    StandardRow::set_latest_revision(conn, reference, row.number, &row.content_hash, now.naive())?;
    Event::append(
        conn,
        actor,
        now,
        "revision.created",
        &format!("standard:{reference}"),
        json!({"standard": reference, "number": row.number, "content_hash": row.content_hash,
               "clause_count": row.clause_count, "summary": row.summary}),
    )?;
    Ok(Revision {
        revision: RevisionSummary::from(row),
        clauses,
    })
}

/// Add a revision
///
/// Adds the next numbered revision of a standard (editors and the secretariat), only while the
/// standard is in `drafting` (409 `stage_conflict` otherwise). The server numbers it and computes
/// its `content_hash`; it never changes afterwards. Appends `revision.created` with the hash.
#[utoipa::path(
    tag = "revisions",
    params(("reference" = String, Path, description = "Standard reference")),
    request_body(content = CreateRevision, content_type = "application/json"),
    responses(
        (status = 201, description = "The revision", body = Revision,
            headers(("Location" = String), ("ETag" = String, description = "The quoted content hash"))),
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
#[post("/v1/standards/{reference}/revisions")]
pub async fn create_revision(
    state: web::Data<AppState>,
    auth: Auth<Editor>,
    reference: web::Path<String>,
    ApiJson(body): ApiJson<CreateRevision>,
) -> ApiResult<HttpResponse> {
    let mut e = Errors::new();
    let summary = e.required("summary", body.summary);
    if let Some(s) = &summary {
        e.text("summary", s, 1, MAX_SUMMARY);
    }
    let clauses = e
        .required("clauses", body.clauses)
        .map(|c| check_clauses(&mut e, c))
        .unwrap_or_default();
    e.into_result().map_err(ApiError::Validation)?;
    let summary = summary.unwrap_or_default().trim().to_string();
    // Hashing a large revision is CPU work: off the worker, before taking the write lock.
    let (clauses, hash) = crate::db::blocking(move || {
        let hash = content_hash(&clauses);
        Ok((clauses, hash))
    })
    .await?;
    let reference = reference.into_inner();
    let now = state.now();
    let actor = auth.actor();
    let revision = state
        .db
        .write(move |conn| insert_revision(conn, &actor, now, &reference, summary, clauses, hash))
        .await?;
    let location = format!(
        "{}/v1/standards/{}/revisions/{}",
        state.public_base, revision.revision.standard, revision.revision.number
    );
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((
            header::ETAG,
            format!("\"{}\"", revision.revision.content_hash),
        ))
        .json(revision))
}
