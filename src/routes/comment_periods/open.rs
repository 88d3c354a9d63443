use actix_web::{HttpRequest, HttpResponse, http::StatusCode, http::header, post, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::CommentPeriod;
use crate::auth::{Auth, Secretariat};
use crate::db::DbConn;
use crate::db::models::comment_period::PeriodRow;
use crate::db::models::event::Event;
use crate::db::models::standard::StandardRow;
use crate::domain::event::Actor;
use crate::domain::stage::{Stage, Transition};
use crate::domain::time::Timestamp;
use crate::domain::validate::Errors;
use crate::error::{ApiError, ApiResult};
use crate::http::body::ApiJson;
use crate::http::etag::json_with_etag;
use crate::routes::standards::{find_standard, next_stage};
use crate::state::AppState;

/// The longest comment period, in days.
pub const MAX_DAYS: i64 = 366;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenCommentPeriod {
    /// The deadline (RFC 3339): in the future, at most 366 days away.
    #[schema(value_type = String, format = DateTime, required = true, example = "2026-12-31T23:59:59Z")]
    pub closes_at: Option<String>,
}

/// Checks a deadline against `now`, recording problems under `closes_at`.
pub fn check_deadline(e: &mut Errors, value: Option<String>, now: Timestamp) -> Option<Timestamp> {
    let closes_at = match Timestamp::parse(&e.required("closes_at", value)?) {
        Ok(t) => t,
        Err(message) => {
            e.add("closes_at", "invalid_format", message);
            return None;
        }
    };
    if closes_at <= now {
        e.add(
            "closes_at",
            "out_of_range",
            format!("closes_at must be in the future (it is now {now})"),
        );
    } else if closes_at > now.plus_seconds(MAX_DAYS * 86_400) {
        e.add(
            "closes_at",
            "out_of_range",
            format!("closes_at must be at most {MAX_DAYS} days away"),
        );
    }
    Some(closes_at)
}

/// Opens a period on the latest revision of `reference` from `now` to `closes_at`, moving the
/// standard to `public_comment`, with its `comment_period.opened` event.
pub fn insert_period(
    conn: &mut DbConn,
    actor: &Actor,
    now: Timestamp,
    reference: &str,
    closes_at: Timestamp,
) -> ApiResult<CommentPeriod> {
    let standard = find_standard(conn, reference)?;
    let to = next_stage(&standard, Transition::OpenCommentPeriod)?;
    if standard.latest_revision == 0 {
        return Err(ApiError::conflict_with(
            "stage_conflict",
            format!("{reference} has no revision to comment on yet"),
            json!({"current_stage": standard.stage}),
        ));
    }
    let row = PeriodRow {
        id: uuid::Uuid::now_v7().to_string(),
        reference: reference.to_string(),
        revision: standard.latest_revision,
        opens_at: now.naive(),
        closes_at: closes_at.naive(),
        closed_at: None,
        close_reason: None,
        version: 1,
        created_at: now.naive(),
    };
    PeriodRow::insert(conn, &row)?;
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
        "comment_period.opened",
        &format!("comment_period:{}", row.id),
        json!({
            "id": row.id, "standard": reference, "revision": row.revision,
            "content_hash": standard.latest_hash, "opens_at": now, "closes_at": closes_at,
            "from": standard.stage, "to": to,
        }),
    )?;
    Ok(CommentPeriod::at(row, now))
}

/// Open a comment period
///
/// Opens a comment period on the latest revision at once, until `closes_at` (secretariat only);
/// the standard moves to `public_comment`. Refused with 409 `stage_conflict` unless the standard
/// is in `drafting` with at least one revision. Appends `comment_period.opened`.
#[utoipa::path(
    tag = "comment periods",
    params(("reference" = String, Path, description = "Standard reference")),
    request_body(content = OpenCommentPeriod, content_type = "application/json"),
    responses(
        (status = 201, description = "The period, open", body = CommentPeriod, headers(("Location" = String), ("ETag" = String))),
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
#[post("/v1/standards/{reference}/comment-periods")]
pub async fn open_comment_period(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth<Secretariat>,
    reference: web::Path<String>,
    ApiJson(body): ApiJson<OpenCommentPeriod>,
) -> ApiResult<HttpResponse> {
    let now = state.now();
    let mut e = Errors::new();
    let closes_at = check_deadline(&mut e, body.closes_at, now);
    e.into_result().map_err(ApiError::Validation)?;
    let closes_at =
        closes_at.ok_or_else(|| ApiError::internal("deadline missing after validation"))?;
    let reference = reference.into_inner();
    let actor = auth.actor();
    let period = state
        .db
        .write(move |conn| insert_period(conn, &actor, now, &reference, closes_at))
        .await?;
    let location = format!(
        "{}/v1/standards/{}/comment-periods/{}",
        state.public_base, period.standard, period.id
    );
    let mut response = json_with_etag(&req, StatusCode::CREATED, &period);
    if let Ok(location) = header::HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}
