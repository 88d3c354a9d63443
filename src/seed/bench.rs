//! `accord seed-bench`: a fixed-seed synthetic body the size of a real one, for benchmarks.
//!
//! 193 member states, 2,000 standards with 5 revisions each, 1,000,000 comments (200,000 of them
//! on the busy standard `BENCH-0001`, which stays open for comment), 200 ballots with decisions
//! and signed receipts (the ballot on `BENCH-0002` stays open), and one event per change, chained
//! as the API chains them. Rows are written in multi-row INSERTs, thousands per transaction, so a
//! million comments load in minutes. Everything derives from `--seed`: two runs with the same
//! seed and scale write the same texts and decisions.
//!
//! The credentials it creates (a secretariat, an editor, and 64 delegates that may also comment)
//! are printed once, with the identifiers the benchmark needs.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};

use crate::auth::keys::KeyRing;
use crate::auth::secret::{generate_client_id, generate_secret, hash_secret};
use crate::auth::token::sign;
use crate::db::models::ballot::{BallotRow, RatificationRow};
use crate::db::models::client::ClientRow;
use crate::db::models::comment::CommentRow;
use crate::db::models::comment_period::PeriodRow;
use crate::db::models::event::EventRow;
use crate::db::models::member::MemberRow;
use crate::db::models::revision::RevisionRow;
use crate::db::models::standard::{StandardRow, search_text, topics_to_text};
use crate::db::schema::{
    ballot_electorate, chain_head, comments, events, members, ratifications, standards,
};
use crate::db::{Db, DbConn, write_transaction};
use crate::domain::ballot::{Counts, Decision, Rule, evaluate};
use crate::domain::canonical::{canonical_json, sha256_hex};
use crate::domain::event::{Actor, EventBody, GENESIS_HASH};
use crate::domain::member::Region;
use crate::domain::role::{Role, roles_to_text};
use crate::domain::standard::{Clause, clause_hash, content_hash};
use crate::domain::time::Timestamp;
use crate::routes::ratifications::{EventRef, RECEIPT_TYP, ReceiptClaims};

/// Size of the body; `scale` multiplies every count (0.01 for a quick trial).
#[derive(Debug, Clone, Copy)]
pub struct BenchOptions {
    pub scale: f64,
    pub seed: u64,
}

impl Default for BenchOptions {
    fn default() -> Self {
        Self {
            scale: 1.0,
            seed: 2026,
        }
    }
}

/// A credential created for the benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct BenchClient {
    pub client_id: String,
    pub client_secret: String,
    pub member: Option<String>,
    pub roles: Vec<Role>,
}

/// What was loaded, and what a benchmark needs to drive it.
#[derive(Debug, Clone, Serialize)]
pub struct BenchSummary {
    pub members: usize,
    pub standards: usize,
    pub revisions_per_standard: usize,
    pub comments: usize,
    pub busy_standard: String,
    pub busy_comments: usize,
    pub busy_revision: i32,
    pub busy_clauses: Vec<String>,
    pub ballots: usize,
    pub decisions: usize,
    pub open_ballot: String,
    pub open_ballot_hash: String,
    pub events: i64,
    pub clients: Vec<BenchClient>,
}

/// A small, fast, deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const SUBJECTS: &[&str] = &[
    "The provider",
    "The deployer",
    "The competent authority",
    "Each member",
    "The operator of the system",
    "The notified body",
    "The secretariat",
    "A downstream provider",
    "The importer",
    "The distributor",
];
const VERBS: &[&str] = &[
    "shall",
    "should",
    "shall, where feasible,",
    "may",
    "shall without undue delay",
];
const ACTIONS: &[&str] = &[
    "document the intended purpose and the foreseeable misuse of the AI system",
    "establish, implement and maintain a risk management process covering the entire lifecycle",
    "notify serious incidents to the authority of the member where the incident occurred",
    "keep the technical documentation up to date and make it available on request",
    "evaluate the model against the benchmarks listed in Annex B before release",
    "label synthetic audio, image, video and text content in a machine-readable format",
    "ensure that logs are retained for at least six months unless national law provides otherwise",
    "perform adversarial testing proportionate to the capabilities of the model",
    "inform affected persons of the use of an emotion recognition or biometric categorisation system",
    "cooperate with the authorities of other members in the investigation of cross-border incidents",
    "assess the robustness of watermarks against common transformations such as cropping and compression",
    "designate a single point of contact responsible for communication with the authorities",
];
const QUALIFIERS: &[&str] = &[
    "taking into account the generally acknowledged state of the art",
    "in accordance with Clause 4",
    "unless the information is protected as a trade secret",
    "in a manner proportionate to the size of the organization",
    "within the time limits set out in Table 2",
    "using the template in Annex A",
    "with particular attention to persons in vulnerable situations",
    "where the model is made available under a free and open-source licence",
];
const HEADINGS: &[&str] = &[
    "Scope",
    "Normative references",
    "Terms and definitions",
    "Risk management",
    "Data governance",
    "Technical documentation",
    "Record-keeping",
    "Transparency",
    "Human oversight",
    "Accuracy and robustness",
    "Incident notification",
    "Post-market monitoring",
    "Labelling of content",
    "Cooperation between authorities",
];
const COMMENT_OPENINGS: &[&str] = &[
    "The requirement is too broad",
    "We support this clause but",
    "The deadline is not workable",
    "Editorial:",
    "This conflicts with national law",
    "Please clarify the term",
    "The threshold should be lowered",
    "The obligation should also apply to deployers",
];

fn sentence(rng: &mut Rng) -> String {
    format!(
        "{} {} {}, {}.",
        rng.pick(SUBJECTS),
        rng.pick(VERBS),
        rng.pick(ACTIONS),
        rng.pick(QUALIFIERS)
    )
}

/// Text of about `chars` characters, in sentences and paragraphs.
fn text(rng: &mut Rng, chars: usize) -> String {
    let mut out = String::with_capacity(chars + 200);
    while out.len() < chars {
        if !out.is_empty() {
            out.push_str(if rng.below(4) == 0 { "\n\n" } else { " " });
        }
        out.push_str(&sentence(rng));
    }
    out
}

fn clauses(rng: &mut Rng, revision: i32) -> Vec<Clause> {
    let n = rng.between(6, 10) as usize;
    (1..=n)
        .map(|i| {
            let length = rng.between(300, 1200) as usize;
            Clause {
                id: i.to_string(),
                heading: HEADINGS[(i - 1) % HEADINGS.len()].to_string(),
                text: format!("{} (Revision {revision}.)", text(rng, length)),
            }
        })
        .collect()
}

/// Events built in memory in chain order and written in batches.
struct Chain {
    seq: i64,
    hash: String,
    at: Timestamp,
    rows: Vec<EventRow>,
}

impl Chain {
    fn new(start: Timestamp) -> Self {
        Self {
            seq: 0,
            hash: GENESIS_HASH.to_string(),
            at: start,
            rows: Vec::new(),
        }
    }

    /// Moves the clock on by `seconds` and appends an event at that time.
    fn push(
        &mut self,
        seconds: i64,
        actor: &Actor,
        event_type: &str,
        subject: &str,
        data: Value,
    ) -> (i64, String, Timestamp) {
        self.at = self.at.plus_seconds(seconds);
        self.seq += 1;
        let body = EventBody {
            seq: self.seq,
            at: self.at,
            event_type,
            actor,
            subject,
            data: &data,
            prev_hash: &self.hash,
        };
        let hash = body.hash();
        self.rows.push(EventRow {
            seq: self.seq,
            at: self.at.naive(),
            event_type: event_type.to_string(),
            actor_client: actor.client.clone(),
            actor_member: actor.member.clone(),
            subject: subject.to_string(),
            data: canonical_json(&data),
            prev_hash: std::mem::replace(&mut self.hash, hash.clone()),
            hash: hash.clone(),
        });
        (self.seq, hash, self.at)
    }

    fn flush(&mut self, conn: &mut DbConn) -> QueryResult<()> {
        for chunk in self.rows.chunks(2_000) {
            crate::insert_batch!(&mut *conn, events::table, chunk)?;
        }
        self.rows.clear();
        diesel::update(chain_head::table.find(1))
            .set((
                chain_head::seq.eq(self.seq),
                chain_head::hash.eq(&self.hash),
            ))
            .execute(conn)?;
        Ok(())
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// One transaction of the load.
fn tx<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> QueryResult<T>) -> Result<T, String> {
    write_transaction(conn, f).map_err(err)
}

fn scaled(n: usize, scale: f64, min: usize) -> usize {
    ((n as f64 * scale).round() as usize).max(min)
}

pub fn load(
    db: &Db,
    keys: &KeyRing,
    issuer: &str,
    now: Timestamp,
    opts: BenchOptions,
) -> Result<BenchSummary, String> {
    let mut pooled = db.write_pool.get().map_err(err)?;
    let conn: &mut DbConn = &mut pooled;
    let existing: i64 = members::table.count().get_result(conn).map_err(err)?;
    let existing_standards: i64 = standards::table.count().get_result(conn).map_err(err)?;
    if existing + existing_standards > 0 {
        return Err(format!(
            "seed-bench loads into an empty database; this one already holds {existing} members and {existing_standards} standards"
        ));
    }
    let mut rng = Rng(opts.seed);
    let n_standards = scaled(2_000, opts.scale, 3);
    let n_comments = scaled(1_000_000, opts.scale, 100);
    let n_busy = scaled(200_000, opts.scale, 20);
    let n_ballots = scaled(200, opts.scale, 2).min(n_standards - 1);
    let system = Actor::default();
    // The chain's clock moves on with every event (an hour per revision, up to 20 s per
    // comment, a minute per decision, 14 days per closed ballot); it starts far enough back
    // that the whole body, the busy standard's comment period and the open ballot included,
    // lies in the past.
    let span = n_standards as i64 * (120 + 5 * 3_600 + 10)
        + n_comments as i64 * 22
        + n_ballots as i64 * (14 * 86_400 + 200 * 60)
        + 60 * 86_400;
    let mut chain = Chain::new(now.plus_seconds(-span));

    // Members: 193 states, one in ten an observer.
    let codes: Vec<&str> = isocountry::CountryCode::as_array_alpha3()
        .iter()
        .map(|c| c.alpha3())
        .take(193)
        .collect();
    let regions = [
        Region::Africa,
        Region::AsiaPacific,
        Region::EasternEurope,
        Region::LatinAmericaCaribbean,
        Region::WesternEuropeOthers,
    ];
    let member_rows: Vec<MemberRow> = codes
        .iter()
        .enumerate()
        .map(|(i, code)| {
            let at = chain.at.plus_seconds(i as i64 * 60);
            MemberRow {
                code: code.to_string(),
                name: format!(
                    "{} (benchmark)",
                    isocountry::CountryCode::for_alpha3(code)
                        .map(|c| c.name())
                        .unwrap_or(code)
                ),
                kind: "state".into(),
                voting: i % 10 != 9,
                region: regions[i % regions.len()].as_str().into(),
                status: "active".into(),
                version: 1,
                created_at: at.naive(),
                updated_at: at.naive(),
            }
        })
        .collect();
    let voting: Vec<String> = member_rows
        .iter()
        .filter(|m| m.voting)
        .map(|m| m.code.clone())
        .collect();
    tx(conn, |c| {
        for m in &member_rows {
            chain.push(60, &system, "member.created", &format!("member:{}", m.code), json!({"code": m.code, "name": m.name, "kind": m.kind, "voting": m.voting, "region": m.region}));
        }
        crate::insert_batch!(&mut *c, members::table, &member_rows)?;
        chain.flush(c)
    })?;

    // Credentials.
    let mut clients = Vec::new();
    let mut plan: Vec<(Option<String>, Vec<Role>)> =
        vec![(None, vec![Role::Secretariat]), (None, vec![Role::Editor])];
    plan.extend(
        voting
            .iter()
            .take(64)
            .map(|m| (Some(m.clone()), vec![Role::Delegate, Role::Commenter])),
    );
    let mut client_rows = Vec::new();
    for (member, roles) in plan {
        let secret = generate_secret();
        let row = ClientRow {
            id: generate_client_id(),
            name: format!("benchmark {}", member.as_deref().unwrap_or("secretariat")),
            member_code: member.clone(),
            roles: roles_to_text(&roles),
            secret_hash: hash_secret(&secret)?,
            created_at: chain.at.naive(),
            revoked_at: None,
        };
        clients.push(BenchClient {
            client_id: row.id.clone(),
            client_secret: secret,
            member,
            roles,
        });
        client_rows.push(row);
    }
    tx(conn, |c| {
        for r in &client_rows {
            ClientRow::insert(c, r)?;
            chain.push(
                1,
                &system,
                "client.created",
                &format!("client:{}", r.id),
                json!({"id": r.id, "member": r.member_code, "roles": r.roles}),
            );
        }
        chain.flush(c)
    })?;
    let editor = Actor {
        client: Some(client_rows[1].id.clone()),
        member: None,
    };
    let secretariat = Actor {
        client: Some(client_rows[0].id.clone()),
        member: None,
    };
    let delegates: Vec<Actor> = client_rows[2..]
        .iter()
        .map(|r| Actor {
            client: Some(r.id.clone()),
            member: r.member_code.clone(),
        })
        .collect();

    // Standards with five revisions each; remember the clauses of revision 5 (and 4) for comments.
    let references: Vec<String> = (1..=n_standards).map(|i| format!("BENCH-{i:04}")).collect();
    let mut clause_ids: Vec<Vec<(String, String)>> = Vec::with_capacity(n_standards);
    let mut latest_hashes = Vec::with_capacity(n_standards);
    for batch in references.chunks(50) {
        tx(conn, |c| {
            for reference in batch {
                let (_, _, at) = chain.push(
                    120,
                    &editor,
                    "standard.created",
                    &format!("standard:{reference}"),
                    json!({"reference": reference}),
                );
                let title = format!("AI {} — {}", rng.pick(HEADINGS).to_lowercase(), reference);
                let scope = text(&mut rng, 300);
                StandardRow::insert(
                    c,
                    &StandardRow {
                        search_text: search_text(reference, &title, &scope),
                        reference: reference.clone(),
                        title,
                        scope,
                        topics: topics_to_text(&[
                            "benchmark".to_string(),
                            format!("topic-{}", rng.below(40)),
                        ]),
                        committee: format!("TC {}", rng.between(1, 12)),
                        stage: "drafting".into(),
                        supersedes: None,
                        superseded_by: None,
                        latest_revision: 0,
                        latest_hash: None,
                        ratified_revision: None,
                        ratified_hash: None,
                        withdrawn_reason: None,
                        version: 1,
                        created_at: at.naive(),
                        updated_at: at.naive(),
                    },
                )?;
                let mut last = Vec::new();
                let mut hash = String::new();
                for number in 1..=5 {
                    let cl = clauses(&mut rng, number);
                    hash = content_hash(&cl);
                    let (_, _, at) = chain.push(
                        3_600,
                        &editor,
                        "revision.created",
                        &format!("standard:{reference}"),
                        json!({"standard": reference, "number": number, "content_hash": hash, "clause_count": cl.len()}),
                    );
                    RevisionRow::insert(
                        c,
                        &RevisionRow {
                            reference: reference.clone(),
                            number,
                            summary: format!("Revision {number}: {}", sentence(&mut rng)),
                            content_hash: hash.clone(),
                            clause_count: cl.len() as i32,
                            created_at: at.naive(),
                            created_by: editor.client.clone(),
                        },
                        &cl,
                    )?;
                    StandardRow::set_latest_revision(c, reference, number, &hash, at.naive())?;
                    if number == 5 {
                        last = cl.iter().map(|x| (x.id.clone(), clause_hash(x))).collect();
                    }
                }
                clause_ids.push(last);
                latest_hashes.push(hash);
            }
            chain.flush(c)
        })?;
    }

    // Comment periods: the busy standard's is open for a year; every other one closed.
    let mut period_ids = Vec::with_capacity(n_standards);
    tx(conn, |c| {
        for (i, reference) in references.iter().enumerate() {
            let busy = i == 0;
            let id = uuid::Uuid::now_v7().to_string();
            let opens = chain.at;
            let closes = if busy {
                now.plus_seconds(365 * 86_400)
            } else {
                opens.plus_seconds(30 * 86_400)
            };
            PeriodRow::insert(
                c,
                &PeriodRow {
                    id: id.clone(),
                    reference: reference.clone(),
                    revision: 5,
                    opens_at: opens.naive(),
                    closes_at: closes.naive(),
                    closed_at: (!busy).then(|| closes.naive()),
                    close_reason: (!busy).then(|| "deadline".to_string()),
                    version: 1,
                    created_at: opens.naive(),
                },
            )?;
            chain.push(
                1,
                &secretariat,
                "comment_period.opened",
                &format!("comment_period:{id}"),
                json!({"id": id, "standard": reference, "revision": 5, "closes_at": closes}),
            );
            if busy {
                diesel::update(standards::table.find(reference))
                    .set(standards::stage.eq("public_comment"))
                    .execute(c)?;
            } else {
                chain.push(
                    1,
                    &system,
                    "comment_period.closed",
                    &format!("comment_period:{id}"),
                    json!({"id": id, "standard": reference, "reason": "deadline"}),
                );
            }
            period_ids.push(id);
        }
        chain.flush(c)
    })?;

    // Comments: the busy standard first, the rest spread over the others.
    let statuses = [
        "open",
        "open",
        "open",
        "open",
        "open",
        "open",
        "accepted",
        "accepted_modified",
        "rejected",
        "noted",
        "withdrawn",
    ];
    let types = ["general", "technical", "technical", "editorial"];
    let mut made = 0usize;
    let mut recent: Vec<String> = Vec::new();
    while made < n_comments {
        tx(conn, |c| {
            let mut rows = Vec::with_capacity(5_000);
            for _ in 0..5_000 {
                if made >= n_comments {
                    break;
                }
                let standard = if made < n_busy {
                    0
                } else {
                    1 + (made - n_busy) % (n_standards - 1)
                };
                let reference = &references[standard];
                let anchors = &clause_ids[standard];
                let general = rng.below(8) == 0;
                let (clause, position, hash) = if general {
                    (None, 0, None)
                } else {
                    let k = rng.below(anchors.len() as u64) as usize;
                    (
                        Some(anchors[k].0.clone()),
                        k as i32 + 1,
                        Some(anchors[k].1.clone()),
                    )
                };
                let author = rng.pick(&delegates).clone();
                let status = *rng.pick(&statuses);
                let id = uuid::Uuid::now_v7().to_string();
                let opening = *rng.pick(COMMENT_OPENINGS);
                let length = rng.between(80, 500) as usize;
                let body = format!("{opening} {}", text(&mut rng, length));
                let parent = (rng.below(10) == 0 && standard == 0)
                    .then(|| recent.last().cloned())
                    .flatten();
                let comment_type = *rng.pick(&types);
                let (seq, _, at) = chain.push(
                    rng.between(1, 20) as i64,
                    &author,
                    "comment.created",
                    &format!("comment:{id}"),
                    json!({"id": id, "standard": reference, "revision": 5, "clause": clause, "type": comment_type, "body": body, "member": author.member}),
                );
                let disposed = !matches!(status, "open" | "withdrawn");
                if disposed {
                    chain.push(
                        1,
                        &editor,
                        "comment.disposed",
                        &format!("comment:{id}"),
                        json!({"id": id, "status": status}),
                    );
                } else if status == "withdrawn" {
                    chain.push(
                        1,
                        &author,
                        "comment.withdrawn",
                        &format!("comment:{id}"),
                        json!({"id": id}),
                    );
                }
                if standard == 0 && recent.len() < 64 {
                    recent.push(id.clone());
                } else if standard == 0 {
                    recent[made % 64] = id.clone();
                }
                rows.push(CommentRow {
                    id,
                    created_seq: seq,
                    reference: reference.clone(),
                    revision: 5,
                    period_id: period_ids[standard].clone(),
                    clause_id: clause,
                    clause_position: position,
                    clause_hash: hash,
                    paragraph: None,
                    comment_type: comment_type.to_string(),
                    body,
                    proposed_change: (rng.below(3) == 0).then(|| sentence(&mut rng)),
                    parent_id: parent,
                    member_code: author.member.clone().unwrap_or_default(),
                    author_client: author.client.clone().unwrap_or_default(),
                    status: status.to_string(),
                    response: disposed.then(|| sentence(&mut rng)),
                    resolved_in: None,
                    disposed_at: disposed.then(|| at.naive()),
                    disposed_by: if disposed {
                        editor.client.clone()
                    } else {
                        None
                    },
                    version: 1,
                    created_at: at.naive(),
                    updated_at: at.naive(),
                });
                made += 1;
            }
            for chunk in rows.chunks(1_000) {
                crate::insert_batch!(&mut *c, comments::table, chunk)?;
            }
            chain.flush(c)
        })?;
    }

    // Ballots on BENCH-0002 onwards: the first stays open, the others closed with their outcome.
    let rule = Rule::default();
    let mut decisions = 0usize;
    let mut open_ballot = String::new();
    for b in 0..n_ballots {
        let standard = 1 + b;
        let reference = references[standard].clone();
        let hash = latest_hashes[standard].clone();
        let open = b == 0;
        tx(conn, |c| {
            let id = uuid::Uuid::now_v7().to_string();
            let opens = chain.at;
            let closes = if open {
                now.plus_seconds(30 * 86_400)
            } else {
                opens.plus_seconds(14 * 86_400)
            };
            BallotRow::insert(
                c,
                &BallotRow {
                    id: id.clone(),
                    reference: reference.clone(),
                    revision: 5,
                    content_hash: hash.clone(),
                    opens_at: opens.naive(),
                    closes_at: closes.naive(),
                    rule: canonical_json(&rule),
                    electorate: voting.len() as i32,
                    closed_at: None,
                    close_reason: None,
                    outcome: None,
                    version: 1,
                    created_at: opens.naive(),
                },
                &[],
            )?;
            let electorate: Vec<_> = voting
                .iter()
                .map(|m| {
                    (
                        ballot_electorate::ballot_id.eq(&id),
                        ballot_electorate::member_code.eq(m),
                    )
                })
                .collect();
            crate::insert_batch!(&mut *c, ballot_electorate::table, &electorate)?;
            chain.push(
                60,
                &secretariat,
                "ballot.opened",
                &format!("ballot:{id}"),
                json!({"id": id, "standard": reference, "revision": 5, "content_hash": hash}),
            );
            let mut counts = Counts::default();
            let mut rows = Vec::new();
            for member in &voting {
                if rng.below(10) < 3 {
                    continue;
                }
                let decision = match rng.below(10) {
                    0 => Decision::Decline,
                    1 => Decision::Abstain,
                    _ => Decision::Ratify,
                };
                counts.add(decision);
                let actor = Actor {
                    client: delegates[0].client.clone(),
                    member: Some(member.clone()),
                };
                let reservations_hash = sha256_hex("[]");
                let (seq, event_hash, at) = chain.push(
                    30,
                    &actor,
                    "ratification.cast",
                    &format!("ballot:{id}"),
                    json!({"ballot": id, "member": member, "decision": decision, "version": 1, "content_hash": hash}),
                );
                let claims = ReceiptClaims {
                    iss: issuer.to_string(),
                    iat: at.unix(),
                    ballot: id.clone(),
                    standard: reference.clone(),
                    revision: 5,
                    content_hash: hash.clone(),
                    member: member.clone(),
                    decision: decision.as_str().into(),
                    reservations_hash: reservations_hash.clone(),
                    version: 1,
                    cast_at: at,
                    cast_by: actor.client.clone().unwrap_or_default(),
                    event: EventRef {
                        seq,
                        hash: event_hash.clone(),
                    },
                };
                let receipt = sign(keys, RECEIPT_TYP, &claims)
                    .map_err(|e| diesel::result::Error::QueryBuilderError(e.into()))?;
                rows.push(RatificationRow {
                    ballot_id: id.clone(),
                    member_code: member.clone(),
                    version: 1,
                    current: true,
                    decision: decision.as_str().into(),
                    reservations: "[]".into(),
                    reservations_hash,
                    reasons: (decision == Decision::Decline).then(|| sentence(&mut rng)),
                    statement: None,
                    cast_by: actor.client.clone().unwrap_or_default(),
                    cast_at: at.naive(),
                    event_seq: seq,
                    event_hash,
                    receipt,
                });
            }
            decisions += rows.len();
            crate::insert_batch!(&mut *c, ratifications::table, &rows)?;
            if open {
                diesel::update(standards::table.find(&reference))
                    .set(standards::stage.eq("ratification"))
                    .execute(c)?;
                open_ballot = id;
            } else {
                let passes = evaluate(&rule, &counts, voting.len() as u64).1;
                let outcome = if passes { "ratified" } else { "rejected" };
                chain.push(
                    14 * 86_400,
                    &system,
                    "ballot.closed",
                    &format!("ballot:{id}"),
                    json!({"id": id, "outcome": outcome, "counts": counts}),
                );
                BallotRow::record_close(c, &id, closes.naive(), "deadline", outcome)?;
                if passes {
                    diesel::update(standards::table.find(&reference))
                        .set((
                            standards::stage.eq("ratified"),
                            standards::ratified_revision.eq(5),
                            standards::ratified_hash.eq(&hash),
                        ))
                        .execute(c)?;
                    chain.push(
                        1,
                        &system,
                        "standard.ratified",
                        &format!("standard:{reference}"),
                        json!({"ballot": id, "revision": 5, "content_hash": hash}),
                    );
                }
            }
            chain.flush(c)
        })?;
    }

    if chain.at > now {
        return Err(format!(
            "the seeded event chain runs to {}, past now ({}); its start must move back",
            chain.at, now
        ));
    }
    if !conn.is_sqlite() {
        // As after any bulk load: statistics for the planner, and hint bits and the visibility
        // map set now rather than by the first readers and autovacuum during the measurements.
        conn.batch_execute("VACUUM (ANALYZE)").map_err(err)?;
    }
    let busy_clauses = clause_ids[0].iter().map(|(id, _)| id.clone()).collect();
    Ok(BenchSummary {
        members: member_rows.len(),
        standards: n_standards,
        revisions_per_standard: 5,
        comments: made,
        busy_standard: references[0].clone(),
        busy_comments: n_busy.min(made),
        busy_revision: 5,
        busy_clauses,
        ballots: n_ballots,
        decisions,
        open_ballot,
        open_ballot_hash: latest_hashes[1].clone(),
        events: chain.seq,
        clients,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_deterministic() {
        let (mut a, mut b) = (Rng(7), Rng(7));
        assert_eq!(text(&mut a, 500), text(&mut b, 500));
        assert_eq!(clauses(&mut a, 1), clauses(&mut b, 1));
        let long = text(&mut a, 1_000);
        assert!(
            long.len() >= 1_000 && long.contains("shall")
                || long.contains("should")
                || long.contains("may")
        );
    }
}
