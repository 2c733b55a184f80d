//! `cutover parity run` as a user runs it: the real binary, local: sides with Python
//! sandboxes, the exit codes of --max-mismatch, bad input named with its file and line,
//! the report written atomically in every format, and lambda: through --endpoint-url.

use crate::support;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

/// Three records of `echo`, as JSON Lines.
fn write_corpus(folder: &Path) -> PathBuf {
    let lines: Vec<String> = (1..=3)
        .map(|n| {
            serde_json::json!({
                "schema": "cutover.record/v1", "id": format!("r{n}"), "function": "echo",
                "source": "other", "route": "echo", "recorded_at": "2026-11-27T05:12:41+00:00",
                "event": {"n": n}, "response": null, "error": null, "duration_ms": 1.0,
            })
            .to_string()
        })
        .collect();
    let path = folder.join("corpus.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").expect("write corpus");
    path
}

fn parity_run(folder: &Path, extra: &[&str]) -> Output {
    let config = support::write_echo_config(folder, "lambda_api = \"127.0.0.1:0\"");
    let corpus = write_corpus(folder);
    support::cutover_outside_repo()
        .args(["parity", "run", "--config"])
        .arg(&config)
        .arg("--corpus")
        .arg(&corpus)
        .args(extra)
        .output()
        .expect("runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn max_mismatch_decides_the_exit_code() {
    let folder = tempfile::tempdir().expect("tempdir");
    let sides = ["--baseline", "local:echo:1", "--candidate", "local:echo:2"];
    let failing = parity_run(folder.path(), &[&sides[..], &["--max-mismatch", "2"]].concat());
    assert_eq!(failing.status.code(), Some(1), "{}", stderr(&failing));
    let table = String::from_utf8_lossy(&failing.stdout);
    assert!(table.contains("FAIL: 3 mismatched or failed records of 3 (allowed 2)"), "{table}");
    assert!(table.contains("side effects not captured"), "{table}");

    let passing = parity_run(folder.path(), &[&sides[..], &["--max-mismatch", "3", "--format", "json"]].concat());
    assert_eq!(passing.status.code(), Some(0), "{}", stderr(&passing));
    let report: Value = serde_json::from_slice(&passing.stdout).expect("JSON on stdout");
    assert_eq!(report["totals"]["mismatch"], 3);
    assert_eq!(report["baseline"], "local:echo:1");
    assert_eq!(report["signatures"][0]["kind"], "outcome");
}

#[test]
fn reports_are_written_atomically_in_every_format() {
    let folder = tempfile::tempdir().expect("tempdir");
    let sides = ["--baseline", "local:echo:1", "--candidate", "local:echo:1"];
    for (format, marker) in [("junit", "<testsuites"), ("markdown", "| route |"), ("json", "\"totals\"")] {
        let output_file = folder.path().join(format!("report.{format}"));
        let output = parity_run(
            folder.path(),
            &[
                &sides[..],
                &["--format", format, "--max-mismatch", "3", "--output"],
                &[output_file.to_str().expect("utf-8")],
            ]
            .concat(),
        );
        assert_eq!(output.status.code(), Some(0), "{format}: {}", stderr(&output));
        assert!(output.stdout.is_empty(), "the report goes to the file only");
        let text = std::fs::read_to_string(&output_file).expect("the report file");
        assert!(text.contains(marker), "{format}: {text}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(folder.path())
        .expect("list")
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file left behind: {leftovers:?}");
}

#[test]
fn bad_input_is_named_and_exits_with_two() {
    let folder = tempfile::tempdir().expect("tempdir");
    let bad_uri = parity_run(folder.path(), &["--baseline", "nope:x", "--candidate", "recorded"]);
    assert_eq!(bad_uri.status.code(), Some(2));
    assert!(stderr(&bad_uri).contains("--baseline"), "{}", stderr(&bad_uri));
    assert!(stderr(&bad_uri).contains("unknown target"), "{}", stderr(&bad_uri));

    let rules = folder.path().join("rules.toml");
    std::fs::write(&rules, "# rules\n\n[[ignore]]\npath = \"$.body.x\"\nreason = \" \"\n").expect("write rules");
    let bad_rules = parity_run(
        folder.path(),
        &["--baseline", "recorded", "--candidate", "recorded", "--rules", rules.to_str().expect("utf-8")],
    );
    assert_eq!(bad_rules.status.code(), Some(2));
    assert!(stderr(&bad_rules).contains("rules.toml:3:"), "file and line: {}", stderr(&bad_rules));

    let unknown_function = parity_run(folder.path(), &["--baseline", "local:nope:1", "--candidate", "recorded"]);
    assert_eq!(unknown_function.status.code(), Some(2));
    assert!(stderr(&unknown_function).contains("no function \"nope\""), "{}", stderr(&unknown_function));

    // Each family takes the formats it renders, and clap names them.
    let markdown_elsewhere = support::cutover_outside_repo()
        .args(["local", "metrics", "echo", "--endpoint", "http://127.0.0.1:9", "--format", "markdown"])
        .output()
        .expect("runs");
    assert_eq!(markdown_elsewhere.status.code(), Some(2));
    assert!(stderr(&markdown_elsewhere).contains("[possible values: table, json]"), "{}", stderr(&markdown_elsewhere));
}

#[test]
fn a_replay_of_nothing_is_an_input_error_not_a_pass() {
    let folder = tempfile::tempdir().expect("tempdir");
    let sides = ["--baseline", "recorded", "--candidate", "recorded"];
    let empty = folder.path().join("empty.jsonl");
    std::fs::write(&empty, "").expect("write");
    let output = support::cutover_outside_repo()
        .args(["parity", "run", "--corpus"])
        .arg(&empty)
        .args(sides)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("no records matched"), "{}", stderr(&output));
    assert!(output.stdout.is_empty(), "no PASS of 0 on stdout");

    let filtered_out = parity_run(folder.path(), &[&sides[..], &["--route", "GET /nothing"]].concat());
    assert_eq!(filtered_out.status.code(), Some(2), "{}", stderr(&filtered_out));
    assert!(stderr(&filtered_out).contains("no records matched"), "{}", stderr(&filtered_out));

    let contradictory = parity_run(
        folder.path(),
        &[&sides[..], &["--since", "2026-12-01T00:00:00Z", "--until", "2026-11-01T00:00:00Z"]].concat(),
    );
    assert_eq!(contradictory.status.code(), Some(2), "{}", stderr(&contradictory));
    assert!(stderr(&contradictory).contains("is after --until"), "{}", stderr(&contradictory));

    let missing_folder = folder.path().join("no/such/folder/report.json");
    let unwritable =
        parity_run(folder.path(), &[&sides[..], &["--output", missing_folder.to_str().expect("utf-8")]].concat());
    assert_eq!(unwritable.status.code(), Some(2), "{}", stderr(&unwritable));
    assert!(stderr(&unwritable).contains("does not exist"), "{}", stderr(&unwritable));
}

#[test]
fn lambda_targets_go_through_the_endpoint_url() {
    let folder = tempfile::tempdir().expect("tempdir");
    let config = support::write_echo_config(folder.path(), "lambda_api = \"127.0.0.1:0\"");
    let corpus = write_corpus(folder.path());
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let local = runtime
        .block_on(emulator::Emulator::start(
            emulator::Config::load(&config).expect("config"),
            emulator::EmulatorOptions { logs: emulator::LogSink::Discard, serve_http: true, ..Default::default() },
        ))
        .expect("the emulator starts");
    let endpoint = format!("http://{}", local.lambda_api_address().expect("the Lambda API"));
    let output = support::cutover_outside_repo()
        .args(["parity", "--format", "json", "run", "--baseline", "lambda:echo:1", "--candidate", "lambda:echo:2"])
        .args(["--endpoint-url", &endpoint, "--region", "eu-west-1", "--max-mismatch", "3", "--corpus"])
        .arg(&corpus)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("runs");
    runtime.block_on(local.shutdown());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(report["baseline"], "lambda:echo:1");
    assert_eq!(report["totals"]["total"], 3);
    assert_eq!(report["totals"]["errors"], 0, "every Invoke answered: {report}");
    assert_eq!(report["totals"]["mismatch"], 3, "version 2 raises");
    assert!(report["side_effects_note"].as_str().is_some_and(|note| note.contains("not captured")));
}

#[test]
fn a_rule_for_a_route_that_never_comes_is_named_with_its_line() {
    let folder = tempfile::tempdir().expect("tempdir");
    let rules = folder.path().join("rules.toml");
    std::fs::write(
        &rules,
        "[[ignore]]\nroute = \"echo\"\npath = \"$.n\"\nreason = \"fine\"\n\n[[ignore]]\nroute = \"ecoh\"\npath = \"$.n\"\nreason = \"a typo\"\n",
    )
    .expect("write rules");
    let output = parity_run(
        folder.path(),
        &["--baseline", "recorded", "--candidate", "recorded", "--rules", rules.to_str().expect("utf-8")],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("rules.toml:6: route `ecoh` matches no route"), "{message}");
    assert!(message.contains("`echo`"), "the known routes are listed: {message}");
}

#[test]
fn a_profile_that_does_not_exist_is_one_error_before_any_record() {
    let folder = tempfile::tempdir().expect("tempdir");
    let empty = folder.path().join("aws-empty");
    std::fs::write(&empty, "").expect("write");
    let config = support::write_echo_config(folder.path(), "lambda_api = \"127.0.0.1:0\"");
    let corpus = write_corpus(folder.path());
    let output = support::cutover_outside_repo()
        .args(["parity", "run", "--baseline", "lambda:echo:1", "--candidate", "lambda:echo:2"])
        .args(["--profile", "no-such-profile", "--region", "eu-west-1", "--config"])
        .arg(&config)
        .arg("--corpus")
        .arg(&corpus)
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .output()
        .expect("runs");
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(output.stdout.is_empty(), "no report of failed records");
    assert_eq!(message.matches("no-such-profile").count().min(1), 1, "{message}");
    assert!(message.contains("no AWS credentials from profile `no-such-profile`"), "{message}");
    assert!(!message.contains("r2"), "not one error per record: {message}");
}

#[test]
fn exit_codes_through_the_binary_for_a_bad_line_an_output_folder_and_a_side_that_cannot_start() {
    let folder = tempfile::tempdir().expect("tempdir");
    let sides = ["--baseline", "local:echo:1", "--candidate", "local:echo:1"];

    // A corpus line that is not a record: input, exit 2, named with its file and line.
    let config = support::write_echo_config(folder.path(), "lambda_api = \"127.0.0.1:0\"");
    let corpus = folder.path().join("bad.jsonl");
    let good = std::fs::read_to_string(write_corpus(folder.path())).expect("corpus");
    std::fs::write(&corpus, format!("{good}{{\"schema\": \"cutover.record/v1\", \"id\": \n")).expect("write");
    let bad_line = support::cutover_outside_repo()
        .args(["parity", "run", "--config"])
        .arg(&config)
        .arg("--corpus")
        .arg(&corpus)
        .args(sides)
        .output()
        .expect("runs");
    assert_eq!(bad_line.status.code(), Some(2), "{}", stderr(&bad_line));
    assert!(stderr(&bad_line).contains("bad.jsonl:4:"), "{}", stderr(&bad_line));
    assert!(bad_line.stdout.is_empty(), "no verdict for a corpus that could not be read");

    // An --output that names a folder: refused before any side starts.
    let as_folder =
        parity_run(folder.path(), &[&sides[..], &["--output", folder.path().to_str().expect("utf-8")]].concat());
    assert_eq!(as_folder.status.code(), Some(2), "{}", stderr(&as_folder));
    assert!(stderr(&as_folder).contains("is a folder"), "{}", stderr(&as_folder));

    // A side whose local AWS back end cannot be set up: not the user's input, exit 3.
    let broken = tempfile::tempdir().expect("tempdir");
    let config = support::write_echo_config(
        broken.path(),
        "lambda_api = \"127.0.0.1:0\"\n[local.moto]\nstart = true\nsetup = [\"/bin/sh\", \"-c\", \"exit 7\"]",
    );
    let cannot_start = support::cutover_outside_repo()
        .args(["parity", "run", "--config"])
        .arg(&config)
        .arg("--corpus")
        .arg(write_corpus(broken.path()))
        .args(sides)
        .output()
        .expect("runs");
    assert_eq!(cannot_start.status.code(), Some(3), "{}", stderr(&cannot_start));
    assert!(cannot_start.stdout.is_empty());
}

#[test]
fn a_local_side_retries_throttles_until_the_timeout() {
    let folder = tempfile::tempdir().expect("tempdir");
    let code = support::repo_root().join("emulator/tests/fixtures/python");
    // One sandbox at a time, each call a third of a second: four records sent at once are
    // throttled until the one before them finishes.
    let config = folder.path().join("cutover.toml");
    std::fs::write(
        &config,
        format!(
            "[local]\npython = \"{}\"\nlambda_api = \"127.0.0.1:0\"\n\n[[function]]\nname = \"slow\"\nconcurrency = 1\n\
             [[function.version]]\nversion = \"1\"\npython = {{ handler = \"fixture_handlers.slow\", code = \"{}\" }}\n",
            support::python().display(),
            code.display()
        ),
    )
    .expect("config");
    let lines: Vec<String> = (1..=4)
        .map(|n| {
            serde_json::json!({
                "schema": "cutover.record/v1", "id": format!("s{n}"), "function": "slow", "source": "other",
                "route": "slow", "recorded_at": "2026-11-27T05:12:41+00:00", "event": {"seconds": 0.3},
                "response": null, "error": null, "duration_ms": 300.0,
            })
            .to_string()
        })
        .collect();
    let corpus = folder.path().join("slow.jsonl");
    std::fs::write(&corpus, lines.join("\n") + "\n").expect("corpus");
    let run = |timeout: &str| {
        support::cutover_outside_repo()
            .args(["parity", "--format", "json", "run", "--config"])
            .arg(&config)
            .arg("--corpus")
            .arg(&corpus)
            .args([
                "--baseline",
                "local:slow:1",
                "--candidate",
                "local:slow:1",
                "--concurrency",
                "4",
                "--timeout",
                timeout,
            ])
            .output()
            .expect("runs")
    };
    let patient = run("30");
    assert_eq!(patient.status.code(), Some(0), "{}", stderr(&patient));
    let report: Value = serde_json::from_slice(&patient.stdout).expect("JSON");
    assert_eq!(report["totals"]["matched"], 4, "every throttled call was retried: {report}");
    assert_eq!(report["totals"]["errors"], 0);

    let impatient = run("0.1");
    assert_eq!(impatient.status.code(), Some(1), "{}", stderr(&impatient));
    let report: Value = serde_json::from_slice(&impatient.stdout).expect("JSON");
    assert!(
        report["totals"]["errors"].as_u64().unwrap_or_default() > 0,
        "throttles past the timeout are errors: {report}"
    );
}
