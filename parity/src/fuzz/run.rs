//! A fuzz run: the corpus replayed unmutated, then each mutant replayed against both sides
//! and compared, the findings grouped and shrunk, the writes compared at the end.
//!
//! State: each side has its own back end (a `local:` side its own moto server). The
//! corpus is replayed first, unmutated, with `parity run`'s replay (per-entity order,
//! ids mapped), so that the mutants meet the entities their records address, on each
//! side under that side's ids. The mutants then run one at a time, in the seed's order,
//! both sides at once: before each mutant both sides hold the same state (as long as they
//! agreed so far), so a verdict never depends on timing or on which mutant finished first.
//! A mutant that writes (a create that still validates, a decommission) changes both
//! sides alike; the ids it makes are mapped with the baseline's answer as the reference,
//! as for a record without an answer. When the sides write differently, the end-of-run
//! write comparison says so.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use serde_json::Value;

use super::generate::{Mutant, generate_mutants};
use super::mutation::{Mutation, MutationKind};
use super::report::{
    CorpusCheck, Finding, FuzzReport, FuzzTiming, KindSummary, MutantError, MutantTotals, SmallestMutant, WritesCheck,
    outcome_summary,
};
use crate::capture::CaptureError;
use crate::compare::compare_outcomes;
use crate::difference::{Comparison, Difference, Tier};
use crate::ids::IdMap;
use crate::record::{Observed, Record};
use crate::redact::Redactor;
use crate::replay::{IdBook, Replay, ReplayError, ReplaySettings, error_chain, rewritten};
use crate::report::{ReportBuilder, SideEffectDifference};
use crate::rules::ParityRules;
use crate::side_effects::{SideEffects, diff_side_effects, side_effect_pattern};
use crate::target::Target;

/// How a fuzz run goes.
#[derive(Debug, Clone, Copy)]
pub struct FuzzSettings {
    /// Where the mutants are drawn from: the same seed and corpus give the same mutants.
    pub seed: u64,
    /// How many mutants to replay.
    pub mutants: usize,
    /// The unmutated replay of the corpus (concurrency, examples kept).
    pub replay: ReplaySettings,
    /// Smaller records tried, per finding, when looking for its smallest mutant.
    pub shrink_attempts: usize,
}

/// Why a fuzz run could not give a verdict (a divergence is not an error: it is in the
/// report).
#[derive(Debug, thiserror::Error)]
pub enum FuzzError {
    /// The corpus, filtered, holds no record.
    #[error("no records to mutate: the corpus is empty or the filters exclude every record")]
    NoRecords,
    /// Zero mutants were asked for.
    #[error("no mutants asked for: a fuzz run of zero mutants proves nothing (--mutants 1 or more)")]
    NoMutants,
    /// A side is the `recorded` target, which has no answer for a mutated event.
    #[error("{side} is `recorded`: recorded answers exist only for the corpus's own events, not for mutants")]
    RecordedSide {
        /// `the baseline` or `the candidate`.
        side: &'static str,
    },
    /// No kind of mutation applies to any record's event.
    #[error("no mutation applies to any record of the corpus (events that are not JSON objects?)")]
    NothingToMutate,
    /// The unmutated replay stopped: the corpus could not be read.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// A side's writes could not be read back (its back end failed).
    #[error("could not read what the {side} wrote")]
    Capture {
        /// `baseline` or `candidate`.
        side: &'static str,
        /// Which call to the back end failed.
        #[source]
        source: CaptureError,
    },
}

impl FuzzError {
    /// True when the user can fix it (the input), false when a side failed.
    pub fn is_input_error(&self) -> bool {
        !matches!(self, Self::Capture { .. })
    }
}

/// Where a run is, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FuzzProgress {
    /// Records of the unmutated replay done, of `total`.
    Corpus {
        /// Records replayed so far.
        done: usize,
        /// Records of the corpus.
        total: usize,
    },
    /// Mutants done, of `total`.
    Mutants {
        /// Mutants replayed so far.
        done: usize,
        /// Mutants generated.
        total: usize,
    },
}

/// A fuzz run over two opened targets.
pub struct Fuzzer<'a> {
    /// The version whose answers are the reference (a mutant has no recorded answer).
    pub baseline: &'a dyn Target,
    /// The version under test.
    pub candidate: &'a dyn Target,
    /// The rules of `parity.toml`, as `parity run` applies them.
    pub rules: &'a ParityRules,
    /// Seed, number of mutants, replay and shrinking.
    pub settings: FuzzSettings,
}

/// What one mutant gave.
enum Trial {
    Compared {
        baseline: Observed,
        candidate: Observed,
        comparison: Comparison,
    },
    /// The change did not apply to a side's copy of the event.
    NotApplicable,
    /// A side (or both) could not answer.
    Failed {
        side: &'static str,
        message: String,
    },
}

/// A divergent mutant, kept while it is the smallest of its group.
struct Divergent {
    mutant: Option<usize>,
    record: usize,
    mutation: Mutation,
    event: Value,
    event_bytes: usize,
    baseline: Observed,
    candidate: Observed,
    comparison: Comparison,
}

/// Findings are grouped by function, route, mutation kind, change and path pattern.
type GroupKey = (String, String, MutationKind, String, String);

struct Group {
    mutants: usize,
    smallest: Divergent,
    /// Whether smaller records were tried already.
    shrunk: bool,
}

/// What the mutants gave so far.
#[derive(Default)]
struct Tally {
    totals: MutantTotals,
    kinds: BTreeMap<MutationKind, KindSummary>,
    groups: BTreeMap<GroupKey, Group>,
    errors: Vec<MutantError>,
}

impl Tally {
    /// A mutant replayed whose divergence the unmutated record shows too.
    fn add_state_dependent(&mut self, mutant: &Mutant) {
        let kind = mutant.mutation.kind;
        let summary = self.kinds.entry(kind).or_insert(KindSummary { kind, mutants: 0, replayed: 0, diverged: 0 });
        summary.mutants += 1;
        summary.replayed += 1;
        self.totals.replayed += 1;
        self.totals.state_dependent += 1;
    }

    fn add(&mut self, mutant: &Mutant, record: &Record, trial: Trial) {
        let kind = mutant.mutation.kind;
        let summary = self.kinds.entry(kind).or_insert(KindSummary { kind, mutants: 0, replayed: 0, diverged: 0 });
        summary.mutants += 1;
        match trial {
            Trial::NotApplicable => self.totals.skipped += 1,
            Trial::Failed { side, message } => {
                if side == "both" {
                    self.totals.skipped += 1;
                } else {
                    self.totals.errors += 1;
                }
                if self.errors.len() < LISTED_ERRORS {
                    self.errors.push(MutantError {
                        mutant: mutant.number,
                        record_id: record.id.clone(),
                        description: mutant.mutation.describe(),
                        side: side.to_owned(),
                        message,
                    });
                }
            }
            Trial::Compared { baseline, candidate, comparison } => {
                self.totals.replayed += 1;
                summary.replayed += 1;
                if !diverges(&comparison) {
                    return;
                }
                self.totals.diverged += 1;
                summary.diverged += 1;
                let divergent = divergent(
                    Some(mutant.number),
                    &mutant.mutation,
                    mutant.record,
                    record,
                    (baseline, candidate),
                    comparison,
                );
                match self.groups.entry(group_key(record, &mutant.mutation)) {
                    std::collections::btree_map::Entry::Occupied(mut entry) => {
                        let group = entry.get_mut();
                        group.mutants += 1;
                        if divergent.event_bytes < group.smallest.event_bytes {
                            group.smallest = divergent;
                        }
                    }
                    std::collections::btree_map::Entry::Vacant(entry) => {
                        entry.insert(Group { mutants: 1, smallest: divergent, shrunk: false });
                    }
                }
            }
        }
    }
}

/// A record that only reads (`GET`, `HEAD`, `OPTIONS` of an API Gateway event).
fn is_read(record: &Record) -> bool {
    matches!(record.method(), Some("GET" | "HEAD" | "OPTIONS"))
}

/// The cap on listed errors.
const LISTED_ERRORS: usize = 50;

impl Fuzzer<'_> {
    /// Replays `records` unmutated, then the mutants of the seed, and reports.
    pub async fn run(
        &self,
        records: Vec<Record>,
        mut on_progress: impl FnMut(FuzzProgress),
    ) -> Result<FuzzReport, FuzzError> {
        if records.is_empty() {
            return Err(FuzzError::NoRecords);
        }
        if self.settings.mutants == 0 {
            return Err(FuzzError::NoMutants);
        }
        if self.baseline.is_recorded() {
            return Err(FuzzError::RecordedSide { side: "the baseline" });
        }
        if self.candidate.is_recorded() {
            return Err(FuzzError::RecordedSide { side: "the candidate" });
        }
        let mutants = generate_mutants(&records, self.settings.seed, self.settings.mutants);
        if mutants.is_empty() {
            return Err(FuzzError::NothingToMutate);
        }

        // The state the mutants run on, and the ids each side gave the corpus's entities.
        let total = records.len();
        let started = Instant::now();
        let replay = Replay {
            baseline: self.baseline,
            candidate: self.candidate,
            secondary: None,
            rules: self.rules,
            settings: self.settings.replay,
        };
        let outcome = replay
            .run(records.iter().cloned().map(Ok), |done| on_progress(FuzzProgress::Corpus { done, total }))
            .await?;
        let corpus = CorpusCheck {
            records: outcome.report.totals.total,
            mismatch: outcome.report.totals.mismatch,
            errors: outcome.report.totals.errors,
            signatures: outcome.report.signatures.into_iter().filter(|group| group.tier == Tier::Mismatch).collect(),
        };
        let mut ids = outcome.ids;
        let writes_after_corpus = self.capture().await?;
        let corpus_ids = ids.candidate_to_baseline.clone();
        let corpus_seconds = started.elapsed().as_secs_f64();
        // Reads of a whole collection list what the mutants before them created, ordered
        // by keys that end in each side's random hex: so every read runs before the first
        // mutant that could write, and its findings are shrunk then too.
        let (reads, writes): (Vec<&Mutant>, Vec<&Mutant>) =
            mutants.iter().partition(|mutant| is_read(&records[mutant.record]));
        let mut tally =
            Tally { totals: MutantTotals { generated: mutants.len(), ..MutantTotals::default() }, ..Tally::default() };
        let mut mutants_seconds = 0.0;
        let mut done = 0;
        let mut controls = Controls::default();
        for batch in [reads, writes] {
            let started = Instant::now();
            for mutant in batch {
                let record = &records[mutant.record];
                let trial = self.trial(record, &mutant.mutation, &mut ids).await;
                if self.explained_by_state(&mut controls, mutant.record, record, &trial, &mut ids).await {
                    tally.add_state_dependent(mutant);
                } else {
                    tally.add(mutant, record, trial);
                }
                done += 1;
                on_progress(FuzzProgress::Mutants { done, total: mutants.len() });
            }
            mutants_seconds += started.elapsed().as_secs_f64();
            for group in tally.groups.values_mut().filter(|group| !group.shrunk) {
                tally.totals.shrink_replays += self.shrink(&records, group, &mut ids, &mut controls).await;
                group.shrunk = true;
            }
        }
        let timing = FuzzTiming {
            corpus_seconds,
            mutants_seconds,
            mutants_per_second: if mutants_seconds > 0.0 { mutants.len() as f64 / mutants_seconds } else { 0.0 },
        };
        let Tally { totals, kinds, groups, errors } = tally;

        let mut report = FuzzReport {
            baseline: self.baseline.name(),
            candidate: self.candidate.name(),
            seed: self.settings.seed,
            mutants_requested: self.settings.mutants,
            corpus,
            totals,
            timing,
            kinds: kinds.into_values().collect(),
            findings: Vec::new(),
            errors,
            writes: None,
            side_effects_note: None,
        };
        let redactor = Redactor::new(self.rules);
        let mut findings: Vec<Finding> = groups
            .into_iter()
            .map(|((function, route, kind, change, path), group)| Finding {
                smallest: self.smallest(&redactor, &records, &route, group.smallest),
                function,
                route,
                kind,
                change,
                path,
                mutants: group.mutants,
            })
            .collect();
        findings.sort_by(|a, b| {
            b.mutants.cmp(&a.mutants).then_with(|| {
                (&a.function, &a.route, a.kind, &a.path, &a.change).cmp(&(
                    &b.function,
                    &b.route,
                    b.kind,
                    &b.path,
                    &b.change,
                ))
            })
        });
        report.findings = findings;
        match (&writes_after_corpus, self.capture().await?) {
            (Some(after_corpus), Some(at_end)) => {
                report.writes = Some(self.writes_check(after_corpus, &corpus_ids, &at_end, &ids.candidate_to_baseline));
            }
            _ => report.side_effects_note = Some(self.side_effects_note()),
        }
        report.redact(&redactor);
        Ok(report)
    }

    /// Sends one mutation of `record` to both sides, each on its copy of the event (with
    /// the ids that side generated), and compares the answers.
    async fn trial(&self, record: &Record, mutation: &Mutation, ids: &mut IdBook) -> Trial {
        let (Some(baseline_event), Some(candidate_event)) = (
            mutation.apply(&rewritten(&record.event, &ids.baseline)),
            mutation.apply(&rewritten(&record.event, &ids.candidate)),
        ) else {
            return Trial::NotApplicable;
        };
        self.compare_events(record, &baseline_event, &candidate_event, ids).await
    }

    /// Whether a divergent mutant of a read is explained by the state the sides hold, not
    /// by its mutation: the record sent unmutated (the control, sent once per record: reads
    /// run before any mutant writes, so the state they see does not change) diverges too,
    /// at every path where the mutant does. A list whose order follows keys that end in
    /// each side's random hex is the common case: the two sides list different entities
    /// first, mutated or not. Writes get no control: sending one again would change the
    /// state.
    async fn explained_by_state(
        &self,
        controls: &mut Controls,
        index: usize,
        record: &Record,
        trial: &Trial,
        ids: &mut IdBook,
    ) -> bool {
        let Trial::Compared { comparison, .. } = trial else {
            return false;
        };
        if !is_read(record) || !diverges(comparison) {
            return false;
        }
        if let std::collections::btree_map::Entry::Vacant(entry) = controls.entry(index) {
            let control = self
                .compare_events(
                    record,
                    &rewritten(&record.event, &ids.baseline),
                    &rewritten(&record.event, &ids.candidate),
                    ids,
                )
                .await;
            let paths = match control {
                Trial::Compared { comparison, .. } => semantic_paths(&comparison),
                Trial::NotApplicable | Trial::Failed { .. } => BTreeSet::new(),
            };
            entry.insert(paths);
        }
        let control = &controls[&index];
        !control.is_empty() && semantic_paths(comparison).is_subset(control)
    }

    /// Sends each side its event of `record` and compares the answers, the ids a create
    /// made learned from the baseline's answer.
    async fn compare_events(
        &self,
        record: &Record,
        baseline_event: &Value,
        candidate_event: &Value,
        ids: &mut IdBook,
    ) -> Trial {
        let (baseline, candidate) = futures::join!(
            self.baseline.invoke(record, baseline_event),
            self.candidate.invoke(record, candidate_event)
        );
        let (baseline, mut candidate) = match (baseline, candidate) {
            (Ok(baseline), Ok(candidate)) => (baseline, candidate),
            (Err(error), Ok(_)) => return Trial::Failed { side: "baseline", message: error_chain(&error) },
            (Ok(_), Err(error)) => return Trial::Failed { side: "candidate", message: error_chain(&error) },
            (Err(error), Err(_)) => return Trial::Failed { side: "both", message: error_chain(&error) },
        };
        // A mutant has no recorded answer: the baseline's live answer is the reference for
        // the ids a create made.
        let id_paths = self.rules.id_paths(&record.route);
        if !id_paths.is_empty() {
            ids.candidate_to_baseline.learn_from_responses(&id_paths, &candidate.outcome, &baseline.outcome);
        }
        ids.candidate_to_baseline.translate_outcome(&mut candidate.outcome);
        let comparison = compare_outcomes(self.rules, &record.route, &baseline.outcome, &candidate.outcome);
        Trial::Compared { baseline, candidate, comparison }
    }

    /// Applies the group's mutation alone to smaller records of the same function and
    /// route, smallest first, and keeps the first that still diverges. Returns the replays
    /// spent.
    async fn shrink(&self, records: &[Record], group: &mut Group, ids: &mut IdBook, controls: &mut Controls) -> usize {
        let smallest = &group.smallest;
        let record = &records[smallest.record];
        let mut candidates: Vec<(usize, usize)> = records
            .iter()
            .enumerate()
            .filter(|(index, other)| {
                *index != smallest.record && other.function == record.function && other.route == record.route
            })
            .filter_map(|(index, other)| {
                let event = smallest.mutation.apply(&other.event)?;
                let bytes = serde_json::to_string(&event).map_or(usize::MAX, |text| text.len());
                (bytes < smallest.event_bytes).then_some((bytes, index))
            })
            .collect();
        candidates.sort_unstable();
        candidates.truncate(self.settings.shrink_attempts);
        let mutation = smallest.mutation.clone();
        let mut spent = 0;
        for (_, index) in candidates {
            spent += 1;
            let trial = self.trial(&records[index], &mutation, ids).await;
            if self.explained_by_state(controls, index, &records[index], &trial, ids).await {
                continue;
            }
            if let Trial::Compared { baseline, candidate, comparison } = trial
                && diverges(&comparison)
            {
                group.smallest = divergent(None, &mutation, index, &records[index], (baseline, candidate), comparison);
                break;
            }
        }
        spent
    }

    /// The report's view of a group's smallest mutant: the event, the two answers in
    /// short, and the differences as `parity run` reports them.
    fn smallest(&self, redactor: &Redactor, records: &[Record], route: &str, divergent: Divergent) -> SmallestMutant {
        let original = &records[divergent.record];
        let record_id = match divergent.mutant {
            Some(number) => format!("{}~mutant-{number}", original.id),
            None => format!("{}~shrunk", original.id),
        };
        let shown_record = Record {
            id: record_id,
            event: divergent.event.clone(),
            response: None,
            error: None,
            side_effects: None,
            ..original.clone()
        };
        let mut builder = ReportBuilder::new(self.rules, self.baseline.name(), self.candidate.name(), None, 1);
        builder.add_comparison(&shown_record, &divergent.baseline, &divergent.candidate, &divergent.comparison);
        let differences =
            builder.finish().signatures.into_iter().filter(|group| group.tier == Tier::Mismatch).collect();
        SmallestMutant {
            mutant: divergent.mutant,
            record_id: original.id.clone(),
            description: divergent.mutation.describe(),
            mutation: divergent.mutation,
            event_bytes: divergent.event_bytes,
            event: divergent.event,
            baseline: outcome_summary(redactor, route, &divergent.baseline.outcome),
            candidate: outcome_summary(redactor, route, &divergent.candidate.outcome),
            differences,
        }
    }

    /// What each side wrote so far, when both can tell; `None` otherwise.
    async fn capture(&self) -> Result<Option<(SideEffects, SideEffects)>, FuzzError> {
        let (baseline, candidate) = futures::join!(self.baseline.side_effects(), self.candidate.side_effects());
        match (baseline, candidate) {
            (Some(baseline), Some(candidate)) => Ok(Some((
                baseline.map_err(|source| FuzzError::Capture { side: "baseline", source })?,
                candidate.map_err(|source| FuzzError::Capture { side: "candidate", source })?,
            ))),
            _ => Ok(None),
        }
    }

    /// The write comparison: the mismatches at the end that were not there after the
    /// unmutated replay are the mutants'.
    fn writes_check(
        &self,
        after_corpus: &(SideEffects, SideEffects),
        corpus_ids: &IdMap,
        at_end: &(SideEffects, SideEffects),
        end_ids: &IdMap,
    ) -> WritesCheck {
        let before = diff_side_effects(self.rules, &after_corpus.0, &after_corpus.1, corpus_ids);
        let after = diff_side_effects(self.rules, &at_end.0, &at_end.1, end_ids);
        let known: Vec<&Difference> = before.semantic().collect();
        let new: Vec<&Difference> = after.semantic().filter(|difference| !known.contains(difference)).collect();
        WritesCheck {
            baseline_items: at_end.0.len(),
            candidate_items: at_end.1.len(),
            corpus_mismatches: known.len(),
            mutant_mismatches: new.len(),
            differences: new
                .into_iter()
                .take(LISTED_ERRORS)
                .map(|difference| SideEffectDifference {
                    path: difference.path.clone(),
                    pattern: side_effect_pattern(&difference.path),
                    kind: difference.kind,
                    baseline: difference.baseline.clone(),
                    candidate: difference.candidate.clone(),
                })
                .collect(),
        }
    }

    fn side_effects_note(&self) -> String {
        format!(
            "side effects not captured: only local: targets with a moto back end can tell what they wrote ({} vs {})",
            self.baseline.name(),
            self.candidate.name()
        )
    }
}

/// A difference beyond what the rules allow: any that is not cosmetic.
fn diverges(comparison: &Comparison) -> bool {
    comparison.semantic().next().is_some()
}

/// The paths of a comparison's semantic differences.
fn semantic_paths(comparison: &Comparison) -> BTreeSet<String> {
    comparison.semantic().map(|difference| difference.path.to_string()).collect()
}

/// Per read record (by index), the paths where its unmutated replay diverges after the
/// corpus: empty when it does not.
type Controls = BTreeMap<usize, BTreeSet<String>>;

fn group_key(record: &Record, mutation: &Mutation) -> GroupKey {
    (record.function.clone(), record.route.clone(), mutation.kind, mutation.change.label(), mutation.path.pattern())
}

/// A divergent mutant (numbered, or found by shrinking), measured by its event with the
/// corpus's own ids.
fn divergent(
    number: Option<usize>,
    mutation: &Mutation,
    index: usize,
    record: &Record,
    (baseline, candidate): (Observed, Observed),
    comparison: Comparison,
) -> Divergent {
    let event = mutation.apply(&record.event).unwrap_or_else(|| record.event.clone());
    let event_bytes = serde_json::to_string(&event).map_or(usize::MAX, |text| text.len());
    Divergent {
        mutant: number,
        record: index,
        mutation: mutation.clone(),
        event,
        event_bytes,
        baseline,
        candidate,
        comparison,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use async_trait::async_trait;
    use serde_json::json;

    use super::*;
    use crate::fuzz::{FuzzFormat, render_fuzz};
    use crate::record::{FunctionError, Outcome, RECORD_SCHEMA};
    use crate::recorded::RecordedTarget;
    use crate::target::TargetError;

    /// A handler in process: how it answers an event.
    struct Handler {
        name: &'static str,
        answer: fn(&Value) -> Outcome,
    }

    #[async_trait]
    impl Target for Handler {
        fn name(&self) -> String {
            self.name.to_owned()
        }

        async fn invoke(&self, _record: &Record, event: &Value) -> Result<Observed, TargetError> {
            Ok(Observed { outcome: (self.answer)(event), latency: Duration::from_millis(1) })
        }
    }

    fn response(status: u16, body: &str) -> Outcome {
        Outcome::Response(json!({"statusCode": status, "headers": {}, "body": body, "isBase64Encoded": false}))
    }

    /// `event["httpMethod"]`, as a Python handler reads it: a `KeyError` when it is missing.
    fn strict(event: &Value) -> Outcome {
        match event.get("httpMethod") {
            None => Outcome::FunctionError(FunctionError {
                error_type: "KeyError".into(),
                error_message: "'httpMethod'".into(),
            }),
            Some(method) => response(200, &json!({ "method": method }).to_string()),
        }
    }

    /// `event.get("httpMethod")`, answering 400 unless it is a string.
    fn lenient(event: &Value) -> Outcome {
        match event.get("httpMethod") {
            Some(Value::String(method)) => response(200, &json!({ "method": method }).to_string()),
            _ => response(400, "{\"message\": \"no method\"}"),
        }
    }

    /// A credential in every event: no report format may show it.
    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ";

    fn records() -> Vec<Record> {
        [("r-large", 3000), ("r-small", 10), ("r-medium", 500)]
            .into_iter()
            .map(|(id, body_length)| Record {
                schema: RECORD_SCHEMA.into(),
                id: id.into(),
                function: "methods".into(),
                source: "apigateway-rest".into(),
                route: "POST /methods".into(),
                recorded_at: "2026-11-27T05:12:41+00:00".into(),
                event: json!({
                    "httpMethod": "POST",
                    "path": "/methods",
                    "headers": {"Content-Type": "text/plain", "Authorization": format!("Bearer {JWT}")},
                    "body": "x".repeat(body_length),
                    "isBase64Encoded": false,
                }),
                response: None,
                error: None,
                duration_ms: 0.0,
                scenario: None,
                entity: None,
                side_effects: None,
            })
            .collect()
    }

    fn settings(mutants: usize) -> FuzzSettings {
        FuzzSettings { seed: 5, mutants, replay: ReplaySettings::default(), shrink_attempts: 4 }
    }

    async fn fuzz(baseline: &dyn Target, candidate: &dyn Target, mutants: usize) -> Result<FuzzReport, FuzzError> {
        let rules = ParityRules::default();
        Fuzzer { baseline, candidate, rules: &rules, settings: settings(mutants) }.run(records(), |_| {}).await
    }

    #[tokio::test]
    async fn a_crash_on_a_missing_field_against_a_400_is_found_with_its_smallest_mutant() {
        let baseline = Handler { name: "strict", answer: strict };
        let candidate = Handler { name: "lenient", answer: lenient };
        let report = fuzz(&baseline, &candidate, 90).await.expect("a run");
        assert!(!report.passed());
        assert_eq!(report.corpus.mismatch, 0, "the unmutated records agree");
        assert_eq!(report.totals.replayed, 90);
        let dropped = report
            .findings
            .iter()
            .find(|finding| finding.kind == MutationKind::DropField && finding.path == "$.httpMethod")
            .unwrap_or_else(|| panic!("{:#?}", report.findings));
        let smallest = &dropped.smallest;
        assert_eq!(smallest.record_id, "r-small", "shrunk to the smallest record");
        assert_eq!(smallest.baseline, "KeyError: 'httpMethod'");
        assert!(smallest.candidate.starts_with("400 "), "{}", smallest.candidate);
        assert!(smallest.event.get("httpMethod").is_none());
        // Measured on the real event; the one shown has its credential redacted.
        assert!(smallest.event_bytes < 300, "{}", smallest.event_bytes);
        assert!(
            smallest.differences.iter().any(|group| group.kind == crate::DiffKind::Outcome),
            "{:?}",
            smallest.differences
        );
        // Every finding is about httpMethod: the handlers differ nowhere else.
        for finding in &report.findings {
            assert!(
                finding.path == "$.httpMethod" || finding.kind == MutationKind::EventShape,
                "{} {} {}",
                finding.kind,
                finding.path,
                finding.change
            );
        }
        for format in [FuzzFormat::Table, FuzzFormat::Json, FuzzFormat::Markdown] {
            let text = render_fuzz(&report, format);
            assert!(text.contains("$.httpMethod") && text.contains("r-small"), "{format:?}: {text}");
            assert!(!text.contains("eyJzdWIiOiIxIn0"), "{format:?} shows the credential: {text}");
        }
        let table = render_fuzz(&report, FuzzFormat::Table);
        assert!(table.lines().last().is_some_and(|line| line.starts_with("FAIL: ")), "{table}");
        let diverged: usize = report.kinds.iter().map(|kind| kind.diverged).sum();
        assert_eq!(diverged, report.totals.diverged);
        assert_eq!(report.findings.iter().map(|finding| finding.mutants).sum::<usize>(), report.totals.diverged);
    }

    #[tokio::test]
    async fn identical_handlers_give_no_finding_and_pass() {
        let baseline = Handler { name: "one", answer: strict };
        let candidate = Handler { name: "two", answer: strict };
        let report = fuzz(&baseline, &candidate, 90).await.expect("a run");
        assert_eq!(report.findings, Vec::new());
        assert_eq!(report.totals.replayed, 90);
        assert!(report.passed());
        assert_eq!(report.kinds.len(), MutationKind::ALL.len(), "every kind applies to these events");
        let table = render_fuzz(&report, FuzzFormat::Table);
        assert!(table.contains("PASS: 90 mutants replayed (seed 5)"), "{table}");

        // Had the state explained every divergence, nothing would be known of the
        // mutations: no pass.
        let mut explained = report.clone();
        explained.totals.state_dependent = explained.totals.replayed;
        assert!(!explained.passed());
        let table = render_fuzz(&explained, FuzzFormat::Table);
        assert!(table.contains("no evidence about the mutations, no pass"), "{table}");
    }

    #[tokio::test]
    async fn no_mutants_no_records_and_recorded_sides_are_refused() {
        let handler = Handler { name: "one", answer: strict };
        assert!(matches!(fuzz(&handler, &handler, 0).await, Err(FuzzError::NoMutants)));
        assert!(matches!(fuzz(&RecordedTarget, &handler, 5).await, Err(FuzzError::RecordedSide { .. })));
        let rules = ParityRules::default();
        let empty = Fuzzer { baseline: &handler, candidate: &handler, rules: &rules, settings: settings(5) }
            .run(Vec::new(), |_| {})
            .await;
        assert!(matches!(empty, Err(FuzzError::NoRecords)));
    }
}
