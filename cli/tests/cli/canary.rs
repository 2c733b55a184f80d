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
        (&["start", "get-cluster:live", "--to", "2", "--steps", "10,150", "--config", "/dev/null"], "--steps: step 2 is 150 %"),
        (&["tick", "get-cluster"], "names no alias"),
        (&["status", "get-cluster:live", "--config", "/dev/null"], "no deployment of get-cluster:live"),
        (&["start", "get-cluster:live", "--to", "2", "--step-duration", "ten", "--config", "/dev/null"], "--step-duration: `ten` is not a duration"),
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
