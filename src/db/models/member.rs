//! Members: the registry of states and organisations.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::members;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = members)]
#[diesel(treat_none_as_default_value = false)]
pub struct MemberRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub voting: bool,
    pub region: String,
    pub status: String,
    pub version: i64,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// A change to a member; `None` leaves a field as it is.
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = members)]
pub struct MemberChanges {
    pub name: Option<String>,
    pub voting: Option<bool>,
    pub region: Option<String>,
    pub status: Option<String>,
}

#[derive(Debug, Default, Clone)]
pub struct MemberFilter {
    pub kind: Option<String>,
    pub voting: Option<bool>,
    pub status: Option<String>,
    pub region: Option<String>,
    /// Keyset: codes strictly after this one.
    pub after_code: Option<String>,
}

impl MemberRow {
    pub fn find(conn: &mut DbConn, code: &str) -> QueryResult<MemberRow> {
        crate::on_backend!(conn, |c| members::table
            .find(code)
            .select(MemberRow::as_select())
            .first(c))
    }

    /// Every member (or `only` that one), by code: the writer's batch reads the registry once
    /// (see `memo::remember_group`).
    pub fn among(conn: &mut DbConn, only: Option<&str>) -> QueryResult<Vec<(String, MemberRow)>> {
        let rows: Vec<MemberRow> = match only {
            Some(code) => crate::on_backend!(conn, |c| members::table
                .filter(members::code.eq(code))
                .select(MemberRow::as_select())
                .load(c)),
            None => crate::on_backend!(conn, |c| members::table
                .select(MemberRow::as_select())
                .load(c)),
        }?;
        Ok(rows.into_iter().map(|m| (m.code.clone(), m)).collect())
    }

    pub fn insert(conn: &mut DbConn, row: &MemberRow) -> QueryResult<()> {
        diesel::insert_into(members::table)
            .values(row)
            .execute(conn)
            .map(|_| ())
    }

    /// Updates when the stored version is still `version`; returns whether it was.
    pub fn update(
        conn: &mut DbConn,
        code: &str,
        version: i64,
        changes: &MemberChanges,
        at: chrono::NaiveDateTime,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            members::table
                .find(code)
                .filter(members::version.eq(version)),
        )
        .set((
            changes,
            members::version.eq(version + 1),
            members::updated_at.eq(at),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    pub fn list(
        conn: &mut DbConn,
        filter: &MemberFilter,
        limit: i64,
    ) -> QueryResult<Vec<MemberRow>> {
        let mut query = members::table
            .select(MemberRow::as_select())
            .order(members::code.asc())
            .limit(limit)
            .into_boxed();
        if let Some(kind) = &filter.kind {
            query = query.filter(members::kind.eq(kind));
        }
        if let Some(voting) = filter.voting {
            query = query.filter(members::voting.eq(voting));
        }
        if let Some(status) = &filter.status {
            query = query.filter(members::status.eq(status));
        }
        if let Some(region) = &filter.region {
            query = query.filter(members::region.eq(region));
        }
        if let Some(after) = &filter.after_code {
            query = query.filter(members::code.gt(after));
        }
        query.load(conn)
    }
}
