//! Canonical JSON (RFC 8785: sorted keys, no whitespace, minimal escapes) and SHA-256, the two
//! ingredients of every hash Accord publishes.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The RFC 8785 form of a value. Accord only hashes strings, integers, booleans, nulls, arrays and
/// objects, for which the form is unambiguous.
pub fn canonical_json<T: Serialize + ?Sized>(value: &T) -> String {
    // serde_jcs fails only for non-finite floats, which no Accord type contains.
    serde_jcs::to_string(value).unwrap_or_else(|e| panic!("canonical JSON: {e}"))
}

pub fn sha256_hex(bytes: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(bytes.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_and_whitespace_removed() {
        let v = json!({"b": 1, "a": {"d": [1, "x"], "c": null}, "é": "ü\n"});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":null,"d":[1,"x"]},"b":1,"é":"ü\n"}"#
        );
    }

    #[test]
    fn sha256_of_empty_input_is_the_known_value() {
        assert_eq!(
            sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
