//! `cutover parity run --shard K/N` and `cutover parity merge` through the binary: the
//! project's corpus replayed as three shards merges into the report of one run, and
//! reports that are not the shards of one run are refused with exit 2, the file named.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::support;

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `parity run` of the project's corpus and rules, `recorded` against itself.
fn run_recorded(extra: &[&str]) -> Output {
    let root = support::repo_root();
    support::cutover_outside_repo()
        .args(["parity", "run", "--baseline", "recorded", "--candidate", "recorded", "--corpus"])
        .arg(root.join("events"))
        .arg("--rules")
        .arg(root.join("parity.toml"))
        .args(extra)
        .output()
        .expect("runs")
}

fn merge(reports: &[&Path], extra: &[&str]) -> Output {
    support::cutover_outside_repo().args(["parity", "merge"]).args(reports).args(extra).output().expect("runs")
}

#[test]
fn three_shards_merge_into_the_report_of_one_run_and_strangers_are_refused() {
    let folder = tempfile::tempdir().expect("tempdir");
    let whole = support::json_stdout(&run_recorded(&["--format", "json"]));
    let shard_files: Vec<_> = (1..=3).map(|index| folder.path().join(format!("shard-{index}.json"))).collect();
    let mut shard_totals = 0;
    for (index, file) in (1..=3).zip(&shard_files) {
        let shard = format!("{index}/3");
        let output = run_recorded(&["--shard", &shard, "--format", "json", "--output", file.to_str().expect("utf-8")]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let report: Value = serde_json::from_str(&std::fs::read_to_string(file).expect("written")).expect("JSON");
        assert_eq!(report["shard"]["shard"], serde_json::json!({"index": index, "count": 3}));
        assert_eq!(report["shard"]["corpus_records"], 422);
        assert!(report["shard"]["identity"]["rules"].as_str().expect("digest").starts_with("fnv1a128:"));
        let total = report["totals"]["total"].as_u64().expect("a count");
        assert!(total > 0 && total < 422, "shard {shard} holds part of the corpus: {total}");
        shard_totals += total;
    }
    assert_eq!(shard_totals, 422, "every record in exactly one shard");

    let paths: Vec<&Path> = shard_files.iter().map(|path| path.as_path()).collect();
    let merged = support::json_stdout(&merge(&paths, &["--format", "json"]));
    assert_eq!(merged["totals"], whole["totals"]);
    assert_eq!(merged["routes"], whole["routes"]);
    assert_eq!(merged["totals"]["matched"], 422);
    assert!(merged.get("shard").is_none());
    let table = merge(&paths, &[]);
    assert_eq!(table.status.code(), Some(0), "{}", stderr(&table));
    assert!(String::from_utf8_lossy(&table.stdout).contains("PASS: 0 mismatched or failed records of 422"));
    let junit_file = folder.path().join("merged.xml");
    let junit = merge(&paths, &["--format", "junit", "--output", junit_file.to_str().expect("utf-8")]);
    assert_eq!(junit.status.code(), Some(0), "{}", stderr(&junit));
    assert!(std::fs::read_to_string(&junit_file).expect("written").contains("<testsuite"));

    // A missing shard, the same shard twice, a file that is no parity report, an
    // unsharded report: exit 2, the file named.
    let missing = merge(&paths[..2], &[]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("shard 3/3 is missing"), "{}", stderr(&missing));
    assert!(stderr(&missing).contains("shard-2.json"), "{}", stderr(&missing));
    let twice = merge(&[paths[0], paths[1], paths[1]], &[]);
    assert_eq!(twice.status.code(), Some(2));
    assert!(stderr(&twice).contains("are both shard 2/3"), "{}", stderr(&twice));
    let stranger = folder.path().join("notes.json");
    std::fs::write(&stranger, "{\"hello\": 1}").expect("write");
    let refused = merge(&[paths[0], &stranger], &[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("notes.json: not a parity JSON report"), "{}", stderr(&refused));
    let unsharded = folder.path().join("whole.json");
    std::fs::write(&unsharded, whole.to_string()).expect("write");
    let refused = merge(&[&unsharded], &[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("whole.json: a parity report of an unsharded run"), "{}", stderr(&refused));

    // A bad --shard is a usage error naming the flag, before any side starts.
    for bad in ["4/3", "0/3", "1/0", "two/3"] {
        let output = run_recorded(&["--shard", bad]);
        assert_eq!(output.status.code(), Some(2), "{bad}: {}", stderr(&output));
        assert!(stderr(&output).contains("--shard"), "{bad}: {}", stderr(&output));
    }
}
