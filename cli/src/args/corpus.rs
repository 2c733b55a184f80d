//! `cutover corpus`: recorded traffic before it is replayed.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{AwsArgs, OutputFormat, RecordFilterArgs};

#[derive(Debug, Args)]
pub struct CorpusArgs {
    /// Output format of the summary; data goes to stdout, logs and progress to stderr.
    #[arg(long, global = true, value_enum, default_value_t)]
    pub format: OutputFormat,
    #[command(subcommand)]
    pub command: CorpusCommand,
}

#[derive(Debug, Subcommand)]
pub enum CorpusCommand {
    /// Read what the recorder logged from CloudWatch Logs into JSONL shards (joins split
    /// records, drops duplicates, resumes with --resume).
    Pull(CorpusPullArgs),
    /// Records per function, route and answer, and the time they span.
    Stats(CorpusReadArgs),
    /// Validate every record and refuse a corpus that still holds secrets (exit 1).
    Check(CorpusReadArgs),
    /// A seeded share of the entities, whole, into a new file.
    Sample(CorpusSampleArgs),
    /// The records that match, into a new file.
    Filter(CorpusFilterArgs),
}

#[derive(Debug, Args)]
pub struct CorpusPullArgs {
    /// A function whose log group `/aws/lambda/<function>` to read (repeatable).
    #[arg(long = "function", value_name = "FUNCTION", required = true)]
    pub functions: Vec<String>,
    /// The start of the window, RFC 3339 (default: --hours before --until).
    #[arg(long)]
    pub since: Option<String>,
    /// The end of the window, RFC 3339 (default: now).
    #[arg(long)]
    pub until: Option<String>,
    /// The window's length when --since is not given.
    #[arg(long, default_value_t = 24)]
    pub hours: u32,
    /// The folder of the shards: new or empty, or holding the pull to --resume.
    #[arg(long, default_value = "events/pulled")]
    pub out: PathBuf,
    /// Continue the unfinished pull in --out (same functions and window).
    #[arg(long)]
    pub resume: bool,
    /// Records per shard file.
    #[arg(long, default_value_t = 10_000)]
    pub shard_records: usize,
    /// Log events per FilterLogEvents page (1-10000; default: the service's).
    #[arg(long, value_parser = clap::value_parser!(i32).range(1..=10_000))]
    pub page_size: Option<i32>,
    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Args)]
pub struct CorpusReadArgs {
    /// Corpus files or folders (cutover.record/v1).
    #[arg(required = true)]
    pub corpus: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CorpusSelectArgs {
    /// Corpus files or folders (cutover.record/v1).
    #[arg(required = true)]
    pub corpus: Vec<PathBuf>,
    /// The new corpus file (JSON Lines); never an existing file.
    #[arg(long)]
    pub out: PathBuf,
    /// Only records of this function (repeatable).
    #[arg(long = "function", value_name = "FUNCTION")]
    pub functions: Vec<String>,
    /// Only records of this source (repeatable): apigateway-rest, apigateway-http, eventbridge, other.
    #[arg(long = "source", value_name = "SOURCE")]
    pub sources: Vec<String>,
    #[command(flatten)]
    pub filter: RecordFilterArgs,
    /// Stop after this many records.
    #[arg(long)]
    pub max: Option<u64>,
}

#[derive(Debug, Args)]
pub struct CorpusSampleArgs {
    #[command(flatten)]
    pub select: CorpusSelectArgs,
    /// The share of entities kept, 0 to 1 (every record of an entity goes together).
    #[arg(long)]
    pub rate: f64,
    /// The seed: the same seed and rate keep the same entities.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The parity rules whose `[[id]]` paths name the ids a create answers (default:
    /// parity.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CorpusFilterArgs {
    #[command(flatten)]
    pub select: CorpusSelectArgs,
}
