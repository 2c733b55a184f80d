//! The `http(s)://` target against a loopback echo server started (and stopped) here.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use parity::{Outcome, TargetUri, build_target};
use serde_json::{Value, json};

use crate::support::record;

async fn echo(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or("").to_owned();
    let headers: serde_json::Map<String, Value> = request
        .headers()
        .iter()
        .map(|(name, value)| (name.to_string(), json!(value.to_str().unwrap_or("?"))))
        .collect();
    let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    if path.ends_with("/binary") {
        return Ok(Response::builder()
            .status(200)
            .header("content-type", "application/octet-stream")
            .body(Full::new(Bytes::from_static(&[0xff, 0x00, 0xfe])))
            .unwrap_or_default());
    }
    let answer = json!({
        "method": method, "path": path, "query": query, "headers": headers,
        "body": String::from_utf8_lossy(&body),
    });
    Ok(Response::builder()
        .status(201)
        .header("content-type", "application/json")
        .header("x-echo", "one")
        .header("x-echo", "two")
        .body(Full::new(Bytes::from(answer.to_string())))
        .unwrap_or_default())
}

/// Starts the echo server on a free loopback port; abort the handle to stop it.
async fn start_echo() -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let address = listener.local_addr().expect("address");
    let server = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, hyper::service::service_fn(echo))
                    .await;
            });
        }
    });
    (address, server)
}

#[tokio::test]
async fn events_are_resent_as_http_requests_and_answers_come_back_as_proxy_responses() {
    let (address, server) = start_echo().await;
    let uri: TargetUri = format!("http://{address}/prod").parse().expect("uri");
    let target = build_target(&uri, Duration::from_secs(5)).expect("target");
    let mut record = record("r1", "POST /clusters", "/clusters", Some(&json!({"name": "a"})));
    record.event["multiValueQueryStringParameters"] = json!({"team": ["x y", "z"]});
    record.event["headers"] =
        json!({"Content-Type": "application/json", "Authorization": "[REDACTED]", "X-Trace": "t1"});
    let observed = target.invoke(&record, &record.event).await.expect("invoke");
    let Outcome::Response(response) = observed.outcome else { panic!("expected a response") };
    assert_eq!(response["statusCode"], 201);
    assert_eq!(response["headers"]["content-type"], "application/json");
    assert_eq!(response["multiValueHeaders"]["x-echo"], json!(["one", "two"]));
    assert_eq!(response["isBase64Encoded"], false);
    let echoed: Value = serde_json::from_str(response["body"].as_str().expect("body")).expect("json");
    assert_eq!(echoed["method"], "POST");
    assert_eq!(echoed["path"], "/prod/clusters");
    assert_eq!(echoed["query"], "team=x+y&team=z");
    assert_eq!(echoed["body"], "{\"name\":\"a\"}");
    assert_eq!(echoed["headers"]["x-trace"], "t1");
    assert!(echoed["headers"].get("authorization").is_none(), "redacted headers are not sent");

    // Binary answers come back base64-encoded; base64 request bodies are decoded.
    let mut binary = crate::support::record("r2", "POST /clusters", "/clusters/binary", None);
    binary.event["body"] = json!("aGVsbG8=");
    binary.event["isBase64Encoded"] = json!(true);
    let observed = target.invoke(&binary, &binary.event).await.expect("invoke");
    let Outcome::Response(response) = observed.outcome else { panic!("expected a response") };
    assert_eq!(response["isBase64Encoded"], true);
    assert_eq!(response["body"], "/wD+");
    server.abort();
}

#[tokio::test]
async fn transport_failures_and_non_http_events_are_errors_not_outcomes() {
    // Bind then drop a listener so the port is (very likely) closed.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind").local_addr().expect("addr");
    let uri: TargetUri = format!("http://{closed}").parse().expect("uri");
    let target = build_target(&uri, Duration::from_secs(2)).expect("target");
    let record = record("r9", "GET /clusters", "/clusters", None);
    let error = target.invoke(&record, &record.event).await.expect_err("connection refused");
    assert!(error.to_string().contains("record r9: request to"), "{error}");
    let mut eventbridge = record.clone();
    eventbridge.source = "eventbridge".into();
    let error = target.invoke(&eventbridge, &eventbridge.event).await.expect_err("not http");
    assert!(error.to_string().contains("eventbridge event cannot be sent over HTTP"), "{error}");
}
