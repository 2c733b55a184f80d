//! Parity benchmarks: diff throughput on realistic response pairs, replay overhead of the
//! harness itself, and peak memory while streaming a 100,000-record corpus.
//!
//! Run: `cargo bench -p parity --bench parity_throughput` (figures go to stdout; copy them
//! into docs/benchmarks.md). `PARITY_BENCH_RECORDS` overrides the corpus size;
//! `PARITY_BENCH_ONLY=<text>` runs only the throughput cases whose name contains the text
//! (for profiling one case) and skips the replay.
//!
//! Besides the synthetic pairs, the throughput part replays the recorded corpus
//! (`events/corpus.jsonl`) under the project's `parity.toml`: each recorded answer against
//! itself, and against a copy re-serialised the way a Rust rewrite built on serde_json
//! would write it (compact, UTF-8 rather than `\uXXXX`, keys in another order), which is
//! the realistic Python-vs-Rust cosmetic case.

use std::hint::black_box;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use parity::{
    Corpus, CorpusFilter, Outcome, ParityRules, RECORD_SCHEMA, Record, RecordedTarget, Replay, ReplaySettings,
    compare_outcomes,
};
use serde_json::{Map, Value, json};

/// serde_json formatter that writes like Python's `json.dumps` defaults: `", "` and `": "`
/// separators. (Non-ASCII escaping is applied afterwards by [`python_dumps`].)
struct PythonFormatter;

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> std::io::Result<()> {
        if first { Ok(()) } else { writer.write_all(b", ") }
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> std::io::Result<()> {
        if first { Ok(()) } else { writer.write_all(b", ") }
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        writer.write_all(b": ")
    }
}

fn python_dumps(value: &Value) -> String {
    let mut bytes = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, PythonFormatter);
    serde::Serialize::serialize(value, &mut serializer).expect("serialise");
    let text = String::from_utf8(bytes).expect("utf-8");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

const ENVIRONMENTS: [&str; 3] = ["dev", "staging", "prod"];

fn cluster(index: usize) -> Value {
    json!({
        "cluster_id": format!("0f8fad5b-d9cb-469f-a165-{index:012}"),
        "name": format!("payments-{index}"),
        "team": "équipe-paiements",
        "environment": ENVIRONMENTS[index % 3],
        "cluster_type": "general",
        "kubernetes_version": "1.29",
        "status": "ACTIVE",
        "node_groups": [{"name": "default", "instance_type": "m6i.large", "min_size": 3, "max_size": 6, "desired_size": 3}],
        "vpc": {"cidr": "10.0.0.0/16", "subnets": ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]},
        "tags": {"cost-center": "cc-1234", "owner": "team-payments@example.com", "data-classification": "internal"},
        "monthly_cost_estimate": 1234.5,
        "created_at": "2026-11-27T05:12:41.123456+00:00",
        "updated_at": "2026-11-27T05:12:41.123456+00:00",
        "pipeline_name": format!("eks-0f8fad5b-d9cb-469f-a165-{index:012}"),
    })
}

fn proxy(status: u16, body: String) -> Outcome {
    Outcome::Response(json!({
        "statusCode": status,
        "headers": {"Content-Type": "application/json", "X-Amzn-RequestId": "abc"},
        "body": body,
    }))
}

struct Pair {
    name: &'static str,
    baseline: Outcome,
    candidate: Outcome,
    route: &'static str,
}

fn pairs() -> Vec<Pair> {
    let list = json!({"items": (0..20).map(cluster).collect::<Vec<_>>(), "next_token": null, "count": 20});
    let violations: Vec<Value> = (0..40)
        .map(|i| json!({"code": format!("E{i:03}"), "field": format!("spec.node_groups[{i}].instance_type"), "message": format!("instance type m5.{i}xlarge is not allowed for a dev cluster"), "severity": "error"}))
        .collect();
    let validate = json!({"valid": false, "violations": violations});
    let mut validate_changed = validate.clone();
    validate_changed["violations"][17]["message"] = json!("instance type is not allowed");
    let mut get_other_ids = cluster(7);
    get_other_ids["cluster_id"] = json!("1f8fad5b-d9cb-469f-a165-000000000007");
    get_other_ids["created_at"] = json!("2026-11-28T01:02:03.000001+00:00");
    vec![
        Pair {
            name: "list-clusters, 20 clusters, identical bytes",
            baseline: proxy(200, python_dumps(&list)),
            candidate: proxy(200, python_dumps(&list)),
            route: "GET /clusters",
        },
        Pair {
            name: "list-clusters, 20 clusters, Python vs serde formatting (cosmetic)",
            baseline: proxy(200, python_dumps(&list)),
            candidate: proxy(200, serde_json::to_string(&list).expect("json")),
            route: "GET /clusters",
        },
        Pair {
            name: "validate, 40 violations, one message differs (mismatch)",
            baseline: proxy(400, python_dumps(&validate)),
            candidate: proxy(400, python_dumps(&validate_changed)),
            route: "POST /clusters/validate",
        },
        Pair {
            name: "get-cluster, ids and times differ, uuid+timestamp normalisers",
            baseline: proxy(200, python_dumps(&cluster(7))),
            candidate: proxy(200, serde_json::to_string(&get_other_ids).expect("json")),
            route: "GET /clusters/{cluster_id}",
        },
    ]
}

fn rules() -> ParityRules {
    ParityRules::parse(
        "[[normalise]]\nbuiltin = \"uuid\"\nreason = \"generated ids\"\n[[normalise]]\nbuiltin = \"timestamp\"\nreason = \"wall clock\"\n",
        Path::new("bench-parity.toml"),
    )
    .expect("rules")
}

fn throughput(rules: &ParityRules, pair: &Pair) -> f64 {
    let window = Duration::from_millis(700);
    let started = Instant::now();
    let mut done = 0u64;
    while started.elapsed() < window {
        for _ in 0..100 {
            black_box(compare_outcomes(rules, pair.route, &pair.baseline, &pair.candidate));
        }
        done += 100;
    }
    done as f64 / started.elapsed().as_secs_f64()
}

/// One recorded answer of the corpus, with the Rust-style copy of it.
struct CorpusPair {
    route: String,
    recorded: Outcome,
    /// The same answer in its own memory, as a second run would hold it.
    recorded_again: Outcome,
    rust_style: Outcome,
    body_bytes: usize,
}

/// The value with every object's keys sorted, as serde_json writes a `BTreeMap` or a
/// struct whose fields are declared in another order than Python's dict.
fn sorted_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(key, value)| (key.clone(), sorted_keys(value)))
                    .collect::<Map<String, Value>>(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted_keys).collect()),
        other => other.clone(),
    }
}

/// A recorded answer as a serde_json-based Rust rewrite would write the same data.
fn rust_style(outcome: &Outcome) -> Outcome {
    let Outcome::Response(response) = outcome else {
        return outcome.clone();
    };
    let mut rewritten = response.clone();
    match response.get("body").and_then(Value::as_str) {
        Some(body) if response.get("statusCode").is_some() => {
            if let Ok(data) = serde_json::from_str::<Value>(body) {
                rewritten["body"] = Value::String(serde_json::to_string(&sorted_keys(&data)).expect("json"));
            }
        }
        _ => rewritten = sorted_keys(response),
    }
    Outcome::Response(rewritten)
}

fn corpus_pairs() -> Vec<CorpusPair> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/corpus.jsonl");
    let text = std::fs::read_to_string(&path).expect("events/corpus.jsonl");
    text.lines()
        .map(|line| {
            let record: Record = serde_json::from_str(line).expect("corpus record");
            let recorded = record.recorded_outcome();
            let body_bytes = match &recorded {
                Outcome::Response(response) => response.get("body").and_then(Value::as_str).map_or(0, str::len),
                Outcome::FunctionError(_) => 0,
            };
            CorpusPair {
                route: record.route,
                rust_style: rust_style(&recorded),
                recorded_again: recorded.clone(),
                recorded,
                body_bytes,
            }
        })
        .collect()
}

fn project_rules() -> ParityRules {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../parity.toml");
    ParityRules::load(&path).expect("the project's parity.toml")
}

/// Pairs per second over the whole list, each pair compared in turn.
fn list_throughput(rules: &ParityRules, pairs: &[(&str, &Outcome, &Outcome)]) -> f64 {
    let window = Duration::from_millis(1500);
    let started = Instant::now();
    let mut done = 0u64;
    while started.elapsed() < window {
        for (route, baseline, candidate) in pairs {
            black_box(compare_outcomes(rules, route, baseline, candidate));
        }
        done += pairs.len() as u64;
    }
    done as f64 / started.elapsed().as_secs_f64()
}

fn corpus_throughput(quick: bool, only: Option<&str>) {
    let rules = project_rules();
    let pairs = corpus_pairs();
    let identical: Vec<_> =
        pairs.iter().map(|pair| (pair.route.as_str(), &pair.recorded, &pair.recorded_again)).collect();
    let rust: Vec<_> = pairs.iter().map(|pair| (pair.route.as_str(), &pair.recorded, &pair.rust_style)).collect();
    let mix: Vec<_> = identical.iter().chain(&rust).copied().collect();
    let mut tiers = std::collections::BTreeMap::<String, usize>::new();
    for (route, baseline, candidate) in &rust {
        let tier = compare_outcomes(&rules, route, baseline, candidate).tier();
        *tiers.entry(format!("{tier:?}").to_lowercase()).or_default() += 1;
    }
    let bodies: usize = pairs.iter().map(|pair| pair.body_bytes).sum();
    println!(
        "\n## corpus (events/corpus.jsonl, {} records, mean body {} B, max {} B; rules: parity.toml)",
        pairs.len(),
        bodies / pairs.len().max(1),
        pairs.iter().map(|pair| pair.body_bytes).max().unwrap_or(0)
    );
    println!("Python vs Rust-style tiers: {tiers:?}");
    for (name, list) in [
        ("corpus, each answer against itself", &identical),
        ("corpus, Python vs Rust-style re-serialisation", &rust),
        ("corpus mix (both, one after the other)", &mix),
    ] {
        if only.is_some_and(|only| !name.contains(only)) {
            continue;
        }
        let rate = if quick { 0.0 } else { list_throughput(&rules, list) };
        println!("{name:<66} {:>6} pairs  {rate:>10.0} pairs/s", list.len());
    }
}

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

fn write_corpus(path: &Path, records: usize) -> u64 {
    let file = std::fs::File::create(path).expect("create corpus");
    let mut writer = std::io::BufWriter::new(file);
    for index in 0..records {
        let cluster_id = format!("c-{index:08}");
        let body = python_dumps(&cluster(index % 1000));
        let record = json!({
            "schema": RECORD_SCHEMA,
            "id": format!("r{index:07}"),
            "function": "get-cluster",
            "source": "apigateway-rest",
            "route": "GET /clusters/{cluster_id}",
            "recorded_at": "2026-11-27T05:12:41.123456+00:00",
            "entity": cluster_id,
            "event": {
                "resource": "/clusters/{cluster_id}", "path": format!("/clusters/{cluster_id}"), "httpMethod": "GET",
                "headers": {"Accept": "application/json", "Authorization": "[REDACTED]"},
                "pathParameters": {"cluster_id": cluster_id}, "queryStringParameters": null, "body": null,
                "requestContext": {"requestId": format!("req-{index}"), "stage": "prod"}
            },
            "response": {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": body},
            "error": null,
            "duration_ms": 10.0 + (index % 50) as f64,
        });
        serde_json::to_writer(&mut writer, &record).expect("write");
        writer.write_all(b"\n").expect("newline");
    }
    writer.flush().expect("flush");
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and runs this
    // briefly, as a test that every case still compares.
    let quick = !std::env::args().any(|arg| arg == "--bench") || std::env::var_os("PARITY_BENCH_QUICK").is_some();
    let only = std::env::var("PARITY_BENCH_ONLY").ok();
    let rules = rules();
    println!("## diff throughput (one core, compare_outcomes per pair)");
    let mut total_rate = 0.0;
    let all = pairs();
    for pair in &all {
        if only.as_deref().is_some_and(|only| !pair.name.contains(only)) {
            continue;
        }
        let bytes = match &pair.baseline {
            Outcome::Response(response) => response["body"].as_str().map_or(0, str::len),
            Outcome::FunctionError(_) => 0,
        };
        let comparison = compare_outcomes(&rules, pair.route, &pair.baseline, &pair.candidate);
        let rate = if quick { 0.0 } else { throughput(&rules, pair) };
        total_rate += 1.0 / rate.max(1e-9);
        println!(
            "{:<66} body {:>6} B  tier {:<9} {:>10.0} pairs/s",
            pair.name,
            bytes,
            format!("{:?}", comparison.tier()).to_lowercase(),
            rate
        );
    }
    if !quick && only.is_none() {
        println!("{:<66} {:>34.0} pairs/s", "mix (one of each, harmonic mean)", all.len() as f64 / total_rate);
        // For scale: what parsing both bodies into serde_json::Value alone costs.
        if let (Outcome::Response(a), Outcome::Response(b)) = (&all[1].baseline, &all[1].candidate) {
            let (a, b) = (a["body"].as_str().unwrap_or(""), b["body"].as_str().unwrap_or(""));
            let started = Instant::now();
            let mut done = 0u64;
            while started.elapsed() < Duration::from_millis(500) {
                black_box(serde_json::from_str::<Value>(a).ok());
                black_box(serde_json::from_str::<Value>(b).ok());
                done += 1;
            }
            println!(
                "{:<66} {:>34.0} pairs/s",
                "(for scale: only parsing both 14 KB list bodies into Value)",
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
    }

    corpus_throughput(quick, only.as_deref());
    if only.is_some() {
        return;
    }

    let records: usize = std::env::var("PARITY_BENCH_RECORDS").ok().and_then(|n| n.parse().ok()).unwrap_or(if quick {
        2_000
    } else {
        100_000
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus_path = dir.path().join("corpus.jsonl");
    let started = Instant::now();
    let size = write_corpus(&corpus_path, records);
    println!(
        "\n## streaming replay: {records} records, {:.1} MB corpus (written in {:.1} s)",
        size as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let corpus = Corpus::open(&[&corpus_path]).expect("open corpus");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let baseline = RecordedTarget;
    let candidate = RecordedTarget;
    let replay = Replay {
        baseline: &baseline,
        candidate: &candidate,
        secondary: None,
        rules: &rules,
        settings: ReplaySettings { concurrency: 16, examples_per_signature: 3 },
    };
    let before = vm_hwm_kib();
    println!("VmHWM before replay: {before} KiB");
    let checkpoints = [records / 10, records / 4, records / 2, records];
    let started = Instant::now();
    let outcome = runtime
        .block_on(replay.run(corpus.records(CorpusFilter::default()), |done| {
            if checkpoints.contains(&done) {
                println!("VmHWM after {done:>7} records: {} KiB", vm_hwm_kib());
            }
        }))
        .expect("replay");
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "replayed {} records in {:.2} s: {:.0} records/s through read + schedule + compare + report (recorded vs recorded)",
        outcome.report.totals.total,
        elapsed,
        outcome.report.totals.total as f64 / elapsed
    );
    assert_eq!(outcome.report.totals.matched, records, "recorded against itself must match");
}
