//! SQLite's WAL checkpoints, off the writer thread.
//!
//! By default SQLite checkpoints inside the commit that takes the WAL past 1,000 pages: the
//! writer thread then copies pages back into the database file and syncs it while every queued
//! write waits (a tenth of the writer's time under a stream of comments, measured with perf).
//! The writer connection turns that off (`wal_autocheckpoint = 0`) and this thread runs a PASSIVE
//! checkpoint every `INTERVAL` on a connection of its own instead. PASSIVE never waits for
//! readers or the writer; what it cannot copy yet, a later round copies. When the process stops,
//! SQLite checkpoints as the last connection closes, and a crash leaves a WAL that the next open
//! replays, so durability is as before.

use std::sync::{Arc, Weak};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use r2d2::ManageConnection;

use super::Manager;

const INTERVAL: Duration = Duration::from_millis(100);

/// Held by the `Db`; the thread ends once no `Db` holds it.
pub struct Running;

/// Opens the checkpoint connection and starts the thread.
pub fn start(manager: Manager) -> Result<Arc<Running>, String> {
    let mut conn = manager
        .connect()
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

    #[test]
    fn the_thread_copies_the_wal_into_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let manager = Manager {
            target: DatabaseTarget::Sqlite(path.clone()),
            read_only: false,
        };
        let mut writer = manager.connect().unwrap();
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
            "the writer connection does not checkpoint by itself"
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
}
