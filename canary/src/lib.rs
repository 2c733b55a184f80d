//! The canary controller: moves one Lambda alias from a baseline version to a candidate
//! in gated steps (10 → 50 → 100 % by default), rolls back by itself, bakes at 100 %, and
//! never loses track of the alias.
//!
//! The parts, in the order a deployment uses them:
//! - [`CanarySettings`] (defaults, `[canary]` in cutover.toml, flags) become a
//!   [`CanaryPlan`] in [`Controller::preflight`], which also checks the alias, the
//!   versions, their role and DLQ, the metric dimensions and that nobody else deploys;
//! - [`Controller::tick`] is one idempotent reconcile pass: lock, fold the
//!   [`JournalRecord`]s into the deployment's state, read the alias, settle an interrupted
//!   change or drift, judge the step's closed periods with the gates (an [`Evaluation`]) and
//!   act, journaling an [`Event::Intent`] before every UpdateAlias and its outcome after;
//! - the gates read [`lambda_metrics::MetricSource`]; the alias is changed through
//!   [`LambdaControl`]; the journal and lock live in a [`StateStore`];
//! - before the first shift, the pre-traffic gate: a [`ParityVerdict`] from a
//!   `cutover parity` report (judged at preflight) or from a replay the controller runs
//!   ([`ParityCheck`], [`LambdaParity`]), journaled as a decision with its counts;
//! - adapters: [`SdkLambda`] (aws-sdk-lambda), [`FolderStore`] and [`DynamoStore`];
//!   [`fakes`] for tests in virtual time; [`rehearsal`] runs it all against the local
//!   emulator on a scaled clock.
//!
//! Every command returns a [`CanaryRun`] (or a [`Preflight`]); [`render`] turns them into
//! the human tables the CLI prints.

// A library computes; only the binary prints (ripgrep's rule): output goes through
// typed results and renderers, logs through `tracing` or a sink the caller chose.
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

mod alias;
mod connect;
mod control;
mod controller;
mod dynamo;
pub mod fakes;
mod gates;
mod journal;
mod lambda;
mod parity_gate;
mod plan;
pub mod rehearsal;
pub mod render;
mod settings;
mod statistics;
mod store;
mod units;

pub use alias::{AliasSnapshot, AliasTarget};
pub use connect::{SdkController, StateLocation, StateLocationError, owner_name, sdk_controller};
pub use control::{ControlError, LambdaControl, VersionReference, VersionSettings};
pub use controller::{
    CanaryError, CanaryRun, Check, Controller, CrashHook, CrashPoint, Decommission, DeploymentRequest, Preflight,
    RunStatus, StepExpectation,
};
pub use dynamo::DynamoStore;
pub use gates::{BaselineFigures, Evaluation, Figures, GateResult, Totals, Verdict};
pub use journal::{Action, Decision, Event, JournalError, JournalRecord, Outcome, PauseCause, Phase, event_name};
pub use lambda::SdkLambda;
pub use parity_gate::{LambdaParity, ParityCheck, ParityCheckError, ParityReportError, ParityVerdict, PreTraffic};
pub use plan::{CanaryPlan, CustomGate, GateSettings, InconclusivePolicy, LatencyGate, PlanError, validate_steps};
pub use settings::{CanarySettings, SettingsError};
pub use store::{FolderStore, LockInfo, StateStore, StoreError};
pub use units::{DurationError, format_duration, parse_duration};
