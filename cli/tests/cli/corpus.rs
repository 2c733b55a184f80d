//! `cutover corpus` through the binary: the project's own corpus is clean and counted, a
//! leaky one fails the check without showing the secret, and bad input exits 2 with
//! nothing written. Pulling from CloudWatch Logs is tested against moto in the corpus
//! crate.

use crate::support::{cutover, json_stdout, repo_root};

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn the_recorded_corpus_holds_no_secret_and_its_stats_count_every_record() {
    let events = repo_root().join("events");
    let check = cutover().args(["corpus", "check", "--format", "json"]).arg(&events).output().expect("runs");
    let report = json_stdout(&check);
    assert_eq!(report["findings"], serde_json::json!([]), "the scenario's secrets were redacted by the recorder");
    let records = report["records"].as_u64().expect("a count");
    assert!(records > 100, "{records}");
    let stats =
        json_stdout(&cutover().args(["corpus", "stats", "--format", "json"]).arg(&events).output().expect("runs"));
    assert_eq!(stats["records"].as_u64(), Some(records));
    let per_function: u64 = stats["functions"]
        .as_object()
        .expect("functions")
        .values()
        .map(|function| function["records"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(per_function, records);
    assert!(stats["functions"]["create-cluster"]["routes"]["POST /clusters"]["outcomes"]["201"].as_u64() > Some(0));
}

#[test]
fn a_leaky_corpus_fails_the_check_naming_where_without_the_value() {
    let folder = tempfile::tempdir().expect("tempdir");
    let leaky = folder.path().join("leaky.jsonl");
    let secret = "Bearer abcdefghijklmnopqrstuvwxyz0123456789";
    std::fs::write(
        &leaky,
        format!(
            r#"{{"schema": "cutover.record/v1", "id": "r1", "function": "f", "source": "other", "route": "r", "recorded_at": "2026-12-03T00:00:00+00:00", "event": {{"headers": {{"Authorization": "{secret}"}}}}, "response": null}}"#
        ) + "\n",
    )
    .expect("write");
    let output = cutover().args(["corpus", "check"]).arg(&leaky).output().expect("runs");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("r1 (f): secret header at $.event.headers.Authorization"), "{table}");
    assert!(!table.contains("abcdefghij"), "the check never prints the secret: {table}");
}

#[test]
fn bad_input_exits_two_and_writes_nothing() {
    let folder = tempfile::tempdir().expect("tempdir");
    let events = repo_root().join("events");
    let out = folder.path().join("sample.jsonl");
    let bad_rate =
        cutover().args(["corpus", "sample", "--rate", "1.5", "--out"]).arg(&out).arg(&events).output().expect("runs");
    assert_eq!(bad_rate.status.code(), Some(2));
    assert!(stderr(&bad_rate).contains("--rate 1.5"), "{}", stderr(&bad_rate));
    let nothing = cutover()
        .args(["corpus", "filter", "--function", "no-such-function", "--out"])
        .arg(&out)
        .arg(&events)
        .output()
        .expect("runs");
    assert_eq!(nothing.status.code(), Some(2), "an empty selection is no corpus");
    assert!(!out.exists() && std::fs::read_dir(folder.path()).expect("list").next().is_none(), "nothing half-written");
    let broken = folder.path().join("broken.jsonl");
    std::fs::write(&broken, "{\"schema\": \"cutover.record/v1\"\n").expect("write");
    let output = cutover().args(["corpus", "stats"]).arg(&broken).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("broken.jsonl") && stderr(&output).contains("line 1"), "{}", stderr(&output));

    let sampled = cutover()
        .args(["corpus", "sample", "--rate", "0.5", "--seed", "3", "--format", "json", "--out"])
        .arg(&out)
        .arg(&events)
        .output()
        .expect("runs");
    let summary = json_stdout(&sampled);
    let written = summary["written"].as_u64().expect("written");
    assert!(written > 0 && written < summary["read"].as_u64().expect("read"), "{summary}");
    let again =
        cutover().args(["corpus", "sample", "--rate", "0.5", "--out"]).arg(&out).arg(&events).output().expect("runs");
    assert_eq!(again.status.code(), Some(2), "a corpus is never overwritten");
}
