//! Ed25519 signing keys: loading or generating the current key, the JWKS document, and the
//! verification keys by `kid` (the current key and any retired ones kept for old receipts).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::DecodingKey;
use serde_json::{Value, json};

use crate::domain::canonical::sha256_hex;

/// DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

pub struct KeyRing {
    kid: String,
    /// The current private key, parsed once (jsonwebtoken's `encode` parses its PKCS#8 again
    /// for every token, as long as the Ed25519 signature itself).
    signer: Ed25519KeyPair,
    verifying: HashMap<String, DecodingKey>,
    jwks: Value,
}

struct PublicKey {
    kid: String,
    x: String,
}

impl PublicKey {
    fn from_raw(raw: &[u8]) -> Self {
        let x = URL_SAFE_NO_PAD.encode(raw);
        // RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order.
        let thumbprint_input = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
        let digest = hex::decode(sha256_hex(thumbprint_input)).unwrap_or_default();
        Self {
            kid: URL_SAFE_NO_PAD.encode(digest),
            x,
        }
    }

    fn jwk(&self) -> Value {
        json!({"kty": "OKP", "crv": "Ed25519", "x": self.x, "kid": self.kid, "alg": "EdDSA", "use": "sig"})
    }
}

impl KeyRing {
    /// The current key from `key_file`, or from `data_dir/signing-key.pem`, generated there once
    /// when missing. `previous` are retired keys (private or public PEM) that stay verifiable.
    pub fn load(
        key_file: Option<&Path>,
        data_dir: &Path,
        previous: &[PathBuf],
    ) -> Result<Self, String> {
        let pem_text = match key_file {
            Some(path) => std::fs::read_to_string(path).map_err(|e| {
                format!(
                    "cannot read ACCORD_SIGNING_KEY_FILE {}: {e}",
                    path.display()
                )
            })?,
            None => load_or_generate(&data_dir.join("signing-key.pem"))?,
        };
        let (signer, public) = parse_private(&pem_text)?;
        let current = PublicKey::from_raw(&public);
        let mut verifying = HashMap::new();
        let mut jwks = vec![current.jwk()];
        verifying.insert(current.kid.clone(), decoding_key(&current)?);
        for path in previous {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read previous key {}: {e}", path.display()))?;
            let raw = parse_private(&text)
                .map(|(_, public)| public)
                .or_else(|_| parse_public(&text))?;
            let key = PublicKey::from_raw(&raw);
            if !verifying.contains_key(&key.kid) {
                verifying.insert(key.kid.clone(), decoding_key(&key)?);
                jwks.push(key.jwk());
            }
        }
        Ok(Self {
            kid: current.kid,
            signer,
            verifying,
            jwks: json!({ "keys": jwks }),
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The Ed25519 signature of `message` by the current key.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.signer.sign(message).as_ref().to_vec()
    }

    pub fn decoding_key(&self, kid: &str) -> Option<&DecodingKey> {
        self.verifying.get(kid)
    }

    pub fn jwks(&self) -> &Value {
        &self.jwks
    }
}

fn decoding_key(key: &PublicKey) -> Result<DecodingKey, String> {
    DecodingKey::from_ed_components(&key.x).map_err(|e| format!("bad public key: {e}"))
}

/// A fresh Ed25519 private key as PKCS#8 PEM (the form `openssl genpkey -algorithm ed25519` writes).
pub fn generate_pem() -> Result<String, String> {
    let pair =
        Ed25519KeyPair::generate().map_err(|_| "cannot generate an Ed25519 key".to_string())?;
    let der = pair
        .to_pkcs8v1()
        .map_err(|_| "cannot encode the Ed25519 key".to_string())?;
    Ok(pem::encode(&pem::Pem::new(
        "PRIVATE KEY",
        der.as_ref().to_vec(),
    )))
}

fn load_or_generate(path: &Path) -> Result<String, String> {
    if let Ok(text) = std::fs::read_to_string(path) {
        return Ok(text);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let pem_text = generate_pem()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(pem_text.as_bytes())
                .and_then(|_| file.sync_all())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            tracing::info!(path = %path.display(), "generated a new signing key");
            Ok(pem_text)
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display())),
        Err(e) => Err(format!("cannot create {}: {e}", path.display())),
    }
}

/// The key pair and the raw public key of an Ed25519 private key PEM.
fn parse_private(text: &str) -> Result<(Ed25519KeyPair, Vec<u8>), String> {
    let block = pem::parse(text).map_err(|e| format!("not a PEM file: {e}"))?;
    if block.tag() != "PRIVATE KEY" {
        return Err(format!(
            "expected an Ed25519 PRIVATE KEY, found {}",
            block.tag()
        ));
    }
    let pair = Ed25519KeyPair::from_pkcs8(block.contents())
        .map_err(|e| format!("not an Ed25519 PKCS#8 private key: {e}"))?;
    let public = pair.public_key().as_ref().to_vec();
    Ok((pair, public))
}

fn parse_public(text: &str) -> Result<Vec<u8>, String> {
    let block = pem::parse(text).map_err(|e| format!("not a PEM file: {e}"))?;
    let der = block.contents();
    if block.tag() != "PUBLIC KEY" || der.len() != 44 || der[..12] != ED25519_SPKI_PREFIX {
        return Err("expected an Ed25519 PUBLIC KEY or PRIVATE KEY".into());
    }
    Ok(der[12..].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_key_is_reused_and_published() {
        let dir = tempfile::tempdir().unwrap();
        let first = KeyRing::load(None, dir.path(), &[]).unwrap();
        let second = KeyRing::load(None, dir.path(), &[]).unwrap();
        assert_eq!(first.kid(), second.kid());
        let keys = first.jwks()["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0]["kid"], first.kid());
        assert_eq!(keys[0]["crv"], "Ed25519");
        assert!(first.decoding_key(first.kid()).is_some());
    }

    #[test]
    fn retired_keys_stay_in_the_jwks() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.pem");
        std::fs::write(&old, generate_pem().unwrap()).unwrap();
        let old_kid = KeyRing::load(Some(&old), dir.path(), &[])
            .unwrap()
            .kid()
            .to_string();
        let ring = KeyRing::load(None, dir.path(), &[old]).unwrap();
        assert_ne!(ring.kid(), old_kid);
        assert!(ring.decoding_key(&old_kid).is_some());
        assert_eq!(ring.jwks()["keys"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn rejects_what_is_not_an_ed25519_key() {
        assert!(parse_private("hello").is_err());
        assert!(
            parse_public("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").is_err()
        );
    }
}
