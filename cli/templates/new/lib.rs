//! {{function}}: the Rust rewrite of the Python handler `{{python_handler}}`.
//!
//! The handler is generic over its ports: each thing it reads or writes outside itself
//! (a table, a bucket, another service) is a small trait here, implemented by an SDK
//! adapter that `main.rs` builds once per sandbox and by an in-memory fake for tests.
//! The handler itself never sees the SDK, so `tests/handler.rs` runs it on recorded
//! events without AWS. Parity with the Python original is proven by `cutover parity`
//! on the recorded corpus, not by the unit tests alone.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;

use serde_json::Value;

/// The error the handler lets escape. `error_type` is what Lambda reports as
/// `errorType`: keep it the Python original's exception class (`KeyError`,
/// `ValidationError`), so both versions fail alike and parity can compare them.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct FunctionError {
    /// Lambda's `errorType`.
    pub error_type: String,
    /// Lambda's `errorMessage`.
    pub message: String,
}

impl FunctionError {
    /// An escaped error of class `error_type` with this message.
    pub fn new(error_type: &str, message: impl Into<String>) -> Self {
        FunctionError {
            error_type: error_type.to_owned(),
            message: message.into(),
        }
    }
}

impl From<FunctionError> for lambda_runtime::Diagnostic {
    fn from(error: FunctionError) -> Self {
        lambda_runtime::Diagnostic {
            error_type: error.error_type,
            error_message: error.message,
        }
    }
}

/// A port failure, named as the SDK's service error (`ResourceNotFoundException`).
#[derive(Debug, thiserror::Error)]
#[error("{code}: {message}")]
pub struct PortError {
    /// The service's error code.
    pub code: String,
    /// The service's message.
    pub message: String,
}

/// A key-value store, the port most handlers have (a DynamoDB table, an S3 prefix).
/// Rename it after what it holds, give it the calls the Python code makes, and add one
/// trait per other dependency.
pub trait Store: Send + Sync {
    /// The item under `key`; `None` when there is none.
    fn get(&self, key: &str) -> impl Future<Output = Result<Option<Value>, PortError>> + Send;
    /// Stores `item` under `key`, replacing what was there.
    fn put(&self, key: &str, item: Value) -> impl Future<Output = Result<(), PortError>> + Send;
}

/// The handler and the ports it uses.
#[derive(Debug, Clone)]
pub struct Handler<S> {
    /// Where the function's items live.
    pub store: S,
}

impl<S: Store> Handler<S> {
    /// Answers one event as `{{python_handler}}` does; `Err` is the exception the Python
    /// original lets escape.
    pub async fn handle(&self, event: Value) -> Result<Value, FunctionError> {
        // TODO: port `{{python_handler}}` here, one branch at a time, each checked by
        // `cutover parity run` against the recorded corpus.
        let _ = (&self.store, event);
        Err(FunctionError::new(
            "NotImplementedError",
            "{{function}}: the Rust handler is not written yet",
        ))
    }
}

/// The in-memory [`Store`] of the tests.
#[derive(Debug, Default)]
pub struct MemoryStore {
    items: Mutex<BTreeMap<String, Value>>,
}

impl Store for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<Value>, PortError> {
        Ok(self.items.lock().map_err(poisoned)?.get(key).cloned())
    }

    async fn put(&self, key: &str, item: Value) -> Result<(), PortError> {
        self.items
            .lock()
            .map_err(poisoned)?
            .insert(key.to_owned(), item);
        Ok(())
    }
}

fn poisoned<T>(_: T) -> PortError {
    PortError {
        code: "Poisoned".to_owned(),
        message: "a test panicked while holding the store".to_owned(),
    }
}
