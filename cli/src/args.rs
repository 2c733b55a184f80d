//! Every clap type of the `cutover` binary, in one place. No logic lives here: commands
//! resolve these into typed settings before they run.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "cutover",
    version,
    about = "Move AWS Lambda functions from Python to Rust safely",
    long_about = "Move AWS Lambda functions from Python to Rust safely: prove parity on recorded \
traffic, shift alias weights behind gates, report what it saved, and run it all locally.",
    after_help = "Exit codes: 0 ok, 1 the checked thing failed, 2 usage or input error, 3 unexpected error."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Output format: a human table, or JSON for scripts. Data goes to stdout, logs to stderr.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Replay recorded events against two versions and report every difference that matters.
    Parity,
    /// Shift alias weights in gated steps, with automatic rollback and a final bake.
    Canary,
    /// Cost report: before and after, per function, per 1M requests and per month.
    Report,
    /// Run Python and Rust functions side by side on one machine (Runtime API, aliases, Invoke, API Gateway).
    Local(LocalArgs),
    /// Measure package size, cold start, warm duration and memory, Python against Rust.
    Bench,
    /// Build a Rust function's `bootstrap` for provided.al2023 and zip it.
    Package,
}

#[derive(Debug, Args)]
pub struct LocalArgs {
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
pub struct ConfigArg {
    /// The configuration file.
    #[arg(long, default_value = "cutover.toml", env = "CUTOVER_CONFIG")]
    pub config: PathBuf,
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
