//! Client secrets: generated with 256 bits of entropy, stored as Argon2id hashes, compared in
//! constant time by the argon2 crate. Call these from a blocking thread.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The system RNG failing is not recoverable.
    aws_lc_rs::rand::fill(&mut bytes).unwrap_or_else(|_| panic!("system random generator failed"));
    bytes
}

pub fn generate_secret() -> String {
    format!("acs_{}", URL_SAFE_NO_PAD.encode(random_bytes::<32>()))
}

pub fn generate_client_id() -> String {
    format!("cli_{}", hex::encode(random_bytes::<10>()))
}

pub fn hash_secret(secret: &str) -> Result<String, String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

pub fn verify_secret(secret: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the client id is unknown, so that an unknown id costs the same
/// time as a wrong secret and the token endpoint does not reveal which ids exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_secret(&generate_secret()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_verifies_only_against_its_own_hash() {
        let secret = generate_secret();
        let hash = hash_secret(&secret).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(!hash.contains(&secret));
        assert!(verify_secret(&secret, &hash));
        assert!(!verify_secret("acs_wrong", &hash));
        assert!(!verify_secret(&secret, "not a hash"));
        assert!(!verify_secret(&secret, dummy_hash()));
    }
}
