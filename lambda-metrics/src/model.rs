//! The domain types of Lambda metrics and the [`MetricSource`] trait.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// One CloudWatch series of the `AWS/Lambda` namespace.
///
/// Lambda publishes `{FunctionName}`, `{FunctionName, Resource}` and, for invocations
/// through an alias, `{FunctionName, Resource, ExecutedVersion}`. `Resource` is
/// `function:qualifier`, never an ARN.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Series {
    /// The function's name (the `FunctionName` dimension), never an ARN.
    pub function: String,
    /// The alias or version callers named (`Resource = function:qualifier`).
    pub qualifier: Option<String>,
    /// The version that ran (`ExecutedVersion`); only meaningful with an alias qualifier.
    pub executed_version: Option<String>,
}

impl Series {
    /// The invocations of `version` behind `alias`: the canary's comparison unit.
    pub fn executed(function: impl Into<String>, alias: impl Into<String>, version: impl Into<String>) -> Series {
        Series { function: function.into(), qualifier: Some(alias.into()), executed_version: Some(version.into()) }
    }

    /// The dimensions CloudWatch files this series under, in CloudWatch's names.
    pub fn dimensions(&self) -> Vec<(String, String)> {
        let mut dimensions = vec![("FunctionName".to_string(), self.function.clone())];
        if let Some(qualifier) = &self.qualifier {
            dimensions.push(("Resource".to_string(), format!("{}:{qualifier}", self.function)));
        }
        if let Some(version) = &self.executed_version {
            dimensions.push(("ExecutedVersion".to_string(), version.clone()));
        }
        dimensions
    }
}

/// `[start, end)` cut into periods of `period`, aligned to the epoch as CloudWatch aligns them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricWindow {
    /// The start of the first period, inclusive.
    pub start: SystemTime,
    /// The end of the last period, exclusive.
    pub end: SystemTime,
    /// The length of one period (CloudWatch's `Period`), whole seconds.
    pub period: Duration,
}

impl MetricWindow {
    /// The periods that are final at `now`: the window ends at the last period boundary
    /// at or before `now - lateness`, so the newest, still-filling bucket (and any bucket
    /// whose invocations may still be reporting) is never read. `lookback` is how far the
    /// window reaches back from that end, rounded down to whole periods.
    pub fn closed(now: SystemTime, lateness: Duration, period: Duration, lookback: Duration) -> MetricWindow {
        let period_secs = period.as_secs().max(1);
        let settled = epoch_secs(now).saturating_sub(lateness.as_secs());
        let end = settled / period_secs * period_secs;
        let start = end.saturating_sub(lookback.as_secs() / period_secs * period_secs);
        MetricWindow { start: at_epoch(start), end: at_epoch(end), period: Duration::from_secs(period_secs) }
    }

    /// Number of whole periods in the window.
    pub fn period_count(&self) -> u64 {
        let span = epoch_secs(self.end).saturating_sub(epoch_secs(self.start));
        span / self.period.as_secs().max(1)
    }

    /// True when the window holds no whole period, so there is nothing to ask CloudWatch.
    pub fn is_empty(&self) -> bool {
        self.period_count() == 0
    }
}

/// What a [`MetricSource`] reads for one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LambdaMetricsQuery {
    /// The function, alias and executed version to read.
    pub series: Series,
    /// The periods to read; only those wholly inside it are returned.
    pub window: MetricWindow,
    /// Duration percentiles to read, as fractions (0.5, 0.95, 0.99).
    pub percentiles: Vec<f64>,
}

/// One closed period of one series. Durations in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodStats {
    /// The start of the period; it lasts the query window's `period`.
    pub start: SystemTime,
    /// Lambda's `Invocations` (Sum); never zero, a period without invocations is absent.
    pub invocations: u64,
    /// Lambda's `Errors` (Sum): invocations that ended in a function error; zero when unpublished.
    pub errors: u64,
    /// Lambda's `Throttles` (Sum): requests refused for concurrency; zero when unpublished.
    pub throttles: u64,
    /// Samples behind the duration statistics (CloudWatch's `SampleCount` of Duration).
    pub duration_samples: u64,
    /// Mean `Duration` of the period, in ms; None when CloudWatch had no Duration point.
    pub duration_average_ms: Option<f64>,
    /// Longest `Duration` of the period, in ms; None when CloudWatch had no Duration point.
    pub duration_maximum_ms: Option<f64>,
    /// Keyed by the percentile's CloudWatch name: `p50`, `p95`, `p99`, `p99.9`.
    pub duration_percentiles_ms: BTreeMap<String, f64>,
}

impl PeriodStats {
    /// The Duration percentile at `quantile` (0.99 for p99), in ms; None when it was not
    /// among the query's percentiles or the period had no point for it.
    pub fn percentile(&self, quantile: f64) -> Option<f64> {
        self.duration_percentiles_ms.get(&percentile_name(quantile)).copied()
    }
}

/// CloudWatch's name of a percentile statistic: 0.99 → `p99`, 0.999 → `p99.9`.
pub(crate) fn percentile_name(quantile: f64) -> String {
    let hundredths = (quantile * 10_000.0).round() as u64;
    if hundredths.is_multiple_of(100) {
        format!("p{}", hundredths / 100)
    } else if hundredths.is_multiple_of(10) {
        format!("p{}.{}", hundredths / 100, (hundredths % 100) / 10)
    } else {
        format!("p{}.{:02}", hundredths / 100, hundredths % 100)
    }
}

/// One dimension set under which a metric exists, as `ListMetrics` reports it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DimensionSet {
    /// The metric's name, such as `Invocations` or `Duration`.
    pub metric_name: String,
    /// Dimension name to value, such as `FunctionName` → `orders`, `Resource` → `orders:live`.
    pub dimensions: BTreeMap<String, String>,
}

/// Any CloudWatch metric, for custom gates on business metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomMetricQuery {
    /// The CloudWatch namespace, such as `Orders/Checkout`.
    pub namespace: String,
    /// The metric's name within the namespace.
    pub metric_name: String,
    /// The exact dimension set the metric was published with (CloudWatch matches all of it).
    pub dimensions: BTreeMap<String, String>,
    /// A CloudWatch statistic: `Sum`, `Average`, `Maximum`, `Minimum`, `SampleCount`, `pNN`.
    pub statistic: String,
}

/// One period's value of a [`CustomMetricQuery`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricDatapoint {
    /// The start of the period; it lasts the window's `period`.
    pub start: SystemTime,
    /// The query's statistic over the period, in the metric's own unit.
    pub value: f64,
}

/// Why metrics could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// The call did not succeed: network, credentials, throttling or a service error.
    #[error("CloudWatch {operation} failed")]
    Service {
        /// The CloudWatch operation, such as `GetMetricData`.
        operation: &'static str,
        /// The SDK's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The call succeeded but its answer cannot be read (mismatched timestamps and values,
    /// a timestamp out of range).
    #[error("CloudWatch answered {operation} with {detail}")]
    Answer {
        /// The CloudWatch operation, such as `GetMetricData`.
        operation: &'static str,
        /// What was wrong with the answer.
        detail: String,
    },
}

/// Where Lambda metrics come from: CloudWatch, the local emulator (through the same
/// CloudWatch API), or a test's fake.
#[async_trait::async_trait]
pub trait MetricSource: Send + Sync {
    /// The periods of the window that have invocations, oldest first.
    async fn lambda_periods(&self, query: &LambdaMetricsQuery) -> Result<Vec<PeriodStats>, MetricsError>;

    /// Every dimension set of `AWS/Lambda` metrics of `function`.
    async fn dimension_sets(&self, function: &str) -> Result<Vec<DimensionSet>, MetricsError>;

    /// One value per period of the window that has data, oldest first.
    async fn custom_periods(
        &self,
        query: &CustomMetricQuery,
        window: &MetricWindow,
    ) -> Result<Vec<MetricDatapoint>, MetricsError>;
}

/// A source shared by several readers (two controllers, a controller and its test).
#[async_trait::async_trait]
impl<T: MetricSource + ?Sized> MetricSource for std::sync::Arc<T> {
    async fn lambda_periods(&self, query: &LambdaMetricsQuery) -> Result<Vec<PeriodStats>, MetricsError> {
        (**self).lambda_periods(query).await
    }

    async fn dimension_sets(&self, function: &str) -> Result<Vec<DimensionSet>, MetricsError> {
        (**self).dimension_sets(function).await
    }

    async fn custom_periods(
        &self,
        query: &CustomMetricQuery,
        window: &MetricWindow,
    ) -> Result<Vec<MetricDatapoint>, MetricsError> {
        (**self).custom_periods(query, window).await
    }
}

pub(crate) fn epoch_secs(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map(|since| since.as_secs()).unwrap_or_default()
}

pub(crate) fn at_epoch(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_window_never_holds_the_filling_bucket_nor_late_ones() {
        // 12:03:30 with 90 s lateness: settled at 12:02:00, so the last closed minute is 12:01.
        let now = at_epoch(12 * 3600 + 3 * 60 + 30);
        let window =
            MetricWindow::closed(now, Duration::from_secs(90), Duration::from_secs(60), Duration::from_secs(600));
        assert_eq!(epoch_secs(window.end), 12 * 3600 + 2 * 60);
        assert_eq!(epoch_secs(window.start), 12 * 3600 + 2 * 60 - 600);
        assert_eq!(window.period_count(), 10);
    }

    #[test]
    fn percentile_names_follow_cloudwatch() {
        assert_eq!(percentile_name(0.5), "p50");
        assert_eq!(percentile_name(0.99), "p99");
        assert_eq!(percentile_name(0.999), "p99.9");
        assert_eq!(percentile_name(0.9999), "p99.99");
    }

    #[test]
    fn an_alias_series_carries_the_resource_and_executed_version() {
        let dimensions = Series::executed("orders", "live", "7").dimensions();
        assert_eq!(
            dimensions,
            vec![
                ("FunctionName".to_string(), "orders".to_string()),
                ("Resource".to_string(), "orders:live".to_string()),
                ("ExecutedVersion".to_string(), "7".to_string()),
            ]
        );
    }
}
