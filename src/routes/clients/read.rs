use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, web};

use super::Client;
use crate::auth::{Auth, Secretariat};
use crate::db::OptionalExt;
use crate::db::models::client::ClientRow;
use crate::error::ApiResult;
use crate::http::etag::json_with_etag;
use crate::state::AppState;

/// Get a client
///
/// One client, revoked or not (secretariat only). Never shows the secret or its hash.
#[utoipa::path(
    tag = "clients",
    params(("id" = String, Path, description = "Client id")),
    responses(
        (status = 200, description = "The client", body = Client, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = ["secretariat"]))
)]
#[get("/v1/clients/{id}")]
pub async fn get_client(
    req: HttpRequest,
    state: web::Data<AppState>,
    _auth: Auth<Secretariat>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let row = state
        .db
        .read(move |conn| ClientRow::find(conn, &id).or_not_found(|| format!("no client {id}")))
        .await?;
    Ok(json_with_etag(&req, StatusCode::OK, &Client::from(row)))
}
