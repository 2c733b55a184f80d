//! The `local:` and `lambda:` targets with real sandboxes: the Python and Rust functions of
//! the platform on the whole corpus (each side with its own emulator and moto server), a
//! seeded extra DynamoDB write caught through real Python handlers, and the `lambda:`
//! target against the emulator's Invoke API.
//!
//! Needs the project venv (`scripts/setup-python.sh`) and the Rust function binaries next
//! to this test's own (`cargo build --workspace --bins`; `make test` does both).

use std::path::{Path, PathBuf};
use std::time::Duration;

use parity::{
    AwsSettings, Corpus, CorpusFilter, DiffKind, LambdaTarget, Outcome, ParityRules, ParitySession, RECORD_SCHEMA,
    Record, Replay, ReplaySettings, RuleKind, Target, TargetOptions, TargetUri, Tier,
};
use serde_json::{Value, json};

use crate::support::{ok_records, record};

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

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().expect("the repository root")
}

fn python() -> PathBuf {
    let venv = std::env::var_os("CUTOVER_VENV").map(PathBuf::from).unwrap_or_else(|| repo_root().join(".venv"));
    let python = venv.join("bin/python");
    assert!(
        python.exists(),
        "the project venv is missing at {}: run scripts/setup-python.sh (or make venv)",
        venv.display()
    );
    python
}

/// The folder of this test's own target profile (`target/debug`), where
/// `cargo build --workspace --bins` puts the function binaries.
fn binaries_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    // target/debug/deps/parity-<hash> -> target/debug
    exe.parent().and_then(Path::parent).expect("target/<profile>").to_owned()
}

fn toml_string(path: &Path) -> String {
    format!("{:?}", path.display().to_string())
}

/// The project's cutover.toml with every path made absolute, the venv's Python, and
/// version "2" of each function pointed at the freshly built binary.
fn platform_config(folder: &Path) -> PathBuf {
    let root = repo_root();
    let binaries = binaries_dir();
    let missing: Vec<String> =
        FUNCTIONS.iter().filter(|name| !binaries.join(name).exists()).map(|name| name.to_string()).collect();
    assert!(
        missing.is_empty(),
        "the Rust function binaries {missing:?} are missing from {}: run `cargo build --workspace --bins` first (make test does)",
        binaries.display()
    );
    let mut text = std::fs::read_to_string(root.join("cutover.toml")).expect("the project's cutover.toml");
    text = text.replace("\"legacy-python", &format!("\"{}/legacy-python", root.display()));
    for name in FUNCTIONS {
        text = text.replace(&format!("\"target/lambda/{name}/bootstrap\""), &toml_string(&binaries.join(name)));
    }
    text = text.replacen("[local]\n", &format!("[local]\npython = {}\n", toml_string(&python())), 1);
    let path = folder.join("cutover.toml");
    std::fs::write(&path, text).expect("write the config");
    path
}

fn options(config_path: PathBuf) -> TargetOptions {
    TargetOptions {
        timeout: Duration::from_secs(30),
        config_path,
        aws: AwsSettings::default(),
        logs: emulator::LogSink::Discard,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_and_rust_answer_and_write_the_same_on_the_whole_corpus() {
    let folder = tempfile::tempdir().expect("tempdir");
    let config = platform_config(folder.path());
    let rules = ParityRules::load(&repo_root().join("parity.toml")).expect("parity.toml");
    let corpus = Corpus::open(&[repo_root().join("events")]).expect("the corpus");
    let corpus_size = corpus.records(CorpusFilter::default()).filter(Result::is_ok).count();
    let baseline: TargetUri = "local:*:1".parse().expect("uri");
    let candidate: TargetUri = "local:*:2".parse().expect("uri");
    let session = ParitySession::open(&baseline, &candidate, None, &options(config))
        .await
        .expect("both sides start, each with its own moto server");
    let result = session
        .run(
            corpus.records(CorpusFilter::default()),
            &rules,
            ReplaySettings { concurrency: 4, examples_per_signature: 2 },
            |_| {},
        )
        .await;
    session.shutdown().await;
    let report = result.expect("the run completes");
    let shown = || parity::render(&report, parity::ReportFormat::Table, 0);

    assert_eq!(report.totals.total, corpus_size, "every record replayed");
    assert_eq!(report.totals.errors, 0, "{}", shown());
    assert_eq!(report.totals.mismatch, 0, "{}", shown());
    assert!(report.signatures.iter().all(|group| group.tier != Tier::Mismatch), "{}", shown());
    assert!(report.passed(0), "{}", shown());

    // The writes: both sides stored the same items, pipelines and objects.
    let side_effects = report.side_effects.as_ref().expect("side effects captured");
    assert!(side_effects.baseline_items > 100, "tables, pipelines and objects were read back: {side_effects:?}");
    assert_eq!(side_effects.baseline_items, side_effects.candidate_items);
    // Every kind of write was captured on both sides, so every kind was compared: a run
    // with pipeline or S3 capture switched off must not pass here.
    for counts in [side_effects.baseline_counts, side_effects.candidate_counts] {
        assert!(counts.items >= 120, "DynamoDB items: {counts:?}");
        assert!(counts.pipelines >= 20, "CodePipeline pipelines: {counts:?}");
        assert!(counts.objects >= 20, "S3 objects: {counts:?}");
    }
    assert_eq!(side_effects.mismatches, 0, "{}", shown());
    // And the write calls that got them there, compared per entity in order: every kind was
    // recorded and compared on both sides, and no sequence parted.
    let calls = report.write_calls.expect("both sides recorded their write calls");
    for side in [calls.baseline, calls.candidate] {
        assert!(side.items >= 200, "DynamoDB write calls (items of batches counted): {calls:?}");
        assert!(side.objects >= 20, "S3 write calls: {calls:?}");
        assert!(side.pipelines >= 40, "CodePipeline write calls (create and start): {calls:?}");
    }
    assert!(calls.compared >= 300, "write calls compared in order: {calls:?}");
    assert_eq!(calls.parted, 0, "{}", shown());

    // Every remaining difference is explained by a rule of parity.toml with its reason,
    // and every normaliser there is needed on this corpus.
    for fired in &report.rules_fired {
        assert!(fired.line > 0 || fired.kind == RuleKind::VolatileHeaders, "{fired:?}");
        assert!(!fired.reason.trim().is_empty(), "{fired:?}");
    }
    for rule in rules.rules() {
        if rule.kind == RuleKind::Normalise {
            assert!(
                report.rules_fired.iter().any(|fired| fired.line == rule.line && fired.count > 0),
                "parity.toml:{} never fired: {rule:?}",
                rule.line
            );
        }
    }
}

fn writer_config(folder: &Path) -> PathBuf {
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
python = {{ handler = "writer.put", code = {code} }}
[[function.version]]
version = "2"
python = {{ handler = "writer.put_extra", code = {code} }}
"#,
        python = toml_string(&python()),
        setup = toml_string(&fixtures.join("writer_setup.py")),
        code = toml_string(&fixtures.join("python")),
    );
    let path = folder.join("cutover.toml");
    std::fs::write(&path, text).expect("write the config");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extra_dynamodb_write_fails_parity_though_every_answer_matches() {
    let folder = tempfile::tempdir().expect("tempdir");
    let config = writer_config(folder.path());
    let records: Vec<Record> = (1..=3)
        .map(|n| {
            let mut record =
                record(&format!("r{n}"), "POST /items", "/items", Some(&json!({"id": format!("k-{n}"), "note": "é"})));
            record.function = "writer".into();
            record
        })
        .collect();
    let baseline: TargetUri = "local:writer:1".parse().expect("uri");
    let candidate: TargetUri = "local:writer:2".parse().expect("uri");
    let session = ParitySession::open(&baseline, &candidate, None, &options(config)).await.expect("both sides start");
    let result = session.run(ok_records(records), &ParityRules::default(), ReplaySettings::default(), |_| {}).await;
    session.shutdown().await;
    let report = result.expect("the run completes");

    assert_eq!(report.totals.total, 3);
    assert_eq!(report.totals.matched, 3, "every answer is the same");
    assert!(report.signatures.is_empty(), "{:?}", report.signatures);
    let side_effects = report.side_effects.as_ref().expect("side effects captured");
    assert_eq!(side_effects.baseline_items, 3);
    assert_eq!(side_effects.candidate_items, 4);
    // Found twice: in the final state, and as a write call the baseline never made.
    assert_eq!(side_effects.mismatches, 2, "{side_effects:?}");
    let found: Vec<(String, DiffKind, &str)> =
        side_effects.differences.iter().map(|d| (d.path.to_string(), d.kind, d.pattern.as_str())).collect();
    assert_eq!(
        found,
        [
            ("$.tables.writer-items.k-extra".to_owned(), DiffKind::Extra, "$.tables.writer-items.*"),
            (
                "$.writes.tables.writer-items.k-extra[0]".to_owned(),
                DiffKind::Extra,
                "$.writes.tables.writer-items.*[*]"
            ),
        ]
    );
    assert!(!report.passed(0), "a mismatched write fails parity");
    assert!(!report.passed(100), "whatever --max-mismatch allows");
}

fn echo_config(folder: &Path) -> PathBuf {
    let code = Path::new(env!("CARGO_MANIFEST_DIR")).join("../emulator/tests/fixtures/python");
    let text = format!(
        r#"
[local]
python = {python}
lambda_api = "127.0.0.1:0"

[[function]]
name = "echo"
[[function.version]]
version = "1"
python = {{ handler = "fixture_handlers.echo", code = {code} }}
[[function.version]]
version = "2"
python = {{ handler = "fixture_handlers.fail", code = {code} }}
"#,
        python = toml_string(&python()),
        code = toml_string(&code),
    );
    let path = folder.join("cutover.toml");
    std::fs::write(&path, text).expect("write the config");
    path
}

fn plain_record(id: &str, event: Value) -> Record {
    Record {
        schema: RECORD_SCHEMA.into(),
        id: id.into(),
        function: "echo".into(),
        source: "other".into(),
        route: "echo".into(),
        recorded_at: "2026-11-27T05:12:41.123456+00:00".into(),
        event,
        response: None,
        error: None,
        duration_ms: 1.0,
        scenario: None,
        entity: None,
        side_effects: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lambda_target_invokes_through_the_emulators_invoke_api() {
    let folder = tempfile::tempdir().expect("tempdir");
    let config = emulator::Config::load(&echo_config(folder.path())).expect("config");
    let local = emulator::Emulator::start(
        config,
        emulator::EmulatorOptions { logs: emulator::LogSink::Discard, serve_http: true, ..Default::default() },
    )
    .await
    .expect("the emulator starts");
    let address = local.lambda_api_address().expect("the Lambda API listens");
    let sdk = aws_sdk_lambda::Config::builder()
        .behavior_version(aws_sdk_lambda::config::BehaviorVersion::latest())
        .region(aws_sdk_lambda::config::Region::new("eu-west-1"))
        .endpoint_url(format!("http://{address}"))
        .credentials_provider(aws_sdk_lambda::config::Credentials::new("testing", "testing", None, None, "test"))
        .build();
    let client = aws_sdk_lambda::Client::from_conf(sdk);
    let echo = LambdaTarget::new("echo", Some("1"), client.clone());
    let failing = LambdaTarget::new("echo", Some("2"), client.clone());
    assert_eq!(echo.name(), "lambda:echo:1");
    let event = json!({"n": 1, "text": "é"});
    let answered = echo.invoke(&plain_record("r1", event.clone()), &event).await.expect("Invoke answers");
    let Outcome::Response(answer) = &answered.outcome else {
        panic!("expected a response, got {:?}", answered.outcome);
    };
    assert_eq!(answer["event"], event);
    assert_eq!(answer["function_version"], "1");
    let failed = failing.invoke(&plain_record("r2", event.clone()), &event).await.expect("Invoke answers");
    match &failed.outcome {
        Outcome::FunctionError(error) => {
            assert_eq!(error.error_type, "ValueError");
            assert_eq!(error.error_message, "the fixture was asked to fail");
        }
        other => panic!("expected a function error, got {other:?}"),
    }

    // A replay through the Invoke API: every record differs in its outcome, nothing else.
    let records = vec![plain_record("r1", json!({"n": 1})), plain_record("r2", json!({"n": 2}))];
    let replay = Replay {
        baseline: &echo,
        candidate: &failing,
        secondary: None,
        rules: &ParityRules::default(),
        settings: ReplaySettings::default(),
    };
    let report = replay.run(ok_records(records), |_| {}).await.expect("replayed").report;
    local.shutdown().await;
    assert_eq!(report.totals.mismatch, 2);
    assert_eq!(report.totals.errors, 0);
    let kinds: Vec<(String, DiffKind)> =
        report.signatures.iter().map(|group| (group.path.clone(), group.kind)).collect();
    assert_eq!(kinds, [("$".to_owned(), DiffKind::Outcome)]);
}
