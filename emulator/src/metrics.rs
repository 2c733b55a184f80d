//! Invocation metrics the way CloudWatch keeps Lambda's: per function, per qualifier the
//! caller used (an alias or version) and per executed version, in one-second buckets, with
//! durations in a fixed log-scale histogram so percentiles over any window come from
//! merged buckets, never from a list of samples.
//!
//! Like CloudWatch, the store keeps one-second resolution for three hours and then folds
//! the buckets into one-minute ones, so a long bake (48 h of a rehearsal's accelerated
//! clock) costs at most 60 buckets an hour per series. Every age is measured on the
//! timestamps the caller records with, that is on the emulator's clock.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Eight buckets per power of two: each bucket spans about 9 %, so a percentile read from
/// the histogram is within 9 % of the true value.
const BUCKETS_PER_OCTAVE: f64 = 8.0;
/// Buckets cover 1 µs to about 2^34 µs (4.7 hours), more than Lambda's 15-minute limit.
const BUCKET_COUNT: usize = 34 * 8;
/// How long one-second buckets stay before they are folded into minutes (CloudWatch keeps
/// high-resolution data for three hours).
const SECOND_RESOLUTION_FOR: u64 = 3 * 3600;
/// The default retention: a 48-hour bake plus a day of margin.
pub(crate) const DEFAULT_METRICS_RETENTION: Duration = Duration::from_secs(72 * 3600);

/// Durations in a fixed set of log-scale buckets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DurationHistogram {
    counts: BTreeMap<usize, u64>,
    count: u64,
    sum_micros: u128,
    max_micros: u64,
    /// `None` while empty, so an empty histogram merges without lowering the minimum.
    min_micros: Option<u64>,
}

impl DurationHistogram {
    /// Adds one duration, at microsecond resolution.
    pub fn record(&mut self, duration: Duration) {
        let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
        *self.counts.entry(bucket_index(micros)).or_default() += 1;
        self.count += 1;
        self.sum_micros += u128::from(micros);
        self.max_micros = self.max_micros.max(micros);
        self.min_micros = Some(self.min_micros.map_or(micros, |min| min.min(micros)));
    }

    pub(crate) fn merge(&mut self, other: &DurationHistogram) {
        for (bucket, count) in &other.counts {
            *self.counts.entry(*bucket).or_default() += count;
        }
        self.count += other.count;
        self.sum_micros += other.sum_micros;
        self.max_micros = self.max_micros.max(other.max_micros);
        self.min_micros = match (self.min_micros, other.min_micros) {
            (Some(mine), Some(theirs)) => Some(mine.min(theirs)),
            (mine, theirs) => mine.or(theirs),
        };
    }

    /// How many durations were recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The exact sum of every recorded duration.
    pub(crate) fn sum(&self) -> Duration {
        Duration::from_micros(u64::try_from(self.sum_micros).unwrap_or(u64::MAX))
    }

    /// The largest recorded duration, exact; None when empty.
    pub fn maximum(&self) -> Option<Duration> {
        (self.count > 0).then(|| Duration::from_micros(self.max_micros))
    }

    pub(crate) fn minimum(&self) -> Option<Duration> {
        self.min_micros.map(Duration::from_micros)
    }

    /// How far above the exact nearest-rank value a [`Self::percentile`] can be, as a
    /// fraction: one bucket's width, 2^(1/8) − 1 (about 9 %).
    pub fn max_relative_error() -> f64 {
        2f64.powf(1.0 / BUCKETS_PER_OCTAVE) - 1.0
    }

    /// The upper bound of the bucket holding the `quantile` (0..=1) sample, capped at the
    /// largest recorded value; `None` when empty.
    pub fn percentile(&self, quantile: f64) -> Option<Duration> {
        if self.count == 0 {
            return None;
        }
        let rank = ((quantile.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (bucket, count) in &self.counts {
            seen += count;
            if seen >= rank {
                let upper = bucket_upper_micros(*bucket).min(self.max_micros as f64);
                return Some(Duration::from_nanos((upper * 1000.0) as u64));
            }
        }
        Some(Duration::from_micros(self.max_micros))
    }

    pub(crate) fn summary(&self) -> DurationSummary {
        let ms = |duration: Option<Duration>| duration.map(|d| round3(d.as_secs_f64() * 1000.0));
        DurationSummary {
            count: self.count,
            sum: round3(self.sum_micros as f64 / 1000.0),
            average: (self.count > 0).then(|| round3(self.sum_micros as f64 / 1000.0 / self.count as f64)),
            p50: ms(self.percentile(0.50)),
            p90: ms(self.percentile(0.90)),
            p99: ms(self.percentile(0.99)),
            maximum: (self.count > 0).then(|| round3(self.max_micros as f64 / 1000.0)),
        }
    }
}

fn bucket_index(micros: u64) -> usize {
    if micros <= 1 {
        return 0;
    }
    let index = ((micros as f64).log2() * BUCKETS_PER_OCTAVE).floor() as usize;
    index.min(BUCKET_COUNT - 1)
}

fn bucket_upper_micros(index: usize) -> f64 {
    2f64.powf((index + 1) as f64 / BUCKETS_PER_OCTAVE)
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// Durations over a window, in milliseconds, named like CloudWatch statistics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DurationSummary {
    /// How many durations the window holds (CloudWatch's `SampleCount`).
    pub count: u64,
    /// Their sum, exact to the microsecond.
    pub sum: f64,
    /// Their mean, exact to the microsecond; None when the window holds none.
    pub average: Option<f64>,
    /// The median, from the histogram (see [`DurationHistogram::percentile`]); None when empty.
    pub p50: Option<f64>,
    /// The 90th percentile, from the histogram; None when empty.
    pub p90: Option<f64>,
    /// The 99th percentile, from the histogram; None when empty.
    pub p99: Option<f64>,
    /// The largest, exact to the microsecond; None when empty.
    pub maximum: Option<f64>,
}

/// What one invocation (or throttle) contributes.
#[derive(Debug, Clone)]
pub(crate) struct Sample {
    pub function: String,
    pub qualifier: String,
    /// `None` for a throttle: nothing ran.
    pub executed_version: Option<String>,
    pub kind: SampleKind,
}

#[derive(Debug, Clone)]
pub(crate) enum SampleKind {
    Invocation { error: bool, duration: Duration, init_duration: Option<Duration>, max_memory_used_mb: u64 },
    Throttle,
}

/// What one second (or, past three hours, one minute) of one series holds.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bucket {
    pub invocations: u64,
    pub errors: u64,
    pub throttles: u64,
    pub durations: DurationHistogram,
    pub init_durations: DurationHistogram,
    pub max_memory_used_mb: u64,
}

impl Bucket {
    pub(crate) fn merge(&mut self, other: &Bucket) {
        self.invocations += other.invocations;
        self.errors += other.errors;
        self.throttles += other.throttles;
        self.durations.merge(&other.durations);
        self.init_durations.merge(&other.init_durations);
        self.max_memory_used_mb = self.max_memory_used_mb.max(other.max_memory_used_mb);
    }

    fn statistics(&self) -> Statistics {
        Statistics {
            invocations: self.invocations,
            errors: self.errors,
            throttles: self.throttles,
            error_rate: (self.invocations > 0).then(|| self.errors as f64 / self.invocations as f64),
            duration_ms: self.durations.summary(),
            init_duration_ms: self.init_durations.summary(),
            max_memory_used_mb: (self.max_memory_used_mb > 0).then_some(self.max_memory_used_mb),
        }
    }
}

/// One series: the function, the qualifier its callers used and the version that ran.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct SeriesKey {
    pub function: String,
    pub qualifier: String,
    /// `None` for throttles: nothing ran.
    pub executed_version: Option<String>,
}

/// Whether a series holds invocations or throttles within retention.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SeriesActivity {
    pub invocations: bool,
    pub throttles: bool,
}

#[derive(Debug, Default)]
struct Series {
    buckets: BTreeMap<u64, Bucket>,
    /// Buckets before this second have been folded into minutes.
    folded_before: u64,
}

impl Series {
    /// Drops buckets past retention and folds one-second buckets older than three hours
    /// into their minute; each bucket is folded once, as the watermark moves forward.
    fn age(&mut self, newest: u64, retention_s: u64) {
        let horizon = newest.saturating_sub(retention_s);
        self.buckets = self.buckets.split_off(&horizon);
        let fold_until = newest.saturating_sub(SECOND_RESOLUTION_FOR) / 60 * 60;
        if fold_until <= self.folded_before {
            return;
        }
        let mut recent = self.buckets.split_off(&fold_until);
        let old = std::mem::take(&mut self.buckets);
        for (second, bucket) in old {
            self.buckets.entry(second - second % 60).or_default().merge(&bucket);
        }
        self.buckets.append(&mut recent);
        self.folded_before = fold_until;
    }
}

/// A window to aggregate: `[start, end)` in epoch seconds; filters left out match all.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MetricsQuery {
    /// The function's name (CloudWatch's `FunctionName` dimension).
    pub function: String,
    /// The qualifier the callers used (CloudWatch's `Resource` dimension: `function:live`).
    pub qualifier: Option<String>,
    /// CloudWatch's `ExecutedVersion` dimension.
    pub executed_version: Option<String>,
    /// The window's first second, in epoch seconds on the emulator's clock.
    pub start: u64,
    /// The second after the window's last, in epoch seconds on the emulator's clock.
    pub end: u64,
    /// When set, also return one datapoint per period (seconds), like GetMetricData.
    pub period: Option<u64>,
}

/// The statistics a canary gate or cost report reads, CloudWatch-named.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Statistics {
    /// Invocations that ran, function errors included (CloudWatch's `Invocations`).
    pub invocations: u64,
    /// Invocations that ended in a function error, timeouts and crashes included (`Errors`).
    pub errors: u64,
    /// Invocations refused for reserved concurrency, which never ran (`Throttles`).
    pub throttles: u64,
    /// `errors / invocations`; None when nothing ran.
    pub error_rate: Option<f64>,
    /// The invocations' durations, init excluded (`Duration`).
    pub duration_ms: DurationSummary,
    /// The init phases of cold starts (the REPORT line's `Init Duration`).
    pub init_duration_ms: DurationSummary,
    /// The highest `Max Memory Used` of the window's invocations, in MB; None when none
    /// reported any.
    pub max_memory_used_mb: Option<u64>,
}

/// One period of a [`MetricsResult`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Datapoint {
    /// The period's first second, in epoch seconds; periods are counted from the query's
    /// `start`.
    pub timestamp: u64,
    /// What the period holds.
    #[serde(flatten)]
    pub statistics: Statistics,
}

/// What [`MetricsStore::query`] found: the query's filters and window, echoed, with the
/// window's statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsResult {
    /// The function asked about.
    pub function: String,
    /// The qualifier filter; None when every qualifier was counted.
    pub qualifier: Option<String>,
    /// The executed-version filter; None when every version was counted.
    pub executed_version: Option<String>,
    /// The window's first second, in epoch seconds.
    pub start: u64,
    /// The second after the window's last, in epoch seconds.
    pub end: u64,
    /// The whole window.
    #[serde(flatten)]
    pub statistics: Statistics,
    /// The same window split by the version that ran.
    pub by_executed_version: BTreeMap<String, Statistics>,
    /// One per period that holds data, in time order, when the query set a period;
    /// otherwise empty.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub datapoints: Vec<Datapoint>,
}

/// Thread-safe, in-memory store of one-second buckets (one-minute past three hours),
/// pruned past `retention`.
#[derive(Debug)]
pub struct MetricsStore {
    series: Mutex<HashMap<SeriesKey, Series>>,
    retention_s: u64,
}

impl Default for MetricsStore {
    fn default() -> Self {
        MetricsStore::new(DEFAULT_METRICS_RETENTION)
    }
}

impl MetricsStore {
    pub(crate) fn new(retention: Duration) -> MetricsStore {
        MetricsStore { series: Mutex::new(HashMap::new()), retention_s: retention.as_secs().max(1) }
    }

    /// Records a sample at `at` (the caller's clock: tests pass fixed times).
    pub(crate) fn record(&self, at: SystemTime, sample: Sample) {
        let second = epoch_seconds(at);
        let key = SeriesKey {
            function: sample.function,
            qualifier: sample.qualifier,
            executed_version: sample.executed_version,
        };
        let mut series = lock(&self.series);
        let series = series.entry(key).or_default();
        if !series.buckets.contains_key(&second) {
            series.age(second, self.retention_s);
        }
        let bucket = series.buckets.entry(second).or_default();
        match sample.kind {
            SampleKind::Throttle => bucket.throttles += 1,
            SampleKind::Invocation { error, duration, init_duration, max_memory_used_mb } => {
                bucket.invocations += 1;
                bucket.errors += u64::from(error);
                bucket.durations.record(duration);
                if let Some(init) = init_duration {
                    bucket.init_durations.record(init);
                }
                bucket.max_memory_used_mb = bucket.max_memory_used_mb.max(max_memory_used_mb);
            }
        }
    }

    /// The statistics of every series `query` selects, over its window.
    pub fn query(&self, query: &MetricsQuery) -> MetricsResult {
        let mut total = Bucket::default();
        let mut by_version: BTreeMap<String, Bucket> = BTreeMap::new();
        let mut periods: BTreeMap<u64, Bucket> = BTreeMap::new();
        let series = lock(&self.series);
        for (key, series) in series.iter() {
            let buckets = &series.buckets;
            let matches = key.function == query.function
                && query.qualifier.as_ref().is_none_or(|wanted| *wanted == key.qualifier)
                && query.executed_version.as_ref().is_none_or(|wanted| key.executed_version.as_ref() == Some(wanted));
            if !matches {
                continue;
            }
            for (second, bucket) in buckets.range(query.start..query.end) {
                total.merge(bucket);
                if let Some(version) = &key.executed_version {
                    by_version.entry(version.clone()).or_default().merge(bucket);
                }
                if let Some(period) = query.period.filter(|period| *period > 0) {
                    let slot = query.start + (second - query.start) / period * period;
                    periods.entry(slot).or_default().merge(bucket);
                }
            }
        }
        MetricsResult {
            function: query.function.clone(),
            qualifier: query.qualifier.clone(),
            executed_version: query.executed_version.clone(),
            start: query.start,
            end: query.end,
            statistics: total.statistics(),
            by_executed_version: by_version
                .into_iter()
                .map(|(version, bucket)| (version, bucket.statistics()))
                .collect(),
            datapoints: periods
                .into_iter()
                .map(|(timestamp, bucket)| Datapoint { timestamp, statistics: bucket.statistics() })
                .collect(),
        }
    }
}

impl MetricsStore {
    /// Merges the buckets of every series `selects` takes into periods of `period` seconds
    /// aligned to the epoch, as CloudWatch aligns them: `[start, end)` with `start` rounded
    /// down to its period. Periods without any bucket are absent.
    pub(crate) fn periods(
        &self,
        selects: impl Fn(&SeriesKey) -> bool,
        start: u64,
        end: u64,
        period: u64,
    ) -> BTreeMap<u64, Bucket> {
        let period = period.max(1);
        let start = start - start % period;
        let mut periods: BTreeMap<u64, Bucket> = BTreeMap::new();
        if start >= end {
            return periods;
        }
        let series = lock(&self.series);
        for (_, series) in series.iter().filter(|(key, _)| selects(key)) {
            for (second, bucket) in series.buckets.range(start..end) {
                periods.entry(second - second % period).or_default().merge(bucket);
            }
        }
        periods
    }

    /// Every series with data within retention, and what it holds.
    pub(crate) fn series(&self) -> Vec<(SeriesKey, SeriesActivity)> {
        let series = lock(&self.series);
        series
            .iter()
            .map(|(key, series)| {
                let activity = series.buckets.values().fold(SeriesActivity::default(), |seen, bucket| SeriesActivity {
                    invocations: seen.invocations || bucket.invocations > 0,
                    throttles: seen.throttles || bucket.throttles > 0,
                });
                (key.clone(), activity)
            })
            .filter(|(_, activity)| activity.invocations || activity.throttles)
            .collect()
    }
}

pub(crate) fn epoch_seconds(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map(|since| since.as_secs()).unwrap_or_default()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(second)
    }

    fn invocation(qualifier: &str, version: &str, millis: u64, error: bool) -> Sample {
        Sample {
            function: "f".into(),
            qualifier: qualifier.into(),
            executed_version: Some(version.into()),
            kind: SampleKind::Invocation {
                error,
                duration: Duration::from_millis(millis),
                init_duration: None,
                max_memory_used_mb: 20,
            },
        }
    }

    #[test]
    fn percentiles_from_the_histogram_are_within_a_bucket_of_the_truth() {
        let mut histogram = DurationHistogram::default();
        for millis in 1..=1000 {
            histogram.record(Duration::from_millis(millis));
        }
        let p50 = histogram.percentile(0.5).expect("samples").as_secs_f64() * 1000.0;
        let p99 = histogram.percentile(0.99).expect("samples").as_secs_f64() * 1000.0;
        assert!((500.0..=500.0 * 1.1).contains(&p50), "p50 {p50}");
        assert!((990.0..=1000.0).contains(&p99), "p99 {p99}");
        assert_eq!(histogram.percentile(1.0), Some(Duration::from_millis(1000)));
    }

    #[test]
    fn a_window_counts_only_its_seconds_and_splits_by_version() {
        let store = MetricsStore::default();
        store.record(at(100), invocation("live", "1", 10, false));
        store.record(at(101), invocation("live", "2", 20, true));
        store.record(at(101), invocation("2", "2", 20, false));
        store.record(at(105), invocation("live", "1", 10, false));
        store.record(
            at(101),
            Sample {
                function: "f".into(),
                qualifier: "live".into(),
                executed_version: None,
                kind: SampleKind::Throttle,
            },
        );
        let result = store.query(&MetricsQuery {
            function: "f".into(),
            qualifier: Some("live".into()),
            start: 100,
            end: 105,
            ..MetricsQuery::default()
        });
        assert_eq!(result.statistics.invocations, 2);
        assert_eq!(result.statistics.errors, 1);
        assert_eq!(result.statistics.throttles, 1);
        assert_eq!(result.statistics.error_rate, Some(0.5));
        assert_eq!(result.by_executed_version["2"].errors, 1);
        assert_eq!(result.by_executed_version["1"].invocations, 1);

        let by_version = store.query(&MetricsQuery {
            function: "f".into(),
            executed_version: Some("2".into()),
            start: 0,
            end: 200,
            period: Some(60),
            ..MetricsQuery::default()
        });
        assert_eq!(by_version.statistics.invocations, 2, "alias and direct calls of version 2");
        assert_eq!(by_version.datapoints.len(), 1);
        assert_eq!(by_version.datapoints[0].timestamp, 60);
    }

    #[test]
    fn seconds_fold_into_minutes_after_three_hours_and_keep_their_totals() {
        let store = MetricsStore::default();
        for second in [100, 101, 130, 170] {
            store.record(at(second), invocation("live", "1", second, second == 130));
        }
        let everything = |store: &MetricsStore| store.periods(|_| true, 0, 20_000, 1);
        assert_eq!(everything(&store).len(), 4, "one-second resolution while recent");
        store.record(at(100 + SECOND_RESOLUTION_FOR + 120), invocation("live", "1", 5, false));
        let periods = everything(&store);
        assert_eq!(periods.keys().copied().collect::<Vec<_>>(), [60, 120, 100 + SECOND_RESOLUTION_FOR + 120]);
        assert_eq!((periods[&60].invocations, periods[&60].errors), (2, 0));
        assert_eq!((periods[&120].invocations, periods[&120].errors), (2, 1));
        assert_eq!(periods[&120].durations.minimum(), Some(Duration::from_millis(130)));
        assert_eq!(periods[&120].durations.maximum(), Some(Duration::from_millis(170)));
    }

    #[test]
    fn periods_align_to_the_epoch_and_select_series() {
        let store = MetricsStore::default();
        store.record(at(59), invocation("live", "1", 10, false));
        store.record(at(61), invocation("live", "2", 30, true));
        store.record(at(125), invocation("2", "2", 20, false));
        let alias_version_two =
            |key: &SeriesKey| key.qualifier == "live" && key.executed_version.as_deref() == Some("2");
        let periods = store.periods(alias_version_two, 30, 200, 60);
        assert_eq!(periods.keys().copied().collect::<Vec<_>>(), [60]);
        assert_eq!(periods[&60].errors, 1);
        let all = store.periods(|_| true, 30, 200, 60);
        assert_eq!(all.keys().copied().collect::<Vec<_>>(), [0, 60, 120], "the start rounds down to its period");
        assert_eq!(store.series().len(), 3);
    }

    #[test]
    fn old_buckets_are_pruned_past_retention() {
        let store = MetricsStore::new(Duration::from_secs(10));
        store.record(at(100), invocation("1", "1", 1, false));
        store.record(at(200), invocation("1", "1", 1, false));
        let result = store.query(&MetricsQuery { function: "f".into(), start: 0, end: 300, ..MetricsQuery::default() });
        assert_eq!(result.statistics.invocations, 1);
    }
}
