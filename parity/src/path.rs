//! JSON paths (`$.body.violations[3].message`) and the patterns rules and signatures use
//! (`$.body.violations[*].message`).
//!
//! The comparison walks borrowed [`Seg`]s on a stack so that no path is allocated until a
//! difference is found; [`JsonPath`] is the owned form kept in a [`crate::Difference`].

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// One borrowed step of a path while walking two documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// One owned step of a [`JsonPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

/// A concrete location in a compared document, printed as `$.body.items[3].id`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JsonPath {
    segments: Vec<Segment>,
}

impl JsonPath {
    /// The document root, `$`.
    pub fn root() -> Self {
        Self::default()
    }

    pub(crate) fn from_segs(segs: &[Seg<'_>]) -> Self {
        let segments = segs
            .iter()
            .map(|seg| match seg {
                Seg::Key(key) => Segment::Key((*key).to_owned()),
                Seg::Index(index) => Segment::Index(*index),
            })
            .collect();
        Self { segments }
    }

    /// This path with one more key.
    pub fn key(mut self, key: &str) -> Self {
        self.segments.push(Segment::Key(key.to_owned()));
        self
    }

    /// This path with one more array index.
    pub fn index(mut self, index: usize) -> Self {
        self.segments.push(Segment::Index(index));
        self
    }

    /// The steps from the root.
    pub(crate) fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The grouping pattern of this path: every array index becomes `[*]`.
    pub(crate) fn pattern(&self) -> String {
        let mut out = String::from("$");
        for segment in &self.segments {
            match segment {
                Segment::Key(key) => push_key(&mut out, key),
                Segment::Index(_) => out.push_str("[*]"),
            }
        }
        out
    }

    /// The grouping pattern with the key at `depth` replaced by `*` as well; used for
    /// side effects, where the item key (a generated id) must not split a signature.
    pub(crate) fn pattern_with_wildcard_key(&self, depth: usize) -> String {
        let mut out = String::from("$");
        for (position, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Key(_) if position == depth => out.push_str(".*"),
                Segment::Key(key) => push_key(&mut out, key),
                Segment::Index(_) => out.push_str("[*]"),
            }
        }
        out
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::from("$");
        for segment in &self.segments {
            match segment {
                Segment::Key(key) => push_key(&mut out, key),
                Segment::Index(index) => {
                    out.push('[');
                    out.push_str(&index.to_string());
                    out.push(']');
                }
            }
        }
        f.write_str(&out)
    }
}

impl Serialize for JsonPath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Keys made of plain characters print as `.key`; anything else as `['key']` so that a
/// printed path can always be parsed back into a pattern. Inside the quotes `\` and `'`
/// are escaped, and so are control and invisible characters (`\n`, `\t`, `\u0001`,
/// `\u200b`), so a path prints on one line and pastes into a rule as it is.
fn push_key(out: &mut String, key: &str) {
    let plain = !key.is_empty() && key != "*" && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        out.push('.');
        out.push_str(key);
    } else {
        out.push_str("['");
        for c in key.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("\\'"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if is_unprintable(c) => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push_str("']");
    }
}

/// Characters a terminal would not show as themselves: controls, and the zero-width and
/// direction-changing format characters.
fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00ad}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// Reads a quoted key back: `\\`, `\'`, `\n`, `\r`, `\t` and `\uXXXX` (surrogate
/// pairs joined); any other backslash stays as written.
fn unescape_key(quoted: &str) -> Option<String> {
    let mut out = String::with_capacity(quoted.len());
    let mut chars = quoted.chars().peekable();
    let mut pending_high: Option<u16> = None;
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                chars.next();
                let hex: String = chars.by_ref().take(4).collect();
                let unit = u16::from_str_radix(&hex, 16).ok().filter(|_| hex.len() == 4)?;
                match (pending_high.take(), unit) {
                    (Some(high), 0xdc00..=0xdfff) => {
                        out.push(char::decode_utf16([high, unit]).next()?.ok()?);
                    }
                    (None, 0xd800..=0xdbff) => pending_high = Some(unit),
                    (None, _) => out.push(char::from_u32(u32::from(unit))?),
                    (Some(_), _) => return None,
                }
                continue;
            }
            _ => {
                out.push('\\');
                continue;
            }
        }
        chars.next();
    }
    pending_high.is_none().then_some(out)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PatternSegment {
    Key(String),
    AnyKey,
    Index(usize),
    AnyIndex,
}

/// A path pattern from a rule: `$.body.items[*].id`, `$.headers.*`, `$.body['odd key']`.
///
/// A pattern matches a path equal to it and, for ignores, everything below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    text: String,
    segments: Vec<PatternSegment>,
}

/// Why a path pattern could not be parsed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid path `{text}`: {reason}")]
pub struct PathPatternError {
    /// The pattern as written.
    pub text: String,
    /// What is wrong with it, and what to write instead.
    pub reason: String,
}

impl PathPattern {
    /// True when `path` is this pattern or lies below it.
    pub(crate) fn covers(&self, path: &[Seg<'_>]) -> bool {
        path.len() >= self.segments.len() && self.matches_prefix_of(path)
    }

    /// True when `path` is exactly this pattern.
    pub(crate) fn matches(&self, path: &[Seg<'_>]) -> bool {
        path.len() == self.segments.len() && self.matches_prefix_of(path)
    }

    /// True when `path` is this pattern or lies below it: an ignore rule at this pattern
    /// would hide a difference there.
    pub fn covers_path(&self, path: &JsonPath) -> bool {
        let segs: Vec<Seg<'_>> = path
            .segments
            .iter()
            .map(|segment| match segment {
                Segment::Key(key) => Seg::Key(key),
                Segment::Index(index) => Seg::Index(*index),
            })
            .collect();
        self.covers(&segs)
    }

    fn matches_prefix_of(&self, path: &[Seg<'_>]) -> bool {
        self.segments.iter().zip(path).all(|(pattern, seg)| match (pattern, seg) {
            (PatternSegment::Key(expected), Seg::Key(key)) => expected == key,
            (PatternSegment::AnyKey, Seg::Key(_)) => true,
            (PatternSegment::Index(expected), Seg::Index(index)) => expected == index,
            (PatternSegment::AnyIndex, Seg::Index(_)) => true,
            _ => false,
        })
    }

    /// True when the pattern has no wildcard, so it names one location.
    pub fn is_concrete(&self) -> bool {
        self.segments.iter().all(|segment| matches!(segment, PatternSegment::Key(_) | PatternSegment::Index(_)))
    }

    /// The keys and indices of a concrete pattern, for reading a value out of a document.
    pub(crate) fn lookup<'v>(&self, value: &'v serde_json::Value) -> Option<&'v serde_json::Value> {
        let mut current = value;
        for segment in &self.segments {
            current = match segment {
                PatternSegment::Key(key) => current.get(key.as_str())?,
                PatternSegment::Index(index) => current.get(*index)?,
                PatternSegment::AnyKey | PatternSegment::AnyIndex => return None,
            };
        }
        Some(current)
    }
}

impl fmt::Display for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for PathPattern {
    type Err = PathPatternError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = |reason: &str| PathPatternError { text: text.to_owned(), reason: reason.to_owned() };
        let Some(rest) = text.strip_prefix('$') else {
            return Err(fail("a path starts with `$`"));
        };
        let bytes = rest.as_bytes();
        let mut segments = Vec::new();
        let mut position = 0;
        while position < bytes.len() {
            match bytes[position] {
                b'.' => {
                    let start = position + 1;
                    let mut end = start;
                    while end < bytes.len() && bytes[end] != b'.' && bytes[end] != b'[' {
                        end += 1;
                    }
                    let key = &rest[start..end];
                    if key.is_empty() {
                        return Err(fail("empty key after `.`"));
                    }
                    segments.push(if key == "*" {
                        PatternSegment::AnyKey
                    } else {
                        PatternSegment::Key(key.to_owned())
                    });
                    position = end;
                }
                b'[' => {
                    let Some(close) = find_bracket_end(rest, position) else {
                        return Err(fail("unclosed `[`"));
                    };
                    let inner = &rest[position + 1..close];
                    segments.push(
                        parse_bracket(inner)
                            .ok_or_else(|| fail("inside `[]` write `*`, an index, or a quoted key like ['name']"))?,
                    );
                    position = close + 1;
                }
                _ => return Err(fail("expected `.` or `[` after `$`")),
            }
        }
        Ok(Self { text: text.to_owned(), segments })
    }
}

fn find_bracket_end(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut position = open + 1;
    let quoted = bytes.get(position) == Some(&b'\'');
    if quoted {
        position += 1;
        while position < bytes.len() {
            match bytes[position] {
                b'\\' => position += 2,
                b'\'' => return (bytes.get(position + 1) == Some(&b']')).then_some(position + 1),
                _ => position += 1,
            }
        }
        None
    } else {
        text[position..].find(']').map(|offset| position + offset)
    }
}

fn parse_bracket(inner: &str) -> Option<PatternSegment> {
    if inner == "*" {
        return Some(PatternSegment::AnyIndex);
    }
    if let Some(quoted) = inner.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return unescape_key(quoted).map(PatternSegment::Key);
    }
    inner.parse().ok().map(PatternSegment::Index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(text: &str) -> PathPattern {
        text.parse().expect("valid pattern")
    }

    #[test]
    fn prints_indices_and_odd_keys() {
        let path = JsonPath::root().key("body").key("violations").index(3).key("message");
        assert_eq!(path.to_string(), "$.body.violations[3].message");
        assert_eq!(path.pattern(), "$.body.violations[*].message");
        let odd = JsonPath::root().key("tables").key("audit").key("c-1#0003");
        assert_eq!(odd.to_string(), "$.tables.audit['c-1#0003']");
        assert_eq!(odd.pattern_with_wildcard_key(2), "$.tables.audit.*");
    }

    #[test]
    fn printed_paths_parse_back_and_match_themselves() {
        let path = JsonPath::root().key("body").key("it's").index(2);
        let parsed = pattern(&path.to_string());
        assert!(parsed.covers_path(&path));
    }

    #[test]
    fn control_characters_print_escaped_and_parse_back() {
        let odd = "a\nb\tc\u{1}d\u{7f}e\u{200b}f'g\\h\u{1F600}";
        let path = JsonPath::root().key("body").key(odd);
        let printed = path.to_string();
        assert_eq!(printed, "$.body['a\\nb\\tc\\u0001d\\u007fe\\u200bf\\'g\\\\h\u{1F600}']");
        assert!(!printed.chars().any(is_unprintable), "{printed:?}");
        assert!(pattern(&printed).covers_path(&path), "{printed}");
        assert!(pattern(&path.pattern()).covers_path(&path));
        // A surrogate pair, as JSON would write an emoji.
        let emoji = JsonPath::root().key("\u{1F600}");
        assert!(pattern("$['\\ud83d\\ude00']").covers_path(&emoji));
        assert!("$['\\ud83d']".parse::<PathPattern>().is_err(), "a lone surrogate");
    }

    #[test]
    fn wildcards_match_any_index_or_key_and_cover_descendants() {
        let rule = pattern("$.body.items[*].created_at");
        let hit = [Seg::Key("body"), Seg::Key("items"), Seg::Index(7), Seg::Key("created_at")];
        let below = [Seg::Key("body"), Seg::Key("items"), Seg::Index(7), Seg::Key("created_at"), Seg::Key("nanos")];
        let other = [Seg::Key("body"), Seg::Key("items"), Seg::Index(7), Seg::Key("id")];
        assert!(rule.matches(&hit));
        assert!(rule.covers(&below));
        assert!(!rule.matches(&below));
        assert!(!rule.covers(&other));
        assert!(pattern("$.headers.*").covers(&[Seg::Key("headers"), Seg::Key("date")]));
    }

    #[test]
    fn bad_patterns_say_what_is_wrong() {
        let error = "body.id".parse::<PathPattern>().expect_err("no $");
        assert!(error.to_string().contains("starts with `$`"), "{error}");
        let error = "$.items[x]".parse::<PathPattern>().expect_err("bad index");
        assert!(error.to_string().contains("inside `[]`"), "{error}");
        let error = "$.items[1".parse::<PathPattern>().expect_err("unclosed");
        assert!(error.to_string().contains("unclosed"), "{error}");
    }

    #[test]
    fn concrete_patterns_look_values_up() {
        let document = serde_json::json!({"body": {"items": [{"id": "a"}, {"id": "b"}]}});
        assert_eq!(pattern("$.body.items[1].id").lookup(&document), Some(&serde_json::json!("b")));
        assert!(!pattern("$.body.items[*].id").is_concrete());
    }
}
