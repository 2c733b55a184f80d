//! `cutover local`: the local Lambda.

use std::net::SocketAddr;

use clap::{Args, Subcommand};

use super::{ConfigArg, OutputFormat};

#[derive(Debug, Args)]
pub struct LocalArgs {
    /// Output format; data goes to stdout, logs and progress to stderr.
    #[arg(long, global = true, value_enum, default_value_t)]
    pub format: OutputFormat,
    #[command(subcommand)]
    pub command: LocalCommand,
}

#[derive(Debug, Subcommand)]
pub enum LocalCommand {
    /// Start the local Lambda: every function of cutover.toml, the Invoke API, the API
    /// Gateway front and moto server when configured. Runs until Ctrl-C or SIGTERM.
    Serve(LocalServeArgs),
    /// Invoke a function once and print its response (the REPORT line goes to stderr).
    Invoke(LocalInvokeArgs),
    /// Query a running emulator's metrics over a time window.
    Metrics(LocalMetricsArgs),
}

#[derive(Debug, Args)]
pub struct LocalServeArgs {
    #[command(flatten)]
    pub config: ConfigArg,
    /// Override `local.lambda_api` (port 0 picks a free port).
    #[arg(long)]
    pub lambda_api: Option<SocketAddr>,
    /// Override `local.api_gateway`.
    #[arg(long)]
    pub api_gateway: Option<SocketAddr>,
    /// Do not start moto server or run the setup hook, even if configured.
    #[arg(long)]
    pub no_moto: bool,
}

#[derive(Debug, Args)]
pub struct LocalInvokeArgs {
    /// FUNCTION or FUNCTION:QUALIFIER (a version, an alias or $LATEST).
    pub target: String,
    /// The event: inline JSON, or @path to read it from a file.
    #[arg(long, default_value = "{}")]
    pub payload: String,
    #[command(flatten)]
    pub config: ConfigArg,
    /// Invoke through a running emulator (e.g. http://127.0.0.1:9001) instead of
    /// starting one for this call.
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Do not start moto server for an in-process call.
    #[arg(long)]
    pub no_moto: bool,
}

#[derive(Debug, Args)]
pub struct LocalMetricsArgs {
    /// FUNCTION or FUNCTION:QUALIFIER.
    pub target: String,
    /// The running emulator's Lambda API.
    #[arg(long, default_value = "http://127.0.0.1:9001")]
    pub endpoint: String,
    /// Only invocations that ran this version.
    #[arg(long)]
    pub executed_version: Option<String>,
    /// The window: this many seconds up to now.
    #[arg(long, default_value_t = 300)]
    pub since: u64,
    /// Also split the window into periods of this many seconds.
    #[arg(long)]
    pub period: Option<u64>,
}
