//! SQLite's own rate for W3's rows on this machine: the query Accord runs for
//! `GET /v1/events?after=S&limit=100` (S uniform), on the same file, through the same bundled
//! SQLite (same compile options; rusqlite links the one libsqlite3-sys), from plain threads.
//! Each row's nine columns are looked at in place, as borrowed bytes; nothing is copied, parsed
//! or written out. No service can serve W3 faster than this and still read its rows from SQLite.
//!
//! `benches/run.sh` runs it after the SQLite workloads. Not part of the service.
//!
//! Usage: `sqlite_ceiling FILE THREADS SECONDS`; prints one JSON object.

use std::time::{Duration, Instant};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

/// The rows of one W3 page, as `EventRow::list_rows` selects them.
const W3: &str = "SELECT seq, at, event_type, actor_client, actor_member, subject, data, \
                  prev_hash, hash FROM events WHERE seq > ?1 ORDER BY seq ASC LIMIT 100";

fn open(path: &str) -> Result<Connection, String> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("cannot open {path}: {e}"))?;
    // As Accord's read connections are set up.
    conn.execute_batch("PRAGMA busy_timeout = 10000; PRAGMA cache_size = -2000;")
        .map_err(|e| e.to_string())?;
    Ok(conn)
}

/// Runs W3's query with `?1 = after`; returns the rows and the bytes of their columns.
fn rows_after(stmt: &mut rusqlite::Statement<'_>, after: i64) -> rusqlite::Result<(u64, u64)> {
    let columns = stmt.column_count();
    let mut rows = stmt.query([after])?;
    let (mut n, mut bytes) = (0u64, 0u64);
    while let Some(row) = rows.next()? {
        n += 1;
        for i in 0..columns {
            bytes += match row.get_ref(i)? {
                ValueRef::Text(t) | ValueRef::Blob(t) => t.len() as u64,
                ValueRef::Integer(_) | ValueRef::Real(_) => 8,
                ValueRef::Null => 0,
            };
        }
    }
    Ok((n, bytes))
}

/// The largest event number in the file.
fn last_seq(path: &str) -> Result<i64, String> {
    open(path)?
        .query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get(0))
        .map_err(|e| e.to_string())
}

#[derive(Debug, PartialEq)]
struct Outcome {
    queries: u64,
    rows: u64,
    bytes: u64,
    seconds: f64,
}

/// `threads` threads, each with its own connection, run W3's query for `duration` with
/// `after` uniform in 0..=(last event − 100), as the W3 workload picks it.
fn run(path: &str, threads: usize, duration: Duration) -> Result<Outcome, String> {
    let top = (last_seq(path)? - 100).max(0);
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let path = path.to_string();
            std::thread::spawn(move || -> Result<(u64, u64, u64), String> {
                let conn = open(&path)?;
                let mut stmt = conn.prepare(W3).map_err(|e| e.to_string())?;
                let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ (t as u64 + 1);
                let (mut queries, mut rows, mut bytes) = (0, 0, 0);
                while start.elapsed() < duration {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let after = (x % (top as u64 + 1)) as i64;
                    let (r, b) = rows_after(&mut stmt, after).map_err(|e| e.to_string())?;
                    queries += 1;
                    rows += r;
                    bytes += b;
                }
                Ok((queries, rows, bytes))
            })
        })
        .collect();
    let mut total = Outcome {
        queries: 0,
        rows: 0,
        bytes: 0,
        seconds: 0.0,
    };
    for handle in handles {
        let (q, r, b) = handle.join().map_err(|_| "a thread panicked")??;
        total.queries += q;
        total.rows += r;
        total.bytes += b;
    }
    total.seconds = start.elapsed().as_secs_f64();
    Ok(total)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = || -> ! {
        eprintln!("usage: sqlite_ceiling FILE THREADS SECONDS");
        std::process::exit(2)
    };
    if args.len() != 4 {
        usage();
    }
    let threads: usize = args[2].parse().unwrap_or_else(|_| usage());
    let seconds: f64 = args[3].parse().unwrap_or_else(|_| usage());
    match run(&args[1], threads, Duration::from_secs_f64(seconds)) {
        Ok(o) => println!(
            "{{\"queries_per_sec\": {:.1}, \"rows_per_sec\": {:.1}, \"bytes_per_query\": {:.1}, \
             \"queries\": {}, \"threads\": {threads}, \"seconds\": {:.3}, \"sqlite\": \"{}\"}}",
            o.queries as f64 / o.seconds,
            o.rows as f64 / o.seconds,
            o.bytes as f64 / o.queries.max(1) as f64,
            o.queries,
            o.seconds,
            rusqlite::version(),
        ),
        Err(e) => {
            eprintln!("sqlite_ceiling: {e}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_reads_a_full_page_of_events_per_query_on_every_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.db");
        let path = path.to_str().unwrap();
        Connection::open(path)
            .unwrap()
            .execute_batch(
                "CREATE TABLE events (seq INTEGER PRIMARY KEY, at TEXT, event_type TEXT, \
                 actor_client TEXT, actor_member TEXT, subject TEXT, data TEXT, prev_hash TEXT, \
                 hash TEXT);
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
                 INSERT INTO events SELECT i, '2026-12-02T00:00:00Z', 'comment.created', 'c', \
                 NULL, 's', '{\"n\":' || i || '}', 'p', 'h' FROM n;",
            )
            .unwrap();
        let outcome = run(path, 2, Duration::from_millis(200)).unwrap();
        assert!(outcome.queries > 0);
        assert_eq!(outcome.rows, outcome.queries * 100, "every page is full");
        assert!(outcome.bytes > outcome.rows * 40, "{outcome:?}");
        let empty = run(
            dir.path().join("missing.db").to_str().unwrap(),
            1,
            Duration::ZERO,
        );
        assert!(empty.is_err(), "a missing file is an error, not a zero");
    }
}
