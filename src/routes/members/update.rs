use actix_web::{HttpRequest, HttpResponse, http::StatusCode, patch, web};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use super::Member;
use crate::auth::{Auth, Secretariat};
use crate::db::OptionalExt;
use crate::db::models::event::Event;
use crate::db::models::member::{MemberChanges, MemberRow};
use crate::domain::member::{MemberStatus, Region};
use crate::domain::validate::Errors;
use crate::error::{ApiError, ApiResult};
use crate::http::body::ApiJson;
use crate::http::etag::{etag_of_json, if_match_accepts, json_with_etag, required_if_match};
use crate::state::AppState;

/// Changes to a member; absent fields stay as they are. `code` and `kind` never change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMember {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    pub voting: Option<bool>,
    #[schema(value_type = Option<Region>)]
    pub region: Option<String>,
    #[schema(value_type = Option<MemberStatus>)]
    pub status: Option<String>,
}

impl UpdateMember {
    fn validate(self) -> Result<MemberChanges, ApiError> {
        let mut e = Errors::new();
        if let Some(name) = &self.name {
            e.text("name", name, 1, 200);
        }
        let region = self
            .region
            .and_then(|r| e.one_of("region", &r, Region::parse, Region::ALL));
        let status = self
            .status
            .and_then(|s| e.one_of("status", &s, MemberStatus::parse, MemberStatus::ALL));
        e.into_result().map_err(ApiError::Validation)?;
        Ok(MemberChanges {
            name: self.name.map(|n| n.trim().to_string()),
            voting: self.voting,
            region: region.map(|r| r.as_str().to_string()),
            status: status.map(|s| s.as_str().to_string()),
        })
    }
}

/// Keeps only the fields that differ from `row`, and describes them as `{field: {from, to}}`.
fn effective_changes(row: &MemberRow, mut c: MemberChanges) -> (MemberChanges, Map<String, Value>) {
    let mut diff = Map::new();
    if c.name.as_ref() == Some(&row.name) {
        c.name = None;
    } else if let Some(to) = &c.name {
        diff.insert("name".into(), json!({"from": row.name, "to": to}));
    }
    if c.voting == Some(row.voting) {
        c.voting = None;
    } else if let Some(to) = c.voting {
        diff.insert("voting".into(), json!({"from": row.voting, "to": to}));
    }
    if c.region.as_ref() == Some(&row.region) {
        c.region = None;
    } else if let Some(to) = &c.region {
        diff.insert("region".into(), json!({"from": row.region, "to": to}));
    }
    if c.status.as_ref() == Some(&row.status) {
        c.status = None;
    } else if let Some(to) = &c.status {
        diff.insert("status".into(), json!({"from": row.status, "to": to}));
    }
    (c, diff)
}

/// Update a member
///
/// Changes name, voting, region or status (secretariat only). Requires `If-Match` with the
/// member's current `ETag`: 428 without it, 412 when it is stale. Appends `member.updated` with
/// each changed field's old and new value; a change to nothing appends nothing.
#[utoipa::path(
    tag = "members",
    params(
        ("code" = String, Path, description = "Member code"),
        ("If-Match" = String, Header, description = "The member's current ETag"),
    ),
    request_body(content = UpdateMember, content_type = "application/json"),
    responses(
        (status = 200, description = "The member, updated", body = Member, headers(("ETag" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 412, response = crate::openapi::PreconditionFailed),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
        (status = 428, response = crate::openapi::PreconditionRequired),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = ["secretariat"]))
)]
#[patch("/v1/members/{code}")]
pub async fn update_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth<Secretariat>,
    code: web::Path<String>,
    ApiJson(body): ApiJson<UpdateMember>,
) -> ApiResult<HttpResponse> {
    let if_match = required_if_match(&req)?;
    let changes = body.validate()?;
    let code = code.into_inner();
    let now = state.now();
    let actor = auth.actor();
    let member = state
        .db
        .write(move |conn| {
            let row = MemberRow::find(conn, &code)
                .or_not_found(|| format!("no member has the code {code}"))?;
            if_match_accepts(
                &if_match,
                &etag_of_json(&Member::from(row.clone()))?,
                &format!("member {code}"),
            )?;
            let (changes, diff) = effective_changes(&row, changes);
            if diff.is_empty() {
                return Ok(Member::from(row));
            }
            if !MemberRow::update(conn, &code, row.version, &changes, now.naive())? {
                return Err(ApiError::PreconditionFailed(format!("member {code}")));
            }
            Event::append(
                conn,
                &actor,
                now,
                "member.updated",
                &format!("member:{code}"),
                json!({ "changes": diff }),
            )?;
            Ok(Member::from(MemberRow::find(conn, &code)?))
        })
        .await?;
    Ok(json_with_etag(&req, StatusCode::OK, &member))
}
