//! `cutover report`: cost reports for finance (clap types only).

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::{AwsArgs, ReportFormatArg};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ReportArgs {
    /// Output format; data goes to stdout, logs and progress to stderr.
    #[arg(long, global = true, value_enum, default_value_t)]
    pub format: ReportFormatArg,
    #[command(subcommand)]
    pub command: Option<ReportCommand>,
    #[command(flatten)]
    pub run: ReportRunArgs,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The price table: refresh it from AWS's public price list.
    Prices(PricesArgs),
}

#[derive(Debug, Args)]
pub struct PricesArgs {
    #[command(subcommand)]
    pub command: PricesCommand,
}

#[derive(Debug, Subcommand)]
pub enum PricesCommand {
    /// Read price list offer files (offers/v1.0/aws/<service>/current/<region>/index.json)
    /// into a price table for --prices.
    Refresh(PricesRefreshArgs),
}

#[derive(Debug, Args)]
pub struct PricesRefreshArgs {
    /// An offer file of AWSLambda, AmazonApiGateway or AmazonCloudWatch; repeat for several.
    #[arg(long, required = true)]
    pub offer: Vec<PathBuf>,
    /// The table to update (default: the embedded one).
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// Where to write the table (default: stdout).
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UsageSourceArg {
    /// CloudWatch metrics and Logs of the deployed functions.
    Aws,
    /// The local emulator's log (--logs) or `cutover bench rewrite` JSON (--bench): a projection.
    Local,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ArchitectureArg {
    #[value(name = "x86_64")]
    X86_64,
    Arm64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApiArg {
    Rest,
    Http,
}

#[derive(Debug, Args)]
pub struct ReportRunArgs {
    /// Where usage comes from; or give --usage.
    #[arg(long, value_enum, conflicts_with = "usage")]
    pub source: Option<UsageSourceArg>,
    /// A usage file (docs/reports.md describes the format), measured or hand-written.
    #[arg(long)]
    pub usage: Option<PathBuf>,
    /// --source local: an emulator log (`cutover local serve 2> run.log`).
    #[arg(long)]
    pub logs: Option<PathBuf>,
    /// --source local: the JSON of `cutover bench rewrite`.
    #[arg(long, conflicts_with = "logs")]
    pub bench: Option<PathBuf>,
    /// --source local: the configuration naming functions, versions and memory.
    #[arg(long, default_value = "cutover.toml", env = "CUTOVER_CONFIG")]
    pub config: PathBuf,
    /// A function to report on; repeat. --source local: default every function of the config.
    #[arg(long = "function")]
    pub functions: Vec<String>,
    /// The version being replaced.
    #[arg(long, default_value = "1")]
    pub before: String,
    /// The version replacing it.
    #[arg(long, default_value = "2")]
    pub after: String,
    /// Runtime of the before version, when Lambda's configuration is not read.
    #[arg(long, default_value = "python3.12")]
    pub before_runtime: String,
    /// Runtime of the after version, when Lambda's configuration is not read.
    #[arg(long, default_value = "provided.al2023")]
    pub after_runtime: String,
    #[arg(long, value_enum, default_value_t = ArchitectureArg::X86_64)]
    pub before_arch: ArchitectureArg,
    #[arg(long, value_enum, default_value_t = ArchitectureArg::X86_64)]
    pub after_arch: ArchitectureArg,
    /// The API Gateway API in front of the functions (all-in view).
    #[arg(long, value_enum)]
    pub api: Option<ApiArg>,
    /// --source aws: the alias the traffic goes through (invocations per ExecutedVersion).
    #[arg(long, default_value = "live")]
    pub alias: String,
    /// --source aws: window start, RFC 3339 (default: --days before --until).
    #[arg(long)]
    pub since: Option<String>,
    /// --source aws: window end, RFC 3339 (default: the last midnight UTC).
    #[arg(long)]
    pub until: Option<String>,
    /// --source aws: window length in days when --since is not given.
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// --source aws: count invocations from REPORT lines, not CloudWatch metrics.
    #[arg(long)]
    pub no_metrics: bool,
    /// --source aws: do not read each version's configuration from Lambda.
    #[arg(long)]
    pub no_lambda_config: bool,
    /// --source aws: read every log line (for the bytes each version logs), not only REPORT lines.
    #[arg(long)]
    pub all_log_lines: bool,
    /// --source aws: aggregate the REPORT lines on the server with CloudWatch Logs Insights
    /// instead of pulling every line (for busy functions and long windows).
    #[arg(long)]
    pub logs_insights: bool,
    /// --source aws --logs-insights: how long to wait for each query, in seconds.
    #[arg(long, default_value_t = 600, requires = "logs_insights")]
    pub insights_timeout: u64,
    /// A price table file instead of the embedded one.
    #[arg(long)]
    pub prices: Option<PathBuf>,
    /// Leave Lambda's free tier out.
    #[arg(long)]
    pub no_free_tier: bool,
    /// Requests per month instead of the observed rate: `N` for every function, or `FUNCTION=N`; repeat.
    #[arg(long)]
    pub monthly_requests: Vec<String>,
    /// Traffic growth per month, in percent, for the 12-month projection.
    #[arg(long, default_value_t = 0.0)]
    pub growth: f64,
    /// The p99 the new version must keep for a memory size to be recommended (with sweep data).
    #[arg(long)]
    pub latency_slo_ms: Option<f64>,
    /// Seed of the bootstrap interval.
    #[arg(long, default_value_t = reports::DEFAULT_SEED)]
    pub seed: u64,
    /// Put Cost Explorer's actuals for the window beside the model.
    #[arg(long)]
    pub reconcile: bool,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Also write the usage model read, as a usage file.
    #[arg(long)]
    pub save_usage: Option<PathBuf>,
    #[command(flatten)]
    pub aws: AwsArgs,
}
