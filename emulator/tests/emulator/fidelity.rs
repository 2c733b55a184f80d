//! Where users notice whether the local Lambda behaves like the real one: empty payloads,
//! a dead runtime never handed the next event, `LogType=Tail`, paths checked at start,
//! Lambda's error types and status codes on the wire, and no process left at shutdown.

use base64::Engine as _;

use super::*;

fn lambda_api(emulator: &Emulator) -> String {
    format!("http://{}", emulator.lambda_api_address().expect("serving"))
}

/// Polls `condition` until it holds or `patience` has passed; returns whether it held.
pub(crate) async fn eventually(patience: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + patience;
    loop {
        if condition() {
            return true;
        }
        if std::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

const CHATTY: &str = r#"
[[function]]
name = "chatty"
[[function.version]]
version = "1"
python = { handler = "fixture_handlers.chatty", code = "python" }

[[function]]
name = "detach"
[[function.version]]
version = "1"
python = { handler = "fixture_handlers.spawn_detached", code = "python" }

[[function]]
name = "hang"
timeout_s = 1
[[function.version]]
version = "1"
python = { handler = "fixture_handlers.spawn_and_hang", code = "python" }
"#;

// ---- payloads ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_payload_reaches_the_handler_as_an_empty_object() {
    let (emulator, _logs) = start(config("", ""), true).await;
    let endpoint = lambda_api(&emulator);
    // The docs' own example: `aws lambda invoke` without --payload sends no body.
    let out_dir = tempfile::tempdir().expect("temp dir");
    let out_file = out_dir.path().join("response.json");
    let invoked = aws_cli(
        &endpoint,
        &["lambda", "invoke", "--function-name", "py", "--qualifier", "1", out_file.to_str().expect("utf-8")],
    )
    .await;
    assert_eq!(invoked["StatusCode"], 200);
    assert!(invoked.get("FunctionError").is_none(), "{invoked}");
    let answer = json_of(&std::fs::read(&out_file).expect("response file"));
    assert_eq!(answer["event"], json!({}), "{answer}");

    let in_process = emulator.invoke("py", Some("1"), Bytes::new()).await.expect("invoked");
    assert_eq!(in_process.status, OutcomeStatus::Success, "{}", String::from_utf8_lossy(&in_process.payload));
    assert_eq!(json_of(&in_process.payload)["event"], json!({}));
    emulator.shutdown().await;
}

// ---- a dead runtime is never handed the next event ------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_call_after_an_oversized_response_runs_in_a_fresh_sandbox() {
    let (emulator, _logs) = start(config("", ""), false).await;
    for round in 0..5 {
        let big = emulator
            .invoke("rust", Some("1"), payload(json!({"op": "big", "bytes": 7_000_000})))
            .await
            .expect("invoked");
        assert_eq!(big.status, OutcomeStatus::ResponseTooLarge, "round {round}");
        let next = emulator.invoke("rust", Some("1"), payload(json!({"op": "echo"}))).await.expect("invoked");
        assert_eq!(
            next.status,
            OutcomeStatus::Success,
            "round {round}: an innocent call after an oversized response failed: {}",
            String::from_utf8_lossy(&next.payload)
        );
        assert!(next.report.init_duration.is_some(), "round {round}: the next call starts a fresh sandbox");
    }
    emulator.shutdown().await;
}

// ---- LogType=Tail --------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_type_tail_returns_the_last_four_kilobytes_of_the_execution_log() {
    use aws_sdk_lambda::primitives::Blob;
    use aws_sdk_lambda::types::LogType;
    let (emulator, _logs) = start(config(CHATTY, ""), true).await;
    let client = sdk_client(&emulator);
    let decode = |encoded: &str| {
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(encoded).expect("base64")).expect("utf-8")
    };

    let echoed = client
        .invoke()
        .function_name("py:1")
        .log_type(LogType::Tail)
        .payload(Blob::new(json!({"from": "tail"}).to_string()))
        .send()
        .await
        .expect("Invoke");
    let request_id = echoed.payload().map(|payload| json_of(payload.as_ref())["request_id"].clone()).expect("payload");
    let log = decode(echoed.log_result().expect("a log tail"));
    assert!(log.starts_with(&format!("START RequestId: {} Version: 1\n", request_id.as_str().expect("id"))), "{log}");
    assert!(log.contains(r#"echo handler got {"from": "tail"}"#), "the function's own output is in the tail: {log}");
    assert!(log.contains("\nEND RequestId: ") && log.contains("\nREPORT RequestId: "), "{log}");

    let chatty = client
        .invoke()
        .function_name("chatty")
        .log_type(LogType::Tail)
        .payload(Blob::new(json!({"lines": 200}).to_string()))
        .send()
        .await
        .expect("Invoke");
    let log = decode(chatty.log_result().expect("a log tail"));
    assert!(log.len() <= 4096 && log.len() > 3500, "the tail is 4 KB, got {} bytes", log.len());
    assert!(log.contains("chatty line 0199"), "the last line printed is in the tail: {log}");
    assert!(!log.contains("chatty line 0000"), "the first lines fell out of the tail");
    assert!(log.trim_end().lines().last().expect("lines").starts_with("REPORT RequestId: "), "{log}");
    emulator.shutdown().await;
}

// ---- paths checked at start ----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_bootstraps_code_folders_and_interpreters_fail_the_start_naming_the_path() {
    let options = || EmulatorOptions { logs: LogSink::Discard, ..Default::default() };
    let missing_bootstrap = r#"
[[function]]
name = "unbuilt"
[[function.version]]
version = "2"
bootstrap = "target/lambda/unbuilt/bootstrap"
"#;
    let error = Emulator::start(config(missing_bootstrap, ""), options()).await.err().expect("refused");
    let message = error.to_string();
    let expected = fixtures().join("target/lambda/unbuilt/bootstrap");
    assert!(message.contains(&expected.display().to_string()), "{message}");
    assert!(message.contains("function \"unbuilt\" version \"2\"") && message.contains("make functions"), "{message}");

    let missing_code = r#"
[[function]]
name = "nocode"
[[function.version]]
version = "1"
python = { handler = "app.handler", code = "no-such-folder" }
"#;
    let message = Emulator::start(config(missing_code, ""), options()).await.err().expect("refused").to_string();
    assert!(message.contains(&fixtures().join("no-such-folder").display().to_string()), "{message}");

    let mut no_python = config("", "");
    no_python.local.python = PathBuf::from("/no/such/venv/bin/python");
    let message = Emulator::start(no_python, options()).await.err().expect("refused").to_string();
    assert!(message.contains("/no/such/venv/bin/python") && message.contains("local.python"), "{message}");
}

// ---- Lambda's errors on the wire -----------------------------------------------------------

async fn post(url: &str, body: &str) -> (u16, String, Value, reqwest::header::HeaderMap) {
    let response = reqwest::Client::new().post(url).body(body.to_string()).send().await.expect("answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let error_type = headers.get("x-amzn-errortype").and_then(|value| value.to_str().ok()).unwrap_or("").to_string();
    let text = response.text().await.expect("body");
    (status, error_type, serde_json::from_str(&text).unwrap_or(Value::Null), headers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_invoke_api_answers_lambdas_error_types_and_status_codes() {
    let (emulator, _logs) = start(config("", ""), true).await;
    let base = lambda_api(&emulator);
    let invoke_url = |function: &str, query: &str| format!("{base}/2015-03-31/functions/{function}/invocations{query}");

    let (status, error_type, body, headers) = post(&invoke_url("bad%20name", ""), "{}").await;
    assert_eq!((status, error_type.as_str()), (400, "ValidationException"), "{body}");
    assert!(
        body["message"].as_str().expect("message").starts_with(
            "1 validation error detected: Value 'bad name' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:"
        ),
        "{body}"
    );
    assert!(headers.contains_key("x-amzn-requestid"), "errors name their request too");

    let (status, error_type, body, _) = post(&invoke_url("rust", "?Qualifier=a%20b"), "{}").await;
    assert_eq!((status, error_type.as_str()), (400, "ValidationException"), "{body}");

    let (status, error_type, body, _) = post(&invoke_url("rust:1", "?Qualifier=2"), "{}").await;
    assert_eq!((status, error_type.as_str()), (400, "InvalidParameterValueException"));
    assert_eq!(body["message"], "The derived qualifier from the function name does not match the specified qualifier.");

    let (status, error_type, body, _) = post(&invoke_url("rust", "?Qualifier=1"), "not json").await;
    assert_eq!((status, error_type.as_str()), (400, "InvalidRequestContentException"), "{body}");
    assert!(body["message"].as_str().expect("message").starts_with("Could not parse request body into json"), "{body}");

    let (status, _, body, headers) = post(&invoke_url("123456789012:function:rust:1", ""), r#"{"op":"echo"}"#).await;
    assert_eq!(status, 200, "a partial ARN names the function: {body}");
    assert_eq!(headers["x-amz-executed-version"], "1");

    let foreign_region = invoke_url("arn:aws:lambda:us-east-1:123456789012:function:rust", "");
    let (status, error_type, body, _) = post(&foreign_region, "{}").await;
    assert_eq!((status, error_type.as_str()), (400, "InvalidParameterValueException"));
    assert_eq!(body["message"], "Functions from 'us-east-1' are not reachable in this region ('eu-west-1')");
    let foreign_account = invoke_url("arn:aws:lambda:eu-west-1:210987654321:function:rust", "");
    let (status, error_type, body, _) = post(&foreign_account, "{}").await;
    assert_eq!((status, error_type.as_str()), (404, "ResourceNotFoundException"));
    assert_eq!(body["message"], "Function not found: arn:aws:lambda:eu-west-1:210987654321:function:rust");

    let (status, error_type, _, _) = post(&invoke_url("rust", "?Qualifier=9"), "{}").await;
    assert_eq!((status, error_type.as_str()), (404, "ResourceNotFoundException"));

    // An explicit $LATEST is part of the ARN the handler sees.
    let (status, _, body, _) = post(&invoke_url("rust", "?Qualifier=%24LATEST"), r#"{"op":"echo"}"#).await;
    assert_eq!(status, 200);
    assert!(body["invoked_function_arn"].as_str().expect("arn").ends_with(":function:rust:$LATEST"), "{body}");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_invoke_answers_the_request_id_the_handler_sees() {
    let (emulator, logs) = start(config("", ""), true).await;
    let response = reqwest::Client::new()
        .post(format!("{}/2015-03-31/functions/py/invocations?Qualifier=1", lambda_api(&emulator)))
        .header("X-Amz-Invocation-Type", "Event")
        .body(r#"{"from": "event"}"#)
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 202);
    let request_id = response.headers()["x-amzn-requestid"].to_str().expect("ascii").to_string();
    let start_line = format!("START RequestId: {request_id} Version: 1");
    let seen = eventually(Duration::from_secs(30), || {
        logs.lines().iter().any(|line| line.contains(&format!("REPORT RequestId: {request_id}\t")))
    })
    .await;
    assert!(seen, "the handler ran under the answered request id: {:#?}", logs.lines());
    assert!(logs.lines().iter().any(|line| line.ends_with(&start_line)));
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_plane_answers_as_lambda_does() {
    let (emulator, _logs) = start(config(ROUTES, ""), true).await;
    let base = lambda_api(&emulator);
    let http = reqwest::Client::new();
    let get = |path: String| {
        let http = http.clone();
        async move { http.get(path).send().await.expect("answers") }
    };

    let aliases = get(format!("{base}/2015-03-31/functions/rust/aliases")).await;
    assert!(aliases.headers().contains_key("x-amzn-requestid"), "control-plane answers name their request");
    let of_one = get(format!("{base}/2015-03-31/functions/rust/aliases?FunctionVersion=1")).await;
    assert_eq!(of_one.json::<Value>().await.expect("JSON")["Aliases"].as_array().expect("list").len(), 1);
    let of_two = get(format!("{base}/2015-03-31/functions/rust/aliases?FunctionVersion=2")).await;
    assert_eq!(
        of_two.json::<Value>().await.expect("JSON")["Aliases"],
        json!([]),
        "ListAliases honours FunctionVersion"
    );

    let latest = get(format!("{base}/2015-03-31/functions/rust/configuration?Qualifier=%24LATEST")).await;
    let latest = latest.json::<Value>().await.expect("JSON");
    assert_eq!(latest["FunctionArn"], "arn:aws:lambda:eu-west-1:123456789012:function:rust:$LATEST");
    assert_eq!(latest["EphemeralStorage"]["Size"], 512);
    assert_eq!(latest["LoggingConfig"]["LogGroup"], "/aws/lambda/rust");
    let unqualified = get(format!("{base}/2015-03-31/functions/rust/configuration")).await;
    assert_eq!(
        unqualified.json::<Value>().await.expect("JSON")["FunctionArn"],
        "arn:aws:lambda:eu-west-1:123456789012:function:rust"
    );
    let versions = get(format!("{base}/2015-03-31/functions/rust/versions")).await.json::<Value>().await.expect("JSON");
    assert_eq!(versions["Versions"][0]["FunctionArn"], "arn:aws:lambda:eu-west-1:123456789012:function:rust:$LATEST");

    let malformed = get(format!("{base}/2015-03-31/functions/bad%20name/aliases")).await;
    assert_eq!(malformed.status(), 400);
    assert_eq!(malformed.headers()["x-amzn-errortype"], "ValidationException");

    let put = |body: Value| {
        let http = http.clone();
        let url = format!("{base}/2015-03-31/functions/rust/aliases/live");
        async move { http.put(url).body(body.to_string()).send().await.expect("answers") }
    };
    let heavy = put(json!({"RoutingConfig": {"AdditionalVersionWeights": {"2": 1.5}}})).await;
    assert_eq!(
        (heavy.status().as_u16(), heavy.headers()["x-amzn-errortype"].to_str().expect("ascii")),
        (400, "ValidationException")
    );
    let unknown = put(json!({"FunctionVersion": "9"})).await;
    assert_eq!(
        (unknown.status().as_u16(), unknown.headers()["x-amzn-errortype"].to_str().expect("ascii")),
        (404, "ResourceNotFoundException")
    );
    let unknown_weight = put(json!({"RoutingConfig": {"AdditionalVersionWeights": {"7": 0.5}}})).await;
    assert_eq!(unknown_weight.status(), 404);
    let primary_weighted =
        put(json!({"FunctionVersion": "2", "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.5}}})).await;
    assert_eq!(primary_weighted.status(), 400);
    assert_eq!(primary_weighted.headers()["x-amzn-errortype"], "InvalidParameterValueException");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_gateways_502_names_its_error_type() {
    let extra = r#"
[[route]]
method = "GET"
path = "/fail"
function = "py"
qualifier = "2"
"#;
    let (emulator, _logs) = start(config(extra, ""), true).await;
    let base = format!("http://{}", emulator.api_gateway_address().expect("front door"));
    let response = reqwest::get(format!("{base}/fail")).await.expect("answers");
    assert_eq!(response.status(), 502);
    assert_eq!(response.headers()["x-amzn-errortype"], "InternalServerErrorException");
    assert_eq!(response.json::<Value>().await.expect("JSON"), json!({"message": "Internal server error"}));
    emulator.shutdown().await;
}

// ---- shutdown ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_a_handler_started_in_a_new_session_are_gone_after_shutdown() {
    let (emulator, _logs) = start(config(CHATTY, ""), false).await;
    let outcome = emulator.invoke("detach", None, payload(json!({}))).await.expect("invoked");
    assert_eq!(outcome.status, OutcomeStatus::Success, "{}", String::from_utf8_lossy(&outcome.payload));
    let daemon = json_of(&outcome.payload)["pid"].as_u64().expect("pid") as u32;
    assert!(process_alive(daemon));
    emulator.shutdown().await;
    let gone = eventually(Duration::from_secs(5), || !process_alive(daemon) || is_zombie(daemon)).await;
    if !gone {
        // Leave nothing behind even when the test fails.
        #[allow(unsafe_code)]
        // SAFETY: kill(2) touches no memory.
        unsafe {
            libc::kill(daemon as i32, libc::SIGKILL);
        }
    }
    assert!(gone, "process {daemon}, started in a new session, outlived the shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_kills_every_process_of_the_sandboxs_process_group() {
    let (emulator, _logs) = start(config(CHATTY, ""), false).await;
    let folder = tempfile::tempdir().expect("temp dir");
    let pid_file = folder.path().join("child.pid");
    let event = json!({"pid_file": pid_file.to_str().expect("utf-8")});
    let outcome = emulator.invoke("hang", None, payload(event)).await.expect("invoked");
    assert_eq!(outcome.status, OutcomeStatus::Timeout, "{}", String::from_utf8_lossy(&outcome.payload));
    let child: u32 =
        std::fs::read_to_string(&pid_file).expect("the handler wrote its child's pid").parse().expect("a pid");
    // Checked before shutdown: the timeout itself must take the child, not the emulator's exit.
    let gone = eventually(Duration::from_secs(5), || !process_alive(child) || is_zombie(child)).await;
    if !gone {
        #[allow(unsafe_code)]
        // SAFETY: kill(2) touches no memory.
        unsafe {
            libc::kill(child as i32, libc::SIGKILL);
        }
    }
    emulator.shutdown().await;
    assert!(gone, "process {child}, a child in the timed-out sandbox's process group, outlived the timeout");
}

fn is_zombie(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat.rsplit_once(')').map(|(_, rest)| rest.trim_start().starts_with('Z')))
        .unwrap_or(false)
}
