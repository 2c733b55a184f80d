//! `cutover package` and `cutover bench rewrite` as a user runs them: the real binary, the
//! project's own config, corpus and functions. No musl release build here (that takes
//! minutes): `package` is checked through its `--dry-run` plan, and the bench runs the
//! Rust side from a debug build of one function.
//!
//! Needs the project venv (`scripts/setup-python.sh`): `$CUTOVER_VENV` or `<repo>/.venv`.

use crate::support;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

#[test]
fn package_dry_run_prints_the_cargo_command_and_the_outputs_without_building() {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let output = support::cutover()
        .args(["package", "--format", "json", "--dry-run", "create-cluster", "get-cluster", "--out-dir"])
        .arg(out_dir.path())
        .output()
        .expect("runs");
    let plan = support::json_stdout(&output);
    assert_eq!(plan["arch"], "x86_64");
    assert_eq!(plan["target"], "x86_64-unknown-linux-musl");
    let command: Vec<&str> =
        plan["cargo_command"].as_array().expect("a list").iter().filter_map(Value::as_str).collect();
    assert!(command[0].ends_with("cargo"), "{command:?}");
    assert_eq!(
        &command[1..],
        [
            "build",
            "--profile",
            "release-lambda",
            "--target",
            "x86_64-unknown-linux-musl",
            "-p",
            "create-cluster",
            "-p",
            "get-cluster"
        ]
    );
    let packages = plan["packages"].as_array().expect("a list");
    assert_eq!(packages.len(), 2);
    assert_eq!(packages[0]["function"], "create-cluster");
    let path = |key: &str| PathBuf::from(packages[0][key].as_str().expect("a path"));
    assert_eq!(path("bootstrap"), out_dir.path().join("create-cluster/bootstrap"));
    assert_eq!(path("zip"), out_dir.path().join("create-cluster.zip"));
    assert!(path("binary").ends_with("x86_64-unknown-linux-musl/release-lambda/create-cluster"));
    // A plan builds nothing and writes nothing.
    assert_eq!(std::fs::read_dir(out_dir.path()).expect("list").count(), 0);
}

#[test]
fn package_all_for_arm64_plans_every_function_crate_for_aarch64() {
    let output = support::cutover()
        .args(["package", "--format", "json", "--dry-run", "--all", "--arch", "arm64"])
        .output()
        .expect("runs");
    let plan = support::json_stdout(&output);
    assert_eq!(plan["target"], "aarch64-unknown-linux-musl");
    let functions: Vec<&str> = plan["packages"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|package| package["function"].as_str())
        .collect();
    let mut expected: Vec<String> = std::fs::read_dir(support::repo_root().join("functions"))
        .expect("functions/")
        .filter_map(Result::ok)
        .filter(|entry| entry.path().join("src/main.rs").is_file())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    expected.sort();
    assert_eq!(functions, expected);
    assert!(functions.contains(&"create-cluster") && !functions.contains(&"cluster-domain"));
    assert!(plan["packages"][0]["zip"].as_str().expect("a path").contains("/lambda/arm64/"));
}

#[test]
fn package_refuses_a_name_that_is_no_function_crate() {
    let output = support::cutover().args(["package", "--dry-run", "cluster-domain"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cluster-domain: not a function crate"), "{stderr}");
}

#[test]
fn bench_rewrite_measures_both_sides_of_one_function_on_the_corpus() {
    // The Rust side from a debug build: timings are not the point here, the shape is.
    let status = Command::new(env!("CARGO"))
        .current_dir(support::repo_root())
        .args(["build", "--quiet", "-p", "validate-cluster-spec"])
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build -p validate-cluster-spec failed");
    let bootstrap_dir = PathBuf::from(env!("CARGO_BIN_EXE_cutover")).parent().expect("target/debug").to_path_buf();
    let no_zips = tempfile::tempdir().expect("tempdir");

    let output = support::cutover()
        .current_dir(support::repo_root())
        .args(["bench", "--format", "json", "rewrite", "--function", "validate-cluster-spec", "--iterations", "2"])
        .arg("--bootstrap-dir")
        .arg(&bootstrap_dir)
        .arg("--zip-dir")
        .arg(no_zips.path())
        .output()
        .expect("runs");
    let result = support::json_stdout(&output);
    assert_eq!(result["iterations"], 2);
    let functions = result["functions"].as_array().expect("a list");
    assert_eq!(functions.len(), 1, "only the asked function is reported");
    let bench = &functions[0];
    assert_eq!(bench["function"], "validate-cluster-spec");
    let events = result["events_per_iteration"].as_u64().expect("a count");
    assert!(events > 10, "the corpus has many validate records: {events}");
    for side in ["python", "rust"] {
        let figures = &bench[side];
        assert_eq!(figures["invocations"].as_u64(), Some(2 * events), "{side}");
        assert_eq!(figures["cold_starts"], 2, "one cold start per iteration: {side}");
        assert_eq!(figures["warm_invocations"].as_u64(), Some(2 * events - 2), "{side}");
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
    assert!(bench["rust"]["package_zip_bytes"].is_null());
    assert!(bench["ratios"]["package"].is_null());
    assert!(bench["ratios"]["cold_start"]["value"].as_f64().is_some());
    assert_eq!(bench["ratios"]["warm_p50"]["target"], Value::Null, "the warm target is create-cluster's alone");
    let distributions: Vec<&str> = result["python_dependencies"]["distributions"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(distributions.iter().any(|name| name.starts_with("boto3==")), "{distributions:?}");
}
