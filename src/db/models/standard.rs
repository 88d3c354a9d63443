//! Standards: metadata, stage, and the pointers to their latest and ratified revisions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::standards;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = standards)]
#[diesel(treat_none_as_default_value = false)]
pub struct StandardRow {
    pub reference: String,
    pub title: String,
    pub scope: String,
    pub topics: String,
    pub committee: String,
    pub stage: String,
    pub supersedes: Option<String>,
    pub superseded_by: Option<String>,
    pub latest_revision: i32,
    pub latest_hash: Option<String>,
    pub ratified_revision: Option<i32>,
    pub ratified_hash: Option<String>,
    pub withdrawn_reason: Option<String>,
    pub search_text: String,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Metadata changes; `None` leaves a field as it is.
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = standards)]
pub struct StandardChanges {
    pub title: Option<String>,
    pub scope: Option<String>,
    pub topics: Option<String>,
    pub committee: Option<String>,
    pub supersedes: Option<Option<String>>,
    pub search_text: Option<String>,
}

#[derive(Debug, Default, Clone)]
pub struct StandardFilter {
    pub stage: Option<String>,
    pub topic: Option<String>,
    pub committee: Option<String>,
    pub updated_since: Option<NaiveDateTime>,
    /// Lower-cased search text.
    pub q: Option<String>,
    /// Keyset: after this (created_at, reference).
    pub after: Option<(NaiveDateTime, String)>,
}

/// Topics stored as one text with a space on each side of each topic.
pub fn topics_to_text(topics: &[String]) -> String {
    if topics.is_empty() {
        " ".to_string()
    } else {
        format!(" {} ", topics.join(" "))
    }
}

pub fn topics_from_text(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

pub fn search_text(reference: &str, title: &str, scope: &str) -> String {
    format!("{reference}\n{title}\n{scope}").to_lowercase()
}

/// `%` and `_` taken literally in a LIKE pattern (escape character `\`).
pub fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

impl StandardRow {
    pub fn find(conn: &mut DbConn, reference: &str) -> QueryResult<StandardRow> {
        crate::on_backend!(conn, |c| standards::table
            .find(reference)
            .select(StandardRow::as_select())
            .first(c))
    }

    pub fn insert(conn: &mut DbConn, row: &StandardRow) -> QueryResult<()> {
        diesel::insert_into(standards::table)
            .values(row)
            .execute(conn)
            .map(|_| ())
    }

    /// Applies metadata changes when the version is still `version`.
    pub fn update(
        conn: &mut DbConn,
        reference: &str,
        version: i64,
        changes: &StandardChanges,
        at: NaiveDateTime,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            standards::table
                .find(reference)
                .filter(standards::version.eq(version)),
        )
        .set((
            changes,
            standards::version.eq(version + 1),
            standards::updated_at.eq(at),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    /// Moves the standard from stage `from` to `to`; false when it was no longer in `from`.
    pub fn set_stage(
        conn: &mut DbConn,
        reference: &str,
        from: &str,
        to: &str,
        at: NaiveDateTime,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            standards::table
                .find(reference)
                .filter(standards::stage.eq(from)),
        )
        .set((
            standards::stage.eq(to),
            standards::version.eq(standards::version + 1),
            standards::updated_at.eq(at),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    pub fn set_latest_revision(
        conn: &mut DbConn,
        reference: &str,
        number: i32,
        hash: &str,
        at: NaiveDateTime,
    ) -> QueryResult<()> {
        diesel::update(standards::table.find(reference))
            .set((
                standards::latest_revision.eq(number),
                standards::latest_hash.eq(hash),
                standards::version.eq(standards::version + 1),
                standards::updated_at.eq(at),
            ))
            .execute(conn)
            .map(|_| ())
    }

    /// Marks the standard ratified with this revision, from `ratification`.
    pub fn ratify(
        conn: &mut DbConn,
        reference: &str,
        revision: i32,
        hash: &str,
        at: NaiveDateTime,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            standards::table
                .find(reference)
                .filter(standards::stage.eq("ratification")),
        )
        .set((
            standards::stage.eq("ratified"),
            standards::ratified_revision.eq(revision),
            standards::ratified_hash.eq(hash),
            standards::version.eq(standards::version + 1),
            standards::updated_at.eq(at),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    /// Marks a ratified standard superseded by `by`.
    pub fn supersede(
        conn: &mut DbConn,
        reference: &str,
        by: &str,
        at: NaiveDateTime,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            standards::table
                .find(reference)
                .filter(standards::stage.eq("ratified")),
        )
        .set((
            standards::stage.eq("superseded"),
            standards::superseded_by.eq(by),
            standards::version.eq(standards::version + 1),
            standards::updated_at.eq(at),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    pub fn withdraw(
        conn: &mut DbConn,
        reference: &str,
        from: &str,
        reason: &str,
        at: NaiveDateTime,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            standards::table
                .find(reference)
                .filter(standards::stage.eq(from)),
        )
        .set((
            standards::stage.eq("withdrawn"),
            standards::withdrawn_reason.eq(reason),
            standards::version.eq(standards::version + 1),
            standards::updated_at.eq(at),
        ))
        .execute(conn)?;
        Ok(n == 1)
    }

    pub fn list(
        conn: &mut DbConn,
        filter: &StandardFilter,
        limit: i64,
    ) -> QueryResult<Vec<StandardRow>> {
        let mut query = standards::table
            .select(StandardRow::as_select())
            .order((standards::created_at.asc(), standards::reference.asc()))
            .limit(limit)
            .into_boxed();
        if let Some(stage) = &filter.stage {
            query = query.filter(standards::stage.eq(stage));
        }
        if let Some(topic) = &filter.topic {
            query = query.filter(
                standards::topics
                    .like(format!("% {} %", like_escape(topic)))
                    .escape('\\'),
            );
        }
        if let Some(committee) = &filter.committee {
            query = query.filter(standards::committee.eq(committee));
        }
        if let Some(since) = filter.updated_since {
            query = query.filter(standards::updated_at.ge(since));
        }
        if let Some(q) = &filter.q {
            query = query.filter(
                standards::search_text
                    .like(format!("%{}%", like_escape(q)))
                    .escape('\\'),
            );
        }
        if let Some((at, reference)) = &filter.after {
            query = query.filter(
                standards::created_at.gt(*at).or(standards::created_at
                    .eq(*at)
                    .and(standards::reference.gt(reference.clone()))),
            );
        }
        query.load(conn)
    }
}
