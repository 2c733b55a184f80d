//! [`MetricSource`] on CloudWatch: `GetMetricData` for Lambda's series and custom metrics,
//! `ListMetrics` for the dimension sets. The local emulator serves the same two operations
//! in the same protocol, so this adapter is what runs in a rehearsal too.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::types::{Dimension, DimensionFilter, Metric, MetricDataQuery, MetricStat, ScanBy};
use aws_smithy_types::DateTime;
use serde::Serialize;

use crate::model::{
    CustomMetricQuery, DimensionSet, LambdaMetricsQuery, MetricDatapoint, MetricSource, MetricWindow, MetricsError,
    PeriodStats, percentile_name,
};

const LAMBDA_NAMESPACE: &str = "AWS/Lambda";

/// What this adapter asked CloudWatch for: GetMetricData is billed per metric requested.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RequestCounts {
    /// `GetMetricData` calls, one per page.
    pub get_metric_data_calls: u64,
    /// Metrics requested over all `GetMetricData` calls: the billed unit.
    pub metrics_requested: u64,
    /// `ListMetrics` calls, one per page.
    pub list_metrics_calls: u64,
}

/// The [`MetricSource`] of CloudWatch (or the emulator's CloudWatch front door), counting
/// the requests it makes.
#[derive(Debug)]
pub struct CloudWatchMetrics {
    client: Client,
    get_metric_data_calls: AtomicU64,
    metrics_requested: AtomicU64,
    list_metrics_calls: AtomicU64,
}

impl CloudWatchMetrics {
    pub(crate) fn new(client: Client) -> CloudWatchMetrics {
        CloudWatchMetrics {
            client,
            get_metric_data_calls: AtomicU64::new(0),
            metrics_requested: AtomicU64::new(0),
            list_metrics_calls: AtomicU64::new(0),
        }
    }

    /// A source on a CloudWatch client built from `config` (its region, credentials and endpoint).
    pub fn from_config(config: &aws_config::SdkConfig) -> CloudWatchMetrics {
        CloudWatchMetrics::new(Client::new(config))
    }

    /// The requests made so far by this source, across all queries.
    pub fn request_counts(&self) -> RequestCounts {
        RequestCounts {
            get_metric_data_calls: self.get_metric_data_calls.load(Ordering::Relaxed),
            metrics_requested: self.metrics_requested.load(Ordering::Relaxed),
            list_metrics_calls: self.list_metrics_calls.load(Ordering::Relaxed),
        }
    }

    /// Runs the queries (one page after another) and returns each query id's points.
    async fn get_metric_data(
        &self,
        queries: Vec<MetricDataQuery>,
        window: &MetricWindow,
    ) -> Result<BTreeMap<String, Vec<(SystemTime, f64)>>, MetricsError> {
        let mut points: BTreeMap<String, Vec<(SystemTime, f64)>> = BTreeMap::new();
        let mut next_token: Option<String> = None;
        loop {
            self.get_metric_data_calls.fetch_add(1, Ordering::Relaxed);
            self.metrics_requested.fetch_add(queries.len() as u64, Ordering::Relaxed);
            let output = self
                .client
                .get_metric_data()
                .set_metric_data_queries(Some(queries.clone()))
                .start_time(DateTime::from(window.start))
                .end_time(DateTime::from(window.end))
                .scan_by(ScanBy::TimestampAscending)
                .set_next_token(next_token.take())
                .send()
                .await
                .map_err(|error| MetricsError::Service { operation: "GetMetricData", source: Box::new(error) })?;
            for result in output.metric_data_results() {
                let id = result.id().unwrap_or_default().to_string();
                if result.timestamps().len() != result.values().len() {
                    return Err(MetricsError::Answer {
                        operation: "GetMetricData",
                        detail: format!(
                            "{} timestamps for {} values in `{id}`",
                            result.timestamps().len(),
                            result.values().len()
                        ),
                    });
                }
                let series = points.entry(id).or_default();
                for (timestamp, value) in result.timestamps().iter().zip(result.values()) {
                    let at = SystemTime::try_from(*timestamp).map_err(|_| MetricsError::Answer {
                        operation: "GetMetricData",
                        detail: format!("a timestamp out of range: {timestamp}"),
                    })?;
                    series.push((at, *value));
                }
            }
            match output.next_token() {
                Some(token) if !token.is_empty() => next_token = Some(token.to_string()),
                _ => break,
            }
        }
        for series in points.values_mut() {
            series.sort_by_key(|(at, _)| *at);
        }
        Ok(points)
    }
}

fn query(
    id: &str,
    namespace: &str,
    metric_name: &str,
    dimensions: &[(String, String)],
    window: &MetricWindow,
    stat: &str,
) -> MetricDataQuery {
    let metric = Metric::builder()
        .namespace(namespace)
        .metric_name(metric_name)
        .set_dimensions(Some(
            dimensions.iter().map(|(name, value)| Dimension::builder().name(name).value(value).build()).collect(),
        ))
        .build();
    let period = i32::try_from(window.period.as_secs()).unwrap_or(i32::MAX);
    MetricDataQuery::builder()
        .id(id)
        .metric_stat(MetricStat::builder().metric(metric).period(period).stat(stat).build())
        .return_data(true)
        .build()
}

/// A query id for a percentile: ids start with a lowercase letter and hold no dots.
fn percentile_id(quantile: f64) -> String {
    format!("d_{}", percentile_name(quantile).replace('.', "_"))
}

#[async_trait::async_trait]
impl MetricSource for CloudWatchMetrics {
    async fn lambda_periods(&self, request: &LambdaMetricsQuery) -> Result<Vec<PeriodStats>, MetricsError> {
        if request.window.is_empty() {
            return Ok(Vec::new());
        }
        let dimensions = request.series.dimensions();
        let window = &request.window;
        let mut queries = vec![
            query("invocations", LAMBDA_NAMESPACE, "Invocations", &dimensions, window, "Sum"),
            query("errors", LAMBDA_NAMESPACE, "Errors", &dimensions, window, "Sum"),
            query("throttles", LAMBDA_NAMESPACE, "Throttles", &dimensions, window, "Sum"),
            query("d_count", LAMBDA_NAMESPACE, "Duration", &dimensions, window, "SampleCount"),
            query("d_average", LAMBDA_NAMESPACE, "Duration", &dimensions, window, "Average"),
            query("d_maximum", LAMBDA_NAMESPACE, "Duration", &dimensions, window, "Maximum"),
        ];
        for quantile in &request.percentiles {
            queries.push(query(
                &percentile_id(*quantile),
                LAMBDA_NAMESPACE,
                "Duration",
                &dimensions,
                window,
                &percentile_name(*quantile),
            ));
        }
        let points = self.get_metric_data(queries, window).await?;
        let value_at = |id: &str, at: SystemTime| {
            points.get(id).and_then(|series| series.iter().find(|(start, _)| *start == at).map(|(_, value)| *value))
        };
        let count = |value: Option<f64>| value.map(|value| value.max(0.0).round() as u64).unwrap_or(0);
        let mut periods = Vec::new();
        for (start, invocations) in points.get("invocations").map(Vec::as_slice).unwrap_or_default() {
            // Only whole periods inside the window; a point outside it is a partial period.
            if *start < window.start || *start + window.period > window.end || *invocations <= 0.0 {
                continue;
            }
            let percentiles = request
                .percentiles
                .iter()
                .filter_map(|quantile| {
                    value_at(&percentile_id(*quantile), *start).map(|value| (percentile_name(*quantile), value))
                })
                .collect();
            periods.push(PeriodStats {
                start: *start,
                invocations: count(Some(*invocations)),
                errors: count(value_at("errors", *start)),
                throttles: count(value_at("throttles", *start)),
                duration_samples: count(value_at("d_count", *start)),
                duration_average_ms: value_at("d_average", *start),
                duration_maximum_ms: value_at("d_maximum", *start),
                duration_percentiles_ms: percentiles,
            });
        }
        Ok(periods)
    }

    async fn dimension_sets(&self, function: &str) -> Result<Vec<DimensionSet>, MetricsError> {
        let mut sets = Vec::new();
        let mut next_token: Option<String> = None;
        loop {
            self.list_metrics_calls.fetch_add(1, Ordering::Relaxed);
            let output = self
                .client
                .list_metrics()
                .namespace(LAMBDA_NAMESPACE)
                .dimensions(DimensionFilter::builder().name("FunctionName").value(function).build())
                .set_next_token(next_token.take())
                .send()
                .await
                .map_err(|error| MetricsError::Service { operation: "ListMetrics", source: Box::new(error) })?;
            for metric in output.metrics() {
                sets.push(DimensionSet {
                    metric_name: metric.metric_name().unwrap_or_default().to_string(),
                    dimensions: metric
                        .dimensions()
                        .iter()
                        .map(|dimension| {
                            (
                                dimension.name().unwrap_or_default().to_string(),
                                dimension.value().unwrap_or_default().to_string(),
                            )
                        })
                        .collect(),
                });
            }
            match output.next_token() {
                Some(token) if !token.is_empty() => next_token = Some(token.to_string()),
                _ => break,
            }
        }
        sets.sort();
        sets.dedup();
        Ok(sets)
    }

    async fn custom_periods(
        &self,
        request: &CustomMetricQuery,
        window: &MetricWindow,
    ) -> Result<Vec<MetricDatapoint>, MetricsError> {
        if window.is_empty() {
            return Ok(Vec::new());
        }
        let dimensions: Vec<(String, String)> =
            request.dimensions.iter().map(|(name, value)| (name.clone(), value.clone())).collect();
        let queries =
            vec![query("custom", &request.namespace, &request.metric_name, &dimensions, window, &request.statistic)];
        let points = self.get_metric_data(queries, window).await?;
        Ok(points
            .get("custom")
            .map(|series| {
                series
                    .iter()
                    .filter(|(start, _)| *start >= window.start && *start + window.period <= window.end)
                    .map(|(start, value)| MetricDatapoint { start: *start, value: *value })
                    .collect()
            })
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataOutput;
    use aws_sdk_cloudwatch::types::MetricDataResult;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};

    use super::*;
    use crate::model::{Series, at_epoch};

    fn result(id: &str, points: &[(u64, f64)]) -> MetricDataResult {
        MetricDataResult::builder()
            .id(id)
            .set_timestamps(Some(points.iter().map(|(secs, _)| DateTime::from_secs(*secs as i64)).collect()))
            .set_values(Some(points.iter().map(|(_, value)| *value).collect()))
            .build()
    }

    #[tokio::test]
    async fn periods_join_the_series_and_drop_partial_ones() {
        let rule = mock!(Client::get_metric_data)
            .match_requests(|input| {
                // The request names the executed-version series and the p99 statistic.
                let queries = input.metric_data_queries();
                let stats: Vec<&str> =
                    queries.iter().filter_map(|query| query.metric_stat().and_then(|stat| stat.stat())).collect();
                let dimensions =
                    queries[0].metric_stat().and_then(|stat| stat.metric()).map(|metric| metric.dimensions().len());
                stats.contains(&"p99") && dimensions == Some(3) && input.scan_by() == Some(&ScanBy::TimestampAscending)
            })
            .then_output(|| {
                GetMetricDataOutput::builder()
                    .metric_data_results(result("invocations", &[(60, 100.0), (120, 50.0), (180, 7.0)]))
                    .metric_data_results(result("errors", &[(120, 5.0)]))
                    .metric_data_results(result("d_count", &[(60, 100.0), (120, 50.0)]))
                    .metric_data_results(result("d_p99", &[(60, 40.5), (120, 80.0)]))
                    .build()
            });
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::Sequential, [&rule]);
        let source = CloudWatchMetrics::new(client);
        let window = MetricWindow { start: at_epoch(60), end: at_epoch(180), period: Duration::from_secs(60) };
        let periods = source
            .lambda_periods(&LambdaMetricsQuery {
                series: Series::executed("orders", "live", "2"),
                window,
                percentiles: vec![0.99],
            })
            .await
            .expect("periods");
        assert_eq!(periods.len(), 2, "the point at 180 starts a period past the window's end");
        assert_eq!((periods[0].invocations, periods[0].errors), (100, 0), "a missing Errors point is zero");
        assert_eq!((periods[1].invocations, periods[1].errors), (50, 5));
        assert_eq!(periods[1].percentile(0.99), Some(80.0));
        assert_eq!(source.request_counts().get_metric_data_calls, 1);
        assert_eq!(source.request_counts().metrics_requested, 7);
    }
}
