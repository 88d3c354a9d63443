//! `accord seed-demo`.

use accord::domain::time::Timestamp;
use serde_json::Value;

use crate::helpers::TestApp;

async fn load(app: &TestApp, now: &str) -> Result<accord::seed::demo::Loaded, String> {
    let state = app.app_state.clone();
    let now = Timestamp::parse(now).unwrap();
    tokio::task::spawn_blocking(move || {
        accord::seed::demo::load(&state.db, &state.keys, &state.tokens.issuer, now)
    })
    .await
    .unwrap()
}

db_test!(the_demo_loads_into_an_empty_database_only, |app| {
    let loaded = load(&app, &app.clock_now()).await.unwrap();
    assert_eq!((loaded.members, loaded.standards), (18, 3));

    let members = app.get_json("/v1/members?limit=500").await;
    let members = members["items"].as_array().unwrap();
    assert_eq!(members.len(), 18);
    let regions: std::collections::BTreeSet<&str> = members
        .iter()
        .map(|m| m["region"].as_str().unwrap())
        .collect();
    assert!(regions.len() >= 5, "{regions:?}");

    let standards = app.get_json("/v1/standards").await;
    for s in standards["items"].as_array().unwrap() {
        let reference = s["reference"].as_str().unwrap();
        let latest = s["latest_revision"]["number"].as_i64().unwrap();
        assert!(latest >= 3, "{reference} has several revisions");
        let d: Value = app
            .get_json(&format!(
                "/v1/standards/{reference}/revisions/{latest}/diff?from=1"
            ))
            .await;
        assert!(
            !d["changed"].as_array().unwrap().is_empty(),
            "{reference} changed between revisions"
        );
    }
    let comments = app
        .get_json("/v1/standards/AIS-0001/comments?limit=500")
        .await;
    let comments = comments["items"].as_array().unwrap();
    assert!(comments.len() >= 12, "{}", comments.len());
    assert!(
        comments
            .iter()
            .any(|c| c["disposition"]["resolved_in"].is_number()),
        "dispositions point at revisions"
    );
    assert!(
        comments.iter().any(|c| c["outdated"] == true),
        "later revisions outdated some comments"
    );
    let open = app.get_json("/v1/standards?stage=public_comment").await;
    assert_eq!(
        open["items"].as_array().unwrap().len(),
        1,
        "one standard is out for comment now"
    );

    let ballots = app.get_json("/v1/standards/AIS-0001/ballots").await;
    let ballot = &ballots["items"][0];
    assert_eq!(ballot["status"], "open");
    assert_eq!(
        ballot["tally"]["responded"].as_u64(),
        Some(loaded.decisions as u64)
    );
    assert_eq!(ballot["tally"]["projected_outcome"], "ratified");

    let verified = app.get_json("/v1/events/verify").await;
    assert_eq!(verified["ok"], true);
    assert_eq!(verified["last_verified_seq"], loaded.events);

    let again = load(&app, "2026-01-01T00:00:00Z").await;
    assert!(again.unwrap_err().contains("empty database"));
});
