//! The token endpoint, token verification, and who may do what.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{PUBLIC_URL, TestApp, field_errors, header, problem};

fn decode_part(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("json")
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(app: &TestApp, sub: &str) -> Value {
    json!({"iss": app.issuer(), "aud": "accord", "sub": sub, "roles": ["secretariat"],
           "iat": now(), "nbf": now(), "exp": now() + 600, "jti": "t"})
}

fn kid_of(app_token: &str) -> String {
    decode_part(app_token.split('.').next().unwrap())["kid"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A token signed with the server's own key, with these claims.
fn forge(app: &TestApp, kid: &str, claims: &Value) -> String {
    let key = EncodingKey::from_ed_pem(app.signing_key_pem().as_bytes()).expect("server key");
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some("at+jwt".into());
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, claims, &key).expect("sign")
}

/// A protected write with `token`: must be refused with 401 and change nothing.
async fn assert_refused(app: &TestApp, token: &str, why: &str) {
    let response = app
        .request(Method::POST, "/v1/members")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .json(&json!({"code": "BRA", "name": "Brazil", "kind": "state", "voting": true, "region": "latin_america_caribbean"}))
        .send()
        .await
        .unwrap();
    let challenge = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().unwrap().to_string());
    let body = problem(response, 401).await;
    assert_eq!(body["code"], "invalid_token", "{why}: {body}");
    let challenge = challenge.unwrap_or_else(|| panic!("{why}: WWW-Authenticate missing"));
    assert!(
        challenge.starts_with("Bearer realm=\"accord\", error=\"invalid_token\""),
        "{why}: {challenge}"
    );
    assert_eq!(
        app.get("/v1/members/BRA").await.status(),
        404,
        "{why}: nothing may be created"
    );
}

db_test!(
    token_by_basic_authentication_carries_the_documented_claims,
    |app| {
        app.member("KEN", "state", true, "africa").await;
        let admin = app.admin_token().await;
        let created: Value = app
            .post(
                "/v1/clients",
                &admin,
                &json!({"roles": ["delegate"], "member": "KEN"}),
            )
            .await
            .json()
            .await
            .unwrap();
        let (id, secret) = (
            created["id"].as_str().unwrap(),
            created["client_secret"].as_str().unwrap(),
        );

        let response = app
            .request(Method::POST, "/v1/auth/token")
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 86_400);
        assert_eq!(body["scope"], "delegate");

        let token = body["access_token"].as_str().unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header = decode_part(parts[0]);
        assert_eq!(header["alg"], "EdDSA");
        assert_eq!(header["typ"], "at+jwt");
        let claims = decode_part(parts[1]);
        assert_eq!(claims["iss"], PUBLIC_URL);
        assert_eq!(claims["aud"], "accord");
        assert_eq!(claims["sub"], id);
        assert_eq!(claims["member"], "KEN");
        assert_eq!(claims["roles"], json!(["delegate"]));
        let (iat, nbf, exp) = (
            claims["iat"].as_i64().unwrap(),
            claims["nbf"].as_i64().unwrap(),
            claims["exp"].as_i64().unwrap(),
        );
        assert!(
            (iat - now()).abs() < 60 && nbf == iat && exp == iat + 86_400,
            "{claims}"
        );
        assert!(claims["jti"].as_str().is_some_and(|j| !j.is_empty()));

        // Anyone can verify it with the published key set alone.
        let jwks: jsonwebtoken::jwk::JwkSet = app
            .get("/.well-known/jwks.json")
            .await
            .json()
            .await
            .unwrap();
        let jwk = jwks
            .find(header["kid"].as_str().unwrap())
            .expect("kid published");
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_audience(&["accord"]);
        validation.set_issuer(&[PUBLIC_URL]);
        let verified =
            jsonwebtoken::decode::<Value>(token, &DecodingKey::from_jwk(jwk).unwrap(), &validation)
                .unwrap();
        assert_eq!(verified.claims["sub"], id);
    }
);

db_test!(token_by_form_fields_and_a_narrower_scope, |app| {
    let reader = app.client(&["reader", "editor"], None).await;
    let response = app
        .request(Method::POST, "/v1/auth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &reader.id),
            ("client_secret", &reader.secret),
            ("scope", "reader"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["scope"], "reader");
    assert_eq!(
        decode_part(
            body["access_token"]
                .as_str()
                .unwrap()
                .split('.')
                .nth(1)
                .unwrap()
        )["roles"],
        json!(["reader"])
    );

    let response = app
        .request(Method::POST, "/v1/auth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &reader.id),
            ("client_secret", &reader.secret),
            ("scope", "secretariat"),
        ])
        .send()
        .await
        .unwrap();
    let body = problem(response, 400).await;
    assert_eq!(
        (body["error"].as_str(), body["code"].as_str()),
        (Some("invalid_scope"), Some("invalid_scope"))
    );
});

db_test!(wrong_secret_and_unknown_client_get_the_same_answer, |app| {
    let admin = app.secretariat().await;
    let attempt = |id: String, secret: String| {
        app.request(Method::POST, "/v1/auth/token")
            .form(&[
                ("grant_type", "client_credentials".to_string()),
                ("client_id", id),
                ("client_secret", secret),
            ])
            .send()
    };
    let wrong_secret = problem(
        attempt(admin.id.clone(), "acs_wrong".into()).await.unwrap(),
        401,
    )
    .await;
    let unknown = problem(
        attempt("cli_00000000000000000000".into(), "acs_wrong".into())
            .await
            .unwrap(),
        401,
    )
    .await;
    assert_eq!(
        wrong_secret, unknown,
        "the answers must not reveal which client ids exist"
    );
    assert_eq!(wrong_secret["error"], "invalid_client");
    assert_eq!(wrong_secret["code"], "invalid_client");
    assert!(
        wrong_secret["error_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );

    let basic = app
        .request(Method::POST, "/v1/auth/token")
        .basic_auth(&admin.id, Some("acs_wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        basic.headers()[header::WWW_AUTHENTICATE],
        "Basic realm=\"accord\""
    );
    assert_eq!(problem(basic, 401).await["error"], "invalid_client");
});

db_test!(
    malformed_token_requests_are_refused_with_oauth_errors,
    |app| {
        let admin = app.secretariat().await;
        let form = |pairs: Vec<(&'static str, String)>| {
            app.request(Method::POST, "/v1/auth/token")
                .form(&pairs)
                .send()
        };

        let body = problem(
            form(vec![("grant_type", "password".into())]).await.unwrap(),
            400,
        )
        .await;
        assert_eq!(body["error"], "unsupported_grant_type");

        let body = problem(
            form(vec![
                ("client_id", admin.id.clone()),
                ("client_secret", admin.secret.clone()),
            ])
            .await
            .unwrap(),
            400,
        )
        .await;
        assert_eq!(body["error"], "invalid_request");

        let both = app
            .request(Method::POST, "/v1/auth/token")
            .basic_auth(&admin.id, Some(&admin.secret))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &admin.id),
                ("client_secret", &admin.secret),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(problem(both, 400).await["error"], "invalid_request");

        let body = problem(
            form(vec![("grant_type", "client_credentials".into())])
                .await
                .unwrap(),
            401,
        )
        .await;
        assert_eq!(body["error"], "invalid_client");

        let json_body = app
            .request(Method::POST, "/v1/auth/token")
            .json(&json!({"grant_type": "client_credentials"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            problem(json_body, 415).await["code"],
            "unsupported_media_type"
        );
    }
);

db_test!(unusable_tokens_are_refused_with_401, |app| {
    let admin = app.secretariat().await;
    let kid = kid_of(&admin.token);

    let none = app
        .request(Method::POST, "/v1/members")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        none.headers()[header::WWW_AUTHENTICATE],
        "Bearer realm=\"accord\""
    );
    assert_eq!(problem(none, 401).await["code"], "unauthorized");

    assert_refused(&app, "not-a-token", "malformed").await;
    assert_refused(&app, "a.b.c", "malformed parts").await;

    let mut expired = claims(&app, &admin.id);
    expired["exp"] = json!(now() - 3600);
    expired["iat"] = json!(now() - 7200);
    expired["nbf"] = json!(now() - 7200);
    assert_refused(&app, &forge(&app, &kid, &expired), "expired").await;

    let mut early = claims(&app, &admin.id);
    early["nbf"] = json!(now() + 3600);
    assert_refused(&app, &forge(&app, &kid, &early), "not yet valid").await;

    let mut wrong_iss = claims(&app, &admin.id);
    wrong_iss["iss"] = json!("https://elsewhere.example");
    assert_refused(&app, &forge(&app, &kid, &wrong_iss), "wrong iss").await;

    let mut wrong_aud = claims(&app, &admin.id);
    wrong_aud["aud"] = json!("another-service");
    assert_refused(&app, &forge(&app, &kid, &wrong_aud), "wrong aud").await;

    let mut no_aud = claims(&app, &admin.id);
    no_aud.as_object_mut().unwrap().remove("aud");
    assert_refused(&app, &forge(&app, &kid, &no_aud), "no aud").await;

    // The genuine control: a forged-but-correct token is accepted, so the refusals above are
    // about the one thing each changes.
    let ok = app
        .post(
            "/v1/members",
            &forge(&app, &kid, &claims(&app, &admin.id)),
            &json!({"code": "ZAF"}),
        )
        .await;
    assert_eq!(ok.status(), 422, "a correct token gets past authentication");

    let unsigned = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "at+jwt", "kid": kid}).to_string()),
        URL_SAFE_NO_PAD.encode(claims(&app, &admin.id).to_string())
    );
    assert_refused(&app, &unsigned, "alg none").await;

    // HS256 keyed with the public key (the classic algorithm-confusion attack), in both forms.
    let jwks = app.get_json("/.well-known/jwks.json").await;
    let x = jwks["keys"][0]["x"].as_str().unwrap().to_string();
    for key in [
        URL_SAFE_NO_PAD.decode(&x).unwrap(),
        x.clone().into_bytes(),
        app.signing_key_pem().into_bytes(),
    ] {
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some("at+jwt".into());
        header.kid = Some(kid.clone());
        let token = jsonwebtoken::encode(
            &header,
            &claims(&app, &admin.id),
            &EncodingKey::from_secret(&key),
        )
        .unwrap();
        assert_refused(&app, &token, "HS256 with the public key").await;
    }

    let parts: Vec<&str> = admin.token.split('.').collect();
    let mut payload = decode_part(parts[1]);
    payload["sub"] = json!("cli_someone_else");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    assert_refused(&app, &tampered, "tampered payload").await;

    let other_key =
        EncodingKey::from_ed_pem(accord::auth::keys::generate_pem().unwrap().as_bytes()).unwrap();
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some("at+jwt".into());
    header.kid = Some("unknown-key".into());
    let unknown_kid = jsonwebtoken::encode(&header, &claims(&app, &admin.id), &other_key).unwrap();
    assert_refused(&app, &unknown_kid, "unknown kid").await;
    header.kid = Some(kid.clone());
    let wrong_key = jsonwebtoken::encode(&header, &claims(&app, &admin.id), &other_key).unwrap();
    assert_refused(&app, &wrong_key, "known kid, other key").await;

    let mut receipt_typ = Header::new(Algorithm::EdDSA);
    receipt_typ.typ = Some("JWT".into());
    receipt_typ.kid = Some(kid.clone());
    let key = EncodingKey::from_ed_pem(app.signing_key_pem().as_bytes()).unwrap();
    let wrong_typ = jsonwebtoken::encode(&receipt_typ, &claims(&app, &admin.id), &key).unwrap();
    assert_refused(&app, &wrong_typ, "wrong typ").await;
});

db_test!(a_revoked_clients_token_stops_working_at_once, |app| {
    let admin = app.admin_token().await;
    let editor = app.client(&["secretariat"], None).await;
    assert_eq!(app.get("/v1/clients").await.status(), 401);
    let ok = app
        .request(Method::GET, "/v1/clients")
        .bearer_auth(&editor.token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);

    let revoke = app
        .request(Method::DELETE, &format!("/v1/clients/{}", editor.id))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 204);

    assert_refused(&app, &editor.token, "revoked client").await;
    let again = app
        .request(Method::POST, "/v1/auth/token")
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &editor.id),
            ("client_secret", &editor.secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(problem(again, 401).await["error"], "invalid_client");
});

db_test!(roles_without_the_permission_get_403, |app| {
    app.member("GHA", "state", true, "africa").await;
    let reader = app.client(&["reader"], None).await;
    let delegate = app.client(&["delegate"], Some("GHA")).await;
    let editor = app.client(&["editor"], None).await;
    let member = json!({"code": "FRA", "name": "France", "kind": "state", "voting": true, "region": "western_europe_others"});
    for (who, token) in [
        ("reader", &reader.token),
        ("delegate", &delegate.token),
        ("editor", &editor.token),
    ] {
        let body = problem(app.post("/v1/members", token, &member).await, 403).await;
        assert_eq!(body["code"], "forbidden", "{who}");
        assert!(
            body["detail"].as_str().unwrap().contains("secretariat"),
            "{who}: {body}"
        );
        let body = problem(
            app.post("/v1/clients", token, &json!({"roles": ["secretariat"]}))
                .await,
            403,
        )
        .await;
        assert_eq!(body["code"], "forbidden", "{who}");
        let list = app
            .request(Method::GET, "/v1/clients")
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(problem(list, 403).await["code"], "forbidden", "{who}");
    }
    assert_eq!(app.get("/v1/members/FRA").await.status(), 404);
    let admin = app.admin_token().await;
    let bad_role = problem(
        app.post("/v1/clients", &admin, &json!({"roles": ["overlord"]}))
            .await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&bad_role),
        vec![("roles[0]".to_string(), "unknown_value".to_string())]
    );
});

db_test!(the_signing_key_survives_a_restart, |app| {
    let admin = app.secretariat().await;
    let jwks_before = app.get_json("/.well-known/jwks.json").await;
    app.restart().await;
    assert_eq!(
        app.get_json("/.well-known/jwks.json").await,
        jwks_before,
        "the same key is reused"
    );
    assert_eq!(jwks_before["keys"][0]["kid"], kid_of(&admin.token));
    let list = app
        .request(Method::GET, "/v1/clients")
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        list.status(),
        200,
        "a token issued before the restart still verifies"
    );
});

db_test!(
    a_token_checked_once_still_expires_and_its_altered_copies_do_not_pass,
    |app| {
        let client = app.client(&["secretariat"], None).await;
        let list = |token: String| {
            app.request(Method::GET, "/v1/clients")
                .bearer_auth(token)
                .send()
        };
        // Used twice: the second use is served from the verified-token cache.
        for _ in 0..2 {
            assert_eq!(list(client.token.clone()).await.unwrap().status(), 200);
        }
        // The same token with one character of its signature changed is another token.
        let mut altered = client.token.clone();
        let last = altered.pop().unwrap();
        altered.push(if last == 'A' { 'B' } else { 'A' });
        assert_refused(&app, &altered, "altered signature").await;
        assert_eq!(list(client.token.clone()).await.unwrap().status(), 200);

        app.clock.advance(app.settings.token_ttl as i64 + 10);
        let response = list(client.token.clone()).await.unwrap();
        let body = problem(response, 401).await;
        assert_eq!(body["code"], "invalid_token");
        assert!(
            body["detail"].as_str().unwrap().contains("expired"),
            "{body}"
        );
    }
);
