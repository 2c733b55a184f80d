//! The dependency rules of docs/ARCHITECTURE.md, checked on the workspace's real manifests
//! (`cargo metadata`), so a shortcut that breaks them fails here instead of in review.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

use crate::support;

/// Crate name → the names of its normal (non-dev) dependencies.
fn workspace_dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(support::repo_root())
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&output.stderr));
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    packages
        .iter()
        .map(|package| {
            let name = package["name"].as_str().expect("name").to_string();
            let dependencies = package["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .filter(|dependency| dependency["kind"].is_null())
                .map(|dependency| dependency["name"].as_str().expect("dependency name").to_string())
                .collect();
            (name, dependencies)
        })
        .collect()
}

const TOOL_CRATES: [&str; 10] = [
    "cutover",
    "parity",
    "canary",
    "reports",
    "bench",
    "corpus",
    "emulator",
    "aws-settings",
    "lambda-metrics",
    "atomic-file",
];

#[test]
fn dependencies_flow_one_way() {
    let crates = workspace_dependencies();
    for crate_name in
        ["cutover", "parity", "canary", "reports", "emulator", "cluster-domain", "aws-settings", "lambda-metrics"]
    {
        assert!(crates.contains_key(crate_name), "{crate_name} is a workspace member");
    }
    let function_crates: Vec<&String> = crates.keys().filter(|name| !TOOL_CRATES.contains(&name.as_str())).collect();
    assert!(function_crates.len() >= 11, "the eight functions and their three shared crates: {function_crates:?}");

    let mut broken = Vec::new();
    for (crate_name, dependencies) in &crates {
        let forbidden: &[&str] = match crate_name.as_str() {
            // Nothing depends on the binary; the engine never depends on the tools above it.
            "emulator" => &["cutover", "parity", "canary", "reports", "bench", "corpus"],
            "parity" | "canary" | "reports" | "bench" | "corpus" => &["cutover"],
            // The shared plumbing is a leaf of the tool side.
            "aws-settings" | "lambda-metrics" | "atomic-file" => {
                &["cutover", "parity", "canary", "reports", "bench", "corpus", "emulator"]
            }
            "cutover" => &[],
            // functions/* never depend on tool crates.
            _ => &TOOL_CRATES,
        };
        for dependency in dependencies {
            if forbidden.contains(&dependency.as_str()) {
                broken.push(format!("{crate_name} -> {dependency}"));
            }
        }
    }
    // The domain crate knows no SDK and no Lambda runtime.
    for dependency in &crates["cluster-domain"] {
        if dependency.starts_with("aws-") || dependency.starts_with("aws_") || dependency.starts_with("lambda") {
            broken.push(format!("cluster-domain -> {dependency}"));
        }
    }
    assert!(broken.is_empty(), "dependencies against docs/ARCHITECTURE.md: {broken:?}");
}
