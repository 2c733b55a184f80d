//! The emulator against the real clients: awslambdaric and `lambda_runtime` runtimes,
//! aws-sdk-lambda, boto3 and the aws CLI on the Invoke API, an HTTP client on the API Gateway front.
//! Every server listens on 127.0.0.1 on a free port and is stopped by its test.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use emulator::{Clock, Config, Emulator, EmulatorOptions, InvokeError, LogSink, OutcomeStatus};
use serde_json::{Value, json};

mod cloudwatch;
mod control_plane;
mod faults;
mod fidelity;
mod physics;
mod recording_proxy;

// ---- fixtures ----------------------------------------------------------------------------

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The `fixture_bootstrap` example, built by `cargo test` next to this test binary.
fn fixture_bootstrap() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe.parent().and_then(Path::parent).expect("target/<profile>");
    let path = profile_dir.join("examples/fixture_bootstrap");
    assert!(path.exists(), "{} is missing: run `cargo test -p emulator` (it builds examples)", path.display());
    path
}

fn python() -> PathBuf {
    let venv = std::env::var_os("CUTOVER_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv"));
    let python = venv.join("bin/python");
    assert!(python.exists(), "{} is missing: run scripts/setup-python.sh", python.display());
    python
}

/// A config with a Rust function `rust` (versions 1 and 2, alias `live`) and a Python
/// function `py`, plus whatever `extra` adds.
fn config(extra: &str, rust_settings: &str) -> Config {
    let text = format!(
        r#"
[local]
python = "{python}"

[[function]]
name = "rust"
memory_mb = 256
{rust_settings}
[[function.version]]
version = "1"
bootstrap = "{bootstrap}"
[[function.version]]
version = "2"
bootstrap = "{bootstrap}"
environment = {{ FIXTURE_CUSTOM = "version-two" }}
[[function.alias]]
name = "live"
version = "1"
additional_version_weights = {{ "2" = 0.25 }}

[[function]]
name = "py"
timeout_s = 1
[[function.version]]
version = "1"
python = {{ handler = "fixture_handlers.echo", code = "python" }}
[[function.version]]
version = "2"
python = {{ handler = "fixture_handlers.fail", code = "python" }}
[[function.version]]
version = "3"
python = {{ handler = "broken_init.handler", code = "python" }}

{extra}
"#,
        python = python().display(),
        bootstrap = fixture_bootstrap().display(),
    );
    Config::parse(&text, Path::new("test-cutover.toml"), &fixtures()).expect("test config is valid")
}

async fn start(config: Config, serve_http: bool) -> (Emulator, LogSink) {
    let logs = LogSink::memory();
    let options = EmulatorOptions {
        logs: logs.clone(),
        routing_seed: Some(7),
        serve_http,
        start_backend: true,
        ..Default::default()
    };
    (Emulator::start(config, options).await.expect("emulator starts"), logs)
}

/// Like [`start`], with the emulator on `clock`.
async fn start_on(config: Config, serve_http: bool, clock: Arc<dyn Clock>) -> Emulator {
    let options = EmulatorOptions {
        logs: LogSink::memory(),
        clock,
        routing_seed: Some(7),
        serve_http,
        start_backend: true,
        ..Default::default()
    };
    Emulator::start(config, options).await.expect("emulator starts")
}

/// A clock the test moves by hand, so metrics land in the minutes the test chooses.
#[derive(Debug)]
struct SteppedClock(Mutex<SystemTime>);

impl SteppedClock {
    fn at_epoch(seconds: u64) -> Arc<SteppedClock> {
        Arc::new(SteppedClock(Mutex::new(UNIX_EPOCH + Duration::from_secs(seconds))))
    }

    fn advance(&self, by: Duration) {
        *self.0.lock().expect("clock lock") += by;
    }
}

impl Clock for SteppedClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().expect("clock lock")
    }
}

fn payload(value: Value) -> Bytes {
    Bytes::from(value.to_string())
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|error| panic!("not JSON ({error}): {}", String::from_utf8_lossy(bytes)))
}

fn process_alive(pid: u32) -> bool {
    // A zombie still has a /proc entry; a reaped process has none.
    Path::new(&format!("/proc/{pid}")).exists()
}

// ---- Runtime API conformance -------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lambda_runtime_runs_through_the_runtime_api_and_stays_warm() {
    let (emulator, logs) = start(config("", ""), false).await;
    let first = emulator.invoke("rust", Some("1"), payload(json!({"op": "echo", "n": 1}))).await.expect("invoked");
    assert_eq!(first.status, OutcomeStatus::Success, "{}", String::from_utf8_lossy(&first.payload));
    let answer = json_of(&first.payload);
    assert_eq!(answer["event"]["n"], 1);
    assert_eq!(answer["request_id"], first.request_id.as_str());
    assert!(answer["invoked_function_arn"].as_str().expect("arn").ends_with(":function:rust:1"));
    assert_eq!(answer["function_version"], "1");
    assert_eq!(answer["memory_size"], "256");
    assert_eq!(answer["log_group"], "/aws/lambda/rust");
    let deadline = answer["deadline_ms"].as_u64().expect("deadline");
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as u64;
    assert!(deadline > now_ms && deadline <= now_ms + 3_100, "deadline {deadline} vs now {now_ms} with a 3 s timeout");
    assert!(first.report.init_duration.is_some(), "a cold start reports its init");
    assert!(first.report.max_memory_used_mb > 0);

    let second = emulator.invoke("rust", Some("1"), payload(json!({"op": "echo"}))).await.expect("invoked");
    assert_eq!(json_of(&second.payload)["pid"], answer["pid"], "the warm sandbox is reused");
    assert!(second.report.init_duration.is_none(), "a warm start has no init");
    assert_eq!(emulator.warm_sandboxes("rust").get("1"), Some(&1));

    let report_lines: Vec<String> = logs.lines().into_iter().filter(|line| line.contains("REPORT RequestId")).collect();
    assert_eq!(report_lines.len(), 2);
    assert!(report_lines[0].starts_with(&format!("[rust:1] REPORT RequestId: {}\tDuration: ", first.request_id)));
    assert!(report_lines[0].contains("\tMemory Size: 256 MB\tMax Memory Used: "));
    assert!(report_lines[0].contains("\tInit Duration: "));
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awslambdaric_runs_python_handlers_and_reports_their_errors() {
    let (emulator, logs) = start(config("", ""), false).await;
    let outcome = emulator.invoke("py", Some("1"), payload(json!({"hello": "python"}))).await.expect("invoked");
    assert_eq!(
        outcome.status,
        OutcomeStatus::Success,
        "{}\n{:#?}",
        String::from_utf8_lossy(&outcome.payload),
        logs.lines()
    );
    let answer = json_of(&outcome.payload);
    assert_eq!(answer["event"], json!({"hello": "python"}));
    assert_eq!(answer["request_id"], outcome.request_id.as_str());
    assert_eq!(answer["function_name"], "py");
    assert_eq!(answer["function_version"], "1");
    assert_eq!(answer["memory_limit_in_mb"], "128");
    assert_eq!(answer["remaining_ms_positive"], true);
    assert_eq!(answer["handler"], "fixture_handlers.echo");
    assert!(
        logs.lines().iter().any(|line| line.starts_with("[py:1] ") && line.contains("echo handler got")),
        "the handler's print reaches the log with its prefix"
    );

    let failed = emulator.invoke("py", Some("2"), payload(json!({}))).await.expect("invoked");
    assert_eq!(failed.status, OutcomeStatus::FunctionError { error_type: "ValueError".into() });
    assert_eq!(failed.function_error(), Some("Unhandled"));
    let error = json_of(&failed.payload);
    assert_eq!(error["errorMessage"], "the fixture was asked to fail");
    assert_eq!(error["errorType"], "ValueError");
    emulator.shutdown().await;
}

// ---- failure modes -----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_error_is_an_init_error_with_awslambdarics_document() {
    let (emulator, logs) = start(config("", ""), false).await;
    let outcome = emulator.invoke("py", Some("3"), payload(json!({}))).await.expect("invoked");
    assert_eq!(outcome.status, OutcomeStatus::InitError { error_type: "Runtime.ImportModuleError".into() });
    assert_eq!(outcome.function_error(), Some("Unhandled"));
    let error = json_of(&outcome.payload);
    assert!(error["errorMessage"].as_str().expect("message").contains("module_that_is_not_installed"), "{error}");
    assert!(outcome.report.init_duration.is_some());
    assert!(logs.lines().iter().any(|line| line.contains("INIT_REPORT") && line.contains("Status: error")));
    assert!(emulator.warm_sandboxes("py").values().all(|count| *count == 0), "a failed sandbox is not kept");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_that_exits_during_init_is_an_init_error() {
    let extra = r#"
[[function]]
name = "broken"
environment = { FIXTURE_FAIL_INIT = "1" }
[[function.version]]
version = "1"
bootstrap = "BOOTSTRAP"
"#
    .replace("BOOTSTRAP", &fixture_bootstrap().display().to_string());
    let (emulator, _logs) = start(config(&extra, ""), false).await;
    let outcome = emulator.invoke("broken", None, payload(json!({}))).await.expect("invoked");
    assert_eq!(outcome.status, OutcomeStatus::InitError { error_type: "Runtime.ExitError".into() });
    let error = json_of(&outcome.payload);
    assert!(error["errorMessage"].as_str().expect("message").ends_with("Runtime exited with error: exit status 3"));
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timeout_kills_the_sandbox_and_the_next_call_starts_cold() {
    let (emulator, logs) = start(config("", "timeout_s = 0.3"), false).await;
    let warm = emulator.invoke("rust", Some("1"), payload(json!({"op": "echo"}))).await.expect("invoked");
    let pid = json_of(&warm.payload)["pid"].as_u64().expect("pid") as u32;
    let started = std::time::Instant::now();
    let outcome =
        emulator.invoke("rust", Some("1"), payload(json!({"op": "sleep", "ms": 5000}))).await.expect("invoked");
    // Answered at the deadline (0.3 s), not when the 5 s sleep would end; the bound leaves
    // room for a loaded CI machine.
    assert!(started.elapsed() < Duration::from_secs(4), "the caller is answered at the deadline");
    assert_eq!(outcome.status, OutcomeStatus::Timeout);
    let error = json_of(&outcome.payload);
    assert_eq!(error["errorType"], "Sandbox.Timedout");
    assert!(error["errorMessage"].as_str().expect("message").ends_with("Task timed out after 0.30 seconds"), "{error}");
    assert!(outcome.report.to_string().contains("Status: timeout"));
    assert!(logs.lines().iter().any(|line| line.ends_with("Task timed out after 0.30 seconds")));
    let gone = fidelity::eventually(Duration::from_secs(10), || !process_alive(pid)).await;
    assert!(gone, "the timed-out sandbox {pid} is gone");

    let next = emulator.invoke("rust", Some("1"), payload(json!({"op": "echo"}))).await.expect("invoked");
    assert_eq!(next.status, OutcomeStatus::Success);
    assert!(next.report.init_duration.is_some(), "a replacement sandbox starts cold");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exit_mid_invocation_is_an_exit_error_and_the_sandbox_is_replaced() {
    let (emulator, _logs) = start(config("", ""), false).await;
    let outcome = emulator.invoke("rust", Some("1"), payload(json!({"op": "exit", "code": 7}))).await.expect("invoked");
    assert_eq!(outcome.status, OutcomeStatus::ExitError);
    let error = json_of(&outcome.payload);
    assert_eq!(error["errorType"], "Runtime.ExitError");
    assert_eq!(
        error["errorMessage"],
        format!("RequestId: {} Error: Runtime exited with error: exit status 7", outcome.request_id)
    );
    let next = emulator.invoke("rust", Some("1"), payload(json!({"op": "echo"}))).await.expect("invoked");
    assert_eq!(next.status, OutcomeStatus::Success);
    assert!(next.report.init_duration.is_some());
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payloads_over_six_megabytes_are_refused_both_ways() {
    let (emulator, _logs) = start(config("", ""), false).await;
    let huge = Bytes::from(format!("\"{}\"", "x".repeat(emulator::MAX_REQUEST_BYTES)));
    let refused = emulator.invoke("rust", Some("1"), huge).await.expect_err("too large");
    assert!(matches!(refused, InvokeError::RequestTooLarge { .. }), "{refused:?}");
    assert_eq!(refused.http_status_and_type(), (413, "RequestTooLargeException"));

    let outcome =
        emulator.invoke("rust", Some("1"), payload(json!({"op": "big", "bytes": 7_000_000}))).await.expect("invoked");
    assert_eq!(outcome.status, OutcomeStatus::ResponseTooLarge);
    assert_eq!(json_of(&outcome.payload)["errorType"], "Function.ResponseSizeTooLarge");
    let just_under =
        emulator.invoke("rust", Some("1"), payload(json!({"op": "big", "bytes": 6_000_000}))).await.expect("invoked");
    assert_eq!(just_under.status, OutcomeStatus::Success);
    assert_eq!(just_under.payload.len(), 6_000_002);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_the_concurrency_invocations_are_throttled() {
    let (emulator, _logs) = start(config("", "concurrency = 2"), false).await;
    let slow = || emulator.invoke("rust", Some("1"), payload(json!({"op": "sleep", "ms": 1500})));
    let third = async {
        // Both slow calls hold their slot once their sandboxes exist (a slot is taken before
        // the sandbox starts); poll for that rather than guess how long starting takes.
        let both_running = fidelity::eventually(Duration::from_secs(20), || emulator.child_pids().len() >= 2).await;
        assert!(both_running, "two sandboxes started");
        emulator.invoke("rust", Some("2"), payload(json!({}))).await
    };
    let (first, second, third) = tokio::join!(slow(), slow(), third);
    assert_eq!(first.expect("first runs").status, OutcomeStatus::Success);
    assert_eq!(second.expect("second runs").status, OutcomeStatus::Success);
    let throttled = third.expect_err("third is throttled");
    assert_eq!(throttled.http_status_and_type(), (429, "TooManyRequestsException"));
    assert_eq!(emulator.warm_sandboxes("rust").get("1"), Some(&2), "two sandboxes ran side by side");
    let after = emulator.invoke("rust", Some("2"), payload(json!({}))).await.expect("capacity is back");
    assert_eq!(after.status, OutcomeStatus::Success);
    let metrics = emulator.metrics().query(&emulator::MetricsQuery {
        function: "rust".into(),
        start: 0,
        end: u64::MAX,
        ..Default::default()
    });
    assert_eq!(metrics.statistics.throttles, 1);
    assert_eq!(metrics.statistics.invocations, 3);
    emulator.shutdown().await;
}

// ---- aliases -----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weighted_alias_splits_traffic_by_its_weights() {
    let (emulator, _logs) = start(config("", "concurrency = 4"), false).await;
    let mut to_two = 0;
    const CALLS: usize = 400;
    for _ in 0..CALLS {
        let outcome = emulator.invoke("rust:live", None, payload(json!({"op": "echo"}))).await.expect("invoked");
        let answer = json_of(&outcome.payload);
        assert_eq!(answer["function_version"], outcome.executed_version.as_str(), "the version that ran says so");
        if outcome.executed_version == "2" {
            to_two += 1;
            assert_eq!(answer["custom"], "version-two", "version environment applies");
        }
    }
    let share = to_two as f64 / CALLS as f64;
    assert!((0.18..=0.32).contains(&share), "share to version 2 was {share}, weight 0.25");
    let by_version = emulator.metrics().query(&emulator::MetricsQuery {
        function: "rust".into(),
        qualifier: Some("live".into()),
        start: 0,
        end: u64::MAX,
        ..Default::default()
    });
    assert_eq!(by_version.statistics.invocations, CALLS as u64);
    assert_eq!(by_version.by_executed_version["2"].invocations, to_two as u64);
    emulator.shutdown().await;
}

// ---- the Lambda API with aws-sdk-lambda and boto3 ---------------------------------------

fn sdk_client(emulator: &Emulator) -> aws_sdk_lambda::Client {
    use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
    let address = emulator.lambda_api_address().expect("serving");
    let config = aws_sdk_lambda::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(format!("http://{address}"))
        .region(Region::new("eu-west-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .build();
    aws_sdk_lambda::Client::from_conf(config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_sdk_lambda_invokes_and_manages_aliases() {
    use aws_sdk_lambda::primitives::Blob;
    let (emulator, _logs) = start(config("", ""), true).await;
    let client = sdk_client(&emulator);

    let invoked = client
        .invoke()
        .function_name("rust")
        .qualifier("2")
        .payload(Blob::new(json!({"op": "echo", "via": "sdk"}).to_string()))
        .send()
        .await
        .expect("Invoke");
    assert_eq!(invoked.status_code(), 200);
    assert_eq!(invoked.executed_version(), Some("2"));
    assert_eq!(invoked.function_error(), None);
    let answer = json_of(invoked.payload().expect("payload").as_ref());
    assert_eq!(answer["event"]["via"], "sdk");

    let failed = client
        .invoke()
        .function_name("arn:aws:lambda:eu-west-1:123456789012:function:rust")
        .payload(Blob::new(json!({"op": "error"}).to_string()))
        .send()
        .await
        .expect("Invoke of a failing handler still answers 200");
    assert_eq!(failed.function_error(), Some("Unhandled"));
    assert_eq!(failed.executed_version(), Some("$LATEST"));

    let missing = client.invoke().function_name("nope").send().await.expect_err("unknown function");
    assert!(missing.into_service_error().is_resource_not_found_exception());

    let alias = client.get_alias().function_name("rust").name("live").send().await.expect("GetAlias");
    assert_eq!(alias.function_version(), Some("1"));
    let weights = alias.routing_config().and_then(|routing| routing.additional_version_weights()).expect("weights");
    assert_eq!(weights.get("2"), Some(&0.25));
    let revision = alias.revision_id().expect("revision").to_string();

    let routing =
        aws_sdk_lambda::types::AliasRoutingConfiguration::builder().additional_version_weights("2", 0.5).build();
    let updated = client
        .update_alias()
        .function_name("rust")
        .name("live")
        .routing_config(routing)
        .revision_id(&revision)
        .send()
        .await
        .expect("UpdateAlias with the current revision");
    assert_ne!(updated.revision_id(), Some(revision.as_str()));
    assert_eq!(emulator.aliases().get("rust", "live").expect("alias").additional_version_weights["2"], 0.5);

    let stale = client
        .update_alias()
        .function_name("rust")
        .name("live")
        .function_version("2")
        .revision_id(&revision)
        .send()
        .await
        .expect_err("a stale revision is refused");
    assert_eq!(stale.raw_response().map(|response| response.status().as_u16()), Some(412));
    assert!(stale.into_service_error().is_precondition_failed_exception());

    let configuration =
        client.get_function_configuration().function_name("py").qualifier("1").send().await.expect("configuration");
    assert_eq!(configuration.handler(), Some("fixture_handlers.echo"));
    assert_eq!(configuration.memory_size(), Some(128));
    assert_eq!(configuration.timeout(), Some(1));
    assert_eq!(configuration.version(), Some("1"));

    let versions = client.list_versions_by_function().function_name("rust").send().await.expect("versions");
    let names: Vec<&str> = versions.versions().iter().filter_map(|version| version.version()).collect();
    assert_eq!(names, ["$LATEST", "1", "2"]);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_drives_the_lambda_api() {
    let (emulator, _logs) = start(config("", ""), true).await;
    let endpoint = format!("http://{}", emulator.lambda_api_address().expect("serving"));
    let output = tokio::process::Command::new(python())
        .arg(fixtures().join("boto3_client.py"))
        .arg(&endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .await
        .expect("python runs");
    assert!(output.status.success(), "boto3 script failed: {}", String::from_utf8_lossy(&output.stderr));
    let seen = json_of(&output.stdout);
    assert_eq!(seen["status"], 200);
    assert!(seen["executed_version"] == "1" || seen["executed_version"] == "2", "{seen}");
    assert_eq!(seen["payload"]["event"]["from"], "boto3");
    assert_eq!(seen["function_error"], "Unhandled");
    assert_eq!(seen["error_payload"]["errorMessage"], "the fixture was asked to fail");
    assert_eq!(seen["alias_version"], "1");
    assert_eq!(seen["alias_weights"], json!({"2": 0.25}));
    assert_eq!(seen["stale_error"], json!({"code": "PreconditionFailedException", "status": 412}));
    assert_eq!(seen["versions"], json!(["$LATEST", "1", "2"]));
    emulator.shutdown().await;
}

/// The aws CLI (v1, from the venv) against the Lambda API, as a release manager would use it.
async fn aws_cli(endpoint: &str, args: &[&str]) -> Value {
    let output = tokio::process::Command::new(python())
        .args(["-m", "awscli", "--endpoint-url", endpoint, "--output", "json"])
        .args(args)
        // The region as docs/deploy.md sets it.
        .env("AWS_DEFAULT_REGION", "eu-west-1")
        .env_remove("AWS_REGION")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .await
        .expect("the aws CLI runs");
    assert!(output.status.success(), "aws {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    json_of(&output.stdout)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_invokes_and_shifts_alias_weights() {
    let (emulator, _logs) = start(config("", ""), true).await;
    let endpoint = format!("http://{}", emulator.lambda_api_address().expect("serving"));
    let out_dir = tempfile::tempdir().expect("temp dir");
    let out_file = out_dir.path().join("response.json");
    let out_path = out_file.to_str().expect("utf-8 temp path");

    let invoked = aws_cli(
        &endpoint,
        &[
            "lambda",
            "invoke",
            "--function-name",
            "rust",
            "--qualifier",
            "1",
            "--payload",
            r#"{"op":"echo","from":"aws-cli"}"#,
            out_path,
        ],
    )
    .await;
    assert_eq!(invoked["StatusCode"], 200);
    assert_eq!(invoked["ExecutedVersion"], "1");
    let payload: Value = serde_json::from_slice(&std::fs::read(&out_file).expect("response file")).expect("json");
    assert_eq!(payload["event"]["from"], "aws-cli");

    let alias = aws_cli(&endpoint, &["lambda", "get-alias", "--function-name", "rust", "--name", "live"]).await;
    let revision = alias["RevisionId"].as_str().expect("a revision id").to_owned();
    let updated = aws_cli(
        &endpoint,
        &[
            "lambda",
            "update-alias",
            "--function-name",
            "rust",
            "--name",
            "live",
            "--function-version",
            "1",
            "--routing-config",
            // The shorthand as docs/deploy.md writes it: the version number unquoted.
            "AdditionalVersionWeights={2=0.5}",
            "--revision-id",
            &revision,
        ],
    )
    .await;
    assert_eq!(updated["RoutingConfig"]["AdditionalVersionWeights"], json!({"2": 0.5}));
    assert_ne!(updated["RevisionId"], json!(revision), "an update must issue a new revision");
    emulator.shutdown().await;
}

// ---- API Gateway front -------------------------------------------------------------------

const ROUTES: &str = r#"
[[route]]
method = "POST"
path = "/items/{item_id}"
function = "rust"
qualifier = "1"
payload = "rest"

[[route]]
method = "GET"
path = "/py/{proxy+}"
function = "py-api"
payload = "http"

[[function]]
name = "py-api"
[[function.version]]
version = "1"
python = { handler = "fixture_handlers.api", code = "python" }
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_gateway_front_speaks_rest_and_http_api_events() {
    let (emulator, _logs) = start(config(ROUTES, ""), true).await;
    let base = format!("http://{}", emulator.api_gateway_address().expect("front door"));
    let http = reqwest::Client::new();

    let response = http
        .post(format!("{base}/items/i-42?tag=a&tag=b"))
        .header("X-Team", "platform")
        .body(r#"{"name": "x"}"#)
        .send()
        .await
        .expect("REST route answers");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-fixture"], "rust");
    assert_eq!(response.headers().get_all("x-many").iter().count(), 2);
    assert!(response.headers().contains_key("x-amzn-requestid"));
    let body = response.json::<Value>().await.expect("JSON body");
    let event = &body["event"];
    assert_eq!(event["resource"], "/items/{item_id}");
    assert_eq!(event["path"], "/items/i-42");
    assert_eq!(event["httpMethod"], "POST");
    assert_eq!(event["pathParameters"], json!({"item_id": "i-42"}));
    assert_eq!(event["queryStringParameters"], json!({"tag": "b"}));
    assert_eq!(event["multiValueQueryStringParameters"], json!({"tag": ["a", "b"]}));
    assert_eq!(event["headers"]["X-Team"], "platform");
    assert_eq!(event["body"], r#"{"name": "x"}"#);
    assert_eq!(event["isBase64Encoded"], false);
    assert_eq!(event["requestContext"]["resourcePath"], "/items/{item_id}");

    let response = http
        .get(format!("{base}/py/a/b?x=1&x=2"))
        .header("Cookie", "s=1; t=2")
        .send()
        .await
        .expect("HTTP API route answers");
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["x-fixture"], "python");
    assert_eq!(response.headers().get_all("set-cookie").iter().count(), 2);
    let body = response.json::<Value>().await.expect("JSON body");
    let event = &body["event"];
    assert_eq!(event["version"], "2.0");
    assert_eq!(event["routeKey"], "GET /py/{proxy+}");
    assert_eq!(event["pathParameters"]["proxy"], "a/b");
    assert_eq!(event["queryStringParameters"]["x"], "1,2");
    assert_eq!(event["cookies"], json!(["s=1", "t=2"]));

    let unknown = http.get(format!("{base}/nowhere")).send().await.expect("answers");
    assert_eq!(unknown.status(), 403);
    assert_eq!(unknown.json::<Value>().await.expect("JSON"), json!({"message": "Missing Authentication Token"}));
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_api_only_front_answers_not_found_for_unknown_routes() {
    let extra = r#"
[[route]]
method = "ANY"
path = "/{proxy+}"
function = "rust"
qualifier = "live"
payload = "http"
"#;
    let (emulator, _logs) = start(config(extra, ""), true).await;
    let base = format!("http://{}", emulator.api_gateway_address().expect("front door"));
    let response = reqwest::Client::new().get(format!("{base}/")).send().await.expect("answers");
    assert_eq!(response.status(), 404);
    assert_eq!(response.json::<Value>().await.expect("JSON"), json!({"message": "Not Found"}));
    let routed = reqwest::Client::new().delete(format!("{base}/a/b")).send().await.expect("answers");
    assert_eq!(routed.status(), 200, "ANY matches every method");
    emulator.shutdown().await;
}

// ---- metrics -----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_queryable_by_window_over_http() {
    let (emulator, _logs) = start(config("", ""), true).await;
    for _ in 0..5 {
        emulator.invoke("rust", Some("1"), payload(json!({"op": "sleep", "ms": 20}))).await.expect("invoked");
    }
    emulator.invoke("rust", Some("1"), payload(json!({"op": "error"}))).await.expect("invoked");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
    let url = format!(
        "http://{}/metrics?function=rust&qualifier=1&start={}&end={}&period=60",
        emulator.lambda_api_address().expect("serving"),
        now - 60,
        now + 1
    );
    let result = reqwest::get(&url).await.expect("answers").json::<Value>().await.expect("JSON");
    assert_eq!(result["invocations"], 6);
    assert_eq!(result["errors"], 1);
    assert_eq!(result["throttles"], 0);
    let p50 = result["duration_ms"]["p50"].as_f64().expect("p50");
    // At least the sleep; the upper bound only catches a unit mistake, not a slow machine.
    assert!((20.0..1000.0).contains(&p50), "p50 of 20 ms sleeps was {p50}");
    assert_eq!(result["init_duration_ms"]["count"], 1, "one cold start");
    assert!(result["max_memory_used_mb"].as_u64().expect("memory") > 0);
    assert_eq!(result["by_executed_version"]["1"]["invocations"], 6);
    assert!(!result["datapoints"].as_array().expect("datapoints").is_empty());

    let earlier = format!(
        "http://{}/metrics?function=rust&start={}&end={}",
        emulator.lambda_api_address().expect("serving"),
        now - 3600,
        now - 1800
    );
    let empty = reqwest::get(&earlier).await.expect("answers").json::<Value>().await.expect("JSON");
    assert_eq!(empty["invocations"], 0, "a window before the traffic is empty");

    let bad = reqwest::get(format!(
        "http://{}/metrics?function=rust&start=yesterday",
        emulator.lambda_api_address().expect("serving")
    ))
    .await
    .expect("answers");
    assert_eq!(bad.status(), 400);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_stamped_by_the_injected_clock() {
    const ORIGIN: u64 = 1_900_000_000;
    let clock = SteppedClock::at_epoch(ORIGIN);
    let emulator = start_on(config("", ""), true, clock.clone()).await;
    emulator.invoke("rust", Some("1"), payload(json!({"op": "echo"}))).await.expect("invoked");
    clock.advance(Duration::from_secs(120));
    emulator.invoke("rust", Some("1"), payload(json!({"op": "echo"}))).await.expect("invoked");

    let window =
        |start: u64, end: u64| emulator::MetricsQuery { function: "rust".into(), start, end, ..Default::default() };
    assert_eq!(emulator.metrics().query(&window(ORIGIN, ORIGIN + 60)).statistics.invocations, 1);
    assert_eq!(emulator.metrics().query(&window(ORIGIN + 120, ORIGIN + 180)).statistics.invocations, 1);
    let real_now = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs();
    assert_eq!(emulator.metrics().query(&window(real_now - 600, real_now + 1)).statistics.invocations, 0);

    // Without a window, /metrics reads the last five minutes of the emulator's clock.
    let url = format!("http://{}/metrics?function=rust", emulator.lambda_api_address().expect("serving"));
    let recent = reqwest::get(&url).await.expect("answers").json::<Value>().await.expect("JSON");
    assert_eq!(recent["invocations"], 2, "{recent}");
    assert_eq!(recent["end"], ORIGIN + 121);
    emulator.shutdown().await;
}

// ---- back end and shutdown ---------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_and_every_sandbox_are_gone_after_shutdown() {
    let extra = r#"
[local.moto]
start = true
setup = ["{python}", "setup_hook.py", "{endpoint}"]
"#;
    // The setup hook runs in the config file's folder: the fixtures folder.
    let mut config = config("", "");
    let moto_config = Config::parse(
        &format!("[local]\npython = \"{}\"\n{extra}", python().display()),
        Path::new("moto.toml"),
        &fixtures(),
    )
    .expect("valid");
    config.local.moto = moto_config.local.moto;
    let (emulator, _logs) = start(config, true).await;
    let endpoint = emulator.backend_endpoint().expect("moto started").to_string();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");

    let rust = emulator.invoke("rust", Some("1"), payload(json!({"op": "echo"}))).await.expect("invoked");
    let answer = json_of(&rust.payload);
    assert_eq!(answer["endpoint"], endpoint.as_str(), "functions get AWS_ENDPOINT_URL");
    assert_eq!(answer["custom"], "fixture-table", "the setup hook's output joins the environment");
    let python = emulator.invoke("py", Some("1"), payload(json!({}))).await.expect("invoked");
    assert_eq!(python.status, OutcomeStatus::Success);

    let pids = emulator.child_pids();
    let moto_pid = emulator.backend_pid().expect("moto pid");
    assert!(pids.contains(&moto_pid));
    assert!(pids.len() >= 3, "moto, a Rust and a Python sandbox: {pids:?}");
    assert!(pids.iter().all(|pid| process_alive(*pid)));
    emulator.shutdown().await;
    for pid in pids {
        assert!(!process_alive(pid), "process {pid} outlived the shutdown");
    }
}
