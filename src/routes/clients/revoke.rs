use actix_web::{HttpResponse, delete, web};
use serde_json::json;

use crate::auth::{Auth, Secretariat};
use crate::db::OptionalExt;
use crate::db::models::client::ClientRow;
use crate::db::models::event::Event;
use crate::error::ApiResult;
use crate::state::AppState;

/// Revoke a client
///
/// Revokes a client (secretariat only): its tokens are refused from the next request on, and no
/// new token is issued to it. Revoking a revoked client changes nothing and answers 204 again.
/// Appends `client.revoked`.
#[utoipa::path(
    tag = "clients",
    params(("id" = String, Path, description = "Client id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = ["secretariat"]))
)]
#[delete("/v1/clients/{id}")]
pub async fn revoke_client(
    state: web::Data<AppState>,
    auth: Auth<Secretariat>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.now();
    let actor = auth.actor();
    state
        .db
        .write(move |conn| {
            ClientRow::find(conn, &id).or_not_found(|| format!("no client {id}"))?;
            if ClientRow::revoke(conn, &id, now.naive())? {
                Event::append(
                    conn,
                    &actor,
                    now,
                    "client.revoked",
                    &format!("client:{id}"),
                    json!({"id": id}),
                )?;
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
