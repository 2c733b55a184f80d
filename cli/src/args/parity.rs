//! `cutover parity`: replay recorded events against two versions.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{AwsArgs, ConfigArg, ParityFormatArg, RecordFilterArgs};

#[derive(Debug, Args)]
pub struct ParityArgs {
    /// Output format; data goes to stdout, logs and progress to stderr.
    #[arg(long, global = true, value_enum, default_value_t)]
    pub format: ParityFormatArg,
    #[command(subcommand)]
    pub command: ParityCommand,
}

#[derive(Debug, Subcommand)]
pub enum ParityCommand {
    /// Replay a corpus against a baseline and a candidate and report every difference that
    /// matters. Exit 1 when mismatched or failed records exceed --max-mismatch, or any
    /// write differs.
    Run(ParityRunArgs),
    /// Combine the JSON reports of `parity run --shard K/N` into one report and one
    /// verdict, judging every shard's records against the noise any shard learned. Exit 1
    /// when the merged run fails, 2 when the reports are not the N shards of one run.
    Merge(ParityMergeArgs),
    /// Mutate the corpus's events from a seed (fields dropped, nulled or retyped, header
    /// case, unknown fields, body encoding, unicode, huge values, other API Gateway
    /// shapes), replay each mutant against both sides and report where they part, grouped
    /// by mutation and path with the smallest mutant. Exit 1 on any divergence.
    Fuzz(ParityFuzzArgs),
}

#[derive(Debug, Args)]
pub struct ParityRunArgs {
    /// The reference side: local:<function|*>:<version|alias>, lambda:<name-or-arn>[:<qualifier>],
    /// http(s)://<stage-url> or recorded.
    #[arg(long)]
    pub baseline: String,
    /// The side under test, written like --baseline.
    #[arg(long)]
    pub candidate: String,
    /// The baseline run a second time, to learn which fields are noise.
    #[arg(long)]
    pub secondary: Option<String>,
    /// Corpus files or folders (JSONL or JSON), in the record format of events/.
    #[arg(long, num_args = 1.., default_value = "events")]
    pub corpus: Vec<PathBuf>,
    /// The rules file. Default: parity.toml when it exists, else the built-in defaults.
    #[arg(long, env = "CUTOVER_PARITY_RULES")]
    pub rules: Option<PathBuf>,
    #[command(flatten)]
    pub filter: RecordFilterArgs,
    /// Records of different entities in flight at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Mismatched or failed records allowed before the run fails.
    #[arg(long, default_value_t = 0)]
    pub max_mismatch: usize,
    /// Examples kept per mismatch signature.
    #[arg(long, default_value_t = 3)]
    pub examples: usize,
    /// Per-request timeout of network targets, in seconds.
    #[arg(long, default_value_t = 30.0)]
    pub timeout: f64,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Send the sandboxes' logs of local: targets to stderr (discarded by default).
    #[arg(long)]
    pub sandbox_logs: bool,
    /// Replay only shard K of N (1-based): the records of the entities that hash to it.
    /// Merge the shards' JSON reports with `parity merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    #[command(flatten)]
    pub config: ConfigArg,
    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Args)]
pub struct ParityMergeArgs {
    /// The shards' JSON reports (`parity run --shard K/N --format json`), one per shard.
    #[arg(required = true, value_name = "REPORT.json")]
    pub reports: Vec<PathBuf>,
    /// Mismatched or failed records allowed. Default: what the shards ran with.
    #[arg(long)]
    pub max_mismatch: Option<usize>,
    /// Write the merged report to this file (atomically) instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ParityFuzzArgs {
    /// The reference side, written as for `parity run` (not `recorded`: a mutant has no
    /// recorded answer).
    #[arg(long)]
    pub baseline: String,
    /// The side under test, written like --baseline.
    #[arg(long)]
    pub candidate: String,
    /// Corpus files or folders (JSONL or JSON): replayed unmutated first, then mutated.
    #[arg(long, num_args = 1.., default_value = "events")]
    pub corpus: Vec<PathBuf>,
    /// The rules file. Default: parity.toml when it exists, else the built-in defaults.
    #[arg(long, env = "CUTOVER_PARITY_RULES")]
    pub rules: Option<PathBuf>,
    /// Only records of this route (repeatable), e.g. "POST /clusters".
    #[arg(long)]
    pub route: Vec<String>,
    /// The seed: the same seed and corpus give the same mutants, in the same order.
    #[arg(long)]
    pub seed: u64,
    /// How many mutants to replay.
    #[arg(long)]
    pub mutants: usize,
    /// Smaller records tried per finding when looking for its smallest mutant.
    #[arg(long, default_value_t = 4)]
    pub shrink_attempts: usize,
    /// Records of different entities in flight at once in the unmutated replay (mutants
    /// run one at a time).
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Per-request timeout of network targets, in seconds.
    #[arg(long, default_value_t = 30.0)]
    pub timeout: f64,
    /// Write the report to this file (atomically) instead of stdout.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Send the sandboxes' logs of local: targets to stderr (discarded by default).
    #[arg(long)]
    pub sandbox_logs: bool,
    #[command(flatten)]
    pub config: ConfigArg,
    #[command(flatten)]
    pub aws: AwsArgs,
}
