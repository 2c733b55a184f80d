//! The replay engine: streams records through the baseline, the candidate and (when given)
//! a second run of the baseline, maps generated ids, compares, and builds the report.

use std::borrow::Cow;
use std::cell::RefCell;

use serde_json::Value;

use crate::compare::compare_outcomes;
use crate::corpus::CorpusError;
use crate::difference::Comparison;
use crate::ids::IdMap;
use crate::record::{Observed, Record};
use crate::report::{ParityReport, ReportBuilder};
use crate::rules::ParityRules;
use crate::scheduler::run_ordered;
use crate::target::{Target, TargetError};

/// How a replay runs.
#[derive(Debug, Clone, Copy)]
pub struct ReplaySettings {
    /// Records of different entities in flight at once.
    pub concurrency: usize,
    /// Examples kept per mismatch signature.
    pub examples_per_signature: usize,
}

impl Default for ReplaySettings {
    fn default() -> Self {
        Self { concurrency: 8, examples_per_signature: 3 }
    }
}

/// Why a replay stopped before the end of the corpus.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// A record could not be read: the replay stops there, with no report.
    #[error("the corpus could not be read")]
    Corpus(#[from] CorpusError),
}

/// The ids learned during a replay, per side.
#[derive(Debug, Clone, Default)]
pub struct IdBook {
    /// Recorded id to the id the baseline generated.
    pub baseline: IdMap,
    /// Recorded id to the id the candidate generated.
    pub candidate: IdMap,
    /// Recorded id to the id the secondary generated.
    pub secondary: IdMap,
    /// Candidate id to the baseline id of the same entity.
    pub candidate_to_baseline: IdMap,
    /// Secondary id to the baseline id of the same entity.
    pub secondary_to_baseline: IdMap,
}

/// What a replay produced.
#[derive(Debug, Clone)]
pub struct ReplayOutcome {
    /// What the replay found, before side effects are diffed.
    pub report: ParityReport,
    /// For translating the candidate's side effects before diffing them.
    pub ids: IdBook,
}

/// A replay of a corpus against a baseline and a candidate.
pub struct Replay<'a> {
    /// The version answers are judged against (usually the one in production).
    pub baseline: &'a dyn Target,
    /// The version under test.
    pub candidate: &'a dyn Target,
    /// A second run of the baseline, to learn noise from; `None` learns none, so every
    /// difference counts against the candidate.
    pub secondary: Option<&'a dyn Target>,
    /// The rules of `parity.toml`: what is compared, and how.
    pub rules: &'a ParityRules,
    /// Concurrency and examples kept.
    pub settings: ReplaySettings,
}

enum RecordResult {
    Compared {
        record: Record,
        baseline: Observed,
        candidate: Observed,
        comparison: Comparison,
        noise: Option<Comparison>,
    },
    Failed {
        record: Record,
        side: &'static str,
        error: TargetError,
    },
}

impl Replay<'_> {
    /// Replays `records`; `on_progress` is called with the number of records done.
    pub async fn run<I>(&self, records: I, mut on_progress: impl FnMut(usize)) -> Result<ReplayOutcome, ReplayError>
    where
        I: IntoIterator<Item = Result<Record, CorpusError>>,
    {
        let corpus_error: RefCell<Option<CorpusError>> = RefCell::new(None);
        let ids = RefCell::new(IdBook::default());
        let mut builder = ReportBuilder::new(
            self.rules,
            self.baseline.name(),
            self.candidate.name(),
            self.secondary.map(|target| target.name()),
            self.settings.examples_per_signature,
        );
        let records = records.into_iter().map_while(|result| match result {
            Ok(record) => Some(record),
            Err(error) => {
                *corpus_error.borrow_mut() = Some(error);
                None
            }
        });
        let mut done = 0usize;
        run_ordered(
            records,
            self.settings.concurrency,
            |record| record.replay_order(&self.rules.id_paths(&record.route)),
            |record| self.replay_one(record, &ids),
            |result| {
                match result {
                    RecordResult::Compared { record, baseline, candidate, comparison, noise } => {
                        if let Some(noise) = noise {
                            builder.add_noise_sample(&record.route, &noise);
                        }
                        builder.add_comparison(&record, &baseline, &candidate, &comparison);
                    }
                    RecordResult::Failed { record, side, error } => {
                        builder.add_error(&record, side, error_chain(&error));
                    }
                }
                done += 1;
                on_progress(done);
            },
        )
        .await;
        if let Some(error) = corpus_error.into_inner() {
            return Err(error.into());
        }
        Ok(ReplayOutcome { report: builder.finish(), ids: ids.into_inner() })
    }

    async fn replay_one(&self, record: Record, ids: &RefCell<IdBook>) -> RecordResult {
        let (baseline_event, candidate_event, secondary_event) = {
            let book = ids.borrow();
            (
                rewritten(&record.event, &book.baseline),
                rewritten(&record.event, &book.candidate),
                rewritten(&record.event, &book.secondary),
            )
        };
        let secondary = async {
            match self.secondary {
                Some(target) => Some(target.invoke(&record, &secondary_event).await),
                None => None,
            }
        };
        let (baseline, candidate, secondary) = futures::join!(
            self.baseline.invoke(&record, &baseline_event),
            self.candidate.invoke(&record, &candidate_event),
            secondary
        );
        let baseline = match baseline {
            Ok(observed) => observed,
            Err(error) => {
                return RecordResult::Failed { record, side: "baseline", error };
            }
        };
        let mut candidate = match candidate {
            Ok(observed) => observed,
            Err(error) => {
                return RecordResult::Failed { record, side: "candidate", error };
            }
        };
        let mut secondary = match secondary.transpose() {
            Ok(observed) => observed,
            Err(error) => {
                return RecordResult::Failed { record, side: "secondary", error };
            }
        };
        {
            let mut book = ids.borrow_mut();
            self.learn_ids(&record, &baseline, &candidate, secondary.as_ref(), &mut book);
            book.candidate_to_baseline.translate_outcome(&mut candidate.outcome);
            if let Some(secondary) = secondary.as_mut() {
                book.secondary_to_baseline.translate_outcome(&mut secondary.outcome);
            }
        }
        let comparison = compare_outcomes(self.rules, &record.route, &baseline.outcome, &candidate.outcome);
        let noise = secondary
            .as_ref()
            .map(|secondary| compare_outcomes(self.rules, &record.route, &baseline.outcome, &secondary.outcome));
        RecordResult::Compared { record, baseline, candidate, comparison, noise }
    }

    fn learn_ids(
        &self,
        record: &Record,
        baseline: &Observed,
        candidate: &Observed,
        secondary: Option<&Observed>,
        book: &mut IdBook,
    ) {
        let id_paths = self.rules.id_paths(&record.route);
        if id_paths.is_empty() {
            return;
        }
        // The reference ids are the recorded answer's. A record with no answer (written by
        // hand, taken from an access log or a fixture) has none: the baseline's live answer
        // is the reference then, so its ids are kept and the other sides' map to them.
        let has_answer = record.response.is_some() || record.error.is_some();
        let recorded = if has_answer { record.recorded_outcome() } else { baseline.outcome.clone() };
        if !self.baseline.is_recorded() {
            book.baseline.learn_from_responses(&id_paths, &recorded, &baseline.outcome);
        }
        // Such a record can name the entity it creates (`entity`), so that the records
        // after it can address it by that name: each side's generated id stands for it.
        let named_entity = record
            .entity
            .as_deref()
            .filter(|_| !has_answer)
            .and_then(|entity| first_id(&id_paths, &baseline.outcome).map(|baseline_id| (entity, baseline_id)));
        if let Some((entity, baseline_id)) = &named_entity {
            book.baseline.insert(entity, baseline_id);
        }
        // Each live side's id for the entity, and the baseline's, through the recorded id.
        let pair_up = |side_map: &mut IdMap, to_baseline: &mut IdMap, observed: &Observed, baseline_map: &IdMap| {
            for (recorded_id, side_id) in side_map.learn_from_responses(&id_paths, &recorded, &observed.outcome) {
                let baseline_id = baseline_map.get(&recorded_id).unwrap_or(&recorded_id).to_owned();
                to_baseline.insert(&side_id, &baseline_id);
            }
        };
        let IdBook {
            baseline: baseline_map,
            candidate: candidate_map,
            secondary: secondary_map,
            candidate_to_baseline,
            secondary_to_baseline,
        } = book;
        let name_for = |side_map: &mut IdMap, observed: &Observed| {
            if let Some((entity, _)) = &named_entity
                && let Some(side_id) = first_id(&id_paths, &observed.outcome)
            {
                side_map.insert(entity, &side_id);
            }
        };
        if !self.candidate.is_recorded() {
            pair_up(candidate_map, candidate_to_baseline, candidate, baseline_map);
            name_for(candidate_map, candidate);
        } else if !self.baseline.is_recorded() {
            // The candidate answers with recorded ids: map them to the baseline's.
            for (recorded_id, baseline_id) in
                IdMap::default().learn_from_responses(&id_paths, &recorded, &baseline.outcome)
            {
                candidate_to_baseline.insert(&recorded_id, &baseline_id);
            }
        }
        if let Some(secondary) = secondary
            && !self.secondary.is_some_and(|target| target.is_recorded())
        {
            pair_up(secondary_map, secondary_to_baseline, secondary, baseline_map);
            name_for(secondary_map, secondary);
        }
    }
}

/// The id an answer holds at the first of `id_paths` that it has.
fn first_id(id_paths: &[crate::path::PathPattern], outcome: &crate::record::Outcome) -> Option<String> {
    let crate::record::Outcome::Response(response) = outcome else {
        return None;
    };
    let body = crate::record::parsed_body(response)?;
    id_paths.iter().find_map(|pattern| pattern.lookup(&body).and_then(Value::as_str).map(str::to_owned))
}

/// The event with the ids a side generated put in place of the recorded ones.
pub(crate) fn rewritten<'v>(event: &'v Value, ids: &IdMap) -> Cow<'v, Value> {
    if ids.is_empty() {
        return Cow::Borrowed(event);
    }
    let mut event = event.clone();
    ids.rewrite_event(&mut event);
    Cow::Owned(event)
}

/// An error and its causes on one line, for a report.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
