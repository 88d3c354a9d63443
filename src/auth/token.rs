//! Access tokens: EdDSA-signed JWTs (`typ` `at+jwt`, RFC 9068) and their verification.
//!
//! Verification pins the algorithm to EdDSA, requires the `typ`, looks the key up by `kid`, and
//! checks `iss`, `aud`, `exp`, `nbf` against the service's clock. Whether the client has been
//! revoked is checked by the caller against the database on every request.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};

use super::keys::KeyRing;
use crate::domain::time::Timestamp;

pub const ACCESS_TOKEN_TYP: &str = "at+jwt";
/// Tolerated clock difference between servers, in seconds.
const LEEWAY: i64 = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    pub roles: Vec<String>,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
}

/// Issuer, audience and lifetime of tokens.
#[derive(Debug, Clone)]
pub struct TokenConfig {
    pub issuer: String,
    pub audience: String,
    pub ttl_seconds: i64,
}

impl TokenConfig {
    pub fn claims(
        &self,
        client: &str,
        member: Option<String>,
        roles: Vec<String>,
        now: Timestamp,
    ) -> Claims {
        let now = now.unix();
        Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: client.to_string(),
            member,
            roles,
            iat: now,
            nbf: now,
            exp: now + self.ttl_seconds,
            jti: uuid::Uuid::new_v4().to_string(),
        }
    }
}

/// A compact JWS (RFC 7515) of `payload`, EdDSA with the current key: the same bytes
/// `jsonwebtoken::encode` writes (Ed25519 signatures are deterministic), but signed with the key
/// pair parsed once rather than once per token. Receipts are signed inside the writer, where that
/// parse cost a tenth of each ratification's time.
pub fn sign(keys: &KeyRing, typ: &str, payload: &impl Serialize) -> Result<String, String> {
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some(typ.to_string());
    header.kid = Some(keys.kid().to_string());
    let header = serde_json::to_vec(&header).map_err(|e| format!("signing failed: {e}"))?;
    let payload = serde_json::to_vec(payload).map_err(|e| format!("signing failed: {e}"))?;
    let mut jws = String::with_capacity((header.len() + payload.len()) * 4 / 3 + 90);
    URL_SAFE_NO_PAD.encode_string(&header, &mut jws);
    jws.push('.');
    URL_SAFE_NO_PAD.encode_string(&payload, &mut jws);
    let signature = keys.sign(jws.as_bytes());
    jws.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut jws);
    Ok(jws)
}

/// Checks a compact JWS of type `typ` signed by one of `keys` and returns its payload.
pub fn verify_jws<T: serde::de::DeserializeOwned>(
    keys: &KeyRing,
    typ: &str,
    token: &str,
    validation: &Validation,
) -> Result<T, String> {
    let header =
        jsonwebtoken::decode_header(token).map_err(|_| "the token is malformed".to_string())?;
    if header.alg != Algorithm::EdDSA {
        return Err(format!(
            "the algorithm {:?} is not accepted; tokens are signed with EdDSA",
            header.alg
        ));
    }
    if header.typ.as_deref() != Some(typ) {
        return Err(format!("the token type must be {typ}"));
    }
    let kid = header
        .kid
        .ok_or_else(|| "the token names no key (kid)".to_string())?;
    let key = keys
        .decoding_key(&kid)
        .ok_or_else(|| "the token's key (kid) is unknown".to_string())?;
    jsonwebtoken::decode::<T>(token, key, validation)
        .map(|data| data.claims)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                "the signature is not valid".to_string()
            }
            jsonwebtoken::errors::ErrorKind::InvalidIssuer => {
                "the issuer (iss) is not accepted".to_string()
            }
            jsonwebtoken::errors::ErrorKind::InvalidAudience => {
                "the audience (aud) is not accepted".to_string()
            }
            jsonwebtoken::errors::ErrorKind::MissingRequiredClaim(c) => {
                format!("the claim {c} is missing")
            }
            _ => "the token is malformed".to_string(),
        })
}

pub fn verify_access_token(
    keys: &KeyRing,
    config: &TokenConfig,
    token: &str,
    now: Timestamp,
) -> Result<Claims, String> {
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&[&config.issuer]);
    validation.set_audience(&[&config.audience]);
    validation.set_required_spec_claims(&["exp", "nbf", "iat", "aud", "iss", "sub"]);
    // Time is checked below against the service clock (the one tests control).
    validation.validate_exp = false;
    validation.validate_nbf = false;
    let claims: Claims = verify_jws(keys, ACCESS_TOKEN_TYP, token, &validation)?;
    check_times(&claims, now)?;
    Ok(claims)
}

/// Whether verified claims are valid at `now` (checked on every use, also of a cached token).
pub fn check_times(claims: &Claims, now: Timestamp) -> Result<(), String> {
    let now = now.unix();
    if claims.exp <= now - LEEWAY {
        return Err("the token has expired".into());
    }
    if claims.nbf > now + LEEWAY {
        return Err("the token is not valid yet (nbf)".into());
    }
    if claims.iat > now + LEEWAY {
        return Err("the token was issued in the future (iat)".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::{Clock, SystemClock};

    fn setup() -> (tempfile::TempDir, KeyRing, TokenConfig) {
        let dir = tempfile::tempdir().unwrap();
        let keys = KeyRing::load(None, dir.path(), &[]).unwrap();
        let config = TokenConfig {
            issuer: "http://accord.test".into(),
            audience: "accord".into(),
            ttl_seconds: 60,
        };
        (dir, keys, config)
    }

    #[test]
    fn signing_writes_what_jsonwebtoken_encode_writes() {
        let (dir, keys, config) = setup();
        let claims = config.claims("cli_1", Some("BRA".into()), vec![], SystemClock.now());
        let pem_text = std::fs::read_to_string(dir.path().join("signing-key.pem")).unwrap();
        let der = pem::parse(pem_text).unwrap().into_contents();
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(ACCESS_TOKEN_TYP.into());
        header.kid = Some(keys.kid().into());
        let expected = jsonwebtoken::encode(
            &header,
            &claims,
            &jsonwebtoken::EncodingKey::from_ed_der(&der),
        )
        .unwrap();
        assert_eq!(sign(&keys, ACCESS_TOKEN_TYP, &claims).unwrap(), expected);
    }

    #[test]
    fn a_fresh_token_verifies_and_an_expired_one_does_not() {
        let (_dir, keys, config) = setup();
        let now = SystemClock.now();
        let claims = config.claims("cli_1", Some("BRA".into()), vec!["delegate".into()], now);
        let token = sign(&keys, ACCESS_TOKEN_TYP, &claims).unwrap();
        assert_eq!(
            verify_access_token(&keys, &config, &token, now).unwrap(),
            claims
        );
        let later = now.plus_seconds(120);
        assert_eq!(
            verify_access_token(&keys, &config, &token, later).unwrap_err(),
            "the token has expired"
        );
    }

    #[test]
    fn another_type_is_refused() {
        let (_dir, keys, config) = setup();
        let claims = config.claims("cli_1", None, vec![], SystemClock.now());
        let token = sign(&keys, "receipt+jws", &claims).unwrap();
        assert!(verify_access_token(&keys, &config, &token, SystemClock.now()).is_err());
    }
}
