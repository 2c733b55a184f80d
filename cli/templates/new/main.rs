//! {{function}} on Lambda: builds the ports once per sandbox, then serves events with
//! `lambda_runtime`. It depends on nothing but the runtime, so the crate builds in any
//! repository.

use lambda_runtime::tracing::subscriber::filter::LevelFilter;
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::Value;

// One thread: a sandbox runs one invocation at a time, and at 128 MB (0.07 vCPU) the
// multi-thread runtime's wake-ups across workers spend the CPU share.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_subscriber();
    // TODO: replace the in-memory store with an SDK adapter (a struct holding the client
    // and the table name from the environment) that implements the same trait.
    let handler = {{crate_name}}::Handler {
        store: {{crate_name}}::MemoryStore::default(),
    };
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        handler
            .handle(event.payload)
            .await
            .map_err(Diagnostic::from)
    }))
    .await
}

/// Lambda's log level (`AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else INFO) and format
/// (`AWS_LAMBDA_LOG_FORMAT=JSON`). A level filter rather than an `EnvFilter`, which
/// links the regex engine: a few hundred KB more per zip.
fn init_subscriber() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").or_else(|_| std::env::var("RUST_LOG"));
    let level = level
        .ok()
        .and_then(|name| name.parse::<LevelFilter>().ok())
        .unwrap_or(LevelFilter::INFO);
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT")
        .is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    let builder = lambda_runtime::tracing::subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_max_level(level);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
