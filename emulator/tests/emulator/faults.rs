//! Faults a canary rehearsal injects: errors, latency and crashes per function version,
//! as callers and metrics see them.

use std::time::Instant;

use emulator::{FaultError, Faults, MetricsQuery, ScaledClock};

use super::*;

const MINUTE_ZERO: u64 = 1_900_000_020;

fn window(qualifier: &str) -> MetricsQuery {
    MetricsQuery {
        function: "rust".into(),
        qualifier: Some(qualifier.into()),
        start: MINUTE_ZERO,
        end: MINUTE_ZERO + 3600,
        ..MetricsQuery::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_injected_error_share_fails_as_unhandled_errors_and_counts_in_metrics() {
    use aws_sdk_lambda::primitives::Blob;
    let emulator = start_on(config("", ""), true, SteppedClock::at_epoch(MINUTE_ZERO)).await;
    emulator.set_faults("rust", "2", Faults { error_share: 1.0, ..Faults::default() }).expect("faults set");

    let failed = sdk_client(&emulator)
        .invoke()
        .function_name("rust")
        .qualifier("2")
        .payload(Blob::new(json!({"op": "echo"}).to_string()))
        .send()
        .await
        .expect("an injected error still answers 200");
    assert_eq!(failed.function_error(), Some("Unhandled"));
    assert_eq!(failed.executed_version(), Some("2"));
    assert_eq!(json_of(failed.payload().expect("payload").as_ref())["errorType"], "InjectedFault");
    let untouched = emulator.invoke("rust", Some("1"), payload(json!({"op": "echo"}))).await.expect("invoked");
    assert_eq!(untouched.status, OutcomeStatus::Success, "version 1 has no faults");

    emulator.set_faults("rust", "1", Faults { error_share: 0.5, ..Faults::default() }).expect("faults set");
    let mut injected = 0;
    for _ in 0..100 {
        let outcome = emulator.invoke("rust", Some("1"), payload(json!({"op": "echo"}))).await.expect("invoked");
        match outcome.status {
            OutcomeStatus::Success => {}
            OutcomeStatus::FunctionError { error_type } if error_type == "InjectedFault" => injected += 1,
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert!((30..=70).contains(&injected), "{injected} of 100 failed at a 0.5 share");
    let statistics = emulator.metrics().query(&window("1")).statistics;
    assert_eq!((statistics.invocations, statistics.errors), (101, injected), "injected errors are Errors");

    emulator.clear_faults("rust", "2");
    assert_eq!(emulator.faults("rust", "2"), None);
    let recovered = emulator.invoke("rust", Some("2"), payload(json!({"op": "echo"}))).await.expect("invoked");
    assert_eq!(recovered.status, OutcomeStatus::Success);

    assert_eq!(
        emulator.set_faults("nope", "1", Faults::default()),
        Err(FaultError::UnknownFunction { function: "nope".into() })
    );
    assert_eq!(
        emulator.set_faults("rust", "9", Faults::default()),
        Err(FaultError::UnknownVersion { function: "rust".into(), version: "9".into() })
    );
    assert!(matches!(
        emulator.set_faults("rust", "1", Faults { error_share: 1.5, ..Faults::default() }),
        Err(FaultError::InvalidErrorShare { .. })
    ));
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn added_latency_counts_in_clock_time_and_is_waited_in_real_time() {
    let origin = UNIX_EPOCH + Duration::from_secs(MINUTE_ZERO);
    let emulator = start_on(config("", ""), true, Arc::new(ScaledClock::new(origin, 60.0))).await;
    emulator.invoke("rust", Some("1"), payload(json!({"op": "echo"}))).await.expect("a cold start first");
    let latency = Duration::from_secs(30);
    emulator.set_faults("rust", "1", Faults { added_latency: latency, ..Faults::default() }).expect("faults set");

    let started = Instant::now();
    let slow = emulator.invoke("rust", Some("1"), payload(json!({"op": "echo"}))).await.expect("invoked");
    let waited = started.elapsed();
    assert_eq!(slow.status, OutcomeStatus::Success);
    // Lower bounds are the point; upper ones only catch a wait on the wrong clock (30 s),
    // with room for a loaded 2-core CI machine.
    assert!(waited >= Duration::from_millis(500) && waited < Duration::from_secs(15), "30 s at 60x waited {waited:?}");
    assert!(
        slow.report.duration >= latency && slow.report.duration < latency + Duration::from_secs(5),
        "duration {:?}",
        slow.report.duration
    );
    assert!(slow.report.to_string().contains("\tDuration: 30"), "{}", slow.report);

    emulator
        .set_faults("rust", "1", Faults { error_share: 1.0, added_latency: latency, crash_after: None })
        .expect("set");
    let slow_failure = emulator.invoke("rust", Some("1"), payload(json!({"op": "echo"}))).await.expect("invoked");
    assert!(slow_failure.status.is_error());
    assert_eq!(slow_failure.report.duration, latency, "an injected failure lasts exactly the added latency");

    let durations = emulator.metrics().query(&window("1")).statistics.duration_ms;
    assert_eq!(durations.count, 3);
    assert!(durations.maximum.expect("maximum") >= 30_000.0, "{durations:?}");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_n_invocations_fails_every_later_one_as_a_runtime_exit() {
    let emulator = start_on(config("", ""), true, SteppedClock::at_epoch(MINUTE_ZERO)).await;
    emulator.set_faults("rust", "2", Faults { crash_after: Some(2), ..Faults::default() }).expect("faults set");
    let mut statuses = Vec::new();
    let mut last = None;
    for _ in 0..4 {
        let outcome = emulator.invoke("rust", Some("2"), payload(json!({"op": "echo"}))).await.expect("invoked");
        statuses.push(outcome.status.clone());
        last = Some(outcome);
    }
    assert_eq!(
        statuses,
        [OutcomeStatus::Success, OutcomeStatus::Success, OutcomeStatus::ExitError, OutcomeStatus::ExitError]
    );
    let crashed = last.expect("four invocations");
    assert_eq!(crashed.function_error(), Some("Unhandled"));
    let document = json_of(&crashed.payload);
    assert_eq!(document["errorType"], "Runtime.ExitError");
    assert!(
        document["errorMessage"]
            .as_str()
            .expect("message")
            .starts_with(&format!("RequestId: {} Error: Runtime exited", crashed.request_id)),
        "{document}"
    );
    assert_eq!(emulator.metrics().query(&window("2")).statistics.errors, 2);

    emulator.clear_faults("rust", "2");
    let recovered = emulator.invoke("rust", Some("2"), payload(json!({"op": "echo"}))).await.expect("invoked");
    assert_eq!(recovered.status, OutcomeStatus::Success);
    emulator.shutdown().await;
}
