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
        .output()
        .expect("runs");
    let result = support::json_stdout(&output);
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
    }
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
