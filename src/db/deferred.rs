//! Rows a writer batch keeps to store together just before its commit (see `writer`).
//!
//! A [`Deferred`] names a thread-local list that is `Some` only while the writer thread runs a
//! batch: rows made then are kept there instead of being inserted one statement at a time, and
//! the batch stores them together (`insert_rows!`). Outside a batch (the CLI, the seeders, any
//! other thread) nothing is kept and the caller stores its row at once.

use std::cell::RefCell;
use std::thread::LocalKey;

/// The thread-local list a [`Deferred`] works on.
pub type Slot<T> = LocalKey<RefCell<Option<Vec<T>>>>;

/// One kind of deferred row: a handle on its thread-local list.
pub struct Deferred<T: 'static> {
    slot: &'static Slot<T>,
}

impl<T: 'static> Deferred<T> {
    pub const fn new(slot: &'static Slot<T>) -> Self {
        Self { slot }
    }

    /// Starts keeping rows on this thread.
    pub fn begin(&self) {
        self.slot.with(|s| *s.borrow_mut() = Some(Vec::new()));
    }

    /// Stops keeping rows, dropping whatever was not taken (the batch rolled back).
    pub fn end(&self) {
        self.slot.with(|s| *s.borrow_mut() = None);
    }

    /// How many rows are kept: what [`Deferred::restore`] goes back to.
    pub fn mark(&self) -> usize {
        self.slot.with(|s| s.borrow().as_ref().map_or(0, Vec::len))
    }

    /// Forgets the rows kept since `mark` (the job that made them failed).
    pub fn restore(&self, mark: usize) {
        self.slot.with(|s| {
            if let Some(rows) = s.borrow_mut().as_mut() {
                rows.truncate(mark);
            }
        });
    }

    /// Keeps `row`; hands it back when no batch is running (the caller stores it at once).
    pub fn defer(&self, row: T) -> Option<T> {
        self.slot.with(|s| match s.borrow_mut().as_mut() {
            Some(rows) => {
                rows.push(row);
                None
            }
            None => Some(row),
        })
    }

    /// What `f` finds in the latest kept row it answers `Some` for.
    pub fn find_last<R>(&self, f: impl Fn(&T) -> Option<R>) -> Option<R> {
        self.slot.with(|s| {
            s.borrow()
                .as_ref()
                .and_then(|rows| rows.iter().rev().find_map(f))
        })
    }

    /// The kept rows, in the order they were made; the batch goes on keeping.
    pub fn take(&self) -> Vec<T> {
        self.slot.with(|s| {
            s.borrow_mut()
                .as_mut()
                .map(std::mem::take)
                .unwrap_or_default()
        })
    }
}
