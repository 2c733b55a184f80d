//! orders on Lambda: builds the DynamoDB client once per sandbox, then serves events
//! with `lambda_runtime`.

use lambda_runtime::tracing::subscriber::filter::LevelFilter;
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use orders::{DynamoOrderTable, Handler};
use serde_json::Value;

// One thread: a sandbox runs one invocation at a time (see the platform's functions).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_subscriber();
    // Python reads `os.environ["ORDERS_TABLE"]` on first use; a sandbox without it cannot
    // answer anything, so it fails at init here.
    let table_name = std::env::var("ORDERS_TABLE").map_err(|_| "ORDERS_TABLE is not set")?;
    let sdk_config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = aws_sdk_dynamodb::Client::new(&sdk_config);
    let handler = Handler { table: DynamoOrderTable::new(client, table_name) };
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        handler.handle(event.payload).await.map_err(Diagnostic::from)
    }))
    .await
}

/// Lambda's log level (`AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else INFO) and format
/// (`AWS_LAMBDA_LOG_FORMAT=JSON`). A level filter rather than an `EnvFilter`, which
/// links the regex engine: a few hundred KB more per zip.
fn init_subscriber() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").or_else(|_| std::env::var("RUST_LOG"));
    let level = level.ok().and_then(|name| name.parse::<LevelFilter>().ok()).unwrap_or(LevelFilter::INFO);
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    let builder = lambda_runtime::tracing::subscriber::fmt().with_target(false).without_time().with_max_level(level);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
