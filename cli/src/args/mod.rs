//! Every clap type of the `cutover` binary, in one place: the root here, one submodule per
//! command family. No logic lives here: commands resolve these into typed settings before
//! they run.

mod bench;
mod canary;
mod corpus;
mod deploy;
mod local;
mod new;
mod package;
mod parity;
mod report;

pub use bench::*;
pub use canary::*;
pub use corpus::*;
pub use deploy::*;
pub use local::*;
pub use new::*;
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
    #[command(subcommand)]
    pub command: Command,
}

/// `--format` of the commands that print a table for people or JSON for scripts. Each
/// family declares the formats it renders, so `--help` lists exactly those.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    /// A table for people.
    #[default]
    Table,
    /// The whole typed result, for scripts.
    Json,
}

/// `--format` of `cutover parity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ParityFormatArg {
    #[default]
    Table,
    Json,
    /// For a pull request or a wiki.
    Markdown,
    /// For CI test reports: one test case per record.
    Junit,
}

/// `--format` of `cutover report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormatArg {
    #[default]
    Table,
    Json,
    /// FOCUS-aligned columns, one row per charge.
    Csv,
    /// For a pull request or a wiki.
    Markdown,
    /// One self-contained file with inline SVG charts.
    Html,
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
    /// Recorded traffic: pull it from CloudWatch Logs, check it for secrets, count, sample, filter.
    Corpus(CorpusArgs),
    /// Scaffold the Rust rewrite of a Python function: a function crate and its cutover.toml entry.
    New(NewArgs),
    /// Publish a Rust zip as a new version of an existing function (never touches an alias).
    Deploy(DeployArgs),
}

/// Which records of a corpus: `cutover parity run` replays them, `cutover corpus filter`
/// and `sample` keep them. Every flag narrows; none keeps every record.
#[derive(Debug, Clone, Args)]
pub struct RecordFilterArgs {
    /// Only records of this route (repeatable), e.g. "GET /clusters/{cluster_id}".
    #[arg(long)]
    pub route: Vec<String>,
    /// Only records of this HTTP method (repeatable).
    #[arg(long)]
    pub method: Vec<String>,
    /// Only records whose recorded status is this code or class, e.g. 404 or 5xx (repeatable).
    #[arg(long)]
    pub status: Vec<String>,
    /// Only records made at or after this time (RFC 3339).
    #[arg(long)]
    pub since: Option<String>,
    /// Only records made before this time (RFC 3339).
    #[arg(long)]
    pub until: Option<String>,
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
