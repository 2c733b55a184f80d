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
//! - [`diff_side_effects`] compares what each side wrote;
//! - [`ReportBuilder`] accumulates a [`ParityReport`], which [`render`] prints as a table,
//!   JSON, Markdown or JUnit XML, with secrets redacted.
//!
//! [`Replay`] wires all of it; the CLI only resolves arguments and calls it.

mod compare;
mod corpus;
mod difference;
mod ids;
mod lexical;
mod path;
mod record;
mod redact;
mod render;
mod replay;
mod report;
mod rules;
mod scheduler;
mod side_effects;
mod target;

pub use compare::{compare_json, compare_outcomes};
pub use corpus::{Corpus, CorpusError, CorpusFilter, Records, StatusFilter};
pub use difference::{Comparison, DiffKind, Difference, Tier};
pub use ids::IdMap;
pub use path::{JsonPath, PathPattern, PathPatternError, Segment};
pub use record::{FunctionError, Observed, Outcome, RECORD_SCHEMA, Record};
pub use redact::{REDACTED, is_secret_name, redact_value};
pub use render::{ReportFormat, render};
pub use replay::{IdBook, Replay, ReplayError, ReplayOutcome, ReplaySettings};
pub use report::{
    Counts, ErrorExample, Example, FiredRule, Latency, LearnedNoise, ParityReport, ReportBuilder,
    RouteSummary, SideEffectDifference, SideEffectsReport, SignatureGroup,
};
pub use rules::{
    DEFAULT_ID_PATHS, DEFAULT_VOLATILE_HEADERS, ParityRules, RuleId, RuleInfo, RuleKind, RulesError,
};
pub use scheduler::run_by_entity;
pub use side_effects::{SIDE_EFFECTS_ROUTE, SideEffects, diff_side_effects, side_effect_pattern};
pub use target::{
    HttpTarget, RecordedTarget, Target, TargetError, TargetUri, TargetUriError, build_target,
};
