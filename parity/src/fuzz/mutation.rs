//! One structured change to an event: what it is ([`MutationKind`], [`Change`]), where it
//! applies (a path in the event, or in the JSON document its body holds), and how it is
//! applied. A mutation is fully specified when it is planned, so that it applies the same
//! way to each side's copy of the event (the copies differ only in the ids each side
//! generated).

use base64::Engine as _;
use serde::Serialize;
use serde_json::{Map, Value};

use super::shape::EventShape;
use crate::path::{JsonPath, Segment};

/// The families of mutation, as the fuzzer groups its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MutationKind {
    /// A field removed.
    DropField,
    /// A field set to `null`.
    NullField,
    /// A value of another JSON type (string, number, bool, object, array).
    ChangeType,
    /// A header name in another letter case.
    SwapHeaderCase,
    /// A field nobody expects, added.
    AddUnknownField,
    /// The body base64-encoded with `isBase64Encoded: true`, or the reverse.
    BodyEncoding,
    /// Combining marks, emoji, right-to-left text or NUL in a string.
    Unicode,
    /// A long string, a big number or deep nesting.
    HugeValue,
    /// The event as another API Gateway kind sends it (HTTP API v2, ALB, function URL,
    /// WebSocket), or without `requestContext.identity` or `httpMethod`.
    EventShape,
}

impl MutationKind {
    /// Every kind, in the order the generator cycles through them.
    pub(crate) const ALL: [Self; 9] = [
        Self::DropField,
        Self::NullField,
        Self::ChangeType,
        Self::SwapHeaderCase,
        Self::AddUnknownField,
        Self::BodyEncoding,
        Self::Unicode,
        Self::HugeValue,
        Self::EventShape,
    ];

    /// The kind's name in reports (`drop_field`), as it serialises.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::DropField => "drop_field",
            Self::NullField => "null_field",
            Self::ChangeType => "change_type",
            Self::SwapHeaderCase => "swap_header_case",
            Self::AddUnknownField => "add_unknown_field",
            Self::BodyEncoding => "body_encoding",
            Self::Unicode => "unicode",
            Self::HugeValue => "huge_value",
            Self::EventShape => "event_shape",
        }
    }
}

impl std::fmt::Display for MutationKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The JSON types a value can be changed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonType {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl JsonType {
    pub(crate) fn of(value: &Value) -> Self {
        match value {
            Value::Null => Self::Null,
            Value::Bool(_) => Self::Bool,
            Value::Number(_) => Self::Number,
            Value::String(_) => Self::String,
            Value::Array(_) => Self::Array,
            Value::Object(_) => Self::Object,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool => "bool",
            Self::Number => "number",
            Self::String => "string",
            Self::Array => "array",
            Self::Object => "object",
        }
    }
}

/// The letter cases a header name can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeaderCase {
    /// `content-type`.
    Lower,
    /// `CONTENT-TYPE`.
    Upper,
    /// `cOnTeNt-TyPe`: every other letter upper case, starting lower.
    Alternating,
}

impl HeaderCase {
    pub(crate) const ALL: [Self; 3] = [Self::Lower, Self::Upper, Self::Alternating];

    pub(crate) fn apply(self, name: &str) -> String {
        match self {
            Self::Lower => name.to_ascii_lowercase(),
            Self::Upper => name.to_ascii_uppercase(),
            Self::Alternating => {
                let mut upper = false;
                name.chars()
                    .map(|c| {
                        if !c.is_ascii_alphabetic() {
                            return c;
                        }
                        upper = !upper;
                        if upper { c.to_ascii_lowercase() } else { c.to_ascii_uppercase() }
                    })
                    .collect()
            }
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Lower => "lower case",
            Self::Upper => "upper case",
            Self::Alternating => "alternating case",
        }
    }
}

/// How the body's encoding changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyEncoding {
    /// A plain body base64-encoded, `isBase64Encoded: true`.
    Base64,
    /// A base64 body decoded (when it is UTF-8), `isBase64Encoded: false`.
    Decoded,
    /// Only the flag flipped: plain text said to be base64, or base64 said to be plain.
    FlagOnly,
}

impl BodyEncoding {
    pub(crate) const ALL: [Self; 3] = [Self::Base64, Self::Decoded, Self::FlagOnly];

    fn as_str(self) -> &'static str {
        match self {
            Self::Base64 => "base64-encoded",
            Self::Decoded => "base64-decoded",
            Self::FlagOnly => "isBase64Encoded flipped",
        }
    }
}

/// What is written into a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnicodeText {
    /// Combining marks after the last character (`e` + U+0301 + U+0323).
    Combining,
    /// Emoji outside the basic plane, a ZWJ family and a flag sequence.
    Emoji,
    /// A right-to-left override before, Hebrew after.
    RightToLeft,
    /// A NUL character at the end.
    Nul,
}

impl UnicodeText {
    pub(crate) const ALL: [Self; 4] = [Self::Combining, Self::Emoji, Self::RightToLeft, Self::Nul];

    fn apply(self, text: &str) -> String {
        match self {
            Self::Combining if text.is_empty() => "e\u{301}\u{323}".to_owned(),
            Self::Combining => format!("{text}\u{301}\u{323}"),
            Self::Emoji => {
                format!("{text}\u{1F980}\u{1F469}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{1F3F3}\u{FE0F}\u{200D}\u{1F308}")
            }
            Self::RightToLeft => format!("\u{202E}{text} \u{5E9}\u{5DC}\u{5D5}\u{5DD}"),
            // At the end: an id the string holds stays a whole token, so that each side's
            // id still maps to the other's when an answer echoes the string.
            Self::Nul => format!("{text}\u{0}"),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Combining => "combining marks",
            Self::Emoji => "emoji",
            Self::RightToLeft => "right-to-left",
            Self::Nul => "NUL",
        }
    }
}

/// Numbers for a JSON document that is sent as text (a body): spelled exactly, beyond
/// what an `f64` or a 64-bit integer holds.
pub(crate) const BODY_NUMBERS: [&str; 9] = [
    "18446744073709551616",
    "123456789012345678901234567890",
    "-9223372036854775809",
    "1e400",
    "-1e400",
    "1e-400",
    "1.7976931348623157e308",
    "5e-324",
    "9007199254740993",
];

/// Numbers for the event itself, which is a JSON value on this side: only what a 64-bit
/// integer or an `f64` holds exactly.
pub(crate) const EVENT_NUMBERS: [&str; 6] = [
    "18446744073709551615",
    "-9223372036854775808",
    "1.7976931348623157e308",
    "-1.7976931348623157e308",
    "5e-324",
    "9007199254740993",
];

/// Lengths of the long strings, in characters added.
pub(crate) const LONG_STRINGS: [usize; 3] = [1_000, 10_000, 100_000];

/// Depths of nesting, below what any JSON parser on either side refuses (serde_json
/// stops at 128, Python's `json` at its recursion limit of 1000).
pub(crate) const NESTING_DEPTHS: [usize; 3] = [8, 32, 100];

/// One change, with everything needed to apply it again.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// The field removed.
    Drop,
    /// The field set to `null`.
    Null,
    /// The value replaced by one of another JSON type.
    Retype {
        /// The value's type.
        from: JsonType,
        /// The type of the value put in its place.
        to: JsonType,
    },
    /// The header's name written in another case.
    HeaderCase {
        /// The case it is written in.
        case: HeaderCase,
    },
    /// A field added to the object at the path.
    AddField {
        /// The field's name, one no handler expects.
        name: String,
        /// Its value.
        value: Value,
    },
    /// The body's encoding changed.
    Encoding {
        /// How.
        encoding: BodyEncoding,
    },
    /// Text that trips up string handling written into the string.
    Unicode {
        /// Which text.
        text: UnicodeText,
    },
    /// The string made longer by a run of `x`.
    LongString {
        /// Characters added.
        length: usize,
    },
    /// A scalar (most often a number) replaced by a number at the edge of what a 64-bit
    /// integer or an `f64` holds, or beyond it inside a body, written exactly.
    BigNumber {
        /// The number as written into the event or body.
        number: String,
    },
    /// The value wrapped in arrays and objects, alternately.
    Nesting {
        /// Levels of nesting.
        depth: usize,
    },
    /// The whole event turned into another API Gateway kind's shape.
    Shape {
        /// Which shape.
        shape: EventShape,
    },
}

impl Change {
    /// A short label: what changed, without where.
    pub(crate) fn label(&self) -> String {
        match self {
            Self::Drop => "dropped".into(),
            Self::Null => "null".into(),
            Self::Retype { from, to } => format!("{} to {}", from.as_str(), to.as_str()),
            Self::HeaderCase { case } => case.as_str().into(),
            Self::AddField { .. } => "unknown field".into(),
            Self::Encoding { encoding } => encoding.as_str().into(),
            Self::Unicode { text } => text.as_str().into(),
            Self::LongString { length } => format!("long string (+{length} characters)"),
            Self::BigNumber { number } => format!("number {number}"),
            Self::Nesting { depth } => format!("nested {depth} deep"),
            Self::Shape { shape } => shape.as_str().into(),
        }
    }
}

/// A mutation: a kind, a change and where it applies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mutation {
    /// The family it belongs to, for grouping.
    pub kind: MutationKind,
    /// Where: a path in the event (`$.headers.Accept`), or, when `in_body`, a path into
    /// the JSON document the body holds, written from the event (`$.body.spec.region`).
    pub path: JsonPath,
    /// True when the change applies inside the body's JSON document.
    pub in_body: bool,
    /// What changes there.
    #[serde(flatten)]
    pub change: Change,
}

/// The string that stands for a raw number in a document until it is written as text.
const RAW_NUMBER_MARKER: &str = "\u{1}cutover-fuzz-raw-number\u{1}";

impl Mutation {
    /// `drop_field $.httpMethod`, `change_type $.body.spec.node_count (number to string)`.
    pub(crate) fn describe(&self) -> String {
        format!("{} {} ({})", self.kind, self.path, self.change.label())
    }

    /// The event with this mutation applied, or `None` when it does not apply (the path
    /// is not there, the body is not a JSON document, the value is not of the kind the
    /// change needs).
    pub(crate) fn apply(&self, event: &Value) -> Option<Value> {
        let mut event = event.clone();
        if self.in_body {
            let (text, base64) = body_text(&event)?;
            let mut document: Value = serde_json::from_str(&text).ok()?;
            let inner = self.path.segments().get(1..)?;
            let raw_number = apply_to_value(&mut document, inner, &self.change, true)?;
            let mut text = serde_json::to_string(&document).ok()?;
            if let Some(number) = raw_number {
                let marker = Value::String(RAW_NUMBER_MARKER.to_owned()).to_string();
                text = text.replacen(&marker, &number, 1);
            }
            let body = if base64 { base64::engine::general_purpose::STANDARD.encode(text) } else { text };
            *event.get_mut("body")? = Value::String(body);
            return Some(event);
        }
        match &self.change {
            Change::HeaderCase { case } => {
                let [Segment::Key(root), Segment::Key(name)] = self.path.segments() else { return None };
                if root != "headers" {
                    return None;
                }
                let renamed = case.apply(name);
                if &renamed == name {
                    return None;
                }
                rename_key(event.get_mut("headers")?.as_object_mut()?, name, &renamed)?;
                if let Some(Value::Object(multi)) = event.get_mut("multiValueHeaders") {
                    rename_key(multi, name, &renamed);
                }
                Some(event)
            }
            Change::Encoding { encoding } => {
                change_encoding(&mut event, *encoding)?;
                Some(event)
            }
            Change::Shape { shape } => shape.apply(&event),
            change => {
                apply_to_value(&mut event, self.path.segments(), change, false)?;
                Some(event)
            }
        }
    }
}

/// The body's text, decoded when `isBase64Encoded` is true, and whether it was.
pub(crate) fn body_text(event: &Value) -> Option<(String, bool)> {
    let body = event.get("body")?.as_str()?;
    let base64 = event.get("isBase64Encoded").and_then(Value::as_bool).unwrap_or(false);
    if base64 {
        let bytes = base64::engine::general_purpose::STANDARD.decode(body).ok()?;
        Some((String::from_utf8(bytes).ok()?, true))
    } else {
        Some((body.to_owned(), false))
    }
}

/// The body's JSON document, when it holds an object or an array.
pub(crate) fn body_document(event: &Value) -> Option<Value> {
    let (text, _) = body_text(event)?;
    let document: Value = serde_json::from_str(&text).ok()?;
    matches!(document, Value::Object(_) | Value::Array(_)).then_some(document)
}

/// Renames `from` to `to` in place, keeping the key's position.
fn rename_key(map: &mut Map<String, Value>, from: &str, to: &str) -> Option<()> {
    if !map.contains_key(from) || map.contains_key(to) {
        return None;
    }
    let entries = std::mem::take(map);
    for (key, value) in entries {
        if key == from {
            map.insert(to.to_owned(), value);
        } else {
            map.insert(key, value);
        }
    }
    Some(())
}

fn change_encoding(event: &mut Value, encoding: BodyEncoding) -> Option<()> {
    let object = event.as_object_mut()?;
    let body = object.get("body")?.as_str()?.to_owned();
    let flagged = object.get("isBase64Encoded").and_then(Value::as_bool).unwrap_or(false);
    let engine = base64::engine::general_purpose::STANDARD;
    let (body, flag) = match encoding {
        BodyEncoding::Base64 if !flagged => (engine.encode(&body), true),
        BodyEncoding::Decoded if flagged => (String::from_utf8(engine.decode(&body).ok()?).ok()?, false),
        BodyEncoding::FlagOnly => (body, !flagged),
        BodyEncoding::Base64 | BodyEncoding::Decoded => return None,
    };
    object.insert("body".into(), Value::String(body));
    object.insert("isBase64Encoded".into(), Value::Bool(flag));
    Some(())
}

/// Applies a value change at `path` under `root`. Returns the raw number text to put in
/// place of the marker, for a big number written into a document sent as text.
fn apply_to_value(root: &mut Value, path: &[Segment], change: &Change, as_text: bool) -> Option<Option<String>> {
    if let Change::AddField { name, value } = change {
        let target = lookup_mut(root, path)?.as_object_mut()?;
        if target.contains_key(name) {
            return None;
        }
        target.insert(name.clone(), value.clone());
        return Some(None);
    }
    let (last, parent_path) = path.split_last()?;
    let parent = lookup_mut(root, parent_path)?;
    if let Change::Drop = change {
        let Segment::Key(key) = last else { return None };
        parent.as_object_mut()?.shift_remove(key)?;
        return Some(None);
    }
    let target = match last {
        Segment::Key(key) => parent.as_object_mut()?.get_mut(key)?,
        Segment::Index(index) => parent.as_array_mut()?.get_mut(*index)?,
    };
    let mut raw_number = None;
    let replacement = match change {
        Change::Null if !target.is_null() => Value::Null,
        Change::Retype { from, to } if JsonType::of(target) == *from && from != to => retyped(target, *to),
        Change::Unicode { text } => Value::String(text.apply(target.as_str()?)),
        // After a `.`: an id the string holds stays a whole token (see `UnicodeText::Nul`).
        Change::LongString { length } => Value::String(match target.as_str()? {
            "" => "x".repeat(*length),
            text => format!("{text}.{}", "x".repeat(*length)),
        }),
        Change::BigNumber { number } if as_text => {
            raw_number = Some(number.clone());
            Value::String(RAW_NUMBER_MARKER.to_owned())
        }
        Change::BigNumber { number } => serde_json::from_str::<Value>(number).ok().filter(Value::is_number)?,
        Change::Nesting { depth } => nested(target.take(), *depth),
        _ => return None,
    };
    *target = replacement;
    Some(raw_number)
}

fn lookup_mut<'v>(root: &'v mut Value, path: &[Segment]) -> Option<&'v mut Value> {
    let mut current = root;
    for segment in path {
        current = match segment {
            Segment::Key(key) => current.as_object_mut()?.get_mut(key)?,
            Segment::Index(index) => current.as_array_mut()?.get_mut(*index)?,
        };
    }
    Some(current)
}

/// `value` wrapped `depth` times, in arrays and objects by turns: `[{"a": [...]}]`.
fn nested(value: Value, depth: usize) -> Value {
    (0..depth).fold(
        value,
        |inner, level| {
            if level % 2 == 0 { Value::Array(vec![inner]) } else { serde_json::json!({ "a": inner }) }
        },
    )
}

/// `value` as a value of type `to`, keeping what can be kept: `"5"` becomes `5`, `5`
/// becomes `"5"`, a scalar becomes `[scalar]` or `{"value": scalar}`.
pub(crate) fn retyped(value: &Value, to: JsonType) -> Value {
    match to {
        JsonType::Null => Value::Null,
        JsonType::String => match value {
            Value::String(text) => Value::String(text.clone()),
            Value::Number(number) => Value::String(number.to_string()),
            Value::Bool(flag) => Value::String(flag.to_string()),
            Value::Null => Value::String(String::new()),
            other => Value::String(other.to_string()),
        },
        JsonType::Number => match value {
            Value::Number(number) => Value::Number(number.clone()),
            Value::String(text) => {
                let trimmed = text.trim();
                trimmed
                    .parse::<i64>()
                    .map(Value::from)
                    .ok()
                    .or_else(|| trimmed.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number))
                    .unwrap_or_else(|| Value::from(1))
            }
            Value::Bool(flag) => Value::from(u8::from(*flag)),
            Value::Null => Value::from(0),
            Value::Array(items) => Value::from(items.len()),
            Value::Object(map) => Value::from(map.len()),
        },
        JsonType::Bool => Value::Bool(match value {
            Value::Bool(flag) => *flag,
            Value::Null => false,
            Value::Number(number) => number.as_f64() != Some(0.0),
            Value::String(text) => !text.is_empty(),
            Value::Array(items) => !items.is_empty(),
            Value::Object(map) => !map.is_empty(),
        }),
        JsonType::Array => match value {
            Value::Array(items) => Value::Array(items.clone()),
            other => Value::Array(vec![other.clone()]),
        },
        JsonType::Object => match value {
            Value::Object(map) => Value::Object(map.clone()),
            other => serde_json::json!({ "value": other }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mutation(kind: MutationKind, path: JsonPath, in_body: bool, change: Change) -> Mutation {
        Mutation { kind, path, in_body, change }
    }

    fn event() -> Value {
        json!({
            "httpMethod": "POST",
            "headers": {"Content-Type": "application/json", "Accept": "*/*"},
            "multiValueHeaders": {"Content-Type": ["application/json"], "Accept": ["*/*"]},
            "body": "{\"name\": \"a\", \"count\": 3, \"tags\": [\"x\"]}",
            "isBase64Encoded": false,
        })
    }

    #[test]
    fn field_changes_apply_in_the_event_and_in_the_body() {
        let root = JsonPath::root();
        let dropped = mutation(MutationKind::DropField, root.clone().key("httpMethod"), false, Change::Drop);
        assert_eq!(dropped.apply(&event()).expect("applies").get("httpMethod"), None);
        let in_body = mutation(
            MutationKind::ChangeType,
            root.clone().key("body").key("count"),
            true,
            Change::Retype { from: JsonType::Number, to: JsonType::String },
        );
        let mutated = in_body.apply(&event()).expect("applies");
        let body: Value = serde_json::from_str(mutated["body"].as_str().expect("text")).expect("json");
        assert_eq!(body["count"], json!("3"));
        assert_eq!(body["name"], json!("a"), "the rest of the body stays");
        // A change that does not fit the value is not applied.
        let wrong_type = mutation(
            MutationKind::ChangeType,
            root.clone().key("body").key("name"),
            true,
            Change::Retype { from: JsonType::Number, to: JsonType::String },
        );
        assert_eq!(wrong_type.apply(&event()), None);
        assert_eq!(
            mutation(MutationKind::DropField, root.clone().key("nope"), false, Change::Drop).apply(&event()),
            None
        );
    }

    #[test]
    fn a_big_number_in_a_body_is_written_exactly() {
        let big = mutation(
            MutationKind::HugeValue,
            JsonPath::root().key("body").key("count"),
            true,
            Change::BigNumber { number: "123456789012345678901234567890".into() },
        );
        let mutated = big.apply(&event()).expect("applies");
        assert!(mutated["body"].as_str().expect("text").contains("\"count\":123456789012345678901234567890"));
    }

    #[test]
    fn header_case_renames_in_both_header_maps_in_place() {
        let swap = mutation(
            MutationKind::SwapHeaderCase,
            JsonPath::root().key("headers").key("Content-Type"),
            false,
            Change::HeaderCase { case: HeaderCase::Alternating },
        );
        let mutated = swap.apply(&event()).expect("applies");
        let names: Vec<&String> = mutated["headers"].as_object().expect("map").keys().collect();
        assert_eq!(names, ["cOnTeNt-TyPe", "Accept"]);
        assert!(mutated["multiValueHeaders"].get("cOnTeNt-TyPe").is_some());
    }

    #[test]
    fn encodings_round_trip_and_the_flag_flips_alone() {
        let encode = mutation(
            MutationKind::BodyEncoding,
            JsonPath::root().key("body"),
            false,
            Change::Encoding { encoding: BodyEncoding::Base64 },
        );
        let encoded = encode.apply(&event()).expect("applies");
        assert_eq!(encoded["isBase64Encoded"], json!(true));
        let decode = mutation(
            MutationKind::BodyEncoding,
            JsonPath::root().key("body"),
            false,
            Change::Encoding { encoding: BodyEncoding::Decoded },
        );
        assert_eq!(decode.apply(&encoded).expect("applies"), event());
        assert_eq!(decode.apply(&event()), None, "a plain body cannot be decoded");
        assert_eq!(UnicodeText::Nul.apply("abcd"), "abcd\u{0}");
        assert_eq!(HeaderCase::Lower.apply("X-Api"), "x-api");
    }
}
