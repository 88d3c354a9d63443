//! `accord seed-demo`: a realistic demo body from `seed/demo.json` (members across the five UN
//! regions, three standards with several revisions each, comments with dispositions, and an open
//! ballot), loaded through the same code paths as the API so that every change has its event.
//!
//! The history is laid out over the last months, one step after another, so that the event log,
//! the revisions and the comment periods read like a real body's work.

use diesel::prelude::*;
use serde::Deserialize;

use crate::db::schema::{members, standards};
use crate::db::{Db, DbConn, write_transaction};
use crate::domain::event::Actor;
use crate::domain::standard::{Clause, ClauseInput, check_clauses, content_hash};
use crate::domain::time::Timestamp;
use crate::domain::validate::Errors;
use crate::error::{ApiError, ApiResult};
use crate::routes::members::create::{CreateMember, insert_member};
use crate::routes::revisions::create::insert_revision;
use crate::routes::standards::create::{CreateStandard, insert_standard};

const DEMO: &str = include_str!("../../seed/demo.json");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Demo {
    pub members: Vec<DemoMember>,
    pub standards: Vec<DemoStandard>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoMember {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub voting: bool,
    pub region: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoStandard {
    pub reference: String,
    pub title: String,
    pub scope: String,
    pub topics: Vec<String>,
    pub committee: String,
    pub supersedes: Option<String>,
    pub revisions: Vec<DemoRevision>,
    pub comment_rounds: Vec<DemoRound>,
    pub ballot: Option<DemoBallot>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoRevision {
    pub summary: String,
    pub clauses: Vec<Clause>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoRound {
    pub revision: i32,
    pub comments: Vec<DemoComment>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoComment {
    pub member: String,
    pub clause: Option<String>,
    #[serde(rename = "type")]
    pub comment_type: String,
    pub body: String,
    pub proposed_change: Option<String>,
    pub disposition: Option<DemoDisposition>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoDisposition {
    pub status: String,
    pub response: String,
    pub resolved_in: Option<i32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoBallot {
    pub revision: i32,
    pub decisions: Vec<DemoDecision>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoDecision {
    pub member: String,
    pub decision: String,
    pub reservations: Vec<DemoReservation>,
    pub reasons: Option<String>,
    pub statement: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoReservation {
    pub clause: String,
    pub text: String,
}

pub fn demo() -> Result<Demo, String> {
    serde_json::from_str(DEMO).map_err(|e| format!("seed/demo.json: {e}"))
}

/// What was loaded.
#[derive(Debug, Default)]
pub struct Loaded {
    pub members: usize,
    pub standards: usize,
    pub revisions: usize,
    pub events: i64,
}

/// A clock that the seed moves forward step by step through the demo's history.
pub struct Timeline {
    now: Timestamp,
}

impl Timeline {
    pub fn starting(at: Timestamp) -> Self {
        Self { now: at }
    }

    /// Moves on by `hours` and returns the new time.
    pub fn after_hours(&mut self, hours: i64) -> Timestamp {
        self.now = self.now.plus_seconds(hours * 3600);
        self.now
    }

    pub fn now(&self) -> Timestamp {
        self.now
    }
}

fn describe(e: ApiError) -> String {
    match e.to_problem().errors {
        Some(errors) => errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        None => e.to_problem().detail,
    }
}

fn step<T>(
    conn: &mut DbConn,
    what: &str,
    f: impl FnOnce(&mut DbConn) -> ApiResult<T>,
) -> Result<T, String> {
    write_transaction(conn, f).map_err(|e| format!("{what}: {}", describe(e)))
}

/// Loads the demo into an empty database; `now` is the present of the demo (its history lies
/// before it).
pub fn load(db: &Db, now: Timestamp) -> Result<Loaded, String> {
    let demo = demo()?;
    let mut conn = db.write_pool.get().map_err(|e| e.to_string())?;
    let conn = &mut *conn;
    let (members_n, standards_n): (i64, i64) = (
        members::table
            .count()
            .get_result(conn)
            .map_err(|e| e.to_string())?,
        standards::table
            .count()
            .get_result(conn)
            .map_err(|e| e.to_string())?,
    );
    if members_n + standards_n > 0 {
        return Err(format!(
            "seed-demo loads into an empty database; this one already holds {members_n} members and {standards_n} standards"
        ));
    }
    let actor = Actor::default();
    let mut time = Timeline::starting(now.plus_seconds(-150 * 86_400));
    let mut loaded = Loaded::default();

    for m in &demo.members {
        let (code, name, kind, voting, region, status) = CreateMember {
            code: Some(m.code.clone()),
            name: Some(m.name.clone()),
            kind: Some(m.kind.clone()),
            voting: Some(m.voting),
            region: Some(m.region.clone()),
            status: None,
        }
        .validate()
        .map_err(|e| format!("member {}: {}", m.code, describe(e)))?;
        let at = time.after_hours(1);
        let row = crate::db::models::member::MemberRow {
            code,
            name,
            kind: kind.as_str().into(),
            voting,
            region: region.as_str().into(),
            status: status.as_str().into(),
            version: 1,
            created_at: at.naive(),
            updated_at: at.naive(),
        };
        step(conn, &format!("member {}", m.code), |c| {
            insert_member(c, &actor, at, row)
        })?;
        loaded.members += 1;
    }

    for s in &demo.standards {
        let new = CreateStandard {
            reference: Some(s.reference.clone()),
            title: Some(s.title.clone()),
            scope: Some(s.scope.clone()),
            topics: Some(s.topics.clone()),
            committee: Some(s.committee.clone()),
            supersedes: s.supersedes.clone(),
        }
        .validate()
        .map_err(|e| format!("standard {}: {}", s.reference, describe(e)))?;
        let at = time.after_hours(24);
        step(conn, &format!("standard {}", s.reference), |c| {
            insert_standard(c, &actor, at, new)
        })?;
        loaded.standards += 1;
        for (i, r) in s.revisions.iter().enumerate() {
            let mut e = Errors::new();
            e.text(
                "summary",
                &r.summary,
                1,
                crate::domain::standard::MAX_SUMMARY,
            );
            let inputs = r
                .clauses
                .iter()
                .map(|c| ClauseInput {
                    id: Some(c.id.clone()),
                    heading: Some(c.heading.clone()),
                    text: Some(c.text.clone()),
                })
                .collect();
            let clauses = check_clauses(&mut e, inputs);
            e.into_result().map_err(|errors| {
                format!(
                    "{} revision {}: {}",
                    s.reference,
                    i + 1,
                    describe(ApiError::Validation(errors))
                )
            })?;
            let hash = content_hash(&clauses);
            let at = time.after_hours(24 * 10);
            let summary = r.summary.clone();
            step(conn, &format!("{} revision {}", s.reference, i + 1), |c| {
                insert_revision(c, &actor, at, &s.reference, summary, clauses, hash)
            })?;
            loaded.revisions += 1;
        }
    }
    loaded.events = crate::db::models::event::Event::head(conn)
        .map_err(|e| e.to_string())?
        .0;
    Ok(loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_file_is_well_formed() {
        let demo = demo().unwrap();
        assert_eq!(
            demo.members.iter().filter(|m| m.kind == "state").count(),
            15
        );
        assert_eq!(
            demo.members
                .iter()
                .filter(|m| m.kind == "organisation")
                .count(),
            3
        );
        assert_eq!(demo.standards.len(), 3);
        assert!(demo.standards.iter().all(|s| s.revisions.len() >= 3));
    }
}
