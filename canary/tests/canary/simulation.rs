//! A function's traffic in virtual time: every minute the alias's current routing splits
//! a fixed number of invocations between the versions, each with its own error rate and
//! latency, and the controller ticks every 30 s.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use canary::fakes::{FakeLambda, MemoryStore};
use canary::{CanaryRun, CanarySettings, Controller, DeploymentRequest, Event, JournalRecord, RunStatus};
use lambda_metrics::{InMemoryMetrics, PeriodStats, Series};

pub const FUNCTION: &str = "get-cluster";
pub const ALIAS: &str = "live";
pub const TICK: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy)]
pub struct Profile {
    pub error_rate: f64,
    pub p50_ms: f64,
}

pub const HEALTHY: Profile = Profile { error_rate: 0.0, p50_ms: 100.0 };

pub type FakeController = Controller<Arc<FakeLambda>, Arc<InMemoryMetrics>, Arc<MemoryStore>>;

pub struct Simulation {
    pub lambda: Arc<FakeLambda>,
    pub metrics: Arc<InMemoryMetrics>,
    pub store: Arc<MemoryStore>,
    pub controller: FakeController,
    pub start: SystemTime,
    pub now: SystemTime,
    pub per_minute: u64,
    pub baseline: Profile,
    /// The candidate's behaviour, by the candidate's share of the alias (percent).
    pub candidate: Box<dyn Fn(f64) -> Profile + Send>,
    fed_minutes: u64,
}

/// A minute boundary, far from the epoch.
pub fn epoch_start() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_699_999_980)
}

pub fn settings() -> CanarySettings {
    CanarySettings {
        min_step_duration: Duration::from_secs(600),
        bake: Duration::from_secs(3600),
        bake_window: Duration::from_secs(600),
        ..CanarySettings::default()
    }
}

pub fn request(settings: CanarySettings) -> DeploymentRequest {
    DeploymentRequest {
        function: FUNCTION.into(),
        alias: ALIAS.into(),
        candidate_version: "2".into(),
        baseline_version: None,
        settings,
        pre_traffic: canary::PreTraffic::None,
    }
}

impl Simulation {
    /// An hour of baseline history at `per_minute`, before `epoch_start()`.
    pub fn new(per_minute: u64) -> Simulation {
        let lambda = Arc::new(FakeLambda::with_live_alias(FUNCTION));
        let metrics = Arc::new(InMemoryMetrics::default());
        let store = Arc::new(MemoryStore::default());
        let controller = Controller::new(lambda.clone(), metrics.clone(), store.clone(), "controller-a");
        let start = epoch_start();
        for minute in 1..=60 {
            let at = start - Duration::from_secs(minute * 60);
            metrics.put(Series::executed(FUNCTION, ALIAS, "1"), period(at, 1000, HEALTHY));
        }
        Simulation {
            lambda,
            metrics,
            store,
            controller,
            start,
            now: start,
            per_minute,
            baseline: HEALTHY,
            candidate: Box::new(|_| HEALTHY),
            fed_minutes: 0,
        }
    }

    pub fn second_controller(&self, owner: &str) -> FakeController {
        Controller::new(self.lambda.clone(), self.metrics.clone(), self.store.clone(), owner)
    }

    /// Records the traffic of every minute that has begun by `now`, split as the alias is now.
    pub fn feed(&mut self) {
        while self.start + Duration::from_secs(self.fed_minutes * 60) <= self.now {
            let at = self.start + Duration::from_secs(self.fed_minutes * 60);
            let routing = self.lambda.alias(ALIAS).expect("alias").routing;
            let percent = routing.percent_to("2");
            let candidate_count = (self.per_minute as f64 * percent / 100.0).round() as u64;
            let baseline_count = self.per_minute - candidate_count;
            if candidate_count > 0 {
                self.metrics.put(
                    Series::executed(FUNCTION, ALIAS, "2"),
                    period(at, candidate_count, (self.candidate)(percent)),
                );
            }
            if baseline_count > 0 {
                self.metrics.put(Series::executed(FUNCTION, ALIAS, "1"), period(at, baseline_count, self.baseline));
            }
            self.fed_minutes += 1;
        }
    }

    pub async fn start(&mut self, settings: CanarySettings) -> CanaryRun {
        self.feed();
        self.controller.start(&request(settings), self.now, false).await.expect("start")
    }

    /// Ticks every 30 s until `stop` or `limit` of virtual time.
    pub async fn run_until(&mut self, limit: Duration, stop: impl Fn(&CanaryRun) -> bool) -> CanaryRun {
        let end = self.now + limit;
        loop {
            self.now += TICK;
            self.feed();
            let run = self.controller.tick(FUNCTION, ALIAS, self.now).await.expect("tick");
            if stop(&run) || self.now >= end {
                return run;
            }
        }
    }

    pub async fn run_to_end(&mut self, limit: Duration) -> CanaryRun {
        self.run_until(limit, |run| run.status != RunStatus::Running).await
    }

    pub fn journal(&self) -> Vec<JournalRecord> {
        self.store.records()
    }

    /// The percents of every applied shift, and `0` for an applied rollback.
    pub fn applied_percents(&self) -> Vec<f64> {
        let records = self.journal();
        let mut percents = Vec::new();
        for record in &records {
            if let Event::Applied { intent, .. } = &record.event {
                let intent = records.iter().find(|other| other.sequence == *intent).expect("intent");
                if let Event::Intent { action, .. } = &intent.event {
                    percents.push(match action {
                        canary::Action::Shift { percent, .. } => *percent,
                        canary::Action::Rollback => 0.0,
                    });
                }
            }
        }
        percents
    }

    pub fn decisions(&self) -> Vec<canary::Decision> {
        self.journal()
            .iter()
            .filter_map(|record| match &record.event {
                Event::Decision { decision, .. } => Some(*decision),
                _ => None,
            })
            .filter(|decision| *decision != canary::Decision::Evaluated)
            .collect()
    }
}

pub fn period(start: SystemTime, invocations: u64, profile: Profile) -> PeriodStats {
    PeriodStats {
        start,
        invocations,
        errors: (invocations as f64 * profile.error_rate).round() as u64,
        throttles: 0,
        duration_samples: invocations,
        duration_average_ms: Some(profile.p50_ms * 1.2),
        duration_maximum_ms: Some(profile.p50_ms * 5.0),
        duration_percentiles_ms: BTreeMap::from([
            ("p50".to_string(), profile.p50_ms),
            ("p99".to_string(), profile.p50_ms * 3.0),
        ]),
    }
}
