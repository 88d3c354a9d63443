//! Identity and access: who the caller is (from a bearer token) and what it may do.
//!
//! A handler states the permission it needs in its signature, e.g. `auth: Auth<Secretariat>`;
//! the extractor verifies the token, checks that the client is not revoked (one indexed read,
//! so revocation takes effect at once), then checks the role.

pub mod endpoint;
pub mod keys;
pub mod secret;
pub mod token;

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};

use crate::db::models::client::ClientRow;
use crate::domain::event::Actor;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::state::AppState;

/// An authenticated API client.
#[derive(Debug, Clone)]
pub struct Caller {
    pub client_id: String,
    pub member: Option<String>,
    pub roles: Vec<Role>,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        Actor {
            client: Some(self.client_id.clone()),
            member: self.member.clone(),
        }
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The member this caller acts for, refusing callers that belong to none.
    pub fn own_member(&self) -> Result<&str, ApiError> {
        self.member.as_deref().ok_or_else(|| {
            ApiError::Forbidden("this client belongs to no member and cannot act for one".into())
        })
    }

    /// Refuses acting for any member but the caller's own.
    pub fn require_member(&self, code: &str) -> Result<(), ApiError> {
        match self.member.as_deref() {
            Some(own) if own == code => Ok(()),
            Some(own) => Err(ApiError::Forbidden(format!(
                "this client acts for {own} and cannot act for {code}"
            ))),
            None => Err(ApiError::Forbidden(format!(
                "this client belongs to no member and cannot act for {code}"
            ))),
        }
    }
}

/// A permission: the caller needs any one of `ROLES` (an empty list admits every client).
pub trait Policy {
    const ROLES: &'static [Role];
}

/// The secretariat only.
pub struct Secretariat;
impl Policy for Secretariat {
    const ROLES: &'static [Role] = &[Role::Secretariat];
}

/// Editors and the secretariat.
pub struct Editor;
impl Policy for Editor {
    const ROLES: &'static [Role] = &[Role::Editor, Role::Secretariat];
}

/// Those who comment in a member's name: commenters and delegates.
pub struct Commenter;
impl Policy for Commenter {
    const ROLES: &'static [Role] = &[Role::Commenter, Role::Delegate];
}

/// Delegates, who cast a member's decisions.
pub struct Delegate;
impl Policy for Delegate {
    const ROLES: &'static [Role] = &[Role::Delegate];
}

/// Any authenticated client.
pub struct AnyClient;
impl Policy for AnyClient {
    const ROLES: &'static [Role] = &[];
}

/// The extractor: an authenticated caller holding one of `P::ROLES`.
pub struct Auth<P: Policy> {
    pub caller: Caller,
    _policy: PhantomData<P>,
}

impl<P: Policy> std::ops::Deref for Auth<P> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized {
            description: "this request needs a bearer token (POST /v1/auth/token)".into(),
            invalid_token: false,
        })?;
    let value = value.to_str().unwrap_or_default();
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_string())
        }
        _ => Err(ApiError::Unauthorized {
            description: "the Authorization header must be `Bearer <token>`".into(),
            invalid_token: true,
        }),
    }
}

pub async fn authenticate(req: &HttpRequest) -> Result<Caller, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("application state missing"))?
        .clone();
    let token = bearer(req)?;
    let unauthorized = |description| ApiError::Unauthorized {
        description,
        invalid_token: true,
    };
    // The signature, issuer and audience of a token are checked once; the cache is keyed by the
    // whole token, so only the very same bytes skip that. Its times are checked on every use.
    let now = state.now();
    let claims = match state.caches.token(&token) {
        Some(claims) => {
            token::check_times(&claims, now).map_err(unauthorized)?;
            claims
        }
        None => {
            let claims = Arc::new(
                token::verify_access_token(&state.keys, &state.tokens, &token, now)
                    .map_err(unauthorized)?,
            );
            state.caches.put_token(&token, claims.clone());
            claims
        }
    };
    let client_id = claims.sub.clone();
    let active = state
        .db
        .read(move |conn| Ok(ClientRow::is_active(conn, &client_id)?))
        .await?;
    if !active {
        return Err(ApiError::Unauthorized {
            description: "the client of this token has been revoked".into(),
            invalid_token: true,
        });
    }
    Ok(Caller {
        client_id: claims.sub.clone(),
        member: claims.member.clone(),
        roles: claims.roles.iter().filter_map(|r| Role::parse(r)).collect(),
    })
}

impl<P: Policy + 'static> FromRequest for Auth<P> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = authenticate(&req).await?;
            if !P::ROLES.is_empty() && !P::ROLES.iter().any(|r| caller.has(*r)) {
                let needed = P::ROLES
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ");
                let held = caller
                    .roles
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(ApiError::Forbidden(format!(
                    "this action needs the role {needed}; this client has {}",
                    if held.is_empty() {
                        "no role".to_string()
                    } else {
                        held
                    }
                )));
            }
            Ok(Auth {
                caller,
                _policy: PhantomData,
            })
        })
    }
}
