//! One side's replay of the corpus on a fresh local stack, folded into histograms per
//! function as it goes.
//!
//! Ids a side generates (cluster ids, execution ids, paging tokens: the id paths of the
//! parity rules) are learned from each answer with parity's [`IdMap`] and put into later
//! events, exactly as `cutover parity` does for a live side, so a `GET /clusters/{id}`
//! reads the cluster this side created.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use emulator::{
    AwsCall, Config, CriticalPath, DurationHistogram, Emulator, EmulatorOptions, InvocationOutcome, LogSink,
    OutcomeStatus,
};
use parity::{CorpusFilter, FunctionError, IdMap, JsonPath, Outcome, PathPattern, Record};
use serde_json::Value;

use crate::BenchError;
use crate::plan::RewritePlan;

/// Which implementation a replay runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// The original, the reference.
    Python,
    /// The rewrite.
    Rust,
}

impl fmt::Display for Side {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Side::Python => "Python",
            Side::Rust => "Rust",
        })
    }
}

/// One measured invocation, as the tally reads it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Invocation<'a> {
    /// Present on a cold start.
    pub(crate) init: Option<Duration>,
    pub(crate) duration: Duration,
    pub(crate) max_memory_used_mb: u64,
    pub(crate) answered_like_recording: bool,
    /// The HTTP status, `returned` or `raised`.
    pub(crate) outcome: &'a str,
    /// The error type of a failure Lambda itself reports (out of memory, timeout, a crash,
    /// an oversized answer), as opposed to an error the handler raised.
    pub(crate) runtime_failure: Option<&'a str>,
    /// The AWS calls a proxy traced; `None` when no proxy stood in front of the back end.
    pub(crate) aws_calls: Option<&'a [AwsCall]>,
    /// Why the physics asked for were not enforced, when they were not.
    pub(crate) unthrottled: Option<&'a str>,
}

/// What one function did on one side over every iteration.
#[derive(Debug, Clone, Default)]
pub(crate) struct FunctionTally {
    /// Init Duration + the first Duration, per cold start.
    pub(crate) cold: DurationHistogram,
    pub(crate) init: DurationHistogram,
    pub(crate) warm: DurationHistogram,
    /// Warm durations per outcome: the HTTP status, `returned` or `raised`.
    pub(crate) warm_by_outcome: BTreeMap<String, DurationHistogram>,
    /// The exact sum of every invocation's Duration (init excluded, as CloudWatch's
    /// Duration metric): the histograms give percentiles, not means.
    pub(crate) duration_sum: Duration,
    /// Billed milliseconds summed per invocation by the reports crate's rule (rounded up
    /// per invocation), with INIT billed and without.
    pub(crate) billed_ms_with_init: u64,
    pub(crate) billed_ms_without_init: u64,
    pub(crate) peak_rss_mb: Option<u64>,
    pub(crate) invocations: usize,
    pub(crate) answered_like_recording: usize,
    /// Failures Lambda reports, by error type (`Runtime.OutOfMemory`, ...).
    pub(crate) runtime_failures: BTreeMap<String, u64>,
    /// Whether a proxy traced the AWS calls (a latency profile stood in front of moto).
    pub(crate) traced: bool,
    /// The critical path of each traced warm invocation.
    pub(crate) warm_paths: Vec<CriticalPath>,
    /// The first reason an invocation gave for running unthrottled.
    pub(crate) unthrottled: Option<String>,
}

impl FunctionTally {
    pub(crate) fn add(&mut self, invocation: Invocation<'_>) {
        let Invocation { init, duration, max_memory_used_mb, .. } = invocation;
        match init {
            Some(init) => {
                self.init.record(init);
                self.cold.record(init + duration);
            }
            None => {
                self.warm.record(duration);
                self.warm_by_outcome.entry(invocation.outcome.to_string()).or_default().record(duration);
                if let Some(calls) = invocation.aws_calls {
                    self.warm_paths.push(CriticalPath::of(calls));
                }
            }
        }
        self.duration_sum += duration;
        self.billed_ms_with_init += reports::bill::billed_ms(hundredths(duration), init.map(hundredths), true);
        self.billed_ms_without_init += reports::bill::billed_ms(hundredths(duration), None, false);
        self.peak_rss_mb = Some(self.peak_rss_mb.map_or(max_memory_used_mb, |peak| peak.max(max_memory_used_mb)));
        self.invocations += 1;
        self.answered_like_recording += usize::from(invocation.answered_like_recording);
        if let Some(error_type) = invocation.runtime_failure {
            *self.runtime_failures.entry(error_type.to_string()).or_default() += 1;
        }
        self.traced |= invocation.aws_calls.is_some();
        if self.unthrottled.is_none() {
            self.unthrottled = invocation.unthrottled.map(str::to_string);
        }
    }
}

/// A duration in hundredths of a millisecond, rounded up, as REPORT lines print them and
/// the reports crate's billing rule reads them.
fn hundredths(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros().div_ceil(10)).unwrap_or(u64::MAX)
}

/// The tallies of the measured functions on one side (or at one memory size), by function.
pub(crate) type Tallies = BTreeMap<String, FunctionTally>;

/// The records in order, on a fresh stack (its own moto server and sandboxes, started by
/// `config`, the plan's or one of a sweep's points), against one version of every
/// replayed function; the measured functions' invocations are added to `tallies`.
pub(crate) async fn replay_once(
    plan: &RewritePlan,
    config: &Config,
    version: &str,
    tallies: &mut Tallies,
) -> Result<(), BenchError> {
    let options = EmulatorOptions {
        logs: LogSink::Discard,
        routing_seed: None,
        serve_http: false,
        start_backend: true,
        ..EmulatorOptions::default()
    };
    let emulator = Emulator::start(config.clone(), options).await.map_err(BenchError::Start)?;
    // Only a latency profile puts a proxy in front of moto here (the bench records no
    // writes), so only then is an empty trace a function that made no AWS call.
    let traced: BTreeSet<&str> = config
        .functions
        .iter()
        .filter(|function| function.physics.latency_profile.is_some())
        .map(|function| function.name.as_str())
        .collect();
    let result = replay_records(plan, &emulator, &traced, version, tallies).await;
    emulator.shutdown().await;
    result
}

async fn replay_records(
    plan: &RewritePlan,
    emulator: &Emulator,
    traced: &BTreeSet<&str>,
    version: &str,
    tallies: &mut Tallies,
) -> Result<(), BenchError> {
    let mut ids = IdMap::default();
    for record in plan.corpus.records(CorpusFilter::default()) {
        let record = record?;
        if !plan.replayed.contains(&record.function) {
            continue;
        }
        let mut event = record.event.clone();
        ids.rewrite_event(&mut event);
        let payload = Bytes::from(serde_json::to_vec(&event).unwrap_or_default());
        let outcome = emulator.invoke(&record.function, Some(version), payload).await.map_err(|source| {
            BenchError::Invoke { function: record.function.clone(), version: version.to_string(), source }
        })?;
        if let OutcomeStatus::InitError { error_type } = &outcome.status {
            return Err(BenchError::InitFailed {
                function: record.function.clone(),
                version: version.to_string(),
                error_type: error_type.clone(),
                answer: String::from_utf8_lossy(&outcome.payload).into_owned(),
            });
        }
        let live = live_outcome(&outcome);
        learn_ids(&mut ids, &plan.rules.id_paths(&record.route), &record, &live);
        if plan.measured.contains(&record.function) {
            let label = outcome_label(&live);
            let runtime_failure = match &outcome.status {
                OutcomeStatus::Success | OutcomeStatus::FunctionError { .. } | OutcomeStatus::InitError { .. } => None,
                failure => failure.error_type(),
            };
            tallies.entry(record.function.clone()).or_default().add(Invocation {
                init: outcome.report.init_duration,
                duration: outcome.report.duration,
                max_memory_used_mb: outcome.report.max_memory_used_mb,
                answered_like_recording: answers_alike(&record, &live),
                outcome: &label,
                runtime_failure,
                aws_calls: traced.contains(record.function.as_str()).then_some(outcome.aws_calls.as_slice()),
                unthrottled: outcome.report.unthrottled.as_deref(),
            });
        }
    }
    Ok(())
}

/// The answer as parity compares it: the returned JSON, or the error document.
fn live_outcome(outcome: &InvocationOutcome) -> Outcome {
    if outcome.status.is_error() {
        return Outcome::FunctionError(serde_json::from_slice::<FunctionError>(&outcome.payload).unwrap_or_else(
            |_| FunctionError {
                error_type: outcome.status.error_type().unwrap_or("Unhandled").to_string(),
                error_message: String::from_utf8_lossy(&outcome.payload).into_owned(),
            },
        ));
    }
    Outcome::Response(serde_json::from_slice(&outcome.payload).unwrap_or(Value::Null))
}

/// Learns the ids this side generated. The reference ids are the recorded answer's; a
/// record with no answer (written by hand) has none, so this side's own answer is the
/// reference: its ids need no mapping, and an `entity` the record names stands for the
/// id it created, as in `cutover parity`.
fn learn_ids(ids: &mut IdMap, id_paths: &[PathPattern], record: &Record, live: &Outcome) {
    if id_paths.is_empty() {
        return;
    }
    if record.response.is_some() || record.error.is_some() {
        ids.learn_from_responses(id_paths, &record.recorded_outcome(), live);
    } else if let Some(entity) = &record.entity
        && let Some(id) = first_id(id_paths, live)
    {
        ids.insert(entity, &id);
    }
}

/// The id an answer's body holds at the first of `id_paths` that it has (a string at the
/// path itself, not below it), as parity's replay reads it.
fn first_id(id_paths: &[PathPattern], outcome: &Outcome) -> Option<String> {
    let Outcome::Response(response) = outcome else { return None };
    let body: Value = serde_json::from_str(response.get("body")?.as_str()?).ok()?;
    let mut leaves = Vec::new();
    string_leaves(&body, &JsonPath::root(), JsonPath::root().key("body"), &mut leaves);
    id_paths.iter().filter(|pattern| pattern.is_concrete()).find_map(|pattern| {
        leaves
            .iter()
            .find(|leaf| pattern.covers_path(&leaf.path) && !pattern.covers_path(&leaf.parent))
            .map(|leaf| leaf.text.to_string())
    })
}

struct StringLeaf<'v> {
    path: JsonPath,
    parent: JsonPath,
    text: &'v str,
}

fn string_leaves<'v>(value: &'v Value, parent: &JsonPath, path: JsonPath, out: &mut Vec<StringLeaf<'v>>) {
    match value {
        Value::String(text) => out.push(StringLeaf { path, parent: parent.clone(), text }),
        Value::Object(map) => map.iter().for_each(|(key, item)| string_leaves(item, &path, path.clone().key(key), out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(index, item)| string_leaves(item, &path, path.clone().index(index), out)),
        _ => {}
    }
}

/// The same kind of answer as recorded: raised or not, the same HTTP status, the same
/// `result` of an EventBridge handler. A sanity check that the replay exercised the paths
/// the recording did, not a parity check (that is `cutover parity`).
fn answers_alike(record: &Record, live: &Outcome) -> bool {
    match (live, &record.error, &record.response) {
        (Outcome::FunctionError(_), Some(_), _) => true,
        (Outcome::FunctionError(_), None, _) | (Outcome::Response(_), Some(_), _) => false,
        (Outcome::Response(live), None, Some(recorded)) => {
            ["statusCode", "result"].iter().all(|key| recorded.get(key) == live.get(key))
        }
        (Outcome::Response(_), None, None) => true,
    }
}

fn outcome_label(live: &Outcome) -> String {
    match live {
        Outcome::FunctionError(_) => "raised".to_string(),
        Outcome::Response(answer) => {
            answer.get("statusCode").map(Value::to_string).unwrap_or_else(|| "returned".to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(event: Value, response: Option<Value>, entity: Option<&str>) -> Record {
        Record {
            schema: parity::RECORD_SCHEMA.into(),
            id: "r1".into(),
            function: "create-cluster".into(),
            source: "apigateway-rest".into(),
            route: "POST /clusters".into(),
            recorded_at: "2026-01-01T00:00:00+00:00".into(),
            event,
            response,
            error: None,
            duration_ms: 1.0,
            scenario: None,
            entity: entity.map(str::to_string),
            side_effects: None,
        }
    }

    fn id_paths() -> Vec<PathPattern> {
        ["$.body.cluster_id", "$.body.pipeline_execution_id"].iter().map(|path| path.parse().expect("path")).collect()
    }

    #[test]
    fn warm_durations_are_split_by_outcome_and_cold_starts_left_out() {
        let ms = Duration::from_millis;
        let invocation =
            |init: Option<Duration>, duration: Duration, rss: u64, alike: bool, outcome: &'static str| Invocation {
                init,
                duration,
                max_memory_used_mb: rss,
                answered_like_recording: alike,
                outcome,
                runtime_failure: None,
                aws_calls: None,
                unthrottled: None,
            };
        let mut tally = FunctionTally::default();
        tally.add(invocation(Some(ms(50)), ms(9), 30, true, "201"));
        tally.add(invocation(None, ms(4), 31, true, "201"));
        tally.add(invocation(None, ms(1), 29, false, "422"));
        tally.add(Invocation {
            runtime_failure: Some("Runtime.OutOfMemory"),
            ..invocation(None, ms(6), 30, true, "201")
        });
        assert_eq!(tally.warm_by_outcome["201"].count(), 2);
        assert_eq!(tally.warm_by_outcome["422"].count(), 1);
        assert_eq!(tally.warm.count(), 3);
        assert_eq!((tally.cold.count(), tally.cold.maximum()), (1, Some(ms(59))), "init + the first duration");
        assert_eq!((tally.invocations, tally.answered_like_recording, tally.peak_rss_mb), (4, 3, Some(31)));
        assert_eq!(tally.duration_sum, ms(20), "every Duration, init left out: an exact mean");
        assert_eq!((tally.billed_ms_with_init, tally.billed_ms_without_init), (59 + 11, 9 + 11));
        assert_eq!(tally.runtime_failures["Runtime.OutOfMemory"], 1);
        assert!(!tally.traced && tally.warm_paths.is_empty(), "no proxy, no trace");
    }

    #[test]
    fn a_traced_warm_invocation_keeps_its_critical_path_even_without_calls() {
        let call = AwsCall {
            service: "s3".into(),
            operation: "PutObject".into(),
            start_us: 100,
            end_us: 1_100,
            added_us: 900,
            status: 200,
        };
        let mut tally = FunctionTally::default();
        let calls = [call];
        let traced = Invocation {
            init: None,
            duration: Duration::from_millis(3),
            max_memory_used_mb: 20,
            answered_like_recording: true,
            outcome: "200",
            runtime_failure: None,
            aws_calls: Some(&calls),
            unthrottled: Some("no writable cgroup"),
        };
        tally.add(traced);
        tally.add(Invocation { aws_calls: Some(&[]), unthrottled: None, ..traced });
        assert!(tally.traced);
        assert_eq!(tally.warm_paths.iter().map(|path| path.busy_us).collect::<Vec<_>>(), [1_000, 0]);
        assert_eq!(tally.unthrottled.as_deref(), Some("no writable cgroup"), "the first reason is kept");
    }

    #[test]
    fn generated_ids_are_learned_from_answers_and_put_into_later_events() {
        let mut ids = IdMap::default();
        let recorded =
            json!({"statusCode": 201, "body": r#"{"cluster_id":"a-1111","pipeline_execution_id":"e-1","name":"a"}"#});
        let live =
            json!({"statusCode": 201, "body": r#"{"cluster_id":"a-2222","pipeline_execution_id":"e-2","name":"a"}"#});
        learn_ids(&mut ids, &id_paths(), &record(json!({}), Some(recorded), None), &Outcome::Response(live));
        let mut event =
            json!({"path": "/clusters/a-1111", "detail": {"pipeline": "eks-a-1111", "execution-id": "e-1"}});
        ids.rewrite_event(&mut event);
        assert_eq!(
            event,
            json!({"path": "/clusters/a-2222", "detail": {"pipeline": "eks-a-2222", "execution-id": "e-2"}})
        );
    }

    #[test]
    fn a_record_without_an_answer_names_its_entity_after_the_id_this_side_created() {
        let mut ids = IdMap::default();
        let live = json!({"statusCode": 201, "body": r#"{"name":"a","cluster_id":"a-3333"}"#});
        learn_ids(&mut ids, &id_paths(), &record(json!({}), None, Some("first-cluster")), &Outcome::Response(live));
        assert_eq!(ids.get("first-cluster"), Some("a-3333"));
        let nested =
            Outcome::Response(json!({"body": r#"{"cluster_id":{"id":"a-5555"},"pipeline_execution_id":"e-5"}"#}));
        assert_eq!(first_id(&id_paths(), &nested).as_deref(), Some("e-5"), "a string below an id path is not the id");
        let mut unnamed = IdMap::default();
        let live = json!({"statusCode": 201, "body": r#"{"cluster_id":"a-4444"}"#});
        learn_ids(&mut unnamed, &id_paths(), &record(json!({}), None, None), &Outcome::Response(live));
        assert!(unnamed.is_empty(), "its own ids are the reference: nothing to map");
    }

    #[test]
    fn an_answer_is_alike_when_it_raised_as_recorded_or_has_the_recorded_status() {
        let created = record(json!({}), Some(json!({"statusCode": 201, "body": "{}"})), None);
        assert!(answers_alike(&created, &Outcome::Response(json!({"statusCode": 201, "body": "{\"x\":1}"}))));
        assert!(!answers_alike(&created, &Outcome::Response(json!({"statusCode": 500}))));
        let raised = FunctionError { error_type: "ValueError".into(), error_message: "no".into() };
        assert!(!answers_alike(&created, &Outcome::FunctionError(raised.clone())));
        let mut failed = created.clone();
        failed.error = Some(raised.clone());
        assert!(answers_alike(&failed, &Outcome::FunctionError(raised.clone())));
        assert_eq!(outcome_label(&Outcome::FunctionError(raised)), "raised");
        assert_eq!(outcome_label(&Outcome::Response(json!({"statusCode": 404}))), "404");
        assert_eq!(outcome_label(&Outcome::Response(json!({"result": "ok"}))), "returned");
    }
}
