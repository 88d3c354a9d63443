use actix_web::{HttpResponse, http::header, put, web};
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{EventRef, RECEIPT_TYP, Ratification, ReceiptClaims, Reservation};
use crate::auth::keys::KeyRing;
use crate::auth::token::sign;
use crate::auth::{Auth, Caller, Delegate};
use crate::db::models::ballot::{BallotRow, RatificationRow, Voter};
use crate::db::models::event::Event;
use crate::db::schema::clauses;
use crate::db::{DbConn, memo};
use crate::domain::ballot::Decision;
use crate::domain::canonical::{canonical_json, sha256_hex};
use crate::domain::standard::valid_clause_id;
use crate::domain::time::Timestamp;
use crate::domain::validate::Errors;
use crate::error::{ApiError, ApiResult};
use crate::http::body::ApiJson;
use crate::routes::ballots::find_ballot_for_update;
use crate::state::AppState;

pub const MAX_RESERVATIONS: usize = 200;
pub const MAX_TEXT: usize = 10_000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReservationInput {
    #[schema(value_type = String, required = true)]
    pub clause: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 10000)]
    pub text: Option<String>,
}

/// A member's decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CastDecision {
    #[schema(value_type = Decision, required = true)]
    pub decision: Option<String>,
    /// The content hash of the revision being decided on: it must equal the ballot's pinned hash.
    #[schema(value_type = String, required = true)]
    pub revision_hash: Option<String>,
    /// With `ratify` only: reservations on named clauses of the pinned revision (up to 200, one per clause).
    pub reservations: Option<Vec<ReservationInput>>,
    /// Required with `decline` (and only with it): why.
    #[schema(max_length = 10000)]
    pub reasons: Option<String>,
    /// A statement to go with the decision.
    #[schema(max_length = 10000)]
    pub statement: Option<String>,
}

pub struct NewDecision {
    pub decision: Decision,
    pub revision_hash: String,
    pub reservations: Vec<Reservation>,
    pub reasons: Option<String>,
    pub statement: Option<String>,
}

impl CastDecision {
    pub fn validate(self) -> Result<NewDecision, ApiError> {
        let mut e = Errors::new();
        let decision = e
            .required("decision", self.decision)
            .and_then(|d| e.one_of("decision", &d, Decision::parse, Decision::ALL));
        let revision_hash = e.required("revision_hash", self.revision_hash);
        let mut reservations = Vec::new();
        let given = self.reservations.unwrap_or_default();
        if !given.is_empty() && decision.is_some_and(|d| d != Decision::Ratify) {
            e.add(
                "reservations",
                "not_allowed",
                "reservations go with ratify only",
            );
        }
        if given.len() > MAX_RESERVATIONS {
            e.add(
                "reservations",
                "too_many",
                format!("at most {MAX_RESERVATIONS} reservations"),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for (i, r) in given.into_iter().take(MAX_RESERVATIONS).enumerate() {
            let clause = e.required(&format!("reservations[{i}].clause"), r.clause);
            let text = e.required(&format!("reservations[{i}].text"), r.text);
            if let Some(c) = &clause {
                if !valid_clause_id(c) {
                    e.add(
                        format!("reservations[{i}].clause"),
                        "invalid_format",
                        "not a clause id",
                    );
                } else if !seen.insert(c.clone()) {
                    e.add(
                        format!("reservations[{i}].clause"),
                        "duplicate",
                        format!("clause {c} already has a reservation"),
                    );
                }
            }
            if let Some(t) = &text {
                e.text(&format!("reservations[{i}].text"), t, 1, MAX_TEXT);
            }
            if let (Some(clause), Some(text)) = (clause, text) {
                reservations.push(Reservation { clause, text });
            }
        }
        match (&self.reasons, decision) {
            (None, Some(Decision::Decline)) => {
                e.add("reasons", "required", "a decline states its reasons")
            }
            (Some(_), Some(d)) if d != Decision::Decline => {
                e.add("reasons", "not_allowed", "reasons go with decline only")
            }
            (Some(r), _) => {
                e.text("reasons", r, 1, MAX_TEXT);
            }
            _ => {}
        }
        if let Some(s) = &self.statement {
            e.text("statement", s, 1, MAX_TEXT);
        }
        e.into_result().map_err(ApiError::Validation)?;
        match (decision, revision_hash) {
            (Some(decision), Some(revision_hash)) => Ok(NewDecision {
                decision,
                revision_hash,
                reservations,
                reasons: self.reasons,
                statement: self.statement,
            }),
            _ => Err(ApiError::internal("validated decision is incomplete")),
        }
    }
}

/// Records `member`'s decision in ballot `ballot_id` (a new version unless nothing changed), with
/// its event and signed receipt. Returns the decision and whether a new version was made.
#[allow(clippy::too_many_arguments)]
pub fn record_decision(
    conn: &mut DbConn,
    keys: &KeyRing,
    issuer: &str,
    caller: &Caller,
    now: Timestamp,
    ballot_id: &str,
    member: &str,
    new: NewDecision,
) -> ApiResult<(Ratification, bool)> {
    // Remembered for the batch when the writer runs this as an additive job (see `db::memo`).
    let ballot = memo::remember(
        |m| &mut m.ballots,
        ballot_id.to_string(),
        || find_ballot_for_update(conn, ballot_id),
    )?;
    let Voter {
        member: member_row,
        in_electorate,
        current,
    } = BallotRow::voter(conn, ballot_id, member)?
        .ok_or_else(|| ApiError::not_found(format!("no member has the code {member}")))?;
    if !in_electorate {
        let why = if !member_row.voting {
            format!("{member} is an observer, without a vote")
        } else {
            format!(
                "{member} was not an active voting member when this ballot opened, so it is outside its electorate"
            )
        };
        return Err(ApiError::Forbidden(why));
    }
    if member_row.status != "active" {
        return Err(ApiError::Forbidden(format!(
            "member {member} is {} and cannot vote",
            member_row.status
        )));
    }
    if !ballot.is_open_at(now) {
        return Err(ApiError::conflict_with(
            "ballot_closed",
            format!(
                "ballot {ballot_id} closed at {}; no decision is accepted any more",
                Timestamp::from_naive(ballot.closed_at.unwrap_or(ballot.closes_at))
            ),
            json!({"closes_at": Timestamp::from_naive(ballot.closes_at), "closed_at": ballot.closed_at.map(Timestamp::from_naive)}),
        ));
    }
    if new.revision_hash != ballot.content_hash {
        return Err(ApiError::conflict_with(
            "revision_mismatch",
            format!(
                "this ballot is on revision {} of {} with content hash {}; the decision names another text",
                ballot.revision, ballot.reference, ballot.content_hash
            ),
            json!({"revision": ballot.revision, "content_hash": ballot.content_hash}),
        ));
    }
    for (i, r) in new.reservations.iter().enumerate() {
        let exists: i64 = crate::on_backend!(conn, |c| clauses::table
            .filter(
                clauses::reference
                    .eq(&ballot.reference)
                    .and(clauses::revision.eq(ballot.revision))
                    .and(clauses::clause_id.eq(&r.clause)),
            )
            .count()
            .get_result(c))?;
        if exists == 0 {
            return Err(ApiError::invalid(
                format!("reservations[{i}].clause"),
                "not_found",
                format!(
                    "revision {} of {} has no clause {}",
                    ballot.revision, ballot.reference, r.clause
                ),
            ));
        }
    }
    let reservations_json = canonical_json(&new.reservations);
    let reservations_hash = sha256_hex(&reservations_json);
    if let Some(c) = &current {
        let same = c.decision == new.decision.as_str()
            && c.reservations == reservations_json
            && c.reasons == new.reasons
            && c.statement == new.statement;
        if same {
            // Repeating the current decision is rare: only then is the whole row, receipt
            // included, read.
            let row = RatificationRow::current_version(conn, ballot_id, member)?
                .ok_or_else(|| ApiError::internal("the current decision was not found"))?;
            return Ok((Ratification::from(row), false));
        }
    }
    let version = current.as_ref().map(|c| c.version + 1).unwrap_or(1);
    let event_type = if current.is_some() {
        "ratification.amended"
    } else {
        "ratification.cast"
    };
    let event = Event::append(
        conn,
        &caller.actor(),
        now,
        event_type,
        &format!("ballot:{ballot_id}"),
        json!({
            "ballot": ballot_id, "standard": ballot.reference, "revision": ballot.revision, "content_hash": ballot.content_hash,
            "member": member, "decision": new.decision, "version": version,
            "reservations": new.reservations, "reservations_hash": reservations_hash,
            "reasons": new.reasons, "statement": new.statement,
            "previous_decision": current.as_ref().map(|c| c.decision.clone()),
        }),
    )?;
    let claims = ReceiptClaims {
        iss: issuer.to_string(),
        iat: now.unix(),
        ballot: ballot_id.to_string(),
        standard: ballot.reference.clone(),
        revision: ballot.revision,
        content_hash: ballot.content_hash.clone(),
        member: member.to_string(),
        decision: new.decision.as_str().to_string(),
        reservations_hash: reservations_hash.clone(),
        version,
        cast_at: now,
        cast_by: caller.client_id.clone(),
        event: EventRef {
            seq: event.seq,
            hash: event.hash.clone(),
        },
    };
    let receipt = sign(keys, RECEIPT_TYP, &claims).map_err(ApiError::internal)?;
    let row = RatificationRow {
        ballot_id: ballot_id.to_string(),
        member_code: member.to_string(),
        version,
        current: true,
        decision: new.decision.as_str().to_string(),
        reservations: reservations_json,
        reservations_hash,
        reasons: new.reasons,
        statement: new.statement,
        cast_by: caller.client_id.clone(),
        cast_at: now.naive(),
        event_seq: event.seq,
        event_hash: event.hash,
        receipt,
    };
    let stored = Ratification::from(row.clone());
    RatificationRow::insert_current(conn, row, current.map(|c| c.version))?;
    Ok((stored, true))
}

/// Cast or amend a decision
///
/// A delegate casts its member's decision, or amends it until the ballot closes; every version is
/// kept. `revision_hash` must be the ballot's pinned content hash (409 `revision_mismatch`): nobody
/// ratifies a text they did not see. A delegate of another member gets 403, and so does a member
/// outside the electorate (an observer, or one that joined after the ballot opened); after
/// `closes_at`, 409 `ballot_closed`. The answer carries a receipt: a compact JWS (EdDSA, `typ`
/// `receipt+jwt`, `kid` of a key in `/.well-known/jwks.json`) whose payload names the ballot,
/// standard, revision and content hash, member, decision, reservations hash, time, and the event's
/// `seq` and `hash`. Appends `ratification.cast` or `ratification.amended`. Repeating the current
/// decision changes nothing and returns it.
#[utoipa::path(
    tag = "ballots",
    params(
        ("id" = String, Path, description = "Ballot id"),
        ("member" = String, Path, description = "The member's code (the caller's own)"),
    ),
    request_body(content = CastDecision, content_type = "application/json"),
    responses(
        (status = 201, description = "The first decision, with its receipt", body = Ratification, headers(("Location" = String))),
        (status = 200, description = "The decision amended (or unchanged), with its receipt", body = Ratification),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 409, response = crate::openapi::Conflict),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 415, response = crate::openapi::UnsupportedMediaType),
        (status = 422, response = crate::openapi::ValidationFailed),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = ["delegate"]))
)]
#[put("/v1/ballots/{id}/ratifications/{member}")]
pub async fn cast_decision(
    state: web::Data<AppState>,
    auth: Auth<Delegate>,
    path: web::Path<(String, String)>,
    ApiJson(body): ApiJson<CastDecision>,
) -> ApiResult<HttpResponse> {
    let (ballot_id, member) = path.into_inner();
    auth.require_member(&member)?;
    let new = body.validate()?;
    let now = state.now();
    let caller = auth.caller.clone();
    let keys = state.keys.clone();
    let issuer = state.tokens.issuer.clone();
    let (ratification, created) = state
        .db
        .write_additive(move |conn| {
            record_decision(conn, &keys, &issuer, &caller, now, &ballot_id, &member, new)
        })
        .await?;
    let mut response = if created && ratification.version == 1 {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    response.insert_header((
        header::LOCATION,
        format!(
            "{}/v1/ballots/{}/ratifications/{}/receipt",
            state.public_base, ratification.ballot, ratification.member
        ),
    ));
    Ok(response.json(ratification))
}
