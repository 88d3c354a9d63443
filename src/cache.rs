//! In-memory caches of what never changes once written, so hot reads skip the database:
//! rendered revisions (immutable), the clause index of a revision (immutable), and verified
//! access tokens (a signature checked once; expiry and revocation are still checked per request).

use std::sync::Arc;

use actix_web::web::Bytes;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::auth::token::Claims;

/// A revision rendered as JSON, with its content hash (the ETag).
#[derive(Debug)]
pub struct CachedRevision {
    pub content_hash: String,
    pub json: Bytes,
}

#[derive(Clone)]
struct ByLength;

impl Weighter<(String, i32), Arc<CachedRevision>> for ByLength {
    fn weight(&self, key: &(String, i32), value: &Arc<CachedRevision>) -> u64 {
        (value.json.len() + value.content_hash.len() + key.0.len() + 64) as u64
    }
}

pub type ClauseIndex = Arc<Vec<(String, i32, String)>>;

pub struct Caches {
    revisions: Cache<(String, i32), Arc<CachedRevision>, ByLength>,
    clause_index: Cache<(String, i32), ClauseIndex>,
    tokens: Cache<String, Arc<Claims>>,
}

impl Caches {
    /// `revision_bytes` bounds the rendered revisions kept.
    pub fn new(revision_bytes: u64) -> Self {
        Self {
            revisions: Cache::with_weighter(
                (revision_bytes / 8_192).max(16) as usize,
                revision_bytes.max(1),
                ByLength,
            ),
            clause_index: Cache::new(4_096),
            tokens: Cache::new(10_000),
        }
    }

    pub fn revision(&self, reference: &str, number: i32) -> Option<Arc<CachedRevision>> {
        self.revisions.get(&(reference.to_string(), number))
    }

    pub fn put_revision(&self, reference: &str, number: i32, value: Arc<CachedRevision>) {
        self.revisions
            .insert((reference.to_string(), number), value);
    }

    pub fn clause_index(&self, reference: &str, revision: i32) -> Option<ClauseIndex> {
        self.clause_index.get(&(reference.to_string(), revision))
    }

    pub fn put_clause_index(&self, reference: &str, revision: i32, index: ClauseIndex) {
        self.clause_index
            .insert((reference.to_string(), revision), index);
    }

    pub fn token(&self, token: &str) -> Option<Arc<Claims>> {
        self.tokens.get(token)
    }

    pub fn put_token(&self, token: &str, claims: Arc<Claims>) {
        self.tokens.insert(token.to_string(), claims);
    }
}
