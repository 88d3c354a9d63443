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
        self.hash_with_data(&canonical_json(self.data))
    }

    /// The hash, given the canonical JSON of `data` (which the caller stores as well, so that it
    /// is computed once per event).
    pub fn hash_with_data(&self, canonical_data: &str) -> String {
        sha256_hex(self.canonical_with_data(canonical_data))
    }

    /// `canonical_json(self)`, assembled around the canonical `data` the caller already holds.
    /// The members are written in RFC 8785 order (sorted by name); a string member's JSON is what
    /// RFC 8785 prescribes, since serde_json escapes exactly `"`, `\` and control characters,
    /// with lowercase hex; `seq` prints as RFC 8785 prints any integer below 2^53 (its numbers are
    /// IEEE doubles; a chain cannot reach 2^53 events). A test compares this with serde_jcs.
    pub fn canonical_with_data(&self, canonical_data: &str) -> String {
        fn string(out: &mut String, s: &str) {
            // Serialising a str into a String cannot fail.
            out.push_str(&serde_json::to_string(s).unwrap_or_default());
        }
        fn optional(out: &mut String, s: &Option<String>) {
            match s {
                Some(s) => string(out, s),
                None => out.push_str("null"),
            }
        }
        let mut out = String::with_capacity(canonical_data.len() + 320);
        out.push_str(r#"{"actor":{"client":"#);
        optional(&mut out, &self.actor.client);
        out.push_str(r#","member":"#);
        optional(&mut out, &self.actor.member);
        out.push_str(r#"},"at":""#);
        out.push_str(&self.at.to_string());
        out.push_str(r#"","data":"#);
        out.push_str(canonical_data);
        out.push_str(r#","prev_hash":"#);
        string(&mut out, self.prev_hash);
        out.push_str(r#","seq":"#);
        out.push_str(&self.seq.to_string());
        out.push_str(r#","subject":"#);
        string(&mut out, self.subject);
        out.push_str(r#","type":"#);
        string(&mut out, self.event_type);
        out.push('}');
        out
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
    fn the_assembled_form_is_the_canonical_form() {
        let awkward = "q\"b\\s/\u{0}\u{1f}\u{7f}\u{b}\t\n\r\u{8}\u{c}é€😀 \u{2028}";
        let actors = [
            Actor::default(),
            Actor {
                client: Some(awkward.into()),
                member: Some("BRA".into()),
            },
            Actor {
                client: None,
                member: Some(awkward.into()),
            },
        ];
        let datas = [
            json!({}),
            json!({"z": [1, -2, true, null, {"b": awkward, "a": 0}], "a": awkward, "é": 1, "e": "x"}),
        ];
        for actor in &actors {
            for data in &datas {
                for (seq, subject, kind) in [
                    (1, "member:BRA", "member.created"),
                    (9_007_199_254_740_991, awkward, awkward),
                ] {
                    let mut b = body(seq, GENESIS_HASH, actor, data);
                    b.subject = subject;
                    b.event_type = kind;
                    let canonical_data = canonical_json(data);
                    assert_eq!(b.canonical_with_data(&canonical_data), canonical_json(&b));
                    assert_eq!(b.hash(), sha256_hex(canonical_json(&b)));
                }
            }
        }
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
