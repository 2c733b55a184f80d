//! The typed result of a fuzz run, and its redaction pass.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;

use super::mutation::{Mutation, MutationKind};
use crate::path::JsonPath;
use crate::record::Outcome;
use crate::redact::{Redactor, redact_field, redact_text};
use crate::report::{SideEffectDifference, SignatureGroup};
use crate::side_effects::SIDE_EFFECTS_ROUTE;

/// The corpus replayed unmutated before the mutants: the state they run on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CorpusCheck {
    /// Records replayed.
    pub records: usize,
    /// Records whose answers already differ in a way a client sees.
    pub mismatch: usize,
    /// Records a side failed to answer.
    pub errors: usize,
    /// The mismatch signatures of the unmutated replay, when there are any.
    pub signatures: Vec<SignatureGroup>,
}

/// What the two sides wrote, compared after the unmutated replay and again at the end:
/// the mismatches that appeared in between are the mutants' (a mutant that makes one
/// side write what the other does not, or write before failing where the other fails
/// first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WritesCheck {
    /// Items, pipelines and objects the baseline held at the end.
    pub baseline_items: usize,
    /// Items, pipelines and objects the candidate held at the end.
    pub candidate_items: usize,
    /// Write mismatches already there after the unmutated replay: `parity run`'s to
    /// report, shown here as a warning.
    pub corpus_mismatches: usize,
    /// Write mismatches that appeared while the mutants ran: these fail the run.
    pub mutant_mismatches: usize,
    /// The mutants' write mismatches (up to 50).
    pub differences: Vec<SideEffectDifference>,
}

/// Mutant counts of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MutantTotals {
    /// Mutants the seed gave (`--mutants`, or fewer when few kinds apply).
    pub generated: usize,
    /// Mutants both sides answered, compared.
    pub replayed: usize,
    /// Replayed mutants whose answers differ beyond what the rules allow.
    pub diverged: usize,
    /// Mutants that could not be sent to either side (the change did not apply to a
    /// side's copy of the event, or both sides refused the event).
    pub skipped: usize,
    /// Mutants one side answered and the other failed to (not an answer: a target error).
    pub errors: usize,
    /// Replayed mutants of reads whose divergence the unmutated record shows too, at the
    /// same paths, after the corpus (the state, e.g. a list ordered by each side's random
    /// ids, not the mutation): not findings; `parity run` judges the state.
    pub state_dependent: usize,
    /// Extra replays spent looking for smaller mutants of the findings.
    pub shrink_replays: usize,
}

/// How long the run took, and its pace.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct FuzzTiming {
    /// The unmutated replay of the corpus.
    pub corpus_seconds: f64,
    /// The mutants, one at a time, both sides at once (shrinking excluded).
    pub mutants_seconds: f64,
    /// Mutants generated per second of `mutants_seconds`.
    pub mutants_per_second: f64,
}

/// Mutants of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KindSummary {
    /// The family these counts are of.
    pub kind: MutationKind,
    /// Mutants of this kind the seed gave.
    pub mutants: usize,
    /// Those both sides answered, compared.
    pub replayed: usize,
    /// Those whose answers differ beyond what the rules allow.
    pub diverged: usize,
}

/// The smallest mutant found for a finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SmallestMutant {
    /// Its number in the run; `None` when shrinking found it (the mutation applied alone
    /// to a smaller record of the same route).
    pub mutant: Option<usize>,
    /// The record it mutates.
    pub record_id: String,
    /// `drop_field $.httpMethod (dropped)`.
    pub description: String,
    /// The mutation, complete enough to apply again.
    pub mutation: Mutation,
    /// The size of the mutated event as JSON, the measure of "smallest".
    pub event_bytes: usize,
    /// The mutated event, with the corpus's ids (redacted like any report value).
    pub event: Value,
    /// What the baseline answered: `404`, `KeyError: 'httpMethod'`.
    pub baseline: String,
    /// What the candidate answered, likewise.
    pub candidate: String,
    /// The differences, as `parity run` reports them (tier mismatch).
    pub differences: Vec<SignatureGroup>,
}

/// Mutants of one function that diverged with the same mutation at the same path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The function the mutated records went to.
    pub function: String,
    /// Their route.
    pub route: String,
    /// The mutation's family.
    pub kind: MutationKind,
    /// What the change was: `dropped`, `string to number`, `http-api-v2`.
    pub change: String,
    /// Where, with array indexes as `[*]`: `$.headers.Accept`, `$.body.spec.tags`.
    pub path: String,
    /// How many mutants of the run showed it.
    pub mutants: usize,
    /// The one with the smallest event, to reproduce it with.
    pub smallest: SmallestMutant,
}

/// A mutant a side could not answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MutantError {
    /// Its number in the run.
    pub mutant: usize,
    /// The record it mutates.
    pub record_id: String,
    /// The mutation: `drop_field $.httpMethod (dropped)`.
    pub description: String,
    /// `baseline`, `candidate`, or `both` (then the mutant is skipped, not failed).
    pub side: String,
    /// The target's error.
    pub message: String,
}

/// Everything a fuzz run found. Renderers take this; nothing here prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FuzzReport {
    /// The baseline target's name (its URI).
    pub baseline: String,
    /// The candidate target's name.
    pub candidate: String,
    /// The seed the mutants came from: the same seed and corpus give the same mutants.
    pub seed: u64,
    /// `--mutants`: how many were asked for.
    pub mutants_requested: usize,
    /// The unmutated replay the mutants ran after.
    pub corpus: CorpusCheck,
    /// The mutants, counted by what became of them.
    pub totals: MutantTotals,
    /// How long it took.
    pub timing: FuzzTiming,
    /// The mutants per kind, in the kinds' order.
    pub kinds: Vec<KindSummary>,
    /// The divergences, grouped: most mutants first.
    pub findings: Vec<Finding>,
    /// Mutants a side could not answer, up to 50.
    pub errors: Vec<MutantError>,
    /// What the two sides wrote, when both can tell (`local:` sides with moto); `None`
    /// otherwise, with `side_effects_note` saying why.
    pub writes: Option<WritesCheck>,
    /// Why `writes` is absent (only `local:` sides with moto can tell what they wrote);
    /// `None` when it is there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side_effects_note: Option<String>,
}

impl FuzzReport {
    /// Write mismatches that appeared while the mutants ran.
    pub(crate) fn mutant_write_mismatches(&self) -> usize {
        self.writes.as_ref().map_or(0, |writes| writes.mutant_mismatches)
    }

    /// The verdict, about the mutants: some were replayed, none diverged, none was
    /// answered by one side only, and they made both sides write alike. A run that
    /// replayed no mutant, or only mutants whose divergence the state explains, proves
    /// nothing and does not pass. Differences of the unmutated corpus are `parity run`'s
    /// verdict; the report shows them as a warning.
    pub fn passed(&self) -> bool {
        self.totals.replayed > self.totals.state_dependent
            && self.findings.is_empty()
            && self.totals.errors == 0
            && self.mutant_write_mismatches() == 0
    }

    /// Replaces every secret this report could show. The fields are listed in full, so a
    /// new field does not compile until it is redacted here or said to hold no data.
    pub(crate) fn redact(&mut self, redactor: &Redactor) {
        let Self {
            baseline,
            candidate,
            seed: _,
            mutants_requested: _,
            corpus,
            totals: _,
            timing: _,
            kinds: _,
            findings,
            errors,
            writes,
            side_effects_note,
        } = self;
        redact_field(baseline);
        redact_field(candidate);
        let CorpusCheck { records: _, mismatch: _, errors: _, signatures } = corpus;
        redact_signatures(signatures);
        for finding in findings {
            let Finding { function, route, kind: _, change, path, mutants: _, smallest } = finding;
            let SmallestMutant {
                mutant: _,
                record_id,
                description,
                mutation,
                event_bytes: _,
                event,
                baseline,
                candidate,
                differences,
            } = smallest;
            redact_field(record_id);
            redact_field(description);
            redact_mutation(redactor, mutation);
            redactor.redact_document(route, event);
            redact_field(baseline);
            redact_field(candidate);
            redact_signatures(differences);
            redact_field(function);
            redact_field(change);
            redact_field(path);
            redact_field(route);
        }
        for error in errors {
            let MutantError { mutant: _, record_id, description, side: _, message } = error;
            redact_field(record_id);
            redact_field(description);
            redact_field(message);
        }
        if let Some(writes) = writes {
            let WritesCheck {
                baseline_items: _,
                candidate_items: _,
                corpus_mismatches: _,
                mutant_mismatches: _,
                differences,
            } = writes;
            for difference in differences {
                let SideEffectDifference { path, pattern, kind: _, baseline, candidate } = difference;
                for value in [baseline, candidate] {
                    if let Some(text) = value
                        && let Cow::Owned(redacted) = redactor.redact_shown(SIDE_EFFECTS_ROUTE, path, text)
                    {
                        *text = redacted;
                    }
                }
                if let Some(redacted) = redactor.redact_path(path) {
                    *path = redacted;
                }
                redact_field(pattern);
            }
        }
        side_effects_note.iter_mut().for_each(redact_field);
    }

    /// A copy with every secret replaced by names and shapes, for renderers.
    pub(crate) fn redacted(&self) -> Self {
        let mut copy = self.clone();
        copy.redact(&Redactor::default());
        copy
    }
}

/// Signature groups come from a finished `ParityReport`, already redacted with the
/// configured paths; shapes are applied again to every text they show.
fn redact_signatures(signatures: &mut [SignatureGroup]) {
    for signature in signatures {
        redact_field(&mut signature.route);
        redact_field(&mut signature.path);
        for example in &mut signature.examples {
            redact_field(&mut example.record_id);
            redact_field(&mut example.diff);
            for value in [&mut example.baseline, &mut example.candidate].into_iter().flatten() {
                redact_field(value);
            }
        }
    }
}

/// A mutation's path comes from the traffic (header names, body keys); the value of an
/// added field is the fuzzer's own.
fn redact_mutation(redactor: &Redactor, mutation: &mut Mutation) {
    if let Some(path) = redactor.redact_path(&mutation.path) {
        mutation.path = path;
    }
}

/// A short, one-line description of an answer for the tables: the status and the start
/// of the body, or the error type and message. Redacted before it is cut, so that a cut
/// never leaves half a secret that no longer has a secret's shape.
pub(crate) fn outcome_summary(redactor: &Redactor, route: &str, outcome: &Outcome) -> String {
    const LIMIT: usize = 160;
    let text = match outcome {
        Outcome::FunctionError(error) => {
            redact_text(&format!("{}: {}", error.error_type, error.error_message)).into_owned()
        }
        Outcome::Response(response) => match response.get("statusCode") {
            Some(status) => {
                let body = response.get("body").and_then(Value::as_str).unwrap_or("");
                let body = redactor.redact_json_text(route, &JsonPath::root().key("body"), body);
                if body.is_empty() { status.to_string() } else { format!("{status} {body}") }
            }
            None => {
                let mut shown = response.clone();
                redactor.redact_document(route, &mut shown);
                shown.to_string()
            }
        },
    };
    cut(&text, LIMIT).into_owned()
}

/// `text` cut to `limit` characters on one line, with `…` when cut.
pub(crate) fn cut(text: &str, limit: usize) -> Cow<'_, str> {
    let one_line = !text.contains(['\n', '\r']);
    if one_line && text.chars().count() <= limit {
        return Cow::Borrowed(text);
    }
    let mut shown: String = text.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).take(limit).collect();
    if text.chars().count() > limit {
        shown.push('…');
    }
    Cow::Owned(shown)
}
