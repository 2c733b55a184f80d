//! A local AWS Lambda. It runs any Python handler (through awslambdaric) and any custom
//! runtime `bootstrap` (a Rust `lambda_runtime` binary) behind the real Runtime API
//! (2018-06-01), with versions, weighted aliases, reserved concurrency and Lambda's
//! failure semantics; it serves the Lambda Invoke API, an API Gateway front and Lambda's
//! CloudWatch metrics (GetMetricData, ListMetrics in the SDK's RPC v2 CBOR protocol), all
//! stamped by an injected [`Clock`]. No Docker, no AWS account.
//!
//! Start one from a [`Config`] (read from `cutover.toml`) with [`Emulator::start`]; the
//! handle invokes in process, exposes the [`AliasRouter`] and the [`MetricsStore`], and
//! [`Emulator::shutdown`] stops every child process it started.
//!
//! Codemap: `config` (the file), `emulator` (the handle: start, front doors, shutdown),
//! `engine` (pools, aliases, metrics and clock; name resolution and the invocation path),
//! `function_pool` (sandboxes, concurrency, failures → outcomes), `sandbox` (one runtime
//! process), `runtime_api` (the Runtime API server of one sandbox), `alias_router`,
//! `metrics`, `invoke_api`, `api_gateway` and `cloudwatch_api` (the HTTP front doors, with
//! `cbor` for CloudWatch's wire format), `clock`, `backend` (moto and the setup hook),
//! `faults` (what a rehearsal injects), `outcome` (results and REPORT lines), `cgroup`
//! (the processes a sandbox started, reached at shutdown), `physics` (a sandbox's CPU share
//! and memory limit, by cgroup), `latency` (AWS latency profiles, call traces, critical
//! paths), `recording_proxy` (in front of moto: forwards every call, records the write
//! calls in order, and per sandbox delays and traces its calls).

// A library computes; only the binary prints: the one exception is the log sink a caller
// chose to point at stderr (`LogSink::Stderr`).
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

mod alias_router;
mod api_gateway;
mod backend;
mod cbor;
mod cgroup;
mod clock;
mod cloudwatch_api;
mod code_digest;
mod config;
mod emulator;
mod engine;
mod faults;
mod function_pool;
mod http_server;
mod invoke_api;
mod latency;
mod limits;
mod log_shipper;
mod logs;
mod metrics;
mod outcome;
mod physics;
mod recording_proxy;
mod runtime_api;
mod sandbox;

pub use alias_router::{AliasError, AliasRouter, AliasState, AliasUpdate};
pub use backend::BackendError;
pub use clock::{Clock, ScaledClock, SystemClock};
pub use config::{
    AliasConfig, Config, ConfigError, FunctionConfig, LocalSettings, MotoSettings, PayloadFormat, Physics, RouteConfig,
    RuntimeConfig, VersionConfig,
};
pub use emulator::{Emulator, EmulatorOptions, StartError};
pub use faults::{FaultError, Faults};
pub use function_pool::LATEST;
pub use latency::{AwsCall, CriticalPath, DEFAULT_LATENCY_PROFILE, LatencyProfile, LatencyProfileError};
pub use limits::MAX_REQUEST_BYTES;
pub use logs::{LogSink, ShippedSink};
pub use metrics::{
    Datapoint, DurationHistogram, DurationSummary, MetricsQuery, MetricsResult, MetricsStore, Statistics,
};
pub use outcome::{InvocationOutcome, InvokeError, OutcomeStatus, Report};
pub use physics::{FULL_VCPU_MB, cpu_share, physics_support};
pub use recording_proxy::{ProxyError, RecordingProxy, WRITES_PATH, WriteCall, WriteTarget};
