//! `cutover canary`: gated alias shifts, for the release manager (clap types only).

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::{AwsArgs, ConfigArg, OutputFormat};

#[derive(Debug, Args)]
#[command(
    after_help = "Exit codes: 0 done (or, for tick/status, running), 1 rolled back, halted or held, 2 bad input or a failed preflight, 3 unexpected error."
)]
pub struct CanaryArgs {
    /// Output format; data goes to stdout, logs and progress to stderr.
    #[arg(long, global = true, value_enum, default_value_t)]
    pub format: OutputFormat,
    #[command(subcommand)]
    pub command: CanaryCommand,
}

#[derive(Debug, Subcommand)]
pub enum CanaryCommand {
    /// Preflight and the plan: steps, gates, the samples each gate needs and the expected time per step. Changes nothing.
    Plan(CanaryStartArgs),
    /// Preflight, lock, journal, then tick until done, rolled back or held. Ctrl-C stops the loop; `resume` continues.
    Start(CanaryStartArgs),
    /// One idempotent reconcile pass, then exit: for cron, CI or a scheduler.
    Tick(CanaryTargetArgs),
    /// Where the deployment is, from the journal and the alias. Changes nothing.
    Status(CanaryTargetArgs),
    /// Every record of the deployment, each decision with the data behind it.
    History(CanaryTargetArgs),
    /// Settle an interrupted change, lift a pause or hold, and keep ticking.
    Resume(CanaryResumeArgs),
    /// Stop advancing until `resume`.
    Pause(CanaryTargetArgs),
    /// Move to the next step now without waiting for the gates (or to 100 % with --full; in the bake: done).
    Promote(CanaryPromoteArgs),
    /// Roll back to the baseline now.
    Abort(CanaryTargetArgs),
    /// After `done`: list what still references the old version; delete it with --yes when nothing does.
    Decommission(CanaryDecommissionArgs),
    /// Rehearse a deployment on the local stack on a scaled clock, with corpus traffic and optional faults.
    Rehearse(CanaryRehearseArgs),
}

#[derive(Debug, Args)]
pub struct CanaryTargetArgs {
    /// The function and its alias: `name:alias`, or an alias ARN.
    pub target: String,

    #[command(flatten)]
    pub config: ConfigArg,

    /// Where the journal and lock live: a folder (default `.cutover/canary`) or `dynamodb://TABLE`.
    #[arg(long)]
    pub state: Option<String>,

    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Args)]
pub struct CanaryStartArgs {
    #[command(flatten)]
    pub target: CanaryTargetArgs,

    /// The candidate version (e.g. the Rust build, published).
    #[arg(long = "to", value_name = "VERSION")]
    pub candidate: String,

    /// The baseline version; defaults to the version the alias is on.
    #[arg(long = "from", value_name = "VERSION")]
    pub baseline: Option<String>,

    #[command(flatten)]
    pub overrides: CanaryOverrides,

    #[command(flatten)]
    pub parity: CanaryParityArgs,

    /// Take over a live lock (when its holder is known to be gone).
    #[arg(long)]
    pub force: bool,
}

/// The pre-traffic gate: a parity verdict before the first shift.
#[derive(Debug, Args)]
pub struct CanaryParityArgs {
    /// A `cutover parity --format json` report: the deployment starts only if it passed, replayed records, and its candidate is this function at the --to version.
    #[arg(long, value_name = "FILE", conflicts_with = "parity_corpus")]
    pub parity_report: Option<PathBuf>,

    /// Recorded events (JSONL files or folders) replayed against lambda:<fn>:<baseline> and lambda:<fn>:<candidate> after the start; a failing verdict moves no traffic.
    #[arg(long, value_name = "PATH")]
    pub parity_corpus: Vec<PathBuf>,

    /// The parity rules of the replay. Default: parity.toml when it exists, else the built-in defaults.
    #[arg(long, value_name = "FILE", requires = "parity_corpus")]
    pub parity_rules: Option<PathBuf>,
}

/// Flags over `[canary]` in cutover.toml.
#[derive(Debug, Args)]
pub struct CanaryOverrides {
    /// Candidate share per step in percent, e.g. 10,50,100.
    #[arg(long, value_delimiter = ',')]
    pub steps: Option<Vec<f64>>,
    /// Minimum time per step, e.g. 15m.
    #[arg(long)]
    pub step_duration: Option<String>,
    /// Time at 100 % with the gates on, e.g. 48h.
    #[arg(long)]
    pub bake: Option<String>,
    /// What an inconclusive step does after its extensions.
    #[arg(long, value_enum)]
    pub inconclusive: Option<InconclusiveArg>,
    /// Time between ticks of `start`, e.g. 30s.
    #[arg(long)]
    pub poll_interval: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InconclusiveArg {
    Rollback,
    Hold,
}

#[derive(Debug, Args)]
pub struct CanaryResumeArgs {
    #[command(flatten)]
    pub target: CanaryTargetArgs,
    /// Take over a live lock (when its holder is known to be gone).
    #[arg(long)]
    pub force: bool,
    /// One pass, then exit, instead of ticking until the deployment ends.
    #[arg(long)]
    pub once: bool,
}

#[derive(Debug, Args)]
pub struct CanaryPromoteArgs {
    #[command(flatten)]
    pub target: CanaryTargetArgs,
    /// Straight to 100 % (the bake still runs).
    #[arg(long)]
    pub full: bool,
}

#[derive(Debug, Args)]
pub struct CanaryDecommissionArgs {
    #[command(flatten)]
    pub target: CanaryTargetArgs,
    /// Delete the old version when nothing references it.
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct CanaryRehearseArgs {
    /// The function and alias in cutover.toml, e.g. get-cluster:live.
    pub target: String,

    #[command(flatten)]
    pub config: ConfigArg,

    /// The candidate version.
    #[arg(long = "to", value_name = "VERSION")]
    pub candidate: String,

    /// Recorded events to replay as traffic (JSONL files or folders).
    #[arg(long, default_value = "events")]
    pub corpus: Vec<PathBuf>,

    /// Requests per second of real time sent through the alias.
    #[arg(long, default_value_t = 20.0)]
    pub rate: f64,

    /// Virtual seconds per real second.
    #[arg(long, default_value_t = 60.0)]
    pub speed: f64,

    /// A fault in the candidate: error-share=0.2, latency=300ms, crash-after=50.
    #[arg(long = "fault", value_name = "FAULT")]
    pub faults: Vec<String>,

    #[command(flatten)]
    pub overrides: CanaryOverrides,

    /// Where the rehearsal's journal goes (default: a temporary folder).
    #[arg(long)]
    pub state: Option<PathBuf>,
}
