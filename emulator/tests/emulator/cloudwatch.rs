//! The CloudWatch front door against the real aws-sdk-cloudwatch client (Smithy RPC v2
//! CBOR), on a clock the test steps by the minute.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_cloudwatch::error::ProvideErrorMetadata;
use aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataOutput;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{
    Dimension, DimensionFilter, Metric, MetricDataQuery, MetricDatum, MetricStat, ScanBy, StatusCode,
};
use emulator::ScaledClock;

use super::*;

/// A minute boundary: periods align to the epoch.
const MINUTE_ZERO: u64 = 1_900_000_020;

pub(crate) fn cloudwatch_client(emulator: &Emulator) -> aws_sdk_cloudwatch::Client {
    use aws_sdk_cloudwatch::config::{BehaviorVersion, Credentials, Region};
    let address = emulator.lambda_api_address().expect("serving");
    let config = aws_sdk_cloudwatch::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(format!("http://{address}"))
        .region(Region::new("eu-west-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "tests"))
        .build();
    aws_sdk_cloudwatch::Client::from_conf(config)
}

fn stat_query(id: &str, metric_name: &str, dimensions: &[(&str, &str)], stat: &str) -> MetricDataQuery {
    stat_query_in("AWS/Lambda", id, metric_name, dimensions, stat)
}

fn stat_query_in(
    namespace: &str,
    id: &str,
    metric_name: &str,
    dimensions: &[(&str, &str)],
    stat: &str,
) -> MetricDataQuery {
    let metric = Metric::builder()
        .namespace(namespace)
        .metric_name(metric_name)
        .set_dimensions(Some(
            dimensions.iter().map(|(name, value)| Dimension::builder().name(*name).value(*value).build()).collect(),
        ))
        .build();
    MetricDataQuery::builder()
        .id(id)
        .metric_stat(MetricStat::builder().metric(metric).period(60).stat(stat).build())
        .build()
}

/// `(epoch second, value)` of one result.
fn series(output: &GetMetricDataOutput, id: &str) -> Vec<(u64, f64)> {
    let result = output
        .metric_data_results()
        .iter()
        .find(|result| result.id() == Some(id))
        .unwrap_or_else(|| panic!("no result {id}"));
    assert_eq!(result.status_code(), Some(&StatusCode::Complete));
    result.timestamps().iter().map(|at| at.secs() as u64).zip(result.values().iter().copied()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_sdk_cloudwatch_reads_alias_metrics_per_executed_version() {
    let clock = SteppedClock::at_epoch(MINUTE_ZERO);
    let emulator = start_on(config("", ""), true, clock.clone()).await;
    // (minute, executed version) -> (invocations, errors) through the alias, as the caller saw them.
    let mut expected: BTreeMap<(u64, String), (f64, f64)> = BTreeMap::new();
    for index in 0..40 {
        let op = if index % 8 == 0 { json!({"op": "error"}) } else { json!({"op": "echo"}) };
        let outcome = emulator.invoke("rust", Some("live"), payload(op)).await.expect("invoked");
        let counts = expected.entry((MINUTE_ZERO, outcome.executed_version.clone())).or_default();
        counts.0 += 1.0;
        counts.1 += f64::from(u8::from(outcome.status.is_error()));
    }
    clock.advance(Duration::from_secs(60));
    for _ in 0..16 {
        let outcome =
            emulator.invoke("rust", Some("live"), payload(json!({"op": "sleep", "ms": 25}))).await.expect("invoked");
        expected.entry((MINUTE_ZERO + 60, outcome.executed_version.clone())).or_default().0 += 1.0;
    }
    // A direct call of version 2: under Resource=rust:2, never under the alias's series.
    emulator.invoke("rust", Some("2"), payload(json!({"op": "echo"}))).await.expect("invoked");
    let versions: BTreeSet<&str> = expected.keys().map(|(_, version)| version.as_str()).collect();
    assert_eq!(versions, BTreeSet::from(["1", "2"]), "the seeded draws reach both versions");

    let client = cloudwatch_client(&emulator);
    let alias = [("FunctionName", "rust"), ("Resource", "rust:live")];
    let executed = |version| [("FunctionName", "rust"), ("Resource", "rust:live"), ("ExecutedVersion", version)];
    let output = client
        .get_metric_data()
        .metric_data_queries(stat_query("inv_v1", "Invocations", &executed("1"), "Sum"))
        .metric_data_queries(stat_query("inv_v2", "Invocations", &executed("2"), "Sum"))
        .metric_data_queries(stat_query("err_v1", "Errors", &executed("1"), "Sum"))
        .metric_data_queries(stat_query("err_v2", "Errors", &executed("2"), "Sum"))
        .metric_data_queries(stat_query("inv_alias", "Invocations", &alias, "Sum"))
        .metric_data_queries(stat_query("inv_function", "Invocations", &[("FunctionName", "rust")], "Sum"))
        .metric_data_queries(stat_query(
            "inv_direct_executed",
            "Invocations",
            &[("FunctionName", "rust"), ("Resource", "rust:2"), ("ExecutedVersion", "2")],
            "Sum",
        ))
        .metric_data_queries(stat_query(
            "inv_direct",
            "Invocations",
            &[("FunctionName", "rust"), ("Resource", "rust:2")],
            "Sum",
        ))
        .metric_data_queries(stat_query("p99", "Duration", &alias, "p99"))
        .metric_data_queries(stat_query("average", "Duration", &alias, "Average"))
        .metric_data_queries(stat_query("count", "Duration", &alias, "SampleCount"))
        .metric_data_queries(stat_query("sum", "Duration", &alias, "Sum"))
        .metric_data_queries(stat_query("minimum", "Duration", &alias, "Minimum"))
        .metric_data_queries(stat_query("maximum", "Duration", &alias, "Maximum"))
        .start_time(DateTime::from_secs(MINUTE_ZERO as i64))
        .end_time(DateTime::from_secs(MINUTE_ZERO as i64 + 180))
        .scan_by(ScanBy::TimestampAscending)
        .send()
        .await
        .expect("GetMetricData");
    assert!(output.next_token().is_none(), "one page");

    for version in ["1", "2"] {
        let invocations: Vec<(u64, f64)> = expected
            .iter()
            .filter(|((_, v), _)| v == version)
            .map(|((minute, _), counts)| (*minute, counts.0))
            .collect();
        assert_eq!(series(&output, &format!("inv_v{version}")), invocations, "Invocations of version {version}");
        let errors: Vec<(u64, f64)> = expected
            .iter()
            .filter(|((_, v), _)| v == version)
            .map(|((minute, _), counts)| (*minute, counts.1))
            .collect();
        assert_eq!(series(&output, &format!("err_v{version}")), errors, "Errors of version {version}");
    }
    assert_eq!(series(&output, "inv_alias"), [(MINUTE_ZERO, 40.0), (MINUTE_ZERO + 60, 16.0)]);
    assert_eq!(series(&output, "inv_function"), [(MINUTE_ZERO, 40.0), (MINUTE_ZERO + 60, 17.0)]);
    assert_eq!(series(&output, "inv_direct"), [(MINUTE_ZERO + 60, 1.0)]);
    assert_eq!(series(&output, "inv_direct_executed"), [], "a version has no ExecutedVersion series");
    let total_errors: f64 = expected.values().map(|counts| counts.1).sum();
    assert_eq!(total_errors, 5.0, "every eighth call failed");

    // Minute one holds only 25 ms sleeps; the histogram's p99 lies between them and the
    // slowest, and the average is the exact sum over the count.
    let value_in_minute_one = |id: &str| {
        let points = series(&output, id);
        assert_eq!(points.len(), 2, "{id}: {points:?}");
        assert_eq!(points[1].0, MINUTE_ZERO + 60);
        points[1].1
    };
    let (minimum, maximum) = (value_in_minute_one("minimum"), value_in_minute_one("maximum"));
    assert!(minimum >= 25.0, "the fastest 25 ms sleep took {minimum} ms");
    let p99 = value_in_minute_one("p99");
    assert!(p99 >= minimum && p99 <= maximum, "p99 {p99} outside [{minimum}, {maximum}]");
    let average = value_in_minute_one("average");
    assert!((average - value_in_minute_one("sum") / 16.0).abs() < 1e-9, "average {average}");
    assert!(average >= minimum && average <= maximum);
    assert_eq!(series(&output, "count"), [(MINUTE_ZERO, 40.0), (MINUTE_ZERO + 60, 16.0)]);

    // AWS's default order is newest first.
    let newest_first = client
        .get_metric_data()
        .metric_data_queries(stat_query("inv_alias", "Invocations", &alias, "Sum"))
        .start_time(DateTime::from_secs(MINUTE_ZERO as i64))
        .end_time(DateTime::from_secs(MINUTE_ZERO as i64 + 180))
        .send()
        .await
        .expect("GetMetricData");
    assert_eq!(series(&newest_first, "inv_alias"), [(MINUTE_ZERO + 60, 16.0), (MINUTE_ZERO, 40.0)]);

    let elsewhere = client
        .get_metric_data()
        .metric_data_queries(stat_query_in("AWS/EC2", "other", "Invocations", &[], "Sum"))
        .start_time(DateTime::from_secs(MINUTE_ZERO as i64))
        .end_time(DateTime::from_secs(MINUTE_ZERO as i64 + 180))
        .send()
        .await
        .expect("an unknown namespace is not an error");
    assert_eq!(series(&elsewhere, "other"), []);

    let listed = client
        .list_metrics()
        .namespace("AWS/Lambda")
        .metric_name("Invocations")
        .dimensions(DimensionFilter::builder().name("FunctionName").value("rust").build())
        .send()
        .await
        .expect("ListMetrics");
    let sets: BTreeSet<Vec<(String, String)>> = listed
        .metrics()
        .iter()
        .inspect(|metric| assert_eq!(metric.metric_name(), Some("Invocations")))
        .map(|metric| {
            metric
                .dimensions()
                .iter()
                .map(|dimension| {
                    (dimension.name().unwrap_or_default().into(), dimension.value().unwrap_or_default().into())
                })
                .collect()
        })
        .collect();
    let set =
        |pairs: &[(&str, &str)]| pairs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect();
    let wanted: BTreeSet<Vec<(String, String)>> = BTreeSet::from([
        set(&[("FunctionName", "rust")]),
        set(&alias),
        set(&executed("1")),
        set(&executed("2")),
        set(&[("FunctionName", "rust"), ("Resource", "rust:2")]),
    ]);
    assert_eq!(sets, wanted);

    let executed_only = client
        .list_metrics()
        .dimensions(DimensionFilter::builder().name("ExecutedVersion").build())
        .send()
        .await
        .expect("ListMetrics");
    let names: BTreeSet<&str> = executed_only.metrics().iter().filter_map(|metric| metric.metric_name()).collect();
    assert_eq!(names, BTreeSet::from(["Duration", "Errors", "Invocations"]), "no throttles happened");
    assert_eq!(executed_only.metrics().len(), 6, "three metrics for each of two executed versions");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_sdk_cloudwatch_gets_coded_errors() {
    let emulator = start_on(config("", ""), true, SteppedClock::at_epoch(MINUTE_ZERO)).await;
    let client = cloudwatch_client(&emulator);
    let window = |request: aws_sdk_cloudwatch::operation::get_metric_data::builders::GetMetricDataFluentBuilder| {
        request
            .start_time(DateTime::from_secs(MINUTE_ZERO as i64))
            .end_time(DateTime::from_secs(MINUTE_ZERO as i64 + 60))
    };
    let function = [("FunctionName", "rust")];

    let zero_period = MetricDataQuery::builder()
        .id("m1")
        .metric_stat(
            MetricStat::builder()
                .metric(Metric::builder().namespace("AWS/Lambda").metric_name("Invocations").build())
                .period(0)
                .stat("Sum")
                .build(),
        )
        .build();
    let error = window(client.get_metric_data().metric_data_queries(zero_period)).send().await.expect_err("period 0");
    assert_eq!(error.raw_response().map(|response| response.status().as_u16()), Some(400));
    let service_error = error.into_service_error();
    assert_eq!(service_error.code(), Some("InvalidParameterValue"));
    assert!(service_error.message().unwrap_or_default().contains("MetricStat.Period"), "{service_error:?}");

    let neither = MetricDataQuery::builder().id("m1").build();
    let error = window(client.get_metric_data().metric_data_queries(neither)).send().await.expect_err("no stat");
    assert_eq!(error.into_service_error().code(), Some("InvalidParameterCombination"));

    let math = MetricDataQuery::builder().id("e1").expression("FILL(m1, 0)").build();
    let error = window(client.get_metric_data().metric_data_queries(math)).send().await.expect_err("metric math");
    assert_eq!(error.into_service_error().code(), Some("InvalidParameterValue"));

    let error =
        window(client.get_metric_data().metric_data_queries(stat_query("m1", "Invocations", &function, "tm99")))
            .send()
            .await
            .expect_err("a trimmed mean is not served");
    assert_eq!(error.into_service_error().code(), Some("InvalidParameterValue"));

    let error = window(client.get_metric_data().metric_data_queries(stat_query("m1", "Invocations", &function, "Sum")))
        .next_token("page-2")
        .send()
        .await
        .expect_err("a token from nowhere");
    assert!(error.into_service_error().is_invalid_next_token(), "InvalidNextToken is a typed error");

    let error = client
        .get_metric_data()
        .metric_data_queries(stat_query("m1", "Invocations", &function, "Sum"))
        .end_time(DateTime::from_secs(MINUTE_ZERO as i64))
        .send()
        .await
        .expect_err("no start time");
    assert_eq!(error.into_service_error().code(), Some("MissingParameter"));

    let datum = MetricDatum::builder().metric_name("Custom").value(1.0).build();
    let error = client.put_metric_data().namespace("Custom").metric_data(datum).send().await.expect_err("not served");
    assert_eq!(error.into_service_error().code(), Some("InvalidAction"));

    // The answer's protocol headers, and an unknown operation, seen without the SDK.
    let base = format!(
        "http://{}/service/GraniteServiceVersion20100801/operation",
        emulator.lambda_api_address().expect("serving")
    );
    let http = reqwest::Client::new();
    let listed = http
        .post(format!("{base}/ListMetrics"))
        .header("content-type", "application/cbor")
        .header("smithy-protocol", "rpc-v2-cbor")
        .body(vec![0xbf, 0xff])
        .send()
        .await
        .expect("answers");
    assert_eq!(listed.status(), 200);
    assert_eq!(listed.headers()["smithy-protocol"], "rpc-v2-cbor");
    assert_eq!(listed.headers()["content-type"], "application/cbor");
    assert!(listed.headers().contains_key("x-amzn-requestid"));
    assert_eq!(
        listed.bytes().await.expect("body").as_ref(),
        [0xa1, 0x67, b'M', b'e', b't', b'r', b'i', b'c', b's', 0x80]
    );
    let unknown = http.post(format!("{base}/DescribeAlarms")).body(vec![0xbf, 0xff]).send().await.expect("answers");
    assert_eq!(unknown.status(), 404);
    assert_eq!(unknown.headers()["x-amzn-query-error"], "InvalidAction;Sender");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scaled_clock_puts_a_metric_minute_in_each_real_second() {
    let origin = UNIX_EPOCH + Duration::from_secs(MINUTE_ZERO);
    let clock = Arc::new(ScaledClock::new(origin, 60.0));
    let emulator = start_on(config("", ""), true, clock.clone()).await;
    let minute_of = |at: SystemTime| {
        let second = at.duration_since(UNIX_EPOCH).expect("after the epoch").as_secs();
        second - second % 60
    };
    // Each call is stamped between the two readings around it; they agree unless the
    // machine took a whole metric minute (a real second) for one call.
    let mut minutes = Vec::new();
    for _ in 0..2 {
        let before = clock.now();
        emulator.invoke("rust", Some("1"), payload(json!({"op": "echo"}))).await.expect("invoked");
        let after = clock.now();
        assert_eq!(minute_of(before), minute_of(after), "one call took over a real second");
        minutes.push(minute_of(after));
        // Wait, in real time, for the next metric minute to begin.
        let next_minute = UNIX_EPOCH + Duration::from_secs(minute_of(after) + 61);
        let left = next_minute.duration_since(clock.now()).unwrap_or_default();
        tokio::time::sleep(clock.real_duration(left)).await;
    }
    assert!(minutes[1] > minutes[0]);

    let output = cloudwatch_client(&emulator)
        .get_metric_data()
        .metric_data_queries(stat_query(
            "calls",
            "Invocations",
            &[("FunctionName", "rust"), ("Resource", "rust:1")],
            "Sum",
        ))
        .start_time(DateTime::from_secs(MINUTE_ZERO as i64))
        .end_time(DateTime::from_secs(MINUTE_ZERO as i64 + 600))
        .scan_by(ScanBy::TimestampAscending)
        .send()
        .await
        .expect("GetMetricData");
    assert_eq!(series(&output, "calls"), [(minutes[0], 1.0), (minutes[1], 1.0)]);
    emulator.shutdown().await;
}
