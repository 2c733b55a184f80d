//! Writes compared as sequences, through real parts: two `local:` sides, each with its
//! own emulator, moto server and recording proxy, running Python handler pairs that answer
//! the same and leave the same final state, but make different write calls on the way.

use std::path::{Path, PathBuf};
use std::time::Duration;

use parity::{
    AwsSettings, DiffKind, ParityReport, ParityRules, ParitySession, Record, ReplaySettings, ReportFormat,
    TargetOptions, TargetUri,
};
use serde_json::json;

use crate::support::{ok_records, record};

fn python() -> PathBuf {
    let venv = std::env::var_os("CUTOVER_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv"));
    let python = venv.join("bin/python");
    assert!(python.exists(), "the project venv is missing at {}: run scripts/setup-python.sh", venv.display());
    python
}

fn toml_string(path: &Path) -> String {
    format!("{:?}", path.display().to_string())
}

/// Function `writer`: version 1 runs `baseline`, version 2 `candidate`, of `sequence.py`.
fn pair_config(folder: &Path, baseline: &str, candidate: &str) -> PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let text = format!(
        r#"
[local]
python = {python}

[local.moto]
start = true
setup = ["{{python}}", {setup}, "{{endpoint}}"]

[[function]]
name = "writer"
timeout_s = 20
[[function.version]]
version = "1"
python = {{ handler = "sequence.{baseline}", code = {code} }}
[[function.version]]
version = "2"
python = {{ handler = "sequence.{candidate}", code = {code} }}
"#,
        python = toml_string(&python()),
        setup = toml_string(&fixtures.join("writer_setup.py")),
        code = toml_string(&fixtures.join("python")),
    );
    let path = folder.join("cutover.toml");
    std::fs::write(&path, text).expect("write the config");
    path
}

fn records(count: usize) -> Vec<Record> {
    (1..=count)
        .map(|n| {
            let body = json!({"id": format!("k-{n}"), "note": format!("note {n}")});
            let mut record = record(&format!("r{n}"), "POST /items", "/items", Some(&body));
            record.function = "writer".into();
            record
        })
        .collect()
}

/// Replays `count` records against the pair and returns the report.
async fn replay_pair(baseline: &str, candidate: &str, count: usize, rules: &ParityRules) -> ParityReport {
    let folder = tempfile::tempdir().expect("tempdir");
    let options = TargetOptions {
        timeout: Duration::from_secs(30),
        config_path: pair_config(folder.path(), baseline, candidate),
        aws: AwsSettings::default(),
        logs: emulator::LogSink::Discard,
    };
    let (left, right): (TargetUri, TargetUri) =
        ("local:writer:1".parse().expect("uri"), "local:writer:2".parse().expect("uri"));
    let session = ParitySession::open(&left, &right, None, &options).await.expect("both sides start");
    let result = session.run(ok_records(records(count)), rules, ReplaySettings::default(), |_| {}).await;
    session.shutdown().await;
    result.expect("the run completes")
}

/// The side-effect findings as (path, kind), and checks that the final state was equal
/// and every answer matched: only the sequences differ.
fn sequence_findings(report: &ParityReport, records: usize) -> Vec<(String, DiffKind)> {
    assert_eq!(report.totals.matched, records, "every answer is the same: {:?}", report.signatures);
    let side_effects = report.side_effects.as_ref().expect("side effects captured");
    assert!(
        side_effects.differences.iter().all(|d| d.path.to_string().starts_with("$.writes.")),
        "the final state is equal: {:?}",
        side_effects.differences
    );
    assert_eq!(side_effects.baseline_items, side_effects.candidate_items);
    side_effects.differences.iter().map(|d| (d.path.to_string(), d.kind)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overwritten_first_value_fails_parity_though_the_table_ends_the_same() {
    let report = replay_pair("put_once", "put_twice", 2, &ParityRules::default()).await;
    let found = sequence_findings(&report, 2);
    assert_eq!(
        found,
        [
            ("$.writes.tables.writer-items.k-1[0].written.note".to_owned(), DiffKind::Value),
            ("$.writes.tables.writer-items.k-2[0].written.note".to_owned(), DiffKind::Value),
        ]
    );
    let side_effects = report.side_effects.as_ref().expect("captured");
    assert_eq!(side_effects.differences[0].baseline.as_deref(), Some("\"note 1\""));
    assert_eq!(side_effects.differences[0].candidate.as_deref(), Some("\"draft\""));
    assert_eq!(side_effects.mismatches, 2);
    let calls = report.write_calls.expect("both sides recorded their calls");
    assert_eq!((calls.baseline.items, calls.candidate.items), (2, 4));
    assert_eq!((calls.entities, calls.parted, calls.compared), (2, 2, 2));
    assert!(!report.passed(100), "a write that differs fails parity, whatever --max-mismatch allows");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_without_its_condition_fails_parity() {
    let report = replay_pair("put_guarded", "put_unguarded", 1, &ParityRules::default()).await;
    let found = sequence_findings(&report, 1);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "$.writes.tables.writer-items.k-1[0].condition");
    let difference = &report.side_effects.as_ref().expect("captured").differences[0];
    assert_eq!(difference.baseline.as_deref(), Some("\"attribute_not_exists(id)\""), "names put in place");
    assert_eq!(difference.candidate.as_deref(), Some("null"));
    assert!(!report.passed(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_writes_to_one_key_in_the_other_order_fail_parity() {
    let report = replay_pair("update_a_then_b", "update_b_then_a", 1, &ParityRules::default()).await;
    let found = sequence_findings(&report, 1);
    // The put matches; the sequences part at the first update, in what it sets.
    let paths: Vec<&str> = found.iter().map(|(path, _)| path.as_str()).collect();
    assert!(
        !paths.is_empty() && paths.iter().all(|path| path.starts_with("$.writes.tables.writer-items.k-1[1].")),
        "{found:?}"
    );
    assert!(paths.contains(&"$.writes.tables.writer-items.k-1[1].written.a"), "{found:?}");
    assert!(!report.passed(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn equal_sequences_with_generated_ids_and_a_failed_conditional_write_pass() {
    let report = replay_pair("create", "create", 3, &ParityRules::default()).await;
    assert_eq!(report.totals.matched, 3, "{:?}", report.signatures);
    let side_effects = report.side_effects.as_ref().expect("captured");
    assert_eq!(side_effects.differences, [], "ids differ per side, the calls do not");
    let calls = report.write_calls.expect("both sides recorded their calls");
    // Two calls per record on each side: the put and the conditional put that fails.
    assert_eq!((calls.baseline.items, calls.candidate.items, calls.compared), (6, 6, 6));
    assert_eq!((calls.entities, calls.parted), (3, 0));
    assert!(report.passed(0), "{}", parity::render(&report, ReportFormat::Table, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_in_a_written_item_is_redacted_in_every_format() {
    let report = replay_pair("secret_baseline", "secret_candidate", 1, &ParityRules::default()).await;
    let side_effects = report.side_effects.as_ref().expect("captured");
    let paths: Vec<String> = side_effects.differences.iter().map(|d| d.path.to_string()).collect();
    assert!(paths.contains(&"$.writes.tables.writer-items.k-1[0].written.password".to_owned()), "{paths:?}");
    assert!(paths.contains(&"$.tables.writer-items.k-1.password".to_owned()), "the final state differs too: {paths:?}");
    for format in [ReportFormat::Table, ReportFormat::Json, ReportFormat::Markdown, ReportFormat::Junit] {
        let text = parity::render(&report, format, 0);
        assert!(!text.contains("hunter2"), "{format:?} shows the password:\n{text}");
        assert!(text.contains("[REDACTED"), "{format:?} shows no marker:\n{text}");
        assert!(text.contains("writer-items.k-1[0]"), "{format:?} names the write:\n{text}");
    }
}
