//! `accord seed-demo`.

use serde_json::Value;

db_test!(the_demo_loads_into_an_empty_database_only, |app| {
    let db = app.app_state.db.clone();
    let now = app.clock_now();
    let loaded = tokio::task::spawn_blocking(move || {
        accord::seed::demo::load(&db, accord::domain::time::Timestamp::parse(&now).unwrap())
    })
    .await
    .unwrap()
    .unwrap();
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
    let verified = app.get_json("/v1/events/verify").await;
    assert_eq!(verified["ok"], true);
    assert_eq!(verified["last_verified_seq"], loaded.events);

    let db = app.app_state.db.clone();
    let again = tokio::task::spawn_blocking(move || {
        accord::seed::demo::load(
            &db,
            accord::domain::time::Timestamp::parse("2026-01-01T00:00:00Z").unwrap(),
        )
    })
    .await
    .unwrap();
    assert!(again.unwrap_err().contains("empty database"));
});
