//! The event log: appending under the chain-head lock, reading pages, verifying the chain.

use diesel::prelude::*;
use serde_json::Value;

use crate::db::DbConn;
use crate::db::schema::{chain_head, events};
use crate::domain::canonical::canonical_json;
use crate::domain::event::{Actor, ChainBreak, ChainVerifier, EventBody};
use crate::domain::time::Timestamp;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub seq: i64,
    pub at: chrono::NaiveDateTime,
    pub event_type: String,
    pub actor_client: Option<String>,
    pub actor_member: Option<String>,
    pub subject: String,
    pub data: String,
    pub prev_hash: String,
    pub hash: String,
}

/// An event as read back: the row with its data parsed.
#[derive(Debug, Clone)]
pub struct Event {
    pub seq: i64,
    pub at: Timestamp,
    pub event_type: String,
    pub actor: Actor,
    pub subject: String,
    pub data: Value,
    pub prev_hash: String,
    pub hash: String,
}

impl Event {
    pub fn body(&self) -> EventBody<'_> {
        EventBody {
            seq: self.seq,
            at: self.at,
            event_type: &self.event_type,
            actor: &self.actor,
            subject: &self.subject,
            data: &self.data,
            prev_hash: &self.prev_hash,
        }
    }
}

impl TryFrom<EventRow> for Event {
    type Error = ApiError;

    fn try_from(row: EventRow) -> ApiResult<Self> {
        let data = serde_json::from_str(&row.data).map_err(|e| {
            ApiError::internal(format!("event {} has unreadable data: {e}", row.seq))
        })?;
        Ok(Event {
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

/// Filters of the public feed.
#[derive(Debug, Default, Clone)]
pub struct EventFilter {
    pub after: i64,
    pub event_type: Option<String>,
    pub subject: Option<String>,
}

impl Event {
    /// Appends one event to the chain. Must run inside the caller's write transaction: the
    /// chain head is locked (`FOR UPDATE` on PostgreSQL; SQLite's write transaction already holds
    /// the database lock) until that transaction ends, so appends from any number of processes
    /// form one chain.
    pub fn append(
        conn: &mut DbConn,
        actor: &Actor,
        at: Timestamp,
        event_type: &str,
        subject: &str,
        data: Value,
    ) -> ApiResult<Event> {
        let (head_seq, head_hash): (i64, String) = match conn {
            DbConn::Postgres(pg) => chain_head::table
                .find(1)
                .select((chain_head::seq, chain_head::hash))
                .for_update()
                .first(pg)?,
            DbConn::Sqlite(_) => chain_head::table
                .find(1)
                .select((chain_head::seq, chain_head::hash))
                .first(conn)?,
        };
        let event = {
            let seq = head_seq + 1;
            let body = EventBody {
                seq,
                at,
                event_type,
                actor,
                subject,
                data: &data,
                prev_hash: &head_hash,
            };
            let hash = body.hash();
            Event {
                seq,
                at,
                event_type: event_type.to_string(),
                actor: actor.clone(),
                subject: subject.to_string(),
                data,
                prev_hash: head_hash,
                hash,
            }
        };
        diesel::insert_into(events::table)
            .values((
                events::seq.eq(event.seq),
                events::at.eq(event.at.naive()),
                events::event_type.eq(&event.event_type),
                events::actor_client.eq(&event.actor.client),
                events::actor_member.eq(&event.actor.member),
                events::subject.eq(&event.subject),
                events::data.eq(canonical_json(&event.data)),
                events::prev_hash.eq(&event.prev_hash),
                events::hash.eq(&event.hash),
            ))
            .execute(conn)?;
        diesel::update(chain_head::table.find(1))
            .set((
                chain_head::seq.eq(event.seq),
                chain_head::hash.eq(&event.hash),
            ))
            .execute(conn)?;
        Ok(event)
    }

    pub fn list(conn: &mut DbConn, filter: &EventFilter, limit: i64) -> ApiResult<Vec<Event>> {
        Self::list_rows(conn, filter, limit)?
            .into_iter()
            .map(Event::try_from)
            .collect()
    }

    pub fn list_rows(
        conn: &mut DbConn,
        filter: &EventFilter,
        limit: i64,
    ) -> ApiResult<Vec<EventRow>> {
        let mut query = events::table
            .select(EventRow::as_select())
            .filter(events::seq.gt(filter.after))
            .order(events::seq.asc())
            .limit(limit)
            .into_boxed();
        if let Some(t) = &filter.event_type {
            query = query.filter(events::event_type.eq(t));
        }
        if let Some(s) = &filter.subject {
            query = query.filter(events::subject.eq(s));
        }
        Ok(query.load::<EventRow>(conn)?)
    }

    pub fn find(conn: &mut DbConn, seq: i64) -> QueryResult<EventRow> {
        events::table
            .find(seq)
            .select(EventRow::as_select())
            .first(conn)
    }

    pub fn head(conn: &mut DbConn) -> QueryResult<(i64, String)> {
        chain_head::table
            .find(1)
            .select((chain_head::seq, chain_head::hash))
            .first(conn)
    }

    /// Verifies the chain from the event after `after` for at most `limit` events (all when
    /// `None`), reading in batches. Returns the verifier's final state, or the first break.
    pub fn verify(
        conn: &mut DbConn,
        after: i64,
        limit: Option<i64>,
    ) -> ApiResult<Result<ChainVerifier, ChainBreak>> {
        let mut verifier = if after == 0 {
            ChainVerifier::genesis()
        } else {
            let prev = Event::find(conn, after)?;
            ChainVerifier::new(prev.seq, prev.hash)
        };
        let mut remaining = limit.unwrap_or(i64::MAX);
        const BATCH: i64 = 5_000;
        while remaining > 0 {
            let filter = EventFilter {
                after: verifier.last_seq(),
                ..Default::default()
            };
            let batch = Event::list_rows(conn, &filter, remaining.min(BATCH))?;
            if batch.is_empty() {
                break;
            }
            remaining -= batch.len() as i64;
            for row in batch {
                let (seq, stored) = (row.seq, row.hash.clone());
                let event = match Event::try_from(row) {
                    Ok(event) => event,
                    Err(_) => {
                        return Ok(Err(ChainBreak {
                            seq,
                            reason: "unreadable_data".into(),
                            expected: "a JSON object".into(),
                            found: "text that does not parse as JSON".into(),
                        }));
                    }
                };
                if let Err(bad) = verifier.check(&event.body(), &stored) {
                    return Ok(Err(bad));
                }
            }
        }
        Ok(Ok(verifier))
    }
}
