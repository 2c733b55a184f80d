//! The semantic comparison of two outcomes, with the cosmetic classification of what is
//! equal as data but not in bytes.
//!
//! A Lambda proxy response is compared as the client sees it: `$.statusCode`, the
//! client-visible headers under `$.headers` (lowercase names, volatile ones left out), and
//! `$.body` as JSON data when both bodies are JSON, else as bytes. Function errors are
//! compared by `$.errorType` and `$.errorMessage`. Anything else a function returns (an
//! EventBridge handler's value) is compared as JSON from `$`.
//!
//! Two JSON bodies are first read token by token together ([`lexical::compare_tokens`]),
//! which settles the common case (same data, same key order, other spelling) in one pass
//! that builds nothing. Otherwise each body is parsed once into a borrowed [`Document`]
//! (not a `serde_json::Value`) and walked: subtrees with the same bytes are skipped whole,
//! strings are decoded and numbers read only where the two texts differ, and the same walk
//! notes the cosmetic findings (escaping, number spelling, key order). Rules are consulted
//! only when two values already differ, and paths are only written out for a finding.

use std::collections::HashMap;

use base64::Engine as _;
use serde_json::Value;

use crate::difference::{Comparison, DiffKind, Difference};
use crate::document::{Document, Kind, NodeRef, number_texts_equal};
use crate::lexical::{self, TokenComparison};
use crate::path::{JsonPath, Seg};
use crate::record::Outcome;
use crate::rules::{ParityRules, RouteRules, RuleId};

const SHOWN_VALUE_LIMIT: usize = 200;

/// Objects with more members than this find keys through a hash map, not a linear scan.
const LINEAR_KEY_SEARCH_LIMIT: usize = 24;

/// Compares the candidate's outcome against the baseline's under the rules of `route`.
pub fn compare_outcomes(rules: &ParityRules, route: &str, baseline: &Outcome, candidate: &Outcome) -> Comparison {
    compare_outcomes_reading_tokens(rules, route, baseline, candidate, true)
}

/// [`compare_outcomes`], with the token-by-token pass over bodies switchable, so that the
/// tests can hold it against the walk of documents alone.
fn compare_outcomes_reading_tokens(
    rules: &ParityRules,
    route: &str,
    baseline: &Outcome,
    candidate: &Outcome,
    read_tokens: bool,
) -> Comparison {
    let route_rules = rules.for_route(route);
    let mut walker = Walker::new(&route_rules);
    walker.read_tokens = read_tokens;
    match (baseline, candidate) {
        (Outcome::Response(a), Outcome::Response(b)) => {
            if is_proxy_response(a) && is_proxy_response(b) {
                compare_proxy_responses(&mut walker, rules, a, b);
            } else {
                walker.walk_values(a, b);
            }
        }
        (Outcome::FunctionError(a), Outcome::FunctionError(b)) => {
            walker.compare_strings(&[Seg::Key("errorType")], &a.error_type, &b.error_type);
            walker.compare_strings(&[Seg::Key("errorMessage")], &a.error_message, &b.error_message);
        }
        _ => walker.emit(&[], DiffKind::Outcome, Some(describe_outcome(baseline)), Some(describe_outcome(candidate))),
    }
    walker.finish()
}

/// Compares two JSON documents from the root under the rules of `route`, with no
/// cosmetic classification (used for side effects).
pub(crate) fn compare_json(rules: &ParityRules, route: &str, baseline: &Value, candidate: &Value) -> Comparison {
    let route_rules = rules.for_route(route);
    let mut walker = Walker::new(&route_rules);
    walker.walk_values(baseline, candidate);
    walker.cosmetic.clear();
    walker.finish()
}

fn describe_outcome(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Response(value) => match value.get("statusCode") {
            Some(status) => format!("response {status}"),
            None => "response".to_owned(),
        },
        Outcome::FunctionError(error) => format!("function error {}", error.error_type),
    }
}

fn is_proxy_response(value: &Value) -> bool {
    value.get("statusCode").is_some()
}

fn compact(node: NodeRef<'_>) -> String {
    truncate(serde_json::to_string(&node.to_value()).unwrap_or_default())
}

/// A number as serde_json writes it, except an integer beyond 64 bits, which serde_json
/// would round to an f64 (two different integers could then show the same text).
fn number_display(node: NodeRef<'_>) -> String {
    let raw = node.raw();
    let integer = !raw.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'));
    if integer && raw.parse::<i64>().is_err() && raw.parse::<u64>().is_err() {
        return raw.to_owned();
    }
    serde_json::from_str::<serde_json::Number>(raw).map_or_else(|_| raw.to_owned(), |number| number.to_string())
}

fn truncate(mut text: String) -> String {
    if text.len() > SHOWN_VALUE_LIMIT {
        let mut end = SHOWN_VALUE_LIMIT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

fn quoted(text: &str) -> String {
    truncate(Value::String(text.to_owned()).to_string())
}

/// The members of an object as serde_json and Python see them: each key once, where it
/// first appears, with the value it was given last.
struct ObjectMembers<'a> {
    entries: Vec<(&'a str, NodeRef<'a>, NodeRef<'a>)>,
    index: Option<HashMap<&'a str, usize>>,
}

impl<'a> ObjectMembers<'a> {
    fn of(object: NodeRef<'a>) -> Self {
        let mut members = Self {
            entries: Vec::with_capacity(object.len()),
            index: (object.len() > LINEAR_KEY_SEARCH_LIMIT).then(|| HashMap::with_capacity(object.len())),
        };
        for (key_node, value) in object.members() {
            let key = key_node.key();
            match members.position(key) {
                Some(position) => members.entries[position] = (key, key_node, value),
                None => {
                    if let Some(index) = &mut members.index {
                        index.insert(key, members.entries.len());
                    }
                    members.entries.push((key, key_node, value));
                }
            }
        }
        members
    }

    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.entries.iter().position(|(k, _, _)| *k == key),
        }
    }

    fn get(&self, key: &str) -> Option<(NodeRef<'a>, NodeRef<'a>)> {
        self.position(key).map(|position| {
            let (_, key_node, value) = self.entries[position];
            (key_node, value)
        })
    }
}

fn has_duplicate_keys(object: NodeRef<'_>) -> bool {
    let keys: Vec<&str> = object.members().map(|(key, _)| key.key()).collect();
    if keys.len() > LINEAR_KEY_SEARCH_LIMIT {
        let mut seen = std::collections::HashSet::with_capacity(keys.len());
        return !keys.iter().all(|key| seen.insert(*key));
    }
    keys.iter().enumerate().any(|(i, key)| keys[i + 1..].contains(key))
}

pub(crate) struct Walker<'p, 'r> {
    rules: &'p RouteRules<'r>,
    differences: Vec<Difference>,
    cosmetic: Vec<Difference>,
    fired: Vec<RuleId>,
    /// Whether escaping and number spelling are noted: true while walking bodies, whose
    /// bytes a client sees (a non-proxy value was re-serialised, so its spelling is ours).
    spelling: bool,
    /// Whether bodies are first read token by token (off only in tests).
    read_tokens: bool,
}

impl<'p, 'r> Walker<'p, 'r> {
    pub(crate) fn new(rules: &'p RouteRules<'r>) -> Self {
        Self {
            rules,
            differences: Vec::new(),
            cosmetic: Vec::new(),
            fired: Vec::new(),
            spelling: false,
            read_tokens: true,
        }
    }

    fn finish(mut self) -> Comparison {
        // Cosmetic findings stand whatever else differs: each is about its own path, and
        // a record with a generated id or a clock field always differs somewhere else.
        self.differences.append(&mut self.cosmetic);
        self.fired.sort_unstable();
        self.fired.dedup();
        Comparison { differences: self.differences, fired: self.fired }
    }

    fn marks(&self) -> (usize, usize, usize) {
        (self.differences.len(), self.cosmetic.len(), self.fired.len())
    }

    fn undo_to(&mut self, marks: (usize, usize, usize)) {
        self.differences.truncate(marks.0);
        self.cosmetic.truncate(marks.1);
        self.fired.truncate(marks.2);
    }

    fn emit(&mut self, path: &[Seg<'_>], kind: DiffKind, baseline: Option<String>, candidate: Option<String>) {
        if let Some(rule) = self.rules.ignore_covering(path) {
            self.fired.push(rule);
            return;
        }
        let difference = Difference { path: JsonPath::from_segs(path), kind, baseline, candidate };
        if kind.is_cosmetic() {
            self.cosmetic.push(difference);
        } else {
            self.differences.push(difference);
        }
    }

    /// Notes an escaping or number-spelling finding (not a rule firing when ignored).
    fn note_spelling(&mut self, path: &[Seg<'_>], kind: DiffKind) {
        if !self.spelling || self.rules.ignores.iter().any(|rule| rule.pattern.covers(path)) {
            return;
        }
        self.cosmetic.push(Difference { path: JsonPath::from_segs(path), kind, baseline: None, candidate: None });
    }

    fn compare_strings(&mut self, path: &[Seg<'_>], a: &str, b: &str) {
        if a == b {
            return;
        }
        let mut fired = Vec::new();
        let left = self.rules.normalise(path, a, &mut fired);
        let right = self.rules.normalise(path, b, &mut fired);
        if left == right {
            self.fired.extend(fired);
        } else {
            self.emit(path, DiffKind::Value, Some(quoted(&left)), Some(quoted(&right)));
        }
    }

    /// Compares two `Value`s (side effects, non-proxy answers) by walking their compact
    /// serialisations, so that there is one walk to keep right.
    fn walk_values(&mut self, a: &Value, b: &Value) {
        let (left_text, right_text) = (a.to_string(), b.to_string());
        match (Document::parse(&left_text), Document::parse(&right_text)) {
            (Some(left), Some(right)) => self.walk(&mut Vec::new(), left.root(), right.root()),
            // Only a value nested deeper than JSON allows gets here.
            _ if a == b => {}
            _ => self.emit(&[], DiffKind::Value, Some(truncate(left_text)), Some(truncate(right_text))),
        }
    }

    pub(crate) fn walk<'a>(&mut self, path: &mut Vec<Seg<'a>>, a: NodeRef<'a>, b: NodeRef<'a>) {
        // The same bytes are the same data with the same spelling: nothing to find.
        if a.raw() == b.raw() {
            return;
        }
        match (a.kind(), b.kind()) {
            (Kind::Object, Kind::Object) => self.walk_objects(path, a, b),
            (Kind::Array, Kind::Array) => self.walk_arrays(path, a, b),
            (Kind::String, Kind::String) => {
                let (left, right) = (a.string(), b.string());
                if left == right {
                    self.note_spelling(path, DiffKind::Escaping);
                } else {
                    self.compare_strings(path, &left, &right);
                }
            }
            (Kind::Number, Kind::Number) => {
                if number_texts_equal(a.raw(), b.raw()) {
                    self.note_spelling(path, DiffKind::NumberSpelling);
                    return;
                }
                if let Some(rule) = self.rules.tolerance_at(path)
                    && let (Ok(x), Ok(y)) = (a.raw().parse::<f64>(), b.raw().parse::<f64>())
                {
                    let gap = (x - y).abs();
                    if gap <= rule.absolute || gap <= rule.relative * x.abs().max(y.abs()) {
                        self.fired.push(rule.rule.id);
                        return;
                    }
                }
                self.emit(path, DiffKind::Value, Some(number_display(a)), Some(number_display(b)));
            }
            (Kind::True | Kind::False, Kind::True | Kind::False) => {
                self.emit(path, DiffKind::Value, Some(a.raw().to_owned()), Some(b.raw().to_owned()));
            }
            _ => self.emit(path, DiffKind::Type, Some(compact(a)), Some(compact(b))),
        }
    }

    fn walk_objects<'a>(&mut self, path: &mut Vec<Seg<'a>>, left: NodeRef<'a>, right: NodeRef<'a>) {
        // Fast path: same keys in the same order, compared by position without lookups.
        if left.len() == right.len() {
            let marks = self.marks();
            let mut same_keys = true;
            for ((key, x), (other_key, y)) in left.members().zip(right.members()) {
                let same_spelling = key.raw() == other_key.raw();
                if !same_spelling && key.key() != other_key.key() {
                    same_keys = false;
                    break;
                }
                path.push(Seg::Key(key.key()));
                if !same_spelling {
                    self.note_spelling(path, DiffKind::Escaping);
                }
                self.walk(path, x, y);
                path.pop();
            }
            // A repeated key makes position the wrong pairing (the last value wins), but
            // only matters when a difference was found or a rule fired. (Spelling found
            // at any occurrence stands, as reading the tokens finds it.)
            let marks_now = self.marks();
            let settled = marks_now.0 == marks.0 && marks_now.2 == marks.2;
            if same_keys && (settled || !has_duplicate_keys(left)) {
                return;
            }
            self.undo_to(marks);
        }
        let left_members = ObjectMembers::of(left);
        let right_members = ObjectMembers::of(right);
        let mut same_key_set = left_members.entries.len() == right_members.entries.len();
        for &(key, key_node, x) in &left_members.entries {
            path.push(Seg::Key(key));
            match right_members.get(key) {
                Some((other_key, y)) => {
                    if key_node.raw() != other_key.raw() {
                        self.note_spelling(path, DiffKind::Escaping);
                    }
                    self.walk(path, x, y);
                }
                None => {
                    same_key_set = false;
                    let kind = if x.kind() == Kind::Null { DiffKind::NullVsMissing } else { DiffKind::Missing };
                    self.emit(path, kind, Some(compact(x)), None);
                }
            }
            path.pop();
        }
        for &(key, _, y) in &right_members.entries {
            if left_members.get(key).is_none() {
                path.push(Seg::Key(key));
                let kind = if y.kind() == Kind::Null { DiffKind::NullVsMissing } else { DiffKind::Extra };
                self.emit(path, kind, None, Some(compact(y)));
                path.pop();
            }
        }
        let same_order = || left_members.entries.iter().zip(&right_members.entries).all(|(x, y)| x.0 == y.0);
        if same_key_set && !same_order() {
            self.emit(path, DiffKind::KeyOrder, None, None);
        }
    }

    /// True when `a` and `b` are equal under the rules, with no trace left in `self`.
    fn equivalent<'a>(&mut self, path: &mut Vec<Seg<'a>>, a: NodeRef<'a>, b: NodeRef<'a>) -> bool {
        let marks = self.marks();
        self.walk(path, a, b);
        let equal = self.differences.len() == marks.0;
        self.undo_to(marks);
        equal
    }

    /// Pairs every listed element of `left` with an unused equivalent listed element of
    /// `right`; returns the indices left over on each side.
    fn match_as_multiset<'a>(
        &mut self,
        path: &mut Vec<Seg<'a>>,
        left: &[NodeRef<'a>],
        left_indices: &[usize],
        right: &[NodeRef<'a>],
        right_indices: &[usize],
    ) -> (Vec<usize>, Vec<usize>) {
        let mut used = vec![false; right_indices.len()];
        let mut unmatched_left = Vec::new();
        for &i in left_indices {
            path.push(Seg::Index(i));
            let found =
                (0..right_indices.len()).find(|&k| !used[k] && self.equivalent(path, left[i], right[right_indices[k]]));
            path.pop();
            match found {
                Some(k) => used[k] = true,
                None => unmatched_left.push(i),
            }
        }
        let unmatched_right = (0..right_indices.len()).filter(|&k| !used[k]).map(|k| right_indices[k]).collect();
        (unmatched_left, unmatched_right)
    }

    fn walk_arrays<'a>(&mut self, path: &mut Vec<Seg<'a>>, left: NodeRef<'a>, right: NodeRef<'a>) {
        let marks = self.marks();
        let mut differing = Vec::new();
        for (index, (x, y)) in left.elements().zip(right.elements()).enumerate() {
            let before = self.differences.len();
            path.push(Seg::Index(index));
            self.walk(path, x, y);
            path.pop();
            if self.differences.len() > before {
                differing.push(index);
            }
        }
        if left.len() == right.len() && differing.is_empty() {
            return;
        }
        let left_items: Vec<NodeRef<'a>> = left.elements().collect();
        let right_items: Vec<NodeRef<'a>> = right.elements().collect();
        if let Some(rule) = self.rules.set_at(path) {
            // A set: judge the array as a multiset instead of element by element.
            self.undo_to(marks);
            let all_left: Vec<usize> = (0..left_items.len()).collect();
            let all_right: Vec<usize> = (0..right_items.len()).collect();
            let (unmatched_left, unmatched_right) =
                self.match_as_multiset(path, &left_items, &all_left, &right_items, &all_right);
            self.fired.push(rule);
            for &i in &unmatched_left {
                path.push(Seg::Index(i));
                self.emit(path, DiffKind::Missing, Some(compact(left_items[i])), None);
                path.pop();
            }
            for &j in &unmatched_right {
                path.push(Seg::Index(j));
                self.emit(path, DiffKind::Extra, None, Some(compact(right_items[j])));
                path.pop();
            }
            return;
        }
        // Equal lengths: a permutation if the differing positions hold the same elements.
        // (Positions that already match pair with each other, so only these need matching,
        // which keeps one changed element in a long list cheap.)
        if left_items.len() == right_items.len() && differing.len() > 1 {
            let (unmatched_left, unmatched_right) =
                self.match_as_multiset(path, &left_items, &differing, &right_items, &differing);
            if unmatched_left.is_empty() && unmatched_right.is_empty() {
                self.undo_to(marks);
                self.emit(path, DiffKind::Order, Some(compact(left)), Some(compact(right)));
                return;
            }
        }
        // Not a permutation: the element-wise differences stand.
        let common = left_items.len().min(right_items.len());
        for (i, &x) in left_items.iter().enumerate().skip(common) {
            path.push(Seg::Index(i));
            self.emit(path, DiffKind::Missing, Some(compact(x)), None);
            path.pop();
        }
        for (j, &y) in right_items.iter().enumerate().skip(common) {
            path.push(Seg::Index(j));
            self.emit(path, DiffKind::Extra, None, Some(compact(y)));
            path.pop();
        }
    }
}

/// Header names (lowercase) and their values joined by `, `.
pub(crate) type Headers = Vec<(String, String)>;

/// Client-visible headers of a proxy response: lowercase name and the values joined by
/// `, `, merged from `headers` and `multiValueHeaders` the way API Gateway merges them.
pub(crate) fn visible_headers(response: &Value, rules: &ParityRules) -> (Headers, Headers) {
    let mut merged: Vec<(String, Vec<String>)> = Vec::new();
    let mut add = |name: &str, value: String| {
        let lower = name.to_ascii_lowercase();
        match merged.iter_mut().find(|(existing, _)| *existing == lower) {
            Some((_, values)) => {
                if !values.contains(&value) {
                    values.push(value);
                }
            }
            None => merged.push((lower, vec![value])),
        }
    };
    if let Some(Value::Object(multi)) = response.get("multiValueHeaders") {
        for (name, values) in multi {
            if let Value::Array(values) = values {
                for value in values {
                    add(name, header_text(value));
                }
            }
        }
    }
    if let Some(Value::Object(single)) = response.get("headers") {
        for (name, value) in single {
            add(name, header_text(value));
        }
    }
    merged.sort();
    let (volatile, visible): (Vec<_>, Vec<_>) = merged
        .into_iter()
        .map(|(name, values)| (name, values.join(", ")))
        .partition(|(name, _)| rules.is_volatile_header(name));
    (visible, volatile)
}

fn header_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A body's bytes: the body string itself, or what its base64 decodes to.
enum BodyBytes<'v> {
    Text(&'v str),
    Decoded(Vec<u8>),
}

impl BodyBytes<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Self::Text(text) => text.as_bytes(),
            Self::Decoded(bytes) => bytes,
        }
    }

    /// The body as text, if it is UTF-8 (a body string is, without checking again).
    fn text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            Self::Decoded(bytes) => std::str::from_utf8(bytes).ok(),
        }
    }
}

/// A body as bytes: decoded when base64, empty when absent.
fn body_bytes(response: &Value) -> (BodyBytes<'_>, bool) {
    let encoded = response.get("isBase64Encoded").and_then(Value::as_bool).unwrap_or(false);
    let text = response.get("body").and_then(Value::as_str).unwrap_or("");
    if encoded && let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(text) {
        return (BodyBytes::Decoded(bytes), true);
    }
    (BodyBytes::Text(text), encoded)
}

fn compare_proxy_responses(walker: &mut Walker<'_, '_>, rules: &ParityRules, a: &Value, b: &Value) {
    // Status.
    let status = |v: &Value| v.get("statusCode").cloned().unwrap_or(Value::Null);
    let (left_status, right_status) = (status(a), status(b));
    let equal_status = match (&left_status, &right_status) {
        (Value::Number(x), Value::Number(y)) => x == y || number_texts_equal(&x.to_string(), &y.to_string()),
        (x, y) => x == y,
    };
    if !equal_status {
        walker.emit(
            &[Seg::Key("statusCode")],
            DiffKind::Status,
            Some(left_status.to_string()),
            Some(right_status.to_string()),
        );
    }

    // Headers.
    let (left_headers, left_volatile) = visible_headers(a, rules);
    let (right_headers, right_volatile) = visible_headers(b, rules);
    if left_volatile != right_volatile {
        walker.fired.push(rules.volatile_headers_rule);
    }
    compare_headers(walker, &left_headers, &right_headers);

    // Body.
    fn raw(response: &Value) -> Option<&str> {
        response.get("body").and_then(Value::as_str)
    }
    let flag = |v: &Value| v.get("isBase64Encoded").and_then(Value::as_bool).unwrap_or(false);
    if raw(a) == raw(b) && flag(a) == flag(b) {
        return;
    }
    let (left_bytes, left_encoded) = body_bytes(a);
    let (right_bytes, right_encoded) = body_bytes(b);
    if left_encoded != right_encoded {
        // Whether or not the decoded bodies are equal too.
        walker.emit(
            &[Seg::Key("isBase64Encoded")],
            DiffKind::Encoding,
            Some(left_encoded.to_string()),
            Some(right_encoded.to_string()),
        );
    }
    if left_bytes.bytes() == right_bytes.bytes() {
        return;
    }
    let body_path = [Seg::Key("body")];
    let (left_text, right_text) = (left_bytes.text(), right_bytes.text());
    // Cosmetic findings are looked for whatever else differs; first in one pass over
    // both texts, which settles the common case (the same data spelled otherwise).
    if walker.read_tokens
        && let (Some(x), Some(y)) = (left_text, right_text)
        && let TokenComparison::Cosmetic(findings) = lexical::compare_tokens(&body_path, x, y, walker.rules)
    {
        for (path, kind) in findings {
            walker.cosmetic.push(Difference { path, kind, baseline: None, candidate: None });
        }
        sort_cosmetic(&mut walker.cosmetic);
        return;
    }
    let left_json = left_text.and_then(Document::parse);
    let right_json = right_text.and_then(Document::parse);
    match (&left_json, &right_json) {
        (Some(x), Some(y)) => {
            let before = walker.differences.len();
            walker.spelling = true;
            let mut path = vec![Seg::Key("body")];
            walker.walk(&mut path, x.root(), y.root());
            walker.spelling = false;
            let whitespace = if walker.differences.len() == before {
                lexical::whitespace_differs(x, y)
            } else {
                lexical::whitespace_differs_despite_data(x, y)
            };
            if whitespace {
                walker.cosmetic.push(Difference {
                    path: JsonPath::from_segs(&body_path),
                    kind: DiffKind::Whitespace,
                    baseline: None,
                    candidate: None,
                });
            }
            sort_cosmetic(&mut walker.cosmetic);
        }
        (None, None) => match (left_text, right_text) {
            (Some(x), Some(y)) => {
                let mut fired = Vec::new();
                let left = walker.rules.normalise(&body_path, x, &mut fired);
                let right = walker.rules.normalise(&body_path, y, &mut fired);
                if left == right {
                    walker.fired.extend(fired);
                } else {
                    walker.emit(&body_path, DiffKind::Bytes, Some(quoted(&left)), Some(quoted(&right)));
                }
            }
            _ => walker.emit(
                &body_path,
                DiffKind::Bytes,
                Some(format!("<{} bytes>", left_bytes.bytes().len())),
                Some(format!("<{} bytes>", right_bytes.bytes().len())),
            ),
        },
        _ => walker.emit(
            &body_path,
            DiffKind::Type,
            Some(truncate(String::from_utf8_lossy(left_bytes.bytes()).into_owned())),
            Some(truncate(String::from_utf8_lossy(right_bytes.bytes()).into_owned())),
        ),
    }
}

fn sort_cosmetic(cosmetic: &mut Vec<Difference>) {
    cosmetic.sort_by(|x, y| (&x.path, x.kind).cmp(&(&y.path, y.kind)));
    cosmetic.dedup_by(|x, y| x.path == y.path && x.kind == y.kind);
}

fn compare_headers(walker: &mut Walker<'_, '_>, left: &[(String, String)], right: &[(String, String)]) {
    let (mut i, mut j) = (0, 0);
    while i < left.len() || j < right.len() {
        let order = match (left.get(i), right.get(j)) {
            (Some((x, _)), Some((y, _))) => x.cmp(y),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match order {
            std::cmp::Ordering::Equal => {
                let (name, x) = &left[i];
                let (_, y) = &right[j];
                if x != y {
                    let path = [Seg::Key("headers"), Seg::Key(name)];
                    let mut fired = Vec::new();
                    let normal_x = walker.rules.normalise(&path, x, &mut fired);
                    let normal_y = walker.rules.normalise(&path, y, &mut fired);
                    if normal_x == normal_y {
                        walker.fired.extend(fired);
                    } else {
                        walker.emit(&path, DiffKind::Header, Some(quoted(&normal_x)), Some(quoted(&normal_y)));
                    }
                }
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Less => {
                let (name, x) = &left[i];
                walker.emit(&[Seg::Key("headers"), Seg::Key(name)], DiffKind::Header, Some(quoted(x)), None);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                let (name, y) = &right[j];
                walker.emit(&[Seg::Key("headers"), Seg::Key(name)], DiffKind::Header, None, Some(quoted(y)));
                j += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::FunctionError;
    use serde_json::json;
    use std::path::Path;

    fn response(status: u16, body: &str) -> Outcome {
        Outcome::Response(json!({
            "statusCode": status,
            "headers": {"Content-Type": "application/json"},
            "body": body,
        }))
    }

    fn found(comparison: &Comparison) -> Vec<(String, DiffKind)> {
        comparison.differences.iter().map(|d| (d.path.to_string(), d.kind)).collect()
    }

    fn compare(rules: &ParityRules, a: &Outcome, b: &Outcome) -> Comparison {
        compare_outcomes(rules, "GET /x", a, b)
    }

    fn rules(text: &str) -> ParityRules {
        ParityRules::parse(text, Path::new("parity.toml")).expect("rules")
    }

    #[test]
    fn numbers_compare_as_numbers_and_big_integers_exactly() {
        let numbers_equal = number_texts_equal;
        let n = |text: &'static str| {
            assert!(matches!(serde_json::from_str::<Value>(text), Ok(Value::Number(_))));
            text
        };
        assert!(numbers_equal(n("1"), n("1.0")));
        assert!(numbers_equal(n("1000"), n("1e3")));
        assert!(numbers_equal(n("-5"), n("-5.0")));
        assert!(!numbers_equal(n("1"), n("1.5")));
        assert!(!numbers_equal(n("9007199254740993"), n("9007199254740992")));
        assert!(!numbers_equal(n("9007199254740993"), n("9007199254740992.0")));
        assert!(numbers_equal(n("18446744073709551615"), n("18446744073709551615")));
    }

    /// `s` as Python's `json.dumps` writes it by default: `, `/`: ` and `\uXXXX` escapes.
    fn python_style(value: &Value) -> String {
        let spaced = serde_json::to_string(value).unwrap_or_default().replace("\",\"", "\", \"").replace("\":", "\": ");
        spaced
            .chars()
            .map(|c| match c {
                c if c.is_ascii() => c.to_string(),
                c => c.encode_utf16(&mut [0; 2]).iter().map(|unit| format!("\\u{unit:04x}")).collect(),
            })
            .collect()
    }

    #[test]
    fn reading_tokens_finds_what_walking_documents_finds() {
        let corpus = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/corpus.jsonl"))
            .expect("events/corpus.jsonl");
        let rules =
            ParityRules::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../parity.toml")).expect("parity.toml");
        let mut cosmetic_pairs = 0;
        for line in corpus.lines() {
            let record: crate::Record = serde_json::from_str(line).expect("record");
            let Some(body) = record.response.as_ref().and_then(|response| response.get("body")).and_then(Value::as_str)
            else {
                continue;
            };
            let Ok(data) = serde_json::from_str::<Value>(body) else {
                continue;
            };
            let mut spelled = data.clone();
            if let Some(first) = spelled.as_object_mut().and_then(|map| map.values_mut().find(|value| value.is_u64())) {
                *first = json!(first.as_f64().unwrap_or_default());
            }
            let variants = [
                python_style(&data),
                serde_json::to_string_pretty(&data).unwrap_or_default(),
                serde_json::to_string(&spelled).unwrap_or_default(),
                body.replace('/', "\\/"),
            ];
            for variant in variants {
                let (a, b) = (response(200, body), response(200, &variant));
                for (x, y) in [(&a, &b), (&b, &a)] {
                    let with_tokens = compare_outcomes(&rules, &record.route, x, y);
                    let walked = compare_outcomes_reading_tokens(&rules, &record.route, x, y, false);
                    assert_eq!(with_tokens, walked, "{} {variant}", record.id);
                    cosmetic_pairs += usize::from(with_tokens.tier() == crate::Tier::Cosmetic);
                }
            }
        }
        assert!(cosmetic_pairs > 1000, "{cosmetic_pairs}");
    }

    #[test]
    fn equal_responses_have_no_differences() {
        let a = response(200, r#"{"a":1}"#);
        let comparison = compare(&ParityRules::default(), &a, &a.clone());
        assert_eq!(comparison, Comparison::default());
    }

    #[test]
    fn headers_compare_case_insensitively_and_skip_volatile_ones() {
        let a = Outcome::Response(
            json!({"statusCode": 200, "headers": {"Content-Type": "application/json", "Date": "Mon"}, "body": ""}),
        );
        let b = Outcome::Response(
            json!({"statusCode": 200, "multiValueHeaders": {"content-type": ["application/json"]}, "headers": {"date": "Tue", "X-Extra": "1"}, "body": ""}),
        );
        let comparison = compare(&ParityRules::default(), &a, &b);
        assert_eq!(found(&comparison), [("$.headers.x-extra".to_owned(), DiffKind::Header)]);
        assert_eq!(comparison.fired.len(), 1, "the volatile-header rule fired for Date");
    }

    #[test]
    fn function_errors_compare_by_type_and_message() {
        let error =
            |t: &str, m: &str| Outcome::FunctionError(FunctionError { error_type: t.into(), error_message: m.into() });
        let comparison = compare(&ParityRules::default(), &error("KeyError", "x"), &error("KeyError", "y"));
        assert_eq!(found(&comparison), [("$.errorMessage".to_owned(), DiffKind::Value)]);
        let comparison = compare(&ParityRules::default(), &error("KeyError", "x"), &response(500, ""));
        assert_eq!(found(&comparison), [("$".to_owned(), DiffKind::Outcome)]);
    }

    #[test]
    fn missing_extra_and_null_are_distinct_kinds() {
        let comparison = compare(
            &ParityRules::default(),
            &response(200, r#"{"a":1,"b":null,"c":2}"#),
            &response(200, r#"{"a":1,"d":3,"c":2}"#),
        );
        assert_eq!(
            found(&comparison),
            [("$.body.b".to_owned(), DiffKind::NullVsMissing), ("$.body.d".to_owned(), DiffKind::Extra)]
        );
    }

    #[test]
    fn arrays_report_order_permutations_and_tails() {
        let rules = ParityRules::default();
        let comparison = compare(&rules, &response(200, "[1,2,3]"), &response(200, "[3,1,2]"));
        assert_eq!(found(&comparison), [("$.body".to_owned(), DiffKind::Order)]);
        let comparison = compare(&rules, &response(200, "[1,2,3]"), &response(200, "[1,5,3,4]"));
        assert_eq!(
            found(&comparison),
            [("$.body[1]".to_owned(), DiffKind::Value), ("$.body[3]".to_owned(), DiffKind::Extra)]
        );
        // Swapped elements in arrays of different lengths are no permutation.
        let comparison = compare(&rules, &response(200, "[1,2]"), &response(200, "[2,1,3]"));
        assert_eq!(
            found(&comparison),
            [
                ("$.body[0]".to_owned(), DiffKind::Value),
                ("$.body[1]".to_owned(), DiffKind::Value),
                ("$.body[2]".to_owned(), DiffKind::Extra)
            ]
        );
    }

    #[test]
    fn rules_hide_what_they_explain_and_say_so() {
        let rules = rules(
            r#"
[[ignore]]
path = "$.body.at"
reason = "clock"
[[set]]
path = "$.body.tags"
reason = "set"
[[tolerance]]
path = "$.body.cost"
relative = 0.01
reason = "rounding"
[[normalise]]
builtin = "uuid"
reason = "ids"
"#,
        );
        let a =
            response(200, r#"{"at":"1","tags":["a","b"],"cost":100.0,"id":"0f8fad5b-d9cb-469f-a165-70867728950e"}"#);
        let b =
            response(200, r#"{"at":"2","tags":["b","a"],"cost":100.5,"id":"1f8fad5b-d9cb-469f-a165-70867728950e"}"#);
        let comparison = compare(&rules, &a, &b);
        assert_eq!(found(&comparison), Vec::<(String, DiffKind)>::new());
        assert_eq!(comparison.fired, vec![0, 1, 2, 3]);
        let c = response(200, r#"{"at":"2","tags":["b","c"],"cost":102.0,"id":"x"}"#);
        let comparison = compare(&rules, &a, &c);
        assert_eq!(
            found(&comparison),
            [
                ("$.body.tags[0]".to_owned(), DiffKind::Missing),
                ("$.body.tags[1]".to_owned(), DiffKind::Extra),
                ("$.body.cost".to_owned(), DiffKind::Value),
                ("$.body.id".to_owned(), DiffKind::Value)
            ]
        );
    }

    #[test]
    fn non_json_bodies_compare_as_bytes_and_base64_is_decoded() {
        let rules = ParityRules::default();
        let comparison = compare(&rules, &response(200, "hello"), &response(200, "hullo"));
        assert_eq!(found(&comparison), [("$.body".to_owned(), DiffKind::Bytes)]);
        let encoded = Outcome::Response(json!({"statusCode": 200, "body": "aGVsbG8=", "isBase64Encoded": true}));
        let plain = Outcome::Response(json!({"statusCode": 200, "body": "hello"}));
        let comparison = compare(&rules, &plain, &encoded);
        assert_eq!(found(&comparison), [("$.isBase64Encoded".to_owned(), DiffKind::Encoding)]);
        let comparison = compare(&rules, &response(200, "{}"), &response(200, "oops"));
        assert_eq!(found(&comparison), [("$.body".to_owned(), DiffKind::Type)]);
    }

    #[test]
    fn cosmetic_findings_survive_other_differences() {
        let rules = ParityRules::default();
        // Another status, and the same body in another key order.
        let comparison = compare(&rules, &response(200, r#"{"a":1,"b":2}"#), &response(500, r#"{"b":2,"a":1}"#));
        assert_eq!(
            found(&comparison),
            [("$.statusCode".to_owned(), DiffKind::Status), ("$.body".to_owned(), DiffKind::KeyOrder)]
        );
        // A generated id differs; an escape, a number spelling and Python's spacing
        // elsewhere in the same body are still found, each at its own path.
        let comparison = compare(
            &rules,
            &response(200, r#"{"id": "c-1", "owner": "Jos\u00e9", "cost": 12.0}"#),
            &response(200, r#"{"id":"c-2","owner":"José","cost":12}"#),
        );
        assert_eq!(
            found(&comparison),
            [
                ("$.body.id".to_owned(), DiffKind::Value),
                ("$.body".to_owned(), DiffKind::Whitespace),
                ("$.body.cost".to_owned(), DiffKind::NumberSpelling),
                ("$.body.owner".to_owned(), DiffKind::Escaping),
            ]
        );
        // Key order next to a missing field.
        let comparison = compare(
            &rules,
            &response(200, r#"{"a":1,"b":{"x":1,"y":2},"c":3}"#),
            &response(200, r#"{"a":1,"b":{"y":2,"x":1}}"#),
        );
        assert_eq!(
            found(&comparison),
            [("$.body.c".to_owned(), DiffKind::Missing), ("$.body.b".to_owned(), DiffKind::KeyOrder)]
        );
    }

    #[test]
    fn encoding_is_found_whether_or_not_the_bodies_are_equal() {
        let rules = ParityRules::default();
        let encoded = |text: &str| {
            Outcome::Response(json!({
                "statusCode": 200,
                "body": base64::engine::general_purpose::STANDARD.encode(text),
                "isBase64Encoded": true,
            }))
        };
        let plain = |text: &str| Outcome::Response(json!({"statusCode": 200, "body": text}));
        assert_eq!(
            found(&compare(&rules, &plain("hello"), &encoded("hello"))),
            [("$.isBase64Encoded".to_owned(), DiffKind::Encoding)]
        );
        // The same body text, read as base64 on one side only.
        let flagged = Outcome::Response(json!({"statusCode": 200, "body": "aGVsbG8=", "isBase64Encoded": true}));
        assert_eq!(
            found(&compare(&rules, &plain("aGVsbG8="), &flagged)),
            [("$.body".to_owned(), DiffKind::Bytes), ("$.isBase64Encoded".to_owned(), DiffKind::Encoding)]
        );
        assert_eq!(
            found(&compare(&rules, &plain("hello"), &encoded("hullo"))),
            [("$.body".to_owned(), DiffKind::Bytes), ("$.isBase64Encoded".to_owned(), DiffKind::Encoding)]
        );
        assert_eq!(
            found(&compare(&rules, &plain(r#"{"a":1}"#), &encoded(r#"{"a":2}"#))),
            [("$.body.a".to_owned(), DiffKind::Value), ("$.isBase64Encoded".to_owned(), DiffKind::Encoding)]
        );
    }

    fn shown(comparison: &Comparison) -> Vec<(String, DiffKind, Option<String>, Option<String>)> {
        comparison
            .differences
            .iter()
            .map(|d| (d.path.to_string(), d.kind, d.baseline.clone(), d.candidate.clone()))
            .collect()
    }

    fn some(text: &str) -> Option<String> {
        Some(text.to_owned())
    }

    #[test]
    fn an_answer_against_a_function_error_names_each_outcome() {
        let error = Outcome::FunctionError(FunctionError { error_type: "KeyError".into(), error_message: "x".into() });
        let comparison = compare(&ParityRules::default(), &response(500, ""), &error);
        assert_eq!(
            shown(&comparison),
            [("$".to_owned(), DiffKind::Outcome, some("response 500"), some("function error KeyError"))]
        );
        let value = Outcome::Response(json!({"accepted": true}));
        let comparison = compare(&ParityRules::default(), &value, &error);
        assert_eq!(
            shown(&comparison),
            [("$".to_owned(), DiffKind::Outcome, some("response"), some("function error KeyError"))]
        );
    }

    #[test]
    fn a_value_that_is_not_a_proxy_response_is_compared_as_json_from_the_root() {
        let rules = ParityRules::default();
        let comparison = compare(
            &rules,
            &Outcome::Response(json!({"accepted": true, "count": 1})),
            &Outcome::Response(json!({"accepted": false, "count": 1})),
        );
        assert_eq!(shown(&comparison), [("$.accepted".to_owned(), DiffKind::Value, some("true"), some("false"))]);
        // A proxy response against a value that is not one: the value is walked as JSON.
        let comparison = compare(
            &rules,
            &Outcome::Response(json!({"statusCode": 200, "body": "ok"})),
            &Outcome::Response(json!({"body": "ok"})),
        );
        assert_eq!(shown(&comparison), [("$.statusCode".to_owned(), DiffKind::Missing, some("200"), None)]);
        // A re-serialised value's spelling is ours, not the function's: 1.0 against 1 is no finding.
        let comparison =
            compare(&rules, &Outcome::Response(json!({"cost": 1.0})), &Outcome::Response(json!({"cost": 1})));
        assert_eq!(comparison, Comparison::default());
    }

    #[test]
    fn shown_values_are_compact_json_and_numbers_as_serde_json_writes_them() {
        let rules = ParityRules::default();
        let comparison = compare(
            &rules,
            &response(200, r#"{"a": {"x": [1, 2]}, "n": 1.50, "e": 1E2, "b": true, "m": 1}"#),
            &response(200, r#"{"a": [1], "n": 2, "e": 101, "b": false}"#),
        );
        assert_eq!(
            shown(&comparison),
            [
                ("$.body.a".to_owned(), DiffKind::Type, some(r#"{"x":[1,2]}"#), some("[1]")),
                ("$.body.n".to_owned(), DiffKind::Value, some("1.5"), some("2")),
                ("$.body.e".to_owned(), DiffKind::Value, some("100.0"), some("101")),
                ("$.body.b".to_owned(), DiffKind::Value, some("true"), some("false")),
                ("$.body.m".to_owned(), DiffKind::Missing, some("1"), None),
            ]
        );
        // Integers beyond 64 bits keep their digits (serde_json would round them to one
        // f64, and two different integers would show the same text); those within keep
        // serde_json's text.
        let comparison = compare(
            &rules,
            &response(200, r#"[123456789012345678901234567890, 18446744073709551615, -9223372036854775808, -0]"#),
            &response(200, r#"[123456789012345678901234567891, 18446744073709551614, -9223372036854775807, 1]"#),
        );
        assert_eq!(
            shown(&comparison),
            [
                (
                    "$.body[0]".to_owned(),
                    DiffKind::Value,
                    some("123456789012345678901234567890"),
                    some("123456789012345678901234567891")
                ),
                ("$.body[1]".to_owned(), DiffKind::Value, some("18446744073709551615"), some("18446744073709551614")),
                ("$.body[2]".to_owned(), DiffKind::Value, some("-9223372036854775808"), some("-9223372036854775807")),
                ("$.body[3]".to_owned(), DiffKind::Value, some("-0.0"), some("1")),
            ]
        );
    }

    #[test]
    fn long_values_are_cut_at_a_character_boundary() {
        let rules = ParityRules::default();
        // 300 two-byte characters: a quote and 99½ of them reach the limit, so the cut
        // falls back to the last whole one.
        let long = "é".repeat(300);
        let comparison = compare(
            &rules,
            &response(200, &json!({"s": long}).to_string()),
            &response(200, &json!({"s": "short"}).to_string()),
        );
        let baseline = comparison.differences[0].baseline.clone().expect("shown");
        assert_eq!(baseline, format!("\"{}…", "é".repeat(99)));
        assert_eq!(comparison.differences[0].candidate, some("\"short\""));
        // Exactly at the limit nothing is cut.
        let exact = "a".repeat(SHOWN_VALUE_LIMIT - 2);
        let comparison = compare(
            &rules,
            &response(200, &json!({"s": exact}).to_string()),
            &response(200, &json!({"s": "b"}).to_string()),
        );
        assert_eq!(comparison.differences[0].baseline, Some(format!("\"{exact}\"")));
        assert_eq!(truncate("a".repeat(SHOWN_VALUE_LIMIT + 1)), format!("{}…", "a".repeat(SHOWN_VALUE_LIMIT)));
        assert_eq!(truncate("ab".to_owned()), "ab");
    }

    #[test]
    fn a_repeated_key_compares_its_last_value_as_serde_json_reads_it() {
        let rules = ParityRules::default();
        // The first "a" differs by position, the last (the one a client reads) does not.
        let comparison = compare(&rules, &response(200, r#"{"a":1,"a":2}"#), &response(200, r#"{"a":3,"a":2}"#));
        assert_eq!(found(&comparison), Vec::<(String, DiffKind)>::new());
        // Likewise in an object large enough to find keys through a hash set.
        let many = |first: u32| {
            let mut text = format!(r#"{{"a":{first}"#);
            for index in 0..LINEAR_KEY_SEARCH_LIMIT {
                text.push_str(&format!(r#","k{index}":{index}"#));
            }
            text.push_str(r#","a":2}"#);
            text
        };
        let comparison = compare(&rules, &response(200, &many(1)), &response(200, &many(3)));
        assert_eq!(found(&comparison), Vec::<(String, DiffKind)>::new());
        // An escaped spelling of a repeated key is found at its first occurrence too.
        let a = response(200, r#"{"\u0061":1,"a":2}"#);
        let b = response(200, r#"{"a":1,"a":2}"#);
        for read_tokens in [true, false] {
            let comparison = compare_outcomes_reading_tokens(&rules, "GET /x", &a, &b, read_tokens);
            assert_eq!(found(&comparison), [("$.body.a".to_owned(), DiffKind::Escaping)], "{read_tokens}");
        }
    }

    #[test]
    fn an_ignored_path_notes_no_spelling() {
        let rules = rules(
            r#"
[[ignore]]
path = "$.body.at"
reason = "clock"
"#,
        );
        let comparison =
            compare(&rules, &response(200, r#"{"at":1.0,"id":"c-1"}"#), &response(200, r#"{"at":1,"id":"c-2"}"#));
        assert_eq!(found(&comparison), [("$.body.id".to_owned(), DiffKind::Value)]);
    }

    #[test]
    fn values_nested_deeper_than_json_allows_still_compare() {
        let nest = |leaf: Value| (0..200).fold(leaf, |inner, _| json!([inner]));
        let rules = ParityRules::default();
        let comparison = compare(&rules, &Outcome::Response(nest(json!(1))), &Outcome::Response(nest(json!(2))));
        assert_eq!(found(&comparison), [("$".to_owned(), DiffKind::Value)]);
        let comparison = compare(&rules, &Outcome::Response(nest(json!(1))), &Outcome::Response(nest(json!(1))));
        assert_eq!(comparison, Comparison::default());
    }

    #[test]
    fn a_status_compares_as_a_number_or_as_it_is() {
        let rules = ParityRules::default();
        let status = |code: Value| Outcome::Response(json!({"statusCode": code, "body": "ok"}));
        assert_eq!(compare(&rules, &status(json!(200)), &status(json!(200.0))), Comparison::default());
        assert_eq!(compare(&rules, &status(json!("200")), &status(json!("200"))), Comparison::default());
        assert_eq!(
            shown(&compare(&rules, &status(json!("200")), &status(json!(200)))),
            [("$.statusCode".to_owned(), DiffKind::Status, some("\"200\""), some("200"))]
        );
    }

    #[test]
    fn a_header_value_given_twice_is_shown_once() {
        let rules = ParityRules::default();
        let a = Outcome::Response(json!({
            "statusCode": 200,
            "headers": {"X-Flavour": "mild"},
            "multiValueHeaders": {"x-flavour": ["mild", "hot"]},
            "body": "",
        }));
        let b = Outcome::Response(json!({"statusCode": 200, "headers": {"x-flavour": "mild, hot"}, "body": ""}));
        assert_eq!(compare(&rules, &a, &b), Comparison::default());
        let c = Outcome::Response(json!({"statusCode": 200, "headers": {"x-flavour": "mild"}, "body": ""}));
        assert_eq!(
            shown(&compare(&rules, &a, &c)),
            [("$.headers.x-flavour".to_owned(), DiffKind::Header, some("\"mild, hot\""), some("\"mild\""))]
        );
    }

    #[test]
    fn a_header_on_the_baseline_only_is_found_wherever_it_sorts() {
        let rules = ParityRules::default();
        let with = |headers: Value| Outcome::Response(json!({"statusCode": 200, "headers": headers, "body": ""}));
        let comparison = compare(&rules, &with(json!({"x-a": "1", "x-b": "2"})), &with(json!({})));
        assert_eq!(
            shown(&comparison),
            [
                ("$.headers.x-a".to_owned(), DiffKind::Header, some("\"1\""), None),
                ("$.headers.x-b".to_owned(), DiffKind::Header, some("\"2\""), None),
            ]
        );
        let comparison = compare(&rules, &with(json!({"x-a": "1", "x-z": "2"})), &with(json!({"x-a": "1"})));
        assert_eq!(shown(&comparison), [("$.headers.x-z".to_owned(), DiffKind::Header, some("\"2\""), None)]);
    }

    #[test]
    fn text_bodies_show_their_text_and_undecodable_ones_their_size() {
        let plain_rules = ParityRules::default();
        assert_eq!(
            shown(&compare(&plain_rules, &response(200, "hello"), &response(200, "hullo"))),
            [("$.body".to_owned(), DiffKind::Bytes, some("\"hello\""), some("\"hullo\""))]
        );
        // Base64 of bytes that are not UTF-8 against plain text.
        let binary = Outcome::Response(json!({"statusCode": 200, "body": "//79", "isBase64Encoded": true}));
        let plain = Outcome::Response(json!({"statusCode": 200, "body": "//79", "isBase64Encoded": false}));
        assert_eq!(
            shown(&compare(&plain_rules, &plain, &binary)),
            [
                ("$.body".to_owned(), DiffKind::Bytes, some("<4 bytes>"), some("<3 bytes>")),
                ("$.isBase64Encoded".to_owned(), DiffKind::Encoding, some("false"), some("true")),
            ]
        );
        // A normaliser that makes two text bodies equal fires instead.
        let with_rule = rules(
            r#"
[[normalise]]
builtin = "uuid"
reason = "ids"
"#,
        );
        let comparison = compare(
            &with_rule,
            &response(200, "id 0f8fad5b-d9cb-469f-a165-70867728950e"),
            &response(200, "id 1f8fad5b-d9cb-469f-a165-70867728950e"),
        );
        assert_eq!(comparison.differences, []);
        assert_eq!(comparison.fired, [0]);
    }

    #[test]
    fn whitespace_is_judged_by_layout_where_the_data_differs() {
        let plain_rules = ParityRules::default();
        // Different data, different structure, both spaced: the spacing is not a finding.
        let comparison = compare(&plain_rules, &response(200, r#"{"a": 1}"#), &response(200, r#"{"a": [1, 2]}"#));
        assert_eq!(found(&comparison), [("$.body.a".to_owned(), DiffKind::Type)]);
        // The data differs only where a rule ignores: the spacing is judged as for equal data.
        let with_rule = rules(
            r#"
[[ignore]]
path = "$.body.a"
reason = "clock"
"#,
        );
        let comparison = compare_outcomes_reading_tokens(
            &with_rule,
            "GET /x",
            &response(200, r#"{"a": 1}"#),
            &response(200, r#"{"a": [1, 2]}"#),
            false,
        );
        assert_eq!(found(&comparison), [("$.body".to_owned(), DiffKind::Whitespace)]);
    }
}
