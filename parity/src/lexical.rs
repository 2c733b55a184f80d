//! Why two semantically equal JSON texts differ in bytes: escaping, number spelling,
//! whitespace. (Key order is seen by the semantic walk, which has both key sequences.)
//!
//! The two texts are tokenised side by side; when their token streams line up (same key
//! order) this costs one pass and no allocation per token. When they do not, each side's
//! leaves are collected by path and matched.

use std::collections::HashMap;

use serde_json::Value;

use crate::compare::numbers_equal;
use crate::difference::DiffKind;
use crate::path::{JsonPath, Seg};
use crate::rules::RouteRules;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    OpenObject,
    OpenArray,
    Close,
    Colon,
    Comma,
    Str(&'a str),
    Num(&'a str),
    Lit(&'a str),
}

impl Tok<'_> {
    fn class(&self) -> u8 {
        match self {
            Tok::OpenObject => 0,
            Tok::OpenArray => 1,
            Tok::Close => 2,
            Tok::Colon => 3,
            Tok::Comma => 4,
            Tok::Str(_) => 5,
            Tok::Num(_) => 6,
            Tok::Lit(_) => 7,
        }
    }
}

struct Lexer<'a> {
    text: &'a str,
    position: usize,
    tokens: u64,
    /// FNV-1a over (token index, whitespace byte): equal when the layout is equal.
    whitespace_hash: u64,
    whitespace_counts: [usize; 4],
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            position: 0,
            tokens: 0,
            whitespace_hash: 0xcbf2_9ce4_8422_2325,
            whitespace_counts: [0; 4],
        }
    }

    fn hash(&mut self, byte: u64) {
        self.whitespace_hash ^= byte;
        self.whitespace_hash = self.whitespace_hash.wrapping_mul(0x0100_0000_01b3);
    }

    fn next_token(&mut self) -> Option<Tok<'a>> {
        let bytes = self.text.as_bytes();
        while let Some(&byte) = bytes.get(self.position) {
            let slot = match byte {
                b' ' => 0,
                b'\n' => 1,
                b'\t' => 2,
                b'\r' => 3,
                _ => break,
            };
            self.whitespace_counts[slot] += 1;
            self.hash(self.tokens);
            self.hash(u64::from(byte));
            self.position += 1;
        }
        let start = self.position;
        let byte = *bytes.get(start)?;
        self.tokens += 1;
        self.position += 1;
        let token = match byte {
            b'{' => Tok::OpenObject,
            b'[' => Tok::OpenArray,
            b'}' | b']' => Tok::Close,
            b':' => Tok::Colon,
            b',' => Tok::Comma,
            b'"' => {
                let mut escaped = false;
                while let Some(&next) = bytes.get(self.position) {
                    self.position += 1;
                    match next {
                        _ if escaped => escaped = false,
                        b'\\' => escaped = true,
                        b'"' => break,
                        _ => {}
                    }
                }
                Tok::Str(&self.text[start..self.position])
            }
            b'-' | b'0'..=b'9' => {
                while bytes
                    .get(self.position)
                    .is_some_and(|b| matches!(b, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'))
                {
                    self.position += 1;
                }
                Tok::Num(&self.text[start..self.position])
            }
            _ => {
                while bytes
                    .get(self.position)
                    .is_some_and(u8::is_ascii_alphabetic)
                {
                    self.position += 1;
                }
                Tok::Lit(&self.text[start..self.position])
            }
        };
        Some(token)
    }
}

/// Where the tokeniser is inside the document.
#[derive(Debug, Clone, Copy)]
enum Frame<'a> {
    /// Inside an object; the raw (quoted, possibly escaped) key of the current member.
    Object {
        key: Option<&'a str>,
        expecting_key: bool,
    },
    Array {
        index: usize,
    },
}

fn decode(raw: &str) -> Option<String> {
    serde_json::from_str::<String>(raw).ok()
}

/// The steps of a path as text (`[3]` for an index), for matching leaves across sides.
fn owned_path(frames: &[Frame<'_>]) -> Vec<String> {
    frames
        .iter()
        .map(|frame| match frame {
            Frame::Object { key: Some(raw), .. } => format!(".{}", decode(raw).unwrap_or_default()),
            Frame::Object { key: None, .. } => ".".to_owned(),
            Frame::Array { index } => format!("[{index}]"),
        })
        .collect()
}

/// Converts decoded frames into a [`JsonPath`] below `prefix`.
fn to_json_path(prefix: &[Seg<'_>], frames: &[Frame<'_>]) -> JsonPath {
    let mut path = JsonPath::from_segs(prefix);
    for frame in frames {
        path = match frame {
            Frame::Object { key: Some(raw), .. } => path.key(&decode(raw).unwrap_or_default()),
            Frame::Object { key: None, .. } => path,
            Frame::Array { index } => path.index(*index),
        };
    }
    path
}

fn is_ignored(rules: &RouteRules<'_>, path: &JsonPath) -> bool {
    rules
        .ignores
        .iter()
        .any(|rule| rule.pattern.covers_path(path))
}

/// A leaf the two sides spell differently; `None` when they differ in value (which the
/// semantic walk has already judged).
fn leaf_kind(a: Tok<'_>, b: Tok<'_>) -> Option<DiffKind> {
    match (a, b) {
        (Tok::Str(x), Tok::Str(y)) if x != y => {
            (decode(x)? == decode(y)?).then_some(DiffKind::Escaping)
        }
        (Tok::Num(x), Tok::Num(y)) if x != y => {
            let (Ok(Value::Number(m)), Ok(Value::Number(n))) = (
                serde_json::from_str::<Value>(x),
                serde_json::from_str::<Value>(y),
            ) else {
                return None;
            };
            numbers_equal(&m, &n).then_some(DiffKind::NumberSpelling)
        }
        _ => None,
    }
}

/// Classifies the byte differences between two JSON texts already known to be equal as
/// data. Findings are `(path, kind)`; paths covered by an ignore rule are left out.
pub(crate) fn classify(
    prefix: &[Seg<'_>],
    a: &str,
    b: &str,
    rules: &RouteRules<'_>,
) -> Vec<(JsonPath, DiffKind)> {
    let mut findings = Vec::new();
    let mut left = Lexer::new(a);
    let mut right = Lexer::new(b);
    let mut frames: Vec<Frame<'_>> = Vec::new();
    let mut aligned = true;
    loop {
        let (x, y) = (left.next_token(), right.next_token());
        let (x, y) = match (x, y) {
            (None, None) => break,
            (Some(x), Some(y)) if x.class() == y.class() => (x, y),
            _ => {
                aligned = false;
                break;
            }
        };
        match x {
            Tok::OpenObject => frames.push(Frame::Object {
                key: None,
                expecting_key: true,
            }),
            Tok::OpenArray => frames.push(Frame::Array { index: 0 }),
            Tok::Close => {
                frames.pop();
            }
            Tok::Colon => {
                if let Some(Frame::Object { expecting_key, .. }) = frames.last_mut() {
                    *expecting_key = false;
                }
            }
            Tok::Comma => match frames.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { expecting_key, .. }) => *expecting_key = true,
                None => {}
            },
            Tok::Str(raw_key)
                if matches!(
                    frames.last(),
                    Some(Frame::Object {
                        expecting_key: true,
                        ..
                    })
                ) =>
            {
                let Tok::Str(other_key) = y else {
                    aligned = false;
                    break;
                };
                if raw_key != other_key {
                    if decode(raw_key) != decode(other_key) {
                        aligned = false;
                        break;
                    }
                    if let Some(Frame::Object { key, .. }) = frames.last_mut() {
                        *key = Some(raw_key);
                    }
                    let path = to_json_path(prefix, &frames);
                    if !is_ignored(rules, &path) {
                        findings.push((path, DiffKind::Escaping));
                    }
                }
                if let Some(Frame::Object { key, .. }) = frames.last_mut() {
                    *key = Some(raw_key);
                }
            }
            Tok::Str(_) | Tok::Num(_) | Tok::Lit(_) => {
                if let Some(kind) = leaf_kind(x, y) {
                    let path = to_json_path(prefix, &frames);
                    if !is_ignored(rules, &path) {
                        findings.push((path, kind));
                    }
                }
            }
        }
    }
    if aligned {
        if left.whitespace_hash != right.whitespace_hash {
            findings.push((JsonPath::from_segs(prefix), DiffKind::Whitespace));
        }
        return findings;
    }
    // The token streams diverge (key order, or a member hidden by an ignore rule): match
    // leaves by path instead.
    findings.clear();
    let (left_leaves, left_counts) = leaves(a);
    let (right_leaves, right_counts) = leaves(b);
    let right_by_path: HashMap<&[String], (Tok<'_>, bool)> = right_leaves
        .iter()
        .map(|(path, token, is_key)| (path.as_slice(), (*token, *is_key)))
        .collect();
    for (path, token, is_key) in &left_leaves {
        let Some((other, other_is_key)) = right_by_path.get(path.as_slice()) else {
            continue;
        };
        if is_key != other_is_key {
            continue;
        }
        if let Some(kind) = leaf_kind(*token, *other) {
            let mut json_path = JsonPath::from_segs(prefix);
            for step in path {
                json_path = match step.strip_prefix('.') {
                    Some(key) => json_path.key(key),
                    None => json_path.index(
                        step.trim_start_matches('[')
                            .trim_end_matches(']')
                            .parse()
                            .unwrap_or_default(),
                    ),
                };
            }
            if !is_ignored(rules, &json_path) {
                findings.push((json_path, kind));
            }
        }
    }
    if left_counts != right_counts {
        findings.push((JsonPath::from_segs(prefix), DiffKind::Whitespace));
    }
    findings.sort();
    findings.dedup();
    findings
}

type Leaves<'a> = Vec<(Vec<String>, Tok<'a>, bool)>;

/// Every key and leaf value of a document with its path; `bool` marks keys.
fn leaves(text: &str) -> (Leaves<'_>, [usize; 4]) {
    let mut lexer = Lexer::new(text);
    let mut frames: Vec<Frame<'_>> = Vec::new();
    let mut out = Vec::new();
    while let Some(token) = lexer.next_token() {
        match token {
            Tok::OpenObject => frames.push(Frame::Object {
                key: None,
                expecting_key: true,
            }),
            Tok::OpenArray => frames.push(Frame::Array { index: 0 }),
            Tok::Close => {
                frames.pop();
            }
            Tok::Colon => {
                if let Some(Frame::Object { expecting_key, .. }) = frames.last_mut() {
                    *expecting_key = false;
                }
            }
            Tok::Comma => match frames.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { expecting_key, .. }) => *expecting_key = true,
                None => {}
            },
            Tok::Str(raw)
                if matches!(
                    frames.last(),
                    Some(Frame::Object {
                        expecting_key: true,
                        ..
                    })
                ) =>
            {
                if let Some(Frame::Object { key, .. }) = frames.last_mut() {
                    *key = Some(raw);
                }
                out.push((owned_path(&frames), token, true));
            }
            Tok::Str(_) | Tok::Num(_) | Tok::Lit(_) => {
                out.push((owned_path(&frames), token, false));
            }
        }
    }
    (out, lexer.whitespace_counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(a: &str, b: &str) -> Vec<(String, DiffKind)> {
        let rules = crate::ParityRules::default();
        let route = rules.for_route("*");
        classify(&[Seg::Key("body")], a, b, &route)
            .into_iter()
            .map(|(path, kind)| (path.to_string(), kind))
            .collect()
    }

    #[test]
    fn escaping_is_found_at_its_path() {
        assert_eq!(
            run(
                r#"{"a":[{"name":"caf\u00e9"}]}"#,
                r#"{"a":[{"name":"café"}]}"#
            ),
            [("$.body.a[0].name".to_owned(), DiffKind::Escaping)]
        );
        assert_eq!(
            run(r#"{"url":"a\/b"}"#, r#"{"url":"a/b"}"#),
            [("$.body.url".to_owned(), DiffKind::Escaping)]
        );
    }

    #[test]
    fn number_spelling_and_whitespace_are_told_apart() {
        assert_eq!(
            run(r#"{"n":1.0,"m":[1e3]}"#, r#"{"n":1,"m":[1000]}"#),
            [
                ("$.body.n".to_owned(), DiffKind::NumberSpelling),
                ("$.body.m[0]".to_owned(), DiffKind::NumberSpelling)
            ]
        );
        assert_eq!(
            run(r#"{"a": 1, "b": [2, 3]}"#, r#"{"a":1,"b":[2,3]}"#),
            [("$.body".to_owned(), DiffKind::Whitespace)]
        );
    }

    #[test]
    fn reordered_keys_fall_back_to_matching_by_path() {
        assert_eq!(run(r#"{"a":1,"b":"x"}"#, r#"{"b":"x","a":1}"#), []);
        assert_eq!(
            run(r#"{"a":1,"b":"\u00e9"}"#, r#"{"b":"é","a":1}"#),
            [("$.body.b".to_owned(), DiffKind::Escaping)]
        );
    }

    #[test]
    fn value_differences_are_left_to_the_semantic_walk() {
        assert_eq!(run(r#"{"a":"x"}"#, r#"{"a":"y"}"#), []);
        assert_eq!(run(r#"{"a":1}"#, r#"{"a":2}"#), []);
    }
}
