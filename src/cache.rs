//! In-memory caches, so hot reads skip the database: rendered revisions (immutable), the clause
//! index of a revision (immutable), verified access tokens (a signature checked once; expiry and
//! revocation are still checked per request), and rendered pages of lists, each kept with the
//! database version it was read at and served only while the database is still at that version
//! (see `Db::data_version`).

use std::sync::Arc;

use actix_web::http::header::HeaderValue;
use actix_web::web::Bytes;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::auth::token::Claims;

/// A revision rendered as JSON, with the header values it is always sent with. The JSON is kept
/// LZ4-compressed: clause text compresses several times over and decompresses in microseconds,
/// so the same memory holds several times as many revisions (at scale 1 all 10,000 of seed-bench
/// fit in the default 32 MB; uncompressed, fewer than half did). It is compressed once, when
/// first rendered, at LZ4's high-compression level: that costs a fraction of a millisecond per
/// revision, once, and gives about a tenth fewer bytes to keep than LZ4's fast mode and fewer,
/// longer matches to decode on every hit, which made the decode of an 8 kB revision about a
/// third faster (`benches/history.md`, step 29).
#[derive(Debug)]
pub struct CachedRevision {
    /// The quoted content hash.
    pub etag: HeaderValue,
    /// Where the numbered revision lives (its `Content-Location`).
    pub location: HeaderValue,
    json_len: usize,
    compressed: Box<[u8]>,
}

/// LZ4's high-compression level used for cached revisions (LZ4HC_CLEVEL_DEFAULT).
const HC_LEVEL: i32 = 9;

impl CachedRevision {
    pub fn new(etag: HeaderValue, location: HeaderValue, json: &[u8]) -> Result<Self, String> {
        let compressed = lz4::block::compress(
            json,
            Some(lz4::block::CompressionMode::HIGHCOMPRESSION(HC_LEVEL)),
            false,
        )
        .map_err(|e| format!("cached revision: {e}"))?;
        Ok(Self {
            etag,
            location,
            json_len: json.len(),
            // `compress` returns a vector with room for the worst case: boxed at its exact
            // length, the cache holds what its weigher counts.
            compressed: compressed.into_boxed_slice(),
        })
    }

    /// The JSON as it was rendered.
    pub fn json(&self) -> Result<Bytes, String> {
        let mut json = vec![0; self.json_len];
        let len = i32::try_from(self.json_len).map_err(|e| format!("cached revision: {e}"))?;
        let written = lz4::block::decompress_to_buffer(&self.compressed, Some(len), &mut json)
            .map_err(|e| format!("cached revision: {e}"))?;
        if written != self.json_len {
            return Err(format!(
                "cached revision: {written} bytes decoded of {}",
                self.json_len
            ));
        }
        Ok(Bytes::from(json))
    }

    /// The bytes it takes in the cache.
    pub fn stored_len(&self) -> usize {
        self.compressed.len() + self.etag.len() + self.location.len()
    }
}

/// A revision's key in the cache, looked up without copying the reference into a `String`: it
/// hashes as `(String, i32)` does, and compares equal to the key it names.
#[derive(Hash)]
struct RevisionKey<'a>(&'a str, i32);

impl quick_cache::Equivalent<(String, i32)> for RevisionKey<'_> {
    fn equivalent(&self, key: &(String, i32)) -> bool {
        self.0 == key.0 && self.1 == key.1
    }
}

#[derive(Clone)]
struct ByLength;

impl Weighter<(String, i32), Arc<CachedRevision>> for ByLength {
    fn weight(&self, key: &(String, i32), value: &Arc<CachedRevision>) -> u64 {
        (value.stored_len() + key.0.len() + 96) as u64
    }
}

pub type ClauseIndex = Arc<Vec<(String, i32, String)>>;

/// One rendered page of a list: its JSON body and its `Link: rel="next"`, as first sent.
#[derive(Debug)]
pub struct CachedPage {
    /// The database version it was read at.
    pub version: i64,
    pub body: Bytes,
    pub link: Option<String>,
}

#[derive(Clone)]
struct PageWeight;

impl Weighter<String, Arc<CachedPage>> for PageWeight {
    fn weight(&self, key: &String, value: &Arc<CachedPage>) -> u64 {
        (key.len() + value.body.len() + value.link.as_ref().map_or(0, String::len) + 64) as u64
    }
}

/// The longest request target (path and query) whose page is kept.
pub const PAGE_KEY_MAX: usize = 512;

pub struct Caches {
    revisions: Cache<(String, i32), Arc<CachedRevision>, ByLength>,
    clause_index: Cache<(String, i32), ClauseIndex>,
    tokens: Cache<String, Arc<Claims>>,
    pages: Option<Cache<String, Arc<CachedPage>, PageWeight>>,
    /// The largest body a kept page may have: a 64th of the page cache.
    page_max: usize,
}

/// A page whose body is over this share of the page cache is sent but not kept: bulk pages
/// (500 items, a quarter of a megabyte) are seldom asked for twice, and a few of them would
/// push out every small page and hold the memory for nothing.
const PAGE_SHARE: u64 = 64;

impl Caches {
    /// `revision_bytes` bounds the rendered revisions kept, `page_bytes` the pages (0: none).
    pub fn new(revision_bytes: u64, page_bytes: u64) -> Self {
        Self {
            revisions: Cache::with_weighter(
                (revision_bytes / 8_192).max(16) as usize,
                revision_bytes.max(1),
                ByLength,
            ),
            clause_index: Cache::new(4_096),
            tokens: Cache::new(10_000),
            pages: (page_bytes > 0).then(|| {
                Cache::with_weighter(
                    (page_bytes / 4_096).max(16) as usize,
                    page_bytes,
                    PageWeight,
                )
            }),
            page_max: (page_bytes / PAGE_SHARE) as usize,
        }
    }

    /// Whether pages are kept at all (`ACCORD_PAGE_CACHE_MB` above 0): when not, a list need
    /// not read the database version.
    pub fn keeps_pages(&self) -> bool {
        self.pages.is_some()
    }

    /// The page kept for this request target, if it was read at `version`.
    pub fn page(&self, target: &str, version: i64) -> Option<Arc<CachedPage>> {
        self.pages
            .as_ref()?
            .get(target)
            .filter(|page| page.version == version)
    }

    pub fn put_page(&self, target: &str, page: Arc<CachedPage>) {
        if let Some(pages) = &self.pages {
            if target.len() <= PAGE_KEY_MAX && page.body.len() <= self.page_max {
                pages.insert(target.to_string(), page);
            }
        }
    }

    pub fn revision(&self, reference: &str, number: i32) -> Option<Arc<CachedRevision>> {
        self.revisions.get(&RevisionKey(reference, number))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cached(json: &[u8]) -> CachedRevision {
        CachedRevision::new(
            HeaderValue::from_static("\"abc\""),
            HeaderValue::from_static("http://x/v1/standards/AIS-0001/revisions/1"),
            json,
        )
        .unwrap()
    }

    #[test]
    fn a_cached_revision_gives_back_its_json_byte_for_byte_in_less_space() {
        let json = serde_json::to_vec(&serde_json::json!({
            "clauses": (0..40).map(|i| format!("Clause {i}: providers shall document the model.")).collect::<Vec<_>>(),
            "title": "Risk management — général, 一般, عام",
        }))
        .unwrap();
        let cached = cached(&json);
        assert_eq!(cached.json().unwrap(), Bytes::from(json.clone()));
        assert!(
            cached.stored_len() < json.len() / 2,
            "{} of {}",
            cached.stored_len(),
            json.len()
        );
        assert_eq!(self::cached(b"").json().unwrap(), Bytes::new());
    }

    #[test]
    fn a_revision_is_found_by_its_reference_and_number_only() {
        let caches = Caches::new(1_000_000, 0);
        caches.put_revision("AIS-0001", 2, Arc::new(cached(b"{}")));
        assert!(caches.revision("AIS-0001", 2).is_some());
        assert!(caches.revision("AIS-0001", 1).is_none());
        assert!(caches.revision("AIS-00012", 2).is_none());
        assert!(caches.revision("AIS-000", 12).is_none());
    }

    #[test]
    fn the_revision_cache_is_bounded_by_what_it_stores() {
        let caches = Caches::new(10_000, 0);
        for n in 0..100 {
            // Incompressible bytes, so that each entry weighs about 2,000.
            let mut x: u64 = 0x9e37_79b9_7f4a_7c15 ^ n as u64;
            let json: Vec<u8> = (0..2_000)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            caches.put_revision("AIS-0001", n, Arc::new(cached(&json)));
        }
        let kept = (0..100)
            .filter(|n| caches.revision("AIS-0001", *n).is_some())
            .count();
        assert!((1..=5).contains(&kept), "{kept} of 100 kept");
    }

    #[test]
    fn a_page_is_served_only_at_the_version_it_was_read_at() {
        let caches = Caches::new(0, 100_000);
        let page = |version: i64, body: &'static str| {
            Arc::new(CachedPage {
                version,
                body: Bytes::from_static(body.as_bytes()),
                link: None,
            })
        };
        caches.put_page("/v1/x?a=1", page(7, "[1]"));
        assert_eq!(caches.page("/v1/x?a=1", 7).unwrap().body, "[1]");
        assert!(caches.page("/v1/x?a=1", 8).is_none(), "a newer version");
        assert!(caches.page("/v1/x?a=2", 7).is_none(), "another target");
        caches.put_page("/v1/x?a=1", page(8, "[1,2]"));
        assert_eq!(caches.page("/v1/x?a=1", 8).unwrap().body, "[1,2]");
        assert!(caches.page("/v1/x?a=1", 7).is_none());
        let long = format!("/v1/x?{}", "a".repeat(PAGE_KEY_MAX));
        caches.put_page(&long, page(8, "[]"));
        assert!(
            caches.page(&long, 8).is_none(),
            "targets that long are not kept"
        );
        let big = Arc::new(CachedPage {
            version: 8,
            body: Bytes::from(vec![b' '; 100_000 / 64 + 1]),
            link: None,
        });
        caches.put_page("/v1/x?limit=500", big);
        assert!(
            caches.page("/v1/x?limit=500", 8).is_none(),
            "a page over a 64th of the cache is not kept"
        );
        let off = Caches::new(0, 0);
        off.put_page("/v1/x?a=1", page(7, "[1]"));
        assert!(
            off.page("/v1/x?a=1", 7).is_none(),
            "0 turns the page cache off"
        );
    }
}
