//! The writer: one thread per process that runs every write, several to a transaction.
//!
//! Requests hand their write (a closure) to the writer and wait for its result. The writer takes
//! what is queued (up to `MAX_BATCH`), runs each write in a savepoint of one transaction, commits
//! once, and only then answers each request. A write that fails rolls back to its savepoint alone;
//! if the commit itself fails, every write of the batch gets the error and nothing was changed.
//! This is group commit: under load one fsync (PostgreSQL) or one WAL append (SQLite) serves many
//! writes, and writers never contend for the connection or the database lock. Within a batch,
//! additive jobs (comments, decisions) share the lookups they make through `memo`; every other
//! job, a failed additive one, and the end of the batch make it forget them. The batch's events
//! and new comments are stored by one multi-row INSERT each at its end (`event::batch`,
//! `comment::batch`); new comments also before any job that is not additive.

use std::panic::{AssertUnwindSafe, catch_unwind};

use diesel::connection::SimpleConnection;
use tokio::sync::{mpsc, oneshot};

use super::models::{comment, event};
use super::{DbConn, Pool, memo, write_transaction};
use crate::error::{ApiError, ApiResult};

/// Writes per transaction at most.
const MAX_BATCH: usize = 128;

/// What a write hands back once it ran: a delivery of its result, given whether the batch
/// committed (`None`) or why not.
type Delivery = Box<dyn FnOnce(Option<String>) + Send>;

/// A write, and whether it is additive (see [`Writer::write`]).
struct Job {
    additive: bool,
    run: Box<dyn FnOnce(&mut DbConn) -> Delivery + Send>,
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
    /// `additive` job shares its `memo` lookups with the batch's other additive jobs; any other
    /// job makes the batch forget them once it has run.
    pub async fn write<T, F>(&self, f: F, additive: bool) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<ApiResult<T>>();
        let span = tracing::Span::current();
        let run = Box::new(move |conn: &mut DbConn| -> Delivery {
            // In a savepoint: a failing write undoes only itself, and the events and comments it
            // deferred are forgotten with it.
            let mark = (event::batch::mark(), comment::batch::mark());
            let result = span.in_scope(|| {
                if additive {
                    memo::additive(|| in_savepoint(conn, f))
                } else {
                    in_savepoint(conn, f)
                }
            });
            // A job that may have changed anything makes the batch forget; so does an additive
            // one that failed: rolled back to its savepoint, so are its reads (and, on
            // PostgreSQL, the row locks it took), which the next job must not take as given.
            if !additive || result.is_err() {
                memo::forget();
            }
            if result.is_err() {
                event::batch::restore(mark.0);
                comment::batch::restore(mark.1);
            }
            Box::new(move |commit_failure| {
                let outcome = match commit_failure {
                    None => result,
                    Some(cause) => Err(ApiError::Unavailable {
                        detail: format!("the write was not committed ({cause}); retry"),
                        retry_after: 1,
                    }),
                };
                let _ = tx.send(outcome);
            })
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

fn run(pool: Pool, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let mut conn = match pool.get() {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "the writer has no database connection");
                // The jobs are dropped unrun: their callers see the write as lost.
                continue;
            }
        };
        let mut deliveries: Vec<Delivery> = Vec::with_capacity(batch.len());
        event::batch::begin();
        comment::batch::begin();
        memo::forget();
        let committed = write_transaction(&mut conn, |c| {
            for job in batch {
                if !job.additive {
                    // A job that is not additive may read or change the comments pending so far:
                    // they are stored first, outside its savepoint (its failure must not undo
                    // them). If they cannot be, the batch is rolled back and nobody is told it
                    // committed.
                    comment::batch::flush(c)?;
                }
                match catch_unwind(AssertUnwindSafe(|| (job.run)(c))) {
                    Ok(delivery) => deliveries.push(delivery),
                    Err(_) => {
                        // A panic leaves the transaction in an unknown state: undo the batch.
                        tracing::error!("a write panicked; its batch is rolled back");
                        return Err(diesel::result::Error::RollbackTransaction);
                    }
                }
            }
            // The batch's new comments and events, stored together under the head lock the batch
            // holds.
            comment::batch::flush(c)?;
            event::batch::flush(c)
        });
        event::batch::end();
        comment::batch::end();
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
