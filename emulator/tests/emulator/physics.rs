//! Lambda's physics: the CPU share by memory size, the memory limit and its
//! `Runtime.OutOfMemory`, and the latency profile with each invocation's call trace.
//! The cgroup tests run where this host lets the emulator make cgroups and say so when
//! they skip.

use emulator::{AwsCall, CriticalPath};

use super::*;

/// A Python function `burn` at 1,769 and 128 MB, and `allocate` at 128 MB, all with the
/// CPU share and the memory limit on.
fn physics_config() -> Config {
    let text = format!(
        r#"
[local]
python = "{python}"

[[function]]
name = "physics"
timeout_s = 60
concurrency = 1
physics = {{ cpu_share = true, memory_limit = true }}
[[function.version]]
version = "1"
memory_mb = 1769
python = {{ handler = "fixture_handlers.burn", code = "python" }}
[[function.version]]
version = "2"
memory_mb = 128
python = {{ handler = "fixture_handlers.burn", code = "python" }}
[[function.version]]
version = "3"
memory_mb = 128
python = {{ handler = "fixture_handlers.allocate", code = "python" }}
"#,
        python = python().display(),
    );
    Config::parse(&text, Path::new("physics.toml"), &fixtures()).expect("valid config")
}

/// Whether the cgroup tests can run here; prints the reason when they cannot.
fn cgroups_writable(test: &str) -> bool {
    match emulator::physics_support() {
        Ok(()) => true,
        Err(reason) => {
            eprintln!("skipped {test}: no writable cgroup on this host ({reason})");
            false
        }
    }
}

/// The fastest of three runs of the burn handler, in ms as the handler measured it.
async fn fastest_burn(emulator: &Emulator, version: &str) -> f64 {
    let mut fastest = f64::MAX;
    for _ in 0..3 {
        let outcome =
            emulator.invoke("physics", Some(version), payload(json!({"iterations": 600_000}))).await.expect("invoked");
        let answer = json_of(&outcome.payload);
        assert_eq!(outcome.status, OutcomeStatus::Success, "{answer}");
        assert!(outcome.report.unthrottled.is_none(), "{:?}", outcome.report.unthrottled);
        fastest = fastest.min(answer["elapsed_ms"].as_f64().expect("elapsed_ms"));
    }
    fastest
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cpu_bound_handler_at_128_mb_takes_1769_over_128_times_as_long_as_at_1769_mb() {
    if !cgroups_writable("the CPU share test") {
        return;
    }
    let emulator = Emulator::start(physics_config(), EmulatorOptions { logs: LogSink::Discard, ..Default::default() })
        .await
        .expect("emulator starts");
    let full = fastest_burn(&emulator, "1").await;
    let small = fastest_burn(&emulator, "2").await;
    emulator.shutdown().await;
    let expected = 1769.0 / 128.0;
    let ratio = small / full;
    eprintln!("CPU share: 128 MB {small:.1} ms, 1,769 MB {full:.1} ms, ratio {ratio:.2} (expected {expected:.2})");
    // Wide enough for a loaded two-core runner (the full-share run competes for its core;
    // the quota's 14 ms periods round), narrow enough to fail without the share.
    assert!(
        (expected * 0.6..expected * 1.4).contains(&ratio),
        "128 MB took {small:.1} ms, 1,769 MB {full:.1} ms: ratio {ratio:.2}, expected about {expected:.2}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allocation_past_the_limit_ends_as_runtime_out_of_memory_and_the_next_call_starts_fresh() {
    if !cgroups_writable("the memory limit test") {
        return;
    }
    let emulator = Emulator::start(physics_config(), EmulatorOptions { logs: LogSink::Discard, ..Default::default() })
        .await
        .expect("emulator starts");
    let outcome = emulator.invoke("physics", Some("3"), payload(json!({"megabytes": 300}))).await.expect("invoked");
    let answer = json_of(&outcome.payload);
    assert_eq!(outcome.status, OutcomeStatus::OutOfMemory, "{answer}");
    assert_eq!(answer["errorType"], "Runtime.OutOfMemory");
    assert!(answer["errorMessage"].as_str().is_some_and(|message| message.contains("signal: 9")), "{answer}");
    assert_eq!(outcome.report.max_memory_used_mb, 128, "an OOM-killed sandbox used all it had");
    assert!(
        outcome.report.to_string().contains("Status: error\tError Type: Runtime.OutOfMemory\t"),
        "{}",
        outcome.report
    );

    let outcome = emulator.invoke("physics", Some("3"), payload(json!({"megabytes": 16}))).await.expect("invoked");
    assert_eq!(outcome.status, OutcomeStatus::Success, "{}", json_of(&outcome.payload));
    assert!(outcome.report.init_duration.is_some(), "the killed sandbox was replaced by a fresh one");
    emulator.shutdown().await;
}

/// The recording proxy's fixture handler behind a latency profile that gives every call
/// exactly `milliseconds` (median and p99 equal: no spread).
fn latency_config(folder: &Path, milliseconds: u32) -> Config {
    let profile = folder.join("profile.toml");
    std::fs::write(
        &profile,
        format!("name = \"flat\"\n[default]\nmedian_ms = {milliseconds}.0\np99_ms = {milliseconds}.0\nsource = \"the test\"\n"),
    )
    .expect("write the profile");
    let text = format!(
        r#"
[local]
python = "{python}"
[local.physics]
latency_profile = "{profile}"

[local.moto]
start = true
setup = ["{{python}}", "writes_setup.py", "{{endpoint}}"]

[[function]]
name = "writes"
timeout_s = 30
[[function.version]]
version = "1"
python = {{ handler = "writes.handler", code = "python" }}
"#,
        python = python().display(),
        profile = profile.display(),
    );
    Config::parse(&text, Path::new("latency.toml"), &fixtures()).expect("valid config")
}

const WRITES_CALLS: [&str; 10] = [
    "dynamodb:PutItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:GetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:TransactWriteItems",
    "s3:PutObject",
    "s3:GetObject",
    "s3:CopyObject",
    "s3:DeleteObject",
];

fn names(calls: &[AwsCall]) -> Vec<String> {
    calls.iter().map(|call| format!("{}:{}", call.service, call.operation)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_latency_profile_delays_every_call_and_the_trace_lists_them_in_order() {
    let folder = tempfile::tempdir().expect("tempdir");
    let options = EmulatorOptions { logs: LogSink::Discard, start_backend: true, ..Default::default() };
    let emulator = Emulator::start(latency_config(folder.path(), 40), options).await.expect("emulator starts");
    let outcome = emulator.invoke("writes", Some("1"), payload(json!({}))).await.expect("invoked");
    let answer = json_of(&outcome.payload);
    emulator.shutdown().await;
    assert_eq!(outcome.status, OutcomeStatus::Success, "{answer}");
    assert_eq!(answer["conditional"], "ConditionalCheckFailedException", "moto still answers behind the delay");
    let calls = &outcome.aws_calls;
    assert_eq!(names(calls), WRITES_CALLS, "{calls:#?}");
    for call in calls {
        assert_eq!(call.added_us, 40_000, "{call:?}");
        assert!(call.end_us - call.start_us >= 40_000, "the call waited the profile's delay: {call:?}");
    }
    let statuses: Vec<u16> = calls.iter().map(|call| call.status).collect();
    assert_eq!(statuses, [200, 400, 200, 200, 200, 200, 200, 200, 200, 204], "the conditional put failed");
    assert!(calls.windows(2).all(|pair| pair[0].end_us <= pair[1].start_us), "boto3 calls one at a time: {calls:#?}");
    let path = CriticalPath::of(calls);
    assert_eq!((path.max_concurrent, path.sequence.len()), (1, 10));
    assert!(
        outcome.report.duration >= Duration::from_millis(400),
        "ten sequential calls of 40 ms: {:?}",
        outcome.report.duration
    );
}
