//! The AWS adapters against moto server, seeded through moto's own API: CloudWatch Logs
//! with PutLogEvents, Cost Explorer with moto's cost-and-usage results endpoint.

use aws_sdk_costexplorer::config::{BehaviorVersion, Credentials, Region};
use reports::{
    Architecture, AwsUsageSource, AwsWindow, CostExplorerActuals, FunctionPlan, PackageType, PriceTable, VersionPlan,
    Window,
};
use time::OffsetDateTime;

use crate::support::{fixture_usage, seed, start_moto};

fn credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "moto")
}

fn logs_client(endpoint: &str) -> aws_sdk_cloudwatchlogs::Client {
    let config = aws_sdk_cloudwatchlogs::Config::builder()
        .behavior_version(aws_sdk_cloudwatchlogs::config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_sdk_cloudwatchlogs::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_cloudwatchlogs::config::Credentials::new(
            "testing", "testing", None, None, "moto",
        ))
        .build();
    aws_sdk_cloudwatchlogs::Client::from_conf(config)
}

fn version(number: &str, runtime: &str) -> VersionPlan {
    VersionPlan {
        version: number.into(),
        runtime: runtime.into(),
        architecture: Architecture::X86_64,
        package_type: PackageType::Zip,
        memory_mb: None,
    }
}

const SEED_LOGS: &str = r#"
import boto3, os, time
logs = boto3.client("logs", endpoint_url=os.environ["ENDPOINT"])
group = "/aws/lambda/orders"
logs.create_log_group(logGroupName=group)
now = int(time.time() * 1000) - 3_600_000
def put(stream, messages):
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(logGroupName=group, logStreamName=stream,
        logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(messages)])
put("2026/08/01/[1]aaaa", [
    "START RequestId: a Version: 1",
    "REPORT RequestId: a\tDuration: 401.20 ms\tBilled Duration: 1890 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB\tInit Duration: 1488.10 ms\t",
    "START RequestId: b Version: 1",
    "REPORT RequestId: b\tDuration: 120.01 ms\tBilled Duration: 121 ms\tMemory Size: 512 MB\tMax Memory Used: 92 MB\t",
])
put("2026/08/01/[1]bbbb", [
    "REPORT RequestId: c\tDuration: 119.50 ms\tBilled Duration: 120 ms\tMemory Size: 512 MB\tMax Memory Used: 88 MB\t",
])
put("2026/08/01/[2]cccc", [
    "START RequestId: d Version: 2",
    "REPORT RequestId: d\tDuration: 3.10 ms\tBilled Duration: 21 ms\tMemory Size: 128 MB\tMax Memory Used: 18 MB\tInit Duration: 17.20 ms\t",
    "REPORT RequestId: e\tDuration: 2.20 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\tMax Memory Used: 19 MB\t",
])
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_lines_come_from_cloudwatch_logs_per_version_of_the_stream_name() {
    let moto = start_moto();
    seed(&moto.endpoint, SEED_LOGS);
    let source = AwsUsageSource::new(logs_client(&moto.endpoint), None, None);
    let now = OffsetDateTime::now_utc();
    let plans = [FunctionPlan {
        function: "orders".into(),
        api: None,
        before: version("1", "python3.12"),
        after: version("2", "provided.al2023"),
    }];
    let read = AwsWindow {
        window: Window { start: now - time::Duration::hours(3), end: now },
        alias: None,
        all_log_lines: false,
        insights: None,
    };
    let usage = source.usage(&plans, "us-east-1", &read).await.expect("usage from moto");
    let orders = &usage.functions[0];
    assert_eq!(orders.before.sample.count(), 3, "two streams of version 1");
    assert_eq!(orders.before.sample.cold_starts(), 1);
    assert_eq!(orders.before.memory_mb, 512, "from the REPORT lines");
    assert_eq!(orders.before.max_memory_used_mb, Some(92));
    // The cold start billed 1890 ms with INIT (401.20 + 1488.10 = 1889.30), 402 ms without.
    assert_eq!(orders.before.sample.cold_billed_ms.iter().collect::<Vec<_>>(), vec![(402, 1890, 1)]);
    assert_eq!(orders.before.sample.warm_billed_ms.iter().collect::<Vec<_>>(), vec![(120, 1), (121, 1)]);
    assert_eq!((orders.after.sample.count(), orders.after.memory_mb), (2, 128));
    assert!(!usage.source.projection);

    // A window that holds none of the lines is an empty window, not a saving.
    let earlier = AwsWindow {
        window: Window { start: now - time::Duration::hours(30), end: now - time::Duration::hours(26) },
        alias: None,
        all_log_lines: false,
        insights: None,
    };
    let plans_with_memory = [FunctionPlan {
        function: "orders".into(),
        api: None,
        before: VersionPlan { memory_mb: Some(512), ..version("1", "python3.12") },
        after: VersionPlan { memory_mb: Some(128), ..version("2", "provided.al2023") },
    }];
    let empty = source.usage(&plans_with_memory, "us-east-1", &earlier).await.expect("an empty usage");
    let error = reports::build_report(&empty, &PriceTable::embedded(), &Default::default()).expect_err("no data");
    assert!(error.to_string().contains("no invocations to report"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cost_explorer_actuals_reconcile_with_the_model() {
    let moto = start_moto();
    // moto answers GetCostAndUsage with the results queued here, in order.
    seed(
        &moto.endpoint,
        r#"
import json, os, urllib.request
result = {"ResultsByTime": [
  {"TimePeriod": {"Start": "2026-08-01", "End": "2026-08-02"}, "Estimated": False, "Total": {},
   "Groups": [
     {"Keys": ["Lambda-GB-Second"], "Metrics": {"UnblendedCost": {"Amount": "10.50", "Unit": "USD"}, "UsageQuantity": {"Amount": "630000", "Unit": "N/A"}}},
     {"Keys": ["Request"], "Metrics": {"UnblendedCost": {"Amount": "0.40", "Unit": "USD"}, "UsageQuantity": {"Amount": "2000000", "Unit": "N/A"}}}]},
  {"TimePeriod": {"Start": "2026-08-02", "End": "2026-08-03"}, "Estimated": True, "Total": {},
   "Groups": [
     {"Keys": ["Lambda-GB-Second-ARM"], "Metrics": {"UnblendedCost": {"Amount": "1.25", "Unit": "USD"}, "UsageQuantity": {"Amount": "93750", "Unit": "N/A"}}},
     {"Keys": ["USE1-ApiGatewayRequest"], "Metrics": {"UnblendedCost": {"Amount": "3.50", "Unit": "USD"}, "UsageQuantity": {"Amount": "1000000", "Unit": "N/A"}}}]}],
  "DimensionValueAttributes": []}
body = json.dumps({"results": [result]}).encode()
request = urllib.request.Request(os.environ["ENDPOINT"] + "/moto-api/static/ce/cost-and-usage-results", data=body, method="POST", headers={"Content-Type": "application/json"})
assert urllib.request.urlopen(request).status == 201
"#,
    );
    let config = aws_sdk_costexplorer::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(&moto.endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(credentials())
        .build();
    let actuals = CostExplorerActuals::new(aws_sdk_costexplorer::Client::from_conf(config));
    let usage = fixture_usage();
    let costs = actuals.actuals(&usage.window, "us-east-1").await.expect("actuals from moto");
    let by_type = |usage_type: &str| {
        costs.iter().find(|cost| cost.usage_type == usage_type).map(|cost| (cost.usd, cost.quantity))
    };
    assert_eq!(by_type("Lambda-GB-Second"), Some((10.5, 630_000.0)));
    assert_eq!(by_type("USE1-ApiGatewayRequest"), Some((3.5, 1_000_000.0)));
    assert_eq!(costs.len(), 4);

    let reconciliation = reports::reconcile(&usage, &PriceTable::embedded(), &costs).expect("reconciliation");
    assert!((reconciliation.actual_usd - 15.65).abs() < 1e-9, "{}", reconciliation.actual_usd);
    let duration =
        reconciliation.rows.iter().find(|row| row.category == reports::Category::Duration).expect("duration row");
    assert_eq!(duration.usage_types, vec!["Lambda-GB-Second", "Lambda-GB-Second-ARM"]);
    assert!((duration.actual_quantity - 723_750.0).abs() < 1e-6);
    assert!(
        reconciliation.model_usd > reconciliation.actual_usd,
        "the fixture's week costs more than the seeded two days"
    );
    assert!((reconciliation.residual_usd - (reconciliation.actual_usd - reconciliation.model_usd)).abs() < 1e-9);
    assert!(
        reconciliation.likely_causes.iter().any(|cause| cause.starts_with("free tier")),
        "{:?}",
        reconciliation.likely_causes
    );
}
