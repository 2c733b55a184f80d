//! The state machine with fakes, in virtual time: every scenario of the issue.

use std::time::{Duration, SystemTime};

use canary::{
    AliasTarget, CanaryError, Decision, Evaluation, Event, InconclusivePolicy, LatencyGate, PauseCause, Phase,
    RunStatus, StoreError, Verdict,
};
use lambda_metrics::MetricDatapoint;

use crate::simulation::{ALIAS, FUNCTION, HEALTHY, Profile, Simulation, TICK, settings};

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn a_healthy_candidate_moves_10_50_100_bakes_and_is_done() {
    let mut simulation = Simulation::new(1000);
    simulation.candidate = Box::new(|_| Profile { error_rate: 0.0, p50_ms: 40.0 });
    let started = simulation.start(settings()).await;
    assert_eq!(started.candidate_percent, 10.0);
    let run = simulation.run_to_end(4 * HOUR).await;
    assert_eq!(run.status, RunStatus::Done, "{:?}", run.waiting_for);
    assert_eq!(simulation.applied_percents(), vec![10.0, 50.0, 100.0]);
    assert_eq!(simulation.decisions(), vec![Decision::Advance, Decision::Advance, Decision::BakeComplete]);
    assert!(simulation.lambda.alias(ALIAS).expect("alias").routing.same_routing(&AliasTarget::only("2")));
    // Two 10-minute steps and a one-hour bake, each a little longer for the lateness.
    let took = simulation.now.duration_since(simulation.start).expect("later");
    assert!(took >= Duration::from_secs(80 * 60) && took < Duration::from_secs(90 * 60), "{took:?}");
    // Every advance carries the evaluation behind it.
    for record in simulation.journal() {
        if let Event::Decision { decision: Decision::Advance, evaluation, .. } = record.event {
            let evaluation = evaluation.expect("evidence");
            assert_eq!(evaluation.verdict, Verdict::Pass);
            assert!(evaluation.candidate.invocations >= 300);
        }
    }
}

#[tokio::test]
async fn an_error_spike_at_50_percent_rolls_back_on_the_first_tick_after_the_period_closes() {
    let mut simulation = Simulation::new(1000);
    simulation.candidate =
        Box::new(|percent| if percent >= 50.0 { Profile { error_rate: 0.2, ..HEALTHY } } else { HEALTHY });
    simulation.start(settings()).await;
    let at_fifty = simulation.run_until(HOUR, |run| run.candidate_percent == 50.0).await;
    let shifted = at_fifty.phase_since.expect("since");
    let run = simulation.run_to_end(HOUR).await;
    assert_eq!(run.status, RunStatus::RolledBack);
    assert_eq!(simulation.applied_percents(), vec![10.0, 50.0, 0.0]);
    // The first period at 50 % is the one after the shift's minute; it closes a minute later
    // and is readable after the lateness (3 s timeout + 120 s ingestion).
    let minute = shifted.duration_since(simulation.start).expect("later").as_secs() / 60;
    let breach_closes = simulation.start + Duration::from_secs((minute + 2) * 60);
    let readable = breach_closes + Duration::from_secs(123);
    assert!(simulation.now >= readable, "never before the period is final");
    assert!(
        simulation.now < readable + TICK,
        "within one tick: rolled back at {:?}, readable at {readable:?}",
        simulation.now
    );
    assert!(simulation.lambda.alias(ALIAS).expect("alias").routing.same_routing(&AliasTarget::only("1")));
}

#[tokio::test]
async fn a_latency_regression_rolls_back_in_the_first_step() {
    let mut simulation = Simulation::new(1000);
    simulation.candidate = Box::new(|_| Profile { error_rate: 0.0, p50_ms: 400.0 });
    simulation.start(settings()).await;
    let run = simulation.run_to_end(HOUR).await;
    assert_eq!(run.status, RunStatus::RolledBack);
    assert_eq!(simulation.applied_percents(), vec![10.0, 0.0]);
    let evaluation = run.evaluation.expect("evaluation");
    let failing: Vec<&str> = evaluation.failing().iter().map(|gate| gate.gate.as_str()).collect();
    assert_eq!(failing, vec!["latency-p50"]);
}

#[tokio::test]
async fn no_traffic_is_inconclusive_extends_twice_then_follows_the_policy() {
    for policy in [InconclusivePolicy::Hold, InconclusivePolicy::Rollback] {
        let mut simulation = Simulation::new(0);
        let run = simulation.start(CanarySettings { inconclusive_policy: policy, ..settings() }).await;
        assert_eq!(run.candidate_percent, 10.0);
        let run = simulation.run_to_end(2 * HOUR).await;
        assert_eq!(simulation.decisions()[..2], [Decision::Extend, Decision::Extend], "{policy:?}");
        let took = simulation.now.duration_since(simulation.start).expect("later");
        assert!(took >= Duration::from_secs(30 * 60) && took < Duration::from_secs(31 * 60), "{took:?}");
        match policy {
            InconclusivePolicy::Hold => {
                assert!(matches!(run.phase, Phase::Paused { cause: PauseCause::Inconclusive, .. }), "{:?}", run.phase);
                assert_eq!(simulation.applied_percents(), vec![10.0], "held where it was");
            }
            InconclusivePolicy::Rollback => {
                assert_eq!(run.status, RunStatus::RolledBack);
                assert_eq!(simulation.applied_percents(), vec![10.0, 0.0]);
            }
        }
        let evaluation = run.evaluation.expect("evaluation");
        assert_eq!(evaluation.verdict, Verdict::Inconclusive, "no data never passes");
    }
}

use canary::CanarySettings;

#[tokio::test]
async fn a_required_p99_from_too_few_samples_keeps_the_step_open() {
    let mut simulation = Simulation::new(1000);
    let mut with_p99 = settings();
    with_p99.gates.latency =
        vec![LatencyGate { percentile: "p99".into(), max_ms: None, max_ratio: Some(2.0), required: true }];
    simulation.start(with_p99).await;
    let run = simulation.run_until(Duration::from_secs(15 * 60), |_| false).await;
    assert_eq!(run.candidate_percent, 10.0, "did not advance past its minimum");
    let evaluation = run.evaluation.expect("evaluation");
    let p99 = evaluation.gates.iter().find(|gate| gate.gate == "latency-p99").expect("p99");
    assert_eq!(p99.verdict, Verdict::Inconclusive);
    assert!(p99.reason.contains("1000 samples per period") && p99.reason.contains("most was 100"), "{}", p99.reason);
    assert_eq!(evaluation.gates[0].verdict, Verdict::Pass, "the error rate itself is judged");
}

#[tokio::test]
async fn baseline_and_candidate_degrading_together_hold_instead_of_rolling_back() {
    let mut simulation = Simulation::new(1000);
    simulation.start(settings()).await;
    simulation.run_until(Duration::from_secs(120), |_| false).await;
    simulation.baseline = Profile { error_rate: 0.3, ..HEALTHY };
    simulation.candidate = Box::new(|_| Profile { error_rate: 0.3, ..HEALTHY });
    let run = simulation.run_to_end(HOUR).await;
    assert!(matches!(run.phase, Phase::Paused { cause: PauseCause::SharedDegradation, .. }), "{:?}", run.phase);
    assert_eq!(simulation.applied_percents(), vec![10.0], "the healthy-relative candidate was not rolled back");
    assert_eq!(simulation.decisions(), vec![Decision::Hold]);
}

#[tokio::test]
async fn pause_stops_progress_resume_continues_promote_skips_and_abort_rolls_back() {
    let mut simulation = Simulation::new(1000);
    simulation.start(settings()).await;
    let paused =
        simulation.controller.pause(FUNCTION, ALIAS, simulation.now, "looking at a dashboard").await.expect("pause");
    assert_eq!(paused.status, RunStatus::Paused);
    let run = simulation.run_until(HOUR, |_| false).await;
    assert_eq!(run.candidate_percent, 10.0, "a paused deployment does not move");
    let updates = simulation.lambda.calls("UpdateAlias");

    let resumed = simulation.controller.resume(FUNCTION, ALIAS, simulation.now, false).await.expect("resume");
    assert_eq!(resumed.status, RunStatus::Running);
    assert_eq!(simulation.lambda.calls("UpdateAlias"), updates, "the resumed step starts its clock again");

    let promoted = simulation.controller.promote(FUNCTION, ALIAS, simulation.now, false).await.expect("promote");
    assert_eq!(promoted.candidate_percent, 50.0);
    let full = simulation.controller.promote(FUNCTION, ALIAS, simulation.now, true).await.expect("promote --full");
    assert_eq!((full.candidate_percent, full.phase.clone()), (100.0, Phase::Bake));

    let aborted = simulation.controller.abort(FUNCTION, ALIAS, simulation.now).await.expect("abort");
    assert_eq!(aborted.status, RunStatus::RolledBack);
    assert_eq!(simulation.applied_percents(), vec![10.0, 50.0, 100.0, 0.0]);
    let error = simulation.controller.abort(FUNCTION, ALIAS, simulation.now).await.expect_err("already over");
    assert!(matches!(error, CanaryError::NotAllowed { .. }));
}

#[tokio::test]
async fn a_manual_update_mid_run_halts_and_nothing_is_overwritten() {
    let mut simulation = Simulation::new(1000);
    simulation.start(settings()).await;
    simulation.run_until(Duration::from_secs(120), |_| false).await;
    let manual = simulation.lambda.set_alias(ALIAS, AliasTarget::split("1", "2", 0.3));
    let updates = simulation.lambda.calls("UpdateAlias");
    let run = simulation.run_to_end(HOUR).await;
    assert_eq!(run.status, RunStatus::Halted);
    let Phase::Halted { reason } = &run.phase else { unreachable!() };
    assert!(reason.contains("expected version 1 + 10% to 2, found version 1 + 30% to 2"), "{reason}");
    assert_eq!(simulation.lambda.calls("UpdateAlias"), updates, "no UpdateAlias after the drift");
    assert_eq!(simulation.lambda.alias(ALIAS), Some(manual));
    // An operator who has seen it may roll back from the alias as it is now.
    let aborted = simulation.controller.abort(FUNCTION, ALIAS, simulation.now).await.expect("abort");
    assert_eq!(aborted.status, RunStatus::RolledBack);
}

#[tokio::test]
async fn two_controllers_on_one_alias_exactly_one_proceeds() {
    let mut simulation = Simulation::new(1000);
    simulation.start(settings()).await;
    let other = simulation.second_controller("controller-b");
    let refused =
        other.start(&crate::simulation::request(settings()), simulation.now, false).await.expect_err("second start");
    assert!(refused.is_input_error());
    assert!(refused.to_string().contains("holds"), "{refused}");
    let error = other.tick(FUNCTION, ALIAS, simulation.now + TICK).await.expect_err("lock held");
    let CanaryError::Store(StoreError::LockHeld { lock }) = &error else { panic!("{error}") };
    assert_eq!(lock.owner, "controller-a");
    assert!(error.to_string().contains("controller-a since"), "{error}");
    // The first controller stops renewing; once its lease is over the other takes over.
    let later = simulation.now + Duration::from_secs(6 * 60);
    let taken = other.tick(FUNCTION, ALIAS, later).await.expect("takes over an expired lease");
    assert_eq!(taken.lock.expect("lock").owner, "controller-b");
    let error = simulation.controller.tick(FUNCTION, ALIAS, later + TICK).await.expect_err("lost it");
    assert!(matches!(error, CanaryError::Store(StoreError::LockHeld { .. })), "{error}");
}

#[tokio::test]
async fn bad_input_is_named_and_leaves_the_alias_alone() {
    let simulation = Simulation::new(1000);
    let now = simulation.now;
    let mut decreasing = settings();
    decreasing.steps = vec![50.0, 10.0, 100.0];
    let mut over = settings();
    over.steps = vec![10.0, 150.0];
    for (settings, expected) in [(decreasing, "steps must increase"), (over, "at most 100")] {
        let error = simulation
            .controller
            .start(&crate::simulation::request(settings), now, false)
            .await
            .expect_err("bad steps");
        assert!(error.is_input_error());
        assert!(
            format!("{error}: {}", std::error::Error::source(&error).map(|e| e.to_string()).unwrap_or_default())
                .contains(expected),
            "{error:?}"
        );
    }
    let mut unknown_alias = crate::simulation::request(settings());
    unknown_alias.alias = "prod".into();
    let error = simulation.controller.start(&unknown_alias, now, false).await.expect_err("unknown alias");
    assert_eq!(error.to_string(), "alias get-cluster:prod not found");
    let mut unknown_function = crate::simulation::request(settings());
    unknown_function.function = "nope".into();
    assert!(
        simulation
            .controller
            .start(&unknown_function, now, false)
            .await
            .expect_err("unknown function")
            .is_input_error()
    );
    let mut latest = crate::simulation::request(settings());
    latest.candidate_version = "$LATEST".into();
    let error = simulation.controller.start(&latest, now, false).await.expect_err("$LATEST");
    assert!(error.to_string().contains("$LATEST cannot be routed by weight"), "{error}");
    simulation.lambda.put_version(canary::VersionSettings {
        version: "3".into(),
        role: Some("arn:aws:iam::123456789012:role/other".into()),
        dead_letter_target: None,
        timeout: Duration::from_secs(3),
        runtime: None,
    });
    let mut other_role = crate::simulation::request(settings());
    other_role.candidate_version = "3".into();
    let error = simulation.controller.start(&other_role, now, false).await.expect_err("role differs");
    assert!(error.to_string().contains("same role: baseline arn:aws:iam::123456789012:role/platform / candidate arn:aws:iam::123456789012:role/other"), "{error}");
    assert_eq!(simulation.lambda.calls("UpdateAlias"), 0);
    assert!(simulation.store.records().is_empty(), "nothing journaled");
}

#[tokio::test]
async fn a_crash_at_every_transition_resumes_to_an_alias_the_journal_explains() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use canary::CrashPoint;

    // The n-th change (10 %, 50 %, 100 %) crashes at the point; a new controller resumes.
    for point in [CrashPoint::AfterIntent, CrashPoint::AfterUpdate] {
        for crash_on in 1..=3 {
            let mut simulation = Simulation::new(1000);
            let changes = Arc::new(AtomicUsize::new(0));
            let counter = changes.clone();
            let crashing = simulation.second_controller("crashing").with_crash_hook(Arc::new(move |at| {
                at == point && counter.fetch_add(1, Ordering::SeqCst) + 1 == crash_on
            }));
            simulation.feed();
            let mut outcome =
                crashing.start(&crate::simulation::request(settings()), simulation.now, false).await.map(|_| ());
            while outcome.is_ok() {
                simulation.now += TICK;
                simulation.feed();
                outcome = crashing.tick(FUNCTION, ALIAS, simulation.now).await.map(|_| ());
            }
            assert!(
                matches!(outcome, Err(CanaryError::Crashed(at)) if at == point),
                "{point:?} {crash_on}: {outcome:?}"
            );
            let resumed = simulation.controller.resume(FUNCTION, ALIAS, simulation.now, true).await.expect("resume");
            assert!(
                resumed.records.iter().any(|record| matches!(record.event, Event::Applied { .. })),
                "the interrupted change is settled"
            );
            let run = simulation.run_to_end(4 * HOUR).await;
            assert_eq!(run.status, RunStatus::Done, "{point:?} {crash_on}");
            assert_eq!(
                simulation.applied_percents(),
                vec![10.0, 50.0, 100.0],
                "{point:?} {crash_on}: one outcome per intent"
            );
            let last_applied = simulation
                .journal()
                .iter()
                .rev()
                .find_map(|record| match &record.event {
                    Event::Applied { alias, .. } => Some(alias.clone()),
                    _ => None,
                })
                .expect("applied");
            assert_eq!(simulation.lambda.alias(ALIAS), Some(last_applied), "the journal explains the alias");
        }
    }
}

#[tokio::test]
async fn every_tick_of_a_start_loop_renews_the_lease() {
    use canary::StateStore as _;

    let mut simulation = Simulation::new(1000);
    let lease = settings().lease;
    let started = simulation.start(settings()).await;
    assert_eq!(started.lock.expect("lock").expires, simulation.now + lease);
    let other = simulation.second_controller("controller-b");
    // Ticks every 30 s for longer than one lease: each renews it, so the other never gets in.
    for _ in 0..(2 * lease.as_secs() / TICK.as_secs()) {
        let run = simulation.run_until(TICK, |_| true).await;
        let lock = simulation.store.lock_info().await.expect("lock").expect("held");
        assert_eq!((lock.owner.as_str(), lock.expires), ("controller-a", simulation.now + lease));
        assert_eq!(run.lock.expect("lock").expires, simulation.now + lease);
        let refused = other.tick(FUNCTION, ALIAS, simulation.now + TICK / 2).await.expect_err("renewed");
        assert!(matches!(refused, CanaryError::Store(StoreError::LockHeld { .. })), "{refused}");
    }
}

#[tokio::test]
async fn a_lease_no_longer_than_the_poll_interval_is_refused_before_anything_starts() {
    let simulation = Simulation::new(1000);
    let mut short = settings();
    short.poll_interval = Duration::from_secs(300);
    short.lease = Duration::from_secs(300);
    assert!(short.validate().is_err());
    let error = simulation
        .controller
        .start(&crate::simulation::request(short), simulation.now, false)
        .await
        .expect_err("short lease");
    assert!(error.is_input_error());
    assert!(error.to_string().contains("lease` (5m) must be longer than `poll_interval` (5m)"), "{error}");
    assert!(simulation.store.records().is_empty());
}

const MINUTE: Duration = Duration::from_secs(60);

/// The journal's decisions other than `Evaluated`, with when they were made and why.
fn decision_records(simulation: &Simulation) -> Vec<(SystemTime, Decision, String, Option<Evaluation>)> {
    simulation
        .journal()
        .into_iter()
        .filter_map(|record| match record.event {
            Event::Decision { decision, reason, evaluation, .. } if decision != Decision::Evaluated => {
                Some((record.at, decision, reason, evaluation))
            }
            _ => None,
        })
        .collect()
}

/// Runs a healthy start until the alias is at 100 % and returns when the bake began.
async fn run_to_the_bake(simulation: &mut Simulation, settings: CanarySettings) -> SystemTime {
    simulation.start(settings).await;
    let baking = simulation.run_until(HOUR, |run| run.phase == Phase::Bake).await;
    assert_eq!(baking.phase, Phase::Bake, "the steps passed");
    baking.phase_since.expect("the bake's start")
}

#[tokio::test]
async fn a_regression_during_the_bake_rolls_back_before_the_bake_ends() {
    let mut simulation = Simulation::new(1000);
    let bake_started = run_to_the_bake(&mut simulation, settings()).await;
    simulation.run_until(20 * MINUTE, |_| false).await;
    let regressed = simulation.now;
    simulation.candidate = Box::new(|_| Profile { error_rate: 0.2, ..HEALTHY });
    let run = simulation.run_to_end(2 * HOUR).await;
    assert_eq!(run.status, RunStatus::RolledBack, "{:?}", run.phase);
    assert_eq!(simulation.applied_percents(), vec![10.0, 50.0, 100.0, 0.0]);
    assert_eq!(simulation.decisions(), vec![Decision::Advance, Decision::Advance, Decision::Rollback]);
    assert!(simulation.now < regressed + 5 * MINUTE, "rolled back at {:?}", simulation.now);
    assert!(simulation.now < bake_started + settings().bake, "during the bake, not at its end");
    let (_, _, reason, _) = decision_records(&simulation).pop().expect("the rollback");
    assert!(reason.starts_with("bake failed after 2") && reason.contains("error-rate: "), "{reason}");
    assert!(simulation.lambda.alias(ALIAS).expect("alias").routing.same_routing(&AliasTarget::only("1")));
}

#[tokio::test]
async fn a_late_regression_in_the_bake_is_judged_on_the_rolling_window_not_diluted_by_the_clean_hour() {
    // 3 % errors from the bake's 45th minute: over the last 10 minutes well above the 1 %
    // margin, over the whole bake (45 clean minutes first) under it even at the bake's end.
    let mut simulation = Simulation::new(1000);
    let bake_started = run_to_the_bake(&mut simulation, settings()).await;
    simulation.run_until(45 * MINUTE, |_| false).await;
    simulation.candidate = Box::new(|_| Profile { error_rate: 0.03, ..HEALTHY });
    let run = simulation.run_to_end(2 * HOUR).await;
    assert_eq!(run.status, RunStatus::RolledBack, "{:?}", run.phase);
    assert!(simulation.now < bake_started + settings().bake, "before the whole bake is judged");
    let (_, decision, reason, evaluation) = decision_records(&simulation).pop().expect("the rollback");
    assert_eq!(decision, Decision::Rollback, "{reason}");
    let evaluation = evaluation.expect("evidence");
    let window = evaluation.window_end.duration_since(evaluation.window_start).expect("ordered");
    assert_eq!(window, settings().bake_window, "the last bake_window, not the bake so far");
    assert!(evaluation.candidate.invocations <= 10 * 1000, "{}", evaluation.candidate.invocations);
}

#[tokio::test]
async fn throttled_as_much_as_before_the_deployment_during_the_bake_pauses_it() {
    // Lambda counts throttles per alias only: 100 a minute before the start, none during
    // the steps, 100 a minute again from the bake's 10th minute.
    let mut simulation = Simulation::new(1000);
    for minute in 1..=60 {
        let start = simulation.start - minute * MINUTE;
        simulation.metrics.put_custom("Throttles", MetricDatapoint { start, value: 100.0 });
    }
    let bake_started = run_to_the_bake(&mut simulation, settings()).await;
    simulation.run_until(10 * MINUTE, |_| false).await;
    let minutes_in = (simulation.now.duration_since(simulation.start).expect("later").as_secs() / 60) as u32;
    for minute in minutes_in..minutes_in + 120 {
        let start = simulation.start + minute * MINUTE;
        simulation.metrics.put_custom("Throttles", MetricDatapoint { start, value: 100.0 });
    }
    let run = simulation.run_to_end(2 * HOUR).await;
    assert!(matches!(run.phase, Phase::Paused { cause: PauseCause::SharedDegradation, .. }), "{:?}", run.phase);
    assert!(simulation.now < bake_started + settings().bake, "during the bake, not at its end");
    assert_eq!(simulation.decisions(), vec![Decision::Advance, Decision::Advance, Decision::Hold]);
    let (_, _, reason, evaluation) = decision_records(&simulation).pop().expect("the hold");
    assert_eq!(reason, "bake: the gates hold");
    let evaluation = evaluation.expect("evidence");
    let throttles = evaluation.gates.iter().find(|gate| gate.gate == "throttles").expect("throttles");
    assert_eq!(throttles.verdict, Verdict::Hold, "{}", throttles.reason);
    assert_eq!(simulation.applied_percents(), vec![10.0, 50.0, 100.0], "the alias stays at 100 %");
}

#[tokio::test]
async fn a_bake_still_inconclusive_at_its_end_is_extended_at_each_deadline_then_follows_the_policy() {
    // At 100 % the candidate errs at exactly the 1 % margin over the preflight baseline:
    // never far enough above it to fail, never far enough below to pass.
    for policy in [InconclusivePolicy::Hold, InconclusivePolicy::Rollback] {
        let mut simulation = Simulation::new(1000);
        simulation.candidate =
            Box::new(|percent| if percent >= 100.0 { Profile { error_rate: 0.01, ..HEALTHY } } else { HEALTHY });
        let plan = CanarySettings { inconclusive_policy: policy, ..settings() };
        let bake_started = run_to_the_bake(&mut simulation, plan.clone()).await;
        let run = simulation.run_to_end(2 * HOUR).await;
        let final_decision = match policy {
            InconclusivePolicy::Hold => Decision::Hold,
            InconclusivePolicy::Rollback => Decision::Rollback,
        };
        assert_eq!(
            simulation.decisions(),
            vec![Decision::Advance, Decision::Advance, Decision::Extend, Decision::Extend, final_decision],
            "{policy:?}"
        );
        let records = decision_records(&simulation);
        // Each comes at its deadline exactly (ticks fall on it), not a tick later.
        let times: Vec<SystemTime> = records[2..].iter().map(|(at, ..)| *at).collect();
        let deadlines = [plan.bake, plan.bake + plan.min_step_duration, plan.bake + 2 * plan.min_step_duration];
        assert_eq!(times, deadlines.map(|deadline| bake_started + deadline), "{policy:?}");
        // The reason names the required gates that have not passed, and only those.
        for (_, decision, reason, evaluation) in &records[2..] {
            let evaluation = evaluation.as_ref().expect("evidence");
            assert_eq!(evaluation.verdict, Verdict::Inconclusive, "{reason}");
            let error_rate = evaluation.gates.iter().find(|gate| gate.gate == "error-rate").expect("error rate");
            assert_eq!(error_rate.verdict, Verdict::Inconclusive, "{}", error_rate.reason);
            assert!(
                evaluation.gates.iter().any(|gate| gate.required && gate.verdict == Verdict::Pass),
                "a required gate passed, so a wrong filter shows"
            );
            let open = format!("(error-rate: {})", error_rate.reason);
            let expected_start = match decision {
                Decision::Extend if reason.contains("(1 of 2)") => {
                    format!("bake inconclusive after 1h {open}; extended by 10m (1 of 2)")
                }
                Decision::Extend => format!("bake inconclusive after 1h10m {open}; extended by 10m (2 of 2)"),
                _ => format!("bake still inconclusive after 1h20m and 2 extensions {open}; policy: "),
            };
            assert!(reason.starts_with(&expected_start), "{reason}\nexpected it to start with\n{expected_start}");
        }
        match policy {
            InconclusivePolicy::Hold => {
                assert!(matches!(run.phase, Phase::Paused { cause: PauseCause::Inconclusive, .. }), "{:?}", run.phase);
                assert_eq!(simulation.applied_percents(), vec![10.0, 50.0, 100.0], "held where it was");
            }
            InconclusivePolicy::Rollback => {
                assert_eq!(run.status, RunStatus::RolledBack);
                assert_eq!(simulation.applied_percents(), vec![10.0, 50.0, 100.0, 0.0]);
            }
        }
    }
}
