//! Why two JSON texts that are equal as data differ in bytes: escaping (`\u00e9` against
//! `é`, `\/` against `/`), number spelling (`1.0` against `1`) and whitespace.
//!
//! [`compare_tokens`] reads both texts token by token, together, without building
//! anything: when every pair of tokens is the same or spells the same value (the common
//! Python-against-Rust case: same data, same key order, other separators and escapes),
//! that one pass is the whole comparison. At the first pair it cannot settle alone (a key
//! order, a value that differs, a rule to apply) it gives up, and the two texts are parsed
//! into [`Document`]s and walked by `compare`, which finds escaping, number spelling and
//! key order on its way; [`whitespace_differs`] then judges the layout.

use std::borrow::Cow;

use crate::difference::DiffKind;
use crate::document::{
    Document, Kind, NodeRef, number_texts_equal, scan_literal, scan_number, scan_string, special_bytes, unescape,
};
use crate::path::{JsonPath, Seg};
use crate::rules::RouteRules;

/// The same nesting limit as [`Document::parse`] (and serde_json).
const MAX_DEPTH: usize = 127;

/// What reading two texts token by token found.
#[derive(Debug, PartialEq)]
pub(crate) enum TokenComparison {
    /// Both texts are JSON with the same tokens in the same order, each pair the same or
    /// the same value spelled differently; these are the findings (paths under ignore
    /// rules left out).
    Cosmetic(Vec<(JsonPath, DiffKind)>),
    /// Something only a comparison of documents can judge (or not JSON at all).
    Diverged,
}

/// One side's reading position.
struct Cursor<'t> {
    text: &'t str,
    position: usize,
}

impl<'t> Cursor<'t> {
    /// Skips whitespace and returns it.
    #[inline]
    fn whitespace(&mut self) -> &'t [u8] {
        let bytes = self.text.as_bytes();
        let start = self.position;
        while matches!(bytes.get(self.position), Some(b' ' | b'\n' | b'\t' | b'\r')) {
            self.position += 1;
        }
        &bytes[start..self.position]
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.position).copied()
    }

    /// The string at the cursor (quotes included) and whether it holds escapes.
    #[inline]
    fn string(&mut self) -> Option<(&'t str, bool)> {
        let start = self.position;
        let (end, escaped) = scan_string(self.text.as_bytes(), start)?;
        self.position = end;
        Some((&self.text[start..end], escaped))
    }
}

/// Where the reading is: the key of the current member (raw, without quotes), or the
/// index of the current element.
#[derive(Clone, Copy)]
enum Frame<'t> {
    Object { key: &'t str, escaped: bool },
    Array { index: usize },
}

/// The length (quotes included) of two strings, at `i` in `a` and `j` in `b`, when they are
/// the same bytes with no escape; `None` when they are not, or not plainly so (then they
/// are read one by one). Reads and compares eight bytes of each at a time.
#[inline]
fn same_plain_string(a: &[u8], i: usize, b: &[u8], j: usize) -> Option<usize> {
    let mut offset = 1;
    loop {
        let x = word_at(a, i + offset)?;
        let y = word_at(b, j + offset)?;
        let special = special_bytes(x);
        if special != 0 {
            let plain = special.trailing_zeros() / 8;
            let before = (1u64 << (plain * 8)) - 1;
            let closing = 0xffu64 << (plain * 8);
            let quote = u64::from(b'"') << (plain * 8);
            let same = (x ^ y) & before == 0 && x & closing == quote && y & closing == quote;
            return same.then_some(offset + plain as usize + 1);
        }
        if x != y {
            return None;
        }
        offset += 8;
    }
}

#[inline]
fn word_at(bytes: &[u8], at: usize) -> Option<u64> {
    let mut word = [0u8; 8];
    word.copy_from_slice(bytes.get(at..at + 8)?);
    Some(u64::from_le_bytes(word))
}

/// Whether the escaped string inside `escaped` decodes to `plain`, without building it;
/// `None` when an escape is invalid.
fn escaped_equals(escaped: &str, plain: &str) -> Option<bool> {
    let mut offset = 0;
    let mut same = true;
    unescape(escaped, |piece| {
        same = same && plain.as_bytes()[offset..].starts_with(piece.as_bytes());
        offset += piece.len();
        offset = offset.min(plain.len());
    })?;
    Some(same && offset == plain.len())
}

fn decoded(inner: &str, escaped: bool) -> Option<Cow<'_, str>> {
    if !escaped {
        return Some(Cow::Borrowed(inner));
    }
    let mut text = String::with_capacity(inner.len());
    unescape(inner, |piece| text.push_str(piece))?;
    Some(Cow::Owned(text))
}

struct Reading<'t, 'p, 'r> {
    left: Cursor<'t>,
    right: Cursor<'t>,
    frames: Vec<Frame<'t>>,
    prefix: &'p [Seg<'p>],
    rules: &'p RouteRules<'r>,
    findings: Vec<(JsonPath, DiffKind)>,
    whitespace_differs: bool,
}

impl<'t> Reading<'t, '_, '_> {
    /// Skips the whitespace before the next tokens, noting whether it differs.
    #[inline(always)]
    fn whitespace(&mut self) {
        // Every JSON token starts above b' ', and whitespace is b' ' or below.
        let next = |cursor: &Cursor<'_>| cursor.peek().unwrap_or(0);
        if next(&self.left) > b' ' && next(&self.right) > b' ' {
            return;
        }
        self.some_whitespace();
    }

    #[inline(never)]
    fn some_whitespace(&mut self) {
        let (x, y) = (self.left.whitespace(), self.right.whitespace());
        if self.whitespace_differs {
            return;
        }
        // Mostly one space or none on each side: no call to memcmp for those.
        let same = match (x, y) {
            ([], []) => true,
            ([a], [b]) => a == b,
            _ => x == y,
        };
        self.whitespace_differs = !same;
    }

    fn note(&mut self, kind: DiffKind) {
        let mut path = JsonPath::from_segs(self.prefix);
        for frame in &self.frames {
            path = match *frame {
                Frame::Object { key, escaped } => path.key(&decoded(key, escaped).unwrap_or_default()),
                Frame::Array { index } => path.index(index),
            };
        }
        if !self.rules.ignores.iter().any(|rule| rule.pattern.covers_path(&path)) {
            self.findings.push((path, kind));
        }
    }

    /// A pair of strings; keys must be the same key, values the same value.
    fn strings(&mut self, is_key: bool) -> Option<()> {
        if self.left.peek() != Some(b'"') || self.right.peek() != Some(b'"') {
            return None;
        }
        if let Some(length) = same_plain_string(
            self.left.text.as_bytes(),
            self.left.position,
            self.right.text.as_bytes(),
            self.right.position,
        ) {
            let start = self.left.position;
            self.left.position += length;
            self.right.position += length;
            if is_key && let Some(Frame::Object { key, escaped }) = self.frames.last_mut() {
                (*key, *escaped) = (&self.left.text[start + 1..start + length - 1], false);
            }
            return Some(());
        }
        let (x, x_escaped) = self.left.string()?;
        let (y, y_escaped) = self.right.string()?;
        let (x_inner, y_inner) = (&x[1..x.len() - 1], &y[1..y.len() - 1]);
        if is_key && let Some(Frame::Object { key, escaped }) = self.frames.last_mut() {
            (*key, *escaped) = (x_inner, x_escaped);
        }
        if x == y {
            // Escapes are checked, so that an invalid text is never taken for JSON.
            return (!x_escaped || unescape(x_inner, |_| {}).is_some()).then_some(());
        }
        if !x_escaped && !y_escaped {
            return None;
        }
        let same = match (x_escaped, y_escaped) {
            (true, false) => escaped_equals(x_inner, y_inner)?,
            (false, true) => escaped_equals(y_inner, x_inner)?,
            _ => decoded(x_inner, x_escaped)? == decoded(y_inner, y_escaped)?,
        };
        if !same {
            return None;
        }
        self.note(DiffKind::Escaping);
        Some(())
    }

    fn value(&mut self) -> Option<()> {
        let byte = self.left.peek()?;
        match byte {
            b'"' => self.strings(false),
            b'-' | b'0'..=b'9' => {
                let (x_start, y_start) = (self.left.position, self.right.position);
                let x_end = scan_number(self.left.text, x_start)?;
                let y_end = scan_number(self.right.text, y_start)?;
                self.left.position = x_end;
                self.right.position = y_end;
                let (x, y) = (&self.left.text[x_start..x_end], &self.right.text[y_start..y_end]);
                if x != y {
                    if !number_texts_equal(x, y) {
                        return None;
                    }
                    self.note(DiffKind::NumberSpelling);
                }
                Some(())
            }
            b't' | b'f' | b'n' => {
                let word: &[u8] = match byte {
                    b't' => b"true",
                    b'f' => b"false",
                    _ => b"null",
                };
                self.left.position = scan_literal(self.left.text.as_bytes(), self.left.position, word)?;
                self.right.position = scan_literal(self.right.text.as_bytes(), self.right.position, word)?;
                Some(())
            }
            _ => None,
        }
    }

    /// A member's key pair and the colons after them.
    fn key(&mut self) -> Option<()> {
        self.strings(true)?;
        self.whitespace();
        if self.left.peek() != Some(b':') || self.right.peek() != Some(b':') {
            return None;
        }
        self.left.position += 1;
        self.right.position += 1;
        Some(())
    }

    fn run(&mut self) -> Option<()> {
        'value: loop {
            self.whitespace();
            let opening = self.left.peek()?;
            if opening == b'{' || opening == b'[' {
                if self.right.peek() != Some(opening) || self.frames.len() == MAX_DEPTH {
                    return None;
                }
                self.left.position += 1;
                self.right.position += 1;
                self.whitespace();
                let object = opening == b'{';
                self.frames.push(if object {
                    Frame::Object { key: "", escaped: false }
                } else {
                    Frame::Array { index: 0 }
                });
                let close = if object { b'}' } else { b']' };
                if self.left.peek() != Some(close) {
                    if object {
                        self.key()?;
                    }
                    continue 'value;
                }
            } else {
                self.value()?;
            }
            // A value is complete: close what it completes, then expect the next value.
            loop {
                self.whitespace();
                let Some(frame) = self.frames.last_mut() else {
                    let at_end =
                        self.left.position == self.left.text.len() && self.right.position == self.right.text.len();
                    return at_end.then_some(());
                };
                let punctuation = self.left.peek()?;
                if self.right.peek() != Some(punctuation) {
                    return None;
                }
                self.left.position += 1;
                self.right.position += 1;
                match (punctuation, frame) {
                    (b',', Frame::Array { index }) => {
                        *index += 1;
                        continue 'value;
                    }
                    (b',', Frame::Object { .. }) => {
                        self.whitespace();
                        self.key()?;
                        continue 'value;
                    }
                    (b']', Frame::Array { .. }) | (b'}', Frame::Object { .. }) => {
                        self.frames.pop();
                    }
                    _ => return None,
                }
            }
        }
    }
}

/// Reads `a` and `b` token by token; see [`TokenComparison`]. Findings lie below `prefix`;
/// a whitespace finding is at `prefix` itself.
pub(crate) fn compare_tokens(prefix: &[Seg<'_>], a: &str, b: &str, rules: &RouteRules<'_>) -> TokenComparison {
    let mut reading = Reading {
        left: Cursor { text: a, position: 0 },
        right: Cursor { text: b, position: 0 },
        frames: Vec::new(),
        prefix,
        rules,
        findings: Vec::new(),
        whitespace_differs: false,
    };
    if reading.run().is_none() {
        return TokenComparison::Diverged;
    }
    if reading.whitespace_differs {
        reading.findings.push((JsonPath::from_segs(prefix), DiffKind::Whitespace));
    }
    TokenComparison::Cosmetic(reading.findings)
}

/// Whether two documents, equal as data, lay their tokens out with different whitespace.
///
/// When both token streams line up (same structure, same key order) the text between each
/// pair of tokens is compared: it is punctuation, the same on both sides, plus whitespace.
/// Otherwise the whitespace characters of each kind are counted.
pub(crate) fn whitespace_differs(a: &Document<'_>, b: &Document<'_>) -> bool {
    let counts = a.whitespace_counts();
    // Different counts differ either way; no whitespace at all cannot differ.
    if counts != b.whitespace_counts() {
        return true;
    }
    if counts == [0; 4] {
        return false;
    }
    if token_streams_align(a, b) { layouts_differ(a, b) } else { a.whitespace_counts() != b.whitespace_counts() }
}

/// Whether two documents that differ as data lay their tokens out with different
/// whitespace: compared between tokens when the structures line up, else only whether one
/// side has whitespace and the other none (`{"a": 1}` against `{"a":2,"b":3}`).
pub(crate) fn whitespace_differs_despite_data(a: &Document<'_>, b: &Document<'_>) -> bool {
    if token_streams_align(a, b) {
        return layouts_differ(a, b);
    }
    let (left, right) = (a.whitespace_counts(), b.whitespace_counts());
    (left == [0; 4]) != (right == [0; 4])
}

/// Token classes as a tokeniser sees them: `true`, `false` and `null` are one class.
fn class(node: NodeRef<'_>) -> u8 {
    match node.kind() {
        Kind::Null | Kind::True | Kind::False => 0,
        Kind::Number => 1,
        Kind::String => 2,
        Kind::Array => 3,
        Kind::Object => 4,
    }
}

fn token_streams_align(a: &Document<'_>, b: &Document<'_>) -> bool {
    a.node_count() == b.node_count()
        && a.nodes().zip(b.nodes()).all(|(x, y)| {
            class(x) == class(y)
                && x.subtree_end() == y.subtree_end()
                && (!x.is_key() || x.raw() == y.raw() || x.key() == y.key())
        })
}

fn layouts_differ(a: &Document<'_>, b: &Document<'_>) -> bool {
    let (left, right) = (a.text(), b.text());
    let mut previous = (0, 0);
    for (x, y) in a.nodes().zip(b.nodes()) {
        if left[previous.0..x.start()] != right[previous.1..y.start()] {
            return true;
        }
        previous = (x.token_end(), y.token_end());
    }
    left[previous.0..] != right[previous.1..]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{Outcome, ParityRules, compare_outcomes};

    /// The byte-level findings (all but key order) of two bodies equal as data.
    fn run(a: &str, b: &str) -> Vec<(String, DiffKind)> {
        let response = |body: &str| Outcome::Response(json!({"statusCode": 200, "body": body}));
        compare_outcomes(&ParityRules::default(), "*", &response(a), &response(b))
            .differences
            .into_iter()
            .filter(|difference| difference.kind != DiffKind::KeyOrder)
            .map(|difference| (difference.path.to_string(), difference.kind))
            .collect()
    }

    fn tokens(a: &str, b: &str) -> Option<Vec<(String, DiffKind)>> {
        let rules = ParityRules::parse(
            "[[ignore]]\npath = \"$.body.hidden\"\nreason = \"test\"\n",
            std::path::Path::new("parity.toml"),
        )
        .expect("rules");
        let route = rules.for_route("*");
        match compare_tokens(&[Seg::Key("body")], a, b, &route) {
            TokenComparison::Cosmetic(findings) => {
                Some(findings.into_iter().map(|(path, kind)| (path.to_string(), kind)).collect())
            }
            TokenComparison::Diverged => None,
        }
    }

    #[test]
    fn reading_tokens_settles_same_structure_pairs_alone() {
        assert_eq!(
            tokens(r#"{"a": [1.0, "caf\u00e9"], "\u0062": {"c": null}}"#, r#"{"a":[1,"café"],"b":{"c":null}}"#),
            Some(vec![
                ("$.body.a[0]".to_owned(), DiffKind::NumberSpelling),
                ("$.body.a[1]".to_owned(), DiffKind::Escaping),
                ("$.body.b".to_owned(), DiffKind::Escaping),
                ("$.body".to_owned(), DiffKind::Whitespace),
            ])
        );
        // Long strings are compared eight bytes at a time, escapes or not.
        let long = "0123456789abcdefghijklmnopqrstuvwxyz";
        assert_eq!(
            tokens(&format!(r#"["{long}", "{long}\/"]"#), &format!(r#"["{long}", "{long}/"]"#)),
            Some(vec![("$.body[1]".to_owned(), DiffKind::Escaping)])
        );
        // Under an ignore rule, spelling is not reported.
        assert_eq!(tokens(r#"{"hidden":"\u00e9"}"#, r#"{"hidden":"é"}"#), Some(vec![]));
    }

    #[test]
    fn reading_tokens_gives_up_on_what_documents_must_judge() {
        // Key order, a different value, a different literal, another structure.
        assert_eq!(tokens(r#"{"a":1,"b":2}"#, r#"{"b":2,"a":1}"#), None);
        assert_eq!(tokens(r#"{"a":"x"}"#, r#"{"a":"y"}"#), None);
        assert_eq!(tokens(r#"{"a":"0123456789abcdef"}"#, r#"{"a":"0123456789abcdeF"}"#), None);
        assert_eq!(tokens(r#"[1]"#, r#"[2]"#), None);
        assert_eq!(tokens(r#"[true]"#, r#"[null]"#), None);
        assert_eq!(tokens(r#"[1]"#, r#"{"a":1}"#), None);
        assert_eq!(tokens(r#"[1]"#, r#"[1,2]"#), None);
        // Not JSON on either side, the same on both.
        for invalid in ["[1,]", "[\"\\x\"]", "[\"\\ud800\"]", "01", "[1] x", "{\"a\"}", "[1e400]"] {
            assert_eq!(tokens(invalid, invalid), None, "{invalid}");
        }
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert_eq!(tokens(&deep(127), &deep(127).replace("[]", "[ ]")).map(|f| f.len()), Some(1));
        assert_eq!(tokens(&deep(128), &deep(128).replace("[]", "[ ]")), None);
    }

    #[test]
    fn escaping_is_found_at_its_path() {
        assert_eq!(
            run(r#"{"a":[{"name":"caf\u00e9"}]}"#, r#"{"a":[{"name":"café"}]}"#),
            [("$.body.a[0].name".to_owned(), DiffKind::Escaping)]
        );
        assert_eq!(run(r#"{"url":"a\/b"}"#, r#"{"url":"a/b"}"#), [("$.body.url".to_owned(), DiffKind::Escaping)]);
    }

    #[test]
    fn number_spelling_and_whitespace_are_told_apart() {
        let mut found = run(r#"{"n":1.0,"m":[1e3]}"#, r#"{"n":1,"m":[1000]}"#);
        found.sort_by_key(|(path, _)| path != "$.body.n");
        assert_eq!(
            found,
            [("$.body.n".to_owned(), DiffKind::NumberSpelling), ("$.body.m[0]".to_owned(), DiffKind::NumberSpelling)]
        );
        assert_eq!(
            run(r#"{"a": 1, "b": [2, 3]}"#, r#"{"a":1,"b":[2,3]}"#),
            [("$.body".to_owned(), DiffKind::Whitespace)]
        );
    }

    #[test]
    fn reordered_keys_fall_back_to_matching_by_path() {
        assert_eq!(run(r#"{"a":1,"b":"x"}"#, r#"{"b":"x","a":1}"#), []);
        assert_eq!(run(r#"{"a":1,"b":"\u00e9"}"#, r#"{"b":"é","a":1}"#), [("$.body.b".to_owned(), DiffKind::Escaping)]);
    }

    #[test]
    fn value_differences_are_left_to_the_semantic_walk() {
        let only_values = |found: Vec<(String, DiffKind)>| found.iter().all(|(_, kind)| *kind == DiffKind::Value);
        assert!(only_values(run(r#"{"a":"x"}"#, r#"{"a":"y"}"#)));
        assert!(only_values(run(r#"{"a":1}"#, r#"{"a":2}"#)));
    }

    #[test]
    fn whitespace_is_judged_between_tokens_or_by_counts_when_keys_move() {
        // Same layout, different escaping: no whitespace finding.
        assert_eq!(run(r#"{"a": "\u00e9"}"#, r#"{"a": "é"}"#), [("$.body.a".to_owned(), DiffKind::Escaping)]);
        // A space moved across a comma is whitespace, though the counts are equal.
        assert_eq!(run(r#"[1, 2,3]"#, r#"[1,2 ,3]"#), [("$.body".to_owned(), DiffKind::Whitespace)]);
        // Keys reordered, same whitespace of each kind: nothing but key order.
        assert_eq!(run(r#"{"a": 1, "b": 2}"#, r#"{"b": 2, "a": 1}"#), []);
        assert_eq!(run(r#"{"a": 1, "b": 2}"#, r#"{"b":2,"a":1}"#), [("$.body".to_owned(), DiffKind::Whitespace)]);
    }
}
