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
