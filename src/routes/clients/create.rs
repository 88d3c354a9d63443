use actix_web::{HttpRequest, HttpResponse, http::StatusCode, http::header, post, web};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::Client;
use crate::auth::secret::{generate_client_id, generate_secret, hash_secret};
use crate::auth::{Auth, Secretariat};
use crate::db::DbConn;
use crate::db::models::client::ClientRow;
use crate::db::models::event::Event;
use crate::db::models::member::MemberRow;
use crate::domain::event::Actor;
use crate::domain::role::{Role, check_client_roles, roles_to_text};
use crate::domain::time::Timestamp;
use crate::domain::validate::Errors;
use crate::error::{ApiError, ApiResult};
use crate::http::body::ApiJson;
use crate::http::etag::json_with_etag;
use crate::state::AppState;

/// A credential to issue.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClient {
    /// A label for people (1 to 200 characters); defaults to the roles and member.
    #[schema(max_length = 200)]
    pub name: Option<String>,
    /// The member the client acts for: required for `delegate` and `commenter`, absent for
    /// `secretariat`. It must exist and be active.
    #[schema(example = "BRA")]
    pub member: Option<String>,
    /// One or more roles.
    #[schema(value_type = Vec<Role>, required = true, min_items = 1)]
    pub roles: Option<Vec<String>>,
}

/// A new client and, this once, its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedClient {
    #[serde(flatten)]
    pub client: Client,
    /// The client secret. It is stored only as an Argon2id hash and is never shown again.
    pub client_secret: String,
}

/// The validated content of a new client.
pub struct NewClient {
    pub name: String,
    pub member: Option<String>,
    pub roles: Vec<Role>,
}

impl CreateClient {
    pub fn validate(self) -> Result<NewClient, ApiError> {
        let mut e = Errors::new();
        let roles_text = e.required("roles", self.roles).unwrap_or_default();
        let mut roles = Vec::new();
        for (i, r) in roles_text.iter().enumerate() {
            if let Some(role) = e.one_of(&format!("roles[{i}]"), r, Role::parse, Role::ALL) {
                roles.push(role);
            }
        }
        if let Some(name) = &self.name {
            e.text("name", name, 1, 200);
        }
        if e.is_empty() {
            if let Err(message) = check_client_roles(&roles, self.member.is_some()) {
                let field = if roles.is_empty() { "roles" } else { "member" };
                e.add(field, "not_allowed", message);
            }
        }
        e.into_result().map_err(ApiError::Validation)?;
        let name = self.name.map(|n| n.trim().to_string()).unwrap_or_else(|| {
            let roles = roles_to_text(&roles);
            match &self.member {
                Some(m) => format!("{m} {roles}"),
                None => roles,
            }
        });
        Ok(NewClient {
            name,
            member: self.member,
            roles,
        })
    }
}

/// Stores a new client and its `client.created` event; shared by the API and the command line.
/// The secret hash is computed by the caller (it is slow, and must not hold the write lock).
pub fn insert_client(
    conn: &mut DbConn,
    actor: &Actor,
    now: Timestamp,
    new: NewClient,
    id: String,
    secret_hash: String,
) -> ApiResult<Client> {
    if let Some(code) = &new.member {
        match MemberRow::find(conn, code) {
            Ok(m) if m.status == "active" => {}
            Ok(m) => {
                return Err(ApiError::invalid(
                    "member",
                    "not_allowed",
                    format!("member {code} is {}", m.status),
                ));
            }
            Err(diesel::result::Error::NotFound) => {
                return Err(ApiError::invalid(
                    "member",
                    "not_found",
                    format!("no member has the code {code}"),
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let row = ClientRow {
        id,
        name: new.name,
        member_code: new.member,
        roles: roles_to_text(&new.roles),
        secret_hash,
        created_at: now.naive(),
        revoked_at: None,
    };
    ClientRow::insert(conn, &row)?;
    let client = Client::from(row);
    Event::append(
        conn,
        actor,
        now,
        "client.created",
        &format!("client:{}", client.id),
        json!({"id": client.id, "name": client.name, "member": client.member, "roles": client.roles}),
    )?;
    Ok(client)
}

/// Issue a client credential
///
/// Creates an API client with roles, for a member or for the secretariat (secretariat only). The
/// response is the only place the secret ever appears. Appends `client.created` (without the
/// secret).
#[utoipa::path(
    tag = "clients",
    request_body(content = CreateClient, content_type = "application/json"),
    responses(
        (status = 201, description = "The client and its secret, shown once", body = CreatedClient,
            headers(("Location" = String), ("Cache-Control" = String, description = "no-store"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = ["secretariat"]))
)]
#[post("/v1/clients")]
pub async fn create_client(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth<Secretariat>,
    ApiJson(body): ApiJson<CreateClient>,
) -> ApiResult<HttpResponse> {
    let new = body.validate()?;
    let secret = generate_secret();
    let secret_for_hash = secret.clone();
    let secret_hash =
        crate::db::blocking(move || hash_secret(&secret_for_hash).map_err(ApiError::internal))
            .await?;
    let now = state.now();
    let actor = auth.actor();
    let client = state
        .db
        .write(move |conn| insert_client(conn, &actor, now, new, generate_client_id(), secret_hash))
        .await?;
    let location = format!("{}/v1/clients/{}", state.public_base, client.id);
    let mut response = json_with_etag(
        &req,
        StatusCode::CREATED,
        &CreatedClient {
            client,
            client_secret: secret,
        },
    );
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    headers.remove(header::ETAG);
    if let Ok(location) = header::HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, location);
    }
    Ok(response)
}
