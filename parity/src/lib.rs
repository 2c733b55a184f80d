//! Parity harness: replay recorded Lambda invocations against a baseline and a candidate
//! version and report every difference that matters, and none that does not.
//!
//! The pipeline, in the order data flows through it:
//! - [`Corpus`] streams [`Record`]s (`cutover.record/v1`) from JSONL or JSON files, filtered;
//! - [`run_by_entity`] replays them keeping per-entity order, concurrently otherwise;
//! - each [`Target`] (named by a [`TargetUri`]) answers with an [`Observed`] outcome;
//! - [`IdMap`] maps ids the sides generated differently;
//! - [`compare_outcomes`] finds [`Difference`]s in tiers (semantic, cosmetic), under the
//!   [`ParityRules`] of `parity.toml`; a second baseline run marks noise;
//! - [`capture_side_effects`] reads back what a `local:` side wrote to its own moto
//!   server (and the write calls its recording proxy saw, in order), and
//!   [`diff_side_effects`] compares the two sides' writes: final state and sequences;
//! - [`ReportBuilder`] accumulates a [`ParityReport`], which [`render`] prints as a table,
//!   JSON, Markdown or JUnit XML, with secrets redacted;
//! - for a corpus too large for one machine, a [`Shard`] replays the records of its own
//!   entities ([`seal_shard`] marks its report), and [`merge_shard_reports`] judges every
//!   shard's records again against all the noise learned, into one report.
//!
//! [`Replay`] wires the replay; [`ParitySession`] opens the targets ([`open_target`]:
//! [`LocalTarget`] starts its own emulator, [`LambdaTarget`] calls Invoke), runs the replay,
//! diffs the side effects and stops what it started. The CLI only resolves arguments and
//! calls it.
//!
//! [`Fuzzer`] (`cutover parity fuzz`) goes past the recording: it mutates the corpus's
//! events from a seed ([`generate_mutants`]), replays each mutant against both sides and
//! reports where they part, grouped by mutation and path, with the smallest mutant.

// A library computes; only the binary prints (ripgrep's rule): output goes through
// typed results and renderers, logs through `tracing` or a sink the caller chose.
#![deny(clippy::print_stdout, clippy::print_stderr)]

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
pub use capture::{CaptureError, capture_side_effects};
pub use compare::{compare_json, compare_outcomes};
pub use corpus::{Corpus, CorpusError, CorpusFilter, Records, StatusFilter};
pub use difference::{Comparison, DiffKind, Difference, Tier};
pub use fuzz::{
    BodyEncoding, Change, CorpusCheck, EventShape, Finding, FuzzError, FuzzFormat, FuzzProgress, FuzzReport,
    FuzzSettings, FuzzTiming, Fuzzer, HeaderCase, JsonType, KindSummary, Mutant, MutantError, MutantTotals, Mutation,
    MutationKind, SmallestMutant, UnicodeText, generate_mutants, render_fuzz,
};
pub use http::HttpTarget;
pub use ids::IdMap;
pub use lambda::LambdaTarget;
pub use local::LocalTarget;
pub use merge::{MergeError, MergedReport, ShardReportText, Tally, merge_shard_reports};
pub use open::{build_target, open_target};
pub use path::{JsonPath, PathPattern, PathPatternError, Segment};
pub use record::{FunctionError, Observed, Outcome, RECORD_SCHEMA, Record};
pub use recorded::RecordedTarget;
pub use redact::{REDACTED, is_secret_name, redact_value};
pub use render::{ReportFormat, render};
pub use replay::{IdBook, Replay, ReplayError, ReplayOutcome, ReplaySettings};
pub use report::{
    Counts, ErrorExample, Example, FiredRule, Latency, LearnedNoise, ParityReport, ReportBuilder, RouteSummary,
    SideEffectDifference, SideEffectsReport, SignatureGroup,
};
pub use rules::{DEFAULT_ID_PATHS, DEFAULT_VOLATILE_HEADERS, ParityRules, RuleId, RuleInfo, RuleKind, RulesError};
pub use scheduler::{ReplayOrder, run_by_entity, run_ordered};
pub use session::{ParitySession, SessionError};
pub use shard::{
    CorpusFile, RecordCount, ReplayIdentity, SHARD_FORMAT, Shard, ShardError, ShardRecords, ShardSection, fnv1a_64,
    seal_shard, shard_key, shard_of,
};
pub use side_effects::{
    SIDE_EFFECTS_ROUTE, SideEffectCounts, SideEffects, WriteCallCounts, WriteKindCounts, diff_side_effects,
    diff_side_effects_and_writes, side_effect_pattern,
};
pub use target::{
    LOCAL_EVERY_FUNCTION, OpenTargetError, Target, TargetError, TargetOptions, TargetUri, TargetUriError,
};
