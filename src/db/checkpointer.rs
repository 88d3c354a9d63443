//! SQLite's WAL checkpoints, mostly off the writer thread.
//!
//! By default SQLite checkpoints inside the commit that takes the WAL past 1,000 pages: the
//! writer thread then copies pages back into the database file and syncs it while every queued
//! write waits (a tenth of the writer's time under a stream of comments, measured with perf).
//! Here a thread runs a PASSIVE checkpoint every `INTERVAL` on a connection of its own; PASSIVE
//! never waits for readers or the writer, and what it cannot copy yet a later round copies.
//!
//! The writer keeps an automatic checkpoint, but only every 4,000 pages (`wal_autocheckpoint` in
//! `Manager::open`), and by then this thread has copied nearly everything, so it is cheap. It
//! is still needed: SQLite starts the WAL file over only when a write begins after a checkpoint
//! that copied every frame, and a checkpoint racing a busy writer never does, so without it the
//! WAL grew without bound under a steady stream of writes (1.3 GB after seeding scale 0.2, and
//! 0.8 s to open that database). A crash leaves a WAL that the next open replays, as before.

use std::sync::{Arc, Weak};
use std::time::Duration;

use diesel::connection::SimpleConnection;

use super::Manager;

const INTERVAL: Duration = Duration::from_millis(100);

/// Held by the `Db`; the thread ends once no `Db` holds it.
pub struct Running;

/// Opens the checkpoint connection and starts the thread.
pub fn start(manager: Manager) -> Result<Arc<Running>, String> {
    let mut conn = manager
        .open()
        .map_err(|e| format!("cannot open the checkpoint connection: {e}"))?;
    let running = Arc::new(Running);
    let alive: Weak<Running> = Arc::downgrade(&running);
    std::thread::Builder::new()
        .name("accord-checkpoint".into())
        .spawn(move || {
            while alive.strong_count() > 0 {
                std::thread::sleep(INTERVAL);
                if let Err(e) = conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE);") {
                    tracing::warn!(error = %e, "WAL checkpoint failed; retrying");
                }
            }
        })
        .map_err(|e| format!("cannot start the checkpoint thread: {e}"))?;
    Ok(running)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseTarget;
    use crate::db::DbConn;

    /// A writer connection (as the pool opens it) on a new SQLite file, and what opens more.
    fn writer_on_new_file() -> (tempfile::TempDir, std::path::PathBuf, Manager, DbConn) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let manager = Manager::new(DatabaseTarget::Sqlite(path.clone()), false);
        let writer = manager.open().unwrap();
        (dir, path, manager, writer)
    }

    #[test]
    fn the_thread_copies_the_wal_into_the_database_file() {
        let (_dir, path, manager, mut writer) = writer_on_new_file();
        writer
            .batch_execute(
                "CREATE TABLE t (x TEXT NOT NULL);
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
                 INSERT INTO t SELECT printf('%0200d', i) FROM n;",
            )
            .unwrap();
        let file_len = || std::fs::metadata(&path).unwrap().len();
        let before = file_len();
        std::thread::sleep(INTERVAL * 3);
        assert_eq!(
            file_len(),
            before,
            "the writer connection does not checkpoint 1 MB by itself"
        );

        let running = start(manager).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while file_len() < 1_000_000 && std::time::Instant::now() < deadline {
            std::thread::sleep(INTERVAL);
        }
        assert!(
            file_len() >= 1_000_000,
            "5,000 rows of 200 bytes reached the database file ({} bytes)",
            file_len()
        );
        drop(running);
    }

    #[test]
    fn the_wal_stays_bounded_under_a_stream_of_writes() {
        let (dir, _path, manager, mut writer) = writer_on_new_file();
        let _running = start(manager).unwrap();
        writer
            .batch_execute("CREATE TABLE t (x BLOB NOT NULL);")
            .unwrap();
        // 12,000 commits of 4 kB each: some 100 MB of WAL frames if the WAL never started over.
        let mut largest = 0;
        for _ in 0..12_000 {
            writer
                .batch_execute("INSERT INTO t VALUES (randomblob(4000));")
                .unwrap();
            largest = largest.max(
                std::fs::metadata(dir.path().join("t.db-wal"))
                    .unwrap()
                    .len(),
            );
        }
        assert!(
            largest < 40_000_000,
            "the WAL reached {largest} bytes; 4,000 pages are 16 MB"
        );
    }
}
