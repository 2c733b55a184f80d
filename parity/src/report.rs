//! The typed result of a parity run, and the builder that accumulates it while records
//! stream past (memory grows with the number of differing records, never with matches).
//!
//! The builder keeps the values it shows as the comparison saw them; the finished report
//! goes through one redaction pass ([`ParityReport::redact`]) that reaches every field a
//! renderer can print, and `render` runs it again, so no renderer sees a secret.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::compare::visible_headers;
use crate::difference::{Comparison, DiffKind, Tier};
use crate::ids::IdMap;
use crate::merge::{DifferingRecords, NoiseTally, PooledExample, RouteTally, SignatureTally, Tally};
use crate::path::{JsonPath, Seg};
use crate::record::{Observed, Outcome, Record};
use crate::redact::{Redactor, redact_field};
use crate::rules::{ParityRules, RouteRules, RuleId, RuleKind};
use crate::shape::{Shape, ShapeSet};
use crate::shard::ShardSection;
use crate::side_effects::{
    SIDE_EFFECTS_ROUTE, SideEffectCounts, SideEffects, WriteCallCounts, diff_side_effects_and_writes,
    side_effect_pattern,
};

/// Record counts by tier: each record counts once, in the tier of its worst difference,
/// or as an error when a side failed to answer it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Records replayed, compared or failed.
    pub total: usize,
    /// Records whose answers were equal, or differed only where a rule says so.
    pub matched: usize,
    /// Records equal as data, different in bytes (key order, escaping, numbers).
    pub cosmetic: usize,
    /// Records different only where two runs of the baseline differ too.
    pub noise: usize,
    /// Records different in a way a client sees: these fail parity.
    pub mismatch: usize,
    /// Records a side failed to answer (no answer to compare): these fail parity too.
    pub errors: usize,
}

impl Counts {
    fn add_tier(&mut self, tier: Tier) {
        match tier {
            Tier::Match => self.matched += 1,
            Tier::Cosmetic => self.cosmetic += 1,
            Tier::Noise => self.noise += 1,
            Tier::Mismatch => self.mismatch += 1,
        }
    }

    fn absorb(&mut self, other: &Counts) {
        self.total += other.total;
        self.matched += other.matched;
        self.cosmetic += other.cosmetic;
        self.noise += other.noise;
        self.mismatch += other.mismatch;
        self.errors += other.errors;
    }
}

/// Latency percentiles of one side on one route, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Latency {
    /// The median; `None` when no record of the route was compared.
    pub p50_ms: Option<f64>,
    /// The 99th percentile; `None` likewise.
    pub p99_ms: Option<f64>,
}

/// One route's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteSummary {
    /// The route (`GET /clusters/{cluster_id}`).
    pub route: String,
    /// Its records by tier.
    #[serde(flatten)]
    pub counts: Counts,
    /// How fast the baseline answered its compared records.
    pub baseline_latency: Latency,
    /// How fast the candidate answered them.
    pub candidate_latency: Latency,
}

/// One example of a signature: which record, where, and a readable diff.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    /// The record that showed the difference.
    pub record_id: String,
    /// Where, with its array indices (the signature's path has `[*]`).
    pub path: JsonPath,
    /// The baseline's value at `path` as compact JSON, secrets redacted; `None` when absent.
    pub baseline: Option<String>,
    /// The candidate's value at `path`, likewise.
    pub candidate: Option<String>,
    /// Unified diff of the pretty-printed, normalised, redacted answers.
    pub diff: String,
}

/// Differences grouped by (route, path pattern, kind).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignatureGroup {
    /// The route of the records.
    pub route: String,
    /// The path pattern, array indices as `[*]` (`$.body.items[*].id`).
    pub path: String,
    /// What differs there.
    pub kind: DiffKind,
    /// The tier these records' differences were judged in: one signature can be noise in
    /// some records and a mismatch in others.
    pub tier: Tier,
    /// How many records showed it in this tier.
    pub count: usize,
    /// The first records that showed it, up to `examples_per_signature`.
    pub examples: Vec<Example>,
}

/// A path learned as noise: the baseline differs from itself there, in these kinds and
/// with values of these shapes. A candidate difference at the path is noise only when
/// the baseline showed its kind and both its values' shapes against itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LearnedNoise {
    /// The route it was learned on.
    pub route: String,
    /// The path pattern, array indices as `[*]`.
    pub path: String,
    /// How many baseline/secondary pairs differed at this path.
    pub occurrences: usize,
    /// The kinds of difference seen between baseline and secondary.
    pub kinds: Vec<DiffKind>,
    /// The shapes of the values seen (`string dddd-dd-ddTdd:dd:dd.dddddd+dd:dd`,
    /// `number`, `absent`, ...).
    pub shapes: Vec<String>,
}

/// A rule that hid or explained at least one difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FiredRule {
    /// What the rule does.
    pub kind: RuleKind,
    /// The route it applies to, or `*`.
    pub route: String,
    /// Its path pattern; `None` for a normaliser of every value.
    pub path: Option<String>,
    /// Why it exists, from the rules file.
    pub reason: String,
    /// Its line in the rules file (0 for a built-in default).
    pub line: usize,
    /// How many comparisons it fired in.
    pub count: usize,
}

/// A record that could not be compared because a side failed to answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorExample {
    /// The record's id.
    pub record_id: String,
    /// Its route.
    pub route: String,
    /// The side that failed: `baseline`, `candidate` or `secondary`.
    pub side: String,
    /// The error and its causes, on one line.
    pub message: String,
}

/// One difference in what the two sides wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SideEffectDifference {
    /// Where, in the final state (`$.tables.clusters.<key>.status`) or in a write
    /// sequence (`$.writes.tables.clusters.<key>[2].operation`).
    pub path: JsonPath,
    /// The grouping pattern: generated keys and pipeline names as `*`.
    pub pattern: String,
    /// What differs there.
    pub kind: DiffKind,
    /// The baseline's value as compact JSON, secrets redacted; `None` when absent.
    pub baseline: Option<String>,
    /// The candidate's value, likewise.
    pub candidate: Option<String>,
}

/// The side-effect part of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SideEffectsReport {
    /// Items, pipelines and objects the baseline wrote.
    pub baseline_items: usize,
    /// Items, pipelines and objects the candidate wrote.
    pub candidate_items: usize,
    /// The baseline's writes by kind.
    pub baseline_counts: SideEffectCounts,
    /// The candidate's writes by kind.
    pub candidate_counts: SideEffectCounts,
    /// Differences that are not cosmetic, all of them (the list stops at 50): any of them
    /// fails parity.
    pub mismatches: usize,
    /// The differences, up to 50.
    pub differences: Vec<SideEffectDifference>,
}

/// Everything a parity run found. Renderers take this; nothing here prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParityReport {
    /// The baseline target's name (its URI).
    pub baseline: String,
    /// The candidate target's name.
    pub candidate: String,
    /// The second baseline run's name; `None` when there was none, and so no noise learned.
    pub secondary: Option<String>,
    /// Records by tier, over every route.
    pub totals: Counts,
    /// Records by tier and latencies, per route, sorted by route.
    pub routes: Vec<RouteSummary>,
    /// The differences grouped by route, path pattern, kind and tier: worst tier first,
    /// then the most records.
    pub signatures: Vec<SignatureGroup>,
    /// Where the baseline differed from itself, sorted by route and path.
    pub learned_noise: Vec<LearnedNoise>,
    /// The rules that hid or explained a difference, with how often.
    pub rules_fired: Vec<FiredRule>,
    /// What the two sides wrote, compared; `None` when the writes were not captured (see
    /// `side_effects_note`).
    pub side_effects: Option<SideEffectsReport>,
    /// Why `side_effects` is absent, when a run could not capture them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side_effects_note: Option<String>,
    /// The write calls each side made, compared per entity in order (their differences are
    /// in `side_effects`); `None` unless both sides recorded them (`local:` targets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub write_calls: Option<WriteCallCounts>,
    /// Records a side failed to answer, up to 50 (all are counted in `totals.errors`).
    pub errors: Vec<ErrorExample>,
    /// Which shard of a `parity run --shard K/N` this report covers, and what `parity
    /// merge` needs to judge its records again with every shard's learned noise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<Box<ShardSection>>,
    /// The builder's tally, kept for [`crate::seal_shard`]; never rendered.
    #[serde(skip)]
    pub(crate) tally: Option<Box<Tally>>,
}

/// The cap on listed side-effect differences and error examples.
pub(crate) const LISTED_LIMIT: usize = 50;

impl ParityReport {
    /// Mismatched writes: any of them fails parity.
    pub fn side_effect_mismatches(&self) -> usize {
        self.side_effects.as_ref().map_or(0, |report| report.mismatches)
    }

    /// The verdict: at most `max_mismatch` records mismatched or failed, and no write
    /// differed.
    pub fn passed(&self, max_mismatch: usize) -> bool {
        self.totals.mismatch + self.totals.errors <= max_mismatch && self.side_effect_mismatches() == 0
    }

    /// Diffs the two sides' writes and adds the result (replacing any earlier one); the
    /// candidate's ids are translated to the baseline's through `candidate_to_baseline`.
    pub fn add_side_effects(
        &mut self,
        rules: &ParityRules,
        baseline: &SideEffects,
        candidate: &SideEffects,
        candidate_to_baseline: &IdMap,
    ) {
        let (comparison, write_calls) = diff_side_effects_and_writes(rules, baseline, candidate, candidate_to_baseline);
        for &rule in &comparison.fired {
            add_fired(&mut self.rules_fired, rules, rule, 1);
        }
        let differences: Vec<SideEffectDifference> = comparison
            .differences
            .iter()
            .take(LISTED_LIMIT)
            .map(|difference| SideEffectDifference {
                path: difference.path.clone(),
                pattern: side_effect_pattern(&difference.path),
                kind: difference.kind,
                baseline: difference.baseline.clone(),
                candidate: difference.candidate.clone(),
            })
            .collect();
        let mismatches = comparison.semantic().count();
        self.side_effects_note = None;
        self.write_calls = write_calls;
        self.side_effects = Some(SideEffectsReport {
            baseline_items: baseline.len(),
            candidate_items: candidate.len(),
            baseline_counts: baseline.counts(),
            candidate_counts: candidate.counts(),
            mismatches,
            differences,
        });
        self.redact(&Redactor::new(rules));
    }

    /// Replaces every secret this report could show, in every field a renderer prints:
    /// target names, examples (values, paths and diffs), signature and noise paths,
    /// side-effect differences, notes and error messages. Running it twice changes
    /// nothing. The fields are listed in full, so that a new field does not compile until
    /// it is either redacted here or said to hold no data.
    pub(crate) fn redact(&mut self, redactor: &Redactor) {
        let Self {
            baseline,
            candidate,
            secondary,
            totals: _,
            routes,
            signatures,
            learned_noise,
            // Rules come from parity.toml, written by the user, not from the traffic.
            rules_fired: _,
            side_effects,
            side_effects_note,
            // Counts only.
            write_calls: _,
            errors,
            shard,
            tally,
        } = self;
        redact_field(baseline);
        redact_field(candidate);
        secondary.iter_mut().for_each(redact_field);
        for summary in routes {
            let RouteSummary { route, counts: _, baseline_latency: _, candidate_latency: _ } = summary;
            redact_field(route);
        }
        for signature in signatures {
            let SignatureGroup { route, path, kind: _, tier: _, count: _, examples } = signature;
            for example in examples {
                let Example { record_id, path: example_path, baseline, candidate, diff } = example;
                redact_shown(redactor, route, example_path, baseline);
                redact_shown(redactor, route, example_path, candidate);
                redact_field(diff);
                redact_field(record_id);
                redact_path(redactor, example_path);
            }
            redact_field(path);
            redact_field(route);
        }
        for learned in learned_noise {
            let LearnedNoise { route, path, occurrences: _, kinds: _, shapes } = learned;
            // The pattern of a secret would tell its length and alphabet: only its type
            // is shown.
            if last_key_is_secret(path) {
                for shape in shapes.iter_mut() {
                    if shape.starts_with("string") {
                        *shape = "string".into();
                    }
                }
                shapes.dedup();
            }
            shapes.iter_mut().for_each(redact_field);
            redact_field(route);
            redact_field(path);
        }
        if let Some(report) = side_effects {
            let SideEffectsReport {
                baseline_items: _,
                candidate_items: _,
                baseline_counts: _,
                candidate_counts: _,
                mismatches: _,
                differences,
            } = report;
            for difference in differences {
                let SideEffectDifference { path, pattern, kind: _, baseline, candidate } = difference;
                redact_shown(redactor, SIDE_EFFECTS_ROUTE, path, baseline);
                redact_shown(redactor, SIDE_EFFECTS_ROUTE, path, candidate);
                redact_path(redactor, path);
                redact_field(pattern);
            }
        }
        side_effects_note.iter_mut().for_each(redact_field);
        for error in errors {
            let ErrorExample { record_id, route, side: _, message } = error;
            redact_field(record_id);
            redact_field(route);
            redact_field(message);
        }
        if let Some(section) = shard {
            section.redact(redactor);
        }
        if let Some(tally) = tally {
            tally.redact(redactor);
        }
    }

    /// A copy with every secret replaced by names and shapes (no configured paths: those
    /// were applied when the report was built). Renderers take this.
    pub(crate) fn redacted(&self) -> Self {
        let mut copy = self.clone();
        copy.redact(&Redactor::default());
        copy
    }
}

/// Whether the last key of a path pattern (`$.body.session_token`, `$.x['api key']`)
/// names a secret.
fn last_key_is_secret(pattern: &str) -> bool {
    let trimmed = pattern.trim_end_matches("[*]");
    let key = match trimmed.strip_suffix("']") {
        Some(rest) => rest.rsplit("['").next().unwrap_or(rest),
        None => trimmed.rsplit('.').next().unwrap_or(trimmed),
    };
    crate::redact::is_secret_name(key)
}

/// Replaces a value shown for a difference at `path` of `route` with its redacted form.
fn redact_shown(redactor: &Redactor, route: &str, path: &JsonPath, value: &mut Option<String>) {
    if let Some(text) = value
        && let Cow::Owned(redacted) = redactor.redact_shown(route, path, text)
    {
        *text = redacted;
    }
}

fn redact_path(redactor: &Redactor, path: &mut JsonPath) {
    if let Some(redacted) = redactor.redact_path(path) {
        *path = redacted;
    }
}

fn add_fired(list: &mut Vec<FiredRule>, rules: &ParityRules, rule: RuleId, count: usize) {
    let info = rules.rule(rule);
    match list.iter_mut().find(|fired| {
        fired.line == info.line && fired.kind == info.kind && fired.path == info.path && fired.route == info.route
    }) {
        Some(fired) => fired.count += count,
        None => list.push(FiredRule {
            kind: info.kind,
            route: info.route.clone(),
            path: info.path.clone(),
            reason: info.reason.clone(),
            line: info.line,
            count,
        }),
    }
}

/// Log-scale latency histogram: about 2 % resolution, fixed memory.
#[derive(Debug, Clone, Default)]
struct LatencyHistogram {
    buckets: Vec<u32>,
    count: u64,
}

const BUCKETS_PER_DOUBLING: f64 = 32.0;

impl LatencyHistogram {
    fn record(&mut self, latency: Duration) {
        let micros = latency.as_secs_f64() * 1e6;
        let index = if micros < 1.0 { 0 } else { (micros.log2() * BUCKETS_PER_DOUBLING) as usize + 1 };
        if self.buckets.len() <= index {
            self.buckets.resize(index + 1, 0);
        }
        self.buckets[index] += 1;
        self.count += 1;
    }

    fn percentile(&self, quantile: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((quantile * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (index, &count) in self.buckets.iter().enumerate() {
            seen += u64::from(count);
            if seen >= rank {
                let micros = if index == 0 { 0.5 } else { 2f64.powf((index as f64 - 0.5) / BUCKETS_PER_DOUBLING) };
                return Some(micros.round() / 1000.0);
            }
        }
        None
    }

    fn latency(&self) -> Latency {
        Latency { p50_ms: self.percentile(0.50), p99_ms: self.percentile(0.99) }
    }

    /// The non-empty buckets as `[index, count]` pairs, for a shard's tally.
    fn sparse(&self) -> Vec<[u32; 2]> {
        (0u32..).zip(&self.buckets).filter(|(_, count)| **count > 0).map(|(index, count)| [index, *count]).collect()
    }

    /// Adds the buckets of [`Self::sparse`] from another histogram.
    fn absorb_sparse(&mut self, buckets: &[[u32; 2]]) {
        for &[index, count] in buckets {
            let index = index as usize;
            if self.buckets.len() <= index {
                self.buckets.resize(index + 1, 0);
            }
            self.buckets[index] += count;
            self.count += u64::from(count);
        }
    }
}

#[derive(Debug, Default)]
struct RouteAccumulator {
    counts: Counts,
    baseline: LatencyHistogram,
    candidate: LatencyHistogram,
}

#[derive(Debug)]
struct SignatureAccumulator {
    route: String,
    pattern: String,
    kind: DiffKind,
    /// Examples with the shapes of their two values, at most `examples_per_signature` per
    /// pair of shapes (the pairs are judged separately when noise is known).
    examples: Vec<(ShapePair, Example)>,
}

/// The interned shapes of a difference's baseline and candidate values.
type ShapePair = (u32, u32);

/// What the baseline showed against itself at one path of one route.
#[derive(Debug, Default)]
struct NoiseProfile {
    occurrences: usize,
    kinds: BTreeSet<DiffKind>,
    shapes: ShapeSet,
}

/// A difference of a record waiting for its tier: signature and shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct PendingDifference {
    signature: u32,
    shapes: ShapePair,
}

/// Examples kept per signature over all shape pairs, so a signature whose values take
/// many shapes (free text) stays bounded.
const EXAMPLE_PAIRS_PER_SIGNATURE: usize = 8;

/// Accumulates a [`ParityReport`] one record at a time.
pub(crate) struct ReportBuilder<'r> {
    rules: &'r ParityRules,
    redactor: Redactor,
    examples_per_signature: usize,
    baseline: String,
    candidate: String,
    secondary: Option<String>,
    route_index: HashMap<String, usize>,
    routes: Vec<(String, RouteAccumulator)>,
    signature_index: HashMap<(usize, String, DiffKind), u32>,
    signatures: Vec<SignatureAccumulator>,
    /// Records with differences: their route and differences, judged when noise is known.
    pending: Vec<(u32, Box<[PendingDifference]>)>,
    noise: HashMap<(usize, String), NoiseProfile>,
    shape_index: HashMap<Shape, u32>,
    shapes: Vec<Shape>,
    fired: BTreeMap<RuleId, usize>,
    errors: Vec<ErrorExample>,
}

impl<'r> ReportBuilder<'r> {
    /// A builder for a run of `baseline` against `candidate` (and `secondary`, the second
    /// baseline run, if any) under `rules`, keeping up to `examples_per_signature` examples.
    pub(crate) fn new(
        rules: &'r ParityRules,
        baseline: String,
        candidate: String,
        secondary: Option<String>,
        examples_per_signature: usize,
    ) -> Self {
        Self {
            rules,
            redactor: Redactor::new(rules),
            examples_per_signature,
            baseline,
            candidate,
            secondary,
            route_index: HashMap::new(),
            routes: Vec::new(),
            signature_index: HashMap::new(),
            signatures: Vec::new(),
            pending: Vec::new(),
            noise: HashMap::new(),
            shape_index: HashMap::new(),
            shapes: Vec::new(),
            fired: BTreeMap::new(),
            errors: Vec::new(),
        }
    }

    fn intern(&mut self, shape: Shape) -> u32 {
        if let Some(&id) = self.shape_index.get(&shape) {
            return id;
        }
        let id = self.shapes.len() as u32;
        self.shapes.push(shape.clone());
        self.shape_index.insert(shape, id);
        id
    }

    fn route(&mut self, route: &str) -> usize {
        if let Some(&index) = self.route_index.get(route) {
            return index;
        }
        self.routes.push((route.to_owned(), RouteAccumulator::default()));
        self.route_index.insert(route.to_owned(), self.routes.len() - 1);
        self.routes.len() - 1
    }

    /// Adds one compared record.
    pub(crate) fn add_comparison(
        &mut self,
        record: &Record,
        baseline: &Observed,
        candidate: &Observed,
        comparison: &Comparison,
    ) {
        let route = self.route(&record.route);
        {
            let accumulator = &mut self.routes[route].1;
            accumulator.counts.total += 1;
            accumulator.baseline.record(baseline.latency);
            accumulator.candidate.record(candidate.latency);
        }
        for &rule in &comparison.fired {
            *self.fired.entry(rule).or_default() += 1;
        }
        if comparison.differences.is_empty() {
            self.routes[route].1.counts.matched += 1;
            return;
        }
        // The texts examples are diffs of: the normalised answers for semantic kinds, the
        // raw bodies for cosmetic ones (each made once per record, when first needed).
        let mut documents: [Option<(String, String)>; 2] = [None, None];
        let mut pending: Vec<PendingDifference> = Vec::with_capacity(comparison.differences.len());
        for difference in &comparison.differences {
            let pattern = difference.path.pattern();
            let key = (route, pattern, difference.kind);
            let id = match self.signature_index.get(&key) {
                Some(&id) => id,
                None => {
                    let id = self.signatures.len() as u32;
                    self.signatures.push(SignatureAccumulator {
                        route: record.route.clone(),
                        pattern: key.1.clone(),
                        kind: difference.kind,
                        examples: Vec::new(),
                    });
                    self.signature_index.insert(key, id);
                    id
                }
            };
            let shapes = (
                self.intern(Shape::of_shown(difference.baseline.as_deref())),
                self.intern(Shape::of_shown(difference.candidate.as_deref())),
            );
            if pending.iter().any(|seen| seen.signature == id && seen.shapes == shapes) {
                continue;
            }
            pending.push(PendingDifference { signature: id, shapes });
            let signature = &mut self.signatures[id as usize];
            let same_pair = signature.examples.iter().filter(|(pair, _)| *pair == shapes).count();
            let limit = self.examples_per_signature * EXAMPLE_PAIRS_PER_SIGNATURE;
            if same_pair < self.examples_per_signature && signature.examples.len() < limit {
                let texts = &mut documents[usize::from(difference.kind.is_cosmetic())];
                let (left, right) = texts.get_or_insert_with(|| {
                    example_texts(
                        self.rules,
                        &self.redactor,
                        &record.route,
                        &baseline.outcome,
                        &candidate.outcome,
                        difference.kind,
                    )
                });
                // The values stay as compared until the finished report is redacted; the
                // diff is made of documents redacted first, since a diff is only text.
                signature.examples.push((
                    shapes,
                    Example {
                        record_id: record.id.clone(),
                        path: difference.path.clone(),
                        baseline: difference.baseline.clone(),
                        candidate: difference.candidate.clone(),
                        diff: unified_diff(left, right),
                    },
                ));
            }
        }
        self.pending.push((route as u32, pending.into_boxed_slice()));
    }

    /// Adds a baseline-against-secondary comparison: where they differ is noise, of the
    /// kinds they differ in and with values of the shapes they show.
    pub(crate) fn add_noise_sample(&mut self, route: &str, comparison: &Comparison) {
        let route = self.route(route);
        for difference in &comparison.differences {
            let profile = self.noise.entry((route, difference.path.pattern())).or_default();
            profile.occurrences += 1;
            profile.kinds.insert(difference.kind);
            profile.shapes.insert(Shape::of_shown(difference.baseline.as_deref()));
            profile.shapes.insert(Shape::of_shown(difference.candidate.as_deref()));
        }
    }

    /// Adds a record a side failed to answer.
    pub(crate) fn add_error(&mut self, record: &Record, side: &str, message: String) {
        let route = self.route(&record.route);
        let counts = &mut self.routes[route].1.counts;
        counts.total += 1;
        counts.errors += 1;
        if self.errors.len() < LISTED_LIMIT {
            self.errors.push(ErrorExample {
                record_id: record.id.clone(),
                route: record.route.clone(),
                side: side.to_owned(),
                message,
            });
        }
    }

    /// Judges the pending records now that noise is known, and builds the report.
    pub(crate) fn finish(mut self) -> ParityReport {
        let tally = self.export_tally();
        // A difference is noise when the baseline showed its kind at its path against
        // itself, with values of both its shapes; anything else keeps its kind's tier.
        let mut tier_of: HashMap<(u32, ShapePair), Tier> = HashMap::new();
        let mut judge = |signature_id: u32, shapes: ShapePair| -> Tier {
            *tier_of.entry((signature_id, shapes)).or_insert_with(|| {
                let signature = &self.signatures[signature_id as usize];
                let route = self.route_index.get(&signature.route).copied().unwrap_or_default();
                let is_noise = self.noise.get(&(route, signature.pattern.clone())).is_some_and(|profile| {
                    profile.kinds.contains(&signature.kind)
                        && profile.shapes.fits(&self.shapes[shapes.0 as usize])
                        && profile.shapes.fits(&self.shapes[shapes.1 as usize])
                });
                if is_noise { Tier::Noise } else { signature.kind.tier() }
            })
        };
        // Records per (signature, tier): a signature can be noise in one record and a
        // finding in another (the candidate changed the format of a noisy field).
        let mut group_counts: BTreeMap<(u32, Tier), usize> = BTreeMap::new();
        for (route, differences) in std::mem::take(&mut self.pending) {
            let mut record_tier = Tier::Match;
            let mut groups: Vec<(u32, Tier)> = Vec::with_capacity(differences.len());
            for difference in differences.iter() {
                let tier = judge(difference.signature, difference.shapes);
                record_tier = record_tier.max(tier);
                if !groups.contains(&(difference.signature, tier)) {
                    groups.push((difference.signature, tier));
                }
            }
            for group in groups {
                *group_counts.entry(group).or_default() += 1;
            }
            self.routes[route as usize].1.counts.add_tier(record_tier);
        }
        let mut totals = Counts::default();
        let mut routes: Vec<RouteSummary> = self
            .routes
            .iter()
            .filter(|(_, accumulator)| accumulator.counts.total > 0)
            .map(|(route, accumulator)| {
                totals.absorb(&accumulator.counts);
                RouteSummary {
                    route: route.clone(),
                    counts: accumulator.counts,
                    baseline_latency: accumulator.baseline.latency(),
                    candidate_latency: accumulator.candidate.latency(),
                }
            })
            .collect();
        routes.sort_by(|a, b| a.route.cmp(&b.route));
        let mut signatures: Vec<SignatureGroup> = group_counts
            .into_iter()
            .map(|((id, tier), count)| {
                let signature = &self.signatures[id as usize];
                let examples = signature
                    .examples
                    .iter()
                    .filter(|(shapes, _)| judge(id, *shapes) == tier)
                    .map(|(_, example)| example.clone())
                    .take(self.examples_per_signature)
                    .collect();
                SignatureGroup {
                    route: signature.route.clone(),
                    path: signature.pattern.clone(),
                    kind: signature.kind,
                    tier,
                    count,
                    examples,
                }
            })
            .collect();
        signatures.sort_by(|a, b| {
            b.tier
                .cmp(&a.tier)
                .then(b.count.cmp(&a.count))
                .then_with(|| (&a.route, &a.path, a.kind).cmp(&(&b.route, &b.path, b.kind)))
        });
        let route_names: Vec<String> = self.routes.iter().map(|(name, _)| name.clone()).collect();
        let mut learned_noise: Vec<LearnedNoise> = self
            .noise
            .into_iter()
            .map(|((route, path), profile)| LearnedNoise {
                route: route_names[route].clone(),
                path,
                occurrences: profile.occurrences,
                kinds: profile.kinds.into_iter().collect(),
                shapes: profile.shapes.describe(),
            })
            .collect();
        learned_noise.sort_by(|a, b| (&a.route, &a.path).cmp(&(&b.route, &b.path)));
        let mut rules_fired = Vec::new();
        for (rule, count) in self.fired {
            add_fired(&mut rules_fired, self.rules, rule, count);
        }
        let mut report = ParityReport {
            baseline: self.baseline,
            candidate: self.candidate,
            secondary: self.secondary,
            totals,
            routes,
            signatures,
            learned_noise,
            rules_fired,
            side_effects: None,
            side_effects_note: None,
            write_calls: None,
            errors: self.errors,
            shard: None,
            tally: Some(Box::new(tally)),
        };
        report.redact(&self.redactor);
        report
    }
}

/// Tallies for merging shards (`parity merge`): a shard's builder exports what judging its
/// records again needs, and the merge's builder absorbs every shard's before judging them
/// all against all the noise learned, as one run would have.
impl ReportBuilder<'_> {
    /// This run's tally: the records with differences, grouped by their differences (a
    /// group is judged alike), the signatures' example pools, the noise as learned and the
    /// latency histograms. At a path whose key names a secret, strings keep no pattern
    /// (`string (any)`), in noise and differences alike, as the learned noise shows them.
    fn export_tally(&self) -> Tally {
        let mut shapes: Vec<String> = self.shapes.iter().map(Shape::describe).collect();
        let any_string = u32::try_from(shapes.len()).unwrap_or(u32::MAX);
        shapes.push(crate::merge::ANY_STRING.to_owned());
        let secret: Vec<bool> =
            self.signatures.iter().map(|signature| last_key_is_secret(&signature.pattern)).collect();
        let shown = |signature: u32, shape: u32| {
            let is_string = matches!(self.shapes[shape as usize], Shape::String(_));
            if secret[signature as usize] && is_string { any_string } else { shape }
        };
        let mut group_of: HashMap<(u32, &[PendingDifference]), usize> = HashMap::new();
        let mut differing: Vec<DifferingRecords> = Vec::new();
        for (route, differences) in &self.pending {
            let group = *group_of.entry((*route, differences)).or_insert_with(|| {
                differing.push(DifferingRecords {
                    route: *route,
                    differences: differences
                        .iter()
                        .map(|d| [d.signature, shown(d.signature, d.shapes.0), shown(d.signature, d.shapes.1)])
                        .collect(),
                    records: 0,
                });
                differing.len() - 1
            });
            differing[group].records += 1;
        }
        let signatures = self
            .signatures
            .iter()
            .enumerate()
            .map(|(id, signature)| SignatureTally {
                route: signature.route.clone(),
                path: signature.pattern.clone(),
                kind: signature.kind,
                examples: signature
                    .examples
                    .iter()
                    .map(|(shapes, example)| PooledExample {
                        shapes: [shown(id as u32, shapes.0), shown(id as u32, shapes.1)],
                        example: example.clone(),
                    })
                    .collect(),
            })
            .collect();
        let mut noise: Vec<NoiseTally> = self
            .noise
            .iter()
            .map(|((route, path), profile)| {
                let mut described = profile.shapes.describe();
                if last_key_is_secret(path) && described.iter().any(|shape| shape.starts_with("string")) {
                    described.retain(|shape| !shape.starts_with("string"));
                    described.push(crate::merge::ANY_STRING.to_owned());
                }
                NoiseTally {
                    route: self.routes[*route].0.clone(),
                    path: path.clone(),
                    occurrences: profile.occurrences,
                    kinds: profile.kinds.iter().copied().collect(),
                    shapes: described,
                }
            })
            .collect();
        noise.sort_by(|a, b| (&a.route, &a.path).cmp(&(&b.route, &b.path)));
        let routes = self
            .routes
            .iter()
            .map(|(route, accumulator)| RouteTally {
                route: route.clone(),
                total: accumulator.counts.total,
                matched: accumulator.counts.matched,
                errors: accumulator.counts.errors,
                baseline_latency: accumulator.baseline.sparse(),
                candidate_latency: accumulator.candidate.sparse(),
            })
            .collect();
        Tally { examples_per_signature: self.examples_per_signature, shapes, routes, signatures, differing, noise }
    }

    /// Adds a shard's tally: its records, their differences and examples (as many as one
    /// run keeps), its noise and latencies. `finish` then judges every record absorbed.
    pub(crate) fn absorb_tally(&mut self, tally: &Tally) {
        let shapes: Vec<u32> = tally.shapes.iter().map(|text| self.intern(crate::merge::parse_shape(text))).collect();
        let shape = |index: u32| shapes.get(index as usize).copied().unwrap_or_default();
        let routes: Vec<usize> = tally
            .routes
            .iter()
            .map(|summary| {
                let index = self.route(&summary.route);
                let accumulator = &mut self.routes[index].1;
                accumulator.counts.total += summary.total;
                accumulator.counts.matched += summary.matched;
                accumulator.counts.errors += summary.errors;
                accumulator.baseline.absorb_sparse(&summary.baseline_latency);
                accumulator.candidate.absorb_sparse(&summary.candidate_latency);
                index
            })
            .collect();
        let route_of = |index: u32| routes.get(index as usize).copied().unwrap_or_default();
        let limit = self.examples_per_signature * EXAMPLE_PAIRS_PER_SIGNATURE;
        let mut signatures: Vec<u32> = Vec::with_capacity(tally.signatures.len());
        for signature in &tally.signatures {
            let route = self.route(&signature.route);
            let key = (route, signature.path.clone(), signature.kind);
            let id = match self.signature_index.get(&key) {
                Some(&id) => id,
                None => {
                    let id = self.signatures.len() as u32;
                    self.signatures.push(SignatureAccumulator {
                        route: signature.route.clone(),
                        pattern: signature.path.clone(),
                        kind: signature.kind,
                        examples: Vec::new(),
                    });
                    self.signature_index.insert(key, id);
                    id
                }
            };
            signatures.push(id);
            let accumulator = &mut self.signatures[id as usize];
            for pooled in &signature.examples {
                let pair = (shape(pooled.shapes[0]), shape(pooled.shapes[1]));
                let same_pair = accumulator.examples.iter().filter(|(shapes, _)| *shapes == pair).count();
                if same_pair < self.examples_per_signature && accumulator.examples.len() < limit {
                    accumulator.examples.push((pair, pooled.example.clone()));
                }
            }
        }
        let signature_of = |index: u32| signatures.get(index as usize).copied().unwrap_or_default();
        for group in &tally.differing {
            let differences: Box<[PendingDifference]> = group
                .differences
                .iter()
                .map(|[signature, baseline, candidate]| PendingDifference {
                    signature: signature_of(*signature),
                    shapes: (shape(*baseline), shape(*candidate)),
                })
                .collect();
            let route = route_of(group.route) as u32;
            for _ in 0..group.records {
                self.pending.push((route, differences.clone()));
            }
        }
        for learned in &tally.noise {
            let route = self.route(&learned.route);
            let profile = self.noise.entry((route, learned.path.clone())).or_default();
            profile.occurrences += learned.occurrences;
            profile.kinds.extend(learned.kinds.iter().copied());
            for described in &learned.shapes {
                crate::merge::insert_described(&mut profile.shapes, described);
            }
        }
    }
}

/// The two texts an example diff is made of: the normalised, redacted answers
/// pretty-printed, or for cosmetic differences the raw bodies (where the bytes differ),
/// redacted without changing their spelling anywhere else.
fn example_texts(
    rules: &ParityRules,
    redactor: &Redactor,
    route: &str,
    baseline: &Outcome,
    candidate: &Outcome,
    kind: DiffKind,
) -> (String, String) {
    if kind.is_cosmetic()
        && let (Outcome::Response(a), Outcome::Response(b)) = (baseline, candidate)
    {
        let body_path = JsonPath::root().key("body");
        let raw = |response: &Value| {
            let body = response.get("body").and_then(Value::as_str).unwrap_or("");
            let mut shown = redactor.redact_json_text(route, &body_path, body).into_owned();
            shown.push('\n');
            shown
        };
        return (raw(a), raw(b));
    }
    let route_rules = rules.for_route(route);
    let pretty = |outcome: &Outcome| {
        let mut document = document(rules, &route_rules, outcome);
        redactor.redact_document(route, &mut document);
        let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
        text.push('\n');
        text
    };
    (pretty(baseline), pretty(candidate))
}

/// An answer as the comparison sees it: status, visible headers, parsed body; with
/// normalisers applied.
fn document(rules: &ParityRules, route_rules: &RouteRules<'_>, outcome: &Outcome) -> Value {
    let mut document = match outcome {
        Outcome::FunctionError(error) => serde_json::json!({
            "errorType": error.error_type,
            "errorMessage": error.error_message,
        }),
        Outcome::Response(response) if response.get("statusCode").is_some() => {
            let (headers, _) = visible_headers(response, rules);
            let headers: serde_json::Map<String, Value> =
                headers.into_iter().map(|(name, value)| (name, Value::String(value))).collect();
            let body_text = response.get("body").and_then(Value::as_str).unwrap_or("");
            let body = serde_json::from_str::<Value>(body_text).unwrap_or_else(|_| Value::String(body_text.to_owned()));
            serde_json::json!({
                "statusCode": response.get("statusCode"),
                "headers": headers,
                "body": body,
            })
        }
        Outcome::Response(other) => other.clone(),
    };
    normalise_in_place(route_rules, &mut Vec::new(), &mut document);
    document
}

fn normalise_in_place(rules: &RouteRules<'_>, path: &mut Vec<String>, value: &mut Value) {
    match value {
        Value::String(text) => {
            let segs: Vec<Seg<'_>> = path.iter().map(|key| Seg::Key(key)).collect();
            let mut fired = Vec::new();
            if let std::borrow::Cow::Owned(normalised) = rules.normalise(&segs, text, &mut fired) {
                *text = normalised;
            }
        }
        Value::Array(items) => {
            for item in items {
                normalise_in_place(rules, path, item);
            }
        }
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                path.push(key.clone());
                normalise_in_place(rules, path, item);
                path.pop();
            }
        }
        _ => {}
    }
}

/// A unified diff with three lines of context; empty texts are shown as equal.
pub(crate) fn unified_diff(baseline: &str, candidate: &str) -> String {
    similar::TextDiff::from_lines(baseline, candidate)
        .unified_diff()
        .context_radius(3)
        .header("baseline", "candidate")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_histogram_within_its_resolution() {
        let mut histogram = LatencyHistogram::default();
        for millis in 1..=100 {
            histogram.record(Duration::from_millis(millis));
        }
        let p50 = histogram.percentile(0.5).expect("p50");
        let p99 = histogram.percentile(0.99).expect("p99");
        assert!((p50 - 50.0).abs() / 50.0 < 0.03, "p50 {p50}");
        assert!((p99 - 99.0).abs() / 99.0 < 0.03, "p99 {p99}");
        assert_eq!(LatencyHistogram::default().percentile(0.5), None);
    }

    use crate::difference::Difference;
    use crate::record::RECORD_SCHEMA;
    use serde_json::json;
    use std::path::Path;

    const RULES: &str = r#"
[[ignore]]
path = "$.body.trace"
reason = "a trace id"
"#;

    fn rules() -> ParityRules {
        ParityRules::parse(RULES, Path::new("parity.toml")).expect("rules")
    }

    fn record(id: &str, route: &str) -> Record {
        Record {
            schema: RECORD_SCHEMA.into(),
            id: id.into(),
            function: "get-cluster".into(),
            source: "apigateway-rest".into(),
            route: route.into(),
            recorded_at: "2026-01-01T00:00:00+00:00".into(),
            event: json!({}),
            response: None,
            error: None,
            duration_ms: 0.0,
            scenario: None,
            entity: None,
            side_effects: None,
        }
    }

    fn observed(body: &str, millis: u64) -> Observed {
        Observed {
            outcome: Outcome::Response(json!({"statusCode": 200, "body": body})),
            latency: Duration::from_millis(millis),
        }
    }

    fn difference(path: &str, kind: DiffKind, baseline: Option<&str>, candidate: Option<&str>) -> Difference {
        let mut json_path = JsonPath::root();
        for key in path.split('.').skip(1) {
            json_path = json_path.key(key);
        }
        Difference {
            path: json_path,
            kind,
            baseline: baseline.map(str::to_owned),
            candidate: candidate.map(str::to_owned),
        }
    }

    fn comparison(differences: Vec<Difference>, fired: Vec<RuleId>) -> Comparison {
        Comparison { differences, fired }
    }

    const CLOCK_A: &str = "\"2026-01-01T10:11:12Z\"";
    const CLOCK_B: &str = "\"2026-01-01T10:11:13Z\"";

    /// Feeds one run's records to `builder`; `part` picks a share of them (for shards).
    fn feed(builder: &mut ReportBuilder<'_>, part: Option<usize>) {
        let records: Vec<(Record, Comparison, u64)> = vec![
            (record("b1", "GET /b"), comparison(vec![], vec![0]), 10),
            (
                record("b2", "GET /b"),
                comparison(
                    vec![
                        difference("$.body.id", DiffKind::Value, Some("\"x\""), Some("\"y\"")),
                        difference("$.body.name", DiffKind::Value, Some("\"n\""), Some("\"m\"")),
                        difference("$.body", DiffKind::KeyOrder, None, None),
                    ],
                    vec![],
                ),
                20,
            ),
            (
                record("b3", "GET /b"),
                comparison(vec![difference("$.body", DiffKind::KeyOrder, None, None)], vec![0]),
                30,
            ),
            (
                record("b4", "GET /b"),
                comparison(vec![difference("$.body.at", DiffKind::Value, Some(CLOCK_A), Some(CLOCK_B))], vec![]),
                40,
            ),
            (
                record("b5", "GET /b"),
                comparison(vec![difference("$.body.name", DiffKind::Value, Some("\"n\""), Some("\"m\""))], vec![]),
                50,
            ),
            (record("a2", "GET /a"), comparison(vec![], vec![]), 60),
        ];
        for (index, (record, comparison, millis)) in records.iter().enumerate() {
            if part.is_some_and(|part| usize::from(index >= 3) != part) {
                continue;
            }
            builder.add_comparison(
                record,
                &observed(r#"{"id":"x"}"#, *millis),
                &observed(r#"{"id":"y"}"#, millis * 2),
                comparison,
            );
        }
        if part.is_none_or(|part| part == 0) {
            builder.add_noise_sample(
                "GET /b",
                &comparison(vec![difference("$.body.at", DiffKind::Value, Some(CLOCK_B), Some(CLOCK_A))], vec![]),
            );
            builder.add_error(&record("a1", "GET /a"), "candidate", "connection refused".into());
        }
    }

    fn signatures(report: &ParityReport) -> Vec<(&str, &str, DiffKind, Tier, usize)> {
        report
            .signatures
            .iter()
            .map(|group| (group.route.as_str(), group.path.as_str(), group.kind, group.tier, group.count))
            .collect()
    }

    #[test]
    fn a_report_counts_each_record_in_its_worst_tier_and_groups_its_differences() {
        let rules = rules();
        let mut builder = ReportBuilder::new(&rules, "python".into(), "rust".into(), Some("python-again".into()), 1);
        feed(&mut builder, None);
        let report = builder.finish();
        let counts = |total, matched, cosmetic, noise, mismatch, errors| Counts {
            total,
            matched,
            cosmetic,
            noise,
            mismatch,
            errors,
        };
        assert_eq!(report.totals, counts(7, 2, 1, 1, 2, 1));
        let routes: Vec<(&str, Counts)> =
            report.routes.iter().map(|route| (route.route.as_str(), route.counts)).collect();
        assert_eq!(routes, [("GET /a", counts(2, 1, 0, 0, 0, 1)), ("GET /b", counts(5, 1, 1, 1, 2, 0))]);
        // Worst tier first, then the most records, then by route and path.
        assert_eq!(
            signatures(&report),
            [
                ("GET /b", "$.body.name", DiffKind::Value, Tier::Mismatch, 2),
                ("GET /b", "$.body.id", DiffKind::Value, Tier::Mismatch, 1),
                ("GET /b", "$.body.at", DiffKind::Value, Tier::Noise, 1),
                ("GET /b", "$.body", DiffKind::KeyOrder, Tier::Cosmetic, 2),
            ]
        );
        let name = &report.signatures[0];
        assert_eq!(name.examples.len(), 1, "one example a signature");
        let example = &name.examples[0];
        assert_eq!(
            (
                example.record_id.as_str(),
                example.path.to_string(),
                example.baseline.as_deref(),
                example.candidate.as_deref()
            ),
            ("b2", "$.body.name".to_owned(), Some("\"n\""), Some("\"m\""))
        );
        assert_eq!(
            report.learned_noise,
            [LearnedNoise {
                route: "GET /b".into(),
                path: "$.body.at".into(),
                occurrences: 1,
                kinds: vec![DiffKind::Value],
                shapes: vec!["string dddd-dd-ddTdd:dd:ddZ".into()],
            }]
        );
        let fired: Vec<(usize, usize)> = report.rules_fired.iter().map(|rule| (rule.line, rule.count)).collect();
        assert_eq!(fired, [(2, 2)]);
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.errors[0].side, "candidate");
        // The example's diff is of the two answers as compared.
        assert!(example.diff.contains("-    \"id\": \"x\"\n+    \"id\": \"y\""), "{}", example.diff);
        // Latencies (within the histogram's 2 %): the candidate took twice the baseline's time.
        let b = &report.routes[1];
        let near =
            |actual: Option<f64>, expected: f64| actual.is_some_and(|ms| (ms - expected).abs() < expected * 0.03);
        assert!(near(b.baseline_latency.p50_ms, 30.0), "{:?}", b.baseline_latency);
        assert!(near(b.baseline_latency.p99_ms, 50.0), "{:?}", b.baseline_latency);
        assert!(near(b.candidate_latency.p50_ms, 60.0), "{:?}", b.candidate_latency);
        assert!(near(b.candidate_latency.p99_ms, 100.0), "{:?}", b.candidate_latency);
        // Three records failed parity: two mismatched, one a side did not answer.
        assert!(report.passed(4));
        assert!(report.passed(3));
        assert!(!report.passed(2));
        assert_eq!(report.side_effect_mismatches(), 0);
    }

    #[test]
    fn shards_absorbed_into_one_builder_report_what_one_run_would() {
        let rules = rules();
        let mut whole = ReportBuilder::new(&rules, "python".into(), "rust".into(), Some("python-again".into()), 1);
        feed(&mut whole, None);
        let whole = whole.finish();
        let mut merged = ReportBuilder::new(&rules, "python".into(), "rust".into(), Some("python-again".into()), 1);
        for part in [0, 1] {
            let mut shard = ReportBuilder::new(&rules, "python".into(), "rust".into(), Some("python-again".into()), 1);
            feed(&mut shard, Some(part));
            merged.absorb_tally(&shard.export_tally());
        }
        let merged = merged.finish();
        assert_eq!(merged.totals, whole.totals);
        assert_eq!(merged.routes, whole.routes);
        assert_eq!(merged.signatures, whole.signatures);
        assert_eq!(merged.learned_noise, whole.learned_noise);
    }

    #[test]
    fn a_cosmetic_example_diffs_the_raw_bodies_and_a_semantic_one_the_normalised_answers() {
        let rules = ParityRules::parse(
            "[[normalise]]\nbuiltin = \"uuid\"\nreason = \"generated ids\"\n",
            Path::new("parity.toml"),
        )
        .expect("rules");
        let mut builder = ReportBuilder::new(&rules, "python".into(), "rust".into(), None, 3);
        let baseline = observed(
            r#"{"id":"0f8fad5b-d9cb-469f-a165-70867728950e","n":1,"of":["0f8fad5b-d9cb-469f-a165-70867728950e"]}"#,
            1,
        );
        let candidate = observed(
            r#"{"id":"1f8fad5b-d9cb-469f-a165-70867728950e","n":2,"of":["1f8fad5b-d9cb-469f-a165-70867728950e"]}"#,
            1,
        );
        let differences = vec![
            difference("$.body.n", DiffKind::Value, Some("1"), Some("2")),
            difference("$.body", DiffKind::KeyOrder, None, None),
        ];
        builder.add_comparison(&record("r1", "GET /b"), &baseline, &candidate, &comparison(differences, vec![]));
        let report = builder.finish();
        let diff_of = |kind: DiffKind| {
            report.signatures.iter().find(|group| group.kind == kind).map(|group| group.examples[0].diff.clone())
        };
        let key_order = diff_of(DiffKind::KeyOrder).expect("key order");
        assert!(key_order.contains("-{\"id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"n\":1,\"of\":"), "{key_order}");
        let value = diff_of(DiffKind::Value).expect("value");
        assert!(value.contains("-    \"n\": 1,\n+    \"n\": 2,\n"), "{value}");
        assert!(!value.contains("0f8fad5b"), "the ids are normalised: {value}");
        assert!(value.contains("\"headers\": {},\n   \"body\": {"), "{value}");
    }

    #[test]
    fn a_function_error_or_a_plain_value_is_diffed_as_it_is() {
        let rules = ParityRules::default();
        let error = Outcome::FunctionError(crate::record::FunctionError {
            error_type: "KeyError".into(),
            error_message: "'name'".into(),
        });
        let value = Outcome::Response(json!({"accepted": true}));
        let document = document(&rules, &rules.for_route("GET /b"), &error);
        assert_eq!(document, json!({"errorType": "KeyError", "errorMessage": "'name'"}));
        let (left, right) = example_texts(&rules, &Redactor::new(&rules), "GET /b", &value, &error, DiffKind::Outcome);
        assert_eq!(left, "{\n  \"accepted\": true\n}\n");
        assert!(right.contains("\"errorType\": \"KeyError\""), "{right}");
    }

    #[test]
    fn a_signature_is_noise_only_for_the_shapes_the_baseline_showed() {
        let rules = ParityRules::default();
        let clock = comparison(vec![difference("$.body.at", DiffKind::Value, Some(CLOCK_A), Some(CLOCK_B))], vec![]);
        let number = comparison(vec![difference("$.body.at", DiffKind::Value, Some(CLOCK_A), Some("17"))], vec![]);
        // With one example a signature, each shape pair still keeps its own.
        for (per_signature, noise_examples) in [(2, vec!["clock", "clock-2"]), (1, vec!["clock"])] {
            let mut builder =
                ReportBuilder::new(&rules, "python".into(), "rust".into(), Some("again".into()), per_signature);
            builder.add_noise_sample("GET /b", &clock);
            for (id, comparison) in [("clock", &clock), ("number", &number), ("clock-2", &clock)] {
                builder.add_comparison(&record(id, "GET /b"), &observed("{}", 1), &observed("{}", 1), comparison);
            }
            let report = builder.finish();
            let groups: Vec<(Tier, usize, Vec<&str>)> = report
                .signatures
                .iter()
                .map(|group| {
                    (group.tier, group.count, group.examples.iter().map(|example| example.record_id.as_str()).collect())
                })
                .collect();
            assert_eq!(groups, [(Tier::Mismatch, 1, vec!["number"]), (Tier::Noise, 2, noise_examples)]);
            assert_eq!((report.totals.noise, report.totals.mismatch), (2, 1));
        }
    }

    #[test]
    fn secrets_in_learned_noise_show_their_type_only() {
        let rules = ParityRules::default();
        let mut builder = ReportBuilder::new(&rules, "python".into(), "rust".into(), Some("again".into()), 1);
        builder.add_noise_sample(
            "GET /b",
            &comparison(
                vec![
                    difference("$.body.session_token", DiffKind::Value, Some("\"abc123\""), Some("\"xyz7890\"")),
                    difference("$.body.label", DiffKind::Value, Some("\"abc123\""), Some("\"xyz7890\"")),
                ],
                vec![],
            ),
        );
        let report = builder.finish();
        let shapes: Vec<(&str, &[String])> =
            report.learned_noise.iter().map(|noise| (noise.path.as_str(), noise.shapes.as_slice())).collect();
        assert_eq!(
            shapes,
            [
                ("$.body.label", &["string aaadddd".to_owned(), "string xxxxxx".to_owned()][..]),
                ("$.body.session_token", &["string".to_owned()][..]),
            ]
        );
        // A route seen in noise samples only had no record compared: it is not listed.
        assert_eq!(report.routes, []);
        assert!(last_key_is_secret("$.body.session_token"));
        assert!(last_key_is_secret("$.body['api key']"));
        assert!(last_key_is_secret("$.body.passwords[*]"));
        assert!(!last_key_is_secret("$.body.label"));
        assert!(!last_key_is_secret("$.body['password policy'].label"));
    }

    #[test]
    fn written_differences_fail_the_report_and_are_listed_up_to_the_limit() {
        let rules = ParityRules::parse(
            "[[ignore]]\nroute = \"side-effects\"\npath = \"$.tables.clusters.*.created_at\"\nreason = \"clock\"\n",
            Path::new("parity.toml"),
        )
        .expect("rules");
        let mut report = ReportBuilder::new(&rules, "python".into(), "rust".into(), None, 1).finish();
        let mut baseline = SideEffects::default();
        let mut candidate = SideEffects::default();
        baseline.record_write("clusters", "c1", json!({"status": "PENDING", "created_at": "1"}));
        candidate.record_write("clusters", "c1", json!({"status": "READY", "created_at": "2"}));
        baseline.record_write("audit", "c1#base", json!({"event": "CREATED"}));
        for index in 0..LISTED_LIMIT + 5 {
            candidate.record_write("audit", &format!("c1#{index:04}"), json!({"event": "CREATED"}));
        }
        report.add_side_effects(&rules, &baseline, &candidate, &IdMap::default());
        assert_eq!(report.side_effect_mismatches(), LISTED_LIMIT + 7);
        assert!(!report.passed(usize::MAX), "a written difference fails whatever the records");
        let side_effects = report.side_effects.as_ref().expect("compared");
        assert_eq!(side_effects.differences.len(), LISTED_LIMIT);
        assert_eq!((side_effects.baseline_items, side_effects.candidate_items), (2, LISTED_LIMIT + 6));
        let first = &side_effects.differences[0];
        assert_eq!(
            (first.pattern.as_str(), first.kind, first.baseline.as_deref(), first.candidate.as_deref()),
            ("$.tables.audit.*", DiffKind::Missing, Some(r#"{"event":"CREATED"}"#), None)
        );
        let fired: Vec<(&str, usize)> =
            report.rules_fired.iter().map(|rule| (rule.route.as_str(), rule.count)).collect();
        assert_eq!(fired, [("side-effects", 1)]);
        let empty = ReportBuilder::new(&rules, "python".into(), "rust".into(), None, 1).finish();
        assert!(empty.passed(0));
    }

    #[test]
    fn shown_values_at_secret_paths_and_credentials_in_paths_are_redacted() {
        let rules = ParityRules::default();
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
        let mut builder = ReportBuilder::new(&rules, "python".into(), "rust".into(), None, 1);
        let differences = vec![
            difference("$.body.password", DiffKind::Value, Some("\"hunter2\""), Some("\"hunter3\"")),
            Difference {
                path: JsonPath::root().key("body").key(jwt),
                kind: DiffKind::Extra,
                baseline: None,
                candidate: Some("1".into()),
            },
        ];
        builder.add_comparison(
            &record("r1", "GET /b"),
            &observed("{}", 1),
            &observed("{}", 1),
            &comparison(differences, vec![]),
        );
        let mut report = builder.finish();
        let mut baseline = SideEffects::default();
        let mut candidate = SideEffects::default();
        baseline.record_write("users", "u1", json!({"password": "hunter2"}));
        candidate.record_write("users", "u1", json!({"password": "hunter3"}));
        report.add_side_effects(&rules, &baseline, &candidate, &IdMap::default());
        let shown = serde_json::to_string(&report).expect("serialises");
        assert!(!shown.contains("hunter"), "{shown}");
        assert!(!shown.contains("eyJhbGci"), "{shown}");
        // What is left says where the secrets were.
        let examples: Vec<String> = report.signatures.iter().map(|group| group.examples[0].path.to_string()).collect();
        assert!(examples.contains(&"$.body.password".to_owned()), "{examples:?}");
        assert_eq!(report.side_effects.as_ref().map(|effects| effects.differences.len()), Some(1));
    }

    #[test]
    fn a_rule_is_listed_once_with_every_firing_and_two_rules_apart() {
        let rules = ParityRules::parse(
            "[[ignore]]\npath = \"$.tables.clusters.*.created_at\"\nreason = \"clock\"\n\n[[ignore]]\npath = \"$.tables.clusters.*.created_at\"\nreason = \"the same, said twice\"\n",
            Path::new("parity.toml"),
        )
        .expect("rules");
        let mut builder = ReportBuilder::new(&rules, "python".into(), "rust".into(), None, 1);
        for (id, rule) in [("r1", 0), ("r2", 1), ("r3", 0)] {
            builder.add_comparison(
                &record(id, "GET /b"),
                &observed("{}", 1),
                &observed("{}", 1),
                &comparison(vec![], vec![rule]),
            );
        }
        let mut report = builder.finish();
        let fired = |report: &ParityReport| -> Vec<(usize, usize)> {
            report.rules_fired.iter().map(|rule| (rule.line, rule.count)).collect()
        };
        assert_eq!(fired(&report), [(1, 2), (5, 1)]);
        let mut baseline = SideEffects::default();
        let mut candidate = SideEffects::default();
        baseline.record_write("clusters", "c1", json!({"created_at": "1"}));
        candidate.record_write("clusters", "c1", json!({"created_at": "2"}));
        report.add_side_effects(&rules, &baseline, &candidate, &IdMap::default());
        // The first rule covering the path fires, and adds to its own line.
        assert_eq!(fired(&report), [(1, 3), (5, 1)]);
    }

    #[test]
    fn examples_are_kept_per_shape_pair_up_to_a_limit_per_signature() {
        let rules = ParityRules::default();
        let builder = pooled_builder(&rules, 20);
        let pooled: Vec<&str> =
            builder.signatures[0].examples.iter().map(|(_, example)| example.record_id.as_str()).collect();
        assert_eq!(pooled.len(), 2 * EXAMPLE_PAIRS_PER_SIGNATURE, "{pooled:?}");
        assert_eq!(&pooled[..3], ["same", "same-2", "long-2"]);
        let report = builder.finish();
        assert_eq!(report.signatures[0].count, 24);
    }

    /// Records of one signature, two examples a signature: four of one shape pair (the
    /// first with that pair twice), then one each of `other_pairs` other pairs.
    fn pooled_builder(rules: &ParityRules, other_pairs: usize) -> ReportBuilder<'_> {
        let mut builder = ReportBuilder::new(rules, "python".into(), "rust".into(), None, 2);
        let id_at = |index: usize, baseline: &str, candidate: &str| Difference {
            path: JsonPath::root().key("body").key("items").index(index).key("id"),
            kind: DiffKind::Value,
            baseline: Some(baseline.to_owned()),
            candidate: Some(candidate.to_owned()),
        };
        builder.add_comparison(
            &record("same", "GET /b"),
            &observed("{}", 1),
            &observed("{}", 1),
            &comparison(vec![id_at(0, "\"a\"", "\"b\""), id_at(1, "\"c\"", "\"d\"")], vec![]),
        );
        for id in ["same-2", "same-3", "same-4"] {
            builder.add_comparison(
                &record(id, "GET /b"),
                &observed("{}", 1),
                &observed("{}", 1),
                &comparison(vec![id_at(0, "\"a\"", "\"b\"")], vec![]),
            );
        }
        // Strings of other lengths are other shapes.
        for length in 2..2 + other_pairs {
            let text = format!("\"{}\"", "a".repeat(length));
            builder.add_comparison(
                &record(&format!("long-{length}"), "GET /b"),
                &observed("{}", 1),
                &observed("{}", 1),
                &comparison(vec![id_at(0, &text, "\"b\"")], vec![]),
            );
        }
        builder
    }

    #[test]
    fn absorbed_tallies_keep_as_many_examples_as_one_run() {
        let rules = ParityRules::default();
        for (other_pairs, kept) in [(0, 2), (20, 2 * EXAMPLE_PAIRS_PER_SIGNATURE)] {
            let tally = pooled_builder(&rules, other_pairs).export_tally();
            let mut merged = ReportBuilder::new(&rules, "python".into(), "rust".into(), None, 2);
            merged.absorb_tally(&tally);
            merged.absorb_tally(&tally);
            assert_eq!(merged.signatures[0].examples.len(), kept, "{other_pairs} other pairs");
        }
    }

    #[test]
    fn a_tally_keeps_no_pattern_of_a_secret_in_its_noise() {
        let rules = ParityRules::default();
        let mut builder = ReportBuilder::new(&rules, "python".into(), "rust".into(), Some("again".into()), 1);
        builder.add_noise_sample(
            "GET /b",
            &comparison(vec![difference("$.body.api_key", DiffKind::Value, Some("\"abc\""), Some("17"))], vec![]),
        );
        let noise: Vec<Vec<String>> = builder.export_tally().noise.into_iter().map(|noise| noise.shapes).collect();
        assert_eq!(noise, [vec!["number".to_owned(), crate::merge::ANY_STRING.to_owned()]]);
    }

    #[test]
    fn each_shape_pair_of_a_record_is_judged() {
        let rules = ParityRules::default();
        let mut builder = ReportBuilder::new(&rules, "python".into(), "rust".into(), Some("again".into()), 1);
        builder.add_noise_sample(
            "GET /b",
            &comparison(vec![difference("$.body.at", DiffKind::Value, Some(CLOCK_A), Some(CLOCK_B))], vec![]),
        );
        let differences = vec![
            difference("$.body.at", DiffKind::Value, Some(CLOCK_A), Some(CLOCK_B)),
            difference("$.body.at", DiffKind::Value, Some(CLOCK_A), Some("17")),
        ];
        builder.add_comparison(
            &record("both", "GET /b"),
            &observed("{}", 1),
            &observed("{}", 1),
            &comparison(differences, vec![]),
        );
        let report = builder.finish();
        // The clock against a clock is noise, against a number it is not: the record mismatches.
        assert_eq!((report.totals.noise, report.totals.mismatch), (0, 1));
    }

    #[test]
    fn every_failed_record_is_counted_and_the_first_fifty_listed() {
        let rules = ParityRules::default();
        let mut builder = ReportBuilder::new(&rules, "python".into(), "rust".into(), None, 1);
        for index in 0..LISTED_LIMIT + 5 {
            builder.add_error(&record(&format!("r{index}"), "GET /b"), "baseline", "timed out".into());
        }
        let report = builder.finish();
        assert_eq!((report.totals.total, report.totals.errors), (LISTED_LIMIT + 5, LISTED_LIMIT + 5));
        assert_eq!(report.errors.len(), LISTED_LIMIT);
        assert_eq!(report.errors[LISTED_LIMIT - 1].record_id, format!("r{}", LISTED_LIMIT - 1));
    }
}
