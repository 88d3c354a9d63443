//! The database: one connection type over SQLite and PostgreSQL, two pools, and the two ways a
//! handler reaches them (`Db::read`, `Db::write`), both off the actix worker thread.
//!
//! Every write goes to one writer thread per process (`writer`), which batches them into
//! transactions (group commit). On SQLite its transactions take the write lock up front
//! (`BEGIN IMMEDIATE`) on a pool of exactly one connection, so other processes queue instead of
//! failing with "database is locked"; reads use a separate pool whose connections are
//! `query_only`. On PostgreSQL both pools are the same pool, and appends from several processes
//! are serialised by the chain-head row lock (see `models::event`).

pub mod change_watch;
pub mod checkpointer;
pub mod deferred;
pub mod memo;
pub mod migrations;
pub mod models;
pub mod schema;
pub mod time;
pub mod writer;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::{PgConnection, SqliteConnection};

use crate::config::DatabaseTarget;
use crate::error::{ApiError, ApiResult};

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

impl DbConn {
    pub fn is_sqlite(&self) -> bool {
        matches!(self, Self::Sqlite(_))
    }
}

/// Opens connections for one known backend (never guessing from the URL at connect time).
#[derive(Debug, Clone)]
pub struct Manager {
    target: DatabaseTarget,
    read_only: bool,
    /// When a connection of this pool was last found lost (see `PROVEN_FOR`).
    lost_at: Arc<Mutex<Option<Instant>>>,
}

impl Manager {
    pub fn new(target: DatabaseTarget, read_only: bool) -> Self {
        Self {
            target,
            read_only,
            lost_at: Arc::default(),
        }
    }

    fn lost_at(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.lost_at.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new connection, set up for its backend and role (a pool's connections, and the SQLite
    /// helpers' own).
    pub fn open(&self) -> Result<DbConn, diesel::r2d2::Error> {
        match &self.target {
            DatabaseTarget::Postgres(url) => PgConnection::establish(url)
                .map(DbConn::Postgres)
                .map_err(diesel::r2d2::Error::ConnectionError),
            DatabaseTarget::Sqlite(path) => {
                let path = path.to_string_lossy();
                let mut conn = SqliteConnection::establish(&path)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // One statement each, in this order: the busy timeout must be in place before
                // switching the journal mode, which itself needs a lock.
                let mut pragmas = vec![
                    "PRAGMA busy_timeout = 10000;",
                    "PRAGMA journal_mode = WAL;",
                    "PRAGMA synchronous = NORMAL;",
                    "PRAGMA foreign_keys = ON;",
                    "PRAGMA temp_store = MEMORY;",
                ];
                // Page cache per connection (KiB): the writer gets more; readers share the OS cache.
                // Each is the server's own memory (peak RSS): 1 MB per reader and 4 MB for the
                // writer took 7–10 MB off the peak against 2 MB and 8 MB (history.md, step 8);
                // 500 kB per reader took 3 MB more off W1 at the same rate (step 10).
                if self.read_only {
                    pragmas.push("PRAGMA cache_size = -500;");
                    pragmas.push("PRAGMA query_only = ON;");
                } else {
                    pragmas.push("PRAGMA cache_size = -4000;");
                    // The checkpointer thread copies the WAL back into the database (see
                    // `checkpointer`); the writer's own checkpoint comes only every 4,000 pages
                    // and finds that work done.
                    pragmas.push("PRAGMA wal_autocheckpoint = 4000;");
                }
                for pragma in pragmas {
                    conn.batch_execute(pragma)
                        .map_err(diesel::r2d2::Error::QueryError)?;
                }
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// How long a pooled PostgreSQL connection counts as working after it last came back to the pool
/// unbroken: taken again within that time it is used as it is; after it, it is tested first.
///
/// Testing every check-out (`SELECT 1`) cost a round trip per request, and one per batch on the
/// writer, whose thread every write waits for: W4 on PostgreSQL gained about a quarter without it
/// (history.md, step 26). Under load a connection is back within milliseconds, so it is never
/// tested; a connection that idled (the server may have restarted meanwhile) always is.
///
/// One lost within that time is found broken by its first statement. Then every connection of
/// the pool that was proven before that moment is tested at its next check-out (they were most
/// likely lost together, say in a restart), a read is run again once (`Db::read`), and the
/// writer begins its batch again (`writer`), so no request fails for it.
pub const PROVEN_FOR: Duration = Duration::from_secs(1);

/// A pooled connection, and when it was last seen working.
pub struct PoolConn {
    conn: DbConn,
    proven_at: Instant,
}

impl std::ops::Deref for PoolConn {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl std::ops::DerefMut for PoolConn {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

/// Whether the pool must not hand the connection out again: a statement found it unusable (on
/// PostgreSQL: lost, and diesel then marks its transaction state broken), or it is still inside a
/// transaction.
pub fn is_broken(conn: &mut DbConn) -> bool {
    match conn {
        DbConn::Postgres(c) => AnsiTransactionManager::is_broken_transaction_manager(c),
        DbConn::Sqlite(c) => AnsiTransactionManager::is_broken_transaction_manager(c),
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = PoolConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<PoolConn, Self::Error> {
        Ok(PoolConn {
            conn: self.open()?,
            proven_at: Instant::now(),
        })
    }

    /// Called at check-out on PostgreSQL only (a SQLite file cannot drop a connection).
    fn is_valid(&self, conn: &mut PoolConn) -> Result<(), Self::Error> {
        let lost_since = self.lost_at().is_some_and(|at| at >= conn.proven_at);
        if !lost_since && conn.proven_at.elapsed() < PROVEN_FOR {
            return Ok(());
        }
        conn.conn
            .batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)?;
        conn.proven_at = Instant::now();
        Ok(())
    }

    /// Called as a connection comes back: a broken one is closed (and makes the others suspect),
    /// any other is proven anew.
    fn has_broken(&self, conn: &mut PoolConn) -> bool {
        let broken = is_broken(&mut conn.conn);
        if broken {
            *self.lost_at() = Some(Instant::now());
        } else {
            conn.proven_at = Instant::now();
        }
        broken
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Both pools, cheap to clone.
#[derive(Clone)]
pub struct Db {
    pub read_pool: Pool,
    pub write_pool: Pool,
    writer: writer::Writer,
    backend: &'static str,
    /// SQLite only: its thread stops when the last clone of this `Db` is dropped.
    _checkpointer: Option<Arc<checkpointer::Running>>,
    /// SQLite only (see `change_watch`).
    changes: Option<Arc<change_watch::ChangeWatch>>,
}

impl Db {
    /// Opens the pools (creating the SQLite folder when needed) and runs pending migrations.
    /// `min_idle` connections per pool are kept open, replaced in the background when taken.
    pub fn connect(
        target: &DatabaseTarget,
        pool_size: u32,
        min_idle: u32,
        timeout: Duration,
    ) -> Result<Self, String> {
        if let DatabaseTarget::Sqlite(path) = target {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))?;
            }
        }
        let build = |read_only: bool, size: u32| {
            r2d2::Pool::builder()
                .max_size(size)
                .min_idle(Some(min_idle))
                // A SQLite file cannot drop a connection; a PostgreSQL connection can, and one
                // that idled is tested at check-out (`PROVEN_FOR`).
                .test_on_check_out(matches!(target, DatabaseTarget::Postgres(_)))
                .connection_timeout(timeout)
                .build(Manager::new(target.clone(), read_only))
                .map_err(|e| {
                    format!(
                        "cannot connect to the {} database: {e}",
                        target.backend_name()
                    )
                })
        };
        let (read_pool, write_pool) = match target {
            DatabaseTarget::Sqlite(_) => {
                // The writer exists first so that the WAL switch happens before readers open.
                let write_pool = build(false, 1)?;
                migrations::run(&mut *write_pool.get().map_err(|e| e.to_string())?)?;
                (build(true, pool_size)?, write_pool)
            }
            DatabaseTarget::Postgres(_) => {
                let pool = build(false, pool_size)?;
                migrations::run(&mut *pool.get().map_err(|e| e.to_string())?)?;
                (pool.clone(), pool)
            }
        };
        let writer = writer::Writer::start(write_pool.clone())?;
        let checkpointer = match target {
            DatabaseTarget::Sqlite(_) => {
                Some(checkpointer::start(Manager::new(target.clone(), false))?)
            }
            DatabaseTarget::Postgres(_) => None,
        };
        let changes = match target {
            DatabaseTarget::Sqlite(_) => Some(Arc::new(change_watch::ChangeWatch::open(
                &Manager::new(target.clone(), true),
            )?)),
            DatabaseTarget::Postgres(_) => None,
        };
        Ok(Self {
            changes,
            read_pool,
            write_pool,
            writer,
            _checkpointer: checkpointer,
            backend: target.backend_name(),
        })
    }

    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// A number that stays the same only while nothing has been committed to the database, or
    /// `None` when there is no such number. On SQLite it covers every writer of the file (see
    /// `change_watch`). On PostgreSQL it is always `None`: other instances write to the same
    /// database, and asking the server would cost a round trip, about what a small page costs.
    pub fn data_version(&self) -> Option<i64> {
        self.changes.as_ref().and_then(|c| c.version())
    }

    /// Runs `f` with a read connection on the blocking thread pool. If `f` fails because the
    /// connection turned out to be lost (PostgreSQL restarted, or closed it, within `PROVEN_FOR`
    /// of its last use), it runs once more on another connection: it only reads, so running it
    /// again is safe.
    pub async fn read<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: Fn(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.read_pool.clone();
        blocking(move || {
            let mut conn = pool.get()?;
            match f(&mut conn) {
                Err(e) if is_broken(&mut conn) => {
                    tracing::info!(error = %e, "a read found its connection lost; reading again");
                    // Returned broken, it is closed; the next one is tested if it idled.
                    drop(conn);
                    let mut again = pool.get()?;
                    f(&mut again)
                }
                result => result,
            }
        })
        .await
    }

    /// Runs `f` as one atomic write on the writer thread: the change, its event and anything
    /// else `f` does are committed together or not at all, and the result comes back once they
    /// are committed (see `writer`).
    pub async fn write<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.writer.write(f, false).await
    }

    /// `write` for a job that only reads, and stores comments, decisions and their events through
    /// the writer's batch (`CommentRow::insert`, `RatificationRow::insert_current`,
    /// `Event::append`), never by a statement of its own: it runs without a savepoint, and the
    /// lookups it makes through `memo` are shared with the other additive jobs of its batch.
    pub async fn write_additive<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.writer.write(f, true).await
    }
}

/// `web::block` that keeps the caller's tracing span.
pub async fn blocking<T, F>(f: F) -> ApiResult<T>
where
    F: FnOnce() -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    let span = tracing::Span::current();
    actix_web::web::block(move || span.in_scope(f)).await?
}

/// One write transaction. On SQLite it begins with `BEGIN IMMEDIATE`, taking the write lock
/// before the first read so that a read-then-write never fails half-way on a busy database.
pub fn write_transaction<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    begin_write(conn)?;
    finish_write(conn, f)
}

/// The beginning of `write_transaction`, for a caller that must know whether it began.
pub fn begin_write(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        DbConn::Postgres(c) => AnsiTransactionManager::begin_transaction(c),
    }
}

/// The rest of `write_transaction` after `begin_write`: runs `f`, then commits, or rolls back.
pub fn finish_write<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match f(conn) {
        Ok(value) => match <DbConn as TransactionManager<DbConn>>::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => {
                let _ = <DbConn as TransactionManager<DbConn>>::rollback_transaction(conn);
                Err(e.into())
            }
        },
        Err(e) => {
            <DbConn as TransactionManager<DbConn>>::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// Maps "no row" to a 404 naming the resource.
pub trait OptionalExt<T> {
    fn or_not_found(self, what: impl FnOnce() -> String) -> ApiResult<T>;
}

impl<T> OptionalExt<T> for QueryResult<T> {
    fn or_not_found(self, what: impl FnOnce() -> String) -> ApiResult<T> {
        match self {
            Ok(v) => Ok(v),
            Err(diesel::result::Error::NotFound) => Err(ApiError::NotFound(what())),
            Err(e) => Err(e.into()),
        }
    }
}

/// Runs `$body` with the backend's own connection bound to `$c` (the same code, compiled once per
/// backend).
///
/// Through `MultiConnection` every statement is rendered to SQL on every call (its wrapper builds
/// the string even to answer whether the statement may be cached) and its binds are copied
/// across; on the backend's own connection a statement with a static query id is found in the
/// prepared-statement cache by its type, without building any SQL. Used for the statements on
/// hot paths: the writer's lookups and inserts, and the pages the lists read.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Postgres($c) => $body,
            $crate::db::DbConn::Sqlite($c) => $body,
        }
    };
}

/// A multi-row INSERT (seeding, a revision's clauses, a ballot's electorate). `MultiConnection`
/// cannot express batch inserts, so the statement is built for the backend at hand; both dialects
/// take the same rows.
#[macro_export]
macro_rules! insert_batch {
    ($conn:expr, $table:expr, $rows:expr) => {{
        use diesel::RunQueryDsl as _;
        $crate::on_backend!($conn, |c| diesel::insert_into($table)
            .values($rows)
            .execute(c))
    }};
}

/// A writer batch's new rows of one table, stored in its transaction. On PostgreSQL one
/// multi-row INSERT per 1,000 rows, to save the round trips. On SQLite, which has no round trip
/// to save, one prepared single-row INSERT per row: a multi-row INSERT's SQL depends on how many
/// rows it has, so diesel cannot keep it prepared, and SQLite parsed it anew for every batch (9 %
/// of the writer's time under W4; `benches/history.md`, step 30).
#[macro_export]
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {{
        use diesel::RunQueryDsl as _;
        let rows = $rows;
        let mut stored = 0usize;
        match $conn {
            $crate::db::DbConn::Postgres(c) => {
                // PostgreSQL allows 65,535 bound values: 23 columns x 1,000 rows fits.
                for chunk in rows.chunks(1_000) {
                    stored += diesel::insert_into($table).values(chunk).execute(c)?;
                }
            }
            $crate::db::DbConn::Sqlite(c) => {
                for row in rows.iter() {
                    stored += diesel::insert_into($table).values(row).execute(c)?;
                }
            }
        }
        Ok::<usize, diesel::result::Error>(stored)
    }};
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;

    #[test]
    fn the_bundled_sqlite_is_compiled_with_the_options_of_cargo_config() {
        let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
        let found: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "(SELECT count(*) FROM pragma_compile_options \
              WHERE compile_options IN ('ENABLE_QPSG', 'DEFAULT_MEMSTATUS=0', 'THREADSAFE=2'))",
        ))
        .get_result(&mut conn)
        .unwrap();
        assert_eq!(
            found, 3,
            "LIBSQLITE3_FLAGS of .cargo/config.toml did not reach SQLite"
        );
    }
}
