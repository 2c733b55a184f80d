//! The recording proxy in front of moto: a Python handler's boto3 calls go through it
//! unchanged (a large object streams both ways), and its writes are recorded in order,
//! each with its entity, what it wrote, its condition and moto's answer.

use emulator::{WRITES_PATH, WriteCall, WriteTarget};

use super::*;

fn writes_config() -> Config {
    let text = format!(
        r#"
[local]
python = "{python}"

[local.moto]
start = true
setup = ["{{python}}", "writes_setup.py", "{{endpoint}}"]

[[function]]
name = "writes"
timeout_s = 30
[[function.version]]
version = "1"
python = {{ handler = "writes.handler", code = "python" }}
"#,
        python = python().display(),
    );
    Config::parse(&text, Path::new("writes.toml"), &fixtures()).expect("valid config")
}

async fn start_recording() -> Emulator {
    let options =
        EmulatorOptions { logs: LogSink::Discard, start_backend: true, record_writes: true, ..Default::default() };
    Emulator::start(writes_config(), options).await.expect("emulator starts")
}

fn summary(call: &WriteCall) -> (String, Option<String>, String, u16) {
    let entity = match &call.target {
        WriteTarget::Item { table, key, .. } => format!("{table} {}", Value::Object(key.clone())),
        WriteTarget::Object { bucket, key } => format!("{bucket}/{key}"),
        WriteTarget::Pipeline { name } => name.clone(),
        WriteTarget::Resource { name } => name.clone().unwrap_or_default(),
    };
    (call.operation.clone(), call.action.clone(), entity, call.status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_are_forwarded_and_recorded_in_order_with_conditions_and_outcomes() {
    let emulator = start_recording().await;
    let endpoint = emulator.backend_endpoint().expect("a back end").to_owned();
    // Bigger than any buffer on the way, so the upload and the download stream.
    let object_bytes = 3 * 1024 * 1024 + 7;
    let outcome =
        emulator.invoke("writes", Some("1"), payload(json!({"object_bytes": object_bytes}))).await.expect("invoked");
    let answer = json_of(&outcome.payload);
    assert_eq!(outcome.status, OutcomeStatus::Success, "{answer}");
    // The hook's AWS_ENDPOINT_URL now names the proxy: the sandbox's own listener on it
    // (so its calls are traced), not moto and not the shared address.
    let sandbox_endpoint = answer["endpoint"].as_str().expect("an endpoint");
    assert!(sandbox_endpoint.starts_with("http://127.0.0.1:") && sandbox_endpoint != endpoint, "{answer}");
    assert_eq!(outcome.aws_calls.len(), 10, "every call traced: {:#?}", outcome.aws_calls);
    assert_eq!(answer["conditional"], "ConditionalCheckFailedException", "moto's answer reached the handler");
    assert_eq!(answer["read_back_equal"], true, "the object came back as it was sent: {answer}");

    let writes = emulator.write_log().expect("writes are recorded");
    let found: Vec<_> = writes.iter().map(summary).collect();
    let expected = [
        ("PutItem", None, r#"items {"id":{"S":"a"}}"#, 200),
        ("PutItem", None, r#"items {"id":{"S":"a"}}"#, 400),
        ("UpdateItem", None, r#"items {"id":{"S":"a"}}"#, 200),
        ("BatchWriteItem", Some("PutRequest"), r#"events {"pk":{"S":"p"},"sk":{"N":"1"}}"#, 200),
        ("BatchWriteItem", Some("DeleteRequest"), r#"events {"pk":{"S":"p"},"sk":{"N":"0"}}"#, 200),
        ("TransactWriteItems", Some("Put"), r#"items {"id":{"S":"b"}}"#, 200),
        ("TransactWriteItems", Some("Delete"), r#"items {"id":{"S":"a"}}"#, 200),
        ("PutObject", None, "objects/dir/a b.bin", 200),
        ("CopyObject", None, "objects/copy.bin", 200),
        ("DeleteObject", None, "objects/copy.bin", 204),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(operation, action, entity, status)| {
            (operation.to_string(), action.map(str::to_owned), entity.to_string(), *status)
        })
        .collect();
    assert_eq!(found, expected, "{writes:#?}");

    // The failed conditional write: its condition, the names it uses, moto's error.
    let conditional = &writes[1];
    assert_eq!(conditional.condition.as_deref(), Some("attribute_not_exists(#k)"));
    assert_eq!(conditional.parameters["ExpressionAttributeNames"], json!({"#k": "id"}));
    assert_eq!(conditional.parameters["Item"]["v"], json!({"N": "2"}));
    assert_eq!(conditional.error.as_deref(), Some("ConditionalCheckFailedException"));
    // What an update writes, without how the answer is asked for.
    assert_eq!(writes[2].parameters["UpdateExpression"], "SET #v = :v");
    assert!(writes[2].parameters.get("ReturnValues").is_none(), "{:?}", writes[2].parameters);
    assert!(writes[2].parameters.get("TableName").is_none());
    match &writes[3].target {
        WriteTarget::Item { sort_key, .. } => assert_eq!(sort_key.as_deref(), Some("sk")),
        other => panic!("expected an item, got {other:?}"),
    }
    // The object: its length and digest as stored, not its body.
    let object = &writes[7].parameters;
    assert_eq!(object["length"], object_bytes, "{object}");
    assert_eq!(object["sha256"], answer["sha256"], "{object}");
    assert_eq!(object["content-type"], "application/octet-stream");
    assert_eq!(writes[8].parameters["x-amz-copy-source"], "objects/dir/a b.bin");
    // Arrival order and times.
    assert!(writes.windows(2).all(|pair| (pair[0].request, pair[0].part) < (pair[1].request, pair[1].part)));
    assert!(writes.iter().all(|call| call.arrived_us <= call.answered_us));
    assert!(
        writes.iter().all(|call| call.service == if call.operation.ends_with("Object") { "s3" } else { "dynamodb" })
    );

    // The same log over HTTP, on the proxy's own address.
    let served: Vec<WriteCall> = reqwest::get(format!("{endpoint}{WRITES_PATH}"))
        .await
        .expect("the proxy answers")
        .json()
        .await
        .expect("a JSON list of write calls");
    assert_eq!(served, writes);

    emulator.shutdown().await;
    let address = endpoint.trim_start_matches("http://").to_owned();
    assert!(tokio::net::TcpStream::connect(address).await.is_err(), "the proxy stopped with the emulator");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_recording_the_functions_call_moto_itself() {
    let options = EmulatorOptions { logs: LogSink::Discard, start_backend: true, ..Default::default() };
    let emulator = Emulator::start(writes_config(), options).await.expect("emulator starts");
    assert!(emulator.write_log().is_none());
    let outcome = emulator.invoke("writes", Some("1"), payload(json!({}))).await.expect("invoked");
    let answer = json_of(&outcome.payload);
    assert_eq!(answer["endpoint"], emulator.backend_endpoint().expect("moto"), "{answer}");
    // moto answers the log's path as S3 would: no such bucket, not a write log.
    let status = reqwest::get(format!("{}{WRITES_PATH}", emulator.backend_endpoint().expect("moto")))
        .await
        .expect("moto answers")
        .status();
    assert!(!status.is_success(), "{status}");
    emulator.shutdown().await;
}

/// One Logs JSON 1.1 call to moto, in the config's region (moto files logs by the
/// credential scope of the Authorization header).
async fn logs_call(endpoint: &str, operation: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{endpoint}/"))
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", format!("Logs_20140328.{operation}"))
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=testing/20261203/eu-west-1/logs/aws4_request, SignedHeaders=host, Signature=0",
        )
        .body(body.to_string())
        .send()
        .await
        .expect("moto answers");
    assert!(response.status().is_success(), "{operation}: {}", response.status());
    response.json().await.expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_logs_reach_cloudwatch_logs_in_lambdas_group_and_stream_and_are_no_write_of_the_function() {
    let emulator = start_recording().await;
    let outcome = emulator.invoke("writes", Some("1"), payload(json!({}))).await.expect("invoked");
    assert_eq!(outcome.status, OutcomeStatus::Success);
    assert_eq!(emulator.flush_logs().await, 0, "moto took every batch");
    let moto = emulator.moto_endpoint().expect("a back end").to_owned();
    let found = logs_call(&moto, "FilterLogEvents", json!({"logGroupName": "/aws/lambda/writes"})).await;
    let events = found["events"].as_array().expect("events");
    let messages: Vec<&str> = events.iter().filter_map(|event| event["message"].as_str()).collect();
    let request_id = &outcome.request_id;
    for expected in [format!("START RequestId: {request_id} Version: 1"), format!("END RequestId: {request_id}")] {
        assert!(messages.contains(&expected.as_str()), "{expected} in {messages:#?}");
    }
    assert!(messages.iter().any(|message| message.starts_with(&format!("REPORT RequestId: {request_id}\t"))));
    let stream = events[0]["logStreamName"].as_str().expect("a stream");
    let (date, id) = stream.split_once("/[1]").expect("Lambda's stream name: date/[version]id");
    assert!(date.len() == 10 && date.chars().filter(|c| *c == '/').count() == 2, "{stream}");
    assert!(id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()), "{stream}");
    let writes = emulator.write_log().expect("writes are recorded");
    assert!(writes.iter().all(|call| call.service != "logs"), "log shipping is not the function's write");
    emulator.shutdown().await;
}
