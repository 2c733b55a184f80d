//! create-cluster's idempotency rules (`idempotency.py`): the key's length, the
//! request hash, and the record's lifetime.

use sha2::{Digest, Sha256};

use crate::ports::IdempotencyRecord;
use crate::time::Timestamp;

pub(crate) const MAX_KEY_LENGTH: usize = 255;
pub(crate) const RECORD_TTL_SECONDS: i64 = 24 * 60 * 60;

/// The 400 message for a key that is empty or too long.
pub fn key_length_message() -> String {
    format!("Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
}

/// The 422 message for a key reused with another body.
pub const KEY_REUSED_MESSAGE: &str = "Idempotency-Key was already used with a different request body";

/// Whether a present key is acceptable: 1 to 255 characters (code points, as `len`).
pub fn key_length_ok(key: &str) -> bool {
    (1..=MAX_KEY_LENGTH).contains(&key.chars().count())
}

/// `request_hash`: SHA-256 hex of the body text (`""` when absent).
pub fn request_hash(body_text: Option<&str>) -> String {
    let digest = Sha256::digest(body_text.unwrap_or("").as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The record create-cluster stores for a key: `expires_at` 24 hours after `now`.
pub fn new_record(
    key: &str,
    body_hash: &str,
    status_code: u16,
    body: &str,
    now: &Timestamp,
    location: Option<&str>,
) -> IdempotencyRecord {
    IdempotencyRecord {
        idempotency_key: key.to_owned(),
        request_hash: body_hash.to_owned(),
        status_code,
        response_body: body.to_owned(),
        location: location.map(str::to_owned),
        created_at: now.isoformat(),
        expires_at: now.unix_seconds() + RECORD_TTL_SECONDS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_sha256_hex_of_the_body_text() {
        // hashlib.sha256("".encode()).hexdigest() and of "{}".
        assert_eq!(request_hash(None), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(request_hash(Some("")), request_hash(None));
        assert_eq!(request_hash(Some("{}")), "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    }

    #[test]
    fn key_length_counts_characters() {
        assert!(!key_length_ok(""));
        assert!(key_length_ok("k"));
        assert!(key_length_ok(&"é".repeat(255)));
        assert!(!key_length_ok(&"k".repeat(256)));
        assert_eq!(key_length_message(), "Idempotency-Key must be 1 to 255 characters");
    }
}
