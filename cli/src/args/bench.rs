//! `cutover bench`: measurements of the rewrite.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{ConfigArg, OutputFormat};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Output format; data goes to stdout, logs and progress to stderr.
    #[arg(long, global = true, value_enum, default_value_t)]
    pub format: OutputFormat,
    #[command(subcommand)]
    pub command: BenchCommand,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Python against Rust, per function, on the recorded events through the local Lambda:
    /// package size, cold start, warm duration p50/p99 and peak RSS, with the targets of
    /// the config's `[bench]` table.
    Rewrite(BenchRewriteArgs),
    /// A local Power Tuning: one function's version at several memory sizes under Lambda's
    /// CPU share and memory limit, on the recorded events: cold start, warm p50/p99, peak
    /// RSS and cost per 1M invocations per size, the cost/latency frontier and the cheapest
    /// size that meets the objective. Exit 1 when no size is recommended (none meets the
    /// objective, or the physics could not be enforced here).
    Sweep(BenchSweepArgs),
}

#[derive(Debug, Args)]
pub struct BenchSweepArgs {
    /// The function measured (its records must be in the corpus).
    pub function: String,
    /// The memory sizes, MB, comma-separated (Lambda's 128..=10240), e.g.
    /// 128,256,512,1024,1769.
    #[arg(long, value_name = "MB,...", value_delimiter = ',', required = true)]
    pub memory: Vec<u32>,
    /// The config's version measured (every replayed function runs it).
    #[arg(long, default_value = "2")]
    pub version: String,
    /// The recorded events (cutover.record/v1, a file or a folder). Every record of a
    /// function of the config is replayed, in recorded order, so the state the measured
    /// function reads exists; only the function's invocations are measured.
    #[arg(long, default_value = "events/corpus.jsonl")]
    pub events: PathBuf,
    /// Fresh local stacks per memory size (the sizes taking turns), each giving one cold
    /// start.
    #[arg(long, default_value_t = 5)]
    pub iterations: u32,
    /// An AWS latency profile for the measured function's calls (`default`: the shipped
    /// eu-west-1 one); every duration is then a simulation.
    #[arg(long, value_name = "FILE|default")]
    pub latency_profile: Option<PathBuf>,
    /// The objective: the warm p99 at most MS milliseconds.
    #[arg(long, value_name = "MS", conflicts_with = "slo_p50_ms")]
    pub slo_p99_ms: Option<f64>,
    /// The objective: the warm p50 at most MS milliseconds.
    #[arg(long, value_name = "MS")]
    pub slo_p50_ms: Option<f64>,
    #[command(flatten)]
    pub config: ConfigArg,
    /// The parity rules whose `[[id]]` paths name the ids the functions generate (default:
    /// parity.toml when it exists, else parity's built-in id paths).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Run each bootstrap of the version from DIR/<function> instead of building native
    /// release binaries with `cargo build --release` first (the default).
    #[arg(long, value_name = "DIR")]
    pub bootstrap_dir: Option<PathBuf>,
    /// Also write the usage file `cutover report --usage FILE` prices: before, the version
    /// at its configured memory (which --memory must list); after, the recommended size;
    /// and every conclusive size as the usage's sweep.
    #[arg(long, value_name = "FILE")]
    pub usage_out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BenchRewriteArgs {
    /// A function to measure (repeatable; default: every function of the config that has
    /// records in the corpus).
    #[arg(long = "function", value_name = "FUNCTION")]
    pub functions: Vec<String>,
    /// The recorded events (cutover.record/v1, a file or a folder). Every record of a
    /// function of the config is replayed, in recorded order, so the state the measured
    /// functions read exists.
    #[arg(long, default_value = "events/corpus.jsonl")]
    pub events: PathBuf,
    /// How many times each side replays the events, each time on a fresh local stack (a new
    /// moto server and new sandboxes), so each iteration gives one cold start per function.
    #[arg(long, default_value_t = 5)]
    pub iterations: u32,
    #[command(flatten)]
    pub config: ConfigArg,
    /// The config's version that runs the Python original.
    #[arg(long, default_value = "1")]
    pub python_version: String,
    /// The config's version that runs the Rust rewrite.
    #[arg(long, default_value = "2")]
    pub rust_version: String,
    /// Run the Rust side from DIR/<function> instead of building native release binaries
    /// with `cargo build --release` first (the default).
    #[arg(long, value_name = "DIR")]
    pub bootstrap_dir: Option<PathBuf>,
    /// The parity rules whose `[[id]]` paths name the ids the functions generate (default:
    /// parity.toml when it exists, else parity's built-in id paths).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Also write the measured figures as the usage file `cutover report --usage FILE`
    /// prices (the same usage `report --source local --bench` makes of the JSON).
    #[arg(long, value_name = "FILE")]
    pub usage_out: Option<PathBuf>,
    /// Where the Lambda zips of `cutover package` are (default: `lambda/` in Cargo's target
    /// directory); a function without one shows no Rust package size.
    #[arg(long, value_name = "DIR")]
    pub zip_dir: Option<PathBuf>,
    /// Lambda's CPU share (memory ÷ 1769 vCPU) and memory limit for every replayed
    /// function, each version at its own memory_mb (cgroups; where none is writable the run
    /// is marked UNTHROTTLED). Without it or --latency-profile, the config's physics apply.
    #[arg(long)]
    pub physics: bool,
    /// An AWS latency profile for every replayed function's AWS calls (`default`: the
    /// shipped eu-west-1 one); every duration is then a simulation, and the AWS-call critical
    /// paths are traced.
    #[arg(long, value_name = "FILE|default")]
    pub latency_profile: Option<PathBuf>,
}
