//! `cutover parity fuzz` as a user runs it: two small Python handlers that part on one odd
//! input (found, with its smallest mutant) or agree (no finding), bad input (exit 2), and
//! the CI run the issue asks for: the project's Python functions against their Rust
//! rewrites on the corpus, a few hundred mutants of a fixed seed, no divergence.
//!
//! Needs the project venv (`scripts/setup-python.sh`) and, for the CI run, the Rust
//! function binaries next to the `cutover` binary (`cargo build --workspace --bins`;
//! `make test` does both).

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::support;

/// Version 1 reads `event["httpMethod"]` (a `KeyError` when it is missing), version 2
/// answers 400 unless it is a string, version 3 is version 1 again. Versions 4 and 5 are
/// 1 and 2 as reads whose answer carries each side's own `first` entry.
const HANDLERS: &str = r#"
import json
import os


def _answer(method):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps({"method": method})}


def strict(event, context):
    return _answer(event["httpMethod"])


def lenient(event, context):
    method = event.get("httpMethod")
    if not isinstance(method, str):
        return {"statusCode": 400, "headers": {"Content-Type": "application/json"}, "body": json.dumps({"message": "no method"})}
    return _answer(method)


# A listing whose first entry is each side's own (a list ordered by keys that end in
# random hex): the two sides part on it whatever the event.
FIRST = os.urandom(4).hex()


def listing(event, context):
    return {"statusCode": 200, "body": json.dumps({"first": FIRST, "method": event["httpMethod"]})}


def listing_lenient(event, context):
    if not isinstance(event.get("httpMethod"), str):
        return {"statusCode": 400, "body": json.dumps({"message": "no method"})}
    return {"statusCode": 200, "body": json.dumps({"first": FIRST, "method": event["httpMethod"]})}
"#;

fn write_handlers(folder: &Path) -> PathBuf {
    let code = folder.join("code");
    std::fs::create_dir_all(&code).expect("code folder");
    std::fs::write(code.join("method_handlers.py"), HANDLERS).expect("write handlers");
    let text = format!(
        r#"
[local]
python = "{python}"
lambda_api = "127.0.0.1:0"

[[function]]
name = "methods"
[[function.version]]
version = "1"
python = {{ handler = "method_handlers.strict", code = "{code}" }}
[[function.version]]
version = "2"
python = {{ handler = "method_handlers.lenient", code = "{code}" }}
[[function.version]]
version = "3"
python = {{ handler = "method_handlers.strict", code = "{code}" }}
[[function.version]]
version = "4"
python = {{ handler = "method_handlers.listing", code = "{code}" }}
[[function.version]]
version = "5"
python = {{ handler = "method_handlers.listing_lenient", code = "{code}" }}
"#,
        python = support::python().display(),
        code = code.display()
    );
    let path = folder.join("cutover.toml");
    std::fs::write(&path, text).expect("write config");
    path
}

/// Three REST records of `methods`, their bodies of three sizes (plain text, so that
/// every mutation lands in the event itself).
fn write_corpus(folder: &Path) -> PathBuf {
    let lines: Vec<String> = [("r-large", 3000), ("r-small", 10), ("r-medium", 500)]
        .into_iter()
        .map(|(id, body_length)| {
            serde_json::json!({
                "schema": "cutover.record/v1", "id": id, "function": "methods",
                "source": "apigateway-rest", "route": "POST /methods", "recorded_at": "2026-11-27T05:12:41+00:00",
                "event": {
                    "httpMethod": "POST",
                    "path": "/methods",
                    "headers": {"Content-Type": "text/plain"},
                    "body": "x".repeat(body_length),
                    "isBase64Encoded": false,
                },
            })
            .to_string()
        })
        .collect();
    let path = folder.join("corpus.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").expect("write corpus");
    path
}

/// GET records of `methods`, for the listing versions.
fn write_read_corpus(folder: &Path) -> PathBuf {
    let lines: Vec<String> = ["g-1", "g-2"]
        .into_iter()
        .map(|id| {
            serde_json::json!({
                "schema": "cutover.record/v1", "id": id, "function": "methods",
                "source": "apigateway-rest", "route": "GET /methods", "recorded_at": "2026-11-27T05:12:41+00:00",
                "event": {"httpMethod": "GET", "path": "/methods", "headers": {"Accept": "application/json"}, "body": null},
            })
            .to_string()
        })
        .collect();
    let path = folder.join("reads.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").expect("write corpus");
    path
}

fn fuzz(folder: &Path, extra: &[&str]) -> Output {
    let corpus = write_corpus(folder);
    fuzz_corpus(folder, &corpus, extra)
}

fn fuzz_corpus(folder: &Path, corpus: &Path, extra: &[&str]) -> Output {
    let config = write_handlers(folder);
    support::cutover_outside_repo()
        .args(["parity", "fuzz", "--config"])
        .arg(&config)
        .arg("--corpus")
        .arg(corpus)
        .args(extra)
        .output()
        .expect("runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_crash_on_a_missing_http_method_against_a_400_is_found_with_its_smallest_mutant() {
    let folder = tempfile::tempdir().expect("tempdir");
    let report_path = folder.path().join("fuzz.json");
    let args = ["--baseline", "local:methods:1", "--candidate", "local:methods:2", "--seed", "5", "--mutants", "60"];
    let output = fuzz(
        folder.path(),
        &[&args[..], &["--format", "json", "--output", report_path.to_str().expect("utf-8")]].concat(),
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(output.stdout.is_empty(), "the report goes to the file only");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).expect("the report")).expect("JSON");
    assert_eq!(report["corpus"]["mismatch"], 0, "the unmutated records agree");
    assert_eq!(report["totals"]["replayed"], 60);
    let findings = report["findings"].as_array().expect("findings");
    let dropped = findings
        .iter()
        .find(|finding| finding["kind"] == "drop_field" && finding["path"] == "$.httpMethod")
        .unwrap_or_else(|| panic!("no drop_field $.httpMethod finding: {findings:#?}"));
    let smallest = &dropped["smallest"];
    assert_eq!(smallest["record_id"], "r-small", "the smallest record shows it");
    assert_eq!(smallest["baseline"], "KeyError: 'httpMethod'");
    assert!(smallest["candidate"].as_str().is_some_and(|answer| answer.starts_with("400 ")), "{smallest}");
    assert!(smallest["event"].get("httpMethod").is_none(), "{smallest}");
    assert_eq!(smallest["differences"][0]["kind"], "outcome");
    // The handlers differ on httpMethod only: every finding is about it.
    for finding in findings {
        assert!(finding["path"] == "$.httpMethod" || finding["kind"] == "event_shape", "{finding}");
    }

    // The same seed gives the same mutants: the same findings again, in the table.
    let table = fuzz(folder.path(), &args);
    assert_eq!(table.status.code(), Some(1), "{}", stderr(&table));
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("drop_field") && text.contains("r-small"), "{text}");
    assert!(
        text.contains(&format!("FAIL: {} findings from", findings.len())),
        "the same findings on a second run of the seed: {text}"
    );
}

#[test]
fn identical_handlers_give_no_finding_and_exit_zero() {
    let folder = tempfile::tempdir().expect("tempdir");
    let output = fuzz(
        folder.path(),
        &["--baseline", "local:methods:1", "--candidate", "local:methods:3", "--seed", "5", "--mutants", "40"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("PASS: 40 mutants replayed (seed 5), no divergence"), "{text}");
}

/// A read that parts unmutated (the state, here each side's own first entry) is no
/// finding when a mutant parts at the same path, and a finding when the mutation makes
/// it part elsewhere.
#[test]
fn a_read_that_parts_unmutated_is_state_not_a_finding_unless_the_mutation_adds_one() {
    let folder = tempfile::tempdir().expect("tempdir");
    let corpus = write_read_corpus(folder.path());
    let report_path = folder.path().join("fuzz.json");
    let json = ["--format", "json", "--output", report_path.to_str().expect("utf-8")];
    let report = |output: &Output| -> Value {
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap_or_default())
            .unwrap_or_else(|_| panic!("a JSON report: {}", stderr(output)))
    };

    let same = ["--baseline", "local:methods:4", "--candidate", "local:methods:4", "--seed", "3", "--mutants", "30"];
    let output = fuzz_corpus(folder.path(), &corpus, &[&same[..], &json[..]].concat());
    let same_report = report(&output);
    assert_eq!(output.status.code(), Some(0), "{same_report}");
    assert_eq!(same_report["corpus"]["mismatch"], 2, "the unmutated reads part: {}", same_report["corpus"]);
    let totals = &same_report["totals"];
    assert_eq!(totals["diverged"], 0, "{totals}");
    assert!(totals["state_dependent"].as_u64().is_some_and(|count| count >= 20), "{totals}");

    let differ = ["--baseline", "local:methods:4", "--candidate", "local:methods:5", "--seed", "3", "--mutants", "30"];
    let output = fuzz_corpus(folder.path(), &corpus, &[&differ[..], &json[..]].concat());
    let differ_report = report(&output);
    assert_eq!(output.status.code(), Some(1), "{differ_report}");
    let findings = differ_report["findings"].as_array().expect("findings");
    assert!(
        findings.iter().any(|finding| finding["kind"] == "drop_field" && finding["path"] == "$.httpMethod"),
        "{findings:#?}"
    );
    // A finding parts somewhere the unmutated read does not.
    for finding in findings {
        let differences = finding["smallest"]["differences"].as_array().expect("differences");
        assert!(differences.iter().any(|difference| difference["path"] != "$.body.first"), "{finding}");
    }
}

#[test]
fn bad_input_exits_with_two_before_any_side_starts() {
    let folder = tempfile::tempdir().expect("tempdir");
    let sides = ["--baseline", "local:methods:1", "--candidate", "local:methods:2", "--seed", "1"];
    for (extra, expected) in [
        (vec!["--mutants", "0"], "--mutants must be at least 1"),
        (vec!["--mutants", "5", "--format", "junit"], "not junit"),
        (vec!["--mutants", "5", "--route", "GET /nothing"], "no records matched"),
        (vec!["--mutants", "5", "--output", "/nonexistent-folder/fuzz.json"], "does not exist"),
    ] {
        let output = fuzz(folder.path(), &[&sides[..], &extra].concat());
        assert_eq!(output.status.code(), Some(2), "{extra:?}: {}", stderr(&output));
        assert!(stderr(&output).contains(expected), "{extra:?}: {}", stderr(&output));
    }
    let recorded = fuzz(
        folder.path(),
        &["--baseline", "local:methods:1", "--candidate", "recorded", "--seed", "1", "--mutants", "5"],
    );
    assert_eq!(recorded.status.code(), Some(2), "{}", stderr(&recorded));
    assert!(stderr(&recorded).contains("not for mutants"), "{}", stderr(&recorded));
}

/// The eight functions of the platform; each has a binary of the same name.
const FUNCTIONS: [&str; 8] = [
    "validate-cluster-spec",
    "create-cluster",
    "get-cluster",
    "list-clusters",
    "decommission-cluster",
    "check-compliance",
    "get-cluster-events",
    "pipeline-status",
];

fn toml_string(path: &Path) -> String {
    format!("{:?}", path.display().to_string())
}

/// The project's cutover.toml with every path made absolute, the venv's Python, and
/// version "2" of each function pointed at the binary `cargo build --workspace --bins`
/// put next to `cutover` (as parity's own whole-corpus test does).
fn platform_config(folder: &Path) -> PathBuf {
    let root = support::repo_root().canonicalize().expect("the repository root");
    let binaries = PathBuf::from(env!("CARGO_BIN_EXE_cutover")).parent().expect("target/<profile>").to_path_buf();
    let missing: Vec<&str> = FUNCTIONS.iter().copied().filter(|name| !binaries.join(name).exists()).collect();
    assert!(
        missing.is_empty(),
        "the Rust function binaries {missing:?} are missing from {}: run `cargo build --workspace --bins` first (make test does)",
        binaries.display()
    );
    let python = support::python();
    assert!(python.exists(), "the project venv is missing at {}: run `make venv`", python.display());
    let mut text = std::fs::read_to_string(root.join("cutover.toml")).expect("the project's cutover.toml");
    text = text.replace("\"legacy-python", &format!("\"{}/legacy-python", root.display()));
    for name in FUNCTIONS {
        text = text.replace(&format!("\"target/lambda/{name}/bootstrap\""), &toml_string(&binaries.join(name)));
    }
    text = text.replacen("[local]\n", &format!("[local]\npython = {}\n", toml_string(&python)), 1);
    let path = folder.join("cutover.toml");
    std::fs::write(&path, text).expect("write the config");
    path
}

/// The CI run: Python (`local:*:1`) against Rust (`local:*:2`), each side with its own
/// emulator and moto server, the corpus replayed first, then 300 mutants of a fixed seed.
/// Python is the contract: any divergence is a bug of the Rust rewrite.
#[test]
fn python_and_rust_agree_on_three_hundred_mutants_of_the_corpus() {
    let folder = tempfile::tempdir().expect("tempdir");
    let config = platform_config(folder.path());
    let root = support::repo_root();
    let report_path = folder.path().join("fuzz.json");
    let output = support::cutover()
        .current_dir(&root)
        .args(["parity", "fuzz", "--baseline", "local:*:1", "--candidate", "local:*:2"])
        .args(["--corpus", "events", "--rules", "parity.toml", "--seed", "20261127", "--mutants", "300"])
        .args(["--format", "json", "--config"])
        .arg(&config)
        .arg("--output")
        .arg(&report_path)
        .output()
        .expect("runs");
    let text = std::fs::read_to_string(&report_path).unwrap_or_default();
    assert_eq!(output.status.code(), Some(0), "{}\n{text}", stderr(&output));
    let report: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(report["totals"]["generated"], 300);
    assert_eq!(report["totals"]["diverged"], 0, "{text}");
    assert_eq!(report["totals"]["errors"], 0, "{text}");
    let replayed = report["totals"]["replayed"].as_u64().unwrap_or(0);
    assert!(replayed >= 280, "mutants replayed: {replayed}");
    assert_eq!(report["kinds"].as_array().map(Vec::len), Some(9), "every kind ran: {}", report["kinds"]);
    let writes = &report["writes"];
    assert_eq!(
        (writes["corpus_mismatches"].as_u64(), writes["mutant_mismatches"].as_u64()),
        (Some(0), Some(0)),
        "{writes}"
    );
    assert!(writes["baseline_items"].as_u64().unwrap_or(0) > 100, "{writes}");
    assert_eq!(writes["baseline_items"], writes["candidate_items"], "{writes}");
}
