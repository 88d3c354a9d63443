//! Embedded migrations, one folder per backend with the same versions.

use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbConn;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Applies every pending migration. On PostgreSQL an advisory lock keeps two instances that start
/// at the same moment from migrating the same database twice.
pub fn run(conn: &mut DbConn) -> Result<(), String> {
    let fail = |e: Box<dyn std::error::Error + Send + Sync>| format!("migration failed: {e}");
    match conn {
        DbConn::Sqlite(c) => {
            c.run_pending_migrations(SQLITE).map_err(fail)?;
        }
        DbConn::Postgres(c) => {
            const KEY: i64 = 0x4143_434f_5244; // "ACCORD"
            c.batch_execute(&format!("SELECT pg_advisory_lock({KEY})"))
                .map_err(|e| format!("cannot lock for migration: {e}"))?;
            let result = c.run_pending_migrations(POSTGRES).map(|_| ()).map_err(fail);
            let _ = c.batch_execute(&format!("SELECT pg_advisory_unlock({KEY})"));
            result?;
        }
    }
    Ok(())
}

/// Undoes the most recent migration (its `down.sql`) and returns its version. Not used by the
/// service; the tests use it to prove each migration's way back keeps the data.
pub fn revert_last(conn: &mut DbConn) -> Result<String, String> {
    let fail = |e: Box<dyn std::error::Error + Send + Sync>| format!("revert failed: {e}");
    let version = match conn {
        DbConn::Sqlite(c) => c.revert_last_migration(SQLITE).map_err(fail)?,
        DbConn::Postgres(c) => c.revert_last_migration(POSTGRES).map_err(fail)?,
    };
    Ok(version.to_string())
}
