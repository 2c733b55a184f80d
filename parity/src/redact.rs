//! Secrets never reach a report. A value is redacted for what it is, wherever it sits:
//!
//! - under a key that names a secret (`password`, `client_secret`, `api_key`,
//!   `credentials`, …), or a header the recorder redacts (its names and name words); a
//!   paging or idempotency token (`next_token`, `NextToken`, `clientRequestToken`) is no
//!   secret, and a mismatch there shows both values;
//! - shaped like a credential under any name: an AWS access key id, a JWT, a bearer
//!   token, a PEM private key, a long value written after a secret name in free text
//!   (`SecretAccessKey=…`), the password of a URL;
//! - at a path the user names in `parity.toml` (`[[redact]]`).
//!
//! The [`Redactor`] looks into subtrees, arrays, strings that hold a JSON document (a
//! body, a stored response), and JSON texts cut short by the comparison's length limit.
//! The comparison always runs on the real values; only what a report shows is redacted,
//! once, over the whole typed report (`ParityReport::redact`), so a renderer cannot
//! forget a field. A secret becomes `[REDACTED 1a2b3c4d]`: the fingerprint is keyed
//! afresh by each process, so two different secrets at one path still show as
//! different, and the fingerprint says nothing about the secret to anyone reading it.

use std::borrow::Cow;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::LazyLock;

use regex::{Captures, Regex};
use serde_json::Value;

use crate::path::{JsonPath, PathPattern, Seg, Segment};
use crate::rules::ParityRules;

/// What the recorder writes in place of a secret. Report markers start with the same text and add a fingerprint: `[REDACTED 1a2b3c4d]`.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// The prefix every redaction marker starts with; a value that starts with it is not
/// redacted again.
const MARKER_PREFIX: &str = "[REDACTED";

/// Header names the recorder redacts (`recorder/cutover_recorder/redaction.py`,
/// `REDACTED_HEADERS`).
const SECRET_HEADERS: &[&str] =
    &["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-amz-security-token"];

/// Words that make the recorder redact any header whose name contains them
/// (`REDACTED_HEADER_WORDS`).
const SECRET_HEADER_WORDS: &[&str] = &["token", "secret", "password", "api-key"];

/// Words that make a JSON key name a secret, matched in the key lowercased without `_`,
/// `-`, `.` and spaces (so `api_key`, `apiKey` and `X-Api-Key` all hold `apikey`).
const SECRET_KEY_WORDS: &[&str] =
    &["secret", "password", "passwd", "passphrase", "credential", "apikey", "privatekey", "cookie"];

/// What comes before `token` in the names of tokens that are positions or request ids,
/// not credentials: paging (`next_token`, `NextPageToken`, `ContinuationToken`) and
/// idempotency (`ClientToken`, `clientRequestToken`). Any other `…token` is a secret.
const NOT_SECRET_TOKEN_PREFIXES: &[&str] = &[
    "next",
    "nextpage",
    "page",
    "pagination",
    "continuation",
    "nextcontinuation",
    "start",
    "starting",
    "previous",
    "prev",
    "nextforward",
    "nextbackward",
    "cursor",
    "resume",
    "sync",
    "client",
    "clientrequest",
    "idempotency",
];

/// True for JSON keys whose values are secrets: `password`, `db_password`,
/// `client_secret`, `apiKey`, `credentials`, `session_token`; not `next_token`.
pub(crate) fn is_secret_name(name: &str) -> bool {
    let squeezed: String =
        name.chars().filter(|c| !matches!(c, '_' | '-' | '.' | ' ')).flat_map(char::to_lowercase).collect();
    if SECRET_KEY_WORDS.iter().any(|word| squeezed.contains(word)) {
        return true;
    }
    if !squeezed.contains("token") {
        return false;
    }
    let prefix = squeezed.strip_suffix("tokens").or_else(|| squeezed.strip_suffix("token"));
    !prefix.is_some_and(|prefix| NOT_SECRET_TOKEN_PREFIXES.contains(&prefix))
}

/// True for header names the recorder redacts: its names, and any name containing one of
/// its words.
pub(crate) fn is_secret_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_HEADERS.contains(&lower.as_str()) || SECRET_HEADER_WORDS.iter().any(|word| lower.contains(word))
}

/// The key of the fingerprints: random per process, so a fingerprint cannot be checked
/// against guesses, yet equal within one run (a report and its side effects).
static FINGERPRINT_KEY: LazyLock<RandomState> = LazyLock::new(RandomState::new);

/// The marker that replaces `secret`.
fn marker(secret: &str) -> String {
    let fingerprint = FINGERPRINT_KEY.hash_one(secret) >> 32;
    format!("{MARKER_PREFIX} {fingerprint:08x}]")
}

/// The marker as a JSON string, for a secret inside a JSON text.
fn json_marker(secret: &str) -> String {
    Value::String(marker(secret)).to_string()
}

fn is_marker(text: &str) -> bool {
    text.starts_with(MARKER_PREFIX)
}

/// A shown JSON value that is already a marker (a string, or a whole text).
fn is_shown_marker(text: &str) -> bool {
    is_marker(text) || text.strip_prefix('"').is_some_and(|inner| inner.starts_with(MARKER_PREFIX))
}

/// One credential shape: where the secret is in a match, and what of the match stays.
struct Shape {
    /// What the shape is, as `cutover corpus check` names a finding.
    name: &'static str,
    regex: Regex,
    replace: fn(&Captures<'_>) -> String,
}

/// The credential shapes, tried in this order (a JWT inside a bearer token is already a
/// marker when the bearer shape runs).
static SHAPES: LazyLock<Vec<Shape>> = LazyLock::new(|| {
    let shape = |name: &'static str, pattern: &str, replace: fn(&Captures<'_>) -> String| Shape {
        name,
        regex: Regex::new(pattern).expect("valid credential pattern"),
        replace,
    };
    let whole: fn(&Captures<'_>) -> String = |found| marker(&found[0]);
    vec![
        // PEM private keys, to their END line or, when the text was cut, to its end.
        shape(
            "private key",
            r"(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|\z)",
            whole,
        ),
        // JWTs: three base64url segments, the first a JSON header (`{"` is `eyJ`).
        shape("JWT", r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*", whole),
        // Bearer tokens keep their scheme; short words after "bearer" in prose do not match.
        shape("bearer token", r"(?i:\b(bearer)(\s+))([A-Za-z0-9\-._~+/]{16,}=*)", |found| {
            format!("{}{}{}", &found[1], &found[2], marker(&found[3]))
        }),
        // AWS access key ids (long-term and temporary).
        shape("AWS access key id", r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b", whole),
        // A long value written after a secret name in free text: `SecretAccessKey=…`,
        // `"client_secret": "…"` inside a log line. Markers never match (`[` is excluded).
        shape(
            "secret after its name",
            r#"(?i)\b([A-Za-z0-9_.-]*(?:secret|password|passwd|passphrase|credential|api[-_]?key|private[-_]?key|cookie|token)[A-Za-z0-9_.-]*)(\\?["']?\s*[:=]\s*\\?["']?)([A-Za-z0-9/+=_.~-]{16,})"#,
            |found| {
                if is_secret_name(&found[1]) {
                    format!("{}{}{}", &found[1], &found[2], marker(&found[3]))
                } else {
                    found[0].to_owned()
                }
            },
        ),
        // The password of a URL: `https://user:password@host`.
        shape("URL password", r#"\b([A-Za-z][A-Za-z0-9+.-]*://[^\s/:@"']+:)([^\s/@"']+)@"#, |found| {
            format!("{}{}@", &found[1], marker(&found[2]))
        }),
    ]
});

/// Replaces credential-shaped parts of free text (messages, raw bodies, paths, diffs).
pub(crate) fn redact_text(text: &str) -> Cow<'_, str> {
    let mut current = Cow::Borrowed(text);
    for shape in SHAPES.iter() {
        if let Cow::Owned(replaced) = shape.regex.replace_all(&current, |found: &Captures<'_>| (shape.replace)(found)) {
            current = Cow::Owned(replaced);
        }
    }
    current
}

/// A secret still in the clear in a JSON document (`cutover corpus check`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SecretFinding {
    /// Where, as a JSON path from the document's root (`$.event.headers.Authorization`);
    /// `<json>` steps into a string that holds a JSON document (a body).
    pub path: String,
    /// What: `secret-named field`, `secret header`, or a credential shape (`JWT`,
    /// `bearer token`, `AWS access key id`, `private key`, `secret after its name`,
    /// `URL password`).
    pub kind: &'static str,
}

/// Every secret in the clear in `document`: a value under a secret name (`password`,
/// `client_secret`, `apiKey`, ...) or under a header the recorder redacts, that is not
/// redacted; and any string shaped like a credential, wherever it sits (strings holding a
/// JSON document are looked into). The redaction marker, empty strings and non-strings
/// (`"password_set": true`) are no findings.
pub fn find_secrets(document: &Value) -> Vec<SecretFinding> {
    let mut findings = Vec::new();
    find_in(document, "$", None, &mut findings);
    findings
}

fn find_in(value: &Value, path: &str, parent_key: Option<&str>, findings: &mut Vec<SecretFinding>) {
    match value {
        Value::Object(map) => {
            let headers = parent_key.is_some_and(|key| key == "headers" || key == "multiValueHeaders");
            for (key, child) in map {
                let child_path = format!("{path}.{key}");
                let named = if headers && is_secret_header(key) {
                    Some("secret header")
                } else if is_secret_name(key) {
                    Some("secret-named field")
                } else {
                    None
                };
                if let Some(kind) = named
                    && holds_clear_text(child)
                {
                    findings.push(SecretFinding { path: child_path, kind });
                    continue;
                }
                find_in(child, &child_path, Some(key), findings);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                find_in(item, &format!("{path}[{index}]"), parent_key, findings);
            }
        }
        Value::String(text) => {
            let trimmed = text.trim_start();
            if (trimmed.starts_with('{') || trimmed.starts_with('['))
                && let Ok(inner) = serde_json::from_str::<Value>(text)
            {
                find_in(&inner, &format!("{path}<json>"), parent_key, findings);
                return;
            }
            for shape in SHAPES.iter() {
                let clear = shape.regex.captures_iter(text).any(|found| (shape.replace)(&found) != found[0]);
                if clear && !is_marker(text) {
                    findings.push(SecretFinding { path: path.to_owned(), kind: shape.name });
                }
            }
        }
        _ => {}
    }
}

/// A string (or strings in an array) that is neither empty nor a redaction marker.
fn holds_clear_text(value: &Value) -> bool {
    match value {
        Value::String(text) => !text.is_empty() && !is_marker(text),
        Value::Array(items) => items.iter().any(holds_clear_text),
        Value::Object(map) => map.values().any(holds_clear_text),
        _ => false,
    }
}

/// Replaces `field` by its redacted text when anything in it was a secret.
pub(crate) fn redact_field(field: &mut String) {
    if let Cow::Owned(redacted) = redact_text(field) {
        *field = redacted;
    }
}

/// Decides what is secret and replaces it: by key names and headers, by credential
/// shapes, and by the `[[redact]]` paths of the rules it was made from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Redactor {
    /// `[[redact]]` rules: route (or `*`) and path.
    paths: Vec<(String, PathPattern)>,
}

impl Redactor {
    /// A redactor with the `[[redact]]` paths of `rules` besides names and shapes.
    pub(crate) fn new(rules: &ParityRules) -> Self {
        Self { paths: rules.redactions.iter().map(|rule| (rule.route.clone(), rule.pattern.clone())).collect() }
    }

    /// True when the value at `path` of a `route` document is a secret as a whole: a key
    /// along the path names one, or a configured path covers it.
    pub(crate) fn is_secret_at(&self, route: &str, path: &[Segment]) -> bool {
        let keys_from = match path {
            [Segment::Key(root), Segment::Key(header), ..] if root == "headers" || root == "multiValueHeaders" => {
                if is_secret_header(header) {
                    return true;
                }
                2
            }
            _ => 0,
        };
        let secret_key =
            path.iter().skip(keys_from).any(|segment| matches!(segment, Segment::Key(key) if is_secret_name(key)));
        secret_key || self.configured_covers(route, path)
    }

    fn configured_covers(&self, route: &str, path: &[Segment]) -> bool {
        let mut applying =
            self.paths.iter().filter(|(rule_route, _)| rule_route == "*" || rule_route == route).peekable();
        if applying.peek().is_none() {
            return false;
        }
        let segs: Vec<Seg<'_>> = path
            .iter()
            .map(|segment| match segment {
                Segment::Key(key) => Seg::Key(key),
                Segment::Index(index) => Seg::Index(*index),
            })
            .collect();
        applying.any(|(_, pattern)| pattern.covers(&segs))
    }

    /// Redacts a whole document of `route` in place, from its root.
    pub(crate) fn redact_document(&self, route: &str, document: &mut Value) {
        self.redact_value_at(route, &mut Vec::new(), document);
    }

    fn redact_value_at(&self, route: &str, path: &mut Vec<Segment>, value: &mut Value) {
        if value.is_null() {
            // Null holds no secret, and whether a secret is set is worth seeing.
            return;
        }
        if self.is_secret_at(route, path) {
            if !matches!(value, Value::String(text) if is_marker(text)) {
                let shown = serde_json::to_string(value).unwrap_or_default();
                *value = Value::String(marker(&shown));
            }
            return;
        }
        match value {
            Value::Object(map) => {
                if map.keys().any(|key| matches!(redact_text(key), Cow::Owned(_))) {
                    *map = std::mem::take(map)
                        .into_iter()
                        .map(|(key, item)| (redact_text(&key).into_owned(), item))
                        .collect();
                }
                for (key, item) in map.iter_mut() {
                    path.push(Segment::Key(key.clone()));
                    self.redact_value_at(route, path, item);
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (index, item) in items.iter_mut().enumerate() {
                    path.push(Segment::Index(index));
                    self.redact_value_at(route, path, item);
                    path.pop();
                }
            }
            Value::String(text) => {
                if let Cow::Owned(redacted) = self.redact_string(route, path, text) {
                    *text = redacted;
                }
            }
            Value::Bool(_) | Value::Number(_) | Value::Null => {}
        }
    }

    /// A string at a path that is not secret as a whole: a JSON document inside it is
    /// redacted as if its keys continued the path; any other text by shapes.
    fn redact_string<'t>(&self, route: &str, path: &mut Vec<Segment>, text: &'t str) -> Cow<'t, str> {
        if is_marker(text) {
            return Cow::Borrowed(text);
        }
        if text.trim_start().starts_with(['{', '[']) {
            return self.redact_json_text_at(route, path, text);
        }
        redact_text(text)
    }

    /// A value shown for a difference at `path` (compact JSON, maybe cut short, or a
    /// description such as `<12 bytes>`): a marker when the path is secret, else its
    /// secrets inside replaced.
    pub(crate) fn redact_shown<'t>(&self, route: &str, path: &JsonPath, text: &'t str) -> Cow<'t, str> {
        if is_shown_marker(text) {
            return Cow::Borrowed(text);
        }
        if self.is_secret_at(route, path.segments()) {
            return Cow::Owned(json_marker(text));
        }
        self.redact_json_text(route, path, text)
    }

    /// Redacts a JSON text whose root sits at `path`, keeping its spelling everywhere
    /// nothing was secret. Text cut short or not JSON at all is handled as far as it
    /// parses, and by shapes from there.
    pub(crate) fn redact_json_text<'t>(&self, route: &str, path: &JsonPath, text: &'t str) -> Cow<'t, str> {
        self.redact_json_text_at(route, &mut path.segments().to_vec(), text)
    }

    fn redact_json_text_at<'t>(&self, route: &str, path: &mut Vec<Segment>, text: &'t str) -> Cow<'t, str> {
        let mut scanner = Scanner { redactor: self, route, text, position: 0, out: String::with_capacity(text.len()) };
        // However the scan stopped, what it did not copy is redacted as free text.
        match scanner.value(path) {
            Ok(()) | Err(Stop::End | Stop::Unexpected) => {}
        }
        let rest = &text[scanner.position.min(text.len())..];
        scanner.out.push_str(&redact_text(rest));
        if scanner.out == text { Cow::Borrowed(text) } else { Cow::Owned(scanner.out) }
    }

    /// `path` with credential-shaped keys replaced, for showing it.
    pub(crate) fn redact_path(&self, path: &JsonPath) -> Option<JsonPath> {
        let mut changed = false;
        let mut redacted = JsonPath::root();
        for segment in path.segments() {
            redacted = match segment {
                Segment::Key(key) => match redact_text(key) {
                    Cow::Borrowed(_) => redacted.key(key),
                    Cow::Owned(replaced) => {
                        changed = true;
                        redacted.key(&replaced)
                    }
                },
                Segment::Index(index) => redacted.index(*index),
            };
        }
        changed.then_some(redacted)
    }
}

/// Why a scan stopped before the end of a value.
enum Stop {
    /// The text ended (it was cut short).
    End,
    /// Something that is not JSON; the rest is free text.
    Unexpected,
}

/// A tolerant JSON scanner that copies a text and replaces secrets as it goes. It never
/// fails: where the text stops being JSON it stops, and the caller redacts the rest as
/// free text. Nothing is written for a token until it is known to be valid, so the rest
/// always starts at `position`.
struct Scanner<'r, 't> {
    redactor: &'r Redactor,
    route: &'r str,
    text: &'t str,
    position: usize,
    out: String,
}

impl Scanner<'_, '_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.position).copied()
    }

    fn copy_whitespace(&mut self) {
        while let Some(byte @ (b' ' | b'\n' | b'\r' | b'\t')) = self.peek() {
            self.out.push(char::from(byte));
            self.position += 1;
        }
    }

    /// Copies one ASCII punctuation byte.
    fn copy_byte(&mut self) {
        if let Some(byte) = self.peek() {
            self.out.push(char::from(byte));
            self.position += 1;
        }
    }

    fn value(&mut self, path: &mut Vec<Segment>) -> Result<(), Stop> {
        self.copy_whitespace();
        let byte = self.peek().ok_or(Stop::End)?;
        let secret = self.redactor.is_secret_at(self.route, path);
        match byte {
            b'{' | b'[' if secret => {
                let start = self.position;
                let closed = self.skip_balanced();
                self.out.push_str(&json_marker(&self.text[start..self.position]));
                if closed { Ok(()) } else { Err(Stop::End) }
            }
            b'{' => self.object(path),
            b'[' => self.array(path),
            b'"' => self.string(path, secret),
            _ => self.scalar(secret),
        }
    }

    fn object(&mut self, path: &mut Vec<Segment>) -> Result<(), Stop> {
        self.copy_byte();
        loop {
            self.copy_whitespace();
            match self.peek() {
                None => return Err(Stop::End),
                Some(b'}') => {
                    self.copy_byte();
                    return Ok(());
                }
                Some(b'"') => {}
                Some(_) => return Err(Stop::Unexpected),
            }
            let start = self.position;
            let Some(end) = string_end(self.text, start) else {
                return Err(Stop::End);
            };
            let raw = &self.text[start..end];
            let key = serde_json::from_str::<String>(raw).unwrap_or_else(|_| raw.to_owned());
            self.out.push_str(&redact_text(raw));
            self.position = end;
            self.copy_whitespace();
            match self.peek() {
                None => return Err(Stop::End),
                Some(b':') => self.copy_byte(),
                Some(_) => return Err(Stop::Unexpected),
            }
            path.push(Segment::Key(key));
            let member = self.value(path);
            path.pop();
            member?;
            self.copy_whitespace();
            match self.peek() {
                None => return Err(Stop::End),
                Some(b',') => self.copy_byte(),
                Some(b'}') => {
                    self.copy_byte();
                    return Ok(());
                }
                Some(_) => return Err(Stop::Unexpected),
            }
        }
    }

    fn array(&mut self, path: &mut Vec<Segment>) -> Result<(), Stop> {
        self.copy_byte();
        self.copy_whitespace();
        if self.peek() == Some(b']') {
            self.copy_byte();
            return Ok(());
        }
        let mut index = 0;
        loop {
            path.push(Segment::Index(index));
            let item = self.value(path);
            path.pop();
            item?;
            self.copy_whitespace();
            match self.peek() {
                None => return Err(Stop::End),
                Some(b',') => self.copy_byte(),
                Some(b']') => {
                    self.copy_byte();
                    return Ok(());
                }
                Some(_) => return Err(Stop::Unexpected),
            }
            index += 1;
        }
    }

    fn string(&mut self, path: &mut Vec<Segment>, secret: bool) -> Result<(), Stop> {
        let start = self.position;
        let Some(end) = string_end(self.text, start) else {
            // Cut short inside the string: what is there is all there is to redact.
            let raw = &self.text[start..];
            let shown = if secret { json_marker(raw) } else { redact_text(raw).into_owned() };
            self.out.push_str(&shown);
            self.position = self.text.len();
            return Err(Stop::End);
        };
        let raw = &self.text[start..end];
        self.position = end;
        match serde_json::from_str::<String>(raw) {
            Ok(content) if is_marker(&content) => self.out.push_str(raw),
            Ok(_) if secret => self.out.push_str(&json_marker(raw)),
            Ok(content) => match self.redactor.redact_string(self.route, path, &content) {
                Cow::Borrowed(_) => self.out.push_str(raw),
                Cow::Owned(redacted) => self.out.push_str(&Value::String(redacted).to_string()),
            },
            Err(_) if secret => self.out.push_str(&json_marker(raw)),
            Err(_) => self.out.push_str(&redact_text(raw)),
        }
        Ok(())
    }

    fn scalar(&mut self, secret: bool) -> Result<(), Stop> {
        let rest = &self.text[self.position..];
        let length =
            rest.bytes().take_while(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'-' | b'.')).count();
        let token = &rest[..length];
        let valid = matches!(token, "true" | "false" | "null")
            || (token.starts_with(|c: char| c == '-' || c.is_ascii_digit())
                && serde_json::from_str::<serde_json::Number>(token).is_ok());
        if !valid {
            return Err(Stop::Unexpected);
        }
        if secret && token != "null" {
            self.out.push_str(&json_marker(token));
        } else {
            self.out.push_str(token);
        }
        self.position += length;
        Ok(())
    }

    /// Moves past a whole object or array; false when the text ends first.
    fn skip_balanced(&mut self) -> bool {
        let bytes = self.text.as_bytes();
        let mut depth = 0usize;
        while self.position < bytes.len() {
            match bytes[self.position] {
                b'"' => match string_end(self.text, self.position) {
                    Some(end) => {
                        self.position = end;
                        continue;
                    }
                    None => {
                        self.position = bytes.len();
                        return false;
                    }
                },
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.position += 1;
                        return true;
                    }
                }
                _ => {}
            }
            self.position += 1;
        }
        false
    }
}

/// The index just past the closing quote of the JSON string starting at `start`, or
/// `None` when the text ends inside it.
fn string_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut position = start + 1;
    while position < bytes.len() {
        match bytes[position] {
            b'\\' => position += 2,
            b'"' => return Some(position + 1),
            _ => position += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {

    #[test]
    fn find_secrets_names_each_kind_at_its_path_and_passes_redacted_and_harmless_values() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
        let document = serde_json::json!({
            "event": {
                "headers": {"Authorization": "Basic dXNlcjpwYXNz", "X-Api-Key": "[REDACTED]", "Accept": "*/*"},
                "multiValueHeaders": {"Cookie": ["session=abc"]},
                "body": format!("{{\"password\": \"hunter2\", \"note\": \"token {jwt}\"}}"),
                "queryStringParameters": {"next_token": "abcdefghijklmnopqrstuvwxyz"},
                "password_set": true,
                "client_secret": "",
            },
            "response": {"body": "key AKIAABCDEFGHIJKLMNOP and Bearer abcdefghijklmnopqrstuvwxyz012345"},
            "error": {"errorMessage": "postgres://app:s3cr3tpass@db:5432/x"},
        });
        let found: Vec<(String, &str)> =
            find_secrets(&document).into_iter().map(|finding| (finding.path, finding.kind)).collect();
        assert_eq!(
            found,
            [
                ("$.event.headers.Authorization".to_string(), "secret header"),
                ("$.event.multiValueHeaders.Cookie".to_string(), "secret header"),
                ("$.event.body<json>.password".to_string(), "secret-named field"),
                ("$.event.body<json>.note".to_string(), "JWT"),
                ("$.response.body".to_string(), "bearer token"),
                ("$.response.body".to_string(), "AWS access key id"),
                ("$.error.errorMessage".to_string(), "URL password"),
            ]
        );
    }
    use super::*;
    use serde_json::json;
    use std::path::Path;

    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl";

    fn path(text: &[&str]) -> JsonPath {
        text.iter().fold(JsonPath::root(), |path, key| path.key(key))
    }

    /// A marker: `[REDACTED ` and eight hex digits.
    fn redacted_at(value: &Value) -> bool {
        value.as_str().is_some_and(|text| text.starts_with("[REDACTED ") && text.ends_with(']') && text.len() == 19)
    }

    #[test]
    fn secret_names_are_secrets_and_paging_tokens_are_not() {
        for name in [
            "password",
            "db_password",
            "Password",
            "client_secret",
            "SecretAccessKey",
            "api_key",
            "apiKey",
            "X-Api-Key",
            "credentials",
            "private_key",
            "session_token",
            "SessionToken",
            "access_token",
            "token",
            "refreshToken",
            "cookies",
            "passphrase",
        ] {
            assert!(is_secret_name(name), "{name} is a secret");
        }
        for name in [
            "next_token",
            "nextToken",
            "NextToken",
            "next-token",
            "NextPageToken",
            "pagination_token",
            "PaginationToken",
            "ContinuationToken",
            "NextContinuationToken",
            "StartingToken",
            "page_token",
            "clientRequestToken",
            "ClientToken",
            "idempotency_token",
            "owner",
            "kms_key_arn",
            "cluster_id",
        ] {
            assert!(!is_secret_name(name), "{name} is no secret");
        }
    }

    #[test]
    fn headers_follow_the_recorders_names_and_words() {
        for name in [
            "Authorization",
            "proxy-authorization",
            "Cookie",
            "Set-Cookie",
            "X-Api-Key",
            "X-Amz-Security-Token",
            "X-Session-Token",
            "X-Client-Secret",
            "X-Db-Password",
            "Partner-Api-Key",
        ] {
            assert!(is_secret_header(name), "{name} is redacted");
        }
        for name in ["Content-Type", "Idempotency-Key", "X-Request-Id", "ETag"] {
            assert!(!is_secret_header(name), "{name} is shown");
        }
    }

    /// The recorder's lists, read from its source: if it learns a name, this must too.
    #[test]
    fn the_header_lists_are_the_recorders() {
        let source = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../recorder/cutover_recorder/redaction.py"),
        )
        .expect("the recorder's source");
        let quoted = |line_start: &str| -> Vec<String> {
            let start = source.find(line_start).expect(line_start);
            let end = start + source[start..].find(')').expect("closing parenthesis");
            source[start..end].split('"').skip(1).step_by(2).map(str::to_owned).collect()
        };
        let mut names = quoted("REDACTED_HEADERS = ");
        names.sort();
        let mut ours: Vec<String> = SECRET_HEADERS.iter().map(|s| (*s).to_owned()).collect();
        ours.sort();
        assert_eq!(names, ours);
        assert_eq!(quoted("REDACTED_HEADER_WORDS = "), SECRET_HEADER_WORDS);
    }

    #[test]
    fn documents_are_redacted_at_any_depth_and_null_is_kept() {
        let mut value = json!({
            "headers": {"Authorization": "Bearer abc", "Set-Cookie": "s=1", "Accept": "*/*"},
            "body": {
                "items": [{"db_password": "hunter2", "name": "ok", "session_token": null}],
                "credentials": {"user": "u", "password": "p"},
                "next_token": "page-2",
                "nested": [[{"api_key": 42}]],
            },
        });
        Redactor::default().redact_document("*", &mut value);
        assert!(redacted_at(&value["headers"]["Authorization"]));
        assert!(redacted_at(&value["headers"]["Set-Cookie"]));
        assert_eq!(value["headers"]["Accept"], "*/*");
        let body = &value["body"];
        assert!(redacted_at(&body["items"][0]["db_password"]));
        assert_eq!(body["items"][0]["name"], "ok");
        assert_eq!(body["items"][0]["session_token"], Value::Null);
        assert!(redacted_at(&body["credentials"]), "{body}");
        assert_eq!(body["next_token"], "page-2");
        assert!(redacted_at(&body["nested"][0][0]["api_key"]));
    }

    #[test]
    fn shapes_are_redacted_under_any_name() {
        let text = format!(
            "key AKIAIOSFODNN7EXAMPLE, temp ASIAIOSFODNN7EXAMPLE, jwt {JWT}, \
             Authorization: Bearer abcdefghijklmnop0123, \
             aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, \
             url https://deploy:pa55word@host/x, \
             -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA\n-----END OPENSSH PRIVATE KEY----- done"
        );
        let redacted = redact_text(&text);
        for secret in [
            "AKIAIOSFODNN7EXAMPLE",
            "ASIAIOSFODNN7EXAMPLE",
            "eyJzdWIiOiJhZG1pbiJ9",
            "abcdefghijklmnop0123",
            "wJalrXUtnFEMI",
            "pa55word",
            "b3BlbnNzaA",
        ] {
            assert!(!redacted.contains(secret), "{secret} in {redacted}");
        }
        for kept in
            ["Bearer [REDACTED ", "aws_secret_access_key=[REDACTED ", "https://deploy:[REDACTED ", "@host/x", " done"]
        {
            assert!(redacted.contains(kept), "{kept} in {redacted}");
        }
        assert_eq!(redact_text(&redacted), redacted, "redacting twice changes nothing");
    }

    #[test]
    fn prose_that_mentions_secrets_is_left_alone() {
        for text in [
            "bearer tokens are required",
            "password: must be 12 characters",
            "next_token=eyJsYXN0IjoiYyJ9",
            "spec.tags.owner is required",
            "the KMS key for secrets is missing",
        ] {
            assert_eq!(redact_text(text), text);
        }
    }

    #[test]
    fn json_texts_keep_their_spelling_and_lose_their_secrets() {
        let redactor = Redactor::default();
        let body = path(&["body"]);
        let text = r#"{"b" : 1,"password":"hunter2","a":"\u00e9","n":[1.0,{"token":{"x":1}}]}"#;
        let redacted = redactor.redact_json_text("*", &body, text);
        assert!(!redacted.contains("hunter2"), "{redacted}");
        assert!(!redacted.contains("\"x\""), "{redacted}");
        assert!(redacted.starts_with(r#"{"b" : 1,"password":"[REDACTED "#), "{redacted}");
        assert!(redacted.contains(r#""a":"\u00e9","n":[1.0,{"token":"[REDACTED "#), "{redacted}");
        let clean = r#"{"a" :1, "next_token":"t"}"#;
        assert!(matches!(redactor.redact_json_text("*", &body, clean), Cow::Borrowed(_)));
    }

    #[test]
    fn texts_cut_short_are_redacted_as_far_as_they_go() {
        let redactor = Redactor::default();
        let root = JsonPath::root();
        for cut in [
            r#"{"user":"u","password":"hunter2-and-more…"#,
            r#"{"user":"u","credentials":{"password":"hunter2","x":"…"#,
            r#"{"items":[{"db_password":"hunter2"}…"#,
            r#"{"note":"AKIAIOSFODNN7EXAMPLE and mo…"#,
        ] {
            let redacted = redactor.redact_json_text("*", &root, cut);
            assert!(!redacted.contains("hunter2"), "{redacted}");
            assert!(!redacted.contains("AKIAIOSFODNN7EXAMPLE"), "{redacted}");
            assert!(redacted.contains("[REDACTED "), "{redacted}");
        }
        for text in ["response 200", "<12 bytes>", "function error KeyError"] {
            assert_eq!(redactor.redact_json_text("*", &root, text), text);
        }
        let prose = "denied for AKIAIOSFODNN7EXAMPLE";
        assert!(!redactor.redact_json_text("*", &root, prose).contains("AKIA"));
    }

    #[test]
    fn strings_holding_json_are_redacted_inside() {
        let redactor = Redactor::default();
        let stored = json!({"response_body": "{\"cluster_id\":\"c-1\",\"admin\":{\"password\":\"hunter2\"}}"});
        let mut document = stored.clone();
        redactor.redact_document("*", &mut document);
        let inner = document["response_body"].as_str().expect("a string");
        assert!(inner.starts_with(r#"{"cluster_id":"c-1","admin":{"password":"[REDACTED "#), "{inner}");
        let shown = stored["response_body"].to_string();
        let redacted = redactor.redact_shown("*", &path(&["response_body"]), &shown);
        assert!(!redacted.contains("hunter2"), "{redacted}");
    }

    #[test]
    fn shown_values_at_secret_paths_become_one_marker_with_a_fingerprint() {
        let redactor = Redactor::default();
        let at = path(&["body", "password"]);
        let a = redactor.redact_shown("*", &at, "\"pw-a\"");
        let b = redactor.redact_shown("*", &at, "\"pw-b\"");
        let a_again = redactor.redact_shown("*", &at, "\"pw-a\"");
        assert!(a.starts_with("\"[REDACTED ") && a.ends_with("]\""), "{a}");
        assert_ne!(a, b, "different secrets show different markers");
        assert_eq!(a, a_again, "one secret shows one marker");
        assert_eq!(redactor.redact_shown("*", &at, &a), a, "a marker stays");
        // The same secret in a document gets the same marker as its shown value.
        let mut document = json!({"body": {"password": "pw-a"}});
        redactor.redact_document("*", &mut document);
        assert_eq!(document["body"]["password"].to_string(), a);
        // A header value, shown quoted.
        let cookie = redactor.redact_shown("*", &path(&["headers", "set-cookie"]), "\"s=1\"");
        assert!(cookie.starts_with("\"[REDACTED "), "{cookie}");
        let paging = redactor.redact_shown("*", &path(&["body", "next_token"]), "\"page-2\"");
        assert_eq!(paging, "\"page-2\"");
    }

    #[test]
    fn configured_paths_are_redacted_on_their_route() {
        let rules = ParityRules::parse(
            "[[redact]]\nroute = \"GET /kube\"\npath = \"$.body.clusters[*].kubeconfig\"\nreason = \"embeds a client certificate\"\n",
            Path::new("parity.toml"),
        )
        .expect("rules");
        let redactor = Redactor::new(&rules);
        let mut document = json!({"body": {"clusters": [{"kubeconfig": {"users": ["u"]}, "name": "a"}]}});
        let mut other_route = document.clone();
        redactor.redact_document("GET /kube", &mut document);
        assert!(redacted_at(&document["body"]["clusters"][0]["kubeconfig"]));
        assert_eq!(document["body"]["clusters"][0]["name"], "a");
        redactor.redact_document("GET /other", &mut other_route);
        assert_eq!(other_route["body"]["clusters"][0]["kubeconfig"]["users"][0], "u");
    }

    #[test]
    fn paths_lose_credential_shaped_keys() {
        let redactor = Redactor::default();
        let shown = redactor.redact_path(&path(&["tables", "keys", "AKIAIOSFODNN7EXAMPLE"])).expect("changed");
        assert!(!shown.to_string().contains("AKIAIOSFODNN7EXAMPLE"), "{shown}");
        assert!(redactor.redact_path(&path(&["body", "owner"])).is_none());
    }
}
