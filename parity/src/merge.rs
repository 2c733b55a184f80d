//! `parity merge`: shards' JSON reports combined into one report and one verdict, as if the
//! whole corpus had been replayed in one run.
//!
//! A record's tier depends on noise learned anywhere in the corpus: a path where the
//! baseline differed from itself in shard 1 makes the same difference (of a kind and shapes
//! it showed) noise in shard 2. So a shard's report carries its builder's [`Tally`]: the
//! records that differed, grouped by their differences, the signatures' example pools with
//! the shapes of their values, the noise it learned with its shapes, and the latency
//! histograms. The merge absorbs every shard's tally into one report builder and judges all
//! records again, with the same code as a single run. Counts, tiers, learned noise and
//! latency percentiles come out as one run would give them; examples are the first kept in
//! shard order; rules that fired, errors and side effects are summed.
//!
//! Shards are merged only when they belong together: the same N and each shard once, the
//! same corpus files (by digest), filters, rules (by digest) and targets, and records that
//! add up to the corpus. Anything else is refused naming the file.

use std::collections::BTreeMap;

use serde::de::{Error as _, IgnoredAny};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::difference::DiffKind;
use crate::path::JsonPath;
use crate::redact::{Redactor, redact_field};
use crate::report::{
    ErrorExample, Example, FiredRule, LISTED_LIMIT, ParityReport, ReportBuilder, SideEffectDifference,
    SideEffectsReport,
};
use crate::rules::{ParityRules, RuleKind};
use crate::shape::{MAX_PATTERNS, Shape, ShapeSet};
use crate::shard::{SHARD_FORMAT, Shard, ShardSection};
use crate::side_effects::SideEffectCounts;

/// How a tally writes "a string of any pattern": learned noise whose strings had too many
/// patterns, or a string at a path whose key names a secret (whose pattern is not shown).
pub(crate) const ANY_STRING: &str = "string (any)";

/// The highest latency bucket a tally may name (about 10^12 seconds): a bound on what a
/// file can make the merge allocate.
const MAX_LATENCY_BUCKET: u32 = 4096;

/// What a run's report builder tallied, in a form that can be judged again: carried in a
/// shard's report for `parity merge`, opaque to everyone else.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub(crate) examples_per_signature: usize,
    /// The shapes the other parts name by index, as reports describe them (`absent`,
    /// `number`, `string dddd-dd-dd`, `string (any)`).
    pub(crate) shapes: Vec<String>,
    pub(crate) routes: Vec<RouteTally>,
    pub(crate) signatures: Vec<SignatureTally>,
    pub(crate) differing: Vec<DifferingRecords>,
    pub(crate) noise: Vec<NoiseTally>,
}

/// One route's records before judging: how many, how many matched outright, how many
/// failed, and the latency histograms (`[bucket, count]` pairs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RouteTally {
    pub(crate) route: String,
    pub(crate) total: usize,
    pub(crate) matched: usize,
    pub(crate) errors: usize,
    pub(crate) baseline_latency: Vec<[u32; 2]>,
    pub(crate) candidate_latency: Vec<[u32; 2]>,
}

/// A signature (route, path pattern, kind) and its examples with their values' shapes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SignatureTally {
    pub(crate) route: String,
    pub(crate) path: String,
    #[serde(with = "kind_name")]
    pub(crate) kind: DiffKind,
    pub(crate) examples: Vec<PooledExample>,
}

/// An example kept for a signature, with the shapes of its two values (indices).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PooledExample {
    pub(crate) shapes: [u32; 2],
    #[serde(flatten, with = "example_fields")]
    pub(crate) example: Example,
}

/// Records of one route with the same differences: `[signature, baseline shape, candidate
/// shape]` each (indices into the tally's lists).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct DifferingRecords {
    pub(crate) route: u32,
    pub(crate) differences: Vec<[u32; 3]>,
    pub(crate) records: usize,
}

/// Noise learned at one path of one route: the kinds and the shapes the baseline showed
/// against itself, and how often.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct NoiseTally {
    pub(crate) route: String,
    pub(crate) path: String,
    pub(crate) occurrences: usize,
    #[serde(with = "kind_names")]
    pub(crate) kinds: Vec<DiffKind>,
    pub(crate) shapes: Vec<String>,
}

impl Tally {
    /// Replaces what a secret could show, as [`ParityReport::redact`] does for the same
    /// values in signatures and learned noise. (Shapes hold no values; at paths whose key
    /// names a secret they hold no pattern either.)
    pub(crate) fn redact(&mut self, redactor: &Redactor) {
        let Self { examples_per_signature: _, shapes: _, routes, signatures, differing: _, noise } = self;
        for summary in routes {
            redact_field(&mut summary.route);
        }
        for signature in signatures {
            for pooled in &mut signature.examples {
                let Example { record_id, path, baseline, candidate, diff } = &mut pooled.example;
                for value in [baseline, candidate] {
                    if let Some(text) = value
                        && let std::borrow::Cow::Owned(redacted) = redactor.redact_shown(&signature.route, path, text)
                    {
                        *text = redacted;
                    }
                }
                redact_field(diff);
                redact_field(record_id);
                if let Some(redacted) = redactor.redact_path(path) {
                    *path = redacted;
                }
            }
            redact_field(&mut signature.path);
            redact_field(&mut signature.route);
        }
        for learned in noise {
            redact_field(&mut learned.route);
            redact_field(&mut learned.path);
        }
    }

    /// Checks that every index names something, so that a damaged file is refused rather
    /// than misjudged.
    fn check(&self) -> Result<(), String> {
        let shapes = self.shapes.len();
        for text in &self.shapes {
            if text != ANY_STRING && parse_described(text).is_none() {
                return Err(format!("unknown shape {text:?}"));
            }
        }
        for summary in &self.routes {
            for &[bucket, _] in summary.baseline_latency.iter().chain(&summary.candidate_latency) {
                if bucket > MAX_LATENCY_BUCKET {
                    return Err(format!("route {:?}: latency bucket {bucket} out of range", summary.route));
                }
            }
            if summary.matched + summary.errors > summary.total {
                return Err(format!("route {:?}: more matched and failed records than records", summary.route));
            }
        }
        for signature in &self.signatures {
            if signature.examples.iter().any(|pooled| pooled.shapes.iter().any(|&shape| shape as usize >= shapes)) {
                return Err(format!(
                    "signature {} {}: an example names an unknown shape",
                    signature.route, signature.path
                ));
            }
        }
        for group in &self.differing {
            if group.route as usize >= self.routes.len() {
                return Err(format!("differing records name route {} of {}", group.route, self.routes.len()));
            }
            for &[signature, baseline, candidate] in &group.differences {
                if signature as usize >= self.signatures.len()
                    || baseline as usize >= shapes
                    || candidate as usize >= shapes
                {
                    return Err("differing records name an unknown signature or shape".to_owned());
                }
            }
        }
        for learned in &self.noise {
            if let Some(text) =
                learned.shapes.iter().find(|text| *text != ANY_STRING && parse_described(text).is_none())
            {
                return Err(format!("noise at {}: unknown shape {text:?}", learned.path));
            }
        }
        Ok(())
    }

    /// Records of the tally: compared or failed.
    fn records(&self) -> usize {
        self.routes.iter().map(|summary| summary.total).sum()
    }
}

/// A shape as a tally describes it (see [`Shape::describe`]); [`ANY_STRING`] as a value's
/// shape is a string whose pattern is not shown.
pub(crate) fn parse_shape(text: &str) -> Shape {
    if text == ANY_STRING {
        // No real pattern is `(any)`: letters become classes unless alone between digits.
        return Shape::String("(any)".to_owned());
    }
    parse_described(text).unwrap_or(Shape::Absent)
}

fn parse_described(text: &str) -> Option<Shape> {
    Some(match text {
        "absent" => Shape::Absent,
        "null" => Shape::Null,
        "boolean" => Shape::Boolean,
        "number" => Shape::Number,
        "object" => Shape::Object,
        "array" => Shape::Array,
        _ => Shape::String(text.strip_prefix("string ")?.to_owned()),
    })
}

/// Adds a described shape to learned noise: [`ANY_STRING`] makes any string fit, as more
/// than [`MAX_PATTERNS`] patterns do (which is how it is set from here).
pub(crate) fn insert_described(shapes: &mut ShapeSet, text: &str) {
    if text == ANY_STRING {
        for length in 0..=MAX_PATTERNS {
            shapes.insert(Shape::String("\u{1}".repeat(length + 1)));
        }
    } else {
        shapes.insert(parse_shape(text));
    }
}

/// One shard's JSON report as given to [`merge_shard_reports`]: its file name (for
/// messages) and text.
#[derive(Debug, Clone)]
pub struct ShardReportText {
    /// The file's name as the user gave it.
    pub file: String,
    /// Its content.
    pub text: String,
}

/// The merged report and the mismatch allowance its verdict uses.
#[derive(Debug, Clone)]
pub struct MergedReport {
    /// One report for the whole corpus.
    pub report: ParityReport,
    /// `--max-mismatch` of the merge, else the shards' own.
    pub max_mismatch: usize,
    /// N, how many shards were merged.
    pub shards: u32,
}

/// Why shards could not be merged. Every variant names the file(s) at fault.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MergeError {
    /// No report was given.
    #[error("no reports to merge")]
    NoReports,
    /// A file is not a parity JSON report this version reads, or its shard section is damaged.
    #[error("{file}: not a parity JSON report ({reason})")]
    NotAReport {
        /// The file.
        file: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A report of a run without `--shard`: it has nothing to merge with.
    #[error(
        "{file}: a parity report of an unsharded run; merge takes the JSON reports of \
         `cutover parity run --shard K/N --format json`"
    )]
    NotSharded {
        /// The file.
        file: String,
    },
    /// Two reports were cut into different numbers of shards.
    #[error("{file}: shard {shard}, but {first} is shard {first_shard}: the shards of one run have the same N")]
    ShardCount {
        /// The file that disagrees with the first.
        file: String,
        /// Its shard.
        shard: Shard,
        /// The first file given.
        first: String,
        /// The first file's shard.
        first_shard: Shard,
    },
    /// Two reports are the same shard.
    #[error("{file} and {other} are both shard {shard}")]
    Duplicate {
        /// The later file.
        file: String,
        /// The earlier file.
        other: String,
        /// The shard both are.
        shard: Shard,
    },
    /// A shard of the N has no report.
    #[error("shard {shard} is missing: got {got}")]
    Missing {
        /// The first missing shard.
        shard: Shard,
        /// The shards given, with their files.
        got: String,
    },
    /// Two reports are shards of different replays: other corpus files, filters, rules or
    /// targets.
    #[error("{file}: {what} differs from {first}'s ({detail}); only shards of one run merge")]
    Different {
        /// The file that disagrees with the first.
        file: String,
        /// The first file given.
        first: String,
        /// What differs: `corpus`, `filters`, `rules` or `targets`.
        what: &'static str,
        /// The two values, or how they differ.
        detail: String,
    },
    /// The shards ran with different `--max-mismatch` and the merge was given none.
    #[error(
        "{file}: --max-mismatch {value}, but {first} ran with {first_value}; give `merge --max-mismatch N` to decide"
    )]
    MaxMismatch {
        /// The file that disagrees with the first.
        file: String,
        /// Its allowance.
        value: usize,
        /// The first file given.
        first: String,
        /// The first file's allowance.
        first_value: usize,
    },
    /// The shards' records do not add up to the corpus: a shard replayed a part of it.
    #[error("the shards replayed {replayed} records, but the corpus holds {expected}: {files}")]
    Incomplete {
        /// Records the shards replayed together.
        replayed: usize,
        /// Records of the whole filtered corpus.
        expected: usize,
        /// The files merged.
        files: String,
    },
    /// Every shard is empty: the filters kept no record.
    #[error("no records matched in any shard ({files}): there is nothing to judge")]
    NoRecords {
        /// The files merged.
        files: String,
    },
}

/// A shard's JSON report as the merge reads it: the parts the merged report takes as they
/// are (targets, rules that fired, errors, side effects) and the shard section. The
/// judged parts (`totals`, `routes`, `signatures`) are only required to be there.
#[derive(Deserialize)]
struct ShardReportFile {
    baseline: String,
    candidate: String,
    secondary: Option<String>,
    #[allow(dead_code)]
    totals: IgnoredAny,
    #[allow(dead_code)]
    routes: IgnoredAny,
    #[allow(dead_code)]
    signatures: IgnoredAny,
    rules_fired: Vec<FiredRuleFile>,
    side_effects: Option<SideEffectsFile>,
    #[serde(default)]
    side_effects_note: Option<String>,
    errors: Vec<ErrorExample>,
    #[serde(default)]
    shard: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct FiredRuleFile {
    #[serde(deserialize_with = "rule_kind_named")]
    kind: RuleKind,
    route: String,
    path: Option<String>,
    reason: String,
    line: usize,
    count: usize,
}

#[derive(Deserialize)]
struct SideEffectsFile {
    baseline_items: usize,
    candidate_items: usize,
    baseline_counts: CountsFile,
    candidate_counts: CountsFile,
    mismatches: usize,
    differences: Vec<SideEffectDifferenceFile>,
}

#[derive(Deserialize)]
struct CountsFile {
    items: usize,
    pipelines: usize,
    objects: usize,
}

impl From<CountsFile> for SideEffectCounts {
    fn from(counts: CountsFile) -> Self {
        Self { items: counts.items, pipelines: counts.pipelines, objects: counts.objects }
    }
}

#[derive(Deserialize)]
struct SideEffectDifferenceFile {
    #[serde(with = "json_path_text")]
    path: JsonPath,
    pattern: String,
    #[serde(with = "kind_name")]
    kind: DiffKind,
    baseline: Option<String>,
    candidate: Option<String>,
}

struct ShardFile {
    file: String,
    report: ShardReportFile,
    section: ShardSection,
}

/// Merges shards' JSON reports into one report. `max_mismatch` overrides the allowance the
/// shards ran with (which must then agree).
pub fn merge_shard_reports(
    inputs: &[ShardReportText],
    max_mismatch: Option<usize>,
) -> Result<MergedReport, MergeError> {
    let mut shards: Vec<ShardFile> = Vec::with_capacity(inputs.len());
    for input in inputs {
        shards.push(read_shard(input)?);
    }
    let Some(first) = shards.first() else {
        return Err(MergeError::NoReports);
    };
    let count = first.section.shard.count;
    let mut by_index: BTreeMap<u32, usize> = BTreeMap::new();
    for (position, shard) in shards.iter().enumerate() {
        if shard.section.shard.count != count {
            return Err(MergeError::ShardCount {
                file: shard.file.clone(),
                shard: shard.section.shard,
                first: first.file.clone(),
                first_shard: first.section.shard,
            });
        }
        if let Some(&earlier) = by_index.get(&shard.section.shard.index) {
            return Err(MergeError::Duplicate {
                file: shard.file.clone(),
                other: shards[earlier].file.clone(),
                shard: shard.section.shard,
            });
        }
        by_index.insert(shard.section.shard.index, position);
        check_same_run(first, shard)?;
    }
    let files = || shards.iter().map(|shard| shard.file.as_str()).collect::<Vec<_>>().join(", ");
    if let Some(index) = (1..=count).find(|index| !by_index.contains_key(index)) {
        let got = shards
            .iter()
            .map(|shard| format!("{} ({})", shard.section.shard, shard.file))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(MergeError::Missing { shard: Shard { index, count }, got });
    }
    let max_mismatch = match max_mismatch {
        Some(value) => value,
        None => {
            let first_value = first.section.max_mismatch;
            if let Some(other) = shards.iter().find(|shard| shard.section.max_mismatch != first_value) {
                return Err(MergeError::MaxMismatch {
                    file: other.file.clone(),
                    value: other.section.max_mismatch,
                    first: first.file.clone(),
                    first_value,
                });
            }
            first_value
        }
    };
    let replayed: usize = shards.iter().map(|shard| shard.section.tally.records()).sum();
    let expected = first.section.corpus_records;
    if replayed == 0 {
        return Err(MergeError::NoRecords { files: files() });
    }
    if replayed != expected {
        return Err(MergeError::Incomplete { replayed, expected, files: files() });
    }

    // Shard order, so that examples and errors come in the order of the shards.
    let ordered: Vec<&ShardFile> = by_index.values().map(|&position| &shards[position]).collect();
    let rules = ParityRules::default();
    let examples_per_signature =
        ordered.iter().map(|shard| shard.section.tally.examples_per_signature).max().unwrap_or_default();
    let mut builder = ReportBuilder::new(
        &rules,
        first.report.baseline.clone(),
        first.report.candidate.clone(),
        first.report.secondary.clone(),
        examples_per_signature,
    );
    for shard in &ordered {
        builder.absorb_tally(&shard.section.tally);
    }
    let mut report = builder.finish();
    report.rules_fired = merged_rules(ordered.iter().flat_map(|shard| &shard.report.rules_fired));
    report.errors = ordered.iter().flat_map(|shard| shard.report.errors.iter().cloned()).take(LISTED_LIMIT).collect();
    merge_side_effects(&mut report, &ordered);
    report.redact(&Redactor::default());
    Ok(MergedReport { report, max_mismatch, shards: count })
}

fn read_shard(input: &ShardReportText) -> Result<ShardFile, MergeError> {
    let not_a_report = |reason: String| MergeError::NotAReport { file: input.file.clone(), reason };
    let mut report: ShardReportFile =
        serde_json::from_str(&input.text).map_err(|error| not_a_report(error.to_string()))?;
    let Some(section) = report.shard.take() else {
        return Err(MergeError::NotSharded { file: input.file.clone() });
    };
    let format = section.get("format").and_then(serde_json::Value::as_str).unwrap_or_default().to_owned();
    if format != SHARD_FORMAT {
        return Err(not_a_report(format!("its shard section is {format:?}, this cutover reads {SHARD_FORMAT:?}")));
    }
    let section: ShardSection =
        serde_json::from_value(section).map_err(|error| not_a_report(format!("shard section: {error}")))?;
    if section.shard.count == 0 || section.shard.index == 0 || section.shard.index > section.shard.count {
        return Err(not_a_report(format!("shard {} is not K/N with 1 <= K <= N", section.shard)));
    }
    section.tally.check().map_err(|reason| not_a_report(format!("shard tally: {reason}")))?;
    Ok(ShardFile { file: input.file.clone(), report, section })
}

/// Refuses a shard of another replay than the first one's.
fn check_same_run(first: &ShardFile, shard: &ShardFile) -> Result<(), MergeError> {
    let different = |what: &'static str, detail: String| MergeError::Different {
        file: shard.file.clone(),
        first: first.file.clone(),
        what,
        detail,
    };
    let (ours, theirs) = (&shard.section.identity, &first.section.identity);
    if ours.corpus.len() != theirs.corpus.len() {
        return Err(different("corpus", format!("{} files against {}", ours.corpus.len(), theirs.corpus.len())));
    }
    for (mine, other) in ours.corpus.iter().zip(&theirs.corpus) {
        if (mine.bytes, &mine.digest) != (other.bytes, &other.digest) {
            return Err(different(
                "corpus",
                format!(
                    "{} is {} bytes, {}; {} is {} bytes, {}",
                    mine.path, mine.bytes, mine.digest, other.path, other.bytes, other.digest
                ),
            ));
        }
    }
    if ours.filter != theirs.filter {
        return Err(different("filters", format!("{} against {}", ours.filter, theirs.filter)));
    }
    if ours.rules != theirs.rules {
        return Err(different("rules", format!("{} against {}", ours.rules, theirs.rules)));
    }
    let sides = |file: &ShardReportFile| (file.baseline.clone(), file.candidate.clone(), file.secondary.clone());
    if sides(&shard.report) != sides(&first.report) {
        let describe = |file: &ShardReportFile| {
            let mut text = format!("{} against {}", file.baseline, file.candidate);
            if let Some(secondary) = &file.secondary {
                text.push_str(&format!(", secondary {secondary}"));
            }
            text
        };
        return Err(different("targets", format!("{} against {}", describe(&shard.report), describe(&first.report))));
    }
    if shard.section.corpus_records != first.section.corpus_records {
        return Err(different(
            "corpus",
            format!("{} records against {}", shard.section.corpus_records, first.section.corpus_records),
        ));
    }
    Ok(())
}

/// Rules that fired in any shard, their counts summed (as one run counts them).
fn merged_rules<'a>(fired: impl Iterator<Item = &'a FiredRuleFile>) -> Vec<FiredRule> {
    let mut merged: Vec<FiredRule> = Vec::new();
    for rule in fired {
        match merged.iter_mut().find(|known| {
            known.line == rule.line && known.kind == rule.kind && known.path == rule.path && known.route == rule.route
        }) {
            Some(known) => known.count += rule.count,
            None => merged.push(FiredRule {
                kind: rule.kind,
                route: rule.route.clone(),
                path: rule.path.clone(),
                reason: rule.reason.clone(),
                line: rule.line,
                count: rule.count,
            }),
        }
    }
    merged.sort_by(|a, b| (a.line, a.kind, &a.route, &a.path).cmp(&(b.line, b.kind, &b.route, &b.path)));
    merged
}

/// Each shard's sides wrote on their own back ends: the writes add up. A shard that could
/// not capture them leaves its note, and never hides another shard's differences.
fn merge_side_effects(report: &mut ParityReport, shards: &[&ShardFile]) {
    let mut merged: Option<SideEffectsReport> = None;
    for shard in shards {
        let Some(captured) = &shard.report.side_effects else { continue };
        let total = merged.get_or_insert_with(|| SideEffectsReport {
            baseline_items: 0,
            candidate_items: 0,
            baseline_counts: SideEffectCounts::default(),
            candidate_counts: SideEffectCounts::default(),
            mismatches: 0,
            differences: Vec::new(),
        });
        total.baseline_items += captured.baseline_items;
        total.candidate_items += captured.candidate_items;
        for (sum, counts) in [
            (&mut total.baseline_counts, &captured.baseline_counts),
            (&mut total.candidate_counts, &captured.candidate_counts),
        ] {
            sum.items += counts.items;
            sum.pipelines += counts.pipelines;
            sum.objects += counts.objects;
        }
        total.mismatches += captured.mismatches;
        for difference in &captured.differences {
            if total.differences.len() < LISTED_LIMIT {
                total.differences.push(SideEffectDifference {
                    path: difference.path.clone(),
                    pattern: difference.pattern.clone(),
                    kind: difference.kind,
                    baseline: difference.baseline.clone(),
                    candidate: difference.candidate.clone(),
                });
            }
        }
    }
    let notes: Vec<String> = shards
        .iter()
        .filter_map(|shard| {
            shard.report.side_effects_note.as_ref().map(|note| format!("shard {}: {note}", shard.section.shard))
        })
        .collect();
    let all_noted = notes.len() == shards.len();
    report.side_effects_note = match (&merged, notes.first()) {
        // Every shard said the same (the same targets): say it once.
        (None, Some(_)) if all_noted => shards[0].report.side_effects_note.clone(),
        (_, Some(_)) => Some(notes.join("; ")),
        (_, None) => None,
    };
    report.side_effects = merged;
}

/// The kinds of difference, for reading their names back.
const DIFF_KINDS: [DiffKind; 15] = [
    DiffKind::Status,
    DiffKind::Header,
    DiffKind::Value,
    DiffKind::Type,
    DiffKind::Missing,
    DiffKind::Extra,
    DiffKind::NullVsMissing,
    DiffKind::Order,
    DiffKind::Bytes,
    DiffKind::Outcome,
    DiffKind::KeyOrder,
    DiffKind::Escaping,
    DiffKind::Whitespace,
    DiffKind::NumberSpelling,
    DiffKind::Encoding,
];

const RULE_KINDS: [RuleKind; 7] = [
    RuleKind::Ignore,
    RuleKind::Set,
    RuleKind::Tolerance,
    RuleKind::Normalise,
    RuleKind::Id,
    RuleKind::VolatileHeaders,
    RuleKind::Redact,
];

/// The variant of `all` that serialises as `name` (the names reports use).
fn named<T: Serialize + Copy>(all: &[T], name: &str) -> Option<T> {
    all.iter()
        .copied()
        .find(|value| serde_json::to_value(value).ok().and_then(|v| v.as_str().map(|s| s == name)) == Some(true))
}

fn rule_kind_named<'de, D: Deserializer<'de>>(deserializer: D) -> Result<RuleKind, D::Error> {
    let name = String::deserialize(deserializer)?;
    named(&RULE_KINDS, &name).ok_or_else(|| D::Error::custom(format!("unknown rule kind {name:?}")))
}

mod kind_name {
    use super::*;

    pub(super) fn serialize<S: Serializer>(kind: &DiffKind, serializer: S) -> Result<S::Ok, S::Error> {
        kind.serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<DiffKind, D::Error> {
        let name = String::deserialize(deserializer)?;
        named(&DIFF_KINDS, &name).ok_or_else(|| D::Error::custom(format!("unknown difference kind {name:?}")))
    }
}

mod kind_names {
    use super::*;

    pub(super) fn serialize<S: Serializer>(kinds: &[DiffKind], serializer: S) -> Result<S::Ok, S::Error> {
        kinds.serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<DiffKind>, D::Error> {
        let names = Vec::<String>::deserialize(deserializer)?;
        names
            .iter()
            .map(|name| {
                named(&DIFF_KINDS, name).ok_or_else(|| D::Error::custom(format!("unknown difference kind {name:?}")))
            })
            .collect()
    }
}

mod json_path_text {
    use super::*;

    pub(super) fn serialize<S: Serializer>(path: &JsonPath, serializer: S) -> Result<S::Ok, S::Error> {
        path.serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<JsonPath, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_json_path(&text).ok_or_else(|| D::Error::custom(format!("not a JSON path: {text:?}")))
    }
}

/// [`Example`]'s fields (its path as text), inside a [`PooledExample`].
mod example_fields {
    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Fields {
        record_id: String,
        #[serde(with = "json_path_text")]
        path: JsonPath,
        baseline: Option<String>,
        candidate: Option<String>,
        diff: String,
    }

    pub(super) fn serialize<S: Serializer>(example: &Example, serializer: S) -> Result<S::Ok, S::Error> {
        example.serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Example, D::Error> {
        let Fields { record_id, path, baseline, candidate, diff } = Fields::deserialize(deserializer)?;
        Ok(Example { record_id, path, baseline, candidate, diff })
    }
}

/// Reads a path as [`JsonPath`] prints it: `$`, then `.key`, `['odd key']` (with `\\`,
/// `\'`, `\n`, `\r`, `\t` and `\uXXXX` escapes) and `[3]`.
pub(crate) fn parse_json_path(text: &str) -> Option<JsonPath> {
    let mut rest = text.strip_prefix('$')?;
    let mut path = JsonPath::root();
    while !rest.is_empty() {
        if let Some(quoted) = rest.strip_prefix("['") {
            let (key, after) = quoted_key(quoted)?;
            path = path.key(&key);
            rest = after;
        } else if let Some(bracketed) = rest.strip_prefix('[') {
            let end = bracketed.find(']')?;
            let digits = &bracketed[..end];
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            path = path.index(digits.parse().ok()?);
            rest = &bracketed[end + 1..];
        } else if let Some(dotted) = rest.strip_prefix('.') {
            let end =
                dotted.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(dotted.len());
            if end == 0 {
                return None;
            }
            path = path.key(&dotted[..end]);
            rest = &dotted[end..];
        } else {
            return None;
        }
    }
    Some(path)
}

/// A quoted key up to its closing `']`, unescaped, and what follows it.
fn quoted_key(text: &str) -> Option<(String, &str)> {
    let mut key = String::new();
    let mut pending_high: Option<u16> = None;
    let mut chars = text.char_indices();
    while let Some((position, c)) = chars.next() {
        if c == '\'' {
            if pending_high.is_some() {
                return None;
            }
            let after = text[position + 1..].strip_prefix(']')?;
            return Some((key, after));
        }
        if c != '\\' {
            if pending_high.is_some() {
                return None;
            }
            key.push(c);
            continue;
        }
        let (_, escaped) = chars.next()?;
        let plain = match escaped {
            '\\' => Some('\\'),
            '\'' => Some('\''),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'u' => None,
            _ => return None,
        };
        if let Some(plain) = plain {
            if pending_high.is_some() {
                return None;
            }
            key.push(plain);
            continue;
        }
        let hex: String = (0..4).filter_map(|_| chars.next().map(|(_, c)| c)).collect();
        let unit = u16::from_str_radix(&hex, 16).ok().filter(|_| hex.len() == 4)?;
        match (pending_high.take(), unit) {
            (Some(high), 0xdc00..=0xdfff) => key.push(char::decode_utf16([high, unit]).next()?.ok()?),
            (None, 0xd800..=0xdbff) => pending_high = Some(unit),
            (None, _) => key.push(char::from_u32(u32::from(unit))?),
            (Some(_), _) => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::path::{Path, PathBuf};
    use std::sync::Arc;
    use std::time::Duration;

    use async_trait::async_trait;
    use serde_json::{Value, json};

    use crate::corpus::{Corpus, CorpusFilter};
    use crate::record::{Observed, Outcome, Record};
    use crate::render::{ReportFormat, render};
    use crate::replay::{Replay, ReplaySettings};
    use crate::shard::{RecordCount, ReplayIdentity, seal_shard};
    use crate::target::{Target, TargetError};

    type Change = Arc<dyn Fn(&Record, &mut Outcome) + Send + Sync>;

    /// A side that answers each record's recorded outcome, changed where `change` says,
    /// with the recorded latency: what a live side would answer, without the sandboxes.
    struct Scripted {
        name: &'static str,
        change: Change,
    }

    #[async_trait]
    impl Target for Scripted {
        fn name(&self) -> String {
            self.name.to_owned()
        }

        fn is_recorded(&self) -> bool {
            true
        }

        async fn invoke(&self, record: &Record, _event: &Value) -> Result<Observed, TargetError> {
            let mut outcome = record.recorded_outcome();
            (self.change)(record, &mut outcome);
            Ok(Observed { outcome, latency: Duration::from_secs_f64(record.duration_ms.max(0.0) / 1000.0) })
        }
    }

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    /// Sets the `x-served-at` header of a proxy response.
    fn served_at(outcome: &mut Outcome, time: &str) {
        if let Outcome::Response(response) = outcome
            && response.get("statusCode").is_some()
        {
            if !response.get("headers").is_some_and(Value::is_object) {
                response["headers"] = json!({});
            }
            response["headers"]["x-served-at"] = json!(time);
        }
    }

    const CLOCK: &str = "2026-01-01T00:00:00.000000+00:00";
    const NOISY_ROUTE: &str = "GET /clusters/{cluster_id}";

    struct Scenario {
        rules: ParityRules,
        rules_text: Vec<u8>,
        corpus: Corpus,
        records: Vec<Record>,
        baseline: Scripted,
        candidate: Scripted,
        secondary: Scripted,
    }

    /// Every side stamps a clock header. The secondary's clock differs from the
    /// baseline's only in records of shard 1 of 3, so that only shard 1 learns the noise;
    /// the candidate's differs, in the same format, only in records of shard 2. With
    /// `findings`, the candidate also changes the clock's format in one record of shard 3
    /// and the status of one record: findings whatever the noise.
    fn scenario(findings: bool) -> Scenario {
        let rules_path = root().join("parity.toml");
        let rules = ParityRules::load(&rules_path).expect("parity.toml");
        let rules_text = std::fs::read(&rules_path).expect("parity.toml");
        let corpus = Corpus::open(&[root().join("events")]).expect("events/");
        let records: Vec<Record> =
            corpus.records(CorpusFilter::default()).collect::<Result<_, _>>().expect("the corpus reads");
        let in_shard = |index: u32| -> HashSet<String> {
            let shard = Shard { index, count: 3 };
            records.iter().filter(|r| r.route == NOISY_ROUTE && shard.holds(r, &rules)).map(|r| r.id.clone()).collect()
        };
        let (noisy, covered, other) = (in_shard(1), in_shard(2), in_shard(3));
        assert!(!noisy.is_empty() && !covered.is_empty() && !other.is_empty(), "each shard reads clusters");
        let reformatted = other.iter().min().cloned().expect("a record");
        let failing_status =
            records.iter().find(|r| r.route == "POST /clusters/validate").expect("a validation").id.clone();
        let secondary: Change = Arc::new(move |record, outcome| {
            served_at(outcome, if noisy.contains(&record.id) { "2026-01-01T10:11:12.131415+00:00" } else { CLOCK });
        });
        let candidate: Change = Arc::new(move |record, outcome| {
            let time = if findings && record.id == reformatted {
                "2026-03-04T05:06:07Z"
            } else if covered.contains(&record.id) {
                "2026-03-04T05:06:07.080910+00:00"
            } else {
                CLOCK
            };
            served_at(outcome, time);
            if findings
                && record.id == failing_status
                && let Outcome::Response(response) = outcome
            {
                response["statusCode"] = json!(500);
            }
        });
        Scenario {
            rules,
            rules_text,
            corpus,
            records,
            baseline: Scripted { name: "scripted:baseline", change: Arc::new(|_, outcome| served_at(outcome, CLOCK)) },
            candidate: Scripted { name: "scripted:candidate", change: candidate },
            secondary: Scripted { name: "scripted:secondary", change: secondary },
        }
    }

    impl Scenario {
        async fn run(
            &self,
            records: impl IntoIterator<Item = Result<Record, crate::corpus::CorpusError>>,
        ) -> ParityReport {
            let replay = Replay {
                baseline: &self.baseline,
                candidate: &self.candidate,
                secondary: Some(&self.secondary),
                rules: &self.rules,
                settings: ReplaySettings { concurrency: 8, examples_per_signature: 3 },
            };
            replay.run(records, |_| {}).await.expect("replays").report
        }

        /// Shard `index` of `count`, sealed and rendered as JSON.
        async fn shard_json(&self, index: u32, count: u32) -> (ParityReport, String) {
            let shard = Shard { index, count };
            let seen = RecordCount::default();
            let records = shard.select(self.records.iter().cloned().map(Ok), &self.rules, seen.clone());
            let mut report = self.run(records).await;
            let identity =
                ReplayIdentity::new(&self.corpus, &CorpusFilter::default(), Some(&self.rules_text)).expect("identity");
            seal_shard(&mut report, shard, identity, seen.get(), 0);
            let json = render(&report, ReportFormat::Json, 0);
            (report, json)
        }

        async fn shards(&self, count: u32) -> Vec<ShardReportText> {
            let mut texts = Vec::new();
            for index in 1..=count {
                let (_, text) = self.shard_json(index, count).await;
                texts.push(ShardReportText { file: format!("shard-{index}.json"), text });
            }
            texts
        }
    }

    /// What must be equal between one run and merged shards: everything but the order of
    /// examples and errors.
    fn judged(report: &ParityReport) -> Value {
        let mut signatures: Vec<Value> = report
            .signatures
            .iter()
            .map(|s| json!([s.route, s.path, s.kind, s.tier, s.count, s.examples.len()]))
            .collect();
        signatures.sort_by_key(Value::to_string);
        let mut fired: Vec<Value> =
            report.rules_fired.iter().map(|r| json!([r.line, r.kind, r.route, r.path, r.count])).collect();
        fired.sort_by_key(Value::to_string);
        json!({
            "totals": report.totals,
            "routes": report.routes,
            "signatures": signatures,
            "learned_noise": report.learned_noise,
            "rules_fired": fired,
            "errors": report.errors.len(),
            "passed": report.passed(0),
        })
    }

    #[tokio::test]
    async fn noise_learned_in_one_shard_covers_a_finding_in_another_as_in_one_run() {
        let scenario = scenario(false);
        let whole = scenario.run(scenario.records.iter().cloned().map(Ok)).await;
        assert_eq!(whole.totals.total, scenario.records.len());
        assert!(whole.totals.noise > 0, "the candidate's clock is noise: {:?}", whole.totals);
        assert!(whole.passed(0), "{:?}", whole.signatures);

        // Alone, shard 2 never saw the baseline differ from itself: a mismatch.
        let (second, _) = scenario.shard_json(2, 3).await;
        assert!(!second.passed(0));
        assert!(second.learned_noise.is_empty());
        assert!(second.signatures.iter().any(|s| s.path == "$.headers.x-served-at" && s.tier == crate::Tier::Mismatch));

        let merged = merge_shard_reports(&scenario.shards(3).await, None).expect("merges");
        assert_eq!(merged.shards, 3);
        assert_eq!(merged.max_mismatch, 0);
        assert_eq!(judged(&merged.report), judged(&whole));
        assert!(merged.report.passed(0));
        assert!(merged.report.shard.is_none());
        // One shard is the whole run too.
        let single = merge_shard_reports(&scenario.shards(1).await, None).expect("merges");
        assert_eq!(judged(&single.report), judged(&whole));
    }

    #[tokio::test]
    async fn findings_stay_findings_and_the_counts_are_those_of_one_run() {
        let scenario = scenario(true);
        let whole = scenario.run(scenario.records.iter().cloned().map(Ok)).await;
        assert!(!whole.passed(0));
        assert_eq!(whole.totals.mismatch, 2, "{:?}", whole.signatures);
        assert!(whole.totals.noise > 0);
        for count in [2, 3, 5] {
            let merged = merge_shard_reports(&scenario.shards(count).await, None).expect("merges");
            assert_eq!(judged(&merged.report), judged(&whole), "{count} shards");
            let text = render(&merged.report, ReportFormat::Table, merged.max_mismatch);
            assert!(text.contains("FAIL: 2 mismatched or failed records of 422"), "{text}");
        }
    }

    #[tokio::test]
    async fn shards_that_do_not_belong_together_are_refused_naming_the_file() {
        let scenario = scenario(false);
        let shards = scenario.shards(3).await;
        let merge = |texts: &[ShardReportText]| merge_shard_reports(texts, None).expect_err("refused");
        let edited = |index: usize, edit: &dyn Fn(&mut Value)| {
            let mut texts = shards.clone();
            let mut value: Value = serde_json::from_str(&texts[index].text).expect("JSON");
            edit(&mut value);
            texts[index].text = value.to_string();
            texts
        };

        assert!(matches!(merge(&shards[..2]), MergeError::Missing { shard: Shard { index: 3, count: 3 }, .. }));
        let duplicated = [shards[0].clone(), shards[1].clone(), shards[1].clone()];
        assert!(matches!(merge(&duplicated), MergeError::Duplicate { shard: Shard { index: 2, .. }, .. }));
        let other_count = edited(1, &|v| v["shard"]["shard"]["count"] = json!(4));
        assert!(matches!(merge(&other_count), MergeError::ShardCount { ref file, .. } if file == "shard-2.json"));
        let other_rules = edited(2, &|v| v["shard"]["identity"]["rules"] = json!("fnv1a128:0"));
        assert!(
            matches!(merge(&other_rules), MergeError::Different { what: "rules", ref file, .. } if file == "shard-3.json")
        );
        let other_corpus = edited(1, &|v| v["shard"]["identity"]["corpus"][0]["digest"] = json!("fnv1a128:1"));
        assert!(matches!(merge(&other_corpus), MergeError::Different { what: "corpus", .. }));
        let other_filter = edited(1, &|v| v["shard"]["identity"]["filter"] = json!("routes=[\"GET /x\"]"));
        assert!(matches!(merge(&other_filter), MergeError::Different { what: "filters", .. }));
        let other_target = edited(1, &|v| v["candidate"] = json!("local:*:3"));
        assert!(matches!(merge(&other_target), MergeError::Different { what: "targets", .. }));
        let other_allowance = edited(1, &|v| v["shard"]["max_mismatch"] = json!(5));
        assert!(matches!(merge(&other_allowance), MergeError::MaxMismatch { value: 5, .. }));
        assert_eq!(merge_shard_reports(&other_allowance, Some(1)).expect("decided").max_mismatch, 1);
        let lost_records = edited(0, &|v| v["shard"]["tally"]["routes"][0]["total"] = json!(0));
        assert!(matches!(merge(&lost_records), MergeError::NotAReport { .. } | MergeError::Incomplete { .. }));
        let fewer = edited(0, &|v| v["shard"]["corpus_records"] = json!(9999));
        assert!(matches!(merge(&fewer), MergeError::Different { .. } | MergeError::Incomplete { .. }));
        let unsharded = edited(0, &|v| {
            v.as_object_mut().expect("object").remove("shard");
        });
        assert_eq!(merge(&unsharded), MergeError::NotSharded { file: "shard-1.json".into() });
        let not_json = [ShardReportText { file: "notes.txt".into(), text: "hello".into() }];
        assert!(matches!(merge(&not_json), MergeError::NotAReport { ref file, .. } if file == "notes.txt"));
        let not_parity = [ShardReportText { file: "x.json".into(), text: "{\"a\": 1}".into() }];
        assert!(matches!(merge(&not_parity), MergeError::NotAReport { .. }));
        let broken_index =
            edited(0, &|v| v["shard"]["tally"]["differing"] = json!([{"route": 99, "differences": [], "records": 1}]));
        assert!(matches!(merge(&broken_index), MergeError::NotAReport { ref reason, .. } if reason.contains("tally")));
        assert_eq!(merge_shard_reports(&[], None).expect_err("nothing"), MergeError::NoReports);
        let message = merge(&shards[..2]).to_string();
        assert!(message.contains("shard 3/3 is missing") && message.contains("shard-1.json"), "{message}");
    }

    #[test]
    fn every_kind_is_read_back_by_its_name() {
        // A new kind does not compile here until it is listed for reading back.
        let listed = |kind: DiffKind| match kind {
            DiffKind::Status
            | DiffKind::Header
            | DiffKind::Value
            | DiffKind::Type
            | DiffKind::Missing
            | DiffKind::Extra
            | DiffKind::NullVsMissing
            | DiffKind::Order
            | DiffKind::Bytes
            | DiffKind::Outcome
            | DiffKind::KeyOrder
            | DiffKind::Escaping
            | DiffKind::Whitespace
            | DiffKind::NumberSpelling
            | DiffKind::Encoding => DIFF_KINDS.contains(&kind),
        };
        for kind in DIFF_KINDS {
            assert!(listed(kind));
            let name = serde_json::to_value(kind).expect("serialises");
            assert_eq!(named(&DIFF_KINDS, name.as_str().expect("a name")), Some(kind));
        }
        let rule_listed = |kind: RuleKind| match kind {
            RuleKind::Ignore
            | RuleKind::Set
            | RuleKind::Tolerance
            | RuleKind::Normalise
            | RuleKind::Id
            | RuleKind::VolatileHeaders
            | RuleKind::Redact => RULE_KINDS.contains(&kind),
        };
        for kind in RULE_KINDS {
            assert!(rule_listed(kind));
            let name = serde_json::to_value(kind).expect("serialises");
            assert_eq!(named(&RULE_KINDS, name.as_str().expect("a name")), Some(kind));
        }
        assert_eq!(named(&DIFF_KINDS, "no_such_kind"), None);
    }

    #[test]
    fn paths_are_read_back_as_printed() {
        let odd = JsonPath::root()
            .key("body")
            .key("items")
            .index(3)
            .key("odd key")
            .key("it's")
            .key("back\\slash")
            .key("line\nbreak")
            .key("zero\u{200b}width")
            .key("*")
            .key("")
            .key("emoji 😀")
            .key("café")
            .index(0);
        for path in [JsonPath::root(), JsonPath::root().key("a-b_c"), odd] {
            let text = path.to_string();
            assert_eq!(parse_json_path(&text), Some(path.clone()), "{text}");
        }
        for bad in ["", "body", "$.", "$[x]", "$['open", "$['a'", "$['\\q']", "$['\\ud800']", "$x"] {
            assert_eq!(parse_json_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn shapes_are_read_back_as_described() {
        for shape in [
            Shape::Absent,
            Shape::Null,
            Shape::Boolean,
            Shape::Number,
            Shape::Object,
            Shape::Array,
            Shape::String("dddd-dd-dd".into()),
            Shape::String(String::new()),
        ] {
            assert_eq!(parse_shape(&shape.describe()), shape);
        }
        let mut learned = ShapeSet::default();
        insert_described(&mut learned, "number");
        assert!(!learned.fits(&Shape::String("dd".into())));
        insert_described(&mut learned, ANY_STRING);
        assert!(learned.fits(&Shape::String("dd".into())));
        assert!(learned.fits(&parse_shape(ANY_STRING)));
        assert!(learned.fits(&Shape::Number));
        assert!(!learned.fits(&Shape::Null));
        assert_eq!(learned.describe(), ["number", ANY_STRING]);
        let mut patterns = ShapeSet::default();
        insert_described(&mut patterns, "string dd:dd");
        assert!(!patterns.fits(&parse_shape(ANY_STRING)), "a hidden pattern fits only where any string does");
    }
}
