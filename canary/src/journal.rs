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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalRecord {
    /// 1, 2, 3, … without gaps; a store refuses a sequence number that exists.
    pub sequence: u64,
    #[serde(with = "crate::units::timestamp")]
    pub at: SystemTime,
    /// The controller that wrote it (the lock holder).
    pub owner: String,
    pub event: Event,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Started {
        deployment_id: String,
        plan: Box<CanaryPlan>,
        alias: AliasSnapshot,
        baseline: BaselineFigures,
    },
    /// About to call UpdateAlias with `from.revision_id`.
    Intent {
        action: Action,
        from: AliasSnapshot,
        to: AliasTarget,
        reason: String,
    },
    /// The alias is seen at the intent's target (`recovered` when a later pass found it so).
    Applied {
        intent: u64,
        alias: AliasSnapshot,
        recovered: bool,
    },
    /// A pass decided something from the metrics: every record carries its evidence.
    Decision {
        decision: Decision,
        evaluation: Option<Evaluation>,
        reason: String,
        /// The pre-traffic gate's verdict and counts, on `parity_passed` / `parity_failed`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        parity: Option<ParityVerdict>,
    },
    /// Someone else changed the alias; the controller stops and overwrites nothing.
    Halted {
        reason: String,
        expected: AliasTarget,
        observed: AliasSnapshot,
    },
    Paused {
        by: PauseCause,
        reason: String,
    },
    Resumed {
        reason: String,
    },
    /// A human asked for something (`promote`, `promote --full`, `abort`, `resume --force`).
    Operator {
        command: String,
    },
    Finished {
        outcome: Outcome,
    },
    /// About to delete the old version: nothing referenced it at the check.
    DeleteIntent {
        version: String,
    },
    /// The delete's result: `refused` holds Lambda's reason when it would not delete.
    Deleted {
        version: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        refused: Option<String>,
    },
}

/// An alias change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Move to step `index` of the plan (the last step is 100 %).
    Shift { index: usize, percent: f64 },
    /// Back to the baseline with no additional weights.
    Rollback,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The gates changed their minds; nothing to do yet.
    Evaluated,
    Advance,
    Extend,
    Hold,
    Rollback,
    BakeComplete,
    /// The pre-traffic parity verdict passed: the first shift may go.
    ParityPassed,
    /// The pre-traffic parity verdict failed (or never came): no traffic moves.
    ParityFailed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PauseCause {
    Operator,
    /// Inconclusive after every extension, under `inconclusive = "hold"`.
    Inconclusive,
    /// The baseline degrades as much as the candidate.
    SharedDegradation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Done,
    RolledBack,
}

/// Where a deployment is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    /// Started, no traffic moved yet.
    Pending,
    Step {
        index: usize,
        percent: f64,
    },
    Bake,
    Paused {
        cause: PauseCause,
        reason: String,
    },
    Halted {
        reason: String,
    },
    Done,
    RolledBack,
}

impl Phase {
    pub fn is_terminal(&self) -> bool {
        matches!(self, Phase::Done | Phase::RolledBack)
    }

    pub fn name(&self) -> String {
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
pub struct PendingIntent {
    pub sequence: u64,
    pub action: Action,
    pub from: AliasSnapshot,
    pub to: AliasTarget,
}

/// The fold of a journal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeploymentState {
    pub deployment_id: String,
    pub plan: CanaryPlan,
    pub baseline: BaselineFigures,
    #[serde(with = "crate::units::timestamp")]
    pub started_at: SystemTime,
    pub phase: Phase,
    /// The phase a pause or halt interrupted, restored by `resume`.
    pub interrupted: Option<Phase>,
    /// The alias as the controller last left it.
    pub alias: AliasSnapshot,
    pub pending: Option<PendingIntent>,
    /// When the current step (or the bake) began: when its alias change was applied.
    #[serde(with = "crate::units::optional_timestamp")]
    pub phase_since: Option<SystemTime>,
    /// Extensions granted in the current step.
    pub extensions: u32,
    /// The last journaled evaluation's signature (to record changes only).
    pub last_signature: Option<String>,
    pub last_evaluation: Option<Evaluation>,
    /// A `parity_passed` decision is journaled (the pre-traffic gate, when the plan has one).
    pub parity_passed: bool,
    pub next_sequence: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JournalError {
    #[error("the journal is empty")]
    Empty,
    #[error("journal record {sequence}: expected sequence {expected}")]
    Gap { sequence: u64, expected: u64 },
    #[error("journal record 1 must be `started`, found `{found}`")]
    NotStarted { found: String },
    #[error("journal record {sequence} refers to intent {intent}, which is not the open one")]
    UnknownIntent { sequence: u64, intent: u64 },
}

impl DeploymentState {
    /// Folds the journal's last deployment (a journal holds every deployment of its
    /// alias, one after the other, each opened by `started`).
    pub fn replay(records: &[JournalRecord]) -> Result<DeploymentState, JournalError> {
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
    pub fn apply(&mut self, record: &JournalRecord) -> Result<(), JournalError> {
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
    pub fn candidate_percent(&self) -> f64 {
        self.alias.routing.percent_to(&self.plan.candidate_version)
    }

    /// How long the current phase has run at `now`.
    pub fn phase_age(&self, now: SystemTime) -> Duration {
        self.phase_since.and_then(|since| now.duration_since(since).ok()).unwrap_or_default()
    }

    /// The phase that counts for the gates: a paused step is still that step.
    pub fn running_phase(&self) -> &Phase {
        match (&self.phase, &self.interrupted) {
            (Phase::Paused { .. } | Phase::Halted { .. }, Some(previous)) => previous,
            (phase, _) => phase,
        }
    }
}

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
