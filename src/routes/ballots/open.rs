use actix_web::{HttpRequest, HttpResponse, http::StatusCode, http::header, post, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{Ballot, ballot_view};
use crate::auth::{Auth, Secretariat};
use crate::db::DbConn;
use crate::db::models::ballot::{BallotRow, active_voting_members};
use crate::db::models::event::Event;
use crate::db::models::standard::StandardRow;
use crate::domain::ballot::Rule;
use crate::domain::canonical::canonical_json;
use crate::domain::event::Actor;
use crate::domain::stage::{Stage, Transition};
use crate::domain::time::Timestamp;
use crate::domain::validate::Errors;
use crate::error::{ApiError, ApiResult};
use crate::http::body::ApiJson;
use crate::http::etag::json_with_etag;
use crate::routes::comment_periods::open::check_deadline;
use crate::routes::standards::{find_standard, next_stage};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenBallot {
    /// The deadline (RFC 3339): in the future, at most 366 days away.
    #[schema(value_type = String, format = DateTime, required = true)]
    pub closes_at: Option<String>,
    /// The approval rule; the ISO/IEC DIS/FDIS rule when absent (approval 2/3, declines at most
    /// 1/4, quorum 1/2). A rule given here replaces it whole: absent criteria are not applied.
    pub rule: Option<Rule>,
}

/// Opens a ballot on the latest revision of `reference`, electorate snapshotted now.
pub fn insert_ballot(
    conn: &mut DbConn,
    actor: &Actor,
    now: Timestamp,
    reference: &str,
    closes_at: Timestamp,
    rule: Rule,
) -> ApiResult<Ballot> {
    let standard = find_standard(conn, reference)?;
    let to = next_stage(&standard, Transition::OpenBallot)?;
    let Some(content_hash) = standard.latest_hash.clone() else {
        return Err(ApiError::conflict_with(
            "stage_conflict",
            format!("{reference} has no revision to ratify yet"),
            json!({"current_stage": standard.stage}),
        ));
    };
    let electorate = active_voting_members(conn)?;
    if electorate.is_empty() {
        return Err(ApiError::conflict(
            "conflict",
            "no active voting member could take part in a ballot",
        ));
    }
    let row = BallotRow {
        id: uuid::Uuid::now_v7().to_string(),
        reference: reference.to_string(),
        revision: standard.latest_revision,
        content_hash,
        opens_at: now.naive(),
        closes_at: closes_at.naive(),
        rule: canonical_json(&rule),
        electorate: electorate.len() as i32,
        closed_at: None,
        close_reason: None,
        outcome: None,
        version: 1,
        created_at: now.naive(),
    };
    BallotRow::insert(conn, &row, &electorate)?;
    if !StandardRow::set_stage(
        conn,
        reference,
        Stage::Drafting.as_str(),
        to.as_str(),
        now.naive(),
    )? {
        return Err(ApiError::conflict(
            "stage_conflict",
            format!("{reference} changed stage meanwhile; retry"),
        ));
    }
    Event::append(
        conn,
        actor,
        now,
        "ballot.opened",
        &format!("ballot:{}", row.id),
        json!({
            "id": row.id, "standard": reference, "revision": row.revision, "content_hash": row.content_hash,
            "opens_at": now, "closes_at": closes_at, "rule": rule, "electorate": electorate,
            "from": standard.stage, "to": to,
        }),
    )?;
    ballot_view(conn, row, now)
}

/// Open a ballot
///
/// Opens a ratification ballot on the latest revision (secretariat only), pinning its number and
/// content hash and taking the electorate: the active voting members at this moment. The standard
/// moves to `ratification`. Refused with 409 `stage_conflict` unless the standard is in
/// `drafting` with a revision (so never while a comment period is open). Appends `ballot.opened`.
#[utoipa::path(
    tag = "ballots",
    params(("reference" = String, Path, description = "Standard reference")),
    request_body(content = OpenBallot, content_type = "application/json"),
    responses(
        (status = 201, description = "The ballot, open", body = Ballot, headers(("Location" = String), ("ETag" = String))),
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
    security(("bearer" = ["secretariat"]))
)]
#[post("/v1/standards/{reference}/ballots")]
pub async fn open_ballot(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth<Secretariat>,
    reference: web::Path<String>,
    ApiJson(body): ApiJson<OpenBallot>,
) -> ApiResult<HttpResponse> {
    let now = state.now();
    let mut e = Errors::new();
    let closes_at = check_deadline(&mut e, body.closes_at, now);
    let rule = body.rule.unwrap_or_default();
    for (field, message) in rule.problems() {
        e.add(field, "out_of_range", message);
    }
    e.into_result().map_err(ApiError::Validation)?;
    let closes_at =
        closes_at.ok_or_else(|| ApiError::internal("deadline missing after validation"))?;
    let reference = reference.into_inner();
    let actor = auth.actor();
    let ballot = state
        .db
        .write(move |conn| insert_ballot(conn, &actor, now, &reference, closes_at, rule))
        .await?;
    let location = format!("{}/v1/ballots/{}", state.public_base, ballot.id);
    let mut response = json_with_etag(&req, StatusCode::CREATED, &ballot);
    if let Ok(location) = header::HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}
