//! The replay engine end to end with in-memory targets: noise learned from a second
//! baseline run, ids mapped across sides, the recorded target, corpus errors.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use parity::{Corpus, CorpusFilter, DiffKind, Outcome, ParityRules, RecordedTarget, Replay, ReplaySettings, Tier};
use serde_json::{Value, json};

use crate::support::{FnTarget, ok_records, raw_response, record, response};

/// GET answers carry a per-invocation request id (noise); one candidate field differs.
fn noisy(
    counter: &'static AtomicUsize,
    prefix: &'static str,
    region: &'static str,
) -> impl Fn(&parity::Record, &Value, &mut Value, &mut parity::SideEffects) -> Outcome + Send + Sync {
    move |_, event, _, _| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let id = event["pathParameters"]["cluster_id"].as_str().unwrap_or("");
        response(200, &json!({"cluster_id": id, "request_id": format!("{prefix}-{n}"), "region": region}))
    }
}

#[tokio::test]
async fn noise_is_learned_from_a_second_baseline_run_and_listed() {
    static BASE: AtomicUsize = AtomicUsize::new(0);
    static SECOND: AtomicUsize = AtomicUsize::new(1000);
    static CAND: AtomicUsize = AtomicUsize::new(2000);
    let baseline = FnTarget::new("python", noisy(&BASE, "b", "eu-west-1"));
    let secondary = FnTarget::new("python-again", noisy(&SECOND, "s", "eu-west-1"));
    let candidate = FnTarget::new("rust", noisy(&CAND, "c", "eu-west-1"));
    let rules = ParityRules::default();
    let records: Vec<_> = (0..5)
        .map(|i| record(&format!("r{i}"), "GET /clusters/{cluster_id}", &format!("/clusters/c{i}"), None))
        .collect();
    let replay = Replay {
        baseline: &baseline,
        candidate: &candidate,
        secondary: Some(&secondary),
        rules: &rules,
        settings: ReplaySettings::default(),
    };
    let report = replay.run(ok_records(records.clone()), |_| {}).await.expect("replay").report;
    assert_eq!(report.totals.noise, 5);
    assert_eq!(report.totals.mismatch, 0);
    assert!(report.passed(0));
    assert_eq!(report.learned_noise.len(), 1);
    assert_eq!(report.learned_noise[0].path, "$.body.request_id");
    assert_eq!(report.learned_noise[0].occurrences, 5);
    assert_eq!(report.signatures[0].tier, Tier::Noise);

    // A real difference next to the noise is still a mismatch.
    static CAND2: AtomicUsize = AtomicUsize::new(3000);
    let other_region = FnTarget::new("rust", noisy(&CAND2, "c", "us-east-1"));
    let replay = Replay { candidate: &other_region, ..replay };
    let report = replay.run(ok_records(records), |_| {}).await.expect("replay").report;
    assert_eq!(report.totals.mismatch, 5);
    let tiers: Vec<_> = report.signatures.iter().map(|s| (s.path.as_str(), s.tier)).collect();
    assert_eq!(tiers, [("$.body.region", Tier::Mismatch), ("$.body.request_id", Tier::Noise)]);
}

/// Creates generate `<prefix>-<n>`; gets look the id up and note which ids they saw.
fn generating(
    prefix: &'static str,
) -> impl Fn(&parity::Record, &Value, &mut Value, &mut parity::SideEffects) -> Outcome + Send + Sync {
    move |record, event, state, _| match record.route.as_str() {
        "POST /clusters" => {
            let n = state["next"].as_u64().unwrap_or(1);
            state["next"] = json!(n + 1);
            let id = format!("{prefix}-{n}");
            state["clusters"][&id] = json!(true);
            response(201, &json!({"cluster_id": id, "pipeline": format!("eks-{id}")}))
        }
        _ => {
            let id = event["pathParameters"]["cluster_id"].as_str().unwrap_or("").to_owned();
            let seen = state["seen"].as_array().cloned().unwrap_or_default();
            state["seen"] = Value::Array(seen.into_iter().chain([json!(id.clone())]).collect());
            if state["clusters"].get(&id).is_some() {
                response(200, &json!({"cluster_id": id, "status": "PENDING"}))
            } else {
                response(404, &json!({"message": "not found"}))
            }
        }
    }
}

fn recorded_lifecycle() -> Vec<parity::Record> {
    let mut create = record("r1", "POST /clusters", "/clusters", Some(&json!({"name": "a"})));
    create.response = Some(json!({"statusCode": 201, "headers": {"Content-Type": "application/json"},
        "body": "{\"cluster_id\":\"rec-7\",\"pipeline\":\"eks-rec-7\"}"}));
    let mut get = record("r2", "GET /clusters/{cluster_id}", "/clusters/rec-7", None);
    get.response = Some(json!({"statusCode": 200, "headers": {"Content-Type": "application/json"},
        "body": "{\"cluster_id\":\"rec-7\",\"status\":\"PENDING\"}"}));
    vec![create, get]
}

#[tokio::test]
async fn ids_generated_differently_are_mapped_for_later_events_and_answers() {
    let baseline = FnTarget::new("python", generating("base"));
    let candidate = FnTarget::new("rust", generating("cand"));
    let rules = ParityRules::default();
    let replay = Replay {
        baseline: &baseline,
        candidate: &candidate,
        secondary: None,
        rules: &rules,
        settings: ReplaySettings { concurrency: 4, examples_per_signature: 3 },
    };
    let outcome = replay.run(ok_records(recorded_lifecycle()), |_| {}).await.expect("replay");
    assert_eq!(baseline.state.lock().expect("lock")["seen"], json!(["base-1"]));
    assert_eq!(candidate.state.lock().expect("lock")["seen"], json!(["cand-1"]));
    assert_eq!(outcome.report.totals.matched, 2, "{:#?}", outcome.report.signatures);
    assert_eq!(outcome.ids.candidate_to_baseline.get("cand-1"), Some("base-1"));
}

#[tokio::test]
async fn the_recorded_target_is_a_baseline_and_live_ids_map_to_recorded_ones() {
    let candidate = FnTarget::new("rust", generating("cand"));
    let rules = ParityRules::default();
    let replay = Replay {
        baseline: &RecordedTarget,
        candidate: &candidate,
        secondary: None,
        rules: &rules,
        settings: ReplaySettings::default(),
    };
    let report = replay.run(ok_records(recorded_lifecycle()), |_| {}).await.expect("replay").report;
    assert_eq!(candidate.state.lock().expect("lock")["seen"], json!(["cand-1"]));
    assert_eq!(report.totals.matched, 2, "{:#?}", report.signatures);
    assert_eq!(report.baseline, "recorded");
    let route = report.routes.iter().find(|r| r.route == "POST /clusters").expect("route");
    assert_eq!(route.baseline_latency.p50_ms.map(f64::round), Some(3.0), "recorded duration_ms");
}

#[tokio::test]
async fn a_bad_corpus_line_stops_the_replay_with_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("corpus.jsonl");
    let good = serde_json::to_string(&recorded_lifecycle()[0]).expect("json");
    let mut file = std::fs::File::create(&path).expect("create");
    writeln!(file, "{good}\n{{\"schema\": \"cutover.record/v1\", \"id\": 5}}").expect("write");
    let corpus = Corpus::open(&[&path]).expect("open");
    let rules = ParityRules::default();
    let replay = Replay {
        baseline: &RecordedTarget,
        candidate: &RecordedTarget,
        secondary: None,
        rules: &rules,
        settings: ReplaySettings::default(),
    };
    let error = replay.run(corpus.records(CorpusFilter::default()), |_| {}).await.expect_err("bad line");
    let chain = format!("{error}: {}", std::error::Error::source(&error).map(ToString::to_string).unwrap_or_default());
    assert!(chain.contains("corpus.jsonl:2:"), "{chain}");
}

#[tokio::test]
async fn python_and_serde_spellings_of_one_answer_are_cosmetic() {
    let rules = ParityRules::default();
    let python = "{\"owner\": \"Jos\\u00e9\", \"cost\": 12.0, \"tags\": [\"a\", \"b\"]}";
    let serde = "{\"owner\":\"José\",\"cost\":12,\"tags\":[\"a\",\"b\"]}";
    let comparison = parity::compare_outcomes(&rules, "GET /x", &raw_response(200, python), &raw_response(200, serde));
    let kinds: Vec<_> = comparison.differences.iter().map(|d| (d.path.to_string(), d.kind)).collect();
    assert_eq!(
        kinds,
        [
            ("$.body".to_owned(), DiffKind::Whitespace),
            ("$.body.cost".to_owned(), DiffKind::NumberSpelling),
            ("$.body.owner".to_owned(), DiffKind::Escaping),
        ]
    );
    assert_eq!(comparison.tier(), Tier::Cosmetic);
}

/// Creates generate `<prefix>-<n>`; a get answers the cluster or 404; a list answers every
/// id with a paging token that names the side (`<prefix>-page-<n>`).
fn generating_with_pages(
    prefix: &'static str,
) -> impl Fn(&parity::Record, &Value, &mut Value, &mut parity::SideEffects) -> Outcome + Send + Sync {
    let get = generating(prefix);
    move |record, event, state, writes| match record.route.as_str() {
        "GET /clusters" => {
            let ids: Vec<Value> = state["clusters"]
                .as_object()
                .map(|clusters| clusters.keys().map(|id| json!(id)).collect())
                .unwrap_or_default();
            let token = format!("{prefix}-page-{}", ids.len());
            response(200, &json!({"clusters": ids, "next_token": token}))
        }
        _ => get(record, event, state, writes),
    }
}

#[tokio::test]
async fn ids_map_without_a_recorded_answer_through_the_baselines_live_answer() {
    let rules = ParityRules::parse(
        r#"
[[id]]
route = "POST /clusters"
path = "$.body.cluster_id"
reason = "generated per side"
[[id]]
route = "GET /clusters"
path = "$.body.next_token"
reason = "the paging token names each side's last key"
"#,
        std::path::Path::new("parity.toml"),
    )
    .expect("rules");
    // A hand-written corpus: no record carries an answer; the create names its entity,
    // which the records after it use as the cluster id.
    let mut create = record("r1", "POST /clusters", "/clusters", Some(&json!({"name": "a"})));
    create.entity = Some("my-cluster".into());
    let records = vec![
        create,
        record("r2", "GET /clusters/{cluster_id}", "/clusters/my-cluster", None),
        record("r3", "GET /clusters", "/clusters", None),
    ];
    let baseline = FnTarget::new("python", generating_with_pages("base"));
    let secondary = FnTarget::new("python-again", generating_with_pages("again"));
    let candidate = FnTarget::new("rust", generating_with_pages("cand"));
    let replay = Replay {
        baseline: &baseline,
        candidate: &candidate,
        secondary: Some(&secondary),
        rules: &rules,
        settings: ReplaySettings::default(),
    };
    let outcome = replay.run(ok_records(records), |_| {}).await.expect("replay");
    let report = outcome.report;
    assert_eq!(
        (report.totals.matched, report.totals.noise, report.totals.mismatch),
        (3, 0, 0),
        "{:#?}",
        report.signatures
    );
    assert!(report.learned_noise.is_empty(), "{:?}", report.learned_noise);
    // The follow-up reached each side's own cluster (not a 404 on both sides).
    for (target, id) in [(&baseline.state, "base-1"), (&candidate.state, "cand-1"), (&secondary.state, "again-1")] {
        assert_eq!(target.lock().expect("lock")["seen"], json!([id]));
    }
    assert_eq!(outcome.ids.candidate_to_baseline.get("cand-1"), Some("base-1"));
    assert_eq!(outcome.ids.candidate_to_baseline.get("cand-page-1"), Some("base-page-1"));
}

/// A live side whose answer depends on the order it sees one entity's records in: each
/// `PUT /clusters/{id}` answers with the step it follows. Calls take a different time per
/// record, so a scheduler that let one entity's records overlap would let a later step
/// overtake an earlier one.
struct OrderSensitive {
    last_step: std::sync::Mutex<std::collections::HashMap<String, u64>>,
}

#[async_trait::async_trait]
impl parity::Target for OrderSensitive {
    fn name(&self) -> String {
        "order-sensitive".into()
    }

    async fn invoke(&self, record: &parity::Record, event: &Value) -> Result<parity::Observed, parity::TargetError> {
        let step: u64 = record.id.rsplit('-').next().and_then(|n| n.parse().ok()).unwrap_or_default();
        // Early steps are slow and late ones fast: the worst case for an unordered run.
        tokio::time::sleep(std::time::Duration::from_millis(50 - step * 9)).await;
        let cluster_id = event["pathParameters"]["cluster_id"].as_str().unwrap_or_default().to_owned();
        let previous = self.last_step.lock().expect("lock").insert(cluster_id.clone(), step);
        Ok(parity::Observed {
            outcome: response(200, &json!({"cluster_id": cluster_id, "step": step, "after": previous})),
            latency: std::time::Duration::from_millis(5),
        })
    }
}

#[tokio::test(start_paused = true)]
async fn records_of_one_entity_run_in_recorded_order_at_any_concurrency() {
    // Twelve clusters, five steps each, interleaved the way traffic interleaves.
    let mut records = Vec::new();
    for step in 1..=5u64 {
        for cluster in 1..=12 {
            let cluster_id = format!("c{cluster}");
            let mut put = record(
                &format!("{cluster_id}-{step}"),
                "PUT /clusters/{cluster_id}",
                &format!("/clusters/{cluster_id}"),
                Some(&json!({"step": step})),
            );
            let after = if step == 1 { Value::Null } else { json!(step - 1) };
            put.response = Some(json!({"statusCode": 200, "headers": {"Content-Type": "application/json"},
                "body": serde_json::to_string(&json!({"cluster_id": cluster_id, "step": step, "after": after})).expect("json")}));
            records.push(put);
        }
    }
    let total = records.len();
    let candidate = OrderSensitive { last_step: std::sync::Mutex::new(std::collections::HashMap::new()) };
    let rules = ParityRules::default();
    for concurrency in [1, 4, 16] {
        candidate.last_step.lock().expect("lock").clear();
        let replay = Replay {
            baseline: &RecordedTarget,
            candidate: &candidate,
            secondary: None,
            rules: &rules,
            settings: ReplaySettings { concurrency, examples_per_signature: 2 },
        };
        let report = replay.run(ok_records(records.clone()), |_| {}).await.expect("replay").report;
        assert_eq!(report.totals.total, total);
        assert_eq!(report.totals.matched, total, "concurrency {concurrency}: {:#?}", report.signatures);
    }
}
