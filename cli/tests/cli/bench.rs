//! `cutover bench rewrite` as a user runs it: the real binary, the project's config and
//! functions, a slice of the corpus. No release build here (that takes minutes): the Rust
//! side runs from a debug build of one function, given with `--bootstrap-dir`.
//!
//! Needs the project venv (`scripts/setup-python.sh`): `$CUTOVER_VENV` or `<repo>/.venv`.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::support;

#[test]
fn bench_rewrite_measures_both_sides_and_writes_the_usage_a_report_prices() {
    // The Rust side from a debug build: timings are not the point here, the shape is.
    let status = Command::new(env!("CARGO"))
        .current_dir(support::repo_root())
        .args(["build", "--quiet", "-p", "validate-cluster-spec"])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build -p validate-cluster-spec failed");
    let bootstrap_dir = PathBuf::from(env!("CARGO_BIN_EXE_cutover")).parent().expect("target/debug").to_path_buf();
    let folder = tempfile::tempdir().expect("tempdir");
    // Only validate's records, so only validate is replayed (and needs a binary).
    let corpus = std::fs::read_to_string(support::repo_root().join("events/corpus.jsonl")).expect("the corpus");
    let records: Vec<&str> =
        corpus.lines().filter(|line| line.contains(r#""function":"validate-cluster-spec""#)).take(12).collect();
    assert_eq!(records.len(), 12, "the corpus has validate records");
    let events = folder.path().join("validate.jsonl");
    std::fs::write(&events, records.join("\n")).expect("write the slice");
    let usage = folder.path().join("usage.json");
    let no_zips = folder.path().join("zips");
    std::fs::create_dir(&no_zips).expect("an empty zip folder");

    let output = support::cutover()
        .current_dir(support::repo_root())
        .args(["bench", "--format", "json", "rewrite", "--iterations", "2", "--events"])
        .arg(&events)
        .arg("--bootstrap-dir")
        .arg(&bootstrap_dir)
        .arg("--zip-dir")
        .arg(&no_zips)
        .arg("--usage-out")
        .arg(&usage)
        // The latency model alone: the calls are traced, no CPU is throttled (slow, and
        // not every host has writable cgroups).
        .args(["--latency-profile", "default"])
        .output()
        .expect("runs");
    let result = support::json_stdout(&output);
    let physics = &result["physics"];
    assert_eq!((physics["simulation"].as_bool(), physics["cpu_share"].as_bool()), (Some(true), Some(false)));
    assert_eq!(physics["latency_profile"]["file"], "default");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("cargo build"), "--bootstrap-dir skips the build step: {stderr}");
    assert_eq!((result["iterations"].as_u64(), result["events_per_iteration"].as_u64()), (Some(2), Some(12)));
    let functions = result["functions"].as_array().expect("a list");
    assert_eq!(functions.len(), 1, "the functions with records are measured");
    let bench = &functions[0];
    assert_eq!(bench["function"], "validate-cluster-spec");
    for side in ["python", "rust"] {
        let figures = &bench[side];
        assert_eq!(figures["invocations"], 24, "{side}");
        assert_eq!(figures["cold_starts"], 2, "one cold start per iteration: {side}");
        assert_eq!(figures["warm_invocations"], 22, "{side}");
        // Validation is pure: both sides answer every record with the recorded status.
        assert_eq!(figures["answered_like_recording"], figures["invocations"], "{side}");
        for key in ["cold_start_ms", "init_ms", "warm_p50_ms", "warm_p99_ms"] {
            let value = figures[key].as_f64().unwrap_or(-1.0);
            assert!(value > 0.0 && value < 30_000.0, "{side} {key} = {value}");
        }
        assert!(figures["warm_p99_ms"].as_f64() >= figures["warm_p50_ms"].as_f64(), "{side}");
        assert!(figures["peak_rss_mb"].as_u64().unwrap_or(0) > 0, "{side}");
        // Traced under the profile: validation makes no AWS call, which is not "no trace".
        let path = &figures["critical_path"];
        assert_eq!((path["invocations"].as_u64(), path["calls_p50"].as_u64()), (Some(22), Some(0)), "{side}");
    }
    // Each version at its own memory, as cutover.toml publishes them.
    assert_eq!((bench["python"]["memory_mb"].as_u64(), bench["rust"]["memory_mb"].as_u64()), (Some(512), Some(128)));
    let seed: Vec<&str> =
        bench["seed"].as_array().expect("the seed's rows").iter().filter_map(|row| row["figure"].as_str()).collect();
    assert_eq!(
        seed,
        ["memory_mb", "cold_start_ms", "package_mib", "average_duration_ms", "warm_p50_ms", "warm_p99_ms"]
    );
    assert_eq!(bench["seed"][0]["ratio"].as_f64(), Some(0.25), "128 / 512");
    // Python ships its dependencies; the Rust zip was not built for this run.
    let python_zip = bench["python"]["package_zip_bytes"].as_u64().expect("a Python package size");
    assert!(python_zip > 1_000_000, "boto3, pydantic and powertools are over 1 MB zipped: {python_zip}");
    assert!(bench["rust"]["package_zip_bytes"].is_null() && bench["ratios"]["package"].is_null());
    assert!(bench["ratios"]["cold_start"]["value"].as_f64().is_some());
    assert_eq!(bench["ratios"]["warm_p50"]["target"], Value::Null, "cutover.toml's [bench]: create-cluster's alone");
    assert!(result["percentile_bucket_error"].as_f64().is_some_and(|error| error > 0.0 && error < 0.1));

    // The usage file is what `cutover report --usage` prices.
    let output = support::cutover()
        .args(["report", "--format", "json", "--monthly-requests", "1000000", "--usage"])
        .arg(&usage)
        .output()
        .expect("runs");
    let report = support::json_stdout(&output);
    let priced = &report["functions"][0];
    assert_eq!(priced["function"], "validate-cluster-spec");
    assert_eq!((priced["before"]["cold_starts"].as_u64(), priced["after"]["cold_starts"].as_u64()), (Some(2), Some(2)));
    assert_eq!(report["provenance"]["source"]["kind"], "bench");
}

#[test]
fn bench_sweep_refuses_bad_flags_by_name_before_anything_runs() {
    let refused = |args: &[&str], expected: &str| {
        let output = support::cutover()
            .current_dir(support::repo_root())
            .args(["bench", "sweep"])
            .args(args)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: expected {expected:?} in {stderr}");
        assert!(!stderr.contains("cargo build"), "refused before building: {stderr}");
    };
    refused(&["no-such-function", "--memory", "128"], "<FUNCTION> no-such-function: not a function of the config");
    refused(&["validate-cluster-spec", "--memory", "128,64"], "--memory 64: outside Lambda's 128..=10240 MB");
    refused(&["validate-cluster-spec", "--memory", "128,lots"], "'--memory <MB,...>'");
    refused(&["validate-cluster-spec", "--memory", "128", "--slo-p99-ms", "0"], "--slo-p99-ms 0: an objective");
    refused(
        &["validate-cluster-spec", "--memory", "256,512", "--usage-out", "usage.json"],
        "--usage-out: the usage's before side is version 2 at its configured 128 MB, which --memory does not list",
    );
}
