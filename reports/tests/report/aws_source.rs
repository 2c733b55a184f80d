//! `--source aws` against the local emulator: invocations through a weighted alias, then
//! Invocations per `ExecutedVersion` through the same CloudWatch metrics code (the Rust
//! SDK's CBOR protocol) and each version's configuration through Lambda
//! `GetFunctionConfiguration`. The REPORT lines come from moto's CloudWatch Logs, as the
//! emulator does not serve Logs.

use std::collections::BTreeMap;
use std::path::Path;

use aws_config::BehaviorVersion;
use emulator::{Emulator, EmulatorOptions};
use reports::{Architecture, AwsUsageSource, AwsWindow, FunctionPlan, PackageType, VersionPlan, Window};
use time::OffsetDateTime;

use crate::support::{python, repo_root, seed, start_moto};

/// The emulator's echo fixture, twice, behind an alias that sends about half the traffic
/// to version 2.
fn echo_config() -> emulator::Config {
    let code = repo_root().join("emulator/tests/fixtures/python");
    let text = format!(
        r#"
[local]
python = "{python}"

[[function]]
name = "echo"
memory_mb = 256
timeout_s = 5
[[function.version]]
version = "1"
python = {{ handler = "fixture_handlers.echo", code = "{code}" }}
[[function.version]]
version = "2"
python = {{ handler = "fixture_handlers.echo", code = "{code}" }}
[[function.alias]]
name = "live"
version = "1"
additional_version_weights = {{ "2" = 0.5 }}
"#,
        python = python().display(),
        code = code.display()
    );
    emulator::Config::parse(&text, Path::new("reports-test.toml"), &repo_root()).expect("valid config")
}

async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("eu-west-1"))
        .credentials_provider(aws_sdk_lambda::config::Credentials::new("testing", "testing", None, None, "tests"))
        .load()
        .await
}

/// Two REPORT lines per version: fewer than the invocations, so the volume must come
/// from the metrics and the lines are only the sample.
const SEED_LOGS: &str = r#"
import boto3, os, time
logs = boto3.client("logs", endpoint_url=os.environ["ENDPOINT"], region_name="eu-west-1")
group = "/aws/lambda/echo"
logs.create_log_group(logGroupName=group)
now = int(time.time() * 1000)
for version, billed in (("1", 40), ("2", 3)):
    stream = f"2026/08/01/[{version}]abcd"
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
        {"timestamp": now + i, "message": f"REPORT RequestId: {version}-{i}\tDuration: {billed - 0.5} ms\tBilled Duration: {billed} ms\tMemory Size: 128 MB\tMax Memory Used: 30 MB\t"}
        for i in range(2)])
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_source_reads_invocations_per_executed_version_and_configuration_from_the_emulator() {
    let options = EmulatorOptions { serve_http: true, routing_seed: Some(7), ..Default::default() };
    let emulator = Emulator::start(echo_config(), options).await.expect("emulator");
    let endpoint = format!("http://{}", emulator.lambda_api_address().expect("serving"));
    let config = sdk_config(&endpoint).await;
    // A UTC day around now: the metric period is the window, and the invocations land in it.
    let now = OffsetDateTime::now_utc();
    let start = now.replace_time(time::Time::MIDNIGHT);
    let window = Window { start, end: start + time::Duration::days(1) };

    let lambda = aws_sdk_lambda::Client::new(&config);
    let mut through_alias: BTreeMap<String, u64> = BTreeMap::new();
    for index in 0..24 {
        let answer = lambda
            .invoke()
            .function_name("echo")
            .qualifier("live")
            .payload(aws_sdk_lambda::primitives::Blob::new(format!(r#"{{"index": {index}}}"#)))
            .send()
            .await
            .expect("invoked through the alias");
        *through_alias.entry(answer.executed_version().expect("executed version").to_string()).or_default() += 1;
    }
    // A direct call of version 2 is not under the alias's ExecutedVersion series.
    lambda.invoke().function_name("echo").qualifier("2").send().await.expect("direct call");
    assert_eq!(through_alias.len(), 2, "both versions served the alias: {through_alias:?}");

    let moto = start_moto();
    seed(&moto.endpoint, SEED_LOGS);
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk_config(&moto.endpoint).await);
    let metrics = lambda_metrics::CloudWatchMetrics::from_config(&config);
    let source = AwsUsageSource::new(logs, Some(lambda), Some(Box::new(metrics)));
    let version = |number: &str| VersionPlan {
        version: number.into(),
        runtime: "unknown".into(),
        architecture: Architecture::Arm64,
        package_type: PackageType::Image,
        memory_mb: None,
    };
    let plans = [FunctionPlan { function: "echo".into(), api: None, before: version("1"), after: version("2") }];
    let read = AwsWindow { window, alias: Some("live".into()), all_log_lines: false, insights: None };
    let usage = source.usage(&plans, "eu-west-1", &read).await.expect("usage from the emulator and moto");
    let echo = &usage.functions[0];

    // The volume is the metrics', per executed version; the lines are the sample.
    assert_eq!(echo.before.invocations, Some(through_alias["1"]));
    assert_eq!(echo.after.invocations, Some(through_alias["2"]));
    assert_eq!((echo.before.sample.count(), echo.after.sample.count()), (2, 2));
    // The configuration is Lambda's, not the plan's nor the REPORT lines'.
    for version in [&echo.before, &echo.after] {
        assert_eq!(version.memory_mb, 256, "MemorySize from GetFunctionConfiguration wins over the lines' 128 MB");
        assert!(version.runtime.starts_with("python"), "{}", version.runtime);
        assert_eq!((version.architecture, version.package_type), (Architecture::X86_64, PackageType::Zip));
        assert!(version.code_sha256.as_deref().is_some_and(|sha| sha.len() == 44), "{:?}", version.code_sha256);
    }
    assert!(usage.source.detail.contains("CloudWatch Invocations per ExecutedVersion"), "{}", usage.source.detail);
    emulator.shutdown().await;
}
