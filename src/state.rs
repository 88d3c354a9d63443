//! What every handler can reach: the database, the keys, the clock and a few settings.

use std::sync::Arc;

use crate::auth::keys::KeyRing;
use crate::auth::token::TokenConfig;
use crate::cache::Caches;
use crate::db::Db;
use crate::domain::time::{SharedClock, Timestamp};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub keys: Arc<KeyRing>,
    pub tokens: TokenConfig,
    pub clock: SharedClock,
    /// Base of absolute links (`Link`, `Location`).
    pub public_base: String,
    pub max_body_bytes: usize,
    pub caches: Arc<Caches>,
}

impl AppState {
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
}
