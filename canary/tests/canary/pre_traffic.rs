//! The pre-traffic parity gate with fakes: a report judged at preflight, a replay judged
//! after `started`, each journaled as a decision with its counts before any shift.

use std::path::Path;
use std::sync::Arc;

use canary::{
    CanaryError, Decision, Event, ParityCheck, ParityCheckError, ParityVerdict, Phase, PreTraffic, RunStatus,
};

use crate::simulation::{ALIAS, FUNCTION, Simulation, TICK, request, settings};

fn report(candidate: &str, total: u64, mismatch: u64) -> ParityVerdict {
    let text = serde_json::json!({
        "baseline": "lambda:get-cluster:1",
        "candidate": candidate,
        "totals": { "total": total, "matched": total - mismatch, "cosmetic": 2, "noise": 0, "mismatch": mismatch, "errors": 0 },
    })
    .to_string();
    ParityVerdict::from_report(&text, Path::new("parity.json")).expect("a report")
}

/// A replay that answers a fixed verdict, or cannot run.
struct FixedReplay(Option<ParityVerdict>);

#[async_trait::async_trait]
impl ParityCheck for FixedReplay {
    fn describe(&self) -> String {
        "replay of events/get-cluster.jsonl".into()
    }

    async fn verdict(
        &self,
        _function: &str,
        _baseline: &str,
        _candidate: &str,
    ) -> Result<ParityVerdict, ParityCheckError> {
        self.0.clone().ok_or(ParityCheckError::NoRecords { function: FUNCTION.into() })
    }
}

fn parity_decisions(simulation: &Simulation) -> Vec<(Decision, Option<ParityVerdict>)> {
    simulation
        .journal()
        .into_iter()
        .filter_map(|record| match record.event {
            Event::Decision { decision, parity, .. }
                if matches!(decision, Decision::ParityPassed | Decision::ParityFailed) =>
            {
                Some((decision, parity))
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_passing_report_is_journaled_with_its_counts_before_the_first_shift() {
    let mut simulation = Simulation::new(1000);
    simulation.feed();
    let mut with_report = request(settings());
    with_report.pre_traffic = PreTraffic::Report(report("lambda:get-cluster:2", 40, 0));
    let run = simulation.controller.start(&with_report, simulation.now, false).await.expect("start");
    assert_eq!(run.candidate_percent, 10.0);
    let events: Vec<&str> = run.records.iter().map(|record| canary::event_name(&record.event)).collect();
    assert_eq!(events[..4], ["started", "decision", "intent", "applied"], "the verdict comes before the intent");
    let decisions = parity_decisions(&simulation);
    assert_eq!(decisions.len(), 1);
    let (decision, verdict) = &decisions[0];
    assert_eq!(*decision, Decision::ParityPassed);
    let verdict = verdict.as_ref().expect("the counts are in the record");
    assert_eq!((verdict.total, verdict.matched, verdict.cosmetic, verdict.mismatch), (40, 40, 2, 0));
    let Event::Started { plan, .. } = &simulation.journal()[0].event else { panic!("started first") };
    assert_eq!(plan.pre_traffic.as_deref(), Some("report parity.json"));
}

#[tokio::test]
async fn a_report_that_failed_is_empty_or_names_another_candidate_refuses_the_start() {
    let simulation = Simulation::new(1000);
    let cases = [
        (
            report("lambda:get-cluster:2", 40, 3),
            "parity: report parity.json failed: 3 mismatched and 0 failed of 40 records",
        ),
        (report("lambda:get-cluster:2", 0, 0), "no record was replayed"),
        (report("lambda:get-cluster:3", 40, 0), "its candidate `lambda:get-cluster:3` is get-cluster:3, not version 2"),
        (report("lambda:list-clusters:2", 40, 0), "is function list-clusters, not get-cluster"),
    ];
    for (verdict, expected) in cases {
        let mut with_report = request(settings());
        with_report.pre_traffic = PreTraffic::Report(verdict);
        let error = simulation.controller.start(&with_report, simulation.now, false).await.expect_err("refused");
        assert!(error.is_input_error(), "a failed preflight: exit 2");
        assert!(error.to_string().contains(expected), "{error}");
    }
    assert!(simulation.store.records().is_empty(), "nothing journaled");
    assert_eq!(simulation.lambda.calls("UpdateAlias"), 0);
}

#[tokio::test]
async fn a_replay_runs_after_the_start_and_a_failing_verdict_moves_no_traffic() {
    let mut simulation = Simulation::new(1000);
    simulation.feed();
    let mut passing = request(settings());
    passing.pre_traffic = PreTraffic::Replay(Arc::new(FixedReplay(Some(report("lambda:get-cluster:2", 12, 0)))));
    let preflight = simulation.controller.preflight(&passing, simulation.now).await.expect("preflight");
    let check = preflight.checks.iter().find(|check| check.check == "parity").expect("a parity check");
    assert!(
        check.detail.starts_with("replay of events/get-cluster.jsonl against get-cluster:1 and get-cluster:2"),
        "{}",
        check.detail
    );
    let run = simulation.controller.start(&passing, simulation.now, false).await.expect("start");
    assert_eq!((run.status, run.candidate_percent), (RunStatus::Running, 10.0));
    simulation.controller.abort(FUNCTION, ALIAS, simulation.now + TICK).await.expect("abort");

    let updates = simulation.lambda.calls("UpdateAlias");
    let mut failing = request(settings());
    failing.pre_traffic = PreTraffic::Replay(Arc::new(FixedReplay(Some(report("lambda:get-cluster:2", 12, 5)))));
    simulation.now += 2 * TICK;
    let run = simulation.controller.start(&failing, simulation.now, false).await.expect("start");
    assert_eq!(run.status, RunStatus::RolledBack, "the deployment is over");
    assert_eq!(simulation.lambda.calls("UpdateAlias"), updates, "no traffic moved");
    let (decision, verdict) = parity_decisions(&simulation).pop().expect("journaled");
    assert_eq!(decision, Decision::ParityFailed);
    assert_eq!(verdict.expect("counts").mismatch, 5);
    let reason = run
        .records
        .iter()
        .find_map(|record| match &record.event {
            Event::Decision { decision: Decision::ParityFailed, reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .expect("the reason");
    assert!(reason.contains("5 mismatched and 0 failed of 12 records"), "{reason}");

    let mut broken = request(settings());
    broken.pre_traffic = PreTraffic::Replay(Arc::new(FixedReplay(None)));
    simulation.now += TICK;
    let error = simulation.controller.start(&broken, simulation.now, false).await.expect_err("no verdict");
    assert!(matches!(error, CanaryError::Parity(ParityCheckError::NoRecords { .. })), "{error}");
    assert!(error.is_input_error());
    let state = simulation.controller.status(FUNCTION, ALIAS, simulation.now).await.expect("status");
    assert_eq!(state.phase, Phase::RolledBack, "journaled as refused, not left pending");
    assert_eq!(simulation.lambda.calls("UpdateAlias"), updates);
}

#[tokio::test]
async fn a_controller_that_stopped_during_the_replay_never_shifts_without_a_verdict() {
    use canary::StateStore as _;

    let mut simulation = Simulation::new(1000);
    simulation.feed();
    let mut replayed = request(settings());
    replayed.pre_traffic = PreTraffic::Replay(Arc::new(FixedReplay(Some(report("lambda:get-cluster:2", 12, 0)))));
    let preflight = simulation.controller.preflight(&replayed, simulation.now).await.expect("preflight");
    // A kill -9 during the replay leaves `started` (with a plan that needs a verdict) and nothing after.
    let owner = "controller-a";
    simulation.store.acquire(owner, simulation.now, preflight.plan.lease, false).await.expect("lock");
    let alias = simulation.lambda.alias(ALIAS).expect("alias");
    let started = Event::Started {
        deployment_id: "d-1".into(),
        plan: Box::new(preflight.plan),
        alias,
        baseline: preflight.baseline,
    };
    simulation
        .store
        .append(&canary::JournalRecord { sequence: 1, at: simulation.now, owner: owner.into(), event: started })
        .await
        .expect("started");
    let run = simulation.controller.tick(FUNCTION, ALIAS, simulation.now + TICK).await.expect("tick");
    assert_eq!(run.status, RunStatus::RolledBack);
    assert_eq!(simulation.lambda.calls("UpdateAlias"), 0, "no shift without a verdict");
    let reason = run
        .records
        .iter()
        .find_map(|record| match &record.event {
            Event::Decision { decision: Decision::ParityFailed, reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .expect("journaled");
    assert!(reason.contains("no pre-traffic parity verdict was journaled"), "{reason}");
}
