//! `--logs-insights` at the SDK boundary (aws-smithy-mocks; moto does not run Insights'
//! `parse` and `stats`): the query and its window, polling on tokio's paused clock until
//! `Complete`, the rows into the usage model, and a query that ends badly or too late.

use std::time::Duration;

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::operation::get_query_results::GetQueryResultsOutput;
use aws_sdk_cloudwatchlogs::operation::start_query::StartQueryOutput;
use aws_sdk_cloudwatchlogs::operation::stop_query::StopQueryOutput;
use aws_sdk_cloudwatchlogs::types::{QueryStatus, ResultField};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use reports::{
    Architecture, AwsUsageSource, AwsWindow, FunctionPlan, InsightsSettings, PackageType, SourceError, VersionPlan,
    Window,
};
use time::macros::datetime;

const WINDOW: Window = Window { start: datetime!(2026-08-01 00:00 UTC), end: datetime!(2026-08-08 00:00 UTC) };
const SETTINGS: InsightsSettings =
    InsightsSettings { poll_interval: Duration::from_secs(5), deadline: Duration::from_secs(60) };

fn plans() -> Vec<FunctionPlan> {
    let version = |number: &str, runtime: &str| VersionPlan {
        version: number.into(),
        runtime: runtime.into(),
        architecture: Architecture::X86_64,
        package_type: PackageType::Zip,
        memory_mb: None,
    };
    vec![FunctionPlan {
        function: "orders".into(),
        api: None,
        before: version("1", "python3.12"),
        after: version("2", "provided.al2023"),
    }]
}

fn read() -> AwsWindow {
    AwsWindow { window: WINDOW, alias: None, all_log_lines: false, insights: Some(SETTINGS) }
}

/// A StartQuery that must ask for the REPORT aggregation of `orders` over the window.
fn start_rule() -> Rule {
    mock!(Client::start_query)
        .match_requests(|input| {
            input.log_group_name() == Some("/aws/lambda/orders")
                && input.start_time() == Some(WINDOW.start.unix_timestamp())
                && input.end_time() == Some(WINDOW.end.unix_timestamp())
                && input.query_string() == Some(reports::report_query(1_786_147_200_000, 1).as_str())
                && input.limit() == Some(10_000)
        })
        .then_output(|| StartQueryOutput::builder().query_id("query-7").build())
}

fn status(status: QueryStatus) -> GetQueryResultsOutput {
    GetQueryResultsOutput::builder().status(status).build()
}

fn row(pairs: &[(&str, &str)]) -> Vec<ResultField> {
    pairs.iter().map(|(field, value)| ResultField::builder().field(*field).value(*value).build()).collect()
}

fn complete() -> GetQueryResultsOutput {
    GetQueryResultsOutput::builder()
        .status(QueryStatus::Complete)
        // Version 1: 3 warm invocations billed 120 ms, 1 cold start billed 1890 ms with INIT
        // (401.20 ms handler → 402 ms alone). Memory in Insights' bytes of 10^6.
        .results(row(&[
            ("version", "1"),
            ("cold", "0"),
            ("bucket", "120"),
            ("invocations", "3"),
            ("billed_total", "360"),
            ("handler_total", "360"),
            ("with_init_total", "360"),
            ("max_memory_used", "92000000"),
            ("memory_size", "512000000"),
        ]))
        .results(row(&[
            ("version", "1"),
            ("cold", "1"),
            ("bucket", "1890"),
            ("invocations", "1"),
            ("billed_total", "1890"),
            ("handler_total", "402"),
            ("with_init_total", "1890"),
            ("max_memory_used", "90000000"),
            ("memory_size", "512000000"),
        ]))
        // Version 2: 5 warm invocations of 3 ms.
        .results(row(&[
            ("version", "2"),
            ("cold", "0"),
            ("bucket", "3"),
            ("invocations", "5"),
            ("billed_total", "15"),
            ("handler_total", "15"),
            ("with_init_total", "15"),
            ("max_memory_used", "19000000"),
            ("memory_size", "128000000"),
        ]))
        .build()
}

#[tokio::test(start_paused = true)]
async fn insights_polls_until_complete_and_its_groups_become_the_usage_histograms() {
    let start = start_rule();
    let results = mock!(Client::get_query_results)
        .match_requests(|input| input.query_id() == Some("query-7"))
        .sequence()
        .output(|| status(QueryStatus::Scheduled))
        .output(|| status(QueryStatus::Running))
        .output(complete)
        .build();
    let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &results]);
    let source = AwsUsageSource::new(client, None, None);
    let began = tokio::time::Instant::now();
    let usage = source.usage(&plans(), "us-east-1", &read()).await.expect("usage from Insights");

    assert_eq!((start.num_calls(), results.num_calls()), (1, 3), "polled until Complete");
    assert_eq!(began.elapsed(), Duration::from_secs(10), "two waits of the poll interval, on tokio's clock");
    let orders = &usage.functions[0];
    assert_eq!(orders.before.sample.warm_billed_ms.iter().collect::<Vec<_>>(), vec![(120, 3)]);
    assert_eq!(orders.before.sample.cold_billed_ms.iter().collect::<Vec<_>>(), vec![(402, 1890, 1)]);
    assert_eq!((orders.before.memory_mb, orders.before.max_memory_used_mb), (512, Some(92)));
    assert_eq!(orders.after.sample.warm_billed_ms.iter().collect::<Vec<_>>(), vec![(3, 5)]);
    assert_eq!((orders.after.memory_mb, orders.after.max_memory_used_mb), (128, Some(19)));
    assert!(
        usage
            .source
            .detail
            .starts_with("CloudWatch Logs Insights aggregates of REPORT lines (1 queries, per billed ms)"),
        "{}",
        usage.source.detail
    );
}

#[tokio::test(start_paused = true)]
async fn a_query_that_ends_failed_is_a_named_error() {
    let start = start_rule();
    let results = mock!(Client::get_query_results)
        .sequence()
        .output(|| status(QueryStatus::Running))
        .output(|| status(QueryStatus::Failed))
        .build();
    let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &results]);
    let error =
        AwsUsageSource::new(client, None, None).usage(&plans(), "us-east-1", &read()).await.expect_err("failed query");
    assert!(
        matches!(&error, SourceError::InsightsQuery { status, query_id, .. } if status == "Failed" && query_id == "query-7"),
        "{error:?}"
    );
    assert_eq!(error.to_string(), "the Logs Insights query query-7 on /aws/lambda/orders ended Failed");
}

#[tokio::test(start_paused = true)]
async fn a_query_past_its_deadline_is_stopped_and_named() {
    let start = start_rule();
    let results = mock!(Client::get_query_results).then_output(|| status(QueryStatus::Running));
    let stop = mock!(Client::stop_query)
        .match_requests(|input| input.query_id() == Some("query-7"))
        .then_output(|| StopQueryOutput::builder().success(true).build());
    let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&start, &results, &stop]);
    let began = tokio::time::Instant::now();
    let error =
        AwsUsageSource::new(client, None, None).usage(&plans(), "us-east-1", &read()).await.expect_err("deadline");
    assert!(matches!(error, SourceError::InsightsDeadline { .. }), "{error:?}");
    assert_eq!(stop.num_calls(), 1, "a query left running keeps billing");
    // Polled at 0, 5, …, 60 s: the next wait would pass the 60 s deadline.
    assert_eq!((results.num_calls(), began.elapsed()), (13, Duration::from_secs(60)));
}

#[test]
fn the_query_parses_the_version_from_the_stream_and_groups_by_billed_milliseconds() {
    let query = reports::report_query(1_786_147_200_000, 10);
    assert!(query.starts_with("filter @type = \"REPORT\" and toMillis(@timestamp) < 1786147200000\n"), "{query}");
    assert!(query.contains(r"| parse @logStream /\[(?<version>[^\]]+)\]/"), "{query}");
    assert!(query.contains("ceil(@billedDuration / 10) as bucket"), "{query}");
    assert!(query.contains("by version, cold, bucket, handler_bucket, with_init_bucket"), "{query}");
    assert!(query.ends_with("| limit 10000"), "{query}");
}
