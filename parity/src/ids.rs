//! Ids that two sides generate differently, mapped so that a later `GET /clusters/{id}`
//! reaches the right entity on each side and the answers can be compared.
//!
//! Each live side gets a map from the recorded id to the id it generated (to rewrite the
//! events it is sent); the candidate also gets a map from its ids to the baseline's (to
//! translate its answers before the comparison).

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::Value;

use crate::path::PathPattern;
use crate::record::{Outcome, parsed_body};

/// A one-way id translation table: recorded ids to the ids one side generated, or the
/// candidate's ids to the baseline's.
#[derive(Debug, Clone, Default)]
pub struct IdMap {
    map: HashMap<String, String>,
}

fn is_id_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'
}

impl IdMap {
    /// Notes that `from` corresponds to `to`. Equal or empty ids are not stored.
    pub fn insert(&mut self, from: &str, to: &str) {
        if from != to && !from.is_empty() && !to.is_empty() {
            self.map.insert(from.to_owned(), to.to_owned());
        }
    }

    /// The id `from` corresponds to; `None` when none was learned (the id is the same on
    /// both sides, or not an id at all).
    pub fn get(&self, from: &str) -> Option<&str> {
        self.map.get(from).map(String::as_str)
    }

    /// True when no id is mapped: events and answers pass through unchanged.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Learns from two answers to the same create: the ids each holds at `id_paths`
    /// (patterns over `{"body": <parsed body>}`, like `$.body.cluster_id`). Returns the
    /// pairs learned.
    pub fn learn_from_responses(
        &mut self,
        id_paths: &[PathPattern],
        from: &Outcome,
        to: &Outcome,
    ) -> Vec<(String, String)> {
        let (Outcome::Response(from), Outcome::Response(to)) = (from, to) else {
            return Vec::new();
        };
        let (Some(from_body), Some(to_body)) = (parsed_body(from), parsed_body(to)) else {
            return Vec::new();
        };
        let mut learned = Vec::new();
        for pattern in id_paths {
            if let (Some(Value::String(x)), Some(Value::String(y))) =
                (pattern.lookup(&from_body), pattern.lookup(&to_body))
                && x != y
            {
                self.insert(x, y);
                learned.push((x.clone(), y.clone()));
            }
        }
        learned
    }

    /// Replaces known ids inside `text`. An id is found as a whole run of id characters
    /// (`[A-Za-z0-9_-]`) or as the tail of such a run after a `-` or `_` (so the id inside
    /// `eks-<id>` is found too).
    pub(crate) fn translate_str<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.map.is_empty() {
            return Cow::Borrowed(text);
        }
        let bytes = text.as_bytes();
        let mut out: Option<String> = None;
        let mut copied = 0;
        let mut position = 0;
        while position < bytes.len() {
            if !is_id_byte(bytes[position]) {
                position += 1;
                continue;
            }
            let start = position;
            while position < bytes.len() && is_id_byte(bytes[position]) {
                position += 1;
            }
            // Base64 tokens (paging tokens) end in `=` padding: try the padded run first.
            let mut padded = position;
            while padded < bytes.len() && padded - position < 2 && bytes[padded] == b'=' {
                padded += 1;
            }
            if padded > position
                && let Some(to) = self.map.get(&text[start..padded])
            {
                let buffer = out.get_or_insert_with(|| String::with_capacity(text.len()));
                buffer.push_str(&text[copied..start]);
                buffer.push_str(to);
                copied = padded;
                position = padded;
                continue;
            }
            let run = &text[start..position];
            let mut found = self.map.get(run).map(|to| (start, to));
            if found.is_none() {
                for (offset, byte) in run.bytes().enumerate() {
                    if (byte == b'-' || byte == b'_')
                        && let Some(to) = self.map.get(&run[offset + 1..])
                    {
                        found = Some((start + offset + 1, to));
                        break;
                    }
                }
            }
            if let Some((id_start, to)) = found {
                let buffer = out.get_or_insert_with(|| String::with_capacity(text.len()));
                buffer.push_str(&text[copied..id_start]);
                buffer.push_str(to);
                copied = position;
            }
        }
        match out {
            Some(mut buffer) => {
                buffer.push_str(&text[copied..]);
                Cow::Owned(buffer)
            }
            None => Cow::Borrowed(text),
        }
    }

    /// Replaces known ids in every string and object key of `value`.
    pub(crate) fn translate_value(&self, value: &mut Value) {
        if self.map.is_empty() {
            return;
        }
        match value {
            Value::String(text) => {
                if let Cow::Owned(translated) = self.translate_str(text) {
                    *text = translated;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| self.translate_value(item)),
            Value::Object(map) => {
                let keys_change = map.keys().any(|key| matches!(self.translate_str(key), Cow::Owned(_)));
                if keys_change {
                    let old = std::mem::take(map);
                    for (key, mut item) in old {
                        self.translate_value(&mut item);
                        map.insert(self.translate_str(&key).into_owned(), item);
                    }
                } else {
                    map.values_mut().for_each(|item| self.translate_value(item));
                }
            }
            _ => {}
        }
    }

    /// Translates the ids in an answer (its body text and headers, or an error message).
    pub(crate) fn translate_outcome(&self, outcome: &mut Outcome) {
        if self.map.is_empty() {
            return;
        }
        match outcome {
            Outcome::Response(response) => self.translate_value(response),
            Outcome::FunctionError(error) => {
                error.error_message = self.translate_str(&error.error_message).into_owned();
            }
        }
    }

    /// Rewrites an event for the side this map leads to: for API Gateway, the path, the
    /// path and query parameters, the body and the request context's path; for
    /// EventBridge, the `detail` and `resources` (a pipeline event names the side's own
    /// pipeline and execution).
    pub fn rewrite_event(&self, event: &mut Value) {
        if self.map.is_empty() {
            return;
        }
        for field in [
            "path",
            "rawPath",
            "pathParameters",
            "queryStringParameters",
            "multiValueQueryStringParameters",
            "body",
            "detail",
            "resources",
        ] {
            if let Some(value) = event.get_mut(field) {
                self.translate_value(value);
            }
        }
        if let Some(context) = event.get_mut("requestContext") {
            for field in ["path", "resourcePath"] {
                if let Some(value) = context.get_mut(field) {
                    self.translate_value(value);
                }
            }
            if let Some(value) = context.get_mut("http").and_then(|http| http.get_mut("path")) {
                self.translate_value(value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn created(id: &str) -> Outcome {
        Outcome::Response(json!({"statusCode": 201, "body": format!("{{\"cluster_id\": \"{id}\"}}")}))
    }

    #[test]
    fn learns_from_create_answers_and_rewrites_later_events() {
        let mut map = IdMap::default();
        let paths = ["$.body.cluster_id".parse().expect("pattern")];
        let learned = map.learn_from_responses(&paths, &created("c-recorded-1"), &created("c-live-9"));
        assert_eq!(learned, [("c-recorded-1".to_owned(), "c-live-9".to_owned())]);
        let mut event = json!({
            "resource": "/clusters/{cluster_id}",
            "path": "/clusters/c-recorded-1",
            "pathParameters": {"cluster_id": "c-recorded-1"},
            "body": "{\"note\": \"see c-recorded-1\"}",
            "requestContext": {"path": "/prod/clusters/c-recorded-1", "resourcePath": "/clusters/{cluster_id}"},
        });
        map.rewrite_event(&mut event);
        assert_eq!(event["path"], "/clusters/c-live-9");
        assert_eq!(event["pathParameters"]["cluster_id"], "c-live-9");
        assert_eq!(event["body"], "{\"note\": \"see c-live-9\"}");
        assert_eq!(event["requestContext"]["path"], "/prod/clusters/c-live-9");
        assert_eq!(event["resource"], "/clusters/{cluster_id}");
    }

    #[test]
    fn finds_ids_inside_longer_tokens_but_not_inside_other_ids() {
        let mut map = IdMap::default();
        map.insert("0f8fad5b-d9cb", "1111aaaa-2222");
        assert_eq!(map.translate_str("eks-0f8fad5b-d9cb done"), "eks-1111aaaa-2222 done");
        assert_eq!(map.translate_str("x0f8fad5b-d9cb"), "x0f8fad5b-d9cb");
        assert!(matches!(map.translate_str("nothing here"), Cow::Borrowed(_)));
        map.insert("eyJrIjogMX0=", "eyJrIjogMn0=");
        assert_eq!(map.translate_str("eyJrIjogMX0="), "eyJrIjogMn0=");
        assert_eq!(map.translate_str("a=eyJrIjogMX0= b"), "a=eyJrIjogMn0= b");
        let mut value = json!({"0f8fad5b-d9cb": ["0f8fad5b-d9cb"]});
        map.translate_value(&mut value);
        assert_eq!(value, json!({"1111aaaa-2222": ["1111aaaa-2222"]}));
    }
}
