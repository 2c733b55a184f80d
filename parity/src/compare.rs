//! The semantic comparison of two outcomes, with the cosmetic classification of what is
//! equal as data but not in bytes.
//!
//! A Lambda proxy response is compared as the client sees it: `$.statusCode`, the
//! client-visible headers under `$.headers` (lowercase names, volatile ones left out), and
//! `$.body` as JSON data when both bodies are JSON, else as bytes. Function errors are
//! compared by `$.errorType` and `$.errorMessage`. Anything else a function returns (an
//! EventBridge handler's value) is compared as JSON from `$`.
//!
//! Rules are consulted only on the slow path, when two values already differ, so equal
//! documents cost one walk and no allocation.

use std::borrow::Cow;

use base64::Engine as _;
use serde_json::{Map, Number, Value};

use crate::difference::{Comparison, DiffKind, Difference};
use crate::lexical;
use crate::path::{JsonPath, Seg};
use crate::record::Outcome;
use crate::rules::{ParityRules, RouteRules, RuleId};

const SHOWN_VALUE_LIMIT: usize = 200;

/// Compares the candidate's outcome against the baseline's under the rules of `route`.
pub fn compare_outcomes(
    rules: &ParityRules,
    route: &str,
    baseline: &Outcome,
    candidate: &Outcome,
) -> Comparison {
    let route_rules = rules.for_route(route);
    let mut walker = Walker::new(&route_rules);
    match (baseline, candidate) {
        (Outcome::Response(a), Outcome::Response(b)) => {
            if is_proxy_response(a) && is_proxy_response(b) {
                compare_proxy_responses(&mut walker, rules, a, b);
            } else {
                walker.walk(&mut Vec::new(), a, b);
            }
        }
        (Outcome::FunctionError(a), Outcome::FunctionError(b)) => {
            walker.compare_strings(&[Seg::Key("errorType")], &a.error_type, &b.error_type);
            walker.compare_strings(
                &[Seg::Key("errorMessage")],
                &a.error_message,
                &b.error_message,
            );
        }
        _ => walker.emit(
            &[],
            DiffKind::Outcome,
            Some(describe_outcome(baseline)),
            Some(describe_outcome(candidate)),
        ),
    }
    walker.finish()
}

/// Compares two JSON documents from the root under the rules of `route`, with no
/// cosmetic classification (used for side effects).
pub fn compare_json(
    rules: &ParityRules,
    route: &str,
    baseline: &Value,
    candidate: &Value,
) -> Comparison {
    let route_rules = rules.for_route(route);
    let mut walker = Walker::new(&route_rules);
    walker.walk(&mut Vec::new(), baseline, candidate);
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

/// Numbers compared as numbers: `1 == 1.0`, and integers exactly however large.
pub(crate) fn numbers_equal(a: &Number, b: &Number) -> bool {
    fn integer(n: &Number) -> Option<i128> {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    }
    fn float_as_integer(f: f64) -> Option<i128> {
        // Above 2^100 an f64 cannot be compared exactly with a 64-bit integer anyway.
        (f.is_finite() && f.fract() == 0.0 && f.abs() < 1e30).then_some(f as i128)
    }
    match (integer(a), integer(b)) {
        (Some(x), Some(y)) => x == y,
        (Some(x), None) => b.as_f64().and_then(float_as_integer) == Some(x),
        (None, Some(y)) => a.as_f64().and_then(float_as_integer) == Some(y),
        (None, None) => a.as_f64() == b.as_f64(),
    }
}

fn compact(value: &Value) -> String {
    truncate(serde_json::to_string(value).unwrap_or_default())
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

pub(crate) struct Walker<'p, 'r> {
    rules: &'p RouteRules<'r>,
    differences: Vec<Difference>,
    cosmetic: Vec<Difference>,
    fired: Vec<RuleId>,
}

impl<'p, 'r> Walker<'p, 'r> {
    pub(crate) fn new(rules: &'p RouteRules<'r>) -> Self {
        Self {
            rules,
            differences: Vec::new(),
            cosmetic: Vec::new(),
            fired: Vec::new(),
        }
    }

    fn finish(mut self) -> Comparison {
        if self.differences.iter().all(|d| d.kind.is_cosmetic()) {
            self.differences.append(&mut self.cosmetic);
        }
        self.fired.sort_unstable();
        self.fired.dedup();
        Comparison {
            differences: self.differences,
            fired: self.fired,
        }
    }

    fn emit(
        &mut self,
        path: &[Seg<'_>],
        kind: DiffKind,
        baseline: Option<String>,
        candidate: Option<String>,
    ) {
        if let Some(rule) = self.rules.ignore_covering(path) {
            self.fired.push(rule);
            return;
        }
        let difference = Difference {
            path: JsonPath::from_segs(path),
            kind,
            baseline,
            candidate,
        };
        if kind.is_cosmetic() {
            self.cosmetic.push(difference);
        } else {
            self.differences.push(difference);
        }
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
            self.emit(
                path,
                DiffKind::Value,
                Some(quoted(&left)),
                Some(quoted(&right)),
            );
        }
    }

    pub(crate) fn walk<'a>(&mut self, path: &mut Vec<Seg<'a>>, a: &'a Value, b: &'a Value) {
        match (a, b) {
            (Value::Object(left), Value::Object(right)) => self.walk_objects(path, left, right),
            (Value::Array(left), Value::Array(right)) => self.walk_arrays(path, left, right),
            (Value::String(left), Value::String(right)) => self.compare_strings(path, left, right),
            (Value::Number(left), Value::Number(right)) => {
                if numbers_equal(left, right) {
                    return;
                }
                if let Some(rule) = self.rules.tolerance_at(path)
                    && let (Some(x), Some(y)) = (left.as_f64(), right.as_f64())
                {
                    let gap = (x - y).abs();
                    if gap <= rule.absolute || gap <= rule.relative * x.abs().max(y.abs()) {
                        self.fired.push(rule.rule.id);
                        return;
                    }
                }
                self.emit(
                    path,
                    DiffKind::Value,
                    Some(left.to_string()),
                    Some(right.to_string()),
                );
            }
            (Value::Bool(left), Value::Bool(right)) if left == right => {}
            (Value::Null, Value::Null) => {}
            (Value::Bool(left), Value::Bool(right)) => {
                self.emit(
                    path,
                    DiffKind::Value,
                    Some(left.to_string()),
                    Some(right.to_string()),
                );
            }
            _ => self.emit(path, DiffKind::Type, Some(compact(a)), Some(compact(b))),
        }
    }

    fn walk_objects<'a>(
        &mut self,
        path: &mut Vec<Seg<'a>>,
        left: &'a Map<String, Value>,
        right: &'a Map<String, Value>,
    ) {
        // Fast path: same keys in the same order, compared by position without hashing.
        if left.len() == right.len() && left.keys().zip(right.keys()).all(|(x, y)| x == y) {
            for ((key, x), (_, y)) in left.iter().zip(right.iter()) {
                path.push(Seg::Key(key));
                self.walk(path, x, y);
                path.pop();
            }
            return;
        }
        let mut same_key_set = left.len() == right.len();
        for (key, x) in left {
            path.push(Seg::Key(key));
            match right.get(key) {
                Some(y) => self.walk(path, x, y),
                None => {
                    same_key_set = false;
                    let kind = if x.is_null() {
                        DiffKind::NullVsMissing
                    } else {
                        DiffKind::Missing
                    };
                    self.emit(path, kind, Some(compact(x)), None);
                }
            }
            path.pop();
        }
        for (key, y) in right {
            if !left.contains_key(key) {
                path.push(Seg::Key(key));
                let kind = if y.is_null() {
                    DiffKind::NullVsMissing
                } else {
                    DiffKind::Extra
                };
                self.emit(path, kind, None, Some(compact(y)));
                path.pop();
            }
        }
        if same_key_set {
            self.emit(path, DiffKind::KeyOrder, None, None);
        }
    }

    /// True when `a` and `b` are equal under the rules, with no trace left in `self`.
    fn equivalent<'a>(&mut self, path: &mut Vec<Seg<'a>>, a: &'a Value, b: &'a Value) -> bool {
        let marks = (
            self.differences.len(),
            self.cosmetic.len(),
            self.fired.len(),
        );
        self.walk(path, a, b);
        let equal = self.differences.len() == marks.0;
        self.differences.truncate(marks.0);
        self.cosmetic.truncate(marks.1);
        self.fired.truncate(marks.2);
        equal
    }

    /// Pairs every element of `left` with an unused equivalent element of `right`;
    /// returns the indices left over on each side.
    /// Pairs every listed element of `left` with an unused equivalent listed element of
    /// `right`; returns the indices left over on each side.
    fn match_as_multiset<'a>(
        &mut self,
        path: &mut Vec<Seg<'a>>,
        left: &'a [Value],
        left_indices: &[usize],
        right: &'a [Value],
        right_indices: &[usize],
    ) -> (Vec<usize>, Vec<usize>) {
        let mut used = vec![false; right_indices.len()];
        let mut unmatched_left = Vec::new();
        for &i in left_indices {
            path.push(Seg::Index(i));
            let found = (0..right_indices.len())
                .find(|&k| !used[k] && self.equivalent(path, &left[i], &right[right_indices[k]]));
            path.pop();
            match found {
                Some(k) => used[k] = true,
                None => unmatched_left.push(i),
            }
        }
        let unmatched_right = (0..right_indices.len())
            .filter(|&k| !used[k])
            .map(|k| right_indices[k])
            .collect();
        (unmatched_left, unmatched_right)
    }

    fn walk_arrays<'a>(&mut self, path: &mut Vec<Seg<'a>>, left: &'a [Value], right: &'a [Value]) {
        let marks = (
            self.differences.len(),
            self.cosmetic.len(),
            self.fired.len(),
        );
        let common = left.len().min(right.len());
        let mut differing = Vec::new();
        for index in 0..common {
            let before = self.differences.len();
            path.push(Seg::Index(index));
            self.walk(path, &left[index], &right[index]);
            path.pop();
            if self.differences.len() > before {
                differing.push(index);
            }
        }
        if left.len() == right.len() && differing.is_empty() {
            return;
        }
        let undo = |walker: &mut Self| {
            walker.differences.truncate(marks.0);
            walker.cosmetic.truncate(marks.1);
            walker.fired.truncate(marks.2);
        };
        if let Some(rule) = self.rules.set_at(path) {
            // A set: judge the array as a multiset instead of element by element.
            undo(self);
            let all_left: Vec<usize> = (0..left.len()).collect();
            let all_right: Vec<usize> = (0..right.len()).collect();
            let (unmatched_left, unmatched_right) =
                self.match_as_multiset(path, left, &all_left, right, &all_right);
            self.fired.push(rule);
            for &i in &unmatched_left {
                path.push(Seg::Index(i));
                self.emit(path, DiffKind::Missing, Some(compact(&left[i])), None);
                path.pop();
            }
            for &j in &unmatched_right {
                path.push(Seg::Index(j));
                self.emit(path, DiffKind::Extra, None, Some(compact(&right[j])));
                path.pop();
            }
            return;
        }
        // Equal lengths: a permutation if the differing positions hold the same elements.
        // (Positions that already match pair with each other, so only these need matching,
        // which keeps one changed element in a long list cheap.)
        if left.len() == right.len() && differing.len() > 1 {
            let (unmatched_left, unmatched_right) =
                self.match_as_multiset(path, left, &differing, right, &differing);
            if unmatched_left.is_empty() && unmatched_right.is_empty() {
                undo(self);
                self.emit(
                    path,
                    DiffKind::Order,
                    Some(compact_array(left)),
                    Some(compact_array(right)),
                );
                return;
            }
        }
        // Not a permutation: the element-wise differences stand.
        self.emit_tails(path, left, right, common);
    }

    fn emit_tails<'a>(
        &mut self,
        path: &mut Vec<Seg<'a>>,
        left: &'a [Value],
        right: &'a [Value],
        common: usize,
    ) {
        for (i, x) in left.iter().enumerate().skip(common) {
            path.push(Seg::Index(i));
            self.emit(path, DiffKind::Missing, Some(compact(x)), None);
            path.pop();
        }
        for (j, y) in right.iter().enumerate().skip(common) {
            path.push(Seg::Index(j));
            self.emit(path, DiffKind::Extra, None, Some(compact(y)));
            path.pop();
        }
    }
}

fn compact_array(values: &[Value]) -> String {
    truncate(serde_json::to_string(values).unwrap_or_default())
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

/// A body as bytes: decoded when base64, empty when absent.
fn body_bytes(response: &Value) -> (Cow<'_, [u8]>, bool) {
    let encoded = response
        .get("isBase64Encoded")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let text = response.get("body").and_then(Value::as_str).unwrap_or("");
    if encoded && let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(text) {
        return (Cow::Owned(bytes), true);
    }
    (Cow::Borrowed(text.as_bytes()), encoded)
}

fn compare_proxy_responses(walker: &mut Walker<'_, '_>, rules: &ParityRules, a: &Value, b: &Value) {
    // Status.
    let status = |v: &Value| v.get("statusCode").cloned().unwrap_or(Value::Null);
    let (left_status, right_status) = (status(a), status(b));
    let equal_status = match (&left_status, &right_status) {
        (Value::Number(x), Value::Number(y)) => numbers_equal(x, y),
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
    let raw = |v: &Value| v.get("body").and_then(Value::as_str).map(str::to_owned);
    let flag = |v: &Value| {
        v.get("isBase64Encoded")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    if raw(a) == raw(b) && flag(a) == flag(b) {
        return;
    }
    let (left_bytes, left_encoded) = body_bytes(a);
    let (right_bytes, right_encoded) = body_bytes(b);
    if left_bytes == right_bytes {
        if left_encoded != right_encoded {
            walker.emit(
                &[Seg::Key("isBase64Encoded")],
                DiffKind::Encoding,
                Some(left_encoded.to_string()),
                Some(right_encoded.to_string()),
            );
        }
        return;
    }
    let body_path = [Seg::Key("body")];
    let left_json = serde_json::from_slice::<Value>(&left_bytes).ok();
    let right_json = serde_json::from_slice::<Value>(&right_bytes).ok();
    match (&left_json, &right_json) {
        (Some(x), Some(y)) => {
            let before = walker.differences.len();
            let mut path = vec![Seg::Key("body")];
            walker.walk(&mut path, x, y);
            if walker.differences.len() == before {
                let (Ok(left_text), Ok(right_text)) = (
                    std::str::from_utf8(&left_bytes),
                    std::str::from_utf8(&right_bytes),
                ) else {
                    return;
                };
                for (path, kind) in
                    lexical::classify(&body_path, left_text, right_text, walker.rules)
                {
                    walker.cosmetic.push(Difference {
                        path,
                        kind,
                        baseline: None,
                        candidate: None,
                    });
                }
                walker
                    .cosmetic
                    .sort_by(|x, y| (&x.path, x.kind).cmp(&(&y.path, y.kind)));
                walker
                    .cosmetic
                    .dedup_by(|x, y| x.path == y.path && x.kind == y.kind);
            }
        }
        (None, None) => match (
            std::str::from_utf8(&left_bytes),
            std::str::from_utf8(&right_bytes),
        ) {
            (Ok(x), Ok(y)) => {
                let mut fired = Vec::new();
                let left = walker.rules.normalise(&body_path, x, &mut fired);
                let right = walker.rules.normalise(&body_path, y, &mut fired);
                if left == right {
                    walker.fired.extend(fired);
                } else {
                    walker.emit(
                        &body_path,
                        DiffKind::Bytes,
                        Some(quoted(&left)),
                        Some(quoted(&right)),
                    );
                }
            }
            _ => walker.emit(
                &body_path,
                DiffKind::Bytes,
                Some(format!("<{} bytes>", left_bytes.len())),
                Some(format!("<{} bytes>", right_bytes.len())),
            ),
        },
        _ => walker.emit(
            &body_path,
            DiffKind::Type,
            Some(truncate(String::from_utf8_lossy(&left_bytes).into_owned())),
            Some(truncate(String::from_utf8_lossy(&right_bytes).into_owned())),
        ),
    }
}

fn compare_headers(
    walker: &mut Walker<'_, '_>,
    left: &[(String, String)],
    right: &[(String, String)],
) {
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
                        walker.emit(
                            &path,
                            DiffKind::Header,
                            Some(quoted(&normal_x)),
                            Some(quoted(&normal_y)),
                        );
                    }
                }
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Less => {
                let (name, x) = &left[i];
                walker.emit(
                    &[Seg::Key("headers"), Seg::Key(name)],
                    DiffKind::Header,
                    Some(quoted(x)),
                    None,
                );
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                let (name, y) = &right[j];
                walker.emit(
                    &[Seg::Key("headers"), Seg::Key(name)],
                    DiffKind::Header,
                    None,
                    Some(quoted(y)),
                );
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
        comparison
            .differences
            .iter()
            .map(|d| (d.path.to_string(), d.kind))
            .collect()
    }

    fn compare(rules: &ParityRules, a: &Outcome, b: &Outcome) -> Comparison {
        compare_outcomes(rules, "GET /x", a, b)
    }

    fn rules(text: &str) -> ParityRules {
        ParityRules::parse(text, Path::new("parity.toml")).expect("rules")
    }

    #[test]
    fn numbers_compare_as_numbers_and_big_integers_exactly() {
        let n = |text: &str| match serde_json::from_str::<Value>(text) {
            Ok(Value::Number(n)) => n,
            other => panic!("not a number: {other:?}"),
        };
        assert!(numbers_equal(&n("1"), &n("1.0")));
        assert!(numbers_equal(&n("1000"), &n("1e3")));
        assert!(numbers_equal(&n("-5"), &n("-5.0")));
        assert!(!numbers_equal(&n("1"), &n("1.5")));
        assert!(!numbers_equal(
            &n("9007199254740993"),
            &n("9007199254740992")
        ));
        assert!(!numbers_equal(
            &n("9007199254740993"),
            &n("9007199254740992.0")
        ));
        assert!(numbers_equal(
            &n("18446744073709551615"),
            &n("18446744073709551615")
        ));
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
        assert_eq!(
            found(&comparison),
            [("$.headers.x-extra".to_owned(), DiffKind::Header)]
        );
        assert_eq!(
            comparison.fired.len(),
            1,
            "the volatile-header rule fired for Date"
        );
    }

    #[test]
    fn function_errors_compare_by_type_and_message() {
        let error = |t: &str, m: &str| {
            Outcome::FunctionError(FunctionError {
                error_type: t.into(),
                error_message: m.into(),
            })
        };
        let comparison = compare(
            &ParityRules::default(),
            &error("KeyError", "x"),
            &error("KeyError", "y"),
        );
        assert_eq!(
            found(&comparison),
            [("$.errorMessage".to_owned(), DiffKind::Value)]
        );
        let comparison = compare(
            &ParityRules::default(),
            &error("KeyError", "x"),
            &response(500, ""),
        );
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
            [
                ("$.body.b".to_owned(), DiffKind::NullVsMissing),
                ("$.body.d".to_owned(), DiffKind::Extra)
            ]
        );
    }

    #[test]
    fn arrays_report_order_permutations_and_tails() {
        let rules = ParityRules::default();
        let comparison = compare(&rules, &response(200, "[1,2,3]"), &response(200, "[3,1,2]"));
        assert_eq!(found(&comparison), [("$.body".to_owned(), DiffKind::Order)]);
        let comparison = compare(
            &rules,
            &response(200, "[1,2,3]"),
            &response(200, "[1,5,3,4]"),
        );
        assert_eq!(
            found(&comparison),
            [
                ("$.body[1]".to_owned(), DiffKind::Value),
                ("$.body[3]".to_owned(), DiffKind::Extra)
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
        let a = response(
            200,
            r#"{"at":"1","tags":["a","b"],"cost":100.0,"id":"0f8fad5b-d9cb-469f-a165-70867728950e"}"#,
        );
        let b = response(
            200,
            r#"{"at":"2","tags":["b","a"],"cost":100.5,"id":"1f8fad5b-d9cb-469f-a165-70867728950e"}"#,
        );
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
        let encoded = Outcome::Response(
            json!({"statusCode": 200, "body": "aGVsbG8=", "isBase64Encoded": true}),
        );
        let plain = Outcome::Response(json!({"statusCode": 200, "body": "hello"}));
        let comparison = compare(&rules, &plain, &encoded);
        assert_eq!(
            found(&comparison),
            [("$.isBase64Encoded".to_owned(), DiffKind::Encoding)]
        );
        let comparison = compare(&rules, &response(200, "{}"), &response(200, "oops"));
        assert_eq!(found(&comparison), [("$.body".to_owned(), DiffKind::Type)]);
    }

    #[test]
    fn cosmetic_findings_are_dropped_when_something_real_differs() {
        let rules = ParityRules::default();
        let comparison = compare(
            &rules,
            &response(200, r#"{"a":1,"b":2}"#),
            &response(500, r#"{"b":2,"a":1}"#),
        );
        assert_eq!(
            found(&comparison),
            [("$.statusCode".to_owned(), DiffKind::Status)]
        );
    }
}
