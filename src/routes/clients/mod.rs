//! `/v1/clients`: API credentials, issued and revoked by the secretariat.

pub mod create;
pub mod list;
pub mod read;
pub mod revoke;

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::models::client::ClientRow;
use crate::domain::role::{Role, roles_from_text};
use crate::domain::time::Timestamp;

/// An API client. Its secret is never shown again after creation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Client {
    /// The OAuth 2.0 `client_id`.
    #[schema(example = "cli_5f0c3a9e1b2d4c6e8a0f")]
    pub id: String,
    /// A label for people, such as the system or office using the credential.
    pub name: String,
    /// The member it acts for; null for secretariat clients.
    pub member: Option<String>,
    pub roles: Vec<Role>,
    pub created_at: Timestamp,
    /// When it was revoked; null while it is usable.
    pub revoked_at: Option<Timestamp>,
}

impl From<ClientRow> for Client {
    fn from(row: ClientRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            member: row.member_code,
            roles: roles_from_text(&row.roles),
            created_at: Timestamp::from_naive(row.created_at),
            revoked_at: row.revoked_at.map(Timestamp::from_naive),
        }
    }
}

/// One page of clients.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientPage {
    pub items: Vec<Client>,
    pub next_cursor: Option<String>,
}
