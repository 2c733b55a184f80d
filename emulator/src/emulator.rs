//! The emulator as one value: started from a [`Config`], it builds the [`Engine`] (pools,
//! aliases, metrics, clock), starts the back end and the HTTP front doors around it, and
//! stops all of them (every child process included) on [`Emulator::shutdown`].

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
use crate::engine::Engine;
use crate::faults::{FaultError, FaultInjector, Faults};
use crate::function_pool::{FunctionPool, PoolContext};
use crate::latency::{LatencyProfile, LatencyProfileError};
use crate::log_shipper::LogShipper;
use crate::logs::LogSink;
use crate::metrics::{DEFAULT_METRICS_RETENTION, MetricsStore};
use crate::outcome::{InvocationOutcome, InvokeError};
use crate::recording_proxy::{RecordingProxy, WriteCall};
use crate::sandbox::ProcessRegistry;
use crate::{api_gateway, cloudwatch_api, http_server, invoke_api};

/// How long shutdown waits for killed processes to be reaped.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How [`Emulator::start`] runs a config: the default invokes in process only, with no
/// HTTP front doors and no back end, on the wall clock.
#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    /// Where sandbox output and the START/END/REPORT lines go.
    pub logs: LogSink,
    /// Stamps metrics and logs; a [`crate::ScaledClock`] runs a rehearsal faster than real time.
    pub clock: Arc<dyn Clock>,
    /// Fixes the weighted alias draws; `None` seeds from the OS.
    pub routing_seed: Option<u64>,
    /// Serve the Lambda API and the API Gateway front on the configured addresses.
    pub serve_http: bool,
    /// Start (or connect to) the configured back end and run its setup hook.
    pub start_backend: bool,
    /// How long metrics are kept, measured on `clock`.
    pub metrics_retention: Duration,
    /// Put a recording proxy in front of the back end, so that [`Emulator::write_log`]
    /// (and `GET /_cutover/writes` on [`Emulator::backend_endpoint`]) gives the write calls
    /// the functions made, in order.
    pub record_writes: bool,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        EmulatorOptions {
            logs: LogSink::default(),
            clock: Arc::new(SystemClock),
            routing_seed: None,
            serve_http: false,
            start_backend: false,
            metrics_retention: DEFAULT_METRICS_RETENTION,
            record_writes: false,
        }
    }
}

/// Why [`Emulator::start`] failed; whatever it had started is stopped again.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A front door could not listen on its configured address (taken, say).
    #[error("could not listen on {address} for the {what}")]
    Bind {
        /// Which front door: `Lambda API` or `API Gateway front`.
        what: &'static str,
        /// The address from the config.
        address: SocketAddr,
        /// Why the bind failed.
        #[source]
        source: std::io::Error,
    },
    /// A bootstrap, code folder or interpreter named by the config is missing.
    #[error("{message}")]
    MissingPath {
        /// Every missing path, each with the function and version that names it, joined
        /// by `; `.
        message: String,
    },
    /// moto server, its setup hook or the recording proxy did not start.
    #[error("could not start the local AWS back end")]
    Backend(#[from] BackendError),
    /// A function's latency profile could not be read or is invalid.
    #[error("function {function:?}: {source}")]
    LatencyProfile {
        /// The function whose `physics.latency_profile` names the file.
        function: String,
        /// What is wrong with the file.
        #[source]
        source: LatencyProfileError,
    },
}

/// The latency profile of each function that has one, each file read once.
fn latency_profiles(config: &Config) -> Result<BTreeMap<String, Arc<LatencyProfile>>, StartError> {
    let mut loaded: BTreeMap<std::path::PathBuf, Arc<LatencyProfile>> = BTreeMap::new();
    let mut profiles = BTreeMap::new();
    for function in &config.functions {
        let Some(path) = &function.physics.latency_profile else { continue };
        let profile = match loaded.get(path) {
            Some(profile) => profile.clone(),
            None => {
                let profile = Arc::new(
                    LatencyProfile::load(path)
                        .map_err(|source| StartError::LatencyProfile { function: function.name.clone(), source })?,
                );
                loaded.insert(path.clone(), profile.clone());
                profile
            }
        };
        profiles.insert(function.name.clone(), profile);
    }
    Ok(profiles)
}

/// A running local Lambda.
pub struct Emulator {
    engine: Arc<Engine>,
    lambda_api: Option<SocketAddr>,
    api_gateway: Option<SocketAddr>,
    backend_endpoint: Option<String>,
    moto_endpoint: Option<String>,
    backend_pid: Option<u32>,
    proxy: Option<RecordingProxy>,
    servers: Vec<JoinHandle<()>>,
}

impl Emulator {
    /// Checks the config's paths, starts the back end and the HTTP front doors as `options`
    /// ask, and returns the running emulator. Sandboxes start on first invocation, not here.
    pub async fn start(config: Config, options: EmulatorOptions) -> Result<Emulator, StartError> {
        config.check_paths(options.start_backend).map_err(|message| StartError::MissingPath { message })?;
        let registry = Arc::new(ProcessRegistry::new());
        let mut backend_environment = BTreeMap::new();
        let mut backend_endpoint = None;
        let mut moto_endpoint = None;
        let mut backend_pid = None;
        let mut proxy = None;
        let latency = latency_profiles(&config)?;
        let mut logs = options.logs.clone();
        if let (true, Some(moto)) = (options.start_backend, &config.local.moto) {
            let backend =
                backend::start(&config.local, moto, &registry, options.record_writes, !latency.is_empty()).await?;
            if moto.ship_logs {
                let shipper = LogShipper::start(&backend.moto_endpoint, &config.local.region, options.clock.clone());
                logs = logs.shipped(shipper);
            }
            backend_environment = backend.environment;
            backend_endpoint = Some(backend.endpoint);
            moto_endpoint = Some(backend.moto_endpoint);
            backend_pid = backend.moto_pid;
            proxy = backend.proxy;
        }
        let pools = config
            .functions
            .iter()
            .map(|function| {
                let context = PoolContext {
                    local: &config.local,
                    backend: &backend_environment,
                    registry: registry.clone(),
                    logs: logs.clone(),
                    clock: options.clock.as_ref(),
                    proxy: proxy.as_ref().map(RecordingProxy::handle),
                    latency: latency.get(&function.name).cloned(),
                };
                let pool = FunctionPool::new(function, context);
                (function.name.clone(), pool)
            })
            .collect();
        let aliases = AliasRouter::new(&config.functions, options.routing_seed);
        let engine = Arc::new(Engine {
            config,
            pools,
            aliases,
            metrics: MetricsStore::new(options.metrics_retention),
            registry,
            clock: options.clock.clone(),
            faults: FaultInjector::new(options.routing_seed),
        });
        let mut emulator = Emulator {
            engine: engine.clone(),
            lambda_api: None,
            api_gateway: None,
            backend_endpoint,
            moto_endpoint,
            backend_pid,
            proxy,
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
        let address = self.engine.config.local.lambda_api;
        let listener = bind("Lambda API", address).await?;
        self.lambda_api = listener.local_addr().ok();
        let engine = self.engine.clone();
        // CloudWatch shares the Lambda API's listener, as one local endpoint for the SDKs.
        let handler = Arc::new(move |request: Request<Incoming>| {
            let engine = engine.clone();
            async move {
                if cloudwatch_api::serves(request.uri().path()) {
                    cloudwatch_api::handle(&engine, request).await
                } else {
                    invoke_api::handle(&engine, request).await
                }
            }
        });
        self.servers.push(tokio::spawn(http_server::serve(listener, handler)));

        if let Some(address) = self.engine.config.local.api_gateway {
            let listener = bind("API Gateway front", address).await?;
            let bound = listener.local_addr().ok();
            self.api_gateway = bound;
            let engine = self.engine.clone();
            let host = bound.map(|address| address.to_string()).unwrap_or_default();
            let handler = Arc::new(move |request: Request<Incoming>| {
                let engine = engine.clone();
                let host = host.clone();
                async move { api_gateway::handle(&engine, &host, request).await }
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
        self.engine.invoke(function, qualifier, payload).await
    }

    /// Injects `faults` into every invocation of `function` `version` from now on (a
    /// rehearsal's way to make a canary fail), replacing earlier ones and restarting the
    /// count `crash_after` uses.
    pub fn set_faults(&self, function: &str, version: &str, faults: Faults) -> Result<(), FaultError> {
        if !self.engine.pools.contains_key(function) {
            return Err(FaultError::UnknownFunction { function: function.to_string() });
        }
        if !self.engine.version_exists(function, version) {
            return Err(FaultError::UnknownVersion { function: function.to_string(), version: version.to_string() });
        }
        self.engine.faults.set(function, version, faults)
    }

    /// Removes the faults of `function` `version`; without any, it runs as configured.
    pub fn clear_faults(&self, function: &str, version: &str) {
        self.engine.faults.clear(function, version);
    }

    /// The faults `function` `version` runs with, if any.
    pub fn faults(&self, function: &str, version: &str) -> Option<Faults> {
        self.engine.faults.get(function, version)
    }

    /// The aliases as they stand now, UpdateAlias calls included.
    pub fn aliases(&self) -> &AliasRouter {
        &self.engine.aliases
    }

    /// The invocation metrics recorded so far, as the CloudWatch front door serves them.
    pub fn metrics(&self) -> &MetricsStore {
        &self.engine.metrics
    }

    /// Waits until every log line written so far has reached the back end's CloudWatch
    /// Logs; returns how many batches moto refused since the start (0 when logs are not
    /// shipped: no back end, or `ship_logs = false`).
    pub async fn flush_logs(&self) -> u64 {
        match self.engine.pools.values().find_map(|pool| pool.logs().shipper()) {
            Some(shipper) => {
                shipper.flush().await;
                shipper.refused_batches()
            }
            None => 0,
        }
    }

    /// The clock that stamps metrics and logs: a rehearsal's controller reads the same one.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.engine.clock.clone()
    }

    /// The config the emulator was started with.
    pub fn config(&self) -> &Config {
        &self.engine.config
    }

    /// Where the Lambda API listens (when serving HTTP): use it as `endpoint_url`.
    pub fn lambda_api_address(&self) -> Option<SocketAddr> {
        self.lambda_api
    }

    /// Where the API Gateway front listens; None when not serving HTTP or when the config
    /// declares no route.
    pub fn api_gateway_address(&self) -> Option<SocketAddr> {
        self.api_gateway
    }

    /// moto itself (or the configured endpoint), behind any proxy, when a back end was
    /// started: what reads the account as AWS would (the functions' logs, say).
    pub fn moto_endpoint(&self) -> Option<&str> {
        self.moto_endpoint.as_deref()
    }

    /// What the functions call for AWS: the recording proxy when one stands in front of
    /// moto, else moto (None without a back end).
    pub fn backend_endpoint(&self) -> Option<&str> {
        self.backend_endpoint.as_deref()
    }

    /// The write calls the functions made so far, in arrival order, when the emulator
    /// records them ([`EmulatorOptions::record_writes`] with a back end).
    pub fn write_log(&self) -> Option<Vec<WriteCall>> {
        self.proxy.as_ref().map(RecordingProxy::writes)
    }

    /// The moto server this emulator started, if any.
    pub fn backend_pid(&self) -> Option<u32> {
        self.backend_pid
    }

    /// The process ids of every child alive now (sandboxes and moto server).
    pub fn child_pids(&self) -> Vec<u32> {
        self.engine.registry.pids()
    }

    /// Warm sandboxes of a function per version.
    pub fn warm_sandboxes(&self, function: &str) -> BTreeMap<String, usize> {
        self.engine.pools.get(function).map(FunctionPool::idle_counts).unwrap_or_default()
    }

    /// Stops the front doors, refuses new invocations, kills every process group and
    /// waits until each child is reaped.
    pub async fn shutdown(mut self) {
        for server in self.servers.drain(..) {
            server.abort();
        }
        if let Some(proxy) = &self.proxy {
            proxy.stop();
        }
        for pool in self.engine.pools.values() {
            pool.close();
        }
        // The last lines reach CloudWatch Logs before moto goes.
        if let Some(shipper) = self.engine.pools.values().find_map(|pool| pool.logs().shipper()) {
            shipper.flush().await;
            shipper.stop();
        }
        self.engine.registry.kill_all(SHUTDOWN_GRACE).await;
        let _ = tokio::task::spawn_blocking(crate::physics::finish_cleanup).await;
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // A forgotten shutdown still must not leave processes behind.
        for server in &self.servers {
            server.abort();
        }
        for pid in self.engine.registry.pids() {
            crate::sandbox::kill_process_group(pid);
        }
        self.engine.registry.kill_stragglers();
    }
}

async fn bind(what: &'static str, address: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(address).await.map_err(|source| StartError::Bind { what, address, source })
}
