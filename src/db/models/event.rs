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
#[diesel(treat_none_as_default_value = false)]
pub struct EventRow {
    pub seq: i64,
    #[diesel(deserialize_as = crate::db::time::StoredTime)]
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
    /// form one chain. Inside a writer batch (see [`batch`]) the head is read and locked once per
    /// batch and the events are stored together when the batch ends.
    pub fn append(
        conn: &mut DbConn,
        actor: &Actor,
        at: Timestamp,
        event_type: &str,
        subject: &str,
        data: Value,
    ) -> ApiResult<Event> {
        let (head_seq, head_hash) = match batch::head() {
            Some(head) => head,
            None => {
                let head = Self::lock_head(conn)?;
                batch::set_head(&head);
                head
            }
        };
        // Canonicalised once: hashed inside the body, and stored as it is.
        let data_text = canonical_json(&data);
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
            let hash = body.hash_with_data(&data_text);
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
        let row = EventRow {
            seq: event.seq,
            at: event.at.naive(),
            event_type: event.event_type.clone(),
            actor_client: event.actor.client.clone(),
            actor_member: event.actor.member.clone(),
            subject: event.subject.clone(),
            data: data_text,
            prev_hash: event.prev_hash.clone(),
            hash: event.hash.clone(),
        };
        if let Some(row) = batch::defer(row) {
            // Not in a writer batch: store it now.
            let head = (row.seq, row.hash.clone());
            diesel::insert_into(events::table)
                .values(&row)
                .execute(conn)?;
            Self::store_head(conn, &head)?;
        }
        Ok(event)
    }

    /// Reads the chain head and locks it until the transaction ends: `FOR UPDATE` on PostgreSQL;
    /// on SQLite the write transaction (`BEGIN IMMEDIATE`) already holds the database lock.
    fn lock_head(conn: &mut DbConn) -> QueryResult<(i64, String)> {
        match conn {
            DbConn::Postgres(pg) => chain_head::table
                .find(1)
                .select((chain_head::seq, chain_head::hash))
                .for_update()
                .first(pg),
            DbConn::Sqlite(_) => Self::head(conn),
        }
    }

    fn store_head(conn: &mut DbConn, (seq, hash): &(i64, String)) -> QueryResult<()> {
        crate::on_backend!(conn, |c| diesel::update(chain_head::table.find(1))
            .set((chain_head::seq.eq(seq), chain_head::hash.eq(hash)))
            .execute(c))
        .map(|_| ())
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
        let rows = crate::on_backend!(conn, |c| {
            let page = events::table
                .select(EventRow::as_select())
                .filter(events::seq.gt(filter.after))
                .order(events::seq.asc())
                .limit(limit);
            match (&filter.event_type, &filter.subject) {
                // The feed unfiltered (what mirrors read): a statement of a fixed shape, prepared
                // once per connection.
                (None, None) => page.load::<EventRow>(c),
                (event_type, subject) => {
                    let mut query = page.into_boxed();
                    if let Some(t) = event_type {
                        query = query.filter(events::event_type.eq(t));
                    }
                    if let Some(s) = subject {
                        query = query.filter(events::subject.eq(s));
                    }
                    query.load::<EventRow>(c)
                }
            }
        })?;
        Ok(rows)
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

/// The chain during one batch of the writer thread.
///
/// The writer's transaction locks the chain head at the batch's first append and holds it to
/// the commit, so within the batch the head is known without asking the database again, and the
/// batch's events can be stored by one multi-row INSERT and one head update just before the
/// commit ([`batch::flush`]) instead of three statements per write. Nothing a write does reads
/// the events table or the chain head except through [`Event::append`], so deferring the rows
/// changes no write's outcome. When a write fails (and is rolled back to its savepoint, if it
/// had one) the writer forgets that write's events too ([`batch::mark`], [`batch::restore`]).
///
/// Outside a batch (the CLI, the seeders) nothing is deferred and every append stores its event at
/// once. The state is the writer thread's own (a thread-local), so no other thread sees it.
pub mod batch {
    use std::cell::RefCell;

    use diesel::QueryResult;

    use super::{Event, EventRow};
    use crate::db::DbConn;
    use crate::db::schema::events;

    #[derive(Default)]
    struct Chain {
        /// The head after the batch's appends so far; `None` until the first append read it.
        head: Option<(i64, String)>,
        /// Events appended in this batch, in chain order, not yet stored.
        pending: Vec<EventRow>,
    }

    thread_local! {
        static BATCH: RefCell<Option<Chain>> = const { RefCell::new(None) };
    }

    /// Where a batch stood before one write: restored if the write fails.
    pub struct Mark {
        head: Option<(i64, String)>,
        pending: usize,
    }

    /// Starts deferring appends on this thread.
    pub fn begin() {
        BATCH.with(|b| *b.borrow_mut() = Some(Chain::default()));
    }

    /// Stops deferring, dropping whatever was not flushed (the batch rolled back).
    pub fn end() {
        BATCH.with(|b| *b.borrow_mut() = None);
    }

    pub fn mark() -> Option<Mark> {
        BATCH.with(|b| {
            b.borrow().as_ref().map(|c| Mark {
                head: c.head.clone(),
                pending: c.pending.len(),
            })
        })
    }

    /// Forgets the appends made since `mark` (their write failed).
    pub fn restore(mark: Option<Mark>) {
        let Some(mark) = mark else { return };
        BATCH.with(|b| {
            if let Some(c) = b.borrow_mut().as_mut() {
                c.pending.truncate(mark.pending);
                c.head = mark.head;
            }
        });
    }

    /// The head as this batch knows it, if it has read it already.
    pub(super) fn head() -> Option<(i64, String)> {
        BATCH.with(|b| b.borrow().as_ref().and_then(|c| c.head.clone()))
    }

    /// Records the head read (and locked) by the batch's first append.
    pub(super) fn set_head(head: &(i64, String)) {
        BATCH.with(|b| {
            if let Some(c) = b.borrow_mut().as_mut() {
                c.head = Some(head.clone());
            }
        });
    }

    /// Keeps `row` for the batch's flush and moves the head to it; hands the row back when no
    /// batch is running (the caller stores it at once).
    pub(super) fn defer(row: EventRow) -> Option<EventRow> {
        BATCH.with(|b| match b.borrow_mut().as_mut() {
            Some(c) => {
                c.head = Some((row.seq, row.hash.clone()));
                c.pending.push(row);
                None
            }
            None => Some(row),
        })
    }

    /// Stores the batch's events and the new head, in the batch's transaction, before it commits.
    pub fn flush(conn: &mut DbConn) -> QueryResult<()> {
        let pending = BATCH.with(|b| {
            b.borrow_mut()
                .as_mut()
                .map(|c| std::mem::take(&mut c.pending))
                .unwrap_or_default()
        });
        let Some(last) = pending.last() else {
            return Ok(());
        };
        let head = (last.seq, last.hash.clone());
        crate::insert_rows!(&mut *conn, events::table, &pending)?;
        Event::store_head(conn, &head)
    }
}
