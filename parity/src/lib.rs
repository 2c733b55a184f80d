//! Parity harness: replay recorded Lambda invocations against a baseline and a candidate
//! version and report every difference that matters, and none that does not.
//!
//! The pipeline, in the order data flows through it:
//! - [`Corpus`] streams [`Record`]s (`cutover.record/v1`) from JSONL or JSON files, filtered;
//! - a [`Replay`] sends them on keeping per-entity order, concurrently otherwise;
//! - each [`Target`] (named by a [`TargetUri`]) answers with an [`Observed`] outcome;
//! - [`IdMap`] maps ids the sides generated differently;
//! - [`compare_outcomes`] finds [`Difference`]s in tiers (semantic, cosmetic), under the
//!   [`ParityRules`] of `parity.toml`; a second baseline run marks noise;
//! - a `local:` side reads back the [`SideEffects`] it wrote to its own moto server (and
//!   the write calls its recording proxy saw, in order), and
//!   [`ParityReport::add_side_effects`] compares the two sides' writes: final state and
//!   sequences;
//! - the [`ParityReport`] is accumulated record by record, and [`render`] prints it as a
//!   table, JSON, Markdown or JUnit XML, with secrets redacted;
//! - for a corpus too large for one machine, a [`Shard`] replays the records of its own
//!   entities ([`seal_shard`] marks its report), and [`merge_shard_reports`] judges every
//!   shard's records again against all the noise learned, into one report.
//!
//! [`Replay`] wires the replay; [`ParitySession`] opens the targets (a `local:` side starts
//! its own emulator, a [`LambdaTarget`] calls Invoke; [`build_target`] builds those that
//! need nothing but their URI), runs the replay, diffs the side effects and stops what it
//! started. The CLI only resolves arguments and calls it.
//!
//! [`Fuzzer`] (`cutover parity fuzz`) goes past the recording: it mutates the corpus's
//! events from a seed ([`FuzzSettings`]), replays each mutant against both sides and
//! reports where they part, grouped by mutation and path, with the smallest mutant.

// A library computes; only the binary prints (ripgrep's rule): output goes through
// typed results and renderers, logs through `tracing` or a sink the caller chose.
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

mod capture;
mod compare;
mod corpus;
mod difference;
mod document;
mod fuzz;
mod http;
mod ids;
mod lambda;
mod lexical;
mod local;
mod merge;
mod open;
mod path;
mod record;
mod recorded;
mod redact;
mod render;
mod replay;
mod report;
mod rules;
mod scheduler;
mod session;
mod shape;
mod shard;
mod side_effects;
mod target;

pub use aws_settings::AwsSettings;
pub use capture::CaptureError;
pub use compare::compare_outcomes;
pub use corpus::{Corpus, CorpusError, CorpusFilter, Records, StatusFilter};
pub use difference::{Comparison, DiffKind, Difference, Tier};
pub use fuzz::{
    BodyEncoding, Change, CorpusCheck, EventShape, Finding, FuzzError, FuzzFormat, FuzzProgress, FuzzReport,
    FuzzSettings, FuzzTiming, Fuzzer, HeaderCase, JsonType, KindSummary, MutantError, MutantTotals, Mutation,
    MutationKind, SmallestMutant, UnicodeText, WritesCheck, render_fuzz,
};
pub use ids::IdMap;
pub use lambda::LambdaTarget;
pub use merge::{MergeError, MergedReport, ShardReportText, Tally, merge_shard_reports};
pub use open::build_target;
pub use path::{JsonPath, PathPattern, PathPatternError};
pub use record::{FunctionError, Observed, Outcome, RECORD_SCHEMA, Record};
pub use recorded::RecordedTarget;
pub use redact::{SecretFinding, find_secrets};
pub use render::{ReportFormat, render};
pub use replay::{IdBook, Replay, ReplayError, ReplayOutcome, ReplaySettings};
pub use report::{
    Counts, ErrorExample, Example, FiredRule, Latency, LearnedNoise, ParityReport, RouteSummary, SideEffectDifference,
    SideEffectsReport, SignatureGroup,
};
pub use rules::{ParityRules, RuleId, RuleInfo, RuleKind, RulesError};
pub use session::{ParitySession, SessionError};
pub use shard::{CorpusFile, RecordCount, ReplayIdentity, Shard, ShardError, ShardRecords, ShardSection, seal_shard};
pub use side_effects::{SideEffectCounts, SideEffects, WriteCallCounts, WriteKindCounts};
pub use target::{OpenTargetError, Target, TargetError, TargetOptions, TargetUri, TargetUriError};
