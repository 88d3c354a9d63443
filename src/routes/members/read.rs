use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, web};

use super::Member;
use crate::db::OptionalExt;
use crate::db::models::member::MemberRow;
use crate::error::ApiResult;
use crate::http::etag::json_with_etag;
use crate::state::AppState;

/// Get a member
///
/// Public. Carries an `ETag`; `If-None-Match` with it gives 304.
#[utoipa::path(
    tag = "members",
    params(("code" = String, Path, description = "Member code, such as BRA or OECD")),
    responses(
        (status = 200, description = "The member", body = Member, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match matched)"),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(())
)]
#[get("/v1/members/{code}")]
pub async fn get_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let code = code.into_inner();
    let member = state
        .db
        .read(move |conn| {
            MemberRow::find(conn, &code).or_not_found(|| format!("no member has the code {code}"))
        })
        .await?;
    Ok(json_with_etag(&req, StatusCode::OK, &Member::from(member)))
}
