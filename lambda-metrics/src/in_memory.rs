//! A [`MetricSource`] from periods a test sets: the canary's state machine and the cost
//! report are tested against it in virtual time.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::model::{
    CustomMetricQuery, DimensionSet, LambdaMetricsQuery, MetricDatapoint, MetricSource, MetricWindow, MetricsError,
    PeriodStats, Series,
};

/// Periods per series, and custom datapoints per metric name. Queries return what falls
/// wholly inside their window, like CloudWatch.
#[derive(Debug, Default)]
pub struct InMemoryMetrics {
    periods: Mutex<BTreeMap<Series, Vec<PeriodStats>>>,
    custom: Mutex<BTreeMap<String, Vec<MetricDatapoint>>>,
}

impl InMemoryMetrics {
    /// Adds (or replaces) the period starting at `stats.start` of `series`.
    pub fn put(&self, series: Series, stats: PeriodStats) {
        let mut periods = lock(&self.periods);
        let list = periods.entry(series).or_default();
        list.retain(|existing| existing.start != stats.start);
        list.push(stats);
        list.sort_by_key(|period| period.start);
    }

    /// Adds a datapoint of the custom metric `metric_name`, whatever its namespace and
    /// dimensions: a query of that metric name gets it.
    pub fn put_custom(&self, metric_name: &str, datapoint: MetricDatapoint) {
        let mut custom = lock(&self.custom);
        let list = custom.entry(metric_name.to_string()).or_default();
        list.push(datapoint);
        list.sort_by_key(|point| point.start);
    }
}

#[async_trait::async_trait]
impl MetricSource for InMemoryMetrics {
    async fn lambda_periods(&self, query: &LambdaMetricsQuery) -> Result<Vec<PeriodStats>, MetricsError> {
        let periods = lock(&self.periods);
        Ok(periods
            .get(&query.series)
            .map(|list| {
                list.iter()
                    .filter(|period| within(&query.window, period.start) && period.invocations > 0)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn dimension_sets(&self, function: &str) -> Result<Vec<DimensionSet>, MetricsError> {
        let periods = lock(&self.periods);
        let mut sets: Vec<DimensionSet> = periods
            .keys()
            .filter(|series| series.function == function)
            .flat_map(|series| {
                ["Invocations", "Errors", "Duration"].map(|metric_name| DimensionSet {
                    metric_name: metric_name.to_string(),
                    dimensions: series.dimensions().into_iter().collect(),
                })
            })
            .collect();
        sets.sort();
        sets.dedup();
        Ok(sets)
    }

    async fn custom_periods(
        &self,
        query: &CustomMetricQuery,
        window: &MetricWindow,
    ) -> Result<Vec<MetricDatapoint>, MetricsError> {
        let custom = lock(&self.custom);
        Ok(custom
            .get(&query.metric_name)
            .map(|list| list.iter().filter(|point| within(window, point.start)).cloned().collect())
            .unwrap_or_default())
    }
}

fn within(window: &MetricWindow, start: std::time::SystemTime) -> bool {
    start >= window.start && start + window.period <= window.end
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
