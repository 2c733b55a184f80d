//! The example project, `examples/orders`, end to end on the local stack, as
//! docs/own-functions.md walks it: the Python function's traffic recorded through the
//! emulator into moto's CloudWatch Logs (the recorder in log mode, the emulator shipping
//! the lines), `corpus pull` and `check`, `parity run` against the Rust rewrite with every
//! record alike, `package`, and `deploy` publishing the zip as version 2 of the function
//! in moto's Lambda. One moto serves the whole path: the one `cutover local serve` starts
//! (its `aws_endpoint`), stopped with it. Loopback only, and nothing is downloaded: the
//! Rust side is the debug build of `orders` (`make test` builds every binary first),
//! zipped with `package --binaries`, so no musl target is needed.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::support::{cutover, json_stdout, python, repo_root};

const CONFIG: &str = "examples/orders/cutover.toml";
const RULES: &str = "examples/orders/parity.toml";
const REGION: &str = "eu-west-1";

/// The function as the team created it before the rewrite: its execution role, the
/// Python code at 512 MB, and version 1 published.
const CREATE_PYTHON_FUNCTION: &str = r#"
import io, sys, zipfile
import boto3
endpoint, code = sys.argv[1], sys.argv[2]
session = dict(endpoint_url=endpoint, region_name="eu-west-1")
role = boto3.client("iam", **session).create_role(RoleName="orders-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
package = io.BytesIO()
with zipfile.ZipFile(package, "w") as archive:
    archive.write(code, "app.py")
lam = boto3.client("lambda", **session)
lam.create_function(FunctionName="orders", Runtime="python3.12", Role=role, Handler="app.handler",
                    Code={"ZipFile": package.getvalue()}, MemorySize=512,
                    Environment={"Variables": {"ORDERS_TABLE": "orders", "CUTOVER_RECORD": "log"}})
print(lam.publish_version(FunctionName="orders", Description="python")["Version"])
"#;

/// What moto's Lambda holds for one version, as JSON.
const READ_VERSION: &str = r#"
import json, sys
import boto3
lam = boto3.client("lambda", endpoint_url=sys.argv[1], region_name="eu-west-1")
version = lam.get_function_configuration(FunctionName="orders", Qualifier=sys.argv[2])
print(json.dumps({key: version.get(key) for key in ("Version", "Runtime", "Handler", "MemorySize", "CodeSha256")}))
"#;

/// A command run from the repository's root, as the guide's commands are, with moto's
/// placeholder credentials and nothing of the caller's AWS setup.
fn in_repo(mut command: Command, scratch: &Path) -> Command {
    let venv = python().parent().and_then(Path::parent).map(Path::to_path_buf).expect("the venv's folder");
    command
        .current_dir(repo_root())
        .env("CUTOVER_VENV", venv)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", scratch.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", scratch.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("CUTOVER_CONFIG")
        .env_remove("CUTOVER_PARITY_RULES");
    command
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `cutover local serve` in the background, stopped by SIGTERM (it stops its sandboxes
/// and moto) when dropped, so a failed assertion leaves nothing running either.
struct Serve {
    child: Option<Child>,
}

impl Serve {
    fn start(scratch: &Path) -> (Serve, Value) {
        let log = std::fs::File::create(scratch.join("serve.log")).expect("serve log");
        let mut command = in_repo(cutover(), scratch);
        command
            .args(["local", "--format", "json", "serve", "--config", CONFIG])
            .args(["--lambda-api", "127.0.0.1:0", "--api-gateway", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(log);
        let mut child = command.spawn().expect("serve starts");
        // The addresses come first, as one pretty-printed JSON object.
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let serve = Serve { child: Some(child) };
        let mut printed = String::new();
        let info = loop {
            let mut line = String::new();
            if stdout.read_line(&mut line).expect("read") == 0 {
                let log = std::fs::read_to_string(scratch.join("serve.log")).unwrap_or_default();
                panic!("serve ended before printing its addresses: {printed}{log}");
            }
            printed.push_str(&line);
            if let Ok(info) = serde_json::from_str::<Value>(&printed) {
                break info;
            }
        };
        (serve, info)
    }

    /// SIGTERM, then its exit status (SIGKILL after 15 s); `None` once stopped.
    fn stop(&mut self) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        child.wait().ok()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `cutover corpus pull` into a new folder until it holds `expected` records: the
/// emulator ships log lines in batches (every 0.1 s), so the last ones may still be on
/// their way when the traffic ends.
fn pull_until(expected: u64, moto: &str, scratch: &Path) -> PathBuf {
    let started = Instant::now();
    for attempt in 1.. {
        let out = scratch.join(format!("corpus-{attempt}"));
        let mut command = in_repo(cutover(), scratch);
        command.args(["corpus", "pull", "--function", "orders", "--region", REGION, "--format", "json"]);
        let pulled = command.arg("--endpoint-url").arg(moto).arg("--out").arg(&out).output().expect("pull runs");
        // Exit 1 is a pull that found no record line yet.
        if pulled.status.code() != Some(1) {
            let summary = json_stdout(&pulled);
            let records = summary["functions"][0]["records"].as_u64().expect("a count");
            if records == expected {
                assert_eq!(summary["functions"][0]["unreadable"], 0, "{summary}");
                return out;
            }
            assert!(records < expected, "more records than requests: {summary}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the {expected} records did not reach moto: {}",
            stderr(&pulled)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    unreachable!("the loop returns or panics")
}

#[test]
fn the_example_goes_from_recorded_python_traffic_to_a_published_rust_version() {
    let started = Instant::now();
    let scratch = tempfile::tempdir().expect("tempdir");
    let scratch = scratch.path();
    let target_debug = PathBuf::from(env!("CARGO_BIN_EXE_cutover")).parent().expect("target/debug").to_path_buf();
    assert!(
        target_debug.join("orders").is_file(),
        "the example's Rust build is missing: `cargo build -p orders` (make test builds every binary first)"
    );

    // 4. package, first: version "2" of the config is the bootstrap it stages in Cargo's
    // target/lambda/orders/. A debug build is over the 3 MB budget of release builds, so
    // the budget is Lambda's own 50 MB here.
    let mut command = in_repo(cutover(), scratch);
    command.args(["package", "orders", "--format", "json", "--max-zip-bytes", "50000000", "--binaries"]);
    let out_dir = target_debug.parent().expect("target").join("lambda");
    let packaged = json_stdout(&command.arg(&target_debug).arg("--out-dir").arg(&out_dir).output().expect("runs"));
    let zip = PathBuf::from(packaged["packages"][0]["zip"].as_str().expect("the zip's path"));
    assert!(out_dir.join("orders/bootstrap").is_file(), "{packaged}");

    // 1. traffic recorded: the Python version behind the API Gateway front, its recorder
    // logging each invocation, the emulator shipping the lines to moto.
    let (mut serve, info) = Serve::start(scratch);
    let api_gateway = info["api_gateway"].as_str().expect("the API Gateway front").to_string();
    let moto = info["aws_endpoint"].as_str().expect("moto's endpoint").to_string();
    let mut command = in_repo(Command::new(python()), scratch);
    let traffic = command.args(["examples/orders/tools/traffic.py", "--url", &api_gateway]).output().expect("runs");
    assert!(traffic.status.success(), "traffic: {}", stderr(&traffic));
    let answered = String::from_utf8_lossy(&traffic.stdout).into_owned();
    let requests = answered.lines().count() as u64;
    for status in ["201", "200", "404", "409", "400"] {
        assert!(answered.lines().any(|line| line.ends_with(status)), "no {status} in the traffic:\n{answered}");
    }

    // 2. pulled from moto's CloudWatch Logs, and checked for secrets.
    let corpus = pull_until(requests, &moto, scratch);
    let mut command = in_repo(cutover(), scratch);
    let checked =
        json_stdout(&command.args(["corpus", "check", "--format", "json"]).arg(&corpus).output().expect("runs"));
    assert_eq!(checked["records"].as_u64(), Some(requests), "{checked}");
    assert_eq!(checked["findings"], serde_json::json!([]));

    // 3. parity: each side on its own emulator and moto, every record alike, every write too.
    let mut command = in_repo(cutover(), scratch);
    command.args([
        "parity",
        "run",
        "--baseline",
        "local:orders:1",
        "--candidate",
        "local:orders:2",
        "--format",
        "json",
    ]);
    let parity = command.args(["--config", CONFIG, "--rules", RULES, "--corpus"]).arg(&corpus).output().expect("runs");
    let report = json_stdout(&parity);
    let totals = &report["totals"];
    assert_eq!(totals["total"].as_u64(), Some(requests), "{totals}");
    assert_eq!(totals["matched"], totals["total"], "100 % parity: {totals}");
    assert_eq!(report["side_effects"]["mismatches"], 0, "{}", report["side_effects"]);
    assert_eq!(report["side_effects"]["baseline_items"], 3, "the three orders the traffic created");
    assert_eq!(report["write_calls"]["parted"], 0, "{}", report["write_calls"]);

    // 5. deploy: the function as it runs on AWS (Python, version 1), then the Rust zip
    // published as version 2, its CodeSha256 the zip's.
    let mut command = in_repo(Command::new(python()), scratch);
    let created = command.args(["-c", CREATE_PYTHON_FUNCTION, &moto, "examples/orders/python/app.py"]).output();
    let created = created.expect("python runs");
    assert!(created.status.success(), "create the Python function: {}", stderr(&created));
    assert_eq!(String::from_utf8_lossy(&created.stdout).trim(), "1");
    let mut command = in_repo(cutover(), scratch);
    command.args(["deploy", "orders", "--memory", "128", "--region", REGION, "--format", "json", "--zip"]).arg(&zip);
    let deployed = json_stdout(&command.args(["--endpoint-url", &moto]).output().expect("deploy runs"));
    let zip_sha256 =
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(std::fs::read(&zip).expect("zip")));
    assert_eq!(deployed["version"], "2", "{deployed}");
    assert_eq!(deployed["code_sha256"], zip_sha256.as_str());
    let mut command = in_repo(Command::new(python()), scratch);
    let read = command.args(["-c", READ_VERSION, &moto, "2"]).output().expect("python runs");
    assert!(read.status.success(), "read version 2: {}", stderr(&read));
    let version: Value = serde_json::from_slice(&read.stdout).expect("JSON");
    assert_eq!(
        version,
        serde_json::json!({"Version": "2", "Runtime": "provided.al2023", "Handler": "bootstrap", "MemorySize": 128, "CodeSha256": zip_sha256})
    );

    let stopped = serve.stop().expect("serve was running");
    assert!(stopped.success(), "serve stops cleanly on SIGTERM: {stopped:?}");
    eprintln!("examples/orders end to end in {:.1} s", started.elapsed().as_secs_f64());
}
