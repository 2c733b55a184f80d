//! The `local:` target: an emulator started in process from `cutover.toml`, owned by this
//! side alone. With `[local.moto]` configured it starts its own moto server and runs the
//! setup hook, so each side's DynamoDB state is isolated and seeded the same, and what
//! the side wrote can be read back afterwards ([`Target::side_effects`]).

use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use emulator::{Config, Emulator, EmulatorOptions, InvokeError, LATEST};
use serde_json::Value;
use tokio::sync::RwLock;

use crate::capture::{CaptureError, capture_side_effects};
use crate::lambda::decode_answer;
use crate::record::{Observed, Record};
use crate::side_effects::SideEffects;
use crate::target::{LOCAL_EVERY_FUNCTION, OpenTargetError, Target, TargetError, TargetOptions, TargetUri};

/// The first wait after a throttle; it doubles up to [`THROTTLE_MAX_BACKOFF`].
const THROTTLE_FIRST_BACKOFF: Duration = Duration::from_millis(5);
const THROTTLE_MAX_BACKOFF: Duration = Duration::from_millis(200);

/// One side replayed against its own in-process emulator.
pub(crate) struct LocalTarget {
    uri: String,
    /// `None` for `local:*:<qualifier>`: each record's own function.
    function: Option<String>,
    qualifier: String,
    emulator: RwLock<Option<Emulator>>,
    /// The moto server (or its recording proxy) this side's functions write to, where its
    /// side effects are read back; `None` when the config has no `[local.moto]`.
    backend_endpoint: Option<String>,
    region: String,
    /// How long an invocation keeps retrying throttles (the target timeout).
    throttle_patience: Duration,
}

impl LocalTarget {
    /// Loads the config, checks the function and qualifier exist, and starts the emulator
    /// (and its back end when configured). Only the invocations are served: no HTTP ports.
    pub(crate) async fn start(
        uri: &TargetUri,
        function: &str,
        qualifier: &str,
        options: &TargetOptions,
    ) -> Result<Self, OpenTargetError> {
        let uri = uri.to_string();
        // An absolute path: the config's folder anchors every relative path in it, and
        // sandboxes run in their own working directories.
        let config_path = options.config_path.canonicalize().unwrap_or_else(|_| options.config_path.clone());
        let config = Config::load(&config_path).map_err(|source| OpenTargetError::Config {
            uri: uri.clone(),
            config: options.config_path.clone(),
            source,
        })?;
        let function = (function != LOCAL_EVERY_FUNCTION).then(|| function.to_owned());
        check_in_config(&uri, &config, function.as_deref(), qualifier, options)?;
        let region = config.local.region.clone();
        let emulator_options = EmulatorOptions {
            logs: options.logs.clone(),
            routing_seed: None,
            serve_http: false,
            start_backend: true,
            // The writes are compared in order, not only their final state.
            record_writes: true,
            ..EmulatorOptions::default()
        };
        let emulator = Emulator::start(config, emulator_options)
            .await
            .map_err(|source| OpenTargetError::Start { uri: uri.clone(), source })?;
        Ok(Self {
            uri,
            function,
            qualifier: qualifier.to_owned(),
            backend_endpoint: emulator.backend_endpoint().map(str::to_owned),
            emulator: RwLock::new(Some(emulator)),
            region,
            throttle_patience: options.timeout,
        })
    }
}

/// A named function must exist with the qualifier; with `*`, at least one function must
/// have it (records of functions without it fail one by one, with their id).
fn check_in_config(
    uri: &str,
    config: &Config,
    function: Option<&str>,
    qualifier: &str,
    options: &TargetOptions,
) -> Result<(), OpenTargetError> {
    let has_qualifier = |function: &emulator::FunctionConfig| {
        qualifier == LATEST
            || function.version(qualifier).is_some()
            || function.aliases.iter().any(|alias| alias.name == qualifier)
    };
    let not_in_config = |reason: String| OpenTargetError::NotInConfig { uri: uri.to_owned(), reason };
    let config_name = options.config_path.display();
    match function {
        Some(name) => {
            let declared = config
                .function(name)
                .ok_or_else(|| not_in_config(format!("{config_name} declares no function {name:?}")))?;
            if !has_qualifier(declared) {
                return Err(not_in_config(format!(
                    "{config_name}: function {name:?} has no version or alias {qualifier:?}"
                )));
            }
        }
        None => {
            if !config.functions.iter().any(has_qualifier) {
                return Err(not_in_config(format!("{config_name}: no function has a version or alias {qualifier:?}")));
            }
        }
    }
    Ok(())
}

#[async_trait]
impl Target for LocalTarget {
    fn name(&self) -> String {
        self.uri.clone()
    }

    async fn invoke(&self, record: &Record, event: &Value) -> Result<Observed, TargetError> {
        let function = self.function.as_deref().unwrap_or(&record.function);
        let payload = serde_json::to_vec(event).map_err(|error| TargetError::Other {
            record_id: record.id.clone(),
            message: format!("cannot encode the event: {error}"),
        })?;
        // A read lock: invocations run concurrently; only shutdown takes the emulator.
        let guard = self.emulator.read().await;
        let Some(emulator) = guard.as_ref() else {
            return Err(TargetError::Other {
                record_id: record.id.clone(),
                message: format!("{} is shut down", self.uri),
            });
        };
        let payload = Bytes::from(payload);
        let started = Instant::now();
        let mut backoff = THROTTLE_FIRST_BACKOFF;
        let outcome = loop {
            match emulator.invoke(function, Some(&self.qualifier), payload.clone()).await {
                // A throttle is the function's reserved concurrency, not an answer: wait and
                // retry, as the AWS SDKs do with TooManyRequestsException.
                Err(InvokeError::Throttled { .. }) if started.elapsed() + backoff < self.throttle_patience => {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(THROTTLE_MAX_BACKOFF);
                }
                result => {
                    break result.map_err(|error| TargetError::Other {
                        record_id: record.id.clone(),
                        message: format!("{}: {function}:{}: {error}", self.uri, self.qualifier),
                    })?;
                }
            }
        };
        let latency = started.elapsed();
        let outcome = decode_answer(&outcome.payload, outcome.status.is_error(), outcome.status.error_type());
        Ok(Observed { outcome, latency })
    }

    async fn side_effects(&self) -> Option<Result<SideEffects, CaptureError>> {
        let endpoint = self.backend_endpoint.as_deref()?;
        Some(capture_side_effects(endpoint, &self.region).await)
    }

    async fn shutdown(self: Box<Self>) {
        let emulator = self.emulator.write().await.take();
        if let Some(emulator) = emulator {
            emulator.shutdown().await;
        }
    }
}
