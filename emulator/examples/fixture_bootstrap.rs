//! A tiny custom runtime built on `lambda_runtime`, the Rust fixture of the emulator's
//! tests and benchmark. The payload picks the behaviour:
//!
//! | payload | does |
//! |---|---|
//! | `{}` or anything without `op` | answers `{}` at once (the no-op handler of the benchmark) |
//! | `{"op": "echo"}` | answers the event and what the runtime told it (request id, ARN, deadline, env) |
//! | `{"op": "sleep", "ms": N}` | sleeps N ms, then answers `{"slept_ms": N}` |
//! | `{"op": "error"}` | fails with a handler error |
//! | `{"op": "exit", "code": N}` | exits the process mid-invocation |
//! | `{"op": "big", "bytes": N}` | answers a JSON string of N bytes |
//! | an API Gateway event (has `requestContext`) | answers a proxy response whose body is the event |
//!
//! With `FIXTURE_FAIL_INIT=1` in its environment it exits before its first event.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[derive(Debug, thiserror::Error)]
#[error("the fixture was asked to fail")]
struct AskedToFail;

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let (payload, context) = event.into_parts();
    if payload.get("requestContext").is_some() {
        return Ok(json!({
            "statusCode": 200,
            "headers": {"Content-Type": "application/json", "X-Fixture": "rust"},
            "multiValueHeaders": {"X-Many": ["a", "b"]},
            "body": json!({"event": payload}).to_string(),
            "isBase64Encoded": false,
        }));
    }
    match payload.get("op").and_then(Value::as_str).unwrap_or("") {
        "echo" => Ok(json!({
            "event": payload,
            "request_id": context.request_id,
            "invoked_function_arn": context.invoked_function_arn,
            "deadline_ms": context.deadline,
            "function_name": std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok(),
            "function_version": std::env::var("AWS_LAMBDA_FUNCTION_VERSION").ok(),
            "memory_size": std::env::var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").ok(),
            "log_group": std::env::var("AWS_LAMBDA_LOG_GROUP_NAME").ok(),
            "region": std::env::var("AWS_REGION").ok(),
            "endpoint": std::env::var("AWS_ENDPOINT_URL").ok(),
            "custom": std::env::var("FIXTURE_CUSTOM").ok(),
            "pid": std::process::id(),
        })),
        "sleep" => {
            let millis = payload.get("ms").and_then(Value::as_u64).unwrap_or(0);
            tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
            Ok(json!({"slept_ms": millis}))
        }
        "error" => Err(AskedToFail.into()),
        "exit" => {
            let code = payload.get("code").and_then(Value::as_i64).unwrap_or(1);
            std::process::exit(i32::try_from(code).unwrap_or(1));
        }
        "big" => {
            let bytes = payload.get("bytes").and_then(Value::as_u64).unwrap_or(0);
            Ok(Value::String("x".repeat(usize::try_from(bytes).unwrap_or(0))))
        }
        _ => Ok(json!({})),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    if std::env::var("FIXTURE_FAIL_INIT").as_deref() == Ok("1") {
        eprintln!("fixture: failing init on purpose");
        std::process::exit(3);
    }
    lambda_runtime::run(service_fn(handler)).await
}
