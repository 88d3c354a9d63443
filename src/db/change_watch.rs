//! SQLite only: a number that changes whenever the database may have changed, so that a page
//! rendered from it can be served again, unread, for as long as the number stays the same.
//!
//! It is `PRAGMA data_version` on one connection of its own, which never writes. SQLite changes
//! that value whenever any other connection commits: this process's writer, or another process
//! on the same file (a second server, a command-line tool). Reading it starts a read transaction,
//! which is when SQLite looks at the WAL index; that is a shared-memory read, no I/O.
//!
//! Why a page rendered under version `v` is right for as long as the version read is `v`: the
//! caller reads `v` before its query's read snapshot begins, so a commit that the page misses
//! came after `v` was read; the number only grows, and every reading after that commit is
//! greater than `v`.

use std::sync::Mutex;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::{DbConn, Manager};

#[derive(QueryableByName)]
struct DataVersion {
    #[diesel(sql_type = BigInt)]
    data_version: i64,
}

pub struct ChangeWatch {
    conn: Mutex<DbConn>,
}

impl ChangeWatch {
    /// Opens the watching connection (read-only, as the read pool's are).
    pub fn open(manager: &Manager) -> Result<Self, String> {
        let mut conn = manager
            .open()
            .map_err(|e| format!("cannot open the change-watch connection: {e}"))?;
        // It is read from the HTTP workers: never wait long for a lock; a busy answer only
        // means "unknown", and the caller reads the database as it would without a cache.
        conn.batch_execute("PRAGMA busy_timeout = 50;")
            .map_err(|e| format!("cannot set up the change-watch connection: {e}"))?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// The current version, or `None` when it cannot be read just now.
    pub fn version(&self) -> Option<i64> {
        let mut conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let DbConn::Sqlite(conn) = &mut *conn else {
            return None;
        };
        match diesel::sql_query("PRAGMA data_version").get_result::<DataVersion>(conn) {
            Ok(v) => Some(v.data_version),
            Err(e) => {
                tracing::debug!(error = %e, "data_version unreadable; reading without the cache");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseTarget;

    #[test]
    fn the_version_changes_with_every_commit_of_another_connection_and_only_then() {
        let dir = tempfile::tempdir().unwrap();
        let target = DatabaseTarget::Sqlite(dir.path().join("t.db"));
        let writer = Manager::new(target.clone(), false);
        let mut other = writer.open().unwrap();
        other.batch_execute("CREATE TABLE t (x INTEGER);").unwrap();
        let watch = ChangeWatch::open(&Manager::new(target, true)).unwrap();
        let first = watch.version().expect("a version");
        assert_eq!(watch.version(), Some(first), "nothing was committed");
        other.batch_execute("INSERT INTO t VALUES (1);").unwrap();
        let second = watch.version().expect("a version");
        assert_ne!(second, first, "a commit changes the version");
        assert_eq!(watch.version(), Some(second));
        // A transaction that is rolled back commits nothing.
        other
            .batch_execute("BEGIN; INSERT INTO t VALUES (2); ROLLBACK;")
            .unwrap();
        assert_eq!(watch.version(), Some(second));
        // Another process is another connection: a fresh one stands for it.
        let mut elsewhere = Manager::new(DatabaseTarget::Sqlite(dir.path().join("t.db")), false)
            .open()
            .unwrap();
        elsewhere.batch_execute("UPDATE t SET x = 3;").unwrap();
        assert_ne!(watch.version(), Some(second));
    }
}
