//! The background task that records what time has ended: comment periods (and ballots) whose
//! deadline has passed. Requests never wait for it (they compare deadlines with the clock
//! themselves); it only makes the record, within `ACCORD_SCHEDULER_INTERVAL_MS`. It works from the
//! database alone, so a restart loses nothing, and several instances may run it at once.

use std::time::Duration;

use crate::state::AppState;

pub async fn run(state: AppState, interval: Duration) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let now = state.now();
        match state
            .db
            .write(move |conn| crate::routes::lifecycle::close_due(conn, now))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(closed = n, "recorded deadlines that passed"),
            Err(e) => tracing::warn!(error = %e, "scheduler run failed; retrying at the next tick"),
        }
    }
}
