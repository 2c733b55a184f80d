//! Secrets never reach a report: values under secret-looking keys or headers are replaced
//! before anything is rendered.

use serde_json::Value;

use crate::path::{JsonPath, Segment};

/// What a secret is replaced with, the same marker the recorder uses.
pub const REDACTED: &str = "[REDACTED]";

const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "x-amz-security-token",
];

const SECRET_WORDS: &[&str] = &[
    "token", "secret", "password", "api-key", "apikey", "api_key",
];

/// True for header names and JSON keys whose values are secrets.
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_HEADERS.contains(&lower.as_str()) || SECRET_WORDS.iter().any(|word| lower.contains(word))
}

/// True when any key along `path` names a secret.
pub fn is_secret_path(path: &JsonPath) -> bool {
    path.segments()
        .iter()
        .any(|segment| matches!(segment, Segment::Key(key) if is_secret_name(key)))
}

/// Replaces, in place, every value held under a secret-looking key.
pub fn redact_value(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if is_secret_name(key) {
                    if !item.is_null() {
                        *item = Value::String(REDACTED.to_owned());
                    }
                } else {
                    redact_value(item);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_headers_and_keys_are_replaced_at_any_depth() {
        let mut value = json!({
            "headers": {"Authorization": "Bearer abc", "Set-Cookie": "s=1", "Accept": "*/*"},
            "body": {"items": [{"db_password": "hunter2", "name": "ok", "session_token": null}]},
        });
        redact_value(&mut value);
        assert_eq!(value["headers"]["Authorization"], REDACTED);
        assert_eq!(value["headers"]["Set-Cookie"], REDACTED);
        assert_eq!(value["headers"]["Accept"], "*/*");
        assert_eq!(value["body"]["items"][0]["db_password"], REDACTED);
        assert_eq!(value["body"]["items"][0]["name"], "ok");
        assert_eq!(value["body"]["items"][0]["session_token"], Value::Null);
        assert!(is_secret_path(
            &JsonPath::root().key("headers").key("x-api-key")
        ));
        assert!(!is_secret_path(&JsonPath::root().key("body").key("owner")));
    }
}
