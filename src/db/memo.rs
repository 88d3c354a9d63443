//! Lookups the writer remembers for the rest of one batch.
//!
//! Under load a batch holds dozens of comments on the same few standards: each looked up its
//! standard, its open comment period, its clause and its member again, a fifth of the writer's
//! time on W4; decisions on one ballot each read the ballot and their member's standing in it
//! again (on PostgreSQL a round trip each, in the single writer). Inside a batch those rows can
//! only change by a write of the same batch (and a decision's own, deferred, is looked up in the
//! batch first), so:
//!
//! - lookups are remembered only while a job that declared itself *additive* runs (it writes only
//!   comments, decisions and their events, and changes none of the rows remembered here);
//! - every other job, which may change anything, forgets them all once it has run, and so does
//!   an additive job that fails (cautiously: it runs without a savepoint and issues no writes,
//!   so what it read still holds, but a failed statement may have aborted the transaction);
//! - the writer forgets them at the start and end of every batch, so nothing outlives its
//!   transaction (nor a failed commit).
//!
//! On SQLite the batch's `BEGIN IMMEDIATE` excludes every other writer of the file, so what is
//! remembered is exactly what a fresh read would return. On PostgreSQL another process may commit
//! a change meanwhile; a job of the batch then sees the row as it was when the batch first read
//! it, at most one batch (milliseconds) earlier, as if it had been committed that much sooner.
//!
//! Outside the writer (tests, seed-bench, the CLI) nothing is remembered: lookups go to the
//! database.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::db::models::ballot::{BallotRow, Voter};
use crate::db::models::comment_period::PeriodRow;
use crate::db::models::member::MemberRow;
use crate::db::models::standard::StandardRow;

#[derive(Default)]
pub struct Memo {
    active: bool,
    pub standards: HashMap<String, StandardRow>,
    pub open_periods: HashMap<String, Option<PeriodRow>>,
    /// Clauses by revision (see [`clause_group`]): clause id → (position, clause hash).
    pub clauses: HashMap<String, Group<(i32, String)>>,
    /// Members by code, in one group (see [`MEMBERS`]).
    pub members: HashMap<String, Group<MemberRow>>,
    /// Ballots by id (on PostgreSQL read `FOR UPDATE`: the lock is the batch transaction's from
    /// the first read on; a job that fails makes the batch forget, and the next one reads and
    /// locks it again).
    pub ballots: HashMap<String, BallotRow>,
    /// Members as each ballot sees them, by ballot id (see [`remember_group`]).
    pub voters: HashMap<String, Group<Voter>>,
    #[cfg(test)]
    test_groups: HashMap<String, Group<String>>,
    #[cfg(test)]
    test_rows: HashMap<String, MemberRow>,
}

/// The one group of [`Memo::members`]: the member registry, a few hundred rows at most.
pub const MEMBERS: &str = "";

/// The group of [`Memo::clauses`] that holds revision `revision` of standard `reference`.
pub fn clause_group(reference: &str, revision: i32) -> String {
    format!("{reference}\u{0}{revision}")
}

/// Rows of one group (the members as one ballot sees them, the clauses of one revision, the
/// member registry), remembered one at a time until the batch asks for a second row of the
/// group: then, on PostgreSQL, all of them, read by one statement.
pub struct Group<V> {
    complete: bool,
    rows: HashMap<String, V>,
}

impl Memo {
    fn clear(&mut self) {
        self.standards.clear();
        self.open_periods.clear();
        self.clauses.clear();
        self.members.clear();
        self.ballots.clear();
        self.voters.clear();
        #[cfg(test)]
        self.test_groups.clear();
        #[cfg(test)]
        self.test_rows.clear();
    }
}

thread_local! {
    static MEMO: RefCell<Memo> = RefCell::new(Memo::default());
}

/// The remembered value of `key` in the map `map` picks, or `load`'s result (remembered when
/// it is `Ok` and an additive job is running).
pub fn remember<K, V, E>(
    map: fn(&mut Memo) -> &mut HashMap<K, V>,
    key: K,
    load: impl FnOnce() -> Result<V, E>,
) -> Result<V, E>
where
    K: std::hash::Hash + Eq,
    V: Clone,
{
    let known = MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if !m.active {
            return None;
        }
        Some(map(&mut m).get(&key).cloned())
    });
    match known {
        None => load(),
        Some(Some(value)) => Ok(value),
        Some(None) => {
            let value = load()?;
            MEMO.with(|m| {
                let mut m = m.borrow_mut();
                if m.active {
                    map(&mut m).insert(key, value.clone());
                }
            });
            Ok(value)
        }
    }
}

/// The row `key` of group `group` in the map `map` picks, or `None` when the group has no such
/// row. `load(Some(key))` reads that row alone (none, or one `(key, row)`), `load(None)` the
/// whole group. The first lookup in a group reads its row alone; a second lookup of another
/// row in the same group reads the whole group when `whole` is set, and every later one reads
/// nothing. A batch with one decision on a ballot reads one member; one with sixty reads two
/// times instead of sixty. Without `whole` each row is read alone once, then remembered. Outside
/// an additive job every lookup reads its row alone.
pub fn remember_group<V, E>(
    map: fn(&mut Memo) -> &mut HashMap<String, Group<V>>,
    group: &str,
    key: &str,
    whole: bool,
    load: impl FnOnce(Option<&str>) -> Result<Vec<(String, V)>, E>,
) -> Result<Option<V>, E>
where
    V: Clone,
{
    enum Plan<V> {
        Known(Option<V>),
        One { remember: bool },
        All,
    }
    let plan = MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if !m.active {
            return Plan::One { remember: false };
        }
        match map(&mut m).get(group) {
            None => Plan::One { remember: true },
            Some(g) => match g.rows.get(key) {
                Some(row) => Plan::Known(Some(row.clone())),
                None if g.complete => Plan::Known(None),
                None if whole => Plan::All,
                None => Plan::One { remember: true },
            },
        }
    });
    let (rows, complete) = match plan {
        Plan::Known(row) => return Ok(row),
        Plan::One { remember: false } => {
            return Ok(load(Some(key))?
                .into_iter()
                .find_map(|(k, row)| (k == key).then_some(row)));
        }
        Plan::One { remember: true } => (load(Some(key))?, false),
        Plan::All => (load(None)?, true),
    };
    let found = rows
        .iter()
        .find_map(|(k, row)| (k == key).then(|| row.clone()));
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if m.active {
            let g = map(&mut m).entry(group.to_string()).or_insert(Group {
                complete: false,
                rows: HashMap::new(),
            });
            g.complete = complete;
            g.rows.extend(rows);
        }
    });
    Ok(found)
}

/// Runs `f`, an additive job, with lookups remembered.
pub(super) fn additive<T>(f: impl FnOnce() -> T) -> T {
    MEMO.with(|m| m.borrow_mut().active = true);
    let out = f();
    MEMO.with(|m| m.borrow_mut().active = false);
    out
}

/// Forgets everything remembered (after a job that may have changed anything, and at the start
/// and end of each batch).
pub(super) fn forget() {
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        m.active = false;
        m.clear();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(calls: &mut u32, key: &str) -> Result<MemberRow, String> {
        remember(
            |m| &mut m.test_rows,
            key.to_string(),
            || {
                *calls += 1;
                Ok(MemberRow {
                    code: key.to_string(),
                    name: format!("Member {key}"),
                    kind: "member".into(),
                    voting: true,
                    region: "Americas".into(),
                    status: "active".into(),
                    version: i64::from(*calls),
                    created_at: chrono::NaiveDateTime::default(),
                    updated_at: chrono::NaiveDateTime::default(),
                })
            },
        )
    }

    #[test]
    fn lookups_are_remembered_only_inside_additive_jobs_until_forgotten() {
        forget();
        let mut calls = 0;
        // Outside an additive job every lookup loads.
        lookup(&mut calls, "BRA").unwrap();
        lookup(&mut calls, "BRA").unwrap();
        assert_eq!(calls, 2);
        // Inside, the second lookup of the same key is remembered, another key loads.
        additive(|| {
            assert_eq!(lookup(&mut calls, "BRA").unwrap().version, 3);
            assert_eq!(lookup(&mut calls, "BRA").unwrap().version, 3);
            lookup(&mut calls, "KEN").unwrap();
        });
        assert_eq!(calls, 4);
        // A later additive job of the same batch still sees it ...
        additive(|| assert_eq!(lookup(&mut calls, "BRA").unwrap().version, 3));
        assert_eq!(calls, 4);
        // ... until a job that may change anything (or the batch's end) forgets it.
        forget();
        additive(|| assert_eq!(lookup(&mut calls, "BRA").unwrap().version, 5));
        assert_eq!(calls, 5);
        // A failed load is not remembered.
        additive(|| {
            let failed: Result<MemberRow, String> =
                remember(|m| &mut m.test_rows, "FRA".into(), || Err("down".into()));
            assert!(failed.is_err());
            lookup(&mut calls, "FRA").unwrap();
        });
        assert_eq!(calls, 6);
        forget();
    }

    #[test]
    fn a_group_is_read_row_by_row_once_then_whole_on_the_second_row() {
        forget();
        let mut reads: Vec<Option<String>> = Vec::new();
        let mut find = |group: &str, key: &str, whole: bool| -> Result<Option<String>, String> {
            remember_group(
                |m| &mut m.test_groups,
                group,
                key,
                whole,
                |only| {
                    reads.push(only.map(|k| format!("{group}/{k}")));
                    let all =
                        ["ARG", "BRA", "CAN"].map(|k| (k.to_string(), format!("{group}/{k}")));
                    Ok(all
                        .into_iter()
                        .filter(|(k, _)| only.is_none_or(|o| o == k))
                        .collect())
                },
            )
        };
        // Outside an additive job every lookup reads its row alone.
        assert_eq!(find("b1", "ARG", true).unwrap().as_deref(), Some("b1/ARG"));
        assert_eq!(find("b1", "ARG", true).unwrap().as_deref(), Some("b1/ARG"));
        additive(|| {
            // First row of a group: alone; the same row again: remembered.
            assert_eq!(find("b1", "BRA", true).unwrap().as_deref(), Some("b1/BRA"));
            assert_eq!(find("b1", "BRA", true).unwrap().as_deref(), Some("b1/BRA"));
            // A second row: the whole group; then nothing more is read for it, and a key
            // outside it is known to be absent.
            assert_eq!(find("b1", "CAN", true).unwrap().as_deref(), Some("b1/CAN"));
            assert_eq!(find("b1", "ARG", true).unwrap().as_deref(), Some("b1/ARG"));
            assert_eq!(find("b1", "ZAF", true).unwrap(), None);
            // Another group is its own; without `whole` each row is read alone, once.
            assert_eq!(find("b2", "ARG", false).unwrap().as_deref(), Some("b2/ARG"));
            assert_eq!(find("b2", "BRA", false).unwrap().as_deref(), Some("b2/BRA"));
            assert_eq!(find("b2", "ARG", false).unwrap().as_deref(), Some("b2/ARG"));
            assert_eq!(find("b2", "ZAF", false).unwrap(), None);
        });
        forget();
        additive(|| assert_eq!(find("b1", "ARG", true).unwrap().as_deref(), Some("b1/ARG")));
        forget();
        let expected: Vec<Option<String>> = vec![
            Some("b1/ARG".into()),
            Some("b1/ARG".into()),
            Some("b1/BRA".into()),
            None,
            Some("b2/ARG".into()),
            Some("b2/BRA".into()),
            Some("b2/ZAF".into()),
            Some("b1/ARG".into()),
        ];
        assert_eq!(reads, expected);
    }
}
