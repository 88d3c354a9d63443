use actix_web::{HttpRequest, HttpResponse, http::StatusCode, http::header, post, web};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::Member;
use crate::auth::{Auth, Secretariat};
use crate::db::DbConn;
use crate::db::models::event::Event;
use crate::db::models::member::MemberRow;
use crate::domain::event::Actor;
use crate::domain::member::{MemberKind, MemberStatus, Region, check_code};
use crate::domain::time::Timestamp;
use crate::domain::validate::Errors;
use crate::error::{ApiError, ApiResult};
use crate::http::body::ApiJson;
use crate::http::etag::json_with_etag;
use crate::state::AppState;

/// A new member.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMember {
    /// For a state, its ISO 3166-1 alpha-3 code in capitals (checked against the ISO list); for an
    /// organisation, 2 to 16 capital letters or digits that are not a country code.
    #[schema(value_type = String, required = true, example = "BRA")]
    pub code: Option<String>,
    /// Official name, 1 to 200 characters.
    #[schema(value_type = String, required = true, example = "Federative Republic of Brazil", min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(value_type = MemberKind, required = true)]
    pub kind: Option<String>,
    /// True for full (voting) members, false for observers.
    #[schema(value_type = bool, required = true)]
    pub voting: Option<bool>,
    #[schema(value_type = Region, required = true)]
    pub region: Option<String>,
    /// Defaults to `active`.
    #[schema(value_type = MemberStatus)]
    pub status: Option<String>,
}

impl CreateMember {
    pub fn validate(
        self,
    ) -> Result<(String, String, MemberKind, bool, Region, MemberStatus), ApiError> {
        let mut e = Errors::new();
        let code = e.required("code", self.code);
        let name = e.required("name", self.name);
        let kind = e.required("kind", self.kind);
        let voting = e.required("voting", self.voting);
        let region = e.required("region", self.region);
        if let Some(name) = &name {
            e.text("name", name, 1, 200);
        }
        let kind = kind.and_then(|k| e.one_of("kind", &k, MemberKind::parse, MemberKind::ALL));
        let region = region.and_then(|r| e.one_of("region", &r, Region::parse, Region::ALL));
        let status = match self.status {
            Some(s) => e.one_of("status", &s, MemberStatus::parse, MemberStatus::ALL),
            None => Some(MemberStatus::Active),
        };
        if let (Some(code), Some(kind)) = (&code, kind) {
            if let Err(message) = check_code(kind, code) {
                e.add("code", "invalid_format", message);
            }
        }
        e.into_result().map_err(ApiError::Validation)?;
        match (code, name, kind, voting, region, status) {
            (Some(c), Some(n), Some(k), Some(v), Some(r), Some(s)) => {
                Ok((c, n.trim().to_string(), k, v, r, s))
            }
            _ => Err(ApiError::internal("validated member is incomplete")),
        }
    }
}

/// Stores a new member and its `member.created` event (the API and `seed-demo` share it).
pub fn insert_member(
    conn: &mut DbConn,
    actor: &Actor,
    now: Timestamp,
    row: MemberRow,
) -> ApiResult<Member> {
    if MemberRow::find(conn, &row.code).is_ok() {
        return Err(ApiError::conflict(
            "already_exists",
            format!("member {} already exists", row.code),
        ));
    }
    MemberRow::insert(conn, &row)?;
    let member = Member::from(row);
    Event::append(
        conn,
        actor,
        now,
        "member.created",
        &format!("member:{}", member.code),
        json!(member),
    )?;
    Ok(member)
}

/// Register a member
///
/// Adds a state or an organisation to the registry (secretariat only). A state's code must be a
/// real ISO 3166-1 alpha-3 code. Appends a `member.created` event.
#[utoipa::path(
    tag = "members",
    request_body(content = CreateMember, content_type = "application/json"),
    responses(
        (status = 201, description = "The member, registered", body = Member,
            headers(("Location" = String, description = "URL of the member"), ("ETag" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = ["secretariat"]))
)]
#[post("/v1/members")]
pub async fn create_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth<Secretariat>,
    ApiJson(body): ApiJson<CreateMember>,
) -> ApiResult<HttpResponse> {
    let (code, name, kind, voting, region, status) = body.validate()?;
    let now = state.now();
    let actor = auth.actor();
    let row = MemberRow {
        code: code.clone(),
        name,
        kind: kind.as_str().into(),
        voting,
        region: region.as_str().into(),
        status: status.as_str().into(),
        version: 1,
        created_at: now.naive(),
        updated_at: now.naive(),
    };
    let member = state
        .db
        .write(move |conn| {
            if MemberRow::find(conn, &row.code).is_ok() {
                return Err(ApiError::conflict(
                    "already_exists",
                    format!("member {} already exists", row.code),
                ));
            }
            MemberRow::insert(conn, &row)?;
            let member = Member::from(row);
            Event::append(
                conn,
                &actor,
                now,
                "member.created",
                &format!("member:{}", member.code),
                json!(member),
            )?;
            Ok(member)
        })
        .await?;
    let mut response = json_with_etag(&req, StatusCode::CREATED, &member);
    if let Ok(location) =
        header::HeaderValue::from_str(&format!("{}/v1/members/{code}", state.public_base))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}
