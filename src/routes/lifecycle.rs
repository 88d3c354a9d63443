//! What a stage change drags along with it, shared by the endpoints and the scheduler.

use serde_json::Value;

use crate::db::DbConn;
use crate::db::models::standard::StandardRow;
use crate::domain::event::Actor;
use crate::domain::time::Timestamp;
use crate::error::ApiResult;

/// Closes what a withdrawal ends (an open comment period, an open ballot) and says what it closed.
pub fn on_withdraw(
    _conn: &mut DbConn,
    _actor: &Actor,
    _now: Timestamp,
    _standard: &StandardRow,
) -> ApiResult<Value> {
    Ok(Value::Array(Vec::new()))
}
