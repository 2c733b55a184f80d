//! A rehearsal: the whole deployment on the local stack, on a scaled clock. The caller
//! starts the emulator (with its `ScaledClock`, moto as the config says, the Lambda API
//! served on loopback); [`rehearse`] warms the alias up with traffic, injects the faults
//! into the candidate, and runs the controller through the real aws-sdk-lambda and
//! aws-sdk-cloudwatch clients against the emulator's Lambda and CloudWatch APIs, while
//! recorded events keep flowing through the alias at a fixed real rate. What it returns
//! is the timeline: every journal record at its virtual and real time.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use emulator::{Emulator, Faults};
use lambda_metrics::CloudWatchMetrics;
use serde::Serialize;

use crate::controller::{CanaryError, CanaryRun, Controller, DeploymentRequest, RunStatus};
use crate::journal::{Action, Event, JournalRecord};
use crate::lambda::SdkLambda;
use crate::settings::CanarySettings;
use crate::store::FolderStore;
use crate::units::format_duration;

/// What to rehearse: the deployment, the traffic, the faults, and how long at most.
#[derive(Debug, Clone)]
pub struct Rehearsal {
    /// The function, as the emulator's config names it.
    pub function: String,
    /// The alias to move (on the baseline version at the start).
    pub alias: String,
    /// The version traffic moves to; the faults are injected into it.
    pub candidate_version: String,
    /// The deployment's settings; durations are in virtual time.
    pub settings: CanarySettings,
    /// Invoke payloads, sent in turn.
    pub events: Vec<Bytes>,
    /// Invocations per real second through the alias.
    pub rate: f64,
    /// Sent before the deployment starts, so the baseline has closed periods.
    pub warm_up: Duration,
    /// Injected into the candidate version after the warm-up.
    pub faults: Faults,
    /// Where the [`FolderStore`] keeps the journal and lock.
    pub state_folder: PathBuf,
    /// The rehearsal stops after this much virtual time even if the run goes on.
    pub limit: Duration,
}

/// Why a rehearsal did not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum RehearsalError {
    /// The emulator was started without `serve_http`, so the SDK clients cannot reach it.
    #[error("the emulator serves no Lambda API: start it with serve_http")]
    NotServing,
    /// `events` is empty.
    #[error("no events to send as traffic")]
    NoEvents,
    /// The emulator refused the faults (unknown function or version).
    #[error("could not inject the faults")]
    Faults(#[source] emulator::FaultError),
    /// The controller failed (a rolled-back run is not an error).
    #[error(transparent)]
    Canary(#[from] CanaryError),
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// Virtual time since the deployment started, e.g. `12m30s`.
    pub after: String,
    /// Wall-clock seconds since the rehearsal began, to 0.1.
    pub real_seconds: f64,
    /// The candidate's share after the tick that wrote the record, in percent.
    pub candidate_percent: f64,
    /// The journal record.
    pub record: JournalRecord,
}

/// A rehearsal's result: the final run, the timeline and what it cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RehearsalReport {
    /// The deployment as the last tick left it.
    pub run: CanaryRun,
    /// Every journal record but `evaluated` decisions, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// Invocations sent, by the version that ran them.
    pub invocations_by_version: BTreeMap<String, u64>,
    /// Invocations that ended in a function error or failed to run.
    pub failed_invocations: u64,
    /// Virtual seconds per real second: the clock's scale.
    pub speed: f64,
    /// Virtual time from the start of the deployment to the end, in seconds.
    pub virtual_seconds: f64,
    /// Wall-clock time of the whole rehearsal, warm-up included, in seconds.
    pub real_seconds: f64,
    /// Controller passes: the start and every tick.
    pub ticks: u64,
    /// Lambda control-plane calls the controller made.
    pub lambda_calls: u64,
    /// CloudWatch calls (GetMetricData and ListMetrics pages).
    pub cloudwatch_calls: u64,
    /// Metrics requested over all GetMetricData calls (CloudWatch bills per metric).
    pub cloudwatch_metrics_requested: u64,
    /// From the first shift to the rollback's UpdateAlias, when there was one.
    pub breach_to_rollback_virtual_seconds: Option<f64>,
}

/// Runs `rehearsal` against `emulator` (which must serve its HTTP APIs) and returns the
/// timeline; traffic flows from before the start until the run ends or `limit` passes.
pub async fn rehearse(emulator: &Emulator, rehearsal: Rehearsal) -> Result<RehearsalReport, RehearsalError> {
    let address = emulator.lambda_api_address().ok_or(RehearsalError::NotServing)?;
    if rehearsal.events.is_empty() {
        return Err(RehearsalError::NoEvents);
    }
    let clock = emulator.clock();
    let config = local_sdk_config(&format!("http://{address}"));
    let lambda = SdkLambda::from_config(&config);
    let metrics = CloudWatchMetrics::from_config(&config);
    let store = FolderStore::new(&rehearsal.state_folder, &rehearsal.function, &rehearsal.alias);
    let controller = Controller::new(lambda, metrics, store, "rehearsal");

    let stop = AtomicBool::new(false);
    let counts = std::sync::Mutex::new(BTreeMap::<String, u64>::new());
    let failed = AtomicU64::new(0);
    let sent = AtomicU64::new(0);
    let workers = 8usize;
    let interval = Duration::from_secs_f64(workers as f64 / rehearsal.rate.max(0.1));
    let traffic = futures::future::join_all((0..workers).map(|worker| {
        let (stop, counts, failed, sent, rehearsal) = (&stop, &counts, &failed, &sent, &rehearsal);
        async move {
            tokio::time::sleep(interval.mul_f64(worker as f64 / workers as f64)).await;
            let mut next = tokio::time::Instant::now();
            while !stop.load(Ordering::Relaxed) {
                let index = sent.fetch_add(1, Ordering::Relaxed) as usize % rehearsal.events.len();
                let payload = rehearsal.events[index].clone();
                match emulator.invoke(&rehearsal.function, Some(&rehearsal.alias), payload).await {
                    Ok(outcome) => {
                        if outcome.function_error().is_some() {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                        *counts
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .entry(outcome.executed_version)
                            .or_default() += 1;
                    }
                    Err(_) => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
                next += interval;
                tokio::time::sleep_until(next).await;
            }
        }
    }));

    let real_start = Instant::now();
    let deployment = async {
        let result = drive(emulator, &controller, &rehearsal, clock.as_ref(), real_start).await;
        stop.store(true, Ordering::Relaxed);
        result
    };
    let (result, _) = tokio::join!(deployment, traffic);
    let (run, timeline, ticks, started) = result?;
    let end = clock.now();
    let requests = controller.metrics().request_counts();
    let invocations_by_version = counts.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    Ok(RehearsalReport {
        invocations_by_version,
        failed_invocations: failed.load(Ordering::Relaxed),
        speed: 1.0 / clock.real_duration(Duration::from_secs(1)).as_secs_f64().max(1e-9),
        virtual_seconds: end.duration_since(started).unwrap_or_default().as_secs_f64(),
        real_seconds: real_start.elapsed().as_secs_f64(),
        ticks,
        lambda_calls: controller.lambda().call_count(),
        cloudwatch_calls: requests.get_metric_data_calls + requests.list_metrics_calls,
        cloudwatch_metrics_requested: requests.metrics_requested,
        breach_to_rollback_virtual_seconds: breach_to_rollback(&timeline),
        run,
        timeline,
    })
}

type Drive = (CanaryRun, Vec<TimelineEntry>, u64, SystemTime);

/// Warm-up, faults, start, then a tick every poll interval of virtual time.
async fn drive(
    emulator: &Emulator,
    controller: &Controller<SdkLambda, CloudWatchMetrics, FolderStore>,
    rehearsal: &Rehearsal,
    clock: &dyn emulator::Clock,
    real_start: Instant,
) -> Result<Drive, RehearsalError> {
    tokio::time::sleep(clock.real_duration(rehearsal.warm_up)).await;
    emulator
        .set_faults(&rehearsal.function, &rehearsal.candidate_version, rehearsal.faults.clone())
        .map_err(RehearsalError::Faults)?;
    let request = DeploymentRequest {
        function: rehearsal.function.clone(),
        alias: rehearsal.alias.clone(),
        candidate_version: rehearsal.candidate_version.clone(),
        baseline_version: None,
        settings: rehearsal.settings.clone(),
        pre_traffic: crate::parity_gate::PreTraffic::None,
    };
    let started = clock.now();
    let mut timeline = Vec::new();
    let mut run = controller.start(&request, started, true).await?;
    let mut ticks = 1;
    record(&mut timeline, &run, started, real_start);
    while run.status == RunStatus::Running && clock.now().duration_since(started).unwrap_or_default() < rehearsal.limit
    {
        tokio::time::sleep(clock.real_duration(rehearsal.settings.poll_interval)).await;
        run = controller.tick(&rehearsal.function, &rehearsal.alias, clock.now()).await?;
        ticks += 1;
        record(&mut timeline, &run, started, real_start);
    }
    controller.release().await?;
    Ok((run, timeline, ticks, started))
}

fn record(timeline: &mut Vec<TimelineEntry>, run: &CanaryRun, started: SystemTime, real_start: Instant) {
    for record in &run.records {
        if matches!(record.event, Event::Decision { decision: crate::journal::Decision::Evaluated, .. }) {
            continue;
        }
        timeline.push(TimelineEntry {
            after: format_duration(Duration::from_secs(
                record.at.duration_since(started).unwrap_or_default().as_secs(),
            )),
            real_seconds: (real_start.elapsed().as_secs_f64() * 10.0).round() / 10.0,
            candidate_percent: run.candidate_percent,
            record: record.clone(),
        });
    }
}

/// From the first shift applied to the rollback applied, in virtual seconds.
fn breach_to_rollback(timeline: &[TimelineEntry]) -> Option<f64> {
    let intent_action = |sequence: u64| {
        timeline.iter().find_map(|entry| match &entry.record.event {
            Event::Intent { action, .. } if entry.record.sequence == sequence => Some(action.clone()),
            _ => None,
        })
    };
    let applied: Vec<(SystemTime, Option<Action>)> = timeline
        .iter()
        .filter_map(|entry| match &entry.record.event {
            Event::Applied { intent, .. } => Some((entry.record.at, intent_action(*intent))),
            _ => None,
        })
        .collect();
    let first_shift = applied.iter().find(|(_, action)| matches!(action, Some(Action::Shift { .. })))?.0;
    let rollback = applied.iter().find(|(_, action)| matches!(action, Some(Action::Rollback)))?.0;
    Some(rollback.duration_since(first_shift).unwrap_or_default().as_secs_f64())
}

/// The SDK configuration of the local stack: loopback endpoint, dummy credentials.
pub fn local_sdk_config(endpoint: &str) -> aws_types::SdkConfig {
    use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region, SharedCredentialsProvider};
    aws_types::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "local",
            "local",
            None,
            None,
            "rehearsal",
        )))
        .build()
}

/// A one-line summary of a timeline entry.
pub(crate) fn describe(entry: &TimelineEntry) -> String {
    match &entry.record.event {
        Event::Started { plan, .. } => {
            format!("started: {} -> {} in steps {:?}", plan.baseline_version, plan.candidate_version, plan.steps)
        }
        Event::Intent { to, reason, .. } => format!("intent: {to} ({reason})"),
        Event::Applied { alias, recovered, .. } => {
            format!("applied: {}{}", alias.routing, if *recovered { " (found on resume)" } else { "" })
        }
        Event::Decision { decision, reason, .. } => format!("{decision:?}: {reason}"),
        Event::Halted { reason, .. } => format!("halted: {reason}"),
        Event::Paused { reason, .. } => format!("paused: {reason}"),
        Event::Resumed { reason } => format!("resumed: {reason}"),
        Event::Operator { command } => format!("operator: {command}"),
        Event::Finished { outcome } => format!("finished: {outcome:?}"),
        Event::DeleteIntent { version } => format!("delete intent: version {version}"),
        Event::Deleted { version, refused: None } => format!("deleted: version {version}"),
        Event::Deleted { version, refused: Some(reason) } => format!("delete of version {version} refused: {reason}"),
    }
}
