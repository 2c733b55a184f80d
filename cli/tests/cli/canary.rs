//! `cutover canary` through the binary: bad input is named and exits 2 before anything
//! is touched; deployments against the emulator's Lambda and CloudWatch APIs.

use std::path::Path;

use crate::support;

fn canary(args: &[&str], folder: &Path) -> std::process::Output {
    support::cutover_outside_repo()
        .arg("canary")
        .args(args)
        .args(["--region", "us-east-1", "--endpoint-url", "http://127.0.0.1:9"])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .current_dir(folder)
        .output()
        .expect("runs")
}

#[test]
fn bad_input_is_named_and_exits_2_before_any_call() {
    let folder = tempfile::tempdir().expect("temp");
    let config = folder.path().join("cutover.toml");
    std::fs::write(&config, "[canary]\nbake = \"2h\"\nsteps = [50, 10, 100]\n").expect("config");
    // The endpoint is a closed port: any AWS call would fail with exit 3, not 2.
    let cases: [(&[&str], &str); 5] = [
        (&["plan", "get-cluster:live", "--to", "2"], "cutover.toml:3: `canary.steps`: steps must increase"),
        (
            &["start", "get-cluster:live", "--to", "2", "--steps", "10,150", "--config", "/dev/null"],
            "--steps: step 2 is 150 %",
        ),
        (&["tick", "get-cluster"], "names no alias"),
        (&["status", "get-cluster:live", "--config", "/dev/null"], "no deployment of get-cluster:live"),
        (
            &["start", "get-cluster:live", "--to", "2", "--step-duration", "ten", "--config", "/dev/null"],
            "--step-duration: `ten` is not a duration",
        ),
    ];
    for (args, expected) in cases {
        let output = canary(args, folder.path());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty());
    }
    std::fs::write(folder.path().join("journal-garbage"), "x").expect("write");
    let state = folder.path().join("state/get-cluster-live");
    std::fs::create_dir_all(&state).expect("state");
    std::fs::write(state.join("journal.jsonl"), "{not a record}\n{}\n").expect("journal");
    let output = canary(&["status", "get-cluster:live", "--config", "/dev/null", "--state", "state"], folder.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("journal.jsonl line 1 is not a journal record"), "{stderr}");
}

/// Function `echo` (the emulator's Python fixture in versions 1 and 2) with alias `live`
/// on 1, served on loopback, with some traffic through the alias so that its metrics exist.
async fn emulator_with_traffic(folder: &Path) -> (emulator::Emulator, std::path::PathBuf) {
    let code = support::repo_root().join("emulator/tests/fixtures/python");
    let text = format!(
        r#"
[local]
python = "{python}"

[canary]
step_duration = "10m"

[[function]]
name = "echo"
timeout_s = 2
[[function.version]]
version = "1"
python = {{ handler = "fixture_handlers.echo", code = "{code}" }}
[[function.version]]
version = "2"
python = {{ handler = "fixture_handlers.echo", code = "{code}" }}
[[function.alias]]
name = "live"
version = "1"
"#,
        python = support::python().display(),
        code = code.display()
    );
    let path = folder.join("cutover.toml");
    std::fs::write(&path, &text).expect("config");
    let config = emulator::Config::load(&path).expect("valid config");
    let options = emulator::EmulatorOptions { serve_http: true, ..Default::default() };
    let emulator = emulator::Emulator::start(config, options).await.expect("emulator");
    for _ in 0..5 {
        emulator.invoke("echo", Some("live"), bytes::Bytes::from_static(b"{}")).await.expect("invoke");
    }
    (emulator, path)
}

fn against(endpoint: &str, folder: &Path, args: &[&str]) -> std::process::Command {
    let mut command = support::cutover_outside_repo();
    command
        .arg("canary")
        .args(args)
        .args(["--config", "cutover.toml", "--state", "state", "--region", "us-east-1", "--endpoint-url", endpoint])
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env_remove("AWS_PROFILE")
        .current_dir(folder);
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_controller_killed_at_either_side_of_update_alias_is_resumed_to_what_the_journal_says() {
    for point in ["after-intent", "after-update"] {
        let folder = tempfile::tempdir().expect("temp");
        let (emulator, _) = emulator_with_traffic(folder.path()).await;
        let endpoint = format!("http://{}", emulator.lambda_api_address().expect("serving"));

        let crashed = against(&endpoint, folder.path(), &["start", "echo:live", "--to", "2"])
            .env("CUTOVER_CANARY_CRASH_AT", point)
            .output()
            .expect("runs");
        assert_eq!(
            crashed.status.code(),
            None,
            "{point}: killed by a signal: {}",
            String::from_utf8_lossy(&crashed.stderr)
        );
        let alias_after_crash = emulator.aliases().get("echo", "live").expect("alias");
        let expected_weight = if point == "after-intent" { None } else { Some(0.1) };
        assert_eq!(alias_after_crash.additional_version_weights.get("2").copied(), expected_weight, "{point}");

        // A second start refuses: the dead controller's deployment holds the alias.
        let second = against(&endpoint, folder.path(), &["start", "echo:live", "--to", "2"]).output().expect("runs");
        assert_eq!(second.status.code(), Some(2), "{}", String::from_utf8_lossy(&second.stderr));

        let resumed =
            against(&endpoint, folder.path(), &["resume", "echo:live", "--force", "--once", "--format", "json"])
                .output()
                .expect("runs");
        let run = support::json_stdout(&resumed);
        assert_eq!(run["status"], "running", "{run}");
        assert_eq!(run["candidate_percent"], 10.0);
        let events: Vec<&str> = run["records"]
            .as_array()
            .expect("records")
            .iter()
            .map(|record| record["event"]["event"].as_str().unwrap_or_default())
            .collect();
        assert!(events.contains(&"applied"), "{point}: the interrupted change is settled: {events:?}");
        let alias = emulator.aliases().get("echo", "live").expect("alias");
        assert_eq!(alias.additional_version_weights.get("2").copied(), Some(0.1), "{point}");
        assert_eq!(run["alias_observed"]["revision_id"], alias.revision_id, "{point}: the journal explains the alias");

        let history =
            against(&endpoint, folder.path(), &["history", "echo:live", "--format", "json"]).output().expect("runs");
        let records = support::json_stdout(&history);
        let intents =
            records.as_array().expect("array").iter().filter(|record| record["event"]["event"] == "intent").count();
        let applied =
            records.as_array().expect("array").iter().filter(|record| record["event"]["event"] == "applied").count();
        assert_eq!((intents, applied), (1, 1), "{point}: one outcome for one intent");

        let aborted = against(&endpoint, folder.path(), &["abort", "echo:live"]).output().expect("runs");
        assert_eq!(aborted.status.code(), Some(0), "{}", String::from_utf8_lossy(&aborted.stderr));
        assert!(emulator.aliases().get("echo", "live").expect("alias").additional_version_weights.is_empty());
        emulator.shutdown().await;
    }
}

fn history(endpoint: &str, folder: &Path) -> Vec<serde_json::Value> {
    let output = against(endpoint, folder, &["history", "echo:live", "--format", "json"]).output().expect("runs");
    support::json_stdout(&output).as_array().expect("records").clone()
}

fn parity_decision(records: &[serde_json::Value]) -> serde_json::Value {
    records
        .iter()
        .find(|record| {
            let decision = record["event"]["decision"].as_str().unwrap_or_default();
            decision == "parity_passed" || decision == "parity_failed"
        })
        .map(|record| record["event"].clone())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parity_replay_against_the_emulator_gates_the_first_shift() {
    let corpus = support::repo_root().join("canary/tests/fixtures/echo-corpus.jsonl");
    let rules = support::repo_root().join("canary/tests/fixtures/echo-parity.toml");
    let parity_args =
        ["--parity-corpus", corpus.to_str().expect("utf-8"), "--parity-rules", rules.to_str().expect("utf-8")];

    // Passing: the verdict is journaled with its counts, then the first shift; Ctrl-C stops the loop.
    let folder = tempfile::tempdir().expect("temp");
    let (emulator, _) = emulator_with_traffic(folder.path()).await;
    let endpoint = format!("http://{}", emulator.lambda_api_address().expect("serving"));
    let mut args = vec!["start", "echo:live", "--to", "2"];
    args.extend(parity_args);
    let start = against(&endpoint, folder.path(), &args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    let mut shifted = false;
    for _ in 0..300 {
        if emulator
            .aliases()
            .get("echo", "live")
            .is_some_and(|alias| alias.additional_version_weights.contains_key("2"))
        {
            shifted = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let interrupted =
        std::process::Command::new("kill").args(["-INT", &start.id().to_string()]).status().expect("kill");
    assert!(interrupted.success());
    let output = start.wait_with_output().expect("stops");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(shifted, "the first shift after a passing replay: {stderr}");
    assert_eq!(output.status.code(), Some(1), "stopped while running: {stderr}");
    let records = history(&endpoint, folder.path());
    let decision = parity_decision(&records);
    assert_eq!(decision["decision"], "parity_passed", "{records:#?}");
    assert_eq!(decision["parity"]["total"], 6);
    assert_eq!(decision["parity"]["mismatch"], 0);
    assert_eq!(decision["parity"]["candidate"], "lambda:echo:2");
    let order: Vec<&str> = records.iter().map(|record| record["event"]["event"].as_str().unwrap_or_default()).collect();
    assert_eq!(order[..3], ["started", "decision", "intent"], "verdict before the first intent");
    emulator.shutdown().await;

    // Failing: the candidate fails every invocation; the refusal is journaled, the alias untouched.
    let folder = tempfile::tempdir().expect("temp");
    let (emulator, _) = emulator_with_traffic(folder.path()).await;
    let endpoint = format!("http://{}", emulator.lambda_api_address().expect("serving"));
    emulator.set_faults("echo", "2", emulator::Faults { error_share: 1.0, ..Default::default() }).expect("faults");
    let output = against(&endpoint, folder.path(), &args).output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "refused: {stderr}");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("[rolled back]"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let alias = emulator.aliases().get("echo", "live").expect("alias");
    assert!(alias.additional_version_weights.is_empty() && alias.version == "1", "{alias:?}");
    let decision = parity_decision(&history(&endpoint, folder.path()));
    assert_eq!(decision["decision"], "parity_failed");
    assert_eq!(
        decision["parity"]["errors"].as_u64().unwrap_or_default()
            + decision["parity"]["mismatch"].as_u64().unwrap_or_default(),
        6
    );
    assert!(decision["reason"].as_str().unwrap_or_default().contains("of 6 records"), "{decision}");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parity_report_that_does_not_admit_the_candidate_refuses_the_start_with_exit_2() {
    let folder = tempfile::tempdir().expect("temp");
    let (emulator, _) = emulator_with_traffic(folder.path()).await;
    let endpoint = format!("http://{}", emulator.lambda_api_address().expect("serving"));
    let write = |name: &str, candidate: &str, total: u64, mismatch: u64| {
        let report = serde_json::json!({
            "baseline": "lambda:echo:1", "candidate": candidate,
            "totals": { "total": total, "matched": total - mismatch, "cosmetic": 0, "noise": 0, "mismatch": mismatch, "errors": 0 },
        });
        std::fs::write(folder.path().join(name), report.to_string()).expect("report");
    };
    write("other-version.json", "lambda:echo:3", 10, 0);
    write("failed.json", "lambda:echo:2", 10, 2);
    write("empty.json", "lambda:echo:2", 0, 0);
    std::fs::write(folder.path().join("garbage.json"), "[]").expect("garbage");
    let cases = [
        ("other-version.json", "its candidate `lambda:echo:3` is echo:3, not version 2"),
        ("failed.json", "report failed.json failed: 2 mismatched and 0 failed of 10 records"),
        ("empty.json", "no record was replayed"),
        ("garbage.json", "--parity-report: garbage.json: not a parity JSON report"),
        ("missing.json", "--parity-report: could not read missing.json"),
    ];
    for (file, expected) in cases {
        let output = against(&endpoint, folder.path(), &["start", "echo:live", "--to", "2", "--parity-report", file])
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{file}: {stderr}");
        assert!(stderr.contains(expected), "{file}: {stderr}");
    }
    assert!(
        !folder.path().join("state/echo-live/journal.jsonl").exists() || history(&endpoint, folder.path()).is_empty()
    );
    let alias = emulator.aliases().get("echo", "live").expect("alias");
    assert!(alias.additional_version_weights.is_empty(), "untouched");
    emulator.shutdown().await;
}
