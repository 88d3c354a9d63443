use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{Client, ClientPage};
use crate::auth::{Auth, Secretariat};
use crate::db::models::client::{ClientFilter, ClientRow};
use crate::domain::time::Timestamp;
use crate::error::ApiResult;
use crate::http::pagination::{self, Page, page_response, split_page};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ClientQuery {
    /// Only the clients of this member.
    pub member: Option<String>,
    /// Include revoked clients (default false).
    pub include_revoked: Option<bool>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// List clients
///
/// Clients in creation order (secretariat only). Never shows a secret or its hash.
#[utoipa::path(
    tag = "clients",
    params(ClientQuery),
    responses(
        (status = 200, description = "One page of clients", body = ClientPage, headers(("Link" = String))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = ["secretariat"]))
)]
#[get("/v1/clients")]
pub async fn list_clients(
    req: HttpRequest,
    state: web::Data<AppState>,
    _auth: Auth<Secretariat>,
    query: web::Query<ClientQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor::<(Timestamp, String)>(query.cursor.as_deref())?
        .map(|(at, id)| (at.naive(), id));
    let filter = ClientFilter {
        member: query.member,
        include_revoked: query.include_revoked.unwrap_or(false),
        after,
    };
    let rows = state
        .db
        .read(move |conn| Ok(ClientRow::list(conn, &filter, limit + 1)?))
        .await?;
    let (rows, more) = split_page(rows, limit);
    let next_cursor = match rows.last() {
        Some(last) if more => Some(pagination::encode_cursor(&(
            Timestamp::from_naive(last.created_at),
            &last.id,
        ))),
        _ => None,
    };
    let page = Page {
        items: rows.into_iter().map(Client::from).collect::<Vec<_>>(),
        next_cursor,
    };
    Ok(page_response(&req, &state.public_base, &page, "cursor"))
}
