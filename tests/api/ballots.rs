//! Ratification: ballots on a pinned text, rules as data, tallies, receipts, and the stage moves.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::Method;
use serde_json::{Value, json};

use crate::comments::{clauses_v1, open_period};
use crate::helpers::{Cred, PUBLIC_URL, TestApp, field_errors, header, problem, strings};
use crate::revisions::add_revision;
use crate::standards::{create_standard, standard_body};

const STATES: [&str; 12] = [
    "ARG", "BRA", "CAN", "DEU", "EGY", "FRA", "GHA", "IND", "JPN", "KEN", "MEX", "NGA",
];

/// `n` voting states, each with a delegate.
async fn voters(app: &mut TestApp, n: usize) -> Vec<(String, Cred)> {
    let mut out = Vec::new();
    for code in &STATES[..n] {
        if app.get(&format!("/v1/members/{code}")).await.status() == 404 {
            app.member(code, "state", true, "africa").await;
        }
        out.push((
            code.to_string(),
            app.client(&["delegate"], Some(code)).await,
        ));
    }
    out
}

/// A standard in drafting with one revision.
async fn drafted(app: &mut TestApp, reference: &str) -> String {
    create_standard(app, &standard_body(reference)).await;
    add_revision(app, reference, "Draft.", clauses_v1()).await["content_hash"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn open_ballot(
    app: &mut TestApp,
    reference: &str,
    seconds: i64,
    rule: Option<Value>,
) -> Value {
    let admin = app.admin_token().await;
    let mut body = json!({"closes_at": app.clock.now_plus(seconds)});
    if let Some(rule) = rule {
        body["rule"] = rule;
    }
    let response = app
        .post(&format!("/v1/standards/{reference}/ballots"), &admin, &body)
        .await;
    assert_eq!(response.status(), 201, "open ballot on {reference}");
    response.json().await.unwrap()
}

async fn cast(
    app: &TestApp,
    ballot: &Value,
    member: &str,
    who: &Cred,
    body: Value,
) -> reqwest::Response {
    let path = format!(
        "/v1/ballots/{}/ratifications/{member}",
        ballot["id"].as_str().unwrap()
    );
    app.send_json(Method::PUT, &path, Some(&who.token), &body)
        .await
}

fn decision(ballot: &Value, d: &str) -> Value {
    let mut body = json!({"decision": d, "revision_hash": ballot["content_hash"]});
    if d == "decline" {
        body["reasons"] = json!("The deadlines are not workable.");
    }
    body
}

/// Sends each `(ballot id, member, delegate, body)` decision, in order, while the writer is held,
/// so that they all run in one writer batch; answers each one's status, version and problem code.
async fn cast_in_one_batch(
    app: &TestApp,
    queued: Vec<(String, String, Cred, Value)>,
) -> Vec<(u16, Option<i64>, Value)> {
    cast_in_one_batch_answers(app, queued)
        .await
        .into_iter()
        .map(|(status, body)| (status, body["version"].as_i64(), body["code"].clone()))
        .collect()
}

/// The same, answering each one's status and whole body.
async fn cast_in_one_batch_answers(
    app: &TestApp,
    queued: Vec<(String, String, Cred, Value)>,
) -> Vec<(u16, Value)> {
    use std::time::Duration;

    let hold = app.hold_writer(1_000).await;
    let mut sent = Vec::new();
    for (ballot, member, cred, body) in queued {
        let request = app
            .request(
                Method::PUT,
                &format!("/v1/ballots/{ballot}/ratifications/{member}"),
            )
            .bearer_auth(&cred.token)
            .json(&body);
        sent.push(tokio::spawn(async move { request.send().await.unwrap() }));
        tokio::time::sleep(Duration::from_millis(80)).await;
    }
    hold.await.unwrap().unwrap();
    let mut answers = Vec::new();
    for response in sent {
        let response = response.await.unwrap();
        let status = response.status().as_u16();
        answers.push((status, response.json().await.unwrap()));
    }
    answers
}

/// Every version of every decision on ballot `id`: (member, version, decision, current).
async fn history(app: &TestApp, id: &str) -> Vec<(String, i64, String, bool)> {
    let list = app
        .get_json(&format!("/v1/ballots/{id}/ratifications?history=true"))
        .await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["member"].as_str().unwrap().to_string(),
                r["version"].as_i64().unwrap(),
                r["decision"].as_str().unwrap().to_string(),
                r["current"].as_bool().unwrap(),
            )
        })
        .collect()
}

async fn ballot_now(app: &TestApp, ballot: &Value) -> Value {
    app.get_json(&format!("/v1/ballots/{}", ballot["id"].as_str().unwrap()))
        .await
}

/// Verifies a receipt with nothing but the published key set, as a member government would.
async fn verify_receipt(app: &TestApp, receipt: &str) -> Result<Value, String> {
    let jwks: jsonwebtoken::jwk::JwkSet = app
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .unwrap();
    let header = jsonwebtoken::decode_header(receipt).map_err(|e| e.to_string())?;
    if header.alg != Algorithm::EdDSA || header.typ.as_deref() != Some("receipt+jwt") {
        return Err("not a receipt".into());
    }
    let jwk = jwks
        .find(header.kid.as_deref().unwrap_or(""))
        .ok_or("unknown kid")?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_required_spec_claims::<&str>(&[]);
    validation.validate_exp = false;
    validation.set_issuer(&[PUBLIC_URL]);
    jsonwebtoken::decode::<Value>(receipt, &DecodingKey::from_jwk(jwk).unwrap(), &validation)
        .map(|d| d.claims)
        .map_err(|e| e.to_string())
}

async fn wait_for_stage(app: &TestApp, reference: &str, stage: &str) {
    for _ in 0..200 {
        if app.get_json(&format!("/v1/standards/{reference}")).await["stage"] == stage {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{reference} never reached {stage}");
}

db_test!(a_ballot_pins_the_text_and_snapshots_the_electorate, |app| {
    let hash = drafted(&mut app, "AIS-0001").await;
    voters(&mut app, 3).await;
    app.member("OECD", "organisation", false, "global").await;
    app.member("SWE", "state", true, "western_europe_others")
        .await;
    let admin = app.admin_token().await;
    let etag = app.get("/v1/members/SWE").await.headers()[header::ETAG]
        .to_str()
        .unwrap()
        .to_string();
    app.request(Method::PATCH, "/v1/members/SWE")
        .bearer_auth(&admin)
        .header(header::IF_MATCH, etag)
        .json(&json!({"status": "suspended"}))
        .send()
        .await
        .unwrap();

    let ballot = open_ballot(&mut app, "AIS-0001", 3600, None).await;
    assert_eq!(
        (ballot["revision"].as_i64(), ballot["content_hash"].as_str()),
        (Some(1), Some(hash.as_str()))
    );
    assert_eq!(
        ballot["electorate"],
        json!(["ARG", "BRA", "CAN"]),
        "active voting members only"
    );
    assert_eq!(
        ballot["rule"],
        json!({"approval": "2/3", "max_decline_share": "1/4", "quorum": "1/2", "min_ratifications": null})
    );
    assert_eq!(ballot["status"], "open");
    assert_eq!(ballot["tally"]["outcome"], "pending");
    assert_eq!(
        ballot["tally"]["not_responded"],
        json!(["ARG", "BRA", "CAN"])
    );
    assert_eq!(
        app.get_json("/v1/standards/AIS-0001").await["stage"],
        "ratification"
    );
    let event = app.last_event().await;
    assert_eq!(event["type"], "ballot.opened");
    assert_eq!(event["data"]["content_hash"], hash.as_str());

    // A revision cannot be added while ratifying; a second ballot cannot open.
    let p = problem(
        app.post(
            "/v1/standards/AIS-0001/revisions",
            &admin,
            &json!({"summary": "x", "clauses": clauses_v1()}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["current_stage"], "ratification");
    let p = problem(
        app.post(
            "/v1/standards/AIS-0001/ballots",
            &admin,
            &json!({"closes_at": app.clock.now_plus(60)}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(p["code"], "stage_conflict");
});

db_test!(
    no_ballot_opens_during_a_comment_period_or_without_a_text,
    |app| {
        drafted(&mut app, "AIS-0001").await;
        voters(&mut app, 1).await;
        open_period(&mut app, "AIS-0001", 3600).await;
        let admin = app.admin_token().await;
        let p = problem(
            app.post(
                "/v1/standards/AIS-0001/ballots",
                &admin,
                &json!({"closes_at": app.clock.now_plus(60)}),
            )
            .await,
            409,
        )
        .await;
        assert_eq!(
            (p["code"].as_str(), p["current_stage"].as_str()),
            (Some("stage_conflict"), Some("public_comment"))
        );
        create_standard(&mut app, &standard_body("AIS-0002")).await;
        let p = problem(
            app.post(
                "/v1/standards/AIS-0002/ballots",
                &admin,
                &json!({"closes_at": app.clock.now_plus(60)}),
            )
            .await,
            409,
        )
        .await;
        assert!(p["detail"].as_str().unwrap().contains("no revision"));
        let editor = app.client(&["editor"], None).await;
        assert_eq!(
            problem(
                app.post(
                    "/v1/standards/AIS-0002/ballots",
                    &editor.token,
                    &json!({"closes_at": app.clock.now_plus(60)})
                )
                .await,
                403
            )
            .await["code"],
            "forbidden"
        );
    }
);

db_test!(rules_are_validated_and_exact, |app| {
    drafted(&mut app, "AIS-0001").await;
    voters(&mut app, 1).await;
    let admin = app.admin_token().await;
    let closes_at = app.clock.now_plus(600);
    let bad = problem(
        app.post("/v1/standards/AIS-0001/ballots", &admin, &json!({"closes_at": closes_at, "rule": {"approval": {"num": 2, "den": 0}, "quorum": "3/2"}})).await,
        422,
    )
    .await;
    let mut errors = field_errors(&bad);
    errors.sort();
    assert_eq!(
        errors,
        [
            ("rule.approval", "out_of_range"),
            ("rule.quorum", "out_of_range")
        ]
        .map(|(f, r)| (f.to_string(), r.to_string()))
    );
    let p = problem(
        app.post(
            "/v1/standards/AIS-0001/ballots",
            &admin,
            &json!({"closes_at": closes_at, "rule": {"approval": "two thirds"}}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p)[0].0, "rule.approval");
    let p = problem(
        app.post(
            "/v1/standards/AIS-0001/ballots",
            &admin,
            &json!({"closes_at": closes_at, "rule": {}}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&p),
        vec![("rule".to_string(), "out_of_range".to_string())]
    );
    let ballot = open_ballot(
        &mut app,
        "AIS-0001",
        600,
        Some(json!({"approval": {"num": 3, "den": 4}, "min_ratifications": 1})),
    )
    .await;
    assert_eq!(
        ballot["rule"],
        json!({"approval": "3/4", "max_decline_share": null, "quorum": null, "min_ratifications": 1})
    );
});

db_test!(
    a_delegate_casts_and_gets_a_receipt_anyone_can_verify,
    |app| {
        let hash = drafted(&mut app, "AIS-0001").await;
        let v = voters(&mut app, 3).await;
        let ballot = open_ballot(&mut app, "AIS-0001", 3600, None).await;
        let response = cast(&app, &ballot, "BRA", &v[1].1, json!({
        "decision": "ratify", "revision_hash": hash,
        "reservations": [{"clause": "2", "text": "Brazil applies shorter national deadlines."}],
        "statement": "Brazil welcomes the standard."
    }))
    .await;
        assert_eq!(response.status(), 201);
        let r: Value = response.json().await.unwrap();
        assert_eq!(
            (
                r["member"].as_str(),
                r["decision"].as_str(),
                r["version"].as_i64(),
                r["current"].as_bool()
            ),
            (Some("BRA"), Some("ratify"), Some(1), Some(true))
        );
        let expected_reservations =
            json!([{"clause": "2", "text": "Brazil applies shorter national deadlines."}]);
        assert_eq!(r["reservations"], expected_reservations);
        let reservations_hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            serde_jcs::to_string(&expected_reservations)
                .unwrap()
                .as_bytes(),
        ));
        assert_eq!(r["reservations_hash"], reservations_hash.as_str());

        let payload = verify_receipt(&app, r["receipt"].as_str().unwrap())
            .await
            .expect("the receipt verifies with the JWKS alone");
        let event = app.last_event().await;
        assert_eq!(event["type"], "ratification.cast");
        assert_eq!(event["data"]["decision"], "ratify");
        assert_eq!(payload["ballot"], ballot["id"]);
        assert_eq!(payload["standard"], "AIS-0001");
        assert_eq!(payload["revision"], 1);
        assert_eq!(payload["content_hash"], hash.as_str());
        assert_eq!(payload["member"], "BRA");
        assert_eq!(payload["decision"], "ratify");
        assert_eq!(payload["reservations_hash"], reservations_hash.as_str());
        assert_eq!(
            payload["event"],
            json!({"seq": event["seq"], "hash": event["hash"]})
        );
        assert_eq!(payload["cast_at"], event["at"]);

        let again = app
            .get_json(&format!(
                "/v1/ballots/{}/ratifications/BRA/receipt",
                ballot["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(again["receipt"], r["receipt"]);
        assert_eq!(again["payload"], payload);

        // Tampering with any part breaks it.
        let receipt = r["receipt"].as_str().unwrap();
        let parts: Vec<&str> = receipt.split('.').collect();
        let mut forged = payload.clone();
        forged["decision"] = json!("decline");
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(forged.to_string()),
            parts[2]
        );
        assert!(
            verify_receipt(&app, &tampered).await.is_err(),
            "a tampered payload is refused"
        );
        let mut signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
        signature[0] ^= 1;
        let bad_signature = format!(
            "{}.{}.{}",
            parts[0],
            parts[1],
            URL_SAFE_NO_PAD.encode(signature)
        );
        assert!(
            verify_receipt(&app, &bad_signature).await.is_err(),
            "a changed signature is refused"
        );
        // A receipt is no access token.
        let as_token = app
            .request(Method::GET, "/v1/clients")
            .bearer_auth(receipt)
            .send()
            .await
            .unwrap();
        assert_eq!(as_token.status(), 401);
    }
);

db_test!(
    decisions_are_refused_for_the_wrong_member_text_or_time,
    |app| {
        drafted(&mut app, "AIS-0001").await;
        let v = voters(&mut app, 2).await;
        app.member("OECD", "organisation", false, "global").await;
        let observer = app.client(&["delegate"], Some("OECD")).await;
        let ballot = open_ballot(&mut app, "AIS-0001", 3600, None).await;
        app.member("ZAF", "state", true, "africa").await;
        let latecomer = app.client(&["delegate"], Some("ZAF")).await;
        let commenter = app.client(&["commenter"], Some("ARG")).await;

        let p = problem(
            cast(&app, &ballot, "BRA", &v[0].1, decision(&ballot, "ratify")).await,
            403,
        )
        .await;
        assert!(p["detail"].as_str().unwrap().contains("BRA"), "{p}");
        let p = problem(
            cast(
                &app,
                &ballot,
                "OECD",
                &observer,
                decision(&ballot, "ratify"),
            )
            .await,
            403,
        )
        .await;
        assert!(p["detail"].as_str().unwrap().contains("observer"), "{p}");
        let p = problem(
            cast(
                &app,
                &ballot,
                "ZAF",
                &latecomer,
                decision(&ballot, "ratify"),
            )
            .await,
            403,
        )
        .await;
        assert!(p["detail"].as_str().unwrap().contains("electorate"), "{p}");
        assert_eq!(
            problem(
                cast(
                    &app,
                    &ballot,
                    "ARG",
                    &commenter,
                    decision(&ballot, "ratify")
                )
                .await,
                403
            )
            .await["code"],
            "forbidden"
        );

        let mut wrong_text = decision(&ballot, "ratify");
        wrong_text["revision_hash"] = json!("0".repeat(64));
        let p = problem(cast(&app, &ballot, "ARG", &v[0].1, wrong_text).await, 409).await;
        assert_eq!(
            (p["code"].as_str(), p["content_hash"].as_str()),
            (Some("revision_mismatch"), ballot["content_hash"].as_str())
        );

        let p = problem(
            cast(
                &app,
                &ballot,
                "ARG",
                &v[0].1,
                json!({"decision": "decline", "revision_hash": ballot["content_hash"]}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(
            field_errors(&p),
            vec![("reasons".to_string(), "required".to_string())]
        );
        let mut with_reservation = decision(&ballot, "abstain");
        with_reservation["reservations"] = json!([{"clause": "1", "text": "x"}]);
        let p = problem(
            cast(&app, &ballot, "ARG", &v[0].1, with_reservation).await,
            422,
        )
        .await;
        assert_eq!(
            field_errors(&p),
            vec![("reservations".to_string(), "not_allowed".to_string())]
        );
        let mut unknown_clause = decision(&ballot, "ratify");
        unknown_clause["reservations"] = json!([{"clause": "9", "text": "x"}]);
        let p = problem(
            cast(&app, &ballot, "ARG", &v[0].1, unknown_clause).await,
            422,
        )
        .await;
        assert_eq!(
            field_errors(&p),
            vec![(
                "reservations[0].clause".to_string(),
                "not_found".to_string()
            )]
        );
        assert!(
            app.get_json(&format!(
                "/v1/ballots/{}/ratifications",
                ballot["id"].as_str().unwrap()
            ))
            .await["items"]
                .as_array()
                .unwrap()
                .is_empty()
        );

        app.clock.advance(3601);
        let p = problem(
            cast(&app, &ballot, "ARG", &v[0].1, decision(&ballot, "ratify")).await,
            409,
        )
        .await;
        assert_eq!(p["code"], "ballot_closed");
        assert_eq!(p["closes_at"], ballot["closes_at"]);
        let missing = app
            .send_json(
                Method::PUT,
                "/v1/ballots/nope/ratifications/ARG",
                Some(&v[0].1.token),
                &decision(&ballot, "ratify"),
            )
            .await;
        assert_eq!(problem(missing, 404).await["code"], "not_found");
    }
);

db_test!(amendments_keep_every_version, |app| {
    drafted(&mut app, "AIS-0001").await;
    let v = voters(&mut app, 2).await;
    let ballot = open_ballot(&mut app, "AIS-0001", 3600, None).await;
    assert_eq!(
        cast(&app, &ballot, "ARG", &v[0].1, decision(&ballot, "decline"))
            .await
            .status(),
        201
    );
    let amended = cast(&app, &ballot, "ARG", &v[0].1, decision(&ballot, "ratify")).await;
    assert_eq!(amended.status(), 200);
    let amended: Value = amended.json().await.unwrap();
    assert_eq!(amended["version"], 2);
    let event = app.last_event().await;
    assert_eq!(
        (
            event["type"].as_str(),
            event["data"]["decision"].as_str(),
            event["data"]["previous_decision"].as_str()
        ),
        (
            Some("ratification.amended"),
            Some("ratify"),
            Some("decline")
        )
    );
    let events_before = app.events().await.len();
    let same = cast(&app, &ballot, "ARG", &v[0].1, decision(&ballot, "ratify")).await;
    assert_eq!(same.status(), 200);
    let same: Value = same.json().await.unwrap();
    assert_eq!(
        same["version"], 2,
        "repeating the current decision changes nothing"
    );
    // The whole stored version comes back, its receipt and event included.
    assert_eq!(same, amended);
    assert_eq!(app.events().await.len(), events_before);

    let id = ballot["id"].as_str().unwrap();
    let current = app
        .get_json(&format!("/v1/ballots/{id}/ratifications"))
        .await;
    assert_eq!(current["items"].as_array().unwrap().len(), 1);
    assert_eq!(current["items"][0]["decision"], "ratify");
    let history = app
        .get_json(&format!("/v1/ballots/{id}/ratifications?history=true"))
        .await;
    let versions: Vec<(i64, &str, bool)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["version"].as_i64().unwrap(),
                r["decision"].as_str().unwrap(),
                r["current"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(versions, vec![(1, "decline", false), (2, "ratify", true)]);
    let receipt = app
        .get_json(&format!("/v1/ballots/{id}/ratifications/ARG/receipt"))
        .await;
    assert_eq!(receipt["payload"]["version"], 2);
    assert_eq!(
        problem(
            app.get(&format!("/v1/ballots/{id}/ratifications/BRA/receipt"))
                .await,
            404
        )
        .await["code"],
        "not_found"
    );
});

db_test!(twenty_concurrent_casts_leave_one_current_decision, |app| {
    drafted(&mut app, "AIS-0001").await;
    let v = voters(&mut app, 1).await;
    let ballot = open_ballot(&mut app, "AIS-0001", 3600, None).await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (http, token) = (app.http.clone(), v[0].1.token.clone());
        let url = app.url(&format!(
            "/v1/ballots/{}/ratifications/ARG",
            ballot["id"].as_str().unwrap()
        ));
        let body = json!({"decision": "ratify", "revision_hash": ballot["content_hash"], "statement": format!("attempt {i}")});
        tasks.push(tokio::spawn(async move {
            http.put(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses: Vec<u16> = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "one first cast: {statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        19,
        "{statuses:?}"
    );
    let id = ballot["id"].as_str().unwrap();
    let history = app
        .get_json(&format!(
            "/v1/ballots/{id}/ratifications?history=true&limit=500"
        ))
        .await;
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 20);
    let versions: Vec<i64> = items
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert_eq!(
        versions,
        (1..=20).collect::<Vec<_>>(),
        "versions without gaps"
    );
    assert_eq!(items.iter().filter(|r| r["current"] == true).count(), 1);
    assert_eq!(items.last().unwrap()["current"], true);
    let current = app
        .get_json(&format!("/v1/ballots/{id}/ratifications"))
        .await;
    assert_eq!(current["items"].as_array().unwrap().len(), 1);
    let casts = app
        .events()
        .await
        .into_iter()
        .filter(|e| e["type"] == "ratification.cast" || e["type"] == "ratification.amended")
        .count();
    assert_eq!(casts, 20);
    assert_eq!(app.get_json("/v1/events/verify").await["ok"], true);
});

db_test!(
    the_tally_meets_each_criterion_at_its_exact_boundary,
    |app| {
        let v = voters(&mut app, 4).await;
        // Approval alone: 2 of 3 is exactly 2/3; one ratify less is not.
        drafted(&mut app, "APP-1").await;
        let b = open_ballot(&mut app, "APP-1", 3600, Some(json!({"approval": "2/3"}))).await;
        cast(&app, &b, "ARG", &v[0].1, decision(&b, "ratify")).await;
        cast(&app, &b, "BRA", &v[1].1, decision(&b, "ratify")).await;
        cast(&app, &b, "CAN", &v[2].1, decision(&b, "decline")).await;
        let t = ballot_now(&app, &b).await["tally"].clone();
        assert_eq!(
            t["criteria"],
            json!([{"criterion": "approval", "required": "2/3", "actual": "2/3", "met": true}])
        );
        assert_eq!(
            (t["outcome"].as_str(), t["projected_outcome"].as_str()),
            (Some("pending"), Some("ratified"))
        );
        cast(&app, &b, "BRA", &v[1].1, decision(&b, "abstain")).await;
        let t = ballot_now(&app, &b).await["tally"].clone();
        assert_eq!(
            (
                t["criteria"][0]["actual"].as_str(),
                t["criteria"][0]["met"].as_bool()
            ),
            (Some("1/2"), Some(false))
        );
        assert_eq!(t["projected_outcome"], "rejected");
        assert_eq!(
            t["counts"],
            json!({"ratify": 1, "decline": 1, "abstain": 1})
        );
        assert_eq!(t["not_responded"], json!(["DEU"]));

        // The decline cap alone: 1 of 4 is exactly 1/4; one more decline is too many.
        drafted(&mut app, "CAP-1").await;
        let b = open_ballot(
            &mut app,
            "CAP-1",
            3600,
            Some(json!({"max_decline_share": "1/4"})),
        )
        .await;
        for (i, d) in ["ratify", "ratify", "ratify", "decline"].iter().enumerate() {
            cast(&app, &b, &v[i].0, &v[i].1, decision(&b, d)).await;
        }
        assert_eq!(
            ballot_now(&app, &b).await["tally"]["criteria"][0],
            json!({"criterion": "max_decline_share", "required": "1/4", "actual": "1/4", "met": true})
        );
        cast(&app, &b, "CAN", &v[2].1, decision(&b, "decline")).await;
        assert_eq!(
            ballot_now(&app, &b).await["tally"]["criteria"][0]["met"],
            false,
            "2/4 declines"
        );

        // The default rule's quorum: 2 of 4 responses is exactly 1/2; abstentions count.
        drafted(&mut app, "QUO-1").await;
        let b = open_ballot(&mut app, "QUO-1", 3600, None).await;
        cast(&app, &b, "ARG", &v[0].1, decision(&b, "ratify")).await;
        let t = ballot_now(&app, &b).await["tally"].clone();
        assert_eq!(
            (
                t["criteria"][2]["actual"].as_str(),
                t["criteria"][2]["met"].as_bool()
            ),
            (Some("1/4"), Some(false))
        );
        assert_eq!(t["projected_outcome"], "rejected");
        cast(&app, &b, "BRA", &v[1].1, decision(&b, "abstain")).await;
        let t = ballot_now(&app, &b).await["tally"].clone();
        assert_eq!(
            t["criteria"][2],
            json!({"criterion": "quorum", "required": "1/2", "actual": "2/4", "met": true})
        );
        assert_eq!(t["projected_outcome"], "ratified");
    }
);

db_test!(
    early_close_needs_every_response_and_records_the_outcome,
    |app| {
        let hash = drafted(&mut app, "AIS-0001").await;
        let v = voters(&mut app, 3).await;
        let ballot = open_ballot(&mut app, "AIS-0001", 3600, None).await;
        let id = ballot["id"].as_str().unwrap().to_string();
        let admin = app.admin_token().await;
        cast(&app, &ballot, "ARG", &v[0].1, decision(&ballot, "ratify")).await;
        let p = problem(
            app.post(&format!("/v1/ballots/{id}/close"), &admin, &json!({}))
                .await,
            409,
        )
        .await;
        assert_eq!(p["not_responded"], json!(["BRA", "CAN"]));
        cast(&app, &ballot, "BRA", &v[1].1, decision(&ballot, "ratify")).await;
        cast(&app, &ballot, "CAN", &v[2].1, decision(&ballot, "abstain")).await;
        assert_eq!(
            problem(
                app.post(
                    &format!("/v1/ballots/{id}/close"),
                    &v[0].1.token,
                    &json!({})
                )
                .await,
                403
            )
            .await["code"],
            "forbidden"
        );
        let closed = app
            .post(&format!("/v1/ballots/{id}/close"), &admin, &json!({}))
            .await;
        assert_eq!(closed.status(), 200);
        let closed: Value = closed.json().await.unwrap();
        assert_eq!(
            (
                closed["status"].as_str(),
                closed["close_reason"].as_str(),
                closed["tally"]["outcome"].as_str()
            ),
            (Some("closed"), Some("early"), Some("ratified"))
        );
        assert!(closed["tally"]["projected_outcome"].is_null());
        let standard = app.get_json("/v1/standards/AIS-0001").await;
        assert_eq!(standard["stage"], "ratified");
        assert_eq!(
            standard["ratified_revision"],
            json!({"number": 1, "content_hash": hash})
        );
        let kinds: Vec<String> = app
            .events()
            .await
            .iter()
            .rev()
            .take(2)
            .map(|e| e["type"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(kinds, ["standard.ratified", "ballot.closed"]);
        assert_eq!(
            problem(
                app.post(&format!("/v1/ballots/{id}/close"), &admin, &json!({}))
                    .await,
                409
            )
            .await["code"],
            "ballot_closed"
        );
        assert_eq!(
            problem(
                cast(&app, &ballot, "ARG", &v[0].1, decision(&ballot, "decline")).await,
                409
            )
            .await["code"],
            "ballot_closed"
        );
    }
);

db_test!(
    a_failing_ballot_returns_the_standard_to_drafting_at_its_deadline,
    |app| {
        drafted(&mut app, "AIS-0001").await;
        let v = voters(&mut app, 4).await;
        let ballot = open_ballot(&mut app, "AIS-0001", 600, None).await;
        cast(&app, &ballot, "ARG", &v[0].1, decision(&ballot, "decline")).await;
        app.clock.advance(601);
        assert_eq!(
            ballot_now(&app, &ballot).await["tally"]["outcome"],
            "rejected",
            "final as soon as the deadline passes"
        );
        wait_for_stage(&app, "AIS-0001", "drafting").await;
        let events = app.events().await;
        let closed = events
            .iter()
            .find(|e| e["type"] == "ballot.closed")
            .unwrap();
        assert_eq!(
            (
                closed["data"]["outcome"].as_str(),
                closed["data"]["reason"].as_str()
            ),
            (Some("rejected"), Some("deadline"))
        );
        let changed = events
            .iter()
            .rev()
            .find(|e| e["type"] == "standard.stage_changed")
            .unwrap();
        assert_eq!(
            (
                changed["data"]["from"].as_str(),
                changed["data"]["to"].as_str()
            ),
            (Some("ratification"), Some("drafting"))
        );
        let admin = app.admin_token().await;
        assert_eq!(
            app.post(
                "/v1/standards/AIS-0001/revisions",
                &admin,
                &json!({"summary": "Again.", "clauses": clauses_v1()})
            )
            .await
            .status(),
            201
        );
    }
);

db_test!(
    a_ballot_that_closed_while_the_server_was_down_is_recorded_on_restart,
    |app| {
        drafted(&mut app, "AIS-0001").await;
        let v = voters(&mut app, 2).await;
        let ballot = open_ballot(&mut app, "AIS-0001", 600, None).await;
        cast(&app, &ballot, "ARG", &v[0].1, decision(&ballot, "ratify")).await;
        cast(&app, &ballot, "BRA", &v[1].1, decision(&ballot, "ratify")).await;
        app.stop().await;
        app.clock.advance(3600);
        assert!(!app.events_direct().iter().any(|t| t == "ballot.closed"));
        app.restart().await;
        wait_for_stage(&app, "AIS-0001", "ratified").await;
        let closed: Vec<Value> = app
            .events()
            .await
            .into_iter()
            .filter(|e| e["type"] == "ballot.closed")
            .collect();
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0]["data"]["outcome"], "ratified");
    }
);

db_test!(withdrawal_cancels_an_open_ballot, |app| {
    drafted(&mut app, "AIS-0001").await;
    voters(&mut app, 1).await;
    let ballot = open_ballot(&mut app, "AIS-0001", 3600, None).await;
    let admin = app.admin_token().await;
    assert_eq!(
        app.post(
            "/v1/standards/AIS-0001/withdraw",
            &admin,
            &json!({"reason": "Overtaken."})
        )
        .await
        .status(),
        200
    );
    let b = ballot_now(&app, &ballot).await;
    assert_eq!(
        (b["close_reason"].as_str(), b["tally"]["outcome"].as_str()),
        (Some("withdrawn"), Some("cancelled"))
    );
    assert_eq!(
        app.get_json("/v1/standards/AIS-0001").await["stage"],
        "withdrawn"
    );
});

db_test!(
    the_whole_life_draft_comment_revise_ratify_supersede,
    |app| {
        let v = voters(&mut app, 3).await;
        let admin = app.admin_token().await;
        // An older standard, ratified first.
        drafted(&mut app, "OLD-1").await;
        let old = open_ballot(&mut app, "OLD-1", 600, None).await;
        for (code, cred) in &v {
            cast(&app, &old, code, cred, decision(&old, "ratify")).await;
        }
        assert_eq!(
            app.post(
                &format!("/v1/ballots/{}/close", old["id"].as_str().unwrap()),
                &admin,
                &json!({})
            )
            .await
            .status(),
            200
        );
        assert_eq!(
            app.get_json("/v1/standards/OLD-1").await["stage"],
            "ratified"
        );

        // Its successor: drafted, commented, revised, ratified.
        let mut body = standard_body("NEW-1");
        body["supersedes"] = json!("OLD-1");
        create_standard(&mut app, &body).await;
        add_revision(&mut app, "NEW-1", "First draft.", clauses_v1()).await;
        let period = open_period(&mut app, "NEW-1", 600).await;
        let comment: Value = app.post("/v1/standards/NEW-1/comments", &v[0].1.token, &json!({"revision": 1, "clause": "2", "type": "technical", "body": "Shorter deadline."})).await.json().await.unwrap();
        app.clock.advance(601);
        wait_for_stage(&app, "NEW-1", "drafting").await;
        let mut v2 = clauses_v1();
        v2[1]["text"] = json!("Providers shall report within 72 hours.");
        let r2 = add_revision(&mut app, "NEW-1", "Deadline shortened.", v2).await;
        let editor = app.client(&["editor"], None).await;
        let disposed = app
            .send_json(
                Method::PUT,
                &format!(
                    "/v1/comments/{}/disposition",
                    comment["id"].as_str().unwrap()
                ),
                Some(&editor.token),
                &json!({"status": "accepted", "response": "Done.", "resolved_in": 2}),
            )
            .await;
        assert_eq!(disposed.status(), 200);
        assert_eq!(
            app.get_json(&format!("/v1/comments/{}", comment["id"].as_str().unwrap()))
                .await["outdated"],
            true
        );

        let ballot = open_ballot(&mut app, "NEW-1", 600, None).await;
        assert_eq!(ballot["revision"], 2);
        assert_eq!(ballot["content_hash"], r2["content_hash"]);
        for (code, cred) in &v {
            let r = cast(&app, &ballot, code, cred, decision(&ballot, "ratify")).await;
            assert_eq!(r.status(), 201);
        }
        app.clock.advance(601);
        wait_for_stage(&app, "NEW-1", "ratified").await;
        let new = app.get_json("/v1/standards/NEW-1").await;
        assert_eq!(
            new["ratified_revision"],
            json!({"number": 2, "content_hash": r2["content_hash"]})
        );
        let old_now = app.get_json("/v1/standards/OLD-1").await;
        assert_eq!(
            (old_now["stage"].as_str(), old_now["superseded_by"].as_str()),
            (Some("superseded"), Some("NEW-1"))
        );
        let kinds: Vec<String> = app
            .events()
            .await
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_string())
            .collect();
        let tail: Vec<&str> = kinds
            .iter()
            .rev()
            .take(3)
            .rev()
            .map(String::as_str)
            .collect();
        assert_eq!(
            tail,
            ["ballot.closed", "standard.ratified", "standard.superseded"]
        );
        assert!(
            kinds.contains(&"comment_period.opened".to_string())
                && kinds.contains(&"comment.disposed".to_string())
        );
        assert_eq!(period["revision"], 1);
        assert_eq!(app.get_json("/v1/events/verify").await["ok"], true);
    }
);

db_test!(
    a_ballot_closed_between_two_decisions_of_one_batch_takes_no_more,
    |app| {
        use accord::db::schema::ballots;
        use diesel::prelude::*;
        use std::time::Duration;

        drafted(&mut app, "AIS-0001").await;
        let voters = voters(&mut app, 2).await;
        let ballot = open_ballot(&mut app, "AIS-0001", 3600, None).await;
        let id = ballot["id"].as_str().unwrap().to_string();
        let db = app.app_state.db.clone();
        // Hold the writer so that a decision (its ballot lookup is remembered for the batch), the
        // ballot's close and a second decision queue, in this order, for one batch.
        let hold = app.hold_writer(700).await;
        let put = |(member, who): &(String, crate::helpers::Cred)| {
            let request = app
                .request(
                    Method::PUT,
                    &format!("/v1/ballots/{id}/ratifications/{member}"),
                )
                .bearer_auth(&who.token)
                .json(&decision(&ballot, "ratify"));
            tokio::spawn(async move { request.send().await.unwrap() })
        };
        let first = put(&voters[0]);
        tokio::time::sleep(Duration::from_millis(150)).await;
        let close = {
            let (db, id) = (db.clone(), id.clone());
            let at = app.app_state.now().naive();
            tokio::spawn(async move {
                db.write(move |conn| {
                    Ok(diesel::update(ballots::table.find(id))
                        .set(ballots::closed_at.eq(Some(at)))
                        .execute(conn)?)
                })
                .await
            })
        };
        tokio::time::sleep(Duration::from_millis(150)).await;
        let second = put(&voters[1]);
        hold.await.unwrap().unwrap();

        assert_eq!(close.await.unwrap().unwrap(), 1);
        assert_eq!(first.await.unwrap().status(), 201);
        assert_eq!(
            problem(second.await.unwrap(), 409).await["code"],
            "ballot_closed"
        );
        let current = app
            .get_json(&format!("/v1/ballots/{id}/ratifications"))
            .await;
        let members: Vec<&str> = strings(&current["items"], "member");
        assert_eq!(members, vec![voters[0].0.as_str()]);
    }
);

// A writer batch stores its decisions together at its end. Decisions of one member queued in one
// batch must still replace each other in the order they came, each seeing the one before as
// current, whether that one is stored or pending; a repeat of the pending decision changes
// nothing, and a refused decision in between leaves no trace.
db_test!(
    decisions_of_one_member_in_one_batch_replace_each_other_in_order,
    |app| {
        drafted(&mut app, "AIS-0001").await;
        let v = voters(&mut app, 2).await;
        let ballot = open_ballot(&mut app, "AIS-0001", 3600, None).await;
        let id = ballot["id"].as_str().unwrap().to_string();
        assert_eq!(
            cast(
                &app,
                &ballot,
                &v[0].0,
                &v[0].1,
                decision(&ballot, "decline")
            )
            .await
            .status(),
            201
        );
        let events_before = app.events().await.len();

        let mut wrong_text = decision(&ballot, "ratify");
        wrong_text["revision_hash"] = json!("0".repeat(64));
        let queued = [
            (0, decision(&ballot, "ratify")),
            (1, decision(&ballot, "ratify")),
            (0, wrong_text),
            (0, decision(&ballot, "abstain")),
            (0, decision(&ballot, "abstain")),
            (1, decision(&ballot, "decline")),
        ];
        let queued = queued
            .into_iter()
            .map(|(who, body)| (id.clone(), v[who].0.clone(), v[who].1.clone(), body))
            .collect();
        let bodies = cast_in_one_batch_answers(&app, queued).await;
        let answers: Vec<(u16, Option<i64>, Value)> = bodies
            .iter()
            .map(|(status, body)| (*status, body["version"].as_i64(), body["code"].clone()))
            .collect();
        assert_eq!(
            answers,
            vec![
                (200, Some(2), Value::Null),
                (201, Some(1), Value::Null),
                (409, None, json!("revision_mismatch")),
                (200, Some(3), Value::Null),
                (200, Some(3), Value::Null),
                (200, Some(2), Value::Null),
            ]
        );

        // Each answer of the batch carries its own receipt, signed and naming its version and
        // event, and so does the repeat of a decision still pending in the batch (the same
        // version, so the same receipt); the stored receipt is the one answered.
        for (status, body) in bodies.iter().filter(|(status, _)| *status < 300) {
            let receipt = body["receipt"].as_str().unwrap();
            let payload = verify_receipt(&app, receipt).await.unwrap();
            assert_eq!(payload["version"], body["version"], "{status} {body}");
            assert_eq!(payload["decision"], body["decision"], "{body}");
            assert_eq!(payload["event"], body["event"], "{body}");
        }
        assert_eq!(bodies[4].1["receipt"], bodies[3].1["receipt"]);
        let stored = app
            .get_json(&format!(
                "/v1/ballots/{id}/ratifications/{}/receipt",
                v[1].0
            ))
            .await;
        assert_eq!(stored["receipt"], bodies[5].1["receipt"]);

        let versions = history(&app, &id).await;
        let (a, b) = (v[0].0.as_str(), v[1].0.as_str());
        let row = |m: &str, version: i64, d: &str, current: bool| {
            (m.to_string(), version, d.to_string(), current)
        };
        let mut expected = vec![
            row(a, 1, "decline", false),
            row(a, 2, "ratify", false),
            row(a, 3, "abstain", true),
            row(b, 1, "ratify", false),
            row(b, 2, "decline", true),
        ];
        expected.sort();
        assert_eq!(versions, expected);
        let receipt = app
            .get_json(&format!("/v1/ballots/{id}/ratifications/{a}/receipt"))
            .await;
        assert_eq!(receipt["payload"]["version"], 3);
        assert_eq!(receipt["payload"]["decision"], "abstain");
        let events = app.events().await;
        let kinds: Vec<&str> = events[events_before..]
            .iter()
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            vec![
                "ratification.amended",
                "ratification.cast",
                "ratification.amended",
                "ratification.amended"
            ]
        );
        assert_eq!(app.get_json("/v1/events/verify").await["ok"], true);
    }
);

// Within one writer batch the members a ballot sees are read once for the batch, not once per
// decision (see `db::memo::remember_group`). What each decision is checked against must still be
// that ballot's own: its electorate, and each member's current decision there, stored or pending
// in the batch; a member of one ballot's electorate is outside another's, and a decision on one
// ballot is not the current one on another.
db_test!(
    decisions_of_several_members_on_two_ballots_in_one_batch_see_their_own_ballot,
    |app| {
        drafted(&mut app, "AIS-0001").await;
        drafted(&mut app, "AIS-0002").await;
        let v = voters(&mut app, 3).await;
        let first = open_ballot(&mut app, "AIS-0001", 3600, None).await;
        app.member("ZAF", "state", true, "africa").await;
        let latecomer = app.client(&["delegate"], Some("ZAF")).await;
        let second = open_ballot(&mut app, "AIS-0002", 3600, None).await;
        let (b1, b2) = (
            first["id"].as_str().unwrap().to_string(),
            second["id"].as_str().unwrap().to_string(),
        );
        // One decision stored before the batch: the batch must see it as current on b2 only.
        assert_eq!(
            cast(&app, &second, &v[0].0, &v[0].1, decision(&second, "ratify"))
                .await
                .status(),
            201
        );
        let events_before = app.events().await.len();

        let zaf = ("ZAF".to_string(), latecomer);
        let (arg, bra, can) = (v[0].clone(), v[1].clone(), v[2].clone());
        let on = |ballot: &str, (member, cred): &(String, Cred), body: Value| {
            (ballot.to_string(), member.clone(), cred.clone(), body)
        };
        let queued = vec![
            on(&b1, &arg, decision(&first, "ratify")),
            on(&b1, &bra, decision(&first, "abstain")),
            // Outside b1's electorate (it joined after b1 opened), inside b2's.
            on(&b1, &zaf, decision(&first, "ratify")),
            on(&b2, &zaf, decision(&second, "abstain")),
            on(&b1, &can, decision(&first, "decline")),
            on(&b2, &arg, decision(&second, "abstain")),
            on(&b1, &arg, decision(&first, "abstain")),
            on(&b2, &bra, decision(&second, "ratify")),
            // Repeats of a pending decision (b1) and of one stored in this batch's b2 history.
            on(&b1, &bra, decision(&first, "abstain")),
            on(&b2, &arg, decision(&second, "abstain")),
        ];
        let answers = cast_in_one_batch(&app, queued).await;
        let forbidden = json!("forbidden");
        assert_eq!(
            answers,
            vec![
                (201, Some(1), Value::Null),
                (201, Some(1), Value::Null),
                (403, None, forbidden),
                (201, Some(1), Value::Null),
                (201, Some(1), Value::Null),
                (200, Some(2), Value::Null),
                (200, Some(2), Value::Null),
                (201, Some(1), Value::Null),
                (200, Some(1), Value::Null),
                (200, Some(2), Value::Null),
            ]
        );

        let row = |m: &str, version: i64, d: &str, current: bool| {
            (m.to_string(), version, d.to_string(), current)
        };
        assert_eq!(
            history(&app, &b1).await,
            vec![
                row("ARG", 1, "ratify", false),
                row("ARG", 2, "abstain", true),
                row("BRA", 1, "abstain", true),
                row("CAN", 1, "decline", true),
            ]
        );
        assert_eq!(
            history(&app, &b2).await,
            vec![
                row("ARG", 1, "ratify", false),
                row("ARG", 2, "abstain", true),
                row("BRA", 1, "ratify", true),
                row("ZAF", 1, "abstain", true),
            ]
        );
        // One event per new version, in the order the decisions came.
        let events = app.events().await;
        let kinds: Vec<(&str, &str)> = events[events_before..]
            .iter()
            .map(|e| {
                (
                    e["type"].as_str().unwrap(),
                    e["data"]["ballot"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("ratification.cast", b1.as_str()),
                ("ratification.cast", b1.as_str()),
                ("ratification.cast", b2.as_str()),
                ("ratification.cast", b1.as_str()),
                ("ratification.amended", b2.as_str()),
                ("ratification.amended", b1.as_str()),
                ("ratification.cast", b2.as_str()),
            ]
        );
        assert_eq!(app.get_json("/v1/events/verify").await["ok"], true);
    }
);
