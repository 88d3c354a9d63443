//! `/v1/events`: the public, hash-chained feed of every change.

pub mod list;
pub mod read;
pub mod verify;

use serde::Serialize;
use serde_json::value::RawValue;
use utoipa::ToSchema;

use crate::db::models::event::EventRow;
use crate::domain::event::Actor;
use crate::domain::time::Timestamp;
use crate::error::{ApiError, ApiResult};

/// One change, as recorded. `hash` is SHA-256 (hex) of the RFC 8785 canonical JSON of the object
/// `{seq, at, type, actor, subject, data, prev_hash}`, and `prev_hash` is the hash of the event
/// before (64 zeros for the first), so anyone can recompute the chain from this feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    pub at: Timestamp,
    /// What happened, such as `member.created` or `client.revoked`.
    #[serde(rename = "type")]
    #[schema(example = "member.created")]
    pub event_type: String,
    pub actor: Actor,
    /// What changed, as `kind:id`, such as `member:BRA`.
    #[schema(example = "member:BRA")]
    pub subject: String,
    /// The change itself; its shape depends on `type`. Served exactly as stored (canonical JSON).
    #[schema(value_type = Object)]
    pub data: Box<RawValue>,
    pub prev_hash: String,
    pub hash: String,
}

impl TryFrom<EventRow> for EventView {
    type Error = ApiError;

    /// The stored data is passed through without being parsed and printed again.
    fn try_from(row: EventRow) -> ApiResult<Self> {
        let data = RawValue::from_string(row.data).map_err(|e| {
            ApiError::internal(format!("event {} has unreadable data: {e}", row.seq))
        })?;
        Ok(Self {
            seq: row.seq,
            at: Timestamp::from_naive(row.at),
            event_type: row.event_type,
            actor: Actor {
                client: row.actor_client,
                member: row.actor_member,
            },
            subject: row.subject,
            data,
            prev_hash: row.prev_hash,
            hash: row.hash,
        })
    }
}

/// One page of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<EventView>,
    /// The `seq` of the last event served, to pass as `after`; null when the feed is exhausted.
    pub next_cursor: Option<String>,
}

/// A page of the feed as the JSON of [`EventPage`], written directly from the rows: the same
/// bytes serde would write for it (the tests hold the two to that), except that each `data` is
/// copied as stored instead of being parsed again to build a `RawValue`. A page of 100 events
/// carries some 70 kB of `data`; parsing it was a tenth of the feed's cost. What is stored is
/// only ever the canonical JSON the chain hashed (`Event::append` writes it from a JSON value),
/// and `GET /v1/events/verify` recomputes every hash from those bytes.
pub fn page_json(rows: &[EventRow], next_cursor: Option<&str>) -> ApiResult<Vec<u8>> {
    let size: usize = rows
        .iter()
        .map(|r| r.data.len() + r.subject.len() + r.event_type.len() + 320)
        .sum();
    let mut out = Vec::with_capacity(size + 64);
    out.extend_from_slice(b"{\"items\":[");
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_event(&mut out, row)
            .map_err(|e| ApiError::internal(format!("event {}: {e}", row.seq)))?;
    }
    out.extend_from_slice(b"],\"next_cursor\":");
    serde_json::to_writer(&mut out, &next_cursor).map_err(ApiError::internal)?;
    out.push(b'}');
    Ok(out)
}

/// One event as the JSON of its [`EventView`]. Writing to a `Vec` cannot fail; the `Result`
/// only carries serde's signature through.
fn write_event(out: &mut Vec<u8>, row: &EventRow) -> std::io::Result<()> {
    use std::io::Write as _;
    write!(
        out,
        "{{\"seq\":{},\"at\":\"{}\",\"type\":",
        row.seq,
        Timestamp::from_naive(row.at)
    )?;
    serde_json::to_writer(&mut *out, &row.event_type)?;
    out.extend_from_slice(b",\"actor\":{\"client\":");
    serde_json::to_writer(&mut *out, &row.actor_client)?;
    out.extend_from_slice(b",\"member\":");
    serde_json::to_writer(&mut *out, &row.actor_member)?;
    out.extend_from_slice(b"},\"subject\":");
    serde_json::to_writer(&mut *out, &row.subject)?;
    out.extend_from_slice(b",\"data\":");
    out.extend_from_slice(row.data.as_bytes());
    out.extend_from_slice(b",\"prev_hash\":");
    serde_json::to_writer(&mut *out, &row.prev_hash)?;
    out.extend_from_slice(b",\"hash\":");
    serde_json::to_writer(&mut *out, &row.hash)?;
    out.push(b'}');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seq: i64, client: Option<&str>, member: Option<&str>, data: &str) -> EventRow {
        EventRow {
            seq,
            at: chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
                .unwrap()
                .and_hms_micro_opt(23, 59, 58, 1_234)
                .unwrap(),
            event_type: "comment.created".into(),
            actor_client: client.map(str::to_string),
            actor_member: member.map(str::to_string),
            subject: format!("comment:\"{seq}\"\u{1}é"),
            data: data.into(),
            prev_hash: "0".repeat(64),
            hash: format!("{seq:064x}"),
        }
    }

    #[test]
    fn a_page_written_from_the_rows_is_byte_for_byte_what_serde_writes() {
        let rows = vec![
            row(
                1,
                None,
                None,
                r#"{"a":[1,2.5,null],"b":"x\"y\\z\n","c":{}}"#,
            ),
            row(
                2,
                Some("cli-1"),
                Some("BRA"),
                r#"{"body":"Résumé — 一般 \u0007"}"#,
            ),
            row(3, Some("cli\t2"), None, "{}"),
        ];
        for cursor in [None, Some("3")] {
            let written = page_json(&rows, cursor).unwrap();
            let page = EventPage {
                items: rows
                    .iter()
                    .cloned()
                    .map(EventView::try_from)
                    .collect::<Result<_, _>>()
                    .unwrap(),
                next_cursor: cursor.map(str::to_string),
            };
            assert_eq!(
                String::from_utf8(written).unwrap(),
                serde_json::to_string(&page).unwrap()
            );
        }
        assert_eq!(
            page_json(&[], None).unwrap(),
            br#"{"items":[],"next_cursor":null}"#
        );
    }
}
