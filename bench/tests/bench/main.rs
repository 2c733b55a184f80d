//! The whole engine on a tiny corpus through the emulator's Python fixture: what is
//! replayed, what is measured, and the usage a cost report prices from it.

use std::path::{Path, PathBuf};

use bench::{BenchTargets, Progress, RewriteOptions, RewritePlan, Side};
use parity::ParityRules;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn python() -> PathBuf {
    let venv = std::env::var_os("CUTOVER_VENV").map(PathBuf::from).unwrap_or_else(|| repo_root().join(".venv"));
    venv.join("bin/python")
}

/// `api` answers 201 (the fixture's API Gateway handler), `echo` returns its event; both
/// versions are the Python fixture, which is all the engine needs to measure two sides.
fn config() -> (String, emulator::Config) {
    let code = repo_root().join("emulator/tests/fixtures/python");
    let text = format!(
        r#"
[local]
python = "{python}"
region = "eu-west-1"

[[function]]
name = "echo"
[[function.version]]
version = "1"
python = {{ handler = "fixture_handlers.echo", code = "{code}" }}
[[function.version]]
version = "2"
python = {{ handler = "fixture_handlers.echo", code = "{code}" }}

[[function]]
name = "api"
memory_mb = 256
[[function.version]]
version = "1"
python = {{ handler = "fixture_handlers.api", code = "{code}" }}
[[function.version]]
version = "2"
python = {{ handler = "fixture_handlers.api", code = "{code}" }}

[bench]
warm_p50_functions = ["api"]
"#,
        python = python().display(),
        code = code.display()
    );
    let config = emulator::Config::parse(&text, Path::new("bench-test.toml"), &repo_root()).expect("valid config");
    (text, config)
}

fn record(id: &str, function: &str, route: &str, response: &str) -> String {
    format!(
        r#"{{"schema": "cutover.record/v1", "id": "{id}", "function": "{function}", "source": "other", "route": "{route}", "recorded_at": "2026-01-01T00:00:00+00:00", "event": {{"n": "{id}"}}, "response": {response}}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_replays_every_configured_record_measures_the_chosen_function_and_prices_as_usage() {
    let folder = tempfile::tempdir().expect("temporary folder");
    let events = folder.path().join("corpus.jsonl");
    let api_answer = r#"{"statusCode": 201, "body": "{}"}"#;
    let lines = [
        record("e1", "echo", "echo", r#"{"event": {}}"#),
        record("a1", "api", "POST /things", api_answer),
        record("g1", "ghost", "ghost", r#"{}"#),
        record("a2", "api", "POST /things", api_answer),
        record("e2", "echo", "echo", r#"{"event": {}}"#),
        record("a3", "api", "POST /things", api_answer),
    ];
    std::fs::write(&events, lines.join("\n")).expect("write corpus");
    let (text, config) = config();
    let targets = BenchTargets::from_toml(&text, Path::new("bench-test.toml"), &["echo", "api"]).expect("targets");
    let options = RewriteOptions {
        events: events.clone(),
        iterations: 2,
        python_version: "1".into(),
        rust_version: "2".into(),
        functions: vec!["api".into()],
        zip_dir: folder.path().to_path_buf(),
        physics: None,
    };
    let plan = RewritePlan::new(config, targets, ParityRules::default(), options).expect("plan");
    assert_eq!(plan.replayed_functions().collect::<Vec<_>>(), ["api", "echo"]);

    let mut replays = Vec::new();
    let result = bench::run_rewrite(&plan, |progress| {
        if let Progress::Replay { iteration, side, .. } = progress {
            replays.push((iteration, side));
        }
    })
    .await
    .expect("run");

    assert_eq!(replays, [(1, Side::Python), (1, Side::Rust), (2, Side::Python), (2, Side::Rust)], "sides take turns");
    assert_eq!((result.events_per_iteration, result.events_skipped), (5, 1), "echo's records replayed, ghost's not");
    assert_eq!(result.functions.len(), 1, "only api is measured");
    let api = &result.functions[0];
    for side in [&api.python, &api.rust] {
        assert_eq!((side.invocations, side.answered_like_recording), (6, 6), "3 records × 2 iterations, all 201");
        assert_eq!((side.cold_starts, side.warm_invocations), (2, 4), "one cold start per iteration");
        assert_eq!(side.warm_by_outcome["201"].warm_invocations, 4);
        // Equal when init and init + the first duration fall in one histogram bucket.
        assert!(side.cold_start_ms >= side.init_ms && side.init_ms > Some(0.0), "{side:?}");
        assert!(side.warm_p50_ms <= side.warm_p99_ms && side.warm_p50_ms > Some(0.0), "{side:?}");
        assert!(side.peak_rss_mb > Some(5), "a Python runtime: {side:?}");
        assert_eq!(side.package_zip_bytes, None, "no requirements.txt and no zip to size");
    }
    assert_eq!(result.targets.warm_p50_functions, ["api"]);
    assert_eq!(api.ratios.warm_p50.as_ref().and_then(|ratio| ratio.target), Some(0.2));
    assert!(api.ratios.package.is_none() && api.ratios.cold_start.is_some());

    // The usage file: what `cutover report --usage` reads, priced like any other.
    let generated_at = time::OffsetDateTime::now_utc();
    let usage = plan.usage(&result, "bench.json", generated_at).expect("usage");
    let usage_path = folder.path().join("usage.json");
    bench::write_usage_file(&usage_path, &usage).expect("write usage");
    let read_back = reports::read_usage_file(&usage_path).expect("a usage file the report reads");
    assert_eq!(read_back, usage);
    let from_bench_json = reports::usage_from_bench(
        &serde_json::to_string(&result).expect("JSON"),
        "bench.json",
        &usage_plans(&read_back),
        "eu-west-1",
        read_back.window,
    )
    .expect("the bench JSON as `cutover report --source local --bench` reads it");
    assert_eq!(from_bench_json, read_back, "one conversion, one format");
    let function = &read_back.functions[0];
    assert_eq!((function.function.as_str(), function.before.memory_mb, function.after.memory_mb), ("api", 256, 256));
    assert_eq!(function.before.sample.cold_starts(), 2);

    let settings =
        reports::ReportSettings { monthly_requests: Some(1_000_000.0), ..reports::ReportSettings::default() };
    let report =
        reports::build_report(&read_back, &reports::PriceTable::embedded(), &settings).expect("a priced report");
    assert!(report.inconclusive.is_empty(), "{:?}", report.inconclusive);
    let priced = &report.functions[0];
    assert_eq!(priced.before.cold_starts, 2);
    assert!(priced.before.per_million_compute_usd > 0.0 && priced.after.per_million_compute_usd > 0.0);
}

/// The plans a usage file implies, to read the bench JSON again the way `cutover report` does.
fn usage_plans(usage: &reports::UsageModel) -> Vec<reports::FunctionPlan> {
    let plan = |version: &reports::VersionUsage| reports::VersionPlan {
        version: version.version.clone(),
        runtime: version.runtime.clone(),
        architecture: version.architecture,
        package_type: version.package_type,
        memory_mb: Some(version.memory_mb),
    };
    usage
        .functions
        .iter()
        .map(|function| reports::FunctionPlan {
            function: function.function.clone(),
            api: function.api,
            before: plan(&function.before),
            after: plan(&function.after),
        })
        .collect()
}

/// `bench sweep` on the tiny corpus: every size measured under the CPU share and memory
/// limit, priced, the frontier drawn and the cheapest size meeting the objective picked;
/// its JSON and usage as `cutover report` reads them. Needs writable cgroups.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sweep_prices_every_size_draws_the_frontier_and_picks_the_cheapest_meeting_the_objective() {
    if let Err(reason) = emulator::physics_support() {
        eprintln!("skipped: the CPU share and memory limit cannot be enforced on this host ({reason})");
        return;
    }
    let folder = tempfile::tempdir().expect("temporary folder");
    let events = folder.path().join("corpus.jsonl");
    let api_answer = r#"{"statusCode": 201, "body": "{}"}"#;
    let lines = [
        record("e1", "echo", "echo", r#"{"event": {}}"#),
        record("a1", "api", "POST /things", api_answer),
        record("a2", "api", "POST /things", api_answer),
        record("a3", "api", "POST /things", api_answer),
    ];
    std::fs::write(&events, lines.join("\n")).expect("write corpus");
    let (_, config) = config();
    let options = bench::SweepOptions {
        function: "api".into(),
        version: "2".into(),
        events,
        iterations: 1,
        memory_sizes: vec![1769, 128, 256, 256],
        latency_profile: None,
        slo: Some(bench::Slo::WarmP99Ms(10_000.0)),
        priced_on: time::OffsetDateTime::now_utc().date(),
    };
    let plan = bench::SweepPlan::new(config, ParityRules::default(), options).expect("plan");
    assert_eq!(plan.memory_sizes(), [128, 256, 1769], "sorted, deduplicated");
    assert!(plan.bootstrap_functions().is_empty(), "the fixture's version 2 is Python: nothing to build");
    let result = bench::run_sweep(&plan, |_| {}).await.expect("sweep");
    let json = serde_json::to_value(&result).expect("JSON");

    assert!(json["physics"]["cpu_share"].as_bool() == Some(true) && json["physics"]["unthrottled"].is_null());
    assert_eq!(json["pricing"]["region"], "eu-west-1");
    assert!(json["pricing"]["prices_as_of"].as_str().is_some_and(|date| date.len() == 10), "{}", json["pricing"]);
    let points = json["points"].as_array().expect("points");
    assert_eq!(points.len(), 3);
    for point in points {
        assert_eq!((point["cold_starts"].as_u64(), point["warm_invocations"].as_u64()), (Some(1), Some(2)), "{point}");
        assert_eq!(point["verdict"]["kind"], "conclusive", "{point}");
        assert!(point["cost_per_million_usd"].as_f64().is_some_and(|usd| usd > 0.2), "requests alone are $0.20");
    }
    let cost = |memory_mb: u64| -> (f64, f64) {
        let point = points.iter().find(|point| point["memory_mb"] == memory_mb).expect("a point");
        (point["cost_per_million_usd"].as_f64().unwrap_or(f64::NAN), point["warm_p99_ms"].as_f64().unwrap_or(f64::NAN))
    };
    let frontier: Vec<u64> =
        json["frontier"].as_array().expect("a frontier").iter().filter_map(|mb| mb.as_u64()).collect();
    assert!(!frontier.is_empty());
    for point in points {
        let memory_mb = point["memory_mb"].as_u64().unwrap_or_default();
        let (own_cost, own_p99) = cost(memory_mb);
        let dominated = frontier.iter().any(|other| {
            let (other_cost, other_p99) = cost(*other);
            other_cost <= own_cost && other_p99 <= own_p99 && (other_cost < own_cost || other_p99 < own_p99)
        });
        assert_eq!(frontier.contains(&memory_mb), !dominated, "{memory_mb} MB: on the frontier iff undominated");
        assert_eq!(point["on_frontier"].as_bool(), Some(frontier.contains(&memory_mb)));
    }
    let cheapest = [128, 256, 1769].into_iter().min_by(|a, b| cost(*a).0.total_cmp(&cost(*b).0)).expect("a size");
    assert_eq!(json["recommendation"]["memory_mb"].as_u64(), Some(cheapest), "{}", json["recommendation"]);
    assert!(bench::render_sweep_table(&result).contains(&format!("recommended: {cheapest} MB")));

    // The usage: api's configured 256 MB before, the recommended size after.
    let usage = plan.usage(&result, "corpus.jsonl", time::OffsetDateTime::now_utc()).expect("usage");
    let function = &usage.functions[0];
    assert_eq!((function.before.memory_mb, u64::from(function.after.memory_mb)), (256, cheapest));
    assert_eq!(function.sweep.len(), 3, "every conclusive size");
    let report = reports::build_report(&usage, &reports::PriceTable::embedded(), &reports::ReportSettings::default())
        .expect("a priced report");
    assert_eq!(report.functions[0].sweep.len(), 3);
}
