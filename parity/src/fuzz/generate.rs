//! The mutants of a run, from the corpus and a seed alone.
//!
//! The kinds are taken in turns (each round of nine in an order shuffled by the seed), so
//! that any run of at least nine mutants has every kind that applies to the corpus. For
//! each mutant, a record the kind applies to is drawn, then where and how: a field of the
//! event or of the JSON document in its body (a coin decides which when both exist), found
//! by a random walk from the root that stops at each level with even odds, so top-level
//! fields and headers come up as often as deep ones. Everything is drawn from one
//! [`SplitMix64`] in a fixed order, over maps that keep their order: the same corpus and
//! seed give the same mutants in the same order on every machine.

use serde::Serialize;
use serde_json::{Value, json};

use super::mutation::{
    BODY_NUMBERS, BodyEncoding, Change, EVENT_NUMBERS, HeaderCase, JsonType, LONG_STRINGS, Mutation, MutationKind,
    NESTING_DEPTHS, UnicodeText, body_document,
};
use super::prng::SplitMix64;
use super::shape::EventShape;
use crate::path::{JsonPath, Segment};
use crate::record::Record;

/// One mutant: a mutation of one record of the corpus.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Mutant {
    /// Its position in the run, from 1.
    pub(crate) number: usize,
    /// The index of its record among the records the mutants were generated from.
    pub(crate) record: usize,
    pub(crate) mutation: Mutation,
}

/// Records drawn for a kind before the kind is given up for this run.
const RECORD_ATTEMPTS: usize = 32;

/// Up to `count` mutants of `records`, the same for the same records and seed. Fewer only
/// when no kind applies to any record.
pub(crate) fn generate_mutants(records: &[Record], seed: u64, count: usize) -> Vec<Mutant> {
    let mut rng = SplitMix64::new(seed);
    let applicable: Vec<Vec<usize>> = MutationKind::ALL
        .iter()
        .map(|&kind| (0..records.len()).filter(|&index| applies_to(kind, &records[index].event)).collect())
        .collect();
    let mut exhausted = [false; MutationKind::ALL.len()];
    let mut order: Vec<usize> = (0..MutationKind::ALL.len()).collect();
    let mut mutants = Vec::with_capacity(count);
    'mutants: while mutants.len() < count {
        let slot = mutants.len() % order.len();
        if slot == 0 {
            rng.shuffle(&mut order);
        }
        for offset in 0..order.len() {
            let kind_index = order[(slot + offset) % order.len()];
            if exhausted[kind_index] {
                continue;
            }
            let kind = MutationKind::ALL[kind_index];
            if let Some((record, mutation)) = plan_for(kind, records, &applicable[kind_index], &mut rng) {
                mutants.push(Mutant { number: mutants.len() + 1, record, mutation });
                continue 'mutants;
            }
            exhausted[kind_index] = true;
        }
        break;
    }
    mutants
}

/// A cheap first filter: could `kind` apply to this event at all?
fn applies_to(kind: MutationKind, event: &Value) -> bool {
    match kind {
        MutationKind::SwapHeaderCase => event
            .get("headers")
            .and_then(Value::as_object)
            .is_some_and(|headers| headers.keys().any(|name| name.chars().any(|c| c.is_ascii_alphabetic()))),
        MutationKind::BodyEncoding => event.get("body").is_some_and(Value::is_string),
        MutationKind::EventShape => event.get("httpMethod").is_some_and(Value::is_string),
        _ => match event {
            Value::Object(map) => !map.is_empty(),
            Value::Array(items) => !items.is_empty(),
            _ => false,
        },
    }
}

fn plan_for(
    kind: MutationKind,
    records: &[Record],
    applicable: &[usize],
    rng: &mut SplitMix64,
) -> Option<(usize, Mutation)> {
    if applicable.is_empty() {
        return None;
    }
    for _ in 0..RECORD_ATTEMPTS {
        let record = *rng.pick(applicable);
        if let Some(mutation) = plan(kind, &records[record].event, rng) {
            return Some((record, mutation));
        }
    }
    None
}

/// Plans one mutation of `kind` for `event`, or `None` when the draw found nothing to
/// change.
pub(crate) fn plan(kind: MutationKind, event: &Value, rng: &mut SplitMix64) -> Option<Mutation> {
    let event_level = |path: JsonPath, change: Change| Mutation { kind, path, in_body: false, change };
    match kind {
        MutationKind::SwapHeaderCase => {
            let headers = event.get("headers")?.as_object()?;
            let names: Vec<&String> = headers.keys().collect();
            let name = *rng.pick(&names);
            let cases: Vec<HeaderCase> = HeaderCase::ALL.into_iter().filter(|case| case.apply(name) != *name).collect();
            if cases.is_empty() {
                return None;
            }
            let case = *rng.pick(&cases);
            Some(event_level(JsonPath::root().key("headers").key(name), Change::HeaderCase { case }))
        }
        MutationKind::BodyEncoding => {
            let flagged = event.get("isBase64Encoded").and_then(Value::as_bool).unwrap_or(false);
            let encodings: Vec<BodyEncoding> = BodyEncoding::ALL
                .into_iter()
                .filter(|encoding| match encoding {
                    BodyEncoding::Base64 => !flagged,
                    BodyEncoding::Decoded => flagged,
                    BodyEncoding::FlagOnly => true,
                })
                .collect();
            let encoding = *rng.pick(&encodings);
            let mutation = event_level(JsonPath::root().key("body"), Change::Encoding { encoding });
            mutation.apply(event).map(|_| mutation)
        }
        MutationKind::EventShape => {
            let shape = *rng.pick(&EventShape::ALL);
            let mutation = event_level(JsonPath::root(), Change::Shape { shape });
            mutation.apply(event).map(|_| mutation)
        }
        _ => {
            let document = body_document(event);
            let body_first = document.is_some() && rng.chance(1, 2);
            let scopes = if body_first { [true, false] } else { [false, true] };
            for in_body in scopes {
                let root = match (in_body, &document) {
                    (false, _) => event,
                    (true, Some(document)) => document,
                    (true, None) => continue,
                };
                if let Some((path, change)) = plan_field(kind, root, in_body, rng) {
                    let path = if in_body {
                        path.iter().fold(JsonPath::root().key("body"), |path, segment| match segment {
                            Segment::Key(key) => path.key(key),
                            Segment::Index(index) => path.index(*index),
                        })
                    } else {
                        path.iter().fold(JsonPath::root(), |path, segment| match segment {
                            Segment::Key(key) => path.key(key),
                            Segment::Index(index) => path.index(*index),
                        })
                    };
                    return Some(Mutation { kind, path, in_body, change });
                }
            }
            None
        }
    }
}

/// The values an unknown field is given.
fn unknown_value(rng: &mut SplitMix64) -> Value {
    let values = [json!("surprise"), json!(42), json!(true), Value::Null, json!({"nested": [1, "two"]}), json!([])];
    rng.pick(&values).clone()
}

/// Where and how a field-level mutation of `kind` changes `root` (the event, or the body's
/// document).
fn plan_field(kind: MutationKind, root: &Value, in_body: bool, rng: &mut SplitMix64) -> Option<(Vec<Segment>, Change)> {
    match kind {
        MutationKind::DropField => {
            let path = pick_path(root, rng, &|path, _| matches!(path.last(), Some(Segment::Key(_))))?;
            Some((path, Change::Drop))
        }
        MutationKind::NullField => {
            let path = pick_path(root, rng, &|_, value| !value.is_null())?;
            Some((path, Change::Null))
        }
        MutationKind::ChangeType => {
            let path = pick_path(root, rng, &|_, _| true)?;
            let from = JsonType::of(lookup(root, &path)?);
            let targets: Vec<JsonType> =
                [JsonType::String, JsonType::Number, JsonType::Bool, JsonType::Object, JsonType::Array]
                    .into_iter()
                    .filter(|to| *to != from)
                    .collect();
            let to = *rng.pick(&targets);
            Some((path, Change::Retype { from, to }))
        }
        MutationKind::AddUnknownField => {
            let path = if root.is_object() && rng.chance(1, 3) {
                Vec::new()
            } else {
                pick_path(root, rng, &|_, value| value.is_object()).or_else(|| root.is_object().then(Vec::new))?
            };
            let (name, value) = match path.as_slice() {
                [Segment::Key(headers)] if !in_body && headers == "headers" => {
                    ("X-Fuzz-Unknown".to_owned(), json!("1"))
                }
                [Segment::Key(headers)] if !in_body && headers == "multiValueHeaders" => {
                    ("X-Fuzz-Unknown".to_owned(), json!(["1"]))
                }
                _ => ("fuzz_unknown_field".to_owned(), unknown_value(rng)),
            };
            if lookup(root, &path)?.get(&name).is_some() {
                return None;
            }
            Some((path, Change::AddField { name, value }))
        }
        MutationKind::Unicode => {
            let path = pick_path(root, rng, &|_, value| value.is_string())?;
            Some((path, Change::Unicode { text: *rng.pick(&UnicodeText::ALL) }))
        }
        MutationKind::HugeValue => {
            let first = rng.below(3);
            for variant in (0..3).map(|offset| (first + offset) % 3) {
                let planned = match variant {
                    0 => pick_path(root, rng, &|_, value| value.is_string())
                        .map(|path| (path, Change::LongString { length: *rng.pick(&LONG_STRINGS) })),
                    1 => {
                        let numbers_first = rng.chance(2, 3);
                        let path =
                            if numbers_first { pick_path(root, rng, &|_, value| value.is_number()) } else { None };
                        let path = path.or_else(|| {
                            pick_path(root, rng, &|_, value| {
                                !value.is_null() && !value.is_object() && !value.is_array()
                            })
                        });
                        let numbers: &[&str] = if in_body { &BODY_NUMBERS } else { &EVENT_NUMBERS };
                        path.map(|path| (path, Change::BigNumber { number: (*rng.pick(numbers)).to_owned() }))
                    }
                    _ => pick_path(root, rng, &|_, _| true)
                        .map(|path| (path, Change::Nesting { depth: *rng.pick(&NESTING_DEPTHS) })),
                };
                if planned.is_some() {
                    return planned;
                }
            }
            None
        }
        MutationKind::SwapHeaderCase | MutationKind::BodyEncoding | MutationKind::EventShape => None,
    }
}

fn lookup<'v>(root: &'v Value, path: &[Segment]) -> Option<&'v Value> {
    let mut current = root;
    for segment in path {
        current = match segment {
            Segment::Key(key) => current.get(key.as_str())?,
            Segment::Index(index) => current.get(*index)?,
        };
    }
    Some(current)
}

type Eligible<'a> = dyn Fn(&[Segment], &Value) -> bool + 'a;

/// A path (not the root) whose value `eligible` accepts, by a random walk: at each level
/// a child leading to an eligible path is drawn uniformly, and the walk stops there with
/// even odds when the child is eligible itself and has eligible descendants.
fn pick_path(root: &Value, rng: &mut SplitMix64, eligible: &Eligible<'_>) -> Option<Vec<Segment>> {
    let mut paths = Vec::new();
    collect(root, &mut Vec::new(), eligible, &mut paths);
    if paths.is_empty() {
        return None;
    }
    let mut candidates: Vec<&Vec<Segment>> = paths.iter().collect();
    let mut depth = 0;
    loop {
        let mut children: Vec<&Segment> = Vec::new();
        for path in &candidates {
            if let Some(segment) = path.get(depth)
                && children.last() != Some(&segment)
                && !children.contains(&segment)
            {
                children.push(segment);
            }
        }
        let child = (*rng.pick(&children)).clone();
        candidates.retain(|path| path.get(depth) == Some(&child));
        depth += 1;
        let ends_here = candidates.iter().any(|path| path.len() == depth);
        let goes_deeper = candidates.iter().any(|path| path.len() > depth);
        if ends_here && (!goes_deeper || rng.chance(1, 2)) {
            return candidates.into_iter().find(|path| path.len() == depth).cloned();
        }
        candidates.retain(|path| path.len() > depth);
    }
}

fn collect(value: &Value, path: &mut Vec<Segment>, eligible: &Eligible<'_>, out: &mut Vec<Vec<Segment>>) {
    if !path.is_empty() && eligible(path, value) {
        out.push(path.clone());
    }
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                path.push(Segment::Key(key.clone()));
                collect(child, path, eligible, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                path.push(Segment::Index(index));
                collect(child, path, eligible, out);
                path.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RECORD_SCHEMA;

    fn record(id: &str, event: Value) -> Record {
        Record {
            schema: RECORD_SCHEMA.into(),
            id: id.into(),
            function: "f".into(),
            source: "apigateway-rest".into(),
            route: "POST /things".into(),
            recorded_at: "2026-11-27T05:12:41+00:00".into(),
            event,
            response: None,
            error: None,
            duration_ms: 0.0,
            scenario: None,
            entity: None,
            side_effects: None,
        }
    }

    fn small_corpus() -> Vec<Record> {
        let rest = |id: &str, body: &str| {
            record(
                id,
                json!({
                    "resource": "/things",
                    "path": "/things",
                    "httpMethod": "POST",
                    "headers": {"Content-Type": "application/json", "Idempotency-Key": "k-1"},
                    "multiValueHeaders": {"Content-Type": ["application/json"], "Idempotency-Key": ["k-1"]},
                    "queryStringParameters": null,
                    "pathParameters": null,
                    "requestContext": {"requestId": id, "identity": {"sourceIp": "198.51.100.1"}},
                    "body": body,
                    "isBase64Encoded": false,
                }),
            )
        };
        vec![
            rest("r1", r#"{"name": "a", "nodes": 3, "tags": {"team": "x"}}"#),
            rest("r2", r#"{"name": "bb", "items": [1, 2.5, "three"]}"#),
            record("r3", json!({"detail-type": "x", "detail": {"state": "STARTED", "n": 1}})),
        ]
    }

    /// FNV-1a over the mutants and the events they make: a pin that the generator's output
    /// is the same on every machine and every Rust version.
    fn fingerprint(records: &[Record], mutants: &[Mutant]) -> u64 {
        let mut hash: u64 = 0xCBF2_9CE4_8422_2325;
        for mutant in mutants {
            let event = mutant.mutation.apply(&records[mutant.record].event);
            let text = serde_json::to_string(&(mutant, event)).expect("serialisable");
            for byte in text.bytes() {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0000_0100_0000_01B3);
            }
        }
        hash
    }

    #[test]
    fn a_seed_gives_the_same_mutants_every_time_and_another_seed_others() {
        let records = small_corpus();
        let first = generate_mutants(&records, 42, 60);
        assert_eq!(first.len(), 60);
        assert_eq!(first, generate_mutants(&records, 42, 60));
        assert_ne!(first, generate_mutants(&records, 43, 60));
        // A shorter run is a prefix of a longer one with the same seed.
        assert_eq!(generate_mutants(&records, 42, 10), first[..10]);
        // Pinned: the same output on every machine and Rust version. A deliberate change
        // of the generator changes this number, and says so in its commit.
        assert_eq!(fingerprint(&records, &first), PINNED_FINGERPRINT, "{:#x}", fingerprint(&records, &first));
    }

    const PINNED_FINGERPRINT: u64 = 0x0f1f_e79c_78ac_df7c;

    #[test]
    fn every_kind_comes_up_over_a_sample_of_the_project_corpus_and_every_mutant_changes_its_event() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../events/corpus.jsonl"))
            .expect("the project's corpus");
        let records: Vec<Record> =
            text.lines().step_by(4).map(|line| serde_json::from_str(line).expect("a record")).collect();
        let mutants = generate_mutants(&records, 7, 270);
        assert_eq!(mutants.len(), 270);
        for kind in MutationKind::ALL {
            let count = mutants.iter().filter(|mutant| mutant.mutation.kind == kind).count();
            assert!(count >= 25, "{kind}: {count} of 270");
        }
        let in_body = mutants.iter().filter(|mutant| mutant.mutation.in_body).count();
        assert!(in_body >= 20, "mutations inside JSON bodies: {in_body}");
        let shapes: std::collections::HashSet<String> = mutants
            .iter()
            .filter_map(|mutant| match &mutant.mutation.change {
                Change::Shape { shape } => Some(shape.as_str().to_owned()),
                _ => None,
            })
            .collect();
        assert_eq!(shapes.len(), EventShape::ALL.len(), "{shapes:?}");
        for mutant in &mutants {
            let original = &records[mutant.record].event;
            let mutated = mutant.mutation.apply(original).unwrap_or_else(|| panic!("applies: {mutant:?}"));
            assert_ne!(&mutated, original, "{}", mutant.mutation.describe());
        }
    }

    #[test]
    fn random_walks_reach_top_level_fields_and_deep_ones() {
        let event = small_corpus()[0].event.clone();
        let mut rng = SplitMix64::new(1);
        let mut depths = [0usize; 4];
        for _ in 0..200 {
            let path = pick_path(&event, &mut rng, &|_, _| true).expect("a path");
            depths[path.len().min(3)] += 1;
        }
        assert!(depths[1] > 50 && depths[2] > 10 && depths[3] > 3, "{depths:?}");
    }
}
