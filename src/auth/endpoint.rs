//! `POST /v1/auth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4).

use actix_web::{HttpRequest, HttpResponse, http::StatusCode, http::header, post, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::secret::{dummy_hash, verify_secret};
use super::token::{ACCESS_TOKEN_TYP, sign};
use crate::db::models::client::ClientRow;
use crate::domain::role::roles_from_text;
use crate::error::{ApiError, ApiResult};
use crate::http::body::FormBody;
use crate::state::AppState;

/// The token request (form-encoded). Client authentication is by HTTP Basic (preferred) or by
/// `client_id` and `client_secret` in the form, never both.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Must be `client_credentials`.
    #[schema(example = "client_credentials")]
    pub grant_type: String,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    /// Space-separated subset of the client's roles to put in the token (default: all of them).
    pub scope: Option<String>,
}

/// An access token (RFC 6749 §5.1).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT signed with EdDSA (`typ` `at+jwt`), carrying `iss`, `aud`, `sub` (client id),
    /// `member`, `roles`, `iat`, `nbf`, `exp` and `jti`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until it expires.
    #[schema(example = 900)]
    pub expires_in: i64,
    /// The roles granted, space-separated.
    #[schema(example = "delegate")]
    pub scope: String,
}

fn oauth(status: StatusCode, error: &'static str, description: impl Into<String>) -> ApiError {
    ApiError::OAuth {
        status,
        error,
        description: description.into(),
        basic_challenge: false,
    }
}

fn invalid_client(basic: bool) -> ApiError {
    // One answer for an unknown id, a wrong secret and a revoked client.
    ApiError::OAuth {
        status: StatusCode::UNAUTHORIZED,
        error: "invalid_client",
        description: "client authentication failed".into(),
        basic_challenge: basic,
    }
}

/// `client_id` and `client_secret` from `Authorization: Basic` (each form-urlencoded, RFC 6749 §2.3.1).
fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().unwrap_or_default();
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Err(invalid_client(true));
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the token endpoint takes HTTP Basic client authentication",
        ));
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .map_err(|_| invalid_client(true))?;
    let text = String::from_utf8(decoded).map_err(|_| invalid_client(true))?;
    let (id, secret) = text.split_once(':').ok_or_else(|| invalid_client(true))?;
    let unescape = |s: &str| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
            .ok()
            .and_then(|mut v| v.pop())
            .map(|(_, v)| v)
    };
    match (unescape(id), unescape(secret)) {
        (Some(id), Some(secret)) => Ok(Some((id, secret))),
        _ => Err(invalid_client(true)),
    }
}

/// Get an access token
///
/// OAuth 2.0 client-credentials grant. Errors are problem bodies that also carry the RFC 6749
/// §5.2 `error` and `error_description`; a wrong secret, an unknown client and a revoked client
/// get the same `invalid_client` answer.
#[utoipa::path(
    tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A bearer token", body = TokenResponse,
            headers(("Cache-Control" = String, description = "no-store"))),
        (status = 400, response = crate::openapi::OAuthError),
        (status = 401, response = crate::openapi::OAuthError),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("basic" = []), ())
)]
#[post("/v1/auth/token")]
pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    FormBody(pairs): FormBody,
) -> ApiResult<HttpResponse> {
    let mut fields: std::collections::BTreeMap<String, String> = Default::default();
    for (k, v) in pairs {
        if fields.insert(k.clone(), v).is_some() {
            return Err(oauth(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                format!("the parameter {k} appears more than once"),
            ));
        }
    }
    let grant_type = fields.get("grant_type").ok_or_else(|| {
        oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type is required",
        )
    })?;
    if grant_type != "client_credentials" {
        return Err(oauth(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("only client_credentials is supported, not {grant_type}"),
        ));
    }
    let basic = basic_credentials(&req)?;
    let form = match (fields.get("client_id"), fields.get("client_secret")) {
        (Some(id), Some(secret)) => Some((id.clone(), secret.clone())),
        (None, None) => None,
        _ => {
            return Err(oauth(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "client_id and client_secret go together",
            ));
        }
    };
    let used_basic = basic.is_some();
    let (client_id, secret) = match (basic, form) {
        (Some(_), Some(_)) => {
            return Err(oauth(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "use one client authentication method, not two",
            ));
        }
        (Some(c), None) | (None, Some(c)) => c,
        (None, None) => return Err(invalid_client(true)),
    };
    let lookup_id = client_id.clone();
    let client = state
        .db
        .read(move |conn| match ClientRow::find(conn, &lookup_id) {
            Ok(c) => Ok(Some(c)),
            Err(diesel::result::Error::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        })
        .await?;
    let client = crate::db::blocking(move || {
        let hash = client
            .as_ref()
            .map(|c| c.secret_hash.as_str())
            .unwrap_or(dummy_hash());
        let verified = verify_secret(&secret, hash);
        Ok(client.filter(|c| verified && c.revoked_at.is_none()))
    })
    .await?
    .ok_or_else(|| invalid_client(used_basic))?;

    let held = roles_from_text(&client.roles);
    let roles: Vec<String> = match fields
        .get("scope")
        .map(|s| s.split_whitespace().collect::<Vec<_>>())
    {
        None => held.iter().map(|r| r.as_str().to_string()).collect(),
        Some(requested) if requested.is_empty() => {
            held.iter().map(|r| r.as_str().to_string()).collect()
        }
        Some(requested) => {
            for r in &requested {
                if !held.iter().any(|h| h.as_str() == *r) {
                    return Err(oauth(
                        StatusCode::BAD_REQUEST,
                        "invalid_scope",
                        format!("this client does not hold the role {r}"),
                    ));
                }
            }
            let mut roles: Vec<String> = requested.iter().map(|r| r.to_string()).collect();
            roles.sort();
            roles.dedup();
            roles
        }
    };
    let claims = state.tokens.claims(
        &client.id,
        client.member_code.clone(),
        roles.clone(),
        state.now(),
    );
    let access_token = sign(&state.keys, ACCESS_TOKEN_TYP, &claims).map_err(ApiError::internal)?;
    tracing::info!(client = %client.id, "token issued");
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in: state.tokens.ttl_seconds,
            scope: roles.join(" "),
        }))
}
