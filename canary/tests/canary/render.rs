//! Snapshots of the human tables: `status`, `history`, `plan` and a rehearsal's timeline,
//! from a deployment in virtual time, with times, deployment ids and measured seconds
//! redacted.

use std::collections::BTreeMap;
use std::time::Duration;

use canary::rehearsal::{RehearsalReport, TimelineEntry};
use canary::{Decision, Event, RunStatus, format_duration, render};

use crate::simulation::{ALIAS, FUNCTION, Profile, Simulation, request, settings};

fn redacted() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", "[time]");
    settings.add_filter(r"\bd-\d+-[0-9a-f]{8}\b", "[deployment]");
    settings.add_filter(r"\b\d+\.\ds\b", "[real]s");
    settings.add_filter(r"(\d+\.\d) s real", "[real] s real");
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// A deployment whose candidate errs at 50 %: shifted, judged, rolled back.
async fn rolled_back() -> Simulation {
    let mut simulation = Simulation::new(1000);
    simulation.candidate =
        Box::new(|percent| Profile { error_rate: if percent >= 50.0 { 0.2 } else { 0.0 }, p50_ms: 90.0 });
    simulation.start(settings()).await;
    let run = simulation.run_to_end(Duration::from_secs(3 * 3600)).await;
    assert_eq!(run.status, RunStatus::RolledBack);
    simulation
}

#[tokio::test]
async fn status_and_history_tables() {
    let simulation = rolled_back().await;
    let status = simulation.controller.status(FUNCTION, ALIAS, simulation.now).await.expect("status");
    let history = simulation.controller.history(FUNCTION, ALIAS).await.expect("history");
    redacted().bind(|| {
        insta::assert_snapshot!("status", render::run(&status));
        insta::assert_snapshot!("history", render::history(&history));
    });
}

#[tokio::test]
async fn plan_table() {
    let mut simulation = Simulation::new(1000);
    simulation.feed();
    let preflight = simulation.controller.preflight(&request(settings()), simulation.now).await.expect("preflight");
    redacted().bind(|| insta::assert_snapshot!("plan", render::preflight(&preflight)));
}

#[tokio::test]
async fn rehearsal_timeline() {
    let simulation = rolled_back().await;
    let status = simulation.controller.status(FUNCTION, ALIAS, simulation.now).await.expect("status");
    let records = simulation.journal();
    let started = records[0].at;
    let timeline: Vec<TimelineEntry> = records
        .iter()
        .filter(|record| !matches!(record.event, Event::Decision { decision: Decision::Evaluated, .. }))
        .enumerate()
        .map(|(index, record)| TimelineEntry {
            after: format_duration(record.at.duration_since(started).unwrap_or_default()),
            real_seconds: index as f64 * 0.7,
            candidate_percent: 0.0,
            record: record.clone(),
        })
        .collect();
    let report = RehearsalReport {
        run: status,
        timeline,
        invocations_by_version: BTreeMap::from([("1".to_string(), 9100), ("2".to_string(), 1900)]),
        failed_invocations: 200,
        speed: 60.0,
        virtual_seconds: simulation.now.duration_since(started).unwrap_or_default().as_secs_f64(),
        real_seconds: 12.3,
        ticks: 40,
        lambda_calls: 44,
        cloudwatch_calls: 41,
        cloudwatch_metrics_requested: 560,
        breach_to_rollback_virtual_seconds: Some(210.0),
    };
    redacted().bind(|| insta::assert_snapshot!("rehearsal", render::rehearsal(&report)));
}
