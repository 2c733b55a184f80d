//! Every clap type of the `cutover` binary, in one place: the root here, one submodule per
//! command family. No logic lives here: commands resolve these into typed settings before
//! they run.

mod bench;
mod canary;
mod local;
mod package;
mod parity;
mod report;

pub use bench::*;
pub use canary::*;
pub use local::*;
pub use package::*;
pub use parity::*;
pub use report::*;

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
    /// Output format: a human table, or JSON for scripts; `cutover parity` also renders
    /// markdown and junit, `cutover report` markdown, csv and html. Data goes to stdout,
    /// logs to stderr.
    #[arg(long, global = true, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
}

/// Every format `--format` accepts; a command refuses those it does not render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Table,
    Json,
    Markdown,
    Junit,
    Csv,
    Html,
}

/// The formats every command renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Replay recorded events against two versions and report every difference that matters.
    Parity(Box<ParityArgs>),
    /// Shift alias weights in gated steps, with automatic rollback and a final bake.
    Canary(CanaryArgs),
    /// Cost report: before and after, per function, per 1M requests and per month.
    Report(ReportArgs),
    /// Run Python and Rust functions side by side on one machine (Runtime API, aliases, Invoke, API Gateway).
    Local(LocalArgs),
    /// Measure package size, cold start, warm duration and memory, Python against Rust.
    Bench(BenchArgs),
    /// Build a Rust function's `bootstrap` for provided.al2023 and zip it.
    Package(PackageArgs),
}

#[derive(Debug, Args)]
pub struct ConfigArg {
    /// The configuration file.
    #[arg(long, default_value = "cutover.toml", env = "CUTOVER_CONFIG")]
    pub config: PathBuf,
}

/// Where AWS calls go: the SDK's default chain (environment, profiles,
/// `AWS_ENDPOINT_URL_<SERVICE>`), overridden by these.
#[derive(Debug, Clone, Args)]
pub struct AwsArgs {
    /// The named profile of the shared config and credentials files.
    #[arg(long)]
    pub profile: Option<String>,
    /// The AWS region, e.g. eu-west-1.
    #[arg(long)]
    pub region: Option<String>,
    /// One endpoint for every AWS call, e.g. a local emulator's Lambda API.
    #[arg(long)]
    pub endpoint_url: Option<String>,
}
