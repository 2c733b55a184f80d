//! The write-ahead journal: every decision, and every alias change it leads to, is a
//! [`JournalRecord`] written durably before the change is made ([`Event::Intent`]) and
//! after it is seen to have happened ([`Event::Applied`]). The deployment's state is
//! nothing but the fold of its records ([`DeploymentState::replay`]), so whatever a crash
//! interrupts, the journal still explains the alias: an intent without its outcome is
//! exactly the one change that may or may not have reached Lambda, and the next pass
//! settles it by reading the alias.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::alias::{AliasSnapshot, AliasTarget};
use crate::gates::{BaselineFigures, Evaluation};
use crate::parity_gate::ParityVerdict;
use crate::plan::CanaryPlan;

/// One line of an alias's journal: what happened, when, written by whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalRecord {
    /// 1, 2, 3, … without gaps; a store refuses a sequence number that exists.
    pub sequence: u64,
    /// The controller's `now` when it wrote the record (virtual time in tests and rehearsals).
    #[serde(with = "crate::units::timestamp")]
    pub at: SystemTime,
    /// The controller that wrote it (the lock holder).
    pub owner: String,
    /// What happened.
    pub event: Event,
}

/// What a journal record says happened; JSON tags it as `"event": "<snake_case name>"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A deployment began: it opens the deployment's records, and everything that judges
    /// it later comes from here.
    Started {
        /// `d-<epoch seconds>-<8 hex digits>`.
        deployment_id: String,
        /// The plan every later pass judges by.
        plan: Box<CanaryPlan>,
        /// The alias as read at the start (all on the baseline, as preflight checked).
        alias: AliasSnapshot,
        /// The baseline's traffic before the start.
        baseline: BaselineFigures,
    },
    /// About to call UpdateAlias with `from.revision_id`.
    Intent {
        /// The change.
        action: Action,
        /// The alias as last read; its RevisionId guards the update.
        from: AliasSnapshot,
        /// The routing the change sets.
        to: AliasTarget,
        /// Why, in a sentence.
        reason: String,
    },
    /// The alias is seen at the intent's target (`recovered` when a later pass found it so).
    Applied {
        /// The intent's sequence number.
        intent: u64,
        /// The alias as UpdateAlias (or the later GetAlias) returned it.
        alias: AliasSnapshot,
        /// True when a later pass found the change made: the controller had stopped
        /// between UpdateAlias and this record.
        recovered: bool,
    },
    /// A pass decided something from the metrics: every record carries its evidence.
    Decision {
        /// What was decided.
        decision: Decision,
        /// The gates' evaluation behind it; None for operator and parity decisions.
        evaluation: Option<Evaluation>,
        /// Why, in a sentence.
        reason: String,
        /// The pre-traffic gate's verdict and counts, on `parity_passed` / `parity_failed`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parity: Option<ParityVerdict>,
    },
    /// Someone else changed the alias; the controller stops and overwrites nothing.
    Halted {
        /// What changed, with both sides.
        reason: String,
        /// The routing the journal explains.
        expected: AliasTarget,
        /// The alias as found.
        observed: AliasSnapshot,
    },
    /// The deployment stops advancing until `resume`, `promote` or `abort`.
    Paused {
        /// An operator, or the gates holding.
        by: PauseCause,
        /// Why, in a sentence.
        reason: String,
    },
    /// A pause was lifted; the step's clock starts again.
    Resumed {
        /// Who or what lifted it.
        reason: String,
    },
    /// A human asked for something (`promote`, `promote --full`, `abort`, `resume --force`).
    Operator {
        /// The command as typed.
        command: String,
    },
    /// The deployment is over; no later pass changes the alias.
    Finished {
        /// Where the alias ended.
        outcome: Outcome,
    },
    /// About to delete the old version: nothing referenced it at the check.
    DeleteIntent {
        /// The version to delete.
        version: String,
    },
    /// The delete's result: `refused` holds Lambda's reason when it would not delete.
    Deleted {
        /// The version.
        version: String,
        /// Lambda's message when it refused (something began to use the version); None when deleted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        refused: Option<String>,
    },
}

/// An alias change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Move to step `index` of the plan (the last step is 100 %).
    Shift {
        /// The step, from 0.
        index: usize,
        /// The candidate's share at that step, in percent.
        percent: f64,
    },
    /// Back to the baseline with no additional weights.
    Rollback,
}

/// What a pass (or an operator) decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The gates changed their minds; nothing to do yet.
    Evaluated,
    /// The step passed (or an operator promoted): shift to the next step.
    Advance,
    /// The step (or the bake) stayed inconclusive to its deadline: it runs another
    /// `min_step_duration`.
    Extend,
    /// The gates hold (shared degradation, or inconclusive under the `hold` policy): pause.
    Hold,
    /// A gate failed (or the inconclusive policy says so): back to the baseline.
    Rollback,
    /// The bake passed every gate (or an operator ended it): the deployment is done.
    BakeComplete,
    /// The pre-traffic parity verdict passed: the first shift may go.
    ParityPassed,
    /// The pre-traffic parity verdict failed (or never came): no traffic moves.
    ParityFailed,
}

/// Why a deployment is paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseCause {
    /// `cutover canary pause`.
    Operator,
    /// Inconclusive after every extension, under `inconclusive = "hold"`.
    Inconclusive,
    /// The baseline degrades as much as the candidate.
    SharedDegradation,
}

/// How a deployment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The candidate takes all traffic.
    Done,
    /// The alias is back on the baseline, or traffic never moved (failed parity).
    RolledBack,
}

/// Where a deployment is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    /// Started, no traffic moved yet.
    Pending,
    /// A step below 100 %, judged by its gates.
    Step {
        /// The step, from 0.
        index: usize,
        /// The candidate's share, in percent.
        percent: f64,
    },
    /// At 100 %, the gates still on, for the plan's `bake`.
    Bake,
    /// Stopped until `resume`, `promote` or `abort`.
    Paused {
        /// An operator, or the gates holding.
        cause: PauseCause,
        /// Why, in a sentence.
        reason: String,
    },
    /// The alias was changed outside the deployment; only `abort` goes on from here.
    Halted {
        /// What changed, with both sides.
        reason: String,
    },
    /// Finished with the candidate on all traffic.
    Done,
    /// Finished back on the baseline.
    RolledBack,
}

impl Phase {
    /// Done or rolled back: no command changes the alias any more.
    pub(crate) fn is_terminal(&self) -> bool {
        matches!(self, Phase::Done | Phase::RolledBack)
    }

    /// The phase for people: `step 2 (50%)`, `held (inconclusive)`.
    pub(crate) fn name(&self) -> String {
        match self {
            Phase::Pending => "pending".into(),
            Phase::Step { index, percent } => format!("step {} ({percent}%)", index + 1),
            Phase::Bake => "bake".into(),
            Phase::Paused { cause, .. } => match cause {
                PauseCause::Operator => "paused".into(),
                PauseCause::Inconclusive => "held (inconclusive)".into(),
                PauseCause::SharedDegradation => "held (baseline degraded too)".into(),
            },
            Phase::Halted { .. } => "halted".into(),
            Phase::Done => "done".into(),
            Phase::RolledBack => "rolled back".into(),
        }
    }
}

/// An intent whose outcome is not journaled yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PendingIntent {
    /// The intent record's sequence number.
    pub(crate) sequence: u64,
    /// The change.
    pub(crate) action: Action,
    /// The alias it started from.
    pub(crate) from: AliasSnapshot,
    /// The routing it sets.
    pub(crate) to: AliasTarget,
}

/// The fold of a journal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct DeploymentState {
    pub(crate) deployment_id: String,
    pub(crate) plan: CanaryPlan,
    pub(crate) baseline: BaselineFigures,
    #[serde(with = "crate::units::timestamp")]
    pub(crate) started_at: SystemTime,
    pub(crate) phase: Phase,
    /// The phase a pause or halt interrupted, restored by `resume`.
    pub(crate) interrupted: Option<Phase>,
    /// The alias as the controller last left it.
    pub(crate) alias: AliasSnapshot,
    pub(crate) pending: Option<PendingIntent>,
    /// When the current step (or the bake) began: when its alias change was applied.
    #[serde(with = "crate::units::optional_timestamp")]
    pub(crate) phase_since: Option<SystemTime>,
    /// Extensions granted in the current step.
    pub(crate) extensions: u32,
    /// The last journaled evaluation's signature (to record changes only).
    pub(crate) last_signature: Option<String>,
    pub(crate) last_evaluation: Option<Evaluation>,
    /// A `parity_passed` decision is journaled (the pre-traffic gate, when the plan has one).
    pub(crate) parity_passed: bool,
    pub(crate) next_sequence: u64,
}

/// Why a journal does not fold into a deployment's state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JournalError {
    /// No records: no deployment was ever started on the alias.
    #[error("the journal is empty")]
    Empty,
    /// A record's sequence number is not the next one.
    #[error("journal record {sequence}: expected sequence {expected}")]
    Gap {
        /// The record's sequence number.
        sequence: u64,
        /// The number it should have.
        expected: u64,
    },
    /// The journal holds no `started` record to open a deployment.
    #[error("journal record 1 must be `started`, found `{found}`")]
    NotStarted {
        /// The first record's event name.
        found: String,
    },
    /// An `applied` record whose intent is not the open one.
    #[error("journal record {sequence} refers to intent {intent}, which is not the open one")]
    UnknownIntent {
        /// The `applied` record's sequence number.
        sequence: u64,
        /// The intent it names.
        intent: u64,
    },
}

impl DeploymentState {
    /// Folds the journal's last deployment (a journal holds every deployment of its
    /// alias, one after the other, each opened by `started`).
    pub(crate) fn replay(records: &[JournalRecord]) -> Result<DeploymentState, JournalError> {
        for (index, record) in records.iter().enumerate() {
            if record.sequence != index as u64 + 1 {
                return Err(JournalError::Gap { sequence: record.sequence, expected: index as u64 + 1 });
            }
        }
        let start = records.iter().rposition(|record| matches!(record.event, Event::Started { .. })).unwrap_or(0);
        let records = &records[start..];
        let first = records.first().ok_or(JournalError::Empty)?;
        let Event::Started { deployment_id, plan, alias, baseline } = &first.event else {
            return Err(JournalError::NotStarted { found: event_name(&first.event).to_string() });
        };
        let mut state = DeploymentState {
            deployment_id: deployment_id.clone(),
            plan: (**plan).clone(),
            baseline: baseline.clone(),
            started_at: first.at,
            phase: Phase::Pending,
            interrupted: None,
            alias: alias.clone(),
            pending: None,
            phase_since: Some(first.at),
            extensions: 0,
            last_signature: None,
            last_evaluation: None,
            parity_passed: false,
            next_sequence: first.sequence + 1,
        };
        for record in &records[1..] {
            state.apply(record)?;
        }
        Ok(state)
    }

    /// Applies one record written after the state's last one.
    pub(crate) fn apply(&mut self, record: &JournalRecord) -> Result<(), JournalError> {
        if record.sequence != self.next_sequence {
            return Err(JournalError::Gap { sequence: record.sequence, expected: self.next_sequence });
        }
        self.next_sequence += 1;
        match &record.event {
            Event::Started { .. } => {}
            Event::Intent { action, from, to, .. } => {
                self.pending = Some(PendingIntent {
                    sequence: record.sequence,
                    action: action.clone(),
                    from: from.clone(),
                    to: to.clone(),
                });
            }
            Event::Applied { intent, alias, .. } => {
                let Some(pending) = self.pending.take().filter(|pending| pending.sequence == *intent) else {
                    return Err(JournalError::UnknownIntent { sequence: record.sequence, intent: *intent });
                };
                self.alias = alias.clone();
                self.phase_since = Some(record.at);
                self.extensions = 0;
                self.last_signature = None;
                self.interrupted = None;
                self.phase = match pending.action {
                    Action::Shift { index, percent } if percent >= 100.0 || index + 1 >= self.plan.steps.len() => {
                        Phase::Bake
                    }
                    Action::Shift { index, percent } => Phase::Step { index, percent },
                    Action::Rollback => Phase::RolledBack,
                };
            }
            Event::Decision { decision, evaluation, .. } => {
                if let Some(evaluation) = evaluation {
                    self.last_signature = Some(evaluation.signature());
                    self.last_evaluation = Some(evaluation.clone());
                }
                if *decision == Decision::Extend {
                    self.extensions += 1;
                }
                if *decision == Decision::ParityPassed {
                    self.parity_passed = true;
                }
            }
            Event::Halted { reason, observed, .. } => {
                self.pending = None;
                self.interrupt(Phase::Halted { reason: reason.clone() });
                self.alias = observed.clone();
            }
            Event::Paused { by, reason } => self.interrupt(Phase::Paused { cause: *by, reason: reason.clone() }),
            Event::Resumed { .. } => {
                if let Some(previous) = self.interrupted.take() {
                    self.phase = previous;
                }
                // A held step starts its clock again: the evidence it waited for is new.
                self.phase_since = Some(record.at);
                self.extensions = 0;
                self.last_signature = None;
            }
            // The deployment is over; decommissioning only leaves its trace.
            Event::Operator { .. } | Event::DeleteIntent { .. } | Event::Deleted { .. } => {}
            Event::Finished { outcome } => {
                self.phase = match outcome {
                    Outcome::Done => Phase::Done,
                    Outcome::RolledBack => Phase::RolledBack,
                };
            }
        }
        Ok(())
    }

    fn interrupt(&mut self, phase: Phase) {
        if !matches!(self.phase, Phase::Paused { .. } | Phase::Halted { .. }) {
            self.interrupted = Some(self.phase.clone());
        }
        self.phase = phase;
    }

    /// The candidate's share the alias is meant to have now, in percent.
    pub(crate) fn candidate_percent(&self) -> f64 {
        self.alias.routing.percent_to(&self.plan.candidate_version)
    }

    /// How long the current phase has run at `now`.
    pub(crate) fn phase_age(&self, now: SystemTime) -> Duration {
        self.phase_since.and_then(|since| now.duration_since(since).ok()).unwrap_or_default()
    }
}

/// The event's tag as the journal's JSON spells it: `started`, `intent`, `delete_intent`, ...
pub fn event_name(event: &Event) -> &'static str {
    match event {
        Event::Started { .. } => "started",
        Event::Intent { .. } => "intent",
        Event::Applied { .. } => "applied",
        Event::Decision { .. } => "decision",
        Event::Halted { .. } => "halted",
        Event::Paused { .. } => "paused",
        Event::Resumed { .. } => "resumed",
        Event::Operator { .. } => "operator",
        Event::Finished { .. } => "finished",
        Event::DeleteIntent { .. } => "delete_intent",
        Event::Deleted { .. } => "deleted",
    }
}
