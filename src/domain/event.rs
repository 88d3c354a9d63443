//! The hash chain of events.
//!
//! `hash = hex(SHA-256(canonical_json(body)))` where `body` is the JSON object
//! `{"seq", "at", "type", "actor": {"client", "member"}, "subject", "data", "prev_hash"}`
//! (RFC 8785 canonical form: keys sorted, no whitespace; `at` printed with six fractional
//! digits; absent actor members are `null`). `prev_hash` of the first event is 64 zeros; the
//! `prev_hash` of every later event is the `hash` of the one before it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::canonical::{canonical_json, sha256_hex};
use super::time::Timestamp;

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who made a change: the API client and the member it acts for (both absent for the command
/// line).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Actor {
    /// The client id, or null for changes made with the `accord` command line.
    pub client: Option<String>,
    /// The member the client belongs to, or null for the secretariat.
    pub member: Option<String>,
}

/// The hashed part of an event.
#[derive(Debug, Clone, Serialize)]
pub struct EventBody<'a> {
    pub seq: i64,
    pub at: Timestamp,
    #[serde(rename = "type")]
    pub event_type: &'a str,
    pub actor: &'a Actor,
    pub subject: &'a str,
    pub data: &'a Value,
    pub prev_hash: &'a str,
}

impl EventBody<'_> {
    pub fn hash(&self) -> String {
        sha256_hex(canonical_json(self))
    }
}

/// Where a chain stops being valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ChainBreak {
    /// The first event that does not verify.
    pub seq: i64,
    /// Why: `hash_mismatch`, `prev_hash_mismatch` or `seq_gap`.
    pub reason: String,
    pub expected: String,
    pub found: String,
}

/// Walks stored events in order and checks each link. `start_prev`/`start_seq` describe the event
/// before the first one given (the genesis values when starting from the beginning).
pub struct ChainVerifier {
    prev_hash: String,
    prev_seq: i64,
}

impl ChainVerifier {
    pub fn new(prev_seq: i64, prev_hash: String) -> Self {
        Self {
            prev_hash,
            prev_seq,
        }
    }

    pub fn genesis() -> Self {
        Self::new(0, GENESIS_HASH.to_string())
    }

    /// Checks one stored event; `Err` names the first problem.
    pub fn check(&mut self, body: &EventBody<'_>, stored_hash: &str) -> Result<(), ChainBreak> {
        if body.seq != self.prev_seq + 1 {
            return Err(ChainBreak {
                seq: body.seq,
                reason: "seq_gap".into(),
                expected: (self.prev_seq + 1).to_string(),
                found: body.seq.to_string(),
            });
        }
        if body.prev_hash != self.prev_hash {
            return Err(ChainBreak {
                seq: body.seq,
                reason: "prev_hash_mismatch".into(),
                expected: self.prev_hash.clone(),
                found: body.prev_hash.to_string(),
            });
        }
        let computed = body.hash();
        if computed != stored_hash {
            return Err(ChainBreak {
                seq: body.seq,
                reason: "hash_mismatch".into(),
                expected: computed,
                found: stored_hash.to_string(),
            });
        }
        self.prev_seq = body.seq;
        self.prev_hash = stored_hash.to_string();
        Ok(())
    }

    pub fn last_seq(&self) -> i64 {
        self.prev_seq
    }

    pub fn last_hash(&self) -> &str {
        &self.prev_hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body<'a>(seq: i64, prev: &'a str, actor: &'a Actor, data: &'a Value) -> EventBody<'a> {
        EventBody {
            seq,
            at: Timestamp::parse("2026-11-28T09:00:00Z").unwrap(),
            event_type: "member.created",
            actor,
            subject: "member:BRA",
            data,
            prev_hash: prev,
        }
    }

    #[test]
    fn hash_is_sha256_of_the_documented_canonical_form() {
        let actor = Actor {
            client: Some("cli_1".into()),
            member: None,
        };
        let data = json!({"name": "Brazil", "code": "BRA"});
        let b = body(1, GENESIS_HASH, &actor, &data);
        let expected_text = format!(
            r#"{{"actor":{{"client":"cli_1","member":null}},"at":"2026-11-28T09:00:00.000000Z","data":{{"code":"BRA","name":"Brazil"}},"prev_hash":"{GENESIS_HASH}","seq":1,"subject":"member:BRA","type":"member.created"}}"#
        );
        assert_eq!(canonical_json(&b), expected_text);
        assert_eq!(b.hash(), sha256_hex(expected_text));
    }

    #[test]
    fn verifier_names_the_first_bad_event() {
        let actor = Actor::default();
        let data = json!({});
        let e1 = body(1, GENESIS_HASH, &actor, &data);
        let h1 = e1.hash();
        let e2 = body(2, &h1, &actor, &data);
        let h2 = e2.hash();

        let mut ok = ChainVerifier::genesis();
        assert!(ok.check(&e1, &h1).is_ok());
        assert!(ok.check(&e2, &h2).is_ok());
        assert_eq!(ok.last_seq(), 2);

        let mut tampered = ChainVerifier::genesis();
        tampered.check(&e1, &h1).unwrap();
        let bad = tampered.check(&e2, "ff").unwrap_err();
        assert_eq!((bad.seq, bad.reason.as_str()), (2, "hash_mismatch"));

        let mut gap = ChainVerifier::genesis();
        let e3 = body(3, &h2, &actor, &data);
        gap.check(&e1, &h1).unwrap();
        assert_eq!(gap.check(&e3, &e3.hash()).unwrap_err().reason, "seq_gap");

        let mut broken_link = ChainVerifier::genesis();
        broken_link.check(&e1, &h1).unwrap();
        let e2b = body(2, GENESIS_HASH, &actor, &data);
        assert_eq!(
            broken_link.check(&e2b, &e2b.hash()).unwrap_err().reason,
            "prev_hash_mismatch"
        );
    }
}
