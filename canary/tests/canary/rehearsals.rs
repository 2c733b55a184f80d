//! Rehearsals on the emulator, on a 60× clock, through the real SDK clients: a healthy
//! candidate is promoted and baked, a faulty one is rolled back.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use canary::rehearsal::{Rehearsal, RehearsalReport, rehearse};
use canary::{CanarySettings, Decision, LatencyGate, RunStatus};
use emulator::{Emulator, EmulatorOptions, Faults, ScaledClock};

use crate::support::echo_config;

async fn rehearse_with(faults: Faults) -> RehearsalReport {
    let clock = std::sync::Arc::new(ScaledClock::new(SystemTime::now(), 60.0));
    let options = EmulatorOptions { serve_http: true, clock, ..Default::default() };
    let emulator = Emulator::start(echo_config(), options).await.expect("emulator");
    let mut settings = CanarySettings {
        min_step_duration: Duration::from_secs(180),
        bake: Duration::from_secs(300),
        bake_window: Duration::from_secs(300),
        ingestion_allowance: Duration::from_secs(10),
        poll_interval: Duration::from_secs(30),
        ..CanarySettings::default()
    };
    settings.gates.min_invocations = 30;
    settings.gates.max_error_rate = 0.1;
    settings.gates.max_error_rate_increase = 0.1;
    settings.gates.max_throttle_rate = 0.1;
    settings.gates.latency =
        vec![LatencyGate { percentile: "p50".into(), max_ms: None, max_ratio: Some(3.0), required: false }];
    let state = tempfile::tempdir().expect("state");
    let report = rehearse(
        &emulator,
        Rehearsal {
            function: "echo".into(),
            alias: "live".into(),
            candidate_version: "2".into(),
            settings,
            events: vec![Bytes::from_static(br#"{"rehearsal": true}"#)],
            rate: 120.0,
            warm_up: Duration::from_secs(150),
            faults,
            state_folder: state.path().to_path_buf(),
            limit: Duration::from_secs(3600),
        },
    )
    .await;
    emulator.shutdown().await;
    report.expect("rehearsal")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_candidate_is_promoted_and_baked_and_a_faulty_one_rolled_back() {
    let healthy = rehearse_with(Faults::default()).await;
    assert_eq!(healthy.run.status, RunStatus::Done, "{:#?}", healthy.timeline);
    assert!(
        healthy.invocations_by_version.get("2").copied().unwrap_or_default() > 100,
        "{:?}",
        healthy.invocations_by_version
    );

    let faulty = rehearse_with(Faults { error_share: 0.3, ..Faults::default() }).await;
    assert_eq!(faulty.run.status, RunStatus::RolledBack, "{:#?}", faulty.timeline);
    let breach = faulty.breach_to_rollback_virtual_seconds.expect("rolled back after a shift");
    // Rolled back at the first step: no traffic ever went past 10 %. (How fast, in virtual
    // seconds, is a figure for docs/benchmarks.md, not a bound a loaded machine must meet.)
    let decisions: Vec<Decision> = faulty
        .timeline
        .iter()
        .filter_map(|entry| match &entry.record.event {
            canary::Event::Decision { decision, .. } => Some(*decision),
            _ => None,
        })
        .collect();
    assert!(decisions.contains(&Decision::Rollback), "{decisions:?}");
    assert!(!decisions.contains(&Decision::Advance), "the faulty candidate never advanced: {decisions:?}");
    assert!(
        faulty.timeline.iter().all(|entry| entry.candidate_percent <= 10.0),
        "the candidate never had more than its first step"
    );
    eprintln!(
        "healthy: {:.1} s real, {} ticks, {} Lambda calls, {} CloudWatch calls, {} metrics; faulty: breach to rollback {breach} virtual s, {:.1} s real",
        healthy.real_seconds,
        healthy.ticks,
        healthy.lambda_calls,
        healthy.cloudwatch_calls,
        healthy.cloudwatch_metrics_requested,
        faulty.real_seconds
    );
}
