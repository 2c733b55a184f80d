//! The Lambda glue of the cluster platform's functions, written once:
//!
//! - [`FunctionError`]: the error a handler lets escape, named as the Python original's
//!   exception class, so Lambda reports the same `errorType` and `errorMessage`;
//!   `From<FunctionError> for Diagnostic` is that mapping.
//! - [`serve`]: what every `main` does after building its SDK clients: install the
//!   tracing subscriber (Lambda's log level and format controls apply), then run the
//!   handler with `lambda_runtime`.
//! - [`python_access`]: reading an event as the Python original's expressions do
//!   (`event[key]`, `.get`, `.upper()`, `len()`, powertools' `CaseInsensitiveDict`),
//!   with the exception each raises on a missing key or a value of another type.

// A library computes; only the binary prints (ripgrep's rule): output goes through
// typed results and renderers, logs through `tracing` or a sink the caller chose.
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

pub mod python_access;

use std::future::Future;

use cluster_domain::PortError;
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::Value;

/// An error the Python original lets escape from the handler. `error_type` is the
/// Python exception class Lambda would report.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct FunctionError {
    /// The Python exception class, Lambda's `errorType` (`KeyError`, `ClientError`).
    pub error_type: String,
    /// The exception's `str()`, Lambda's `errorMessage`.
    pub message: String,
    #[source]
    pub(crate) source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl FunctionError {
    /// An escaped exception of class `error_type` with this message, with no cause.
    pub fn new(error_type: &str, message: impl Into<String>) -> Self {
        FunctionError { error_type: error_type.to_owned(), message: message.into(), source: None }
    }

    /// A port failure as botocore raises it: `ClientError` or the service's modeled
    /// exception class (`NoSuchBucket`, `ConditionalCheckFailedException`);
    /// `operation` names the call for a conditional failure nobody expected.
    pub fn from_port(error: PortError, operation: &str) -> Self {
        FunctionError {
            error_type: error.python_error_type().to_owned(),
            message: error.python_error_message(operation),
            source: Some(Box::new(error)),
        }
    }
}

/// A stored item without an attribute Python indexes directly: `KeyError`.
impl From<cluster_domain::MissingAttribute> for FunctionError {
    fn from(error: cluster_domain::MissingAttribute) -> Self {
        FunctionError::new(cluster_domain::MissingAttribute::PYTHON_ERROR_TYPE, error.to_string())
    }
}

impl From<FunctionError> for Diagnostic {
    fn from(error: FunctionError) -> Diagnostic {
        Diagnostic { error_type: error.error_type, error_message: error.message }
    }
}

/// Installs the tracing subscriber, then answers events with `handler` until Lambda
/// stops the sandbox. Without the subscriber a handler's `tracing` events (such as
/// create-cluster's warning to operators) would go nowhere.
pub async fn serve<Handler, Answer>(handler: Handler) -> Result<(), lambda_runtime::Error>
where
    Handler: Fn(Value) -> Answer,
    Answer: Future<Output = Result<Value, FunctionError>>,
{
    init_subscriber();
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        handler(event.payload).await.map_err(Diagnostic::from)
    }))
    .await
}

/// The subscriber `lambda_runtime::tracing::init_default_subscriber` installs, with a
/// level filter instead of an `EnvFilter`: Lambda's log level (`AWS_LAMBDA_LOG_LEVEL`, else
/// `RUST_LOG`, else INFO) and format (`AWS_LAMBDA_LOG_FORMAT=JSON`) apply the same way, but
/// per-target `RUST_LOG` directives do not. `EnvFilter` links the regex engine: 170 to 380
/// KB more per zip, which took create-cluster past a tenth of Python's package.
fn init_subscriber() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").or_else(|_| std::env::var("RUST_LOG"));
    let level = level_filter(level.as_deref().ok());
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    let builder = lambda_runtime::tracing::subscriber::fmt().with_target(false).without_time().with_max_level(level);
    // A subscriber already installed (a test harness) is kept.
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}

/// Lambda's and `RUST_LOG`'s level names, case-insensitive; anything else is INFO, as in
/// `init_default_subscriber`.
fn level_filter(name: Option<&str>) -> lambda_runtime::tracing::subscriber::filter::LevelFilter {
    use lambda_runtime::tracing::subscriber::filter::LevelFilter;
    name.and_then(|name| name.parse::<LevelFilter>().ok()).unwrap_or(LevelFilter::INFO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_level_follows_lambdas_names_and_defaults_to_info() {
        use lambda_runtime::tracing::subscriber::filter::LevelFilter;
        assert_eq!(level_filter(Some("DEBUG")), LevelFilter::DEBUG);
        assert_eq!(level_filter(Some("warn")), LevelFilter::WARN);
        assert_eq!(level_filter(Some("ERROR")), LevelFilter::ERROR);
        assert_eq!(level_filter(Some("nonsense")), LevelFilter::INFO);
        assert_eq!(level_filter(None), LevelFilter::INFO);
    }

    #[test]
    fn lambda_reports_the_python_class_and_message() {
        let diagnostic = Diagnostic::from(FunctionError::new("KeyError", "'httpMethod'"));
        assert_eq!(diagnostic.error_type, "KeyError");
        assert_eq!(diagnostic.error_message, "'httpMethod'");
    }
}
