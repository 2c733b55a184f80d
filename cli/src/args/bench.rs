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
}
