//! API clients: credentials with roles, optionally belonging to a member.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::clients;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clients)]
#[diesel(treat_none_as_default_value = false)]
pub struct ClientRow {
    pub id: String,
    pub name: String,
    pub member_code: Option<String>,
    pub roles: String,
    pub secret_hash: String,
    pub created_at: chrono::NaiveDateTime,
    pub revoked_at: Option<chrono::NaiveDateTime>,
}

#[derive(Debug, Default, Clone)]
pub struct ClientFilter {
    pub member: Option<String>,
    pub include_revoked: bool,
    /// Keyset: after this (created_at, id).
    pub after: Option<(chrono::NaiveDateTime, String)>,
}

impl ClientRow {
    pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<ClientRow> {
        clients::table
            .find(id)
            .select(ClientRow::as_select())
            .first(conn)
    }

    pub fn insert(conn: &mut DbConn, row: &ClientRow) -> QueryResult<()> {
        diesel::insert_into(clients::table)
            .values(row)
            .execute(conn)
            .map(|_| ())
    }

    /// Marks the client revoked; returns false when it already was.
    pub fn revoke(conn: &mut DbConn, id: &str, at: chrono::NaiveDateTime) -> QueryResult<bool> {
        let n = diesel::update(
            clients::table
                .find(id)
                .filter(clients::revoked_at.is_null()),
        )
        .set(clients::revoked_at.eq(at))
        .execute(conn)?;
        Ok(n == 1)
    }

    pub fn list(
        conn: &mut DbConn,
        filter: &ClientFilter,
        limit: i64,
    ) -> QueryResult<Vec<ClientRow>> {
        let mut query = clients::table
            .select(ClientRow::as_select())
            .order((clients::created_at.asc(), clients::id.asc()))
            .limit(limit)
            .into_boxed();
        if let Some(member) = &filter.member {
            query = query.filter(clients::member_code.eq(member));
        }
        if !filter.include_revoked {
            query = query.filter(clients::revoked_at.is_null());
        }
        if let Some((at, id)) = &filter.after {
            query = query.filter(
                clients::created_at
                    .gt(*at)
                    .or(clients::created_at.eq(*at).and(clients::id.gt(id.clone()))),
            );
        }
        query.load(conn)
    }

    /// Whether the client exists and is not revoked (checked on every authenticated request).
    pub fn is_active(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
        let found: Option<Option<chrono::NaiveDateTime>> = clients::table
            .find(id)
            .select(clients::revoked_at)
            .first(conn)
            .optional()?;
        Ok(matches!(found, Some(None)))
    }
}
