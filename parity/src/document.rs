//! A JSON text parsed once into a flat tape of borrowed tokens, so that two bodies can be
//! compared without building `serde_json::Value`s.
//!
//! Every value is one [`Node`] in document order; a container's children follow it and
//! its `next` says where its subtree ends, so a whole document is one allocation. Strings
//! and numbers stay slices of the text: a string is decoded only when the two sides' raw
//! slices differ (and then only if it holds an escape); a number is compared numerically
//! only when the two texts differ. Object keys with escapes are decoded once, at parse
//! time, so that every key can be borrowed as `&str` for a path.
//!
//! The parser accepts exactly what `serde_json` accepts (the tests hold it against
//! serde_json): RFC 8259 JSON, nesting up to serde_json's limit, no lone surrogates, no
//! number that overflows an f64. Duplicate keys stay on the tape; the comparison resolves
//! them the way serde_json and Python do (the last value wins).

use std::borrow::Cow;

use serde_json::Value;

/// serde_json refuses a 128th level of nesting; so does this parser, so that a body is
/// JSON here exactly when it is JSON to serde_json (and the walk's recursion is bounded).
const MAX_DEPTH: usize = 127;

/// Marks "no parent" while a container is open (its `next` holds its parent meanwhile).
const NO_PARENT: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    True,
    False,
    Number,
    String,
    Array,
    Object,
}

/// One value (or object key) of a document.
#[derive(Debug, Clone, Copy)]
struct Node {
    kind: Kind,
    /// A string holding at least one backslash escape.
    escaped: bool,
    /// A string in key position.
    key: bool,
    /// Byte offset of the token's first byte (the quote, the bracket, the sign).
    start: u32,
    /// Byte offset just past the token, or past the closing bracket of a container.
    end: u32,
    /// Index of the first node after this one's subtree.
    next: u32,
    /// Containers: how many elements or members. Escaped keys: 1 + their index in
    /// `decoded_keys`.
    extra: u32,
}

/// A parsed JSON text.
#[derive(Debug)]
pub(crate) struct Document<'t> {
    text: &'t str,
    nodes: Vec<Node>,
    decoded_keys: Vec<String>,
    /// Spaces, line feeds, tabs and carriage returns between tokens.
    whitespace: [u32; 4],
}

impl<'t> Document<'t> {
    /// Parses `text`, or `None` when serde_json would refuse it. Texts of 4 GiB or more are
    /// refused as well (offsets are 32-bit; a Lambda response is at most 6 MB).
    pub(crate) fn parse(text: &'t str) -> Option<Self> {
        if text.len() >= NO_PARENT as usize {
            return None;
        }
        Parser {
            bytes: text.as_bytes(),
            text,
            position: 0,
            nodes: Vec::with_capacity(text.len() / 8 + 1),
            decoded_keys: Vec::new(),
            whitespace: [0; 4],
        }
        .run()
    }

    /// The document's root value.
    pub(crate) fn root(&self) -> NodeRef<'_> {
        NodeRef { document: self, index: 0 }
    }

    pub(crate) fn text(&self) -> &'t str {
        self.text
    }

    /// How many spaces, line feeds, tabs and carriage returns lie between the tokens.
    pub(crate) fn whitespace_counts(&self) -> [u32; 4] {
        self.whitespace
    }

    /// How many nodes (values and keys) the document has.
    pub(crate) fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// All nodes in document order (keys included).
    pub(crate) fn nodes(&self) -> impl Iterator<Item = NodeRef<'_>> {
        (0..self.nodes.len()).map(|index| NodeRef { document: self, index: index as u32 })
    }
}

/// One node of a [`Document`], borrowed.
#[derive(Clone, Copy)]
pub(crate) struct NodeRef<'d> {
    document: &'d Document<'d>,
    index: u32,
}

impl std::fmt::Debug for NodeRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.raw())
    }
}

impl<'d> NodeRef<'d> {
    #[inline]
    fn node(&self) -> &'d Node {
        &self.document.nodes[self.index as usize]
    }

    #[inline]
    pub(crate) fn kind(&self) -> Kind {
        self.node().kind
    }

    /// The node's text as written: a string with its quotes and escapes, a whole
    /// container with everything inside it.
    #[inline]
    pub(crate) fn raw(&self) -> &'d str {
        let node = self.node();
        &self.document.text[node.start as usize..node.end as usize]
    }

    /// Where the node's own token ends: past the opening bracket of a container, past the
    /// whole token otherwise. (The text between two tokens is punctuation and whitespace.)
    pub(crate) fn token_end(&self) -> usize {
        let node = self.node();
        match node.kind {
            Kind::Array | Kind::Object => node.start as usize + 1,
            _ => node.end as usize,
        }
    }

    pub(crate) fn start(&self) -> usize {
        self.node().start as usize
    }

    /// The index of the first node after this subtree.
    pub(crate) fn subtree_end(&self) -> u32 {
        self.node().next
    }

    pub(crate) fn is_key(&self) -> bool {
        self.node().key
    }

    /// Elements of an array, members of an object (0 for anything else).
    #[inline]
    pub(crate) fn len(&self) -> usize {
        match self.node().kind {
            Kind::Array | Kind::Object => self.node().extra as usize,
            _ => 0,
        }
    }

    /// The value of a string, decoded only if it holds escapes.
    pub(crate) fn string(&self) -> Cow<'d, str> {
        let raw = self.raw();
        let inner = &raw[1..raw.len() - 1];
        if !self.node().escaped {
            return Cow::Borrowed(inner);
        }
        let mut decoded = String::with_capacity(inner.len());
        // The parser validated every escape, so this cannot fail.
        let _ = unescape(inner, |piece| decoded.push_str(piece));
        Cow::Owned(decoded)
    }

    /// The decoded text of an object key, borrowed from the document either way.
    #[inline]
    pub(crate) fn key(&self) -> &'d str {
        let node = self.node();
        if node.escaped && node.extra > 0 {
            return &self.document.decoded_keys[node.extra as usize - 1];
        }
        &self.document.text[node.start as usize + 1..node.end as usize - 1]
    }

    /// The elements of an array.
    pub(crate) fn elements(&self) -> Children<'d> {
        let node = self.node();
        Children { document: self.document, next: self.index + 1, end: node.next }
    }

    /// The members of an object as (key, value), in document order, duplicates included.
    pub(crate) fn members(&self) -> Members<'d> {
        Members { children: self.elements() }
    }

    /// The node as a `serde_json::Value` (only for showing a difference).
    pub(crate) fn to_value(self) -> Value {
        serde_json::from_str(self.raw()).unwrap_or(Value::Null)
    }
}

/// The child nodes of a container, skipping each child's subtree.
pub(crate) struct Children<'d> {
    document: &'d Document<'d>,
    next: u32,
    end: u32,
}

impl<'d> Iterator for Children<'d> {
    type Item = NodeRef<'d>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let child = NodeRef { document: self.document, index: self.next };
        self.next = child.node().next;
        Some(child)
    }
}

pub(crate) struct Members<'d> {
    children: Children<'d>,
}

impl<'d> Iterator for Members<'d> {
    type Item = (NodeRef<'d>, NodeRef<'d>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let key = self.children.next()?;
        let value = self.children.next()?;
        Some((key, value))
    }
}

struct Parser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    position: usize,
    nodes: Vec<Node>,
    decoded_keys: Vec<String>,
    whitespace: [u32; 4],
}

impl<'t> Parser<'t> {
    fn run(mut self) -> Option<Document<'t>> {
        // The innermost open container; while open, a container's `next` holds its parent.
        let mut open = NO_PARENT;
        let mut depth = 0;
        'value: loop {
            self.skip_whitespace();
            if open != NO_PARENT && self.nodes[open as usize].kind == Kind::Array {
                self.nodes[open as usize].extra += 1;
            }
            let byte = *self.bytes.get(self.position)?;
            match byte {
                b'{' | b'[' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return None;
                    }
                    let (kind, close) = if byte == b'{' { (Kind::Object, b'}') } else { (Kind::Array, b']') };
                    let index = self.push(kind, self.position, self.position + 1);
                    self.nodes[index as usize].next = open;
                    self.position += 1;
                    open = index;
                    self.skip_whitespace();
                    if self.bytes.get(self.position) != Some(&close) {
                        if kind == Kind::Object {
                            self.key(open)?;
                        }
                        continue 'value;
                    }
                    // An empty container: closed below.
                }
                b'"' => {
                    self.string(false)?;
                }
                b'-' | b'0'..=b'9' => self.number()?,
                b't' => self.literal(b"true", Kind::True)?,
                b'f' => self.literal(b"false", Kind::False)?,
                b'n' => self.literal(b"null", Kind::Null)?,
                _ => return None,
            }
            // A value is complete: close what it completes, then expect the next value.
            loop {
                self.skip_whitespace();
                if open == NO_PARENT {
                    if self.position != self.bytes.len() {
                        return None;
                    }
                    return Some(Document {
                        text: self.text,
                        nodes: self.nodes,
                        decoded_keys: self.decoded_keys,
                        whitespace: self.whitespace,
                    });
                }
                let container = self.nodes[open as usize];
                let close = if container.kind == Kind::Object { b'}' } else { b']' };
                match self.bytes.get(self.position) {
                    Some(b',') => {
                        self.position += 1;
                        if container.kind == Kind::Object {
                            self.skip_whitespace();
                            self.key(open)?;
                        }
                        continue 'value;
                    }
                    Some(&byte) if byte == close => {
                        self.position += 1;
                        let end = self.nodes.len() as u32;
                        let node = &mut self.nodes[open as usize];
                        node.end = self.position as u32;
                        open = node.next;
                        node.next = end;
                        depth -= 1;
                    }
                    _ => return None,
                }
            }
        }
    }

    fn push(&mut self, kind: Kind, start: usize, end: usize) -> u32 {
        let index = self.nodes.len() as u32;
        self.nodes.push(Node {
            kind,
            escaped: false,
            key: false,
            start: start as u32,
            end: end as u32,
            next: index + 1,
            extra: 0,
        });
        index
    }

    fn skip_whitespace(&mut self) {
        while let Some(&byte) = self.bytes.get(self.position) {
            let slot = match byte {
                b' ' => 0,
                b'\n' => 1,
                b'\t' => 2,
                b'\r' => 3,
                _ => return,
            };
            self.whitespace[slot] += 1;
            self.position += 1;
        }
    }

    /// A member's key and its colon.
    fn key(&mut self, object: u32) -> Option<()> {
        if self.bytes.get(self.position) != Some(&b'"') {
            return None;
        }
        self.string(true)?;
        self.nodes[object as usize].extra += 1;
        self.skip_whitespace();
        if self.bytes.get(self.position) != Some(&b':') {
            return None;
        }
        self.position += 1;
        Some(())
    }

    fn string(&mut self, key: bool) -> Option<()> {
        let start = self.position;
        let (end, escaped) = scan_string(self.bytes, start)?;
        let index = self.push(Kind::String, start, end);
        self.position = end;
        if escaped {
            // Both ends are quotes, so character boundaries.
            let inner = &self.text[start + 1..end - 1];
            let node = &mut self.nodes[index as usize];
            node.escaped = true;
            if key {
                let mut decoded = String::with_capacity(inner.len());
                unescape(inner, |piece| decoded.push_str(piece))?;
                self.decoded_keys.push(decoded);
                node.extra = self.decoded_keys.len() as u32;
            } else {
                unescape(inner, |_| {})?;
            }
        }
        self.nodes[index as usize].key = key;
        Some(())
    }

    fn number(&mut self) -> Option<()> {
        let end = scan_number(self.text, self.position)?;
        self.push(Kind::Number, self.position, end);
        self.position = end;
        Some(())
    }

    fn literal(&mut self, word: &[u8], kind: Kind) -> Option<()> {
        let end = scan_literal(self.bytes, self.position, word)?;
        self.push(kind, self.position, end);
        self.position = end;
        Some(())
    }
}

/// The end (past the closing quote) of the string starting at `start`, and whether it
/// holds a backslash. Control bytes are refused here; escapes are checked by [`unescape`].
#[inline]
pub(crate) fn scan_string(bytes: &[u8], start: usize) -> Option<(usize, bool)> {
    let mut position = start + 1;
    let mut escaped = false;
    loop {
        // Eight bytes at a time while none is a quote, a backslash or a control byte.
        while let Some(chunk) = bytes.get(position..position + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            let special = special_bytes(u64::from_le_bytes(word));
            if special != 0 {
                position += (special.trailing_zeros() / 8) as usize;
                break;
            }
            position += 8;
        }
        match *bytes.get(position)? {
            b'"' => return Some((position + 1, escaped)),
            b'\\' => {
                escaped = true;
                // The escaped byte may be a quote; escapes are checked by `unescape`.
                position += 2;
            }
            0..=0x1f => return None,
            _ => position += 1,
        }
    }
}

/// The end of the number starting at `start`, if it is one serde_json accepts.
pub(crate) fn scan_number(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut position = start;
    if bytes.get(position) == Some(&b'-') {
        position += 1;
    }
    let digits = |position: &mut usize| {
        let from = *position;
        while bytes.get(*position).is_some_and(u8::is_ascii_digit) {
            *position += 1;
        }
        *position - from
    };
    let integer_start = position;
    match bytes.get(position) {
        Some(b'0') => position += 1,
        Some(b'1'..=b'9') => {
            digits(&mut position);
        }
        _ => return None,
    }
    let integer_digits = position - integer_start;
    let mut fraction = (position, position);
    if bytes.get(position) == Some(&b'.') {
        position += 1;
        let from = position;
        if digits(&mut position) == 0 {
            return None;
        }
        fraction = (from, position);
    }
    let mut exponent: i64 = 0;
    if matches!(bytes.get(position), Some(b'e' | b'E')) {
        position += 1;
        let negative = match bytes.get(position) {
            Some(b'-') => {
                position += 1;
                true
            }
            Some(b'+') => {
                position += 1;
                false
            }
            _ => false,
        };
        let from = position;
        if digits(&mut position) == 0 {
            return None;
        }
        for &digit in &bytes[from..position] {
            exponent = (exponent * 10 + i64::from(digit - b'0')).min(1 << 40);
        }
        if negative {
            exponent = -exponent;
        }
    }
    // serde_json refuses a number that overflows an f64. Below 10^308 none can.
    let magnitude = if bytes[integer_start] != b'0' {
        Some(integer_digits as i64 - 1 + exponent)
    } else {
        bytes[fraction.0..fraction.1].iter().position(|&digit| digit != b'0').map(|zeros| exponent - 1 - zeros as i64)
    };
    if let Some(magnitude) = magnitude
        && magnitude >= 308
        && (magnitude > 309 || !text[start..position].parse::<f64>().is_ok_and(f64::is_finite))
    {
        return None;
    }
    Some(position)
}

/// The end of `word` (`true`, `false`, `null`) if the text spells it at `start`.
#[inline]
pub(crate) fn scan_literal(bytes: &[u8], start: usize, word: &[u8]) -> Option<usize> {
    let end = start + word.len();
    (bytes.get(start..end) == Some(word)).then_some(end)
}

/// A mask with the high bit set in each byte of `word` that is `"`, `\` or below 0x20
/// (exact for the lowest such byte, which is all the caller uses).
#[inline]
pub(crate) fn special_bytes(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let quote = zero_byte(word ^ (ONES * u64::from(b'"')));
    let backslash = zero_byte(word ^ (ONES * u64::from(b'\\')));
    let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    quote | backslash | control
}

/// Decodes the escapes of a string's inside, handing the pieces to `push`; `None` when an
/// escape is one serde_json refuses (unknown letter, bad hex, lone surrogate).
pub(crate) fn unescape(inner: &str, mut push: impl FnMut(&str)) -> Option<()> {
    let bytes = inner.as_bytes();
    let mut position = 0;
    let mut run_start = 0;
    while position < bytes.len() {
        if bytes[position] != b'\\' {
            position += 1;
            continue;
        }
        push(&inner[run_start..position]);
        let letter = *bytes.get(position + 1)?;
        position += 2;
        let simple = match letter {
            b'"' => Some("\""),
            b'\\' => Some("\\"),
            b'/' => Some("/"),
            b'b' => Some("\u{8}"),
            b'f' => Some("\u{c}"),
            b'n' => Some("\n"),
            b'r' => Some("\r"),
            b't' => Some("\t"),
            b'u' => None,
            _ => return None,
        };
        match simple {
            Some(text) => push(text),
            None => {
                let unit = hex4(bytes.get(position..position + 4)?)?;
                position += 4;
                let code = match unit {
                    0xDC00..=0xDFFF => return None,
                    0xD800..=0xDBFF => {
                        if bytes.get(position..position + 2) != Some(b"\\u") {
                            return None;
                        }
                        let low = hex4(bytes.get(position + 2..position + 6)?)?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return None;
                        }
                        position += 6;
                        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                    }
                    other => other,
                };
                let mut buffer = [0u8; 4];
                push(char::from_u32(code)?.encode_utf8(&mut buffer));
            }
        }
        run_start = position;
    }
    push(&inner[run_start..]);
    Some(())
}

fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |value, &digit| Some(value * 16 + char::from(digit).to_digit(16)?))
}

/// Whether two JSON number texts are the same number to a client decoding them as Python's
/// `json.loads` does: integers exactly however large, floats as f64, an integer against a
/// float exactly (`1 == 1.0`, `2**53 + 1 != 9007199254740992.0`), and `-0 == 0`.
pub(crate) fn number_texts_equal(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let is_integer = |text: &str| !text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'));
    let is_zero = |text: &str| text.strip_prefix('-').unwrap_or(text) == "0";
    match (is_integer(a), is_integer(b)) {
        // Integer texts have no leading zeros, so only the sign of zero can differ.
        (true, true) => is_zero(a) && is_zero(b),
        (false, false) => match (a.parse::<f64>(), b.parse::<f64>()) {
            (Ok(x), Ok(y)) => x == y,
            _ => false,
        },
        (true, false) => integer_equals_float(a, b),
        (false, true) => integer_equals_float(b, a),
    }
}

fn integer_equals_float(integer: &str, float: &str) -> bool {
    let Ok(float) = float.parse::<f64>() else {
        return false;
    };
    if !float.is_finite() || float.fract() != 0.0 {
        return false;
    }
    if let Ok(integer) = integer.parse::<i128>()
        && float.abs() < 1e38
    {
        return float as i128 == integer;
    }
    // Beyond i128 both are written out: Rust prints an f64's exact decimal value.
    format!("{float:.0}") == integer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serde_accepts(text: &str) -> bool {
        serde_json::from_str::<Value>(text).is_ok()
    }

    #[test]
    fn accepts_exactly_what_serde_json_accepts() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let deep_objects = |n: usize| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
        let mut cases: Vec<String> = [
            "",
            " ",
            "null",
            "true",
            "false",
            "nul",
            "tru",
            "truex",
            "0",
            "-0",
            "-",
            "01",
            "-01",
            "1.",
            "1.5",
            ".5",
            "1e5",
            "1E+5",
            "1e-5",
            "1e",
            "1e+",
            "1.5e3x",
            "1e400",
            "-1e400",
            "1e308",
            "1.7976931348623157e308",
            "1.7976931348623159e308",
            "0.0000e999",
            "1e-400",
            "123456789012345678901234567890",
            "\"\"",
            "\"a\"",
            "\"a",
            "\"\\\"",
            "\"\\u00e9\"",
            "\"\\u00E9\"",
            "\"\\u00g9\"",
            "\"\\u00e\"",
            "\"\\x\"",
            "\"\\/\"",
            "\"\\ud83d\\ude00\"",
            "\"\\ud83d\"",
            "\"\\ude00\"",
            "\"\\ud83dx\"",
            "\"\\ud83d\\u0041\"",
            "\"\\ud83d\\\"",
            "\"a\tb\"",
            "\"a\u{7f}b\"",
            "\"é\"",
            "[]",
            "[ ]",
            "[1,]",
            "[,1]",
            "[1 2]",
            "[1,2]",
            "{}",
            "{ }",
            "{\"a\":1}",
            "{\"a\" : 1 , \"b\":[]}",
            "{\"a\":1,}",
            "{,}",
            "{\"a\"}",
            "{\"a\":}",
            "{1:1}",
            "{\"a\":1,\"a\":2}",
            "[1]]",
            "[[1]",
            "{\"a\":1}}",
            " \n\t\r[1]\r\n",
            "[1]\u{a0}",
            "\u{feff}[1]",
            "[\"\\u0000\"]",
            "[\"a\\\\\"]",
            "[\"0123456789abcdef\\n\"]",
            "\"0123456789abcdef0123456789abcdef\"",
            "\"0123456789abcdef\u{1}0123\"",
            "\"😀😀😀😀😀😀\"",
        ]
        .iter()
        .map(|case| (*case).to_owned())
        .collect();
        for n in [1, 126, 127, 128, 200] {
            cases.push(deep(n));
            cases.push(deep_objects(n));
        }
        cases.push(format!("1{}", "0".repeat(308)));
        cases.push(format!("1{}", "0".repeat(309)));
        cases.push(format!("0.{}1e400", "0".repeat(100)));
        for case in &cases {
            assert_eq!(Document::parse(case).is_some(), serde_accepts(case), "acceptance differs for {case:?}");
        }
    }

    #[test]
    fn the_tape_holds_keys_values_and_subtrees() {
        let document = Document::parse(r#" {"a": [1, "x\u00e9", null], "caf\u00e9": {"b": true}} "#).expect("valid");
        let root = document.root();
        assert_eq!(root.kind(), Kind::Object);
        assert_eq!(root.len(), 2);
        let members: Vec<_> = root.members().map(|(k, v)| (k.key(), v)).collect();
        assert_eq!(members[0].0, "a");
        assert_eq!(members[1].0, "café");
        let elements: Vec<_> = members[0].1.elements().collect();
        assert_eq!(elements.len(), 3);
        assert_eq!(elements[0].raw(), "1");
        assert_eq!(elements[1].string(), "xé");
        assert_eq!(elements[2].kind(), Kind::Null);
        assert_eq!(members[1].1.raw(), r#"{"b": true}"#);
        assert_eq!(members[1].1.to_value(), serde_json::json!({"b": true}));
        assert_eq!(document.whitespace_counts(), [8, 0, 0, 0]);
    }

    #[test]
    fn decoded_strings_match_serde_json() {
        for text in [r#""plain""#, r#""caf\u00e9 \ud83d\ude00 \/ \" \\ \b\f\n\r\t""#, r#""\u0000x""#] {
            let document = Document::parse(text).expect("valid");
            let expected: String = serde_json::from_str(text).expect("serde");
            assert_eq!(document.root().string(), expected);
        }
    }

    #[test]
    fn numbers_compare_as_python_sees_them() {
        assert!(number_texts_equal("1", "1.0"));
        assert!(number_texts_equal("1000", "1E3"));
        assert!(number_texts_equal("-0", "0"));
        assert!(number_texts_equal("-0.0", "0"));
        assert!(number_texts_equal("0.1", "0.10000000000000001"));
        assert!(number_texts_equal("18446744073709551616", "18446744073709551616.0"));
        assert!(!number_texts_equal("100000000000000000000001", "100000000000000000000000"));
        // 10**23 == 1e23 is False in Python: the float is 99999999999999991611392.
        assert!(!number_texts_equal("100000000000000000000000", "1e23"));
        assert!(number_texts_equal("99999999999999991611392", "1e23"));
        assert!(!number_texts_equal("9007199254740993", "9007199254740992.0"));
        assert!(!number_texts_equal("1", "1.5"));
    }
}
