//! The controller: preflight, then one idempotent reconcile pass per [`Controller::tick`].
//!
//! A pass takes the lock (or renews it), folds the journal into the deployment's state,
//! reads the alias, and settles the one question a crash can leave open: an intent
//! without its outcome. The alias then either already shows the intended routing (the
//! outcome is journaled as recovered), or still carries the intent's starting RevisionId
//! (the change never reached Lambda, so it is made now), or shows anything else (someone
//! changed it: halt). Without an open intent, an alias whose RevisionId moved is drift:
//! halt, report both sides, overwrite nothing.
//!
//! Only then does the pass judge the gates over the closed periods of the current step
//! and act: advance, extend, hold, roll back, finish the bake. Every action is journaled
//! before it is made, carrying the evaluation behind it, and every UpdateAlias carries
//! the RevisionId the pass read. Time comes in as `now`, so tests and rehearsals drive
//! the same code in virtual or scaled time.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_metrics::{
    CustomMetricQuery, LambdaMetricsQuery, MetricDatapoint, MetricSource, MetricWindow, MetricsError, PeriodStats,
    Series,
};
use serde::Serialize;

use crate::alias::{AliasSnapshot, AliasTarget};
use crate::control::{ControlError, LambdaControl, VersionReference};
use crate::gates::{BaselineFigures, Evaluation, Evidence, Verdict, evaluate};
use crate::journal::{
    Action, Decision, DeploymentState, Event, JournalError, JournalRecord, Outcome, PauseCause, Phase,
};
use crate::parity_gate::{ParityCheckError, PreTraffic};
use crate::plan::{CanaryPlan, CustomGate, PlanError};
use crate::settings::CanarySettings;
use crate::statistics::{ProportionDifference, wilson_interval};
use crate::store::{LockInfo, StateStore, StoreError};
use crate::units::format_duration;

/// Where a crash drill stops a controller, as `kill -9` would.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CrashPoint {
    /// The intent is journaled; UpdateAlias not called.
    AfterIntent,
    /// UpdateAlias succeeded; its outcome not journaled.
    AfterUpdate,
}

impl CrashPoint {
    /// `after-intent` or `after-update` (the CLI's `CUTOVER_CANARY_CRASH_AT` values); None otherwise.
    pub fn parse(text: &str) -> Option<CrashPoint> {
        match text {
            "after-intent" => Some(CrashPoint::AfterIntent),
            "after-update" => Some(CrashPoint::AfterUpdate),
            _ => None,
        }
    }
}

/// Called at each crash point; `true` stops the controller there (the CLI aborts the
/// process, tests return [`CanaryError::Crashed`]).
pub type CrashHook = Arc<dyn Fn(CrashPoint) -> bool + Send + Sync>;

/// Why a controller command did not complete; [`CanaryError::is_input_error`] tells the
/// user's mistakes from failures on the way.
#[derive(Debug, thiserror::Error)]
pub enum CanaryError {
    /// The settings make no valid plan (steps, thresholds, lease).
    #[error("invalid plan")]
    Plan(#[from] PlanError),
    /// `start` refused: at least one preflight check failed; nothing was journaled.
    #[error("preflight failed: {}", .failures.join("; "))]
    Preflight {
        /// Each failed check as `check: detail`.
        failures: Vec<String>,
    },
    /// Lambda has no such function, version or alias.
    #[error("{what} not found")]
    NotFound {
        /// What was missing, such as `alias orders:live`.
        what: String,
    },
    /// The store holds no journal for the alias.
    #[error("no deployment of {function}:{alias} in {location}: start one with `cutover canary start`")]
    NoDeployment {
        /// The function asked about.
        function: String,
        /// The alias asked about.
        alias: String,
        /// The store's location.
        location: String,
    },
    /// The command does not apply in the deployment's phase (`promote` after `done`, ...).
    #[error("`{command}` does not apply to a deployment that is {phase}")]
    NotAllowed {
        /// The refused command.
        command: &'static str,
        /// The phase's name, sometimes with what to do instead.
        phase: String,
    },
    /// The journal does not fold into a state (a gap, a first record that is not
    /// `started`, an outcome of an intent that is not open).
    #[error("the state in {location} cannot be read")]
    Journal {
        /// The store's location.
        location: String,
        /// What is wrong with the records.
        #[source]
        source: JournalError,
    },
    /// The journal or lock could not be read or written, or the lock is someone else's.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A Lambda call failed (other than not found).
    #[error(transparent)]
    Lambda(ControlError),
    /// Reading metrics failed.
    #[error("reading metrics failed")]
    Metrics(#[from] MetricsError),
    /// A crash drill stopped the controller at this point (see [`CrashHook`]).
    #[error("stopped at the crash point {0:?} (drill)")]
    Crashed(CrashPoint),
    /// The pre-traffic replay could not run; the deployment was ended with no traffic moved.
    #[error("the pre-traffic parity replay gave no verdict")]
    Parity(#[from] ParityCheckError),
}

impl CanaryError {
    /// Errors in what the user asked for (exit 2), as opposed to failures on the way.
    pub fn is_input_error(&self) -> bool {
        match self {
            CanaryError::Plan(_)
            | CanaryError::Preflight { .. }
            | CanaryError::NotFound { .. }
            | CanaryError::NoDeployment { .. }
            | CanaryError::NotAllowed { .. }
            | CanaryError::Journal { .. } => true,
            CanaryError::Store(error) => {
                matches!(error, StoreError::LockHeld { .. } | StoreError::Corrupt { .. } | StoreError::BadItem { .. })
            }
            CanaryError::Parity(error) => error.is_input_error(),
            _ => false,
        }
    }
}

impl From<ControlError> for CanaryError {
    fn from(error: ControlError) -> Self {
        match error {
            ControlError::NotFound { what } => CanaryError::NotFound { what },
            other => CanaryError::Lambda(other),
        }
    }
}

/// What `start` and `plan` are asked for.
#[derive(Debug, Clone)]
pub struct DeploymentRequest {
    /// The function's name.
    pub function: String,
    /// The alias whose traffic moves.
    pub alias: String,
    /// The published version traffic moves to.
    pub candidate_version: String,
    /// Defaults to the version the alias is on.
    pub baseline_version: Option<String>,
    /// Steps, durations, gates and lease; the plan is made from them at preflight.
    pub settings: CanarySettings,
    /// The parity verdict the first shift waits for, if any.
    pub pre_traffic: PreTraffic,
}

/// One preflight check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// What was checked, such as `same role` or `metric dimensions`.
    pub check: String,
    /// Whether it passed; `start` needs every check to pass.
    pub passed: bool,
    /// What was found, in a sentence.
    pub detail: String,
}

/// What a step is expected to take, from the baseline's traffic before the start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepExpectation {
    /// The candidate's share in this step, in percent.
    pub percent: f64,
    /// The candidate's expected traffic at the baseline's pre-start rate, to 0.1.
    pub candidate_invocations_per_minute: f64,
    /// Invocations the error-rate and minimum-invocation gates need at the baseline's rate.
    pub invocations_to_pass: Option<u64>,
    /// `None` when the traffic cannot reach it before the step's deadline.
    #[serde(serialize_with = "optional_duration")]
    pub expected_duration: Option<Duration>,
    /// Percentiles that get enough samples per period at this share.
    pub latency_judged: Vec<String>,
    /// Percentiles with too few samples per period at this share: reported, never judged.
    pub latency_not_judged: Vec<String>,
}

fn optional_duration<S: serde::Serializer>(value: &Option<Duration>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(duration) => serializer.serialize_some(&format_duration(*duration)),
        None => serializer.serialize_none(),
    }
}

/// `cutover canary plan`: the plan, the checks, what each step should take.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preflight {
    /// The plan `start` would journal.
    pub plan: CanaryPlan,
    /// Every check, passed or not.
    pub checks: Vec<Check>,
    /// The baseline's traffic over the preflight lookback: the reference of the bake's gates.
    pub baseline: BaselineFigures,
    /// One expectation per step of the plan.
    pub steps: Vec<StepExpectation>,
}

impl Preflight {
    /// True when every check passed, so `start` may go.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|check| check.passed)
    }

    /// The failed checks as `check: detail`.
    pub fn failures(&self) -> Vec<String> {
        self.checks
            .iter()
            .filter(|check| !check.passed)
            .map(|check| format!("{}: {}", check.check, check.detail))
            .collect()
    }
}

/// A deployment's state after a command: the result every `cutover canary` command renders.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CanaryRun {
    /// `d-<epoch seconds>-<8 hex digits>`, new for every `start`.
    pub deployment_id: String,
    /// The function's name.
    pub function: String,
    /// The alias being moved.
    pub alias: String,
    /// The version the alias was on at the start.
    pub baseline_version: String,
    /// The version traffic moves to.
    pub candidate_version: String,
    /// The phase, coarsely: what an operator or a script branches on.
    pub status: RunStatus,
    /// Where the deployment is, as the journal folds.
    pub phase: Phase,
    /// The phase for people: `step 2 (50%)`, `held (inconclusive)`, `rolled back`.
    pub phase_name: String,
    /// The candidate's share of the alias's traffic as the journal left it, in percent.
    pub candidate_percent: f64,
    /// The plan's steps, in percent.
    pub steps: Vec<f64>,
    /// When the deployment was started.
    #[serde(with = "crate::units::timestamp")]
    pub started_at: SystemTime,
    /// When the current phase began: the start, its alias change applied, or a pause lifted.
    #[serde(with = "crate::units::optional_timestamp")]
    pub phase_since: Option<SystemTime>,
    /// The alias as this command read it.
    pub alias_observed: Option<AliasSnapshot>,
    /// What the command wrote to the journal.
    pub records: Vec<JournalRecord>,
    /// The latest gate evaluation: this command's, else the last one journaled; None before any.
    pub evaluation: Option<Evaluation>,
    /// What the deployment waits for, in a sentence.
    pub waiting_for: Option<String>,
    /// The lock as the store held it after the command; None when nobody holds it.
    pub lock: Option<LockInfo>,
    /// After `done`: what still references the baseline version.
    pub decommission: Option<Decommission>,
}

/// A deployment's [`Phase`] in five words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Pending, in a step or baking: ticks move it on.
    Running,
    /// Paused by an operator or held by the gates: waits for `resume`, `promote` or `abort`.
    Paused,
    /// The alias was changed outside the deployment: nothing moves until `abort`.
    Halted,
    /// The candidate takes all traffic and passed the bake.
    Done,
    /// The alias is back on the baseline (a gate, the inconclusive policy, parity or `abort`).
    RolledBack,
}

/// Everything that still points at the old version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decommission {
    /// The baseline version the deployment replaced.
    pub version: String,
    /// What still points at it, aliases included (and `delete-refused` when Lambda refused).
    pub references: Vec<VersionReference>,
    /// Whether this command deleted the version.
    pub deleted: bool,
}

impl Decommission {
    /// True when nothing references the version, so deleting it breaks no caller.
    pub fn safe(&self) -> bool {
        self.references.is_empty()
    }
}

/// The controller of one alias: generic over the Lambda control plane, the metrics and
/// the state store.
pub struct Controller<L, M, S> {
    lambda: L,
    metrics: M,
    store: S,
    owner: String,
    crash_hook: Option<CrashHook>,
}

/// A pass in progress: the state and what it wrote.
struct Pass {
    state: DeploymentState,
    records: Vec<JournalRecord>,
    observed: Option<AliasSnapshot>,
    evaluation: Option<Evaluation>,
    waiting_for: Option<String>,
}

impl<L: LambdaControl, M: MetricSource, S: StateStore> Controller<L, M, S> {
    /// `owner` names this controller in the lock and the journal (host, process, run).
    pub fn new(lambda: L, metrics: M, store: S, owner: impl Into<String>) -> Self {
        Controller { lambda, metrics, store, owner: owner.into(), crash_hook: None }
    }

    /// The same controller, stopping wherever `hook` says (crash drills).
    pub fn with_crash_hook(mut self, hook: CrashHook) -> Self {
        self.crash_hook = Some(hook);
        self
    }

    pub(crate) fn lambda(&self) -> &L {
        &self.lambda
    }

    pub(crate) fn metrics(&self) -> &M {
        &self.metrics
    }

    /// The checks and the plan; changes nothing.
    pub async fn preflight(&self, request: &DeploymentRequest, now: SystemTime) -> Result<Preflight, CanaryError> {
        crate::plan::validate_steps(&request.settings.steps)?;
        request.settings.gates.validate()?;
        let function = &request.function;
        let alias = self.lambda.get_alias(function, &request.alias).await?;
        let baseline_version = request.baseline_version.clone().unwrap_or_else(|| alias.routing.version.clone());
        let mut checks = Vec::new();
        let mut check =
            |name: &str, passed: bool, detail: String| checks.push(Check { check: name.into(), passed, detail });

        let versions = self.lambda.list_versions(function).await?;
        let latest = |version: &str| version == "$LATEST";
        for (role, version) in [("baseline", &baseline_version), ("candidate", &request.candidate_version)] {
            let known = versions.iter().any(|known| known == version);
            check(
                &format!("{role} version"),
                known && !latest(version),
                if latest(version) {
                    "$LATEST cannot be routed by weight: publish a version".into()
                } else if known {
                    format!("{function}:{version} is published")
                } else {
                    format!("{function}:{version} does not exist (published: {})", versions.join(", "))
                },
            );
        }
        let on_baseline = alias.routing.same_routing(&AliasTarget::only(&baseline_version));
        check(
            "alias on baseline",
            on_baseline,
            if on_baseline {
                format!("{function}:{} routes all traffic to {baseline_version}", request.alias)
            } else {
                format!("{function}:{} is at {}, not all on {baseline_version}", request.alias, alias.routing)
            },
        );

        let baseline_settings = self.lambda.version_settings(function, &baseline_version).await;
        let candidate_settings = self.lambda.version_settings(function, &request.candidate_version).await;
        let mut timeout = Duration::from_secs(3);
        if let (Ok(baseline), Ok(candidate)) = (&baseline_settings, &candidate_settings) {
            timeout = baseline.timeout.max(candidate.timeout);
            check(
                "same role",
                baseline.role == candidate.role,
                format!(
                    "baseline {} / candidate {}",
                    baseline.role.as_deref().unwrap_or("none"),
                    candidate.role.as_deref().unwrap_or("none")
                ),
            );
            check(
                "same dead-letter queue",
                baseline.dead_letter_target == candidate.dead_letter_target,
                format!(
                    "baseline {} / candidate {}",
                    baseline.dead_letter_target.as_deref().unwrap_or("none"),
                    candidate.dead_letter_target.as_deref().unwrap_or("none")
                ),
            );
        }

        let sets = self.metrics.dimension_sets(function).await?;
        let resource = format!("{function}:{}", request.alias);
        let by_version = sets.iter().any(|set| {
            set.dimensions.get("Resource") == Some(&resource)
                && set.dimensions.get("ExecutedVersion") == Some(&baseline_version)
        });
        check(
            "metric dimensions",
            by_version,
            if by_version {
                format!("AWS/Lambda metrics exist for Resource={resource}, ExecutedVersion={baseline_version}")
            } else {
                format!(
                    "no AWS/Lambda metrics by Resource={resource} and ExecutedVersion={baseline_version}: is the alias invoked?"
                )
            },
        );

        let records = self.store.read().await?;
        let active = match DeploymentState::replay(&records) {
            Ok(state) if !state.phase.is_terminal() => Some(format!(
                "deployment {} ({}, since {}) holds the alias: resume or abort it",
                state.deployment_id,
                state.phase.name(),
                crate::units::format_time(state.started_at)
            )),
            Ok(_) | Err(JournalError::Empty) => None,
            Err(source) => return Err(CanaryError::Journal { location: self.store.location(), source }),
        };
        let lock = self.store.lock_info().await?.filter(|lock| lock.expires > now && lock.owner != self.owner);
        let free = active.is_none() && lock.is_none();
        check(
            "no other deployment",
            free,
            match (active, lock) {
                (Some(active), _) => active,
                (None, Some(lock)) => {
                    format!("{} holds the lock since {}", lock.owner, crate::units::format_time(lock.since))
                }
                (None, None) => format!("no deployment in progress in {}", self.store.location()),
            },
        );

        match &request.pre_traffic {
            PreTraffic::None => {}
            PreTraffic::Report(verdict) => {
                let judged = verdict.admits(function, &request.candidate_version);
                check("parity", judged.is_ok(), judged.unwrap_or_else(|refused| refused));
            }
            PreTraffic::Replay(parity) => check(
                "parity",
                true,
                format!(
                    "{} against {function}:{baseline_version} and {function}:{} after the start, before the first shift",
                    parity.describe(),
                    request.candidate_version
                ),
            ),
        }

        let mut plan =
            request.settings.plan(function, &request.alias, &baseline_version, &request.candidate_version, timeout);
        plan.pre_traffic = request.pre_traffic.describe();
        if let Err(error) = plan.validate() {
            checks.push(Check { check: "plan".into(), passed: false, detail: error.to_string() });
        }
        let lookback = request.settings.preflight_lookback;
        let window = MetricWindow::closed(now, plan.lateness, plan.period, lookback);
        let baseline_periods = self.lambda_periods(&plan, &baseline_version, &window).await?;
        let mut baseline = BaselineFigures::from_periods(&window, &baseline_periods, &plan.gates.latency);
        baseline.alias_throttles =
            self.alias_throttles(&plan, &window).await?.iter().map(|point| point.value.max(0.0).round() as u64).sum();
        let steps = expectations(&plan, &baseline, &window);
        Ok(Preflight { plan, checks, baseline, steps })
    }

    /// Preflight, lock, journal, first pass.
    pub async fn start(
        &self,
        request: &DeploymentRequest,
        now: SystemTime,
        force: bool,
    ) -> Result<CanaryRun, CanaryError> {
        let preflight = self.preflight(request, now).await?;
        if !preflight.passed() {
            return Err(CanaryError::Preflight { failures: preflight.failures() });
        }
        self.store.acquire(&self.owner, now, preflight.plan.lease, force).await?;
        // Under the lock, nobody started one since the preflight looked.
        let records = self.store.read().await?;
        if let Ok(state) = DeploymentState::replay(&records)
            && !state.phase.is_terminal()
        {
            return Err(CanaryError::Preflight {
                failures: vec![format!("deployment {} started meanwhile and holds the alias", state.deployment_id)],
            });
        }
        let alias = self.lambda.get_alias(&request.function, &request.alias).await?;
        let record = JournalRecord {
            sequence: records.last().map(|last| last.sequence + 1).unwrap_or(1),
            at: now,
            owner: self.owner.clone(),
            event: Event::Started {
                deployment_id: new_deployment_id(now),
                plan: Box::new(preflight.plan.clone()),
                alias,
                baseline: preflight.baseline.clone(),
            },
        };
        self.store.append(&record).await?;
        let state = self.load(&request.function, &request.alias).await?;
        let mut pass = Pass { state, records: vec![record], observed: None, evaluation: None, waiting_for: None };
        if !self.pre_traffic(&mut pass, request, now).await? {
            return self.finish(pass, now).await;
        }
        let mut run = self.tick(&request.function, &request.alias, now).await?;
        run.records.splice(0..0, pass.records);
        Ok(run)
    }

    /// Journals the pre-traffic parity verdict (a report's, or a replay's it runs now).
    /// `false` when it failed: the deployment is then over, with no traffic moved.
    async fn pre_traffic(
        &self,
        pass: &mut Pass,
        request: &DeploymentRequest,
        now: SystemTime,
    ) -> Result<bool, CanaryError> {
        let (baseline, candidate) =
            (pass.state.plan.baseline_version.clone(), pass.state.plan.candidate_version.clone());
        let verdict = match &request.pre_traffic {
            PreTraffic::None => return Ok(true),
            PreTraffic::Report(verdict) => Ok(verdict.clone()),
            PreTraffic::Replay(parity) => parity.verdict(&request.function, &baseline, &candidate).await,
        };
        match verdict {
            Ok(verdict) => {
                let passed = verdict.passed;
                let (decision, word) =
                    if passed { (Decision::ParityPassed, "passed") } else { (Decision::ParityFailed, "failed") };
                let reason = format!(
                    "pre-traffic parity {word} ({}, {} against {}): {}",
                    verdict.source, verdict.candidate, verdict.baseline, verdict.reason
                );
                self.append(pass, now, Event::Decision { decision, evaluation: None, reason, parity: Some(verdict) })
                    .await?;
                if !passed {
                    self.append(pass, now, Event::Finished { outcome: Outcome::RolledBack }).await?;
                }
                Ok(passed)
            }
            Err(error) => {
                let reason =
                    format!("pre-traffic parity gave no verdict, so no traffic moves: {}", error_chain(&error));
                self.append(
                    pass,
                    now,
                    Event::Decision { decision: Decision::ParityFailed, evaluation: None, reason, parity: None },
                )
                .await?;
                self.append(pass, now, Event::Finished { outcome: Outcome::RolledBack }).await?;
                Err(error.into())
            }
        }
    }

    /// One reconcile pass.
    pub async fn tick(&self, function: &str, alias: &str, now: SystemTime) -> Result<CanaryRun, CanaryError> {
        let mut pass = self.begin(function, alias, now, false).await?;
        self.reconcile(&mut pass, now).await?;
        self.finish(pass, now).await
    }

    /// The state as the journal and the alias show it; writes nothing, takes no lock.
    pub async fn status(&self, function: &str, alias: &str, now: SystemTime) -> Result<CanaryRun, CanaryError> {
        let state = self.load(function, alias).await?;
        let observed = self.lambda.get_alias(&state.plan.function, &state.plan.alias).await.ok();
        let mut pass =
            Pass { evaluation: state.last_evaluation.clone(), state, records: Vec::new(), observed, waiting_for: None };
        pass.waiting_for = waiting_for(&pass.state, now, pass.evaluation.as_ref());
        let lock = self.store.lock_info().await?;
        Ok(self.run(pass, lock))
    }

    /// The current deployment's records.
    pub async fn history(&self, function: &str, alias: &str) -> Result<Vec<JournalRecord>, CanaryError> {
        self.load(function, alias).await?;
        let records = self.store.read().await?;
        let start = records.iter().rposition(|record| matches!(record.event, Event::Started { .. })).unwrap_or(0);
        Ok(records[start..].to_vec())
    }

    /// Stops the deployment where it is (after settling an interrupted change) until
    /// `resume`, `promote` or `abort`; `reason` is journaled.
    pub async fn pause(
        &self,
        function: &str,
        alias: &str,
        now: SystemTime,
        reason: &str,
    ) -> Result<CanaryRun, CanaryError> {
        let mut pass = self.begin(function, alias, now, false).await?;
        if !matches!(pass.state.phase, Phase::Pending | Phase::Step { .. } | Phase::Bake) {
            return Err(CanaryError::NotAllowed { command: "pause", phase: pass.state.phase.name() });
        }
        self.settle(&mut pass, now).await?;
        if !matches!(pass.state.phase, Phase::Halted { .. }) {
            self.append(&mut pass, now, Event::Paused { by: PauseCause::Operator, reason: reason.to_string() }).await?;
        }
        self.finish(pass, now).await
    }

    /// Settles an interrupted change, lifts a pause, and runs a pass. `force` takes over a
    /// live lease (the other controller is known to be gone).
    pub async fn resume(
        &self,
        function: &str,
        alias: &str,
        now: SystemTime,
        force: bool,
    ) -> Result<CanaryRun, CanaryError> {
        let mut pass = self.begin(function, alias, now, force).await?;
        if force {
            self.append(&mut pass, now, Event::Operator { command: "resume --force".into() }).await?;
        }
        if let Phase::Halted { reason } = &pass.state.phase {
            return Err(CanaryError::NotAllowed {
                command: "resume",
                phase: format!("halted ({reason}); `abort` rolls back from the alias as it is now"),
            });
        }
        self.settle(&mut pass, now).await?;
        if matches!(pass.state.phase, Phase::Paused { .. }) {
            self.append(&mut pass, now, Event::Resumed { reason: "resumed by an operator".into() }).await?;
        }
        self.reconcile(&mut pass, now).await?;
        self.finish(pass, now).await
    }

    /// Next step now (or 100 % with `full`), skipping the gates; in the bake, done now.
    pub async fn promote(
        &self,
        function: &str,
        alias: &str,
        now: SystemTime,
        full: bool,
    ) -> Result<CanaryRun, CanaryError> {
        let mut pass = self.begin(function, alias, now, false).await?;
        self.settle(&mut pass, now).await?;
        let command = if full { "promote --full" } else { "promote" };
        if matches!(pass.state.phase, Phase::Halted { .. }) || pass.state.phase.is_terminal() {
            return Err(CanaryError::NotAllowed { command: "promote", phase: pass.state.phase.name() });
        }
        self.append(&mut pass, now, Event::Operator { command: command.into() }).await?;
        if matches!(pass.state.phase, Phase::Paused { .. }) {
            self.append(&mut pass, now, Event::Resumed { reason: format!("`{command}`") }).await?;
        }
        let last = pass.state.plan.steps.len() - 1;
        match pass.state.phase.clone() {
            Phase::Pending => {
                let index = if full { last } else { 0 };
                self.shift(&mut pass, now, index, format!("`{command}` by an operator")).await?;
            }
            Phase::Step { index, .. } => {
                let next = if full { last } else { (index + 1).min(last) };
                self.decide(
                    &mut pass,
                    now,
                    Decision::Advance,
                    None,
                    format!("`{command}` by an operator, gates skipped"),
                )
                .await?;
                self.shift(&mut pass, now, next, format!("`{command}` by an operator")).await?;
            }
            Phase::Bake => {
                self.decide(
                    &mut pass,
                    now,
                    Decision::BakeComplete,
                    None,
                    format!("`{command}` by an operator ended the bake"),
                )
                .await?;
                self.append(&mut pass, now, Event::Finished { outcome: Outcome::Done }).await?;
            }
            phase => return Err(CanaryError::NotAllowed { command: "promote", phase: phase.name() }),
        }
        self.finish(pass, now).await
    }

    /// Back to the baseline now. From a halt, the rollback starts from the alias as it is
    /// now: an operator asked for it, having seen what changed.
    pub async fn abort(&self, function: &str, alias: &str, now: SystemTime) -> Result<CanaryRun, CanaryError> {
        let mut pass = self.begin(function, alias, now, false).await?;
        if pass.state.phase.is_terminal() {
            return Err(CanaryError::NotAllowed { command: "abort", phase: pass.state.phase.name() });
        }
        if !matches!(pass.state.phase, Phase::Halted { .. }) {
            self.settle(&mut pass, now).await?;
        }
        if pass.state.phase.is_terminal() {
            return self.finish(pass, now).await;
        }
        self.append(&mut pass, now, Event::Operator { command: "abort".into() }).await?;
        if let Phase::Halted { .. } = pass.state.phase {
            let observed = self.lambda.get_alias(&pass.state.plan.function, &pass.state.plan.alias).await?;
            pass.state.alias = observed.clone();
            pass.observed = Some(observed);
        }
        self.rollback(&mut pass, now, "`abort` by an operator".into()).await?;
        self.finish(pass, now).await
    }

    /// What still references the baseline version; deletes it when nothing does and `delete`.
    pub async fn decommission(
        &self,
        function: &str,
        alias: &str,
        now: SystemTime,
        delete: bool,
    ) -> Result<CanaryRun, CanaryError> {
        let state = self.load(function, alias).await?;
        if state.phase != Phase::Done {
            return Err(CanaryError::NotAllowed { command: "decommission", phase: state.phase.name() });
        }
        let version = state.plan.baseline_version.clone();
        let mut references: Vec<VersionReference> = self
            .lambda
            .list_aliases(function)
            .await?
            .into_iter()
            .filter(|(_, routing)| {
                routing.version == version || routing.additional_version_weights.contains_key(&version)
            })
            .map(|(name, routing)| VersionReference {
                kind: "alias".into(),
                detail: format!("{function}:{name} routes to {routing}"),
            })
            .collect();
        references.extend(self.lambda.version_references(function, &version).await?);
        let mut deleted = false;
        if delete && references.is_empty() {
            // Deleting is a change to AWS like any alias shift: under the lock, journaled
            // before it is made and after, so `history` explains a version that is gone.
            let mut pass = self.begin(function, alias, now, false).await?;
            self.append(&mut pass, now, Event::DeleteIntent { version: version.clone() }).await?;
            let refused = match self.lambda.delete_version(function, &version).await {
                Ok(()) => {
                    deleted = true;
                    None
                }
                // Something began to use the version after the check: Lambda's refusal is
                // the reference that was missed.
                Err(ControlError::Conflict { message }) => {
                    references.push(VersionReference { kind: "delete-refused".into(), detail: message.clone() });
                    Some(message)
                }
                Err(error) => return Err(error.into()),
            };
            self.append(&mut pass, now, Event::Deleted { version: version.clone(), refused }).await?;
        }
        let mut run = self.status(function, alias, now).await?;
        run.decommission = Some(Decommission { version, references, deleted });
        Ok(run)
    }

    async fn load(&self, function: &str, alias: &str) -> Result<DeploymentState, CanaryError> {
        let records = self.store.read().await?;
        match DeploymentState::replay(&records) {
            Ok(state) => Ok(state),
            Err(JournalError::Empty) => Err(CanaryError::NoDeployment {
                function: function.to_string(),
                alias: alias.to_string(),
                location: self.store.location(),
            }),
            Err(source) => Err(CanaryError::Journal { location: self.store.location(), source }),
        }
    }

    async fn begin(&self, function: &str, alias: &str, now: SystemTime, force: bool) -> Result<Pass, CanaryError> {
        let lease = match self.load(function, alias).await {
            Ok(state) => state.plan.lease,
            Err(error) => return Err(error),
        };
        self.store.acquire(&self.owner, now, lease, force).await?;
        // Read again under the lock: another controller may have written before we got it.
        let state = self.load(function, alias).await?;
        Ok(Pass { state, records: Vec::new(), observed: None, evaluation: None, waiting_for: None })
    }

    async fn finish(&self, mut pass: Pass, now: SystemTime) -> Result<CanaryRun, CanaryError> {
        if pass.waiting_for.is_none() {
            pass.waiting_for =
                waiting_for(&pass.state, now, pass.evaluation.as_ref().or(pass.state.last_evaluation.as_ref()));
        }
        let lock = self.store.lock_info().await?;
        Ok(self.run(pass, lock))
    }

    /// Gives the lock up (the `start` loop's end, a one-shot `tick`).
    pub async fn release(&self) -> Result<(), CanaryError> {
        self.store.release(&self.owner).await?;
        Ok(())
    }

    fn run(&self, pass: Pass, lock: Option<LockInfo>) -> CanaryRun {
        let state = pass.state;
        let status = match &state.phase {
            Phase::Pending | Phase::Step { .. } | Phase::Bake => RunStatus::Running,
            Phase::Paused { .. } => RunStatus::Paused,
            Phase::Halted { .. } => RunStatus::Halted,
            Phase::Done => RunStatus::Done,
            Phase::RolledBack => RunStatus::RolledBack,
        };
        CanaryRun {
            deployment_id: state.deployment_id.clone(),
            function: state.plan.function.clone(),
            alias: state.plan.alias.clone(),
            baseline_version: state.plan.baseline_version.clone(),
            candidate_version: state.plan.candidate_version.clone(),
            status,
            phase_name: state.phase.name(),
            candidate_percent: state.candidate_percent(),
            steps: state.plan.steps.clone(),
            started_at: state.started_at,
            phase_since: state.phase_since,
            alias_observed: pass.observed,
            records: pass.records,
            evaluation: pass.evaluation.or(state.last_evaluation.clone()),
            waiting_for: pass.waiting_for,
            lock,
            decommission: None,
            phase: state.phase,
        }
    }

    async fn append(&self, pass: &mut Pass, now: SystemTime, event: Event) -> Result<(), CanaryError> {
        let record = JournalRecord { sequence: pass.state.next_sequence, at: now, owner: self.owner.clone(), event };
        self.store.append(&record).await?;
        pass.state.apply(&record).map_err(|source| CanaryError::Journal { location: self.store.location(), source })?;
        pass.records.push(record);
        Ok(())
    }

    async fn decide(
        &self,
        pass: &mut Pass,
        now: SystemTime,
        decision: Decision,
        evaluation: Option<Evaluation>,
        reason: String,
    ) -> Result<(), CanaryError> {
        self.append(pass, now, Event::Decision { decision, evaluation, reason, parity: None }).await
    }

    /// Reads the alias and settles an open intent or drift. Afterwards `pass.observed` is
    /// the alias as it is, and the journal explains it (or the deployment is halted).
    async fn settle(&self, pass: &mut Pass, now: SystemTime) -> Result<(), CanaryError> {
        if pass.state.phase.is_terminal() {
            return Ok(());
        }
        let (function, alias) = (pass.state.plan.function.clone(), pass.state.plan.alias.clone());
        let observed = self.lambda.get_alias(&function, &alias).await?;
        pass.observed = Some(observed.clone());
        if let Some(pending) = pass.state.pending.clone() {
            if observed.routing.same_routing(&pending.to) {
                self.append(pass, now, Event::Applied { intent: pending.sequence, alias: observed, recovered: true })
                    .await?;
            } else if observed.revision_id == pending.from.revision_id {
                // The change never reached Lambda: make it now, under the same intent.
                self.apply_intent(pass, now, pending.sequence, &pending.to, &observed).await?;
            } else {
                self.halt(
                    pass,
                    now,
                    pending.to.clone(),
                    observed,
                    "the alias changed while a change of ours was in flight",
                )
                .await?;
            }
            return Ok(());
        }
        if matches!(pass.state.phase, Phase::Halted { .. }) {
            return Ok(());
        }
        if observed.revision_id != pass.state.alias.revision_id
            || !observed.routing.same_routing(&pass.state.alias.routing)
        {
            let expected = pass.state.alias.routing.clone();
            self.halt(pass, now, expected, observed, "the alias was changed outside this deployment").await?;
        }
        Ok(())
    }

    async fn halt(
        &self,
        pass: &mut Pass,
        now: SystemTime,
        expected: AliasTarget,
        observed: AliasSnapshot,
        why: &str,
    ) -> Result<(), CanaryError> {
        let reason = format!(
            "{why}: expected {expected}, found {} (revision {}); nothing was overwritten",
            observed.routing, observed.revision_id
        );
        pass.observed = Some(observed.clone());
        self.append(pass, now, Event::Halted { reason, expected, observed }).await
    }

    async fn reconcile(&self, pass: &mut Pass, now: SystemTime) -> Result<(), CanaryError> {
        self.settle(pass, now).await?;
        if pass.state.pending.is_some() {
            return Ok(());
        }
        match pass.state.phase.clone() {
            Phase::Pending if pass.state.plan.pre_traffic.is_some() && !pass.state.parity_passed => {
                // `start` journals the verdict before its first pass; a controller that
                // stopped during the replay left none, and no traffic moves without one.
                let reason = "no pre-traffic parity verdict was journaled (the controller stopped during the replay): no traffic moves; start again";
                self.decide(pass, now, Decision::ParityFailed, None, reason.into()).await?;
                self.append(pass, now, Event::Finished { outcome: Outcome::RolledBack }).await
            }
            Phase::Pending => self.shift(pass, now, 0, "deployment started".into()).await,
            Phase::Step { index, percent } => self.judge_step(pass, now, index, percent).await,
            Phase::Bake => self.judge_bake(pass, now).await,
            Phase::Paused { .. } | Phase::Halted { .. } | Phase::Done | Phase::RolledBack => Ok(()),
        }
    }

    async fn judge_step(
        &self,
        pass: &mut Pass,
        now: SystemTime,
        index: usize,
        percent: f64,
    ) -> Result<(), CanaryError> {
        let plan = pass.state.plan.clone();
        let since = pass.state.phase_since.unwrap_or(now);
        let window = step_window(&plan, since, now);
        let evaluation = self.evaluate(pass, &window, true).await?;
        let age = pass.state.phase_age(now);
        let step_text = format!("step {} ({percent}%)", index + 1);
        match evaluation.verdict {
            Verdict::Fail => {
                let failing = evaluation.failing_summary();
                let reason = format!("{step_text} failed: {failing}");
                self.decide(pass, now, Decision::Rollback, Some(evaluation), reason.clone()).await?;
                self.rollback(pass, now, reason).await
            }
            Verdict::Hold => {
                let reason = format!("{step_text}: the baseline degrades as much as the candidate");
                self.decide(pass, now, Decision::Hold, Some(evaluation), reason.clone()).await?;
                self.append(pass, now, Event::Paused { by: PauseCause::SharedDegradation, reason }).await
            }
            Verdict::Pass if age >= plan.min_step_duration => {
                let reason = format!("{step_text} passed every gate after {}", format_duration(age));
                self.decide(pass, now, Decision::Advance, Some(evaluation), reason.clone()).await?;
                self.shift(pass, now, index + 1, reason).await
            }
            _ => self.inconclusive(pass, now, evaluation, &step_text, plan.min_step_duration, age).await,
        }
    }

    async fn judge_bake(&self, pass: &mut Pass, now: SystemTime) -> Result<(), CanaryError> {
        let plan = pass.state.plan.clone();
        let since = pass.state.phase_since.unwrap_or(now);
        let age = pass.state.phase_age(now);
        let whole = step_window(&plan, since, now);
        let done = age >= plan.bake;
        // During the bake, a rolling window catches a late regression; at its end the
        // whole bake must pass.
        let window = if done {
            whole
        } else {
            let rolling_start = whole.end.checked_sub(plan.bake_window).unwrap_or(whole.start).max(whole.start);
            MetricWindow { start: align_down(rolling_start, plan.period), ..whole }
        };
        let evaluation = self.evaluate(pass, &window, false).await?;
        match evaluation.verdict {
            Verdict::Fail => {
                let failing = evaluation.failing_summary();
                let reason = format!("bake failed after {}: {failing}", format_duration(age));
                self.decide(pass, now, Decision::Rollback, Some(evaluation), reason.clone()).await?;
                self.rollback(pass, now, reason).await
            }
            Verdict::Hold => {
                let reason = "bake: the gates hold".to_string();
                self.decide(pass, now, Decision::Hold, Some(evaluation), reason.clone()).await?;
                self.append(pass, now, Event::Paused { by: PauseCause::SharedDegradation, reason }).await
            }
            Verdict::Pass if done => {
                let reason = format!("bake of {} passed every gate", format_duration(plan.bake));
                self.decide(pass, now, Decision::BakeComplete, Some(evaluation), reason).await?;
                self.append(pass, now, Event::Finished { outcome: Outcome::Done }).await
            }
            _ if done => self.inconclusive(pass, now, evaluation, "bake", plan.bake, age).await,
            _ => self.record_if_changed(pass, now, evaluation).await,
        }
    }

    /// Extends a step while its evidence is inconclusive, then applies the policy.
    async fn inconclusive(
        &self,
        pass: &mut Pass,
        now: SystemTime,
        evaluation: Evaluation,
        what: &str,
        base: Duration,
        age: Duration,
    ) -> Result<(), CanaryError> {
        let plan = pass.state.plan.clone();
        let deadline = base + plan.min_step_duration.saturating_mul(pass.state.extensions);
        if age < deadline {
            return self.record_if_changed(pass, now, evaluation).await;
        }
        let open: Vec<String> = evaluation
            .gates
            .iter()
            .filter(|gate| gate.required && gate.verdict != Verdict::Pass)
            .map(|gate| format!("{}: {}", gate.gate, gate.reason))
            .collect();
        let open = open.join("; ");
        if pass.state.extensions < plan.max_extensions {
            let reason = format!(
                "{what} inconclusive after {} ({open}); extended by {} ({} of {})",
                format_duration(age),
                format_duration(plan.min_step_duration),
                pass.state.extensions + 1,
                plan.max_extensions
            );
            return self.decide(pass, now, Decision::Extend, Some(evaluation), reason).await;
        }
        let reason = format!(
            "{what} still inconclusive after {} and {} extensions ({open})",
            format_duration(age),
            plan.max_extensions
        );
        match plan.inconclusive_policy {
            crate::plan::InconclusivePolicy::Rollback => {
                let reason = format!("{reason}; policy: roll back");
                self.decide(pass, now, Decision::Rollback, Some(evaluation), reason.clone()).await?;
                self.rollback(pass, now, reason).await
            }
            crate::plan::InconclusivePolicy::Hold => {
                let reason = format!("{reason}; policy: hold for a human");
                self.decide(pass, now, Decision::Hold, Some(evaluation), reason.clone()).await?;
                self.append(pass, now, Event::Paused { by: PauseCause::Inconclusive, reason }).await
            }
        }
    }

    async fn record_if_changed(
        &self,
        pass: &mut Pass,
        now: SystemTime,
        evaluation: Evaluation,
    ) -> Result<(), CanaryError> {
        if pass.state.last_signature.as_deref() == Some(evaluation.signature().as_str()) {
            return Ok(());
        }
        let reason = format!("gates now: {}", evaluation.signature());
        self.decide(pass, now, Decision::Evaluated, Some(evaluation), reason).await
    }

    async fn evaluate(
        &self,
        pass: &mut Pass,
        window: &MetricWindow,
        concurrent_baseline: bool,
    ) -> Result<Evaluation, CanaryError> {
        let plan = &pass.state.plan;
        let (candidate, baseline) = if window.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            let candidate = self.lambda_periods(plan, &plan.candidate_version, window).await?;
            let baseline = if concurrent_baseline {
                self.lambda_periods(plan, &plan.baseline_version, window).await?
            } else {
                Vec::new()
            };
            (candidate, baseline)
        };
        let mut custom = Vec::new();
        for gate in &plan.gates.custom {
            let points = if window.is_empty() { Vec::new() } else { self.custom_points(plan, gate, window).await? };
            custom.push((gate.clone(), points));
        }
        let alias_throttles = if window.is_empty() { Vec::new() } else { self.alias_throttles(plan, window).await? };
        let evaluation = evaluate(
            &plan.gates,
            window,
            Evidence {
                candidate: &candidate,
                baseline: &baseline,
                reference: Some(&pass.state.baseline),
                custom: &custom,
                alias_throttles: &alias_throttles,
            },
        );
        pass.evaluation = Some(evaluation.clone());
        Ok(evaluation)
    }

    async fn lambda_periods(
        &self,
        plan: &CanaryPlan,
        version: &str,
        window: &MetricWindow,
    ) -> Result<Vec<PeriodStats>, CanaryError> {
        let percentiles = plan.gates.latency.iter().filter_map(|gate| gate.quantile()).collect();
        let query = LambdaMetricsQuery {
            series: Series::executed(&plan.function, &plan.alias, version),
            window: *window,
            percentiles,
        };
        Ok(self.metrics.lambda_periods(&query).await?)
    }

    /// `Throttles` of the alias's `Resource` series: Lambda publishes no throttles per
    /// `ExecutedVersion`, since a throttled request never reached a version.
    async fn alias_throttles(
        &self,
        plan: &CanaryPlan,
        window: &MetricWindow,
    ) -> Result<Vec<MetricDatapoint>, CanaryError> {
        let query = CustomMetricQuery {
            namespace: "AWS/Lambda".into(),
            metric_name: "Throttles".into(),
            dimensions: Series {
                function: plan.function.clone(),
                qualifier: Some(plan.alias.clone()),
                executed_version: None,
            }
            .dimensions()
            .into_iter()
            .collect(),
            statistic: "Sum".into(),
        };
        Ok(self.metrics.custom_periods(&query, window).await?)
    }

    async fn custom_points(
        &self,
        plan: &CanaryPlan,
        gate: &CustomGate,
        window: &MetricWindow,
    ) -> Result<Vec<MetricDatapoint>, CanaryError> {
        let fill = |value: &str| {
            value
                .replace("{function}", &plan.function)
                .replace("{alias}", &plan.alias)
                .replace("{candidate}", &plan.candidate_version)
                .replace("{baseline}", &plan.baseline_version)
        };
        let query = CustomMetricQuery {
            namespace: gate.namespace.clone(),
            metric_name: gate.metric_name.clone(),
            dimensions: gate.dimensions.iter().map(|(name, value)| (name.clone(), fill(value))).collect(),
            statistic: gate.statistic.clone(),
        };
        Ok(self.metrics.custom_periods(&query, window).await?)
    }

    async fn shift(&self, pass: &mut Pass, now: SystemTime, index: usize, reason: String) -> Result<(), CanaryError> {
        let plan = &pass.state.plan;
        let index = index.min(plan.steps.len() - 1);
        let percent = plan.steps[index];
        let to = plan.step_target(index);
        self.change(pass, now, Action::Shift { index, percent }, to, reason).await
    }

    async fn rollback(&self, pass: &mut Pass, now: SystemTime, reason: String) -> Result<(), CanaryError> {
        let to = pass.state.plan.baseline_target();
        self.change(pass, now, Action::Rollback, to, reason).await
    }

    /// Intent, UpdateAlias with the RevisionId last read, outcome.
    async fn change(
        &self,
        pass: &mut Pass,
        now: SystemTime,
        action: Action,
        to: AliasTarget,
        reason: String,
    ) -> Result<(), CanaryError> {
        let from = match &pass.observed {
            Some(observed) => observed.clone(),
            None => self.lambda.get_alias(&pass.state.plan.function, &pass.state.plan.alias).await?,
        };
        self.append(pass, now, Event::Intent { action, from: from.clone(), to: to.clone(), reason }).await?;
        let intent = pass.state.next_sequence - 1;
        self.crash_point(CrashPoint::AfterIntent)?;
        self.apply_intent(pass, now, intent, &to, &from).await
    }

    async fn apply_intent(
        &self,
        pass: &mut Pass,
        now: SystemTime,
        intent: u64,
        to: &AliasTarget,
        from: &AliasSnapshot,
    ) -> Result<(), CanaryError> {
        let (function, alias) = (pass.state.plan.function.clone(), pass.state.plan.alias.clone());
        match self.lambda.update_alias(&function, &alias, to, &from.revision_id).await {
            Ok(updated) => {
                self.crash_point(CrashPoint::AfterUpdate)?;
                pass.observed = Some(updated.clone());
                self.append(pass, now, Event::Applied { intent, alias: updated, recovered: false }).await
            }
            Err(ControlError::PreconditionFailed { .. }) => {
                let observed = self.lambda.get_alias(&function, &alias).await?;
                self.halt(
                    pass,
                    now,
                    to.clone(),
                    observed,
                    "UpdateAlias was refused (PreconditionFailed): someone else changed the alias",
                )
                .await
            }
            Err(error) => Err(error.into()),
        }
    }

    fn crash_point(&self, point: CrashPoint) -> Result<(), CanaryError> {
        match &self.crash_hook {
            Some(hook) if hook(point) => Err(CanaryError::Crashed(point)),
            _ => Ok(()),
        }
    }
}

/// The step's periods: from the period its change landed in to the last closed one.
fn step_window(plan: &CanaryPlan, since: SystemTime, now: SystemTime) -> MetricWindow {
    let closed = MetricWindow::closed(now, plan.lateness, plan.period, Duration::ZERO);
    let start = align_down(since, plan.period);
    MetricWindow { start, end: closed.end.max(start), period: plan.period }
}

fn align_down(at: SystemTime, period: Duration) -> SystemTime {
    let seconds = at.duration_since(UNIX_EPOCH).map(|since| since.as_secs()).unwrap_or_default();
    let period = period.as_secs().max(1);
    UNIX_EPOCH + Duration::from_secs(seconds / period * period)
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn new_deployment_id(now: SystemTime) -> String {
    let seconds = now.duration_since(UNIX_EPOCH).map(|since| since.as_secs()).unwrap_or_default();
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("d-{seconds}-{}", &random[..8])
}

fn waiting_for(state: &DeploymentState, now: SystemTime, evaluation: Option<&Evaluation>) -> Option<String> {
    let plan = &state.plan;
    let age = state.phase_age(now);
    let open = || {
        evaluation
            .map(|evaluation| {
                evaluation
                    .gates
                    .iter()
                    .filter(|gate| gate.required && gate.verdict != Verdict::Pass)
                    .map(|gate| format!("{}: {}", gate.gate, gate.reason))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    if let Some(pending) = &state.pending {
        return Some(format!(
            "an interrupted change to {} (record {}): `resume` settles it",
            pending.to, pending.sequence
        ));
    }
    match &state.phase {
        Phase::Pending => Some("the first shift".into()),
        Phase::Step { index, percent } => {
            let minimum = plan.min_step_duration + plan.min_step_duration.saturating_mul(state.extensions);
            let mut parts = vec![format!(
                "step {} at {percent}% for {} of at least {}",
                index + 1,
                format_duration(age),
                format_duration(minimum)
            )];
            parts.extend(open());
            Some(parts.join("; "))
        }
        Phase::Bake => {
            let mut parts = vec![format!("bake for {} of {}", format_duration(age), format_duration(plan.bake))];
            parts.extend(open());
            Some(parts.join("; "))
        }
        Phase::Paused { reason, .. } => Some(format!("{reason}; `resume`, `promote` or `abort`")),
        Phase::Halted { reason } => Some(format!("{reason}; inspect the alias, then `abort` to roll back from it")),
        Phase::Done => {
            Some(format!("nothing: decommission version {} with `cutover canary decommission`", plan.baseline_version))
        }
        Phase::RolledBack => None,
    }
}

/// Per step: the candidate's expected traffic and how long its gates should take.
fn expectations(plan: &CanaryPlan, baseline: &BaselineFigures, window: &MetricWindow) -> Vec<StepExpectation> {
    let minutes = (window.period_count() as f64 * window.period.as_secs_f64() / 60.0).max(1.0);
    let per_minute = baseline.invocations as f64 / minutes;
    let baseline_rate =
        if baseline.invocations > 0 { baseline.errors as f64 / baseline.invocations as f64 } else { 0.0 };
    let needed = invocations_to_pass(plan, baseline_rate, baseline.invocations)
        .map(|needed| needed.max(plan.gates.min_invocations));
    let period_minutes = plan.period.as_secs_f64() / 60.0;
    plan.steps
        .iter()
        .map(|percent| {
            let candidate_per_minute = per_minute * percent / 100.0;
            let expected_duration = needed.and_then(|needed| {
                if candidate_per_minute <= 0.0 {
                    return None;
                }
                let minutes = (needed as f64 / candidate_per_minute).ceil();
                let duration =
                    Duration::from_secs_f64(minutes * 60.0).max(plan.min_step_duration) + plan.lateness + plan.period;
                (duration <= plan.step_deadline() + plan.lateness + plan.period).then_some(duration)
            });
            let (judged, not_judged): (Vec<_>, Vec<_>) = plan
                .gates
                .latency
                .iter()
                .partition(|gate| candidate_per_minute * period_minutes >= gate.min_samples_per_period() as f64);
            StepExpectation {
                percent: *percent,
                candidate_invocations_per_minute: (candidate_per_minute * 10.0).round() / 10.0,
                invocations_to_pass: needed,
                expected_duration,
                latency_judged: judged.iter().map(|gate| gate.percentile.clone()).collect(),
                latency_not_judged: not_judged.iter().map(|gate| gate.percentile.clone()).collect(),
            }
        })
        .collect()
}

/// The fewest candidate invocations with which the error-rate gate passes when the
/// candidate errs at the baseline's rate; `None` when even ten million would not do.
pub(crate) fn invocations_to_pass(plan: &CanaryPlan, baseline_rate: f64, baseline_invocations: u64) -> Option<u64> {
    let gates = &plan.gates;
    let passes = |n: u64| {
        let errors = (baseline_rate * n as f64).round() as u64;
        let upper = wilson_interval(errors, n, 2.0 * gates.confidence - 1.0).1;
        let baseline_errors = (baseline_rate * baseline_invocations as f64).round() as u64;
        let relative = baseline_invocations == 0
            || ProportionDifference::new(errors, n, baseline_errors, baseline_invocations)
                .upper_bound(gates.confidence)
                <= gates.max_error_rate_increase;
        upper <= gates.max_error_rate && relative
    };
    let (mut low, mut high) = (1u64, 10_000_000u64);
    if !passes(high) {
        return None;
    }
    while low < high {
        let middle = (low + high) / 2;
        if passes(middle) { high = middle } else { low = middle + 1 }
    }
    Some(low)
}
