//! The emulator as one value: started from a [`Config`], it owns the function pools, the
//! alias router, the metrics store, the back end and the HTTP front doors, and stops all
//! of them (every child process included) on [`Emulator::shutdown`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::Request;
use hyper::body::Incoming;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::alias_router::AliasRouter;
use crate::backend::{self, BackendError};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::function_pool::{FunctionPool, LATEST};
use crate::limits::MAX_REQUEST_BYTES;
use crate::logs::LogSink;
use crate::metrics::{MetricsStore, Sample, SampleKind};
use crate::outcome::{InvocationOutcome, InvokeError};
use crate::sandbox::ProcessRegistry;
use crate::{api_gateway, http_server, invoke_api};

/// How long shutdown waits for killed processes to be reaped.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    pub logs: LogSink,
    /// Stamps metrics and logs; a [`crate::ScaledClock`] runs a rehearsal faster than real time.
    pub clock: Arc<dyn Clock>,
    /// Fixes the weighted alias draws; `None` seeds from the OS.
    pub routing_seed: Option<u64>,
    /// Serve the Lambda API and the API Gateway front on the configured addresses.
    pub serve_http: bool,
    /// Start (or connect to) the configured back end and run its setup hook.
    pub start_backend: bool,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        EmulatorOptions {
            logs: LogSink::default(),
            clock: Arc::new(SystemClock),
            routing_seed: None,
            serve_http: false,
            start_backend: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("could not listen on {address} for the {what}")]
    Bind {
        what: &'static str,
        address: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("could not start the local AWS back end")]
    Backend(#[from] BackendError),
}

/// Shared by the in-process API and the HTTP front doors.
pub(crate) struct Core {
    pub config: Config,
    pub pools: BTreeMap<String, FunctionPool>,
    pub aliases: AliasRouter,
    pub metrics: MetricsStore,
    pub registry: Arc<ProcessRegistry>,
    pub clock: Arc<dyn Clock>,
}

/// A running local Lambda.
pub struct Emulator {
    core: Arc<Core>,
    lambda_api: Option<SocketAddr>,
    api_gateway: Option<SocketAddr>,
    backend_endpoint: Option<String>,
    backend_pid: Option<u32>,
    servers: Vec<JoinHandle<()>>,
}

impl Emulator {
    pub async fn start(config: Config, options: EmulatorOptions) -> Result<Emulator, StartError> {
        let registry = Arc::new(ProcessRegistry::default());
        let mut backend_environment = BTreeMap::new();
        let mut backend_endpoint = None;
        let mut backend_pid = None;
        if let (true, Some(moto)) = (options.start_backend, &config.local.moto) {
            let backend = backend::start(&config.local, moto, &registry).await?;
            backend_environment = backend.environment;
            backend_endpoint = Some(backend.endpoint);
            backend_pid = backend.moto_pid;
        }
        let pools = config
            .functions
            .iter()
            .map(|function| {
                let pool = FunctionPool::new(
                    function,
                    &config.local,
                    &backend_environment,
                    registry.clone(),
                    options.logs.clone(),
                    options.clock.as_ref(),
                );
                (function.name.clone(), pool)
            })
            .collect();
        let aliases = AliasRouter::new(&config.functions, options.routing_seed);
        let core = Arc::new(Core {
            config,
            pools,
            aliases,
            metrics: MetricsStore::default(),
            registry,
            clock: options.clock.clone(),
        });
        let mut emulator = Emulator {
            core: core.clone(),
            lambda_api: None,
            api_gateway: None,
            backend_endpoint,
            backend_pid,
            servers: Vec::new(),
        };
        if options.serve_http
            && let Err(error) = emulator.serve_http().await
        {
            emulator.shutdown().await;
            return Err(error);
        }
        Ok(emulator)
    }

    async fn serve_http(&mut self) -> Result<(), StartError> {
        let address = self.core.config.local.lambda_api;
        let listener = bind("Lambda API", address).await?;
        self.lambda_api = listener.local_addr().ok();
        let core = self.core.clone();
        let handler = Arc::new(move |request: Request<Incoming>| {
            let core = core.clone();
            async move { invoke_api::handle(&core, request).await }
        });
        self.servers.push(tokio::spawn(http_server::serve(listener, handler)));

        if let Some(address) = self.core.config.local.api_gateway {
            let listener = bind("API Gateway front", address).await?;
            let bound = listener.local_addr().ok();
            self.api_gateway = bound;
            let core = self.core.clone();
            let host = bound.map(|address| address.to_string()).unwrap_or_default();
            let handler = Arc::new(move |request: Request<Incoming>| {
                let core = core.clone();
                let host = host.clone();
                async move { api_gateway::handle(&core, &host, request).await }
            });
            self.servers.push(tokio::spawn(http_server::serve(listener, handler)));
        }
        Ok(())
    }

    /// Invokes `function` (a name, `name:qualifier` or an ARN) synchronously, as Invoke
    /// with `RequestResponse` does.
    pub async fn invoke(
        &self,
        function: &str,
        qualifier: Option<&str>,
        payload: Bytes,
    ) -> Result<InvocationOutcome, InvokeError> {
        self.core.invoke(function, qualifier, payload).await
    }

    pub fn aliases(&self) -> &AliasRouter {
        &self.core.aliases
    }

    pub fn metrics(&self) -> &MetricsStore {
        &self.core.metrics
    }

    /// The clock that stamps metrics and logs: a rehearsal's controller reads the same one.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.core.clock.clone()
    }

    pub fn config(&self) -> &Config {
        &self.core.config
    }

    /// Where the Lambda API listens (when serving HTTP): use it as `endpoint_url`.
    pub fn lambda_api_address(&self) -> Option<SocketAddr> {
        self.lambda_api
    }

    pub fn api_gateway_address(&self) -> Option<SocketAddr> {
        self.api_gateway
    }

    /// The AWS endpoint the functions use, when a back end was started.
    pub fn backend_endpoint(&self) -> Option<&str> {
        self.backend_endpoint.as_deref()
    }

    /// The moto server this emulator started, if any.
    pub fn backend_pid(&self) -> Option<u32> {
        self.backend_pid
    }

    /// The process ids of every child alive now (sandboxes and moto server).
    pub fn child_pids(&self) -> Vec<u32> {
        self.core.registry.pids()
    }

    /// Warm sandboxes of a function per version.
    pub fn warm_sandboxes(&self, function: &str) -> BTreeMap<String, usize> {
        self.core.pools.get(function).map(FunctionPool::idle_counts).unwrap_or_default()
    }

    /// Stops the front doors, refuses new invocations, kills every process group and
    /// waits until each child is reaped.
    pub async fn shutdown(mut self) {
        for server in self.servers.drain(..) {
            server.abort();
        }
        for pool in self.core.pools.values() {
            pool.close();
        }
        self.core.registry.kill_all(SHUTDOWN_GRACE).await;
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // A forgotten shutdown still must not leave processes behind.
        for server in &self.servers {
            server.abort();
        }
        for pid in self.core.registry.pids() {
            crate::sandbox::kill_process_group(pid);
        }
    }
}

async fn bind(what: &'static str, address: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(address).await.map_err(|source| StartError::Bind { what, address, source })
}

impl Core {
    pub async fn invoke(
        &self,
        function: &str,
        qualifier: Option<&str>,
        payload: Bytes,
    ) -> Result<InvocationOutcome, InvokeError> {
        let (pool, qualifier, version) = self.resolve(function, qualifier)?;
        if payload.len() > MAX_REQUEST_BYTES {
            return Err(InvokeError::RequestTooLarge { size: payload.len(), limit: MAX_REQUEST_BYTES });
        }
        let result = pool.invoke(&qualifier, &version, payload).await;
        let now = self.clock.now();
        match &result {
            Ok(outcome) => self.metrics.record(
                now,
                Sample {
                    function: outcome.function.clone(),
                    qualifier: outcome.qualifier.clone(),
                    executed_version: Some(outcome.executed_version.clone()),
                    kind: SampleKind::Invocation {
                        error: outcome.status.is_error(),
                        duration: outcome.report.duration,
                        init_duration: outcome.report.init_duration,
                        max_memory_used_mb: outcome.report.max_memory_used_mb,
                    },
                },
            ),
            Err(InvokeError::Throttled { function, qualifier }) => self.metrics.record(
                now,
                Sample {
                    function: function.clone(),
                    qualifier: qualifier.clone(),
                    executed_version: None,
                    kind: SampleKind::Throttle,
                },
            ),
            Err(_) => {}
        }
        result
    }

    /// Finds the pool, the qualifier as the caller meant it, and the version to run.
    pub fn resolve(
        &self,
        function: &str,
        qualifier: Option<&str>,
    ) -> Result<(&FunctionPool, String, String), InvokeError> {
        let (name, embedded) = split_function_reference(function);
        let qualifier = qualifier.filter(|q| !q.is_empty()).or(embedded).unwrap_or(LATEST).to_string();
        let not_found = || InvokeError::FunctionNotFound { arn: self.arn(name, Some(&qualifier)) };
        let pool = self.pools.get(name).ok_or_else(not_found)?;
        let version = if pool.has_version(&qualifier) {
            qualifier.clone()
        } else {
            self.aliases.route(name, &qualifier).ok_or_else(not_found)?
        };
        Ok((pool, qualifier, version))
    }

    pub fn arn(&self, function: &str, qualifier: Option<&str>) -> String {
        let local = &self.config.local;
        let base = format!("arn:aws:lambda:{}:{}:function:{function}", local.region, local.account_id);
        match qualifier {
            Some(qualifier) if qualifier != LATEST => format!("{base}:{qualifier}"),
            _ => base,
        }
    }
}

/// `name`, `name:qualifier`, or `arn:aws:lambda:region:account:function:name[:qualifier]`.
pub(crate) fn split_function_reference(reference: &str) -> (&str, Option<&str>) {
    let parts: Vec<&str> = reference.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name] => (name, None),
        ["arn", _, "lambda", _, _, "function", name, qualifier] => (name, Some(qualifier)),
        [name, qualifier] => (name, Some(qualifier)),
        _ => (reference, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_references_split_into_name_and_qualifier() {
        assert_eq!(split_function_reference("f"), ("f", None));
        assert_eq!(split_function_reference("f:live"), ("f", Some("live")));
        assert_eq!(split_function_reference("arn:aws:lambda:eu-west-1:123456789012:function:f"), ("f", None));
        assert_eq!(
            split_function_reference("arn:aws:lambda:eu-west-1:123456789012:function:f:2"),
            ("f", Some("2"))
        );
    }
}
