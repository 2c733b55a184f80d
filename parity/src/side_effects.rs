//! What each side wrote while it answered: items per table, pipelines created and objects
//! stored, and the write calls that got them there. A mismatch here fails parity even when
//! every response matches.
//!
//! `capture_side_effects` reads a snapshot back from a side's own AWS back end,
//! and the write calls its recording proxy saw; this module is the model and the diff,
//! normalised by the same rules as responses (rules whose route is `*` or
//! [`SIDE_EFFECTS_ROUTE`] apply; paths start at `$.tables`, `$.pipelines` and `$.objects`).
//!
//! The final state alone misses writes that a later write overwrote. So when both sides
//! recorded their write calls, each call becomes a document shaped like the final state
//! (`$.tables.<table>.<partition>` holds the item it wrote, so the same rules apply) with
//! its `operation`, `status`, `error`, `condition` and `update` beside it, and the calls
//! are compared per entity, in order: the first index where two sequences part is a
//! side-effect difference at `$.writes.<entity>[<index>]…`. Entities are independent of
//! each other (concurrent replays interleave them). The entity of a DynamoDB item is its
//! table and partition, as in the final state: a sort key such as `<time>#<random>` is
//! drawn per side, so items of one partition are matched by their place in sort-key order,
//! and a partition's calls are ordered by sort key first, arrival second (writes to
//! different items of a partition may run concurrently; writes to one item keep their order).

use std::collections::BTreeMap;

use emulator::{WriteCall, WriteTarget};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::compare::compare_json;
use crate::difference::{Comparison, DiffKind, Difference};
use crate::ids::IdMap;
use crate::path::{JsonPath, Segment};
use crate::redact::Redactor;
use crate::rules::ParityRules;

/// The route name rules use to target side effects.
pub(crate) const SIDE_EFFECTS_ROUTE: &str = "side-effects";

/// A snapshot of one side's writes: what its back end holds after the replay, and the
/// write calls that put it there.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SideEffects {
    /// Items per table, keyed by primary key (`c-1`, or `c-1#0003` with a sort key).
    pub tables: BTreeMap<String, BTreeMap<String, Value>>,
    /// Pipelines created, by name, with their definitions.
    pub pipelines: BTreeMap<String, Value>,
    /// Objects stored, by `bucket/key`, with their content (JSON when it parses).
    #[serde(default)]
    pub objects: BTreeMap<String, Value>,
    /// The write calls the side made, in arrival order, when its back end recorded them
    /// (the recording proxy of a `local:` side); `None` when it could not tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writes: Option<Vec<WriteCall>>,
}

/// Captured writes by kind: DynamoDB items, pipelines, S3 objects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SideEffectCounts {
    /// DynamoDB items, every table's.
    pub items: usize,
    /// CodePipeline pipelines.
    pub pipelines: usize,
    /// S3 objects.
    pub objects: usize,
}

impl SideEffects {
    /// Records the item stored under `key` in `table` (the last write wins, as in DynamoDB).
    pub fn record_write(&mut self, table: &str, key: &str, item: Value) {
        self.tables.entry(table.to_owned()).or_default().insert(key.to_owned(), item);
    }

    /// Records a pipeline and its definition.
    pub(crate) fn record_pipeline(&mut self, name: &str, definition: Value) {
        self.pipelines.insert(name.to_owned(), definition);
    }

    /// Records an object and its content.
    pub fn record_object(&mut self, bucket: &str, key: &str, content: Value) {
        self.objects.insert(format!("{bucket}/{key}"), content);
    }

    /// The number of items, pipelines and objects. A list recorded under one key (the
    /// items of one partition of a table with a sort key) counts its items.
    pub fn len(&self) -> usize {
        let counts = self.counts();
        counts.items + counts.pipelines + counts.objects
    }

    /// How many writes of each kind were captured: a run that captured no pipelines or
    /// no objects compared none, whatever its verdict says.
    pub(crate) fn counts(&self) -> SideEffectCounts {
        let items = self
            .tables
            .values()
            .flat_map(BTreeMap::values)
            .map(|value| match value {
                Value::Array(items) => items.len(),
                _ => 1,
            })
            .sum();
        SideEffectCounts { items, pipelines: self.pipelines.len(), objects: self.objects.len() }
    }

    /// True when the side wrote no item, pipeline or object.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn to_document(&self, ids: &IdMap) -> Value {
        let mut document = serde_json::json!({
            "tables": self.tables,
            "pipelines": self.pipelines,
            "objects": self.objects,
        });
        ids.translate_value(&mut document);
        document
    }
}

/// Diffs the candidate's writes against the baseline's: the final state, and the write
/// calls in order per entity when both sides recorded them. Candidate ids are first
/// translated to the baseline's through `candidate_to_baseline`.
pub(crate) fn diff_side_effects(
    rules: &ParityRules,
    baseline: &SideEffects,
    candidate: &SideEffects,
    candidate_to_baseline: &IdMap,
) -> Comparison {
    diff_side_effects_and_writes(rules, baseline, candidate, candidate_to_baseline).0
}

/// [`diff_side_effects`], with how many write calls each side made and were compared in
/// order (`None` unless both sides recorded them).
pub(crate) fn diff_side_effects_and_writes(
    rules: &ParityRules,
    baseline: &SideEffects,
    candidate: &SideEffects,
    candidate_to_baseline: &IdMap,
) -> (Comparison, Option<WriteCallCounts>) {
    let left = baseline.to_document(&IdMap::default());
    let right = candidate.to_document(candidate_to_baseline);
    let mut comparison = compare_json(rules, SIDE_EFFECTS_ROUTE, &left, &right);
    let (Some(baseline_writes), Some(candidate_writes)) = (&baseline.writes, &candidate.writes) else {
        return (comparison, None);
    };
    let sequences = diff_write_sequences(rules, baseline_writes, candidate_writes, candidate_to_baseline);
    comparison.differences.extend(sequences.differences);
    for rule in sequences.fired {
        if !comparison.fired.contains(&rule) {
            comparison.fired.push(rule);
        }
    }
    (comparison, Some(sequences.counts))
}

/// The grouping pattern of a side-effect path: the item key (a generated id) and the
/// pipeline name become `*`, in the final state and in the write sequences alike.
pub(crate) fn side_effect_pattern(path: &JsonPath) -> String {
    let segments = path.segments();
    let key = |index: usize| match segments.get(index) {
        Some(Segment::Key(key)) => Some(key.as_str()),
        _ => None,
    };
    match (key(0), key(1)) {
        (Some("tables"), _) => path.pattern_with_wildcard_key(2),
        (Some("pipelines" | "objects"), _) => path.pattern_with_wildcard_key(1),
        (Some("writes"), Some("tables" | "calls")) => path.pattern_with_wildcard_key(3),
        (Some("writes"), Some("pipelines" | "objects")) => path.pattern_with_wildcard_key(2),
        _ => path.pattern(),
    }
}

// ---- write sequences ------------------------------------------------------------------

/// Write calls by kind of entity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteKindCounts {
    /// DynamoDB items (each item of a batch or transaction counts).
    pub items: usize,
    /// S3 objects.
    pub objects: usize,
    /// CodePipeline pipelines.
    pub pipelines: usize,
    /// Any other mutating call (tables, buckets, other services).
    pub other: usize,
}

impl WriteKindCounts {
    fn of(calls: &[WriteCall]) -> Self {
        let mut counts = Self::default();
        for call in calls {
            match call.target {
                WriteTarget::Item { .. } => counts.items += 1,
                WriteTarget::Object { .. } => counts.objects += 1,
                WriteTarget::Pipeline { .. } => counts.pipelines += 1,
                WriteTarget::Resource { .. } => counts.other += 1,
            }
        }
        counts
    }

    /// Every write call, of any kind.
    pub(crate) fn total(&self) -> usize {
        self.items + self.objects + self.pipelines + self.other
    }
}

/// What the comparison of write sequences covered: a run whose sides recorded no calls
/// compared none, whatever its verdict says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteCallCounts {
    /// The write calls the baseline made, by kind.
    pub baseline: WriteKindCounts,
    /// The write calls the candidate made, by kind.
    pub candidate: WriteKindCounts,
    /// The pairs of calls compared (per entity, up to where the sequences part).
    pub compared: usize,
    /// The entities either side wrote.
    pub entities: usize,
    /// The entities whose sequences part: each gives its differences at the first call
    /// where they do.
    pub parted: usize,
}

/// The differences of two sides' write sequences.
struct WriteSequences {
    differences: Vec<Difference>,
    fired: Vec<crate::rules::RuleId>,
    counts: WriteCallCounts,
}

/// One entity's calls on each side, as documents.
#[derive(Default)]
struct EntityCalls {
    /// A table with a sort key: the written item sits in a one-element list, as the final
    /// state lists such a table's items per partition.
    listed: bool,
    baseline: Vec<(SortValue, Value)>,
    candidate: Vec<(SortValue, Value)>,
}

/// A sort key value in DynamoDB's order (numbers numerically, then text), for ordering a
/// partition's calls by item.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum SortValue {
    None,
    Number(f64),
    Text(String),
}

impl SortValue {
    fn of(document: &Value, entity: &[String], sort_key: Option<&str>) -> Self {
        let Some(sort_key) = sort_key else { return SortValue::None };
        let mut value = document;
        for key in entity {
            value = &value[key];
        }
        match &value[0][sort_key] {
            Value::Number(number) => SortValue::Number(number.as_f64().unwrap_or(f64::MAX)),
            Value::String(text) => SortValue::Text(text.clone()),
            other => SortValue::Text(other.to_string()),
        }
    }
}

/// Compares the calls per entity, in order; the first index where an entity's sequences
/// part gives its differences (every difference of that pair of calls, or the call one
/// side did not make). Values shown are redacted at their paths in the call's document,
/// where `[[redact]]` rules written for the final state apply.
fn diff_write_sequences(
    rules: &ParityRules,
    baseline: &[WriteCall],
    candidate: &[WriteCall],
    candidate_to_baseline: &IdMap,
) -> WriteSequences {
    let mut entities: BTreeMap<Vec<String>, EntityCalls> = BTreeMap::new();
    for (calls, ids, is_baseline) in [(baseline, &IdMap::default(), true), (candidate, candidate_to_baseline, false)] {
        for call in calls {
            let mut view = write_view(call);
            let entity: Vec<String> = view.entity.iter().map(|key| ids.translate_str(key).into_owned()).collect();
            ids.translate_value(&mut view.document);
            let order = SortValue::of(&view.document, &entity, view.sort_key.as_deref());
            let group = entities.entry(entity).or_default();
            group.listed = view.sort_key.is_some();
            let calls = if is_baseline { &mut group.baseline } else { &mut group.candidate };
            calls.push((order, view.document));
        }
    }
    for calls in entities.values_mut() {
        // A stable sort: one item's calls keep their arrival order.
        for side in [&mut calls.baseline, &mut calls.candidate] {
            side.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
        }
    }
    let redactor = Redactor::new(rules);
    let mut differences = Vec::new();
    let mut fired = Vec::new();
    let mut counts = WriteCallCounts {
        baseline: WriteKindCounts::of(baseline),
        candidate: WriteKindCounts::of(candidate),
        entities: entities.len(),
        ..WriteCallCounts::default()
    };
    for (entity, calls) in &entities {
        for index in 0..calls.baseline.len().max(calls.candidate.len()) {
            let at = |inner: &JsonPath| write_path(entity, calls.listed, index, inner);
            let left = calls.baseline.get(index).map(|(_, document)| document);
            let right = calls.candidate.get(index).map(|(_, document)| document);
            let parted = match (left, right) {
                (Some(left), Some(right)) => {
                    counts.compared += 1;
                    let comparison = compare_json(rules, SIDE_EFFECTS_ROUTE, left, right);
                    for rule in &comparison.fired {
                        if !fired.contains(rule) {
                            fired.push(*rule);
                        }
                    }
                    let shown = |text: &Option<String>, path: &JsonPath| {
                        text.as_ref().map(|text| redactor.redact_shown(SIDE_EFFECTS_ROUTE, path, text).into_owned())
                    };
                    let before = differences.len();
                    differences.extend(comparison.semantic().map(|difference| Difference {
                        path: at(&difference.path),
                        kind: difference.kind,
                        baseline: shown(&difference.baseline, &difference.path),
                        candidate: shown(&difference.candidate, &difference.path),
                    }));
                    differences.len() > before
                }
                (Some(left), None) => {
                    let shown = Some(shown_call(&redactor, left));
                    differences.push(Difference {
                        path: at(&JsonPath::root()),
                        kind: DiffKind::Missing,
                        baseline: shown,
                        candidate: None,
                    });
                    true
                }
                (None, Some(right)) => {
                    let shown = Some(shown_call(&redactor, right));
                    differences.push(Difference {
                        path: at(&JsonPath::root()),
                        kind: DiffKind::Extra,
                        baseline: None,
                        candidate: shown,
                    });
                    true
                }
                (None, None) => false,
            };
            if parted {
                counts.parted += 1;
                break;
            }
        }
    }
    WriteSequences { differences, fired, counts }
}

/// Where a difference inside a call's document is shown: `$.writes.<entity>[<index>]`,
/// then `written.<path in the item>` or the call's own field (`condition`, `status`).
fn write_path(entity: &[String], listed: bool, index: usize, inner: &JsonPath) -> JsonPath {
    let mut path = JsonPath::root().key("writes");
    for key in entity {
        path = path.key(key);
    }
    path = path.index(index);
    let segments = inner.segments();
    let in_entity = segments.len() >= entity.len()
        && segments.iter().zip(entity).all(|(segment, key)| matches!(segment, Segment::Key(name) if name == key));
    let rest = if in_entity {
        path = path.key("written");
        &segments[(entity.len() + usize::from(listed)).min(segments.len())..]
    } else {
        segments
    };
    for segment in rest {
        path = match segment {
            Segment::Key(key) => path.key(key),
            Segment::Index(index) => path.index(*index),
        };
    }
    path
}

/// A whole call one side did not make, as compact JSON, redacted from its document's root
/// and cut as the comparison cuts values.
fn shown_call(redactor: &Redactor, document: &Value) -> String {
    const LIMIT: usize = 200;
    let mut redacted = document.clone();
    redactor.redact_document(SIDE_EFFECTS_ROUTE, &mut redacted);
    let mut text = redacted.to_string();
    if text.len() > LIMIT {
        let mut end = LIMIT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// A write call as compared: the entity it is about (its keys under the document's root),
/// the table's sort key if any, and its document.
struct WriteView {
    entity: Vec<String>,
    sort_key: Option<String>,
    document: Value,
}

/// Idempotency tokens the SDKs draw per call (boto3 fills `clientRequestToken` itself);
/// they say nothing about what the function wrote.
const SDK_TOKENS: [&str; 4] = ["clientRequestToken", "ClientRequestToken", "clientToken", "ClientToken"];

fn write_view(call: &WriteCall) -> WriteView {
    let operation = match &call.action {
        Some(action) => format!("{}.{action}", call.operation),
        None => call.operation.clone(),
    };
    let mut document = Map::new();
    document.insert("operation".into(), Value::String(operation));
    document.insert("status".into(), Value::from(call.status));
    document.insert("error".into(), call.error.clone().map_or(Value::Null, Value::String));
    let without_tokens = |parameters: &Value| {
        let mut parameters = parameters.clone();
        if let Some(object) = parameters.as_object_mut() {
            for token in SDK_TOKENS {
                object.remove(token);
            }
        }
        parameters
    };
    let (entity, sort_key, written) = match &call.target {
        WriteTarget::Item { table, key, sort_key } => {
            let item = dynamodb_view(call, key);
            document.insert("condition".into(), item.condition.map_or(Value::Null, Value::String));
            document.insert("update".into(), item.update.map_or(Value::Null, Value::String));
            let partition = partition_text(key, sort_key.as_deref());
            let written = if sort_key.is_some() { Value::Array(vec![item.written]) } else { item.written };
            (vec!["tables".to_owned(), table.clone(), partition], sort_key.clone(), written)
        }
        WriteTarget::Object { bucket, key } => {
            document.insert("condition".into(), call.condition.clone().map_or(Value::Null, Value::String));
            (vec!["objects".to_owned(), format!("{bucket}/{key}")], None, call.parameters.clone())
        }
        WriteTarget::Pipeline { name } => {
            document.insert("condition".into(), call.condition.clone().map_or(Value::Null, Value::String));
            (vec!["pipelines".to_owned(), name.clone()], None, without_tokens(&call.parameters))
        }
        WriteTarget::Resource { name } => {
            document.insert("condition".into(), call.condition.clone().map_or(Value::Null, Value::String));
            let name = name.clone().unwrap_or_else(|| "*".to_owned());
            (vec!["calls".to_owned(), call.service.clone(), name], None, without_tokens(&call.parameters))
        }
    };
    // The written value at the entity's own path, as in the final state.
    let mut nested = written;
    for key in entity.iter().rev() {
        let mut level = Map::new();
        level.insert(key.clone(), nested);
        nested = Value::Object(level);
    }
    if let Value::Object(root) = nested {
        document.extend(root);
    }
    WriteView { entity, sort_key, document: Value::Object(document) }
}

/// The partition of an item as the final state keys it: the partition key's value as text
/// (`?` when the table's key schema was unknown to the proxy).
fn partition_text(key: &Map<String, Value>, sort_key: Option<&str>) -> String {
    let texts: Vec<String> = key
        .iter()
        .filter(|(name, _)| Some(name.as_str()) != sort_key)
        .map(|(_, value)| match plain(value) {
            Value::String(text) => text,
            other => other.to_string(),
        })
        .collect();
    if texts.is_empty() { "?".to_owned() } else { texts.join("#") }
}

/// A DynamoDB write call as compared.
struct DynamoView {
    /// The item put, or the key with the attributes an update sets to plain values.
    written: Value,
    /// The condition with its names and values in place.
    condition: Option<String>,
    /// What of the update expression is not a plain `SET name = value`, values in place.
    update: Option<String>,
}

fn dynamodb_view(call: &WriteCall, key: &Map<String, Value>) -> DynamoView {
    let parameters = &call.parameters;
    let empty = Map::new();
    let names = parameters.get("ExpressionAttributeNames").and_then(Value::as_object).unwrap_or(&empty);
    let values = parameters.get("ExpressionAttributeValues").and_then(Value::as_object).unwrap_or(&empty);
    let condition = match (&call.condition, parameters.get("Expected")) {
        (Some(expression), _) => {
            Some(squash_whitespace(&substitute_values(&substitute_names(expression, names), values)))
        }
        // The legacy form, kept as sent (with the operator that joins its parts).
        (None, Some(expected)) => Some(format!(
            "Expected {} {}",
            plain_map(expected),
            parameters.get("ConditionalOperator").and_then(Value::as_str).unwrap_or("AND")
        )),
        (None, None) => None,
    };
    if let Some(item) = parameters.get("Item") {
        return DynamoView { written: plain_map(item), condition, update: None };
    }
    let key_value = parameters.get("Key").map_or_else(|| Value::Object(key.clone()), Value::clone);
    let Value::Object(mut written) = plain_map(&key_value) else {
        return DynamoView { written: Value::Null, condition, update: None };
    };
    let update = parameters.get("UpdateExpression").and_then(Value::as_str).and_then(|expression| {
        let (set, rest) = split_update(&substitute_names(expression, names), values);
        written.extend(set);
        rest
    });
    DynamoView { written: Value::Object(written), condition, update }
}

/// A map of DynamoDB attributes as plain JSON, keys sorted as the final state's are.
fn plain_map(value: &Value) -> Value {
    match value.as_object() {
        Some(map) => {
            let sorted: BTreeMap<&String, &Value> = map.iter().collect();
            Value::Object(sorted.into_iter().map(|(name, value)| (name.clone(), plain(value))).collect())
        }
        None => value.clone(),
    }
}

/// One DynamoDB attribute value (`{"S": "x"}`) as plain JSON, the way the final state's
/// capture reads it back: numbers as numbers where JSON holds them, sets as sorted arrays.
fn plain(value: &Value) -> Value {
    let Some((kind, inner)) = value.as_object().filter(|map| map.len() == 1).and_then(|map| map.iter().next()) else {
        return value.clone();
    };
    let number = |text: &str| {
        serde_json::from_str::<Value>(text)
            .ok()
            .filter(Value::is_number)
            .unwrap_or_else(|| Value::String(text.to_owned()))
    };
    match (kind.as_str(), inner) {
        ("S" | "B", Value::String(_)) => inner.clone(),
        ("N", Value::String(text)) => number(text),
        ("BOOL", Value::Bool(_)) => inner.clone(),
        ("NULL", _) => Value::Null,
        ("M", Value::Object(_)) => plain_map(inner),
        ("L", Value::Array(items)) => Value::Array(items.iter().map(plain).collect()),
        ("SS" | "BS", Value::Array(items)) => {
            let mut texts: Vec<String> = items.iter().filter_map(Value::as_str).map(str::to_owned).collect();
            texts.sort();
            Value::Array(texts.into_iter().map(Value::String).collect())
        }
        ("NS", Value::Array(items)) => {
            let mut numbers: Vec<Value> = items.iter().filter_map(Value::as_str).map(number).collect();
            numbers.sort_by_key(Value::to_string);
            Value::Array(numbers)
        }
        _ => value.clone(),
    }
}

fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Replaces each `<sigil><token>` of `expression` found in `table` by `replace(value)`.
fn substitute(expression: &str, sigil: char, table: &Map<String, Value>, replace: impl Fn(&Value) -> String) -> String {
    let mut out = String::with_capacity(expression.len());
    let mut rest = expression;
    while let Some(start) = rest.find(sigil) {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let length = after.bytes().take_while(|byte| is_token_byte(*byte)).count();
        let token = &rest[start..start + 1 + length];
        match table.get(token) {
            Some(value) if length > 0 => out.push_str(&replace(value)),
            _ => out.push_str(token),
        }
        rest = &rest[start + 1 + length..];
    }
    out.push_str(rest);
    out
}

/// `#name` placeholders replaced by the attribute names they stand for (a side may spell
/// them `#n0` or `#status`; the attribute is what counts).
fn substitute_names(expression: &str, names: &Map<String, Value>) -> String {
    substitute(expression, '#', names, |name| name.as_str().map_or_else(|| name.to_string(), str::to_owned))
}

/// `:value` placeholders replaced by their values as compact plain JSON.
fn substitute_values(expression: &str, values: &Map<String, Value>) -> String {
    substitute(expression, ':', values, |value| plain(value).to_string())
}

fn squash_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits an update expression (names in place) into the attributes its `SET` clause
/// gives a plain value (`SET status = :s`) and the rest, values in place (`ADD n 1`,
/// `SET a = if_not_exists(a, 0)`, `REMOVE b`), or `None` when nothing is left.
fn split_update(expression: &str, values: &Map<String, Value>) -> (Map<String, Value>, Option<String>) {
    let mut set = Map::new();
    let mut rest = Vec::new();
    for (keyword, body) in update_clauses(expression) {
        if !keyword.eq_ignore_ascii_case("SET") {
            rest.push(format!("{} {}", keyword.to_uppercase(), squash_whitespace(&substitute_values(body, values))));
            continue;
        }
        let mut kept = Vec::new();
        for assignment in split_top_level(body, ',') {
            let plain_value = assignment.split_once('=').and_then(|(name, operand)| {
                let (name, operand) = (name.trim(), operand.trim());
                let simple_name = !name.is_empty() && !name.contains(['.', '[', ' ']);
                let value = operand.strip_prefix(':').and(values.get(operand))?;
                simple_name.then(|| (name.to_owned(), plain(value)))
            });
            match plain_value {
                Some((name, value)) => {
                    set.insert(name, value);
                }
                None => kept.push(squash_whitespace(&substitute_values(assignment, values))),
            }
        }
        if !kept.is_empty() {
            rest.push(format!("SET {}", kept.join(", ")));
        }
    }
    let rest = (!rest.is_empty()).then(|| rest.join(" "));
    (set, rest)
}

/// The clauses of an update expression: `(SET, "a = :a, b = :b")`, `(REMOVE, "c")`.
fn update_clauses(expression: &str) -> Vec<(&str, &str)> {
    const KEYWORDS: [&str; 4] = ["SET", "REMOVE", "ADD", "DELETE"];
    let bytes = expression.as_bytes();
    let mut starts = Vec::new();
    let mut depth = 0usize;
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            _ if depth == 0 && (index == 0 || !is_token_byte(bytes[index - 1])) => {
                let keyword = KEYWORDS.iter().find(|keyword| {
                    let end = index + keyword.len();
                    expression.get(index..end).is_some_and(|word| word.eq_ignore_ascii_case(keyword))
                        && bytes.get(end).is_none_or(|byte| !is_token_byte(*byte))
                        && (index == 0 || bytes[index - 1].is_ascii_whitespace())
                });
                if let Some(keyword) = keyword {
                    starts.push((index, keyword.len()));
                    index += keyword.len();
                    continue;
                }
            }
            _ => {}
        }
        index += 1;
    }
    starts
        .iter()
        .enumerate()
        .map(|(position, &(start, length))| {
            let end = starts.get(position + 1).map_or(expression.len(), |next| next.0);
            (&expression[start..start + length], expression[start + length..end].trim())
        })
        .collect()
}

/// `text` split at `separator` outside parentheses and brackets.
fn split_top_level(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (index, character) in text.char_indices() {
        match character {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if character == separator && depth == 0 => {
                parts.push(text[start..index].trim());
                start = index + character.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(text[start..].trim());
    parts.into_iter().filter(|part| !part.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::difference::DiffKind;
    use serde_json::json;
    use std::path::Path;

    fn snapshot(extra_audit: bool, cluster_id: &str) -> SideEffects {
        let mut effects = SideEffects::default();
        effects.record_write(
            "clusters",
            cluster_id,
            json!({"cluster_id": cluster_id, "status": "PENDING", "created_at": "2026-01-01T00:00:00Z"}),
        );
        effects.record_write("audit", &format!("{cluster_id}#0001"), json!({"event": "CREATED"}));
        if extra_audit {
            effects.record_write("audit", &format!("{cluster_id}#0002"), json!({"event": "CREATED"}));
        }
        effects.record_pipeline(&format!("eks-{cluster_id}"), json!({"stages": ["Source", "Build"]}));
        effects
    }

    #[test]
    fn equal_writes_match_after_id_translation() {
        let mut ids = IdMap::default();
        ids.insert("cand-2", "base-1");
        let comparison =
            diff_side_effects(&ParityRules::default(), &snapshot(false, "base-1"), &snapshot(false, "cand-2"), &ids);
        assert_eq!(comparison, Comparison::default());
    }

    #[test]
    fn an_extra_write_is_an_extra_item_at_its_key() {
        let comparison = diff_side_effects(
            &ParityRules::default(),
            &snapshot(false, "c1"),
            &snapshot(true, "c1"),
            &IdMap::default(),
        );
        let found: Vec<_> =
            comparison.differences.iter().map(|d| (d.path.to_string(), d.kind, side_effect_pattern(&d.path))).collect();
        assert_eq!(found, [("$.tables.audit['c1#0002']".to_owned(), DiffKind::Extra, "$.tables.audit.*".to_owned())]);
    }

    #[test]
    fn rules_normalise_side_effects_too() {
        let rules = ParityRules::parse(
            "[[ignore]]\nroute = \"side-effects\"\npath = \"$.tables.clusters.*.created_at\"\nreason = \"clock\"\n",
            Path::new("parity.toml"),
        )
        .expect("rules");
        let mut later = snapshot(false, "c1");
        later.record_write(
            "clusters",
            "c1",
            json!({"cluster_id": "c1", "status": "PENDING", "created_at": "2026-01-02T00:00:00Z"}),
        );
        let comparison = diff_side_effects(&rules, &snapshot(false, "c1"), &later, &IdMap::default());
        assert!(comparison.differences.is_empty(), "{comparison:?}");
        assert_eq!(comparison.fired, vec![0]);
    }

    fn put(request: u64, id: &str, item: Value, condition: Option<&str>) -> WriteCall {
        let key = serde_json::from_value(json!({"id": {"S": id}})).expect("key");
        WriteCall {
            request,
            part: 0,
            service: "dynamodb".into(),
            operation: "PutItem".into(),
            action: None,
            target: WriteTarget::Item { table: "t".into(), key, sort_key: None },
            parameters: json!({"Item": item}),
            condition: condition.map(str::to_owned),
            status: 200,
            error: None,
            arrived_us: request,
            answered_us: request + 1,
        }
    }

    fn with_writes(writes: Vec<WriteCall>) -> SideEffects {
        SideEffects { writes: Some(writes), ..SideEffects::default() }
    }

    fn sequence_findings(baseline: Vec<WriteCall>, candidate: Vec<WriteCall>) -> Vec<(String, DiffKind)> {
        let (comparison, counts) = diff_side_effects_and_writes(
            &ParityRules::default(),
            &with_writes(baseline),
            &with_writes(candidate),
            &IdMap::default(),
        );
        assert!(counts.is_some());
        comparison.differences.iter().map(|d| (d.path.to_string(), d.kind)).collect()
    }

    #[test]
    fn an_overwritten_first_value_parts_the_sequences_at_index_zero() {
        let item = |note: &str| json!({"id": {"S": "k"}, "note": {"S": note}});
        let baseline = vec![put(1, "k", item("final"), None)];
        let candidate = vec![put(1, "k", item("draft"), None), put(2, "k", item("final"), None)];
        assert_eq!(
            sequence_findings(baseline, candidate),
            [("$.writes.tables.t.k[0].written.note".to_owned(), DiffKind::Value)]
        );
    }

    #[test]
    fn a_write_without_its_condition_and_a_missing_write_are_found() {
        let item = json!({"id": {"S": "k"}});
        let guarded = vec![put(1, "k", item.clone(), Some("attribute_not_exists(#n0)"))];
        let found = sequence_findings(guarded.clone(), vec![put(1, "k", item.clone(), None)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "$.writes.tables.t.k[0].condition");
        let found = sequence_findings(guarded, Vec::new());
        assert_eq!(found, [("$.writes.tables.t.k[0]".to_owned(), DiffKind::Missing)]);
    }

    #[test]
    fn entities_are_compared_apart_so_interleaving_does_not_matter() {
        let item = |id: &str| json!({"id": {"S": id}});
        let baseline = vec![put(1, "a", item("a"), None), put(2, "b", item("b"), None)];
        let candidate = vec![put(1, "b", item("b"), None), put(2, "a", item("a"), None)];
        assert_eq!(sequence_findings(baseline, candidate), []);
    }

    #[test]
    fn generated_ids_are_translated_in_keys_and_items() {
        let mut ids = IdMap::default();
        ids.insert("cand-2", "base-1");
        let item = |id: &str| json!({"id": {"S": id}, "pipeline": {"S": format!("eks-{id}")}});
        let (comparison, counts) = diff_side_effects_and_writes(
            &ParityRules::default(),
            &with_writes(vec![put(1, "base-1", item("base-1"), None)]),
            &with_writes(vec![put(7, "cand-2", item("cand-2"), None)]),
            &ids,
        );
        assert_eq!(comparison, Comparison::default());
        let counts = counts.expect("both sides recorded");
        assert_eq!((counts.compared, counts.entities, counts.parted, counts.baseline.items), (1, 1, 0, 1));
    }

    #[test]
    fn names_and_values_are_put_in_place_and_plain_sets_join_the_item() {
        let mut call = put(1, "k", Value::Null, Some("attribute_exists(cluster_id) AND #a0 IN (:from0,  :from1)"));
        call.operation = "UpdateItem".into();
        call.parameters = json!({
            "Key": {"cluster_id": {"S": "k"}},
            "UpdateExpression": "SET #a0 = :v0, #a1 = :v1, n = if_not_exists(n, :zero) REMOVE old",
            "ExpressionAttributeNames": {"#a0": "status", "#a1": "updated_at"},
            "ExpressionAttributeValues": {
                ":v0": {"S": "DELETING"}, ":v1": {"S": "2026-01-01T00:00:00Z"}, ":zero": {"N": "0"},
                ":from0": {"S": "ACTIVE"}, ":from1": {"S": "FAILED"},
            },
        });
        let view = write_view(&call);
        assert_eq!(view.entity, ["tables", "t", "k"]);
        assert_eq!(
            view.document,
            json!({
                "operation": "UpdateItem", "status": 200, "error": null,
                "condition": "attribute_exists(cluster_id) AND status IN (\"ACTIVE\", \"FAILED\")",
                "update": "SET n = if_not_exists(n, 0) REMOVE old",
                "tables": {"t": {"k": {"cluster_id": "k", "status": "DELETING", "updated_at": "2026-01-01T00:00:00Z"}}},
            })
        );
    }

    fn audit(request: u64, event_key: &str, event: &str) -> WriteCall {
        let key =
            serde_json::from_value(json!({"cluster_id": {"S": "c"}, "event_key": {"S": event_key}})).expect("key");
        let mut call = put(
            request,
            "c",
            json!({"cluster_id": {"S": "c"}, "event_key": {"S": event_key}, "event": {"S": event}}),
            None,
        );
        call.target = WriteTarget::Item { table: "audit".into(), key, sort_key: Some("event_key".into()) };
        call
    }

    #[test]
    fn items_of_one_partition_are_ordered_by_sort_key_so_concurrent_writes_match() {
        let baseline = vec![audit(1, "t1#aa", "REQUESTED"), audit(2, "t2#bb", "STARTED")];
        let concurrent = vec![audit(1, "t2#cc", "STARTED"), audit(2, "t1#dd", "REQUESTED")];
        let rules = ParityRules::parse(
            "[[normalise]]\nroute = \"side-effects\"\nregex = '#[a-z]{2}$'\nreplacement = \"#x\"\npath = \"$.tables.audit.*[*].event_key\"\nreason = \"random\"\n",
            Path::new("parity.toml"),
        )
        .expect("rules");
        let (comparison, counts) = diff_side_effects_and_writes(
            &rules,
            &with_writes(baseline.clone()),
            &with_writes(concurrent),
            &IdMap::default(),
        );
        assert_eq!(comparison.differences, [], "the rule for the final state's sort key applies here too");
        assert_eq!(counts.map(|counts| counts.compared), Some(2));
        // Two writes of one item keep their order.
        let mut rewritten = baseline[0].clone();
        rewritten.request = 3;
        rewritten.parameters["Item"]["event"] = json!({"S": "AGAIN"});
        let found =
            sequence_findings(vec![baseline[0].clone(), rewritten.clone()], vec![rewritten, baseline[0].clone()]);
        assert_eq!(found[0].0, "$.writes.tables.audit.c[0].written.event", "{found:?}");
    }

    #[test]
    fn write_findings_group_by_table_whatever_the_key() {
        let path = write_path(
            &["tables".into(), "audit".into(), "c-1".into()],
            true,
            3,
            &JsonPath::root().key("tables").key("audit").key("c-1").index(0).key("event"),
        );
        assert_eq!(path.to_string(), "$.writes.tables.audit.c-1[3].written.event");
        assert_eq!(side_effect_pattern(&path), "$.writes.tables.audit.*[*].written.event");
    }
}
