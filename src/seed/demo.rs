//! `accord seed-demo`: a realistic demo body from `seed/demo.json` (members across the five UN
//! regions, three standards with several revisions each, comments with dispositions, and an open
//! ballot), loaded through the same code paths as the API so that every change has its event.
//!
//! The history is laid out over the last months, one step after another, so that the event log,
//! the revisions and the comment periods read like a real body's work.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Deserialize;

use crate::auth::Caller;
use crate::auth::keys::KeyRing;
use crate::auth::secret::{generate_client_id, generate_secret, hash_secret};
use crate::db::models::comment_period::PeriodRow;
use crate::domain::ballot::Rule;
use crate::domain::comment::DispositionStatus;
use crate::domain::role::Role;
use crate::routes::ballots::open::insert_ballot;
use crate::routes::clients::create::{NewClient, insert_client};
use crate::routes::comment_periods::open::insert_period;
use crate::routes::comments::create::{CreateComment, insert_comment};
use crate::routes::comments::dispose::record_disposition;
use crate::routes::lifecycle::close_period;
use crate::routes::ratifications::cast::{CastDecision, ReservationInput, record_decision};

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
    pub comments: usize,
    pub decisions: usize,
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
    f(conn).map_err(|e| format!("{what}: {}", describe(e)))
}

/// A load failure: the message, or a database error met while committing.
struct SeedError(String);

impl From<diesel::result::Error> for SeedError {
    fn from(e: diesel::result::Error) -> Self {
        Self(e.to_string())
    }
}

/// Loads the demo into an empty database; `now` is the present of the demo (its history lies
/// before it).
pub fn load(db: &Db, keys: &KeyRing, issuer: &str, now: Timestamp) -> Result<Loaded, String> {
    let demo = demo()?;
    let mut conn = db.write_pool.get().map_err(|e| e.to_string())?;
    // One transaction: the demo loads whole or not at all, and no scheduler sees it half-made.
    write_transaction(&mut conn, |conn| {
        load_in(conn, keys, issuer, &demo, now).map_err(SeedError)
    })
    .map_err(|SeedError(e)| e)
}

fn load_in(
    conn: &mut DbConn,
    keys: &KeyRing,
    issuer: &str,
    demo: &Demo,
    now: Timestamp,
) -> Result<Loaded, String> {
    let count = |conn: &mut DbConn, members: bool| -> Result<i64, String> {
        let n = if members {
            members::table.count().get_result(conn)
        } else {
            standards::table.count().get_result(conn)
        };
        n.map_err(|e| e.to_string())
    };
    let (members_n, standards_n) = (count(conn, true)?, count(conn, false)?);
    if members_n + standards_n > 0 {
        return Err(format!(
            "seed-demo loads into an empty database; this one already holds {members_n} members and {standards_n} standards"
        ));
    }
    let mut loader = Loader {
        conn,
        keys,
        issuer,
        time: Timeline::starting(now.plus_seconds(-150 * 86_400)),
        now,
        secretariat: Actor::default(),
        editor: Actor::default(),
        delegates: HashMap::new(),
        loaded: Loaded::default(),
    };
    loader.members(&demo.members)?;
    loader.editor = loader.client("Demo editor", None, &[Role::Editor])?;
    for s in &demo.standards {
        loader.standard(s)?;
    }
    // The last standard without a ballot is out for comment right now.
    if let Some(s) = demo.standards.iter().rev().find(|s| s.ballot.is_none()) {
        loader.live_period(&s.reference)?;
    }
    loader.finish()
}

/// The state of one load.
struct Loader<'c> {
    conn: &'c mut DbConn,
    keys: &'c KeyRing,
    issuer: &'c str,
    time: Timeline,
    now: Timestamp,
    secretariat: Actor,
    editor: Actor,
    /// One delegate client per member that acts in the demo.
    delegates: HashMap<String, Actor>,
    loaded: Loaded,
}

impl Loader<'_> {
    fn members(&mut self, members: &[DemoMember]) -> Result<(), String> {
        for m in members {
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
            let at = self.time.after_hours(1);
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
            let actor = self.secretariat.clone();
            step(self.conn, &format!("member {}", m.code), |c| {
                insert_member(c, &actor, at, row)
            })?;
            self.loaded.members += 1;
        }
        Ok(())
    }

    /// A client with a random secret nobody knows (the demo's actors); its id becomes the actor.
    fn client(
        &mut self,
        name: &str,
        member: Option<&str>,
        roles: &[Role],
    ) -> Result<Actor, String> {
        let new = NewClient {
            name: name.to_string(),
            member: member.map(str::to_string),
            roles: roles.to_vec(),
        };
        let hash = hash_secret(&generate_secret())?;
        let at = self.time.after_hours(0);
        let actor = self.secretariat.clone();
        let client = step(self.conn, name, |c| {
            insert_client(c, &actor, at, new, generate_client_id(), hash)
        })?;
        Ok(Actor {
            client: Some(client.id),
            member: client.member,
        })
    }

    fn delegate(&mut self, member: &str) -> Result<Actor, String> {
        if let Some(actor) = self.delegates.get(member) {
            return Ok(actor.clone());
        }
        let actor = self.client(
            &format!("{member} delegation (demo)"),
            Some(member),
            &[Role::Delegate],
        )?;
        self.delegates.insert(member.to_string(), actor.clone());
        Ok(actor)
    }

    fn standard(&mut self, s: &DemoStandard) -> Result<(), String> {
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
        let at = self.time.after_hours(24);
        let editor = self.editor.clone();
        step(self.conn, &format!("standard {}", s.reference), |c| {
            insert_standard(c, &editor, at, new)
        })?;
        self.loaded.standards += 1;
        // Comment ids of each round, disposed once the next revision exists.
        let mut pending: Vec<(&DemoComment, String)> = Vec::new();
        for (i, r) in s.revisions.iter().enumerate() {
            let number = i as i32 + 1;
            self.revision(&s.reference, number, r)?;
            // Dispositions are recorded once the revision that acted on them exists.
            let (ready, later): (Vec<_>, Vec<_>) = pending.into_iter().partition(|(c, _)| {
                c.disposition
                    .as_ref()
                    .is_none_or(|d| d.resolved_in.is_none_or(|n| n <= number))
            });
            pending = later;
            for (c, id) in ready {
                if let Some(d) = &c.disposition {
                    self.dispose(&s.reference, &id, d)?;
                }
            }
            if let Some(round) = s
                .comment_rounds
                .iter()
                .find(|round| round.revision == number)
            {
                pending.extend(self.round(&s.reference, round)?);
            }
        }
        if let Some((_, id)) = pending.iter().find(|(c, _)| {
            c.disposition
                .as_ref()
                .is_some_and(|d| d.resolved_in.is_some())
        }) {
            return Err(format!(
                "{}: comment {id} is resolved in a revision the demo does not have",
                s.reference
            ));
        }
        for (c, id) in pending {
            if let Some(d) = &c.disposition {
                self.dispose(&s.reference, &id, d)?;
            }
        }
        if let Some(ballot) = &s.ballot {
            self.ballot(&s.reference, s.revisions.len() as i32, ballot)?;
        }
        Ok(())
    }

    /// Opens the ballot (closing two weeks from now) and records the decisions cast so far.
    fn ballot(&mut self, reference: &str, latest: i32, ballot: &DemoBallot) -> Result<(), String> {
        if ballot.revision != latest {
            return Err(format!(
                "{reference}: the demo ballot must be on the latest revision {latest}"
            ));
        }
        let opens = self.time.after_hours(24);
        let closes = self.now.plus_seconds(14 * 86_400);
        let secretariat = self.secretariat.clone();
        let opened = step(self.conn, &format!("{reference} ballot"), |c| {
            insert_ballot(c, &secretariat, opens, reference, closes, Rule::default())
        })?;
        for d in &ballot.decisions {
            let new = CastDecision {
                decision: Some(d.decision.clone()),
                revision_hash: Some(opened.content_hash.clone()),
                reservations: Some(
                    d.reservations
                        .iter()
                        .map(|r| ReservationInput {
                            clause: Some(r.clause.clone()),
                            text: Some(r.text.clone()),
                        })
                        .collect(),
                ),
                reasons: d.reasons.clone(),
                statement: d.statement.clone(),
            }
            .validate()
            .map_err(|e| format!("{reference} decision of {}: {}", d.member, describe(e)))?;
            let actor = self.delegate(&d.member)?;
            let caller = Caller {
                client_id: actor.client.clone().unwrap_or_default(),
                member: actor.member.clone(),
                roles: vec![Role::Delegate],
            };
            let at = self.time.after_hours(6);
            let (keys, issuer) = (self.keys, self.issuer);
            step(
                self.conn,
                &format!("{reference} decision of {}", d.member),
                |c| record_decision(c, keys, issuer, &caller, at, &opened.id, &d.member, new),
            )?;
            self.loaded.decisions += 1;
        }
        Ok(())
    }

    fn revision(&mut self, reference: &str, number: i32, r: &DemoRevision) -> Result<(), String> {
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
                "{reference} revision {number}: {}",
                describe(ApiError::Validation(errors))
            )
        })?;
        let hash = content_hash(&clauses);
        let at = self.time.after_hours(24 * 5);
        let (summary, editor) = (r.summary.clone(), self.editor.clone());
        step(self.conn, &format!("{reference} revision {number}"), |c| {
            insert_revision(c, &editor, at, reference, summary, clauses, hash)
        })?;
        self.loaded.revisions += 1;
        Ok(())
    }

    /// Opens a ten-day period, records the round's comments in it, and closes it at its deadline.
    fn round<'d>(
        &mut self,
        reference: &str,
        round: &'d DemoRound,
    ) -> Result<Vec<(&'d DemoComment, String)>, String> {
        let opens = self.time.after_hours(24);
        let closes = opens.plus_seconds(10 * 86_400);
        let secretariat = self.secretariat.clone();
        let period = step(self.conn, &format!("{reference} comment period"), |c| {
            insert_period(c, &secretariat, opens, reference, closes)
        })?;
        let mut made = Vec::new();
        let spacing = (9 * 24 / round.comments.len().max(1) as i64).max(1);
        for (i, c) in round.comments.iter().enumerate() {
            let new = CreateComment {
                revision: Some(round.revision),
                clause: c.clause.clone(),
                paragraph: None,
                comment_type: Some(c.comment_type.clone()),
                body: Some(c.body.clone()),
                proposed_change: c.proposed_change.clone(),
                parent: None,
                member: None,
            }
            .validate()
            .map_err(|e| {
                format!(
                    "{reference} comment {} of round {}: {}",
                    i + 1,
                    round.revision,
                    describe(e)
                )
            })?;
            let actor = self.delegate(&c.member)?;
            let at = self.time.after_hours(spacing);
            let (member, author) = (c.member.clone(), actor.client.clone().unwrap_or_default());
            let comment = step(
                self.conn,
                &format!("{reference} comment by {}", c.member),
                |conn| insert_comment(conn, &actor, &member, &author, at, reference, new),
            )?;
            made.push((c, comment.id));
            self.loaded.comments += 1;
        }
        // The deadline passes; the close is recorded as the scheduler would.
        self.time = Timeline::starting(closes);
        let at = self.time.after_hours(0);
        let row = step(self.conn, "comment period", |c| {
            Ok(PeriodRow::find(c, &period.id)?)
        })?;
        step(self.conn, &format!("{reference} period close"), |c| {
            close_period(c, &Actor::default(), at, &row, row.closes_at, "deadline")
        })?;
        Ok(made)
    }

    /// A period that opened two days ago and closes in three weeks.
    fn live_period(&mut self, reference: &str) -> Result<(), String> {
        let opens = self
            .now
            .plus_seconds(-2 * 86_400)
            .max(self.time.after_hours(1));
        self.time = Timeline::starting(opens);
        let closes = self.now.plus_seconds(21 * 86_400);
        let secretariat = self.secretariat.clone();
        step(
            self.conn,
            &format!("{reference} open comment period"),
            |c| insert_period(c, &secretariat, opens, reference, closes),
        )?;
        Ok(())
    }

    fn dispose(&mut self, reference: &str, id: &str, d: &DemoDisposition) -> Result<(), String> {
        let status = DispositionStatus::parse(&d.status)
            .ok_or_else(|| format!("{reference}: unknown disposition {}", d.status))?;
        let at = self.time.after_hours(2);
        let editor = self.editor.clone();
        let response = d.response.clone();
        step(self.conn, &format!("{reference} disposition"), |c| {
            record_disposition(c, &editor, at, id, status, response, d.resolved_in)
        })?;
        Ok(())
    }

    fn finish(self) -> Result<Loaded, String> {
        if self.time.now() > self.now {
            return Err("the demo history runs past the present; shorten its steps".into());
        }
        let mut loaded = self.loaded;
        loaded.events = crate::db::models::event::Event::head(self.conn)
            .map_err(|e| e.to_string())?
            .0;
        Ok(loaded)
    }
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
