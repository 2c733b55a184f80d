//! `cutover local` as a user runs it: the real binary, a real config, Python sandboxes
//! through awslambdaric, and `serve` stopped by SIGTERM with no process left behind.

use crate::support;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

#[test]
fn invoke_runs_one_call_in_process_and_prints_json() {
    let folder = tempfile::tempdir().expect("tempdir");
    let config = support::write_echo_config(folder.path(), "");
    let output = support::cutover()
        .args(["local", "--format", "json", "invoke", "echo:1", "--payload", r#"{"a": 1}"#, "--config"])
        .arg(&config)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let result: Value = serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(result["payload"]["event"], serde_json::json!({"a": 1}));
    assert_eq!(result["executed_version"], "1");
    assert_eq!(result["function_error"], Value::Null);
    assert!(result["report"].as_str().expect("report").starts_with("REPORT RequestId: "));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("[echo:1] REPORT RequestId: "), "REPORT on stderr: {stderr}");
}

#[test]
fn a_failing_function_exits_with_one_and_prints_its_error() {
    let folder = tempfile::tempdir().expect("tempdir");
    let config = support::write_echo_config(folder.path(), "");
    let output =
        support::cutover().args(["local", "invoke", "echo:2", "--config"]).arg(&config).output().expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let error: Value = serde_json::from_slice(&output.stdout).expect("the error document on stdout");
    assert_eq!(error["errorType"], "ValueError");
}

#[test]
fn bad_input_names_the_key_and_exits_with_two() {
    let folder = tempfile::tempdir().expect("tempdir");
    let config = support::write_echo_config(folder.path(), "lambda_apii = \"127.0.0.1:0\"");
    let output = support::cutover().args(["local", "invoke", "echo", "--config"]).arg(&config).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cutover.toml: line 4: unknown field `lambda_apii`"), "{stderr}");

    let config = support::write_echo_config(folder.path(), "");
    let output = support::cutover()
        .args(["local", "invoke", "echo", "--payload", "{not json", "--config"])
        .arg(&config)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--payload: not valid JSON at line 1 column 2"));
}

fn children_of(pid: u32) -> Vec<u32> {
    let mut children = Vec::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return children };
    for task in tasks.flatten() {
        if let Ok(text) = std::fs::read_to_string(task.path().join("children")) {
            children.extend(text.split_whitespace().filter_map(|child| child.parse::<u32>().ok()));
        }
    }
    children
}

#[test]
fn serve_answers_until_sigterm_and_leaves_no_process_behind() {
    let folder = tempfile::tempdir().expect("tempdir");
    let config = support::write_echo_config(folder.path(), "lambda_api = \"127.0.0.1:0\"");
    let mut serve = support::cutover()
        .args(["local", "--format", "json", "serve", "--config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    // The addresses come first, as one pretty-printed JSON object.
    let mut stdout = BufReader::new(serve.stdout.take().expect("stdout"));
    let mut printed = String::new();
    let info: Value = loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("read") == 0 {
            panic!("serve ended before printing its addresses: {printed}");
        }
        printed.push_str(&line);
        if let Ok(info) = serde_json::from_str(&printed) {
            break info;
        }
    };
    let endpoint = info["lambda_api"].as_str().expect("lambda_api").to_string();
    let invoked = support::cutover()
        .args(["local", "--format", "json", "invoke", "echo:1", "--payload", r#"{"via": "endpoint"}"#, "--endpoint"])
        .arg(&endpoint)
        .output()
        .expect("runs");
    assert!(invoked.status.success(), "{}", String::from_utf8_lossy(&invoked.stderr));
    let result: Value = serde_json::from_slice(&invoked.stdout).expect("JSON");
    assert_eq!(result["payload"]["event"]["via"], "endpoint");
    assert!(result["report"].as_str().expect("REPORT from the log tail").starts_with("REPORT RequestId: "));

    let sandboxes = children_of(serve.id());
    assert!(!sandboxes.is_empty(), "a warm sandbox runs under serve");
    let status = Command::new("kill").args(["-TERM", &serve.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = serve.try_wait().expect("wait") {
            break exit;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "serve exits cleanly on SIGTERM: {exit:?}");
    let mut stderr = String::new();
    serve.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("read");
    assert!(stderr.contains("terminated, stopping"), "{stderr}");
    for pid in sandboxes {
        assert!(!Path::new(&format!("/proc/{pid}")).exists(), "sandbox {pid} outlived serve");
    }
}
