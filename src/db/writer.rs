//! The writer: one thread per process that runs every write, several to a transaction.
//!
//! Requests hand their write (a closure) to the writer and wait for its result. The writer takes
//! what is queued (up to `MAX_BATCH`), runs the writes one after another in one transaction,
//! commits once, and only then answers each request. If the commit itself fails, every write of
//! the batch gets the error and nothing was changed. This is group commit: under load one fsync
//! (PostgreSQL) or one WAL append (SQLite) serves many writes, and writers never contend for the
//! connection or the database lock.
//!
//! Additive jobs (comments, decisions) only read: what they store (events, comments, decisions)
//! is kept by the batch (`event::batch`, `comment::batch`, `ballot::batch`) and stored together
//! (`insert_rows!`) at the batch's end, and before any job that is not additive. So
//! they run without a savepoint, and one that fails is undone by forgetting what it kept. They
//! share the lookups they make through `memo`; every other job, a failed additive one, and the
//! end of the batch make it forget them. Every other job runs in a savepoint of its own, and one
//! that fails rolls back to it alone.

use std::panic::{AssertUnwindSafe, catch_unwind};

use diesel::connection::SimpleConnection;
use tokio::sync::{mpsc, oneshot};

use super::models::event;
use super::{DbConn, Pool, PooledConn, begin_write, finish_write, is_broken, memo};
use crate::error::{ApiError, ApiResult};

/// Writes per transaction at most.
const MAX_BATCH: usize = 128;

/// What a write hands back once it ran: a delivery of its result, given whether the batch
/// committed (`None`) or why not.
type Delivery = Box<dyn FnOnce(Option<String>) + Send>;

/// A write, and whether it is additive (see [`Writer::write`]).
struct Job {
    additive: bool,
    run: Box<dyn FnOnce(&mut DbConn) -> Ran + Send>,
}

/// A job that has run: its delivery, and whether it failed outside a savepoint.
struct Ran {
    delivery: Delivery,
    unguarded_failure: bool,
}

#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer thread on `pool`.
    pub fn start(pool: Pool) -> Result<Self, String> {
        let (jobs, rx) = mpsc::channel::<Job>(4_096);
        std::thread::Builder::new()
            .name("accord-writer".into())
            .spawn(move || run(pool, rx))
            .map_err(|e| format!("cannot start the writer thread: {e}"))?;
        Ok(Self { jobs })
    }

    /// Runs `f` in the next batch and returns its result once the batch is committed. An
    /// `additive` job must issue no statement that changes anything (it defers its rows to the
    /// batch); it runs without a savepoint and shares its `memo` lookups with the batch's other
    /// additive jobs. Any other job runs in a savepoint and makes the batch forget them.
    pub async fn write<T, F>(&self, f: F, additive: bool) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<ApiResult<T>>();
        let span = tracing::Span::current();
        let run = Box::new(move |conn: &mut DbConn| -> Ran {
            let mark = deferred::mark();
            let result = span.in_scope(|| {
                if additive {
                    // No savepoint: an additive job's writes are all deferred (below), so a job
                    // that fails has nothing of its own to undo in the database.
                    memo::additive(|| f(conn))
                } else {
                    in_savepoint(conn, f)
                }
            });
            let failed = result.is_err();
            // A job that may have changed anything makes the batch forget; so does one that
            // failed: a rolled-back savepoint takes its reads (and, on PostgreSQL, the row locks
            // it took) with it, which the next job must not take as given.
            if !additive || failed {
                memo::forget();
            }
            if failed {
                // Its deferred events, comments and decisions are forgotten with it.
                deferred::restore(mark);
            }
            let delivery: Delivery = Box::new(move |commit_failure| {
                let outcome = match commit_failure {
                    None => result,
                    Some(cause) => Err(ApiError::Unavailable {
                        detail: format!("the write was not committed ({cause}); retry"),
                        retry_after: 1,
                    }),
                };
                let _ = tx.send(outcome);
            });
            Ran {
                delivery,
                unguarded_failure: additive && failed,
            }
        });
        self.jobs
            .send(Job { additive, run })
            .await
            .map_err(|_| ApiError::internal("the writer has stopped"))?;
        rx.await.map_err(|_| ApiError::Unavailable {
            detail: "the write could not be run (no database connection, or it failed); retry"
                .into(),
            retry_after: 1,
        })?
    }
}

/// The savepoint every job of a batch runs in.
const SAVEPOINT: &str = "SAVEPOINT accord_job";
const ROLLBACK_TO_SAVEPOINT: &str = "ROLLBACK TO SAVEPOINT accord_job";

/// Runs `f` in a savepoint of the batch's transaction. A failure rolls back to it, undoing that
/// job alone. A success does not release it: the next job's savepoint nests inside and the commit
/// ends them all, which is the same outcome for one statement less per write: on PostgreSQL a
/// round trip, where a decision or a comment takes only two or three in all. (A rollback to a
/// name undoes to its latest savepoint, so the nesting never reaches back to an earlier job.)
fn in_savepoint<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> ApiResult<T>) -> ApiResult<T> {
    conn.batch_execute(SAVEPOINT)?;
    let result = f(conn);
    if result.is_err() {
        conn.batch_execute(ROLLBACK_TO_SAVEPOINT)?;
    }
    result
}

/// After an additive job failed outside a savepoint: whether the batch's transaction can go on.
/// Its failure was almost always a check (a closed period, a wrong revision) that issued no
/// failing statement. But a statement that failed on PostgreSQL aborts the whole transaction,
/// and the jobs after it would fail for a reason not their own: then the batch is rolled back
/// and every job of it is answered 503, to be retried. A failed statement on SQLite leaves its
/// transaction as it was.
fn usable_after_failure(conn: &mut DbConn) -> diesel::QueryResult<()> {
    match conn {
        DbConn::Postgres(_) => conn.batch_execute("SELECT 1"),
        DbConn::Sqlite(_) => Ok(()),
    }
}

/// The rows a batch defers, all kinds together.
mod deferred {
    use diesel::QueryResult;

    use crate::db::DbConn;
    use crate::db::models::{ballot, comment, event};

    pub struct Mark {
        events: Option<event::batch::Mark>,
        comments: usize,
        decisions: usize,
    }

    pub fn begin() {
        event::batch::begin();
        comment::batch::ROWS.begin();
        ballot::batch::ROWS.begin();
    }

    pub fn end() {
        event::batch::end();
        comment::batch::ROWS.end();
        ballot::batch::ROWS.end();
    }

    pub fn mark() -> Mark {
        Mark {
            events: event::batch::mark(),
            comments: comment::batch::ROWS.mark(),
            decisions: ballot::batch::ROWS.mark(),
        }
    }

    pub fn restore(mark: Mark) {
        event::batch::restore(mark.events);
        comment::batch::ROWS.restore(mark.comments);
        ballot::batch::ROWS.restore(mark.decisions);
    }

    /// Stores the pending comments and decisions (not the events: the batch's last statement).
    pub fn flush_rows(conn: &mut DbConn) -> QueryResult<()> {
        comment::batch::flush(conn)?;
        ballot::batch::flush(conn)
    }
}

/// A connection with a batch's transaction begun. One that PostgreSQL dropped since its last use
/// fails at `BEGIN`, before any job ran; it is closed as broken, which has the pool test the
/// others (`PROVEN_FOR`), and the batch begins on another.
fn begun(pool: &Pool) -> Result<PooledConn, String> {
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    match begin_write(&mut conn) {
        Ok(()) => return Ok(conn),
        Err(e) if is_broken(&mut conn) => {
            tracing::info!(error = %e, "the writer's connection was lost; beginning on another");
        }
        Err(e) => return Err(e.to_string()),
    }
    drop(conn);
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    begin_write(&mut conn).map_err(|e| e.to_string())?;
    Ok(conn)
}

fn run(pool: Pool, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut conn = match begun(&pool) {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "the writer cannot begin a transaction");
                // The jobs are dropped unrun: their callers see the write as lost.
                continue;
            }
        };
        let mut deliveries: Vec<Delivery> = Vec::with_capacity(batch.len());
        deferred::begin();
        memo::forget();
        let committed = finish_write(&mut conn, |c| {
            for job in batch {
                if !job.additive {
                    // A job that is not additive may read or change the comments and decisions
                    // pending so far: they are stored first, outside its savepoint (its failure
                    // must not undo them). If they cannot be, the batch is rolled back and nobody
                    // is told it committed.
                    deferred::flush_rows(c)?;
                }
                match catch_unwind(AssertUnwindSafe(|| (job.run)(c))) {
                    Ok(ran) => {
                        deliveries.push(ran.delivery);
                        if ran.unguarded_failure {
                            usable_after_failure(c)?;
                        }
                    }
                    Err(_) => {
                        // A panic leaves the transaction in an unknown state: undo the batch.
                        tracing::error!("a write panicked; its batch is rolled back");
                        return Err(diesel::result::Error::RollbackTransaction);
                    }
                }
            }
            // The batch's new rows and events, stored together under the locks the batch holds.
            deferred::flush_rows(c)?;
            event::batch::flush(c)
        });
        deferred::end();
        memo::forget();
        let failure = committed.err().map(|e| {
            tracing::warn!(error = %e, "a write batch did not commit");
            e.to_string()
        });
        for delivery in deliveries {
            delivery(failure.clone());
        }
    }
}
