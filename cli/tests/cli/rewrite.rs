//! `cutover package` as a user runs it: the real binary, the project's own functions. No
//! musl release build here (that takes minutes): `package` is checked through its
//! `--dry-run` plan. (`cutover bench rewrite` is tested in `bench.rs`.)

use crate::support;
use std::path::PathBuf;

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
    // Every function crate of the workspace: the platform's and the example's.
    expected.push("orders".to_string());
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
