//! REPORT lines aggregated on the server by CloudWatch Logs Insights (`--logs-insights`),
//! for windows too busy to pull line by line.
//!
//! One query per function groups the window's REPORT lines by version (from the log
//! stream name `YYYY/MM/DD/[version]…`), cold or warm, and billed duration, so what comes
//! back is the same histogram [`LineAggregator`] builds from the lines: Lambda bills whole
//! milliseconds, so grouping by billed milliseconds loses nothing the bill needs. Each
//! group also carries the sums of `ceil(@duration)` and `ceil(@duration + @initDuration)`,
//! from which a cold start's billed time with and without INIT is derived exactly as from
//! a line ([`cold_billed_from`]).
//!
//! Insights returns at most [`INSIGHTS_ROW_LIMIT`] rows. A window with more distinct
//! groups than that is asked again with wider buckets (10, 100, 1000 ms); each bucket is
//! then represented by its mean billed milliseconds (sum / count), so the GB-s total stays
//! exact to a millisecond per bucket while the distribution, and with it the bootstrap
//! interval and the percentiles, is coarser. The width used is in the usage's provenance.
//!
//! Waiting is bounded: results are polled every `poll_interval` until `deadline`, both
//! taken from [`InsightsSettings`] and measured on tokio's clock, so tests run in virtual
//! time. A query that ends `Failed`, `Cancelled` or `Timeout` is [`SourceError::InsightsQuery`].

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_cloudwatchlogs::types::QueryStatus;

use crate::report_line::{LineAggregator, cold_billed_from};
use crate::sources::SourceError;
use crate::usage::Window;

/// The most rows one Logs Insights query returns.
pub(crate) const INSIGHTS_ROW_LIMIT: usize = 10_000;

/// Bucket widths tried in turn when a query's groups do not fit in [`INSIGHTS_ROW_LIMIT`].
const BUCKET_WIDTHS_MS: [u64; 4] = [1, 10, 100, 1000];

/// How long to wait for a Logs Insights query, and how often to ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InsightsSettings {
    /// The wait between two GetQueryResults calls (1 s by default).
    pub poll_interval: Duration,
    /// How long one query may run before it is stopped and the read fails (600 s by
    /// default, `--insights-timeout`).
    pub deadline: Duration,
}

impl Default for InsightsSettings {
    fn default() -> InsightsSettings {
        InsightsSettings { poll_interval: Duration::from_secs(1), deadline: Duration::from_secs(600) }
    }
}

/// What the Insights queries of one function found.
pub(crate) struct InsightsLines {
    pub lines: LineAggregator,
    pub queries: u64,
    pub bucket_ms: u64,
}

/// The REPORT aggregation query, grouping billed durations in `bucket_ms` buckets. Times
/// are epoch milliseconds; StartQuery takes whole seconds and its end is inclusive, so the
/// exclusive end of the window is enforced in the query itself.
pub fn report_query(window_end_ms: i64, bucket_ms: u64) -> String {
    format!(
        "filter @type = \"REPORT\" and toMillis(@timestamp) < {window_end_ms}\n\
         | parse @logStream /\\[(?<version>[^\\]]+)\\]/\n\
         | fields ispresent(@initDuration) as cold, ceil(@duration) as handler_ms, \
         ceil(@duration + coalesce(@initDuration, 0)) as with_init_ms\n\
         | fields ceil(@billedDuration / {bucket_ms}) as bucket, ceil(handler_ms / {bucket_ms}) as handler_bucket, \
         ceil(with_init_ms / {bucket_ms}) as with_init_bucket\n\
         | stats count(*) as invocations, sum(@billedDuration) as billed_total, sum(handler_ms) as handler_total, \
         sum(with_init_ms) as with_init_total, max(@maxMemoryUsed) as max_memory_used, max(@memorySize) as memory_size \
         by version, cold, bucket, handler_bucket, with_init_bucket\n\
         | limit {INSIGHTS_ROW_LIMIT}"
    )
}

/// Bytes and lines every version logs (`--all-log-lines`).
pub(crate) fn log_bytes_query(window_end_ms: i64) -> String {
    format!(
        "filter toMillis(@timestamp) < {window_end_ms}\n\
         | parse @logStream /\\[(?<version>[^\\]]+)\\]/\n\
         | stats count(*) as lines, sum(strlen(@message)) as log_bytes by version\n\
         | limit {INSIGHTS_ROW_LIMIT}"
    )
}

pub(crate) async fn insights_lines(
    logs: &aws_sdk_cloudwatchlogs::Client,
    function: &str,
    window: &Window,
    all_lines: bool,
    settings: &InsightsSettings,
) -> Result<InsightsLines, SourceError> {
    let log_group = format!("/aws/lambda/{function}");
    let end_ms = (window.end.unix_timestamp_nanos() / 1_000_000) as i64;
    let mut queries = 0;
    for bucket_ms in BUCKET_WIDTHS_MS {
        queries += 1;
        let rows = run_query(logs, &log_group, window, &report_query(end_ms, bucket_ms), settings).await?;
        if rows.len() >= INSIGHTS_ROW_LIMIT {
            continue;
        }
        let mut lines = LineAggregator::new();
        for row in &rows {
            add_report_group(&mut lines, function, row)
                .map_err(|message| SourceError::Invalid { what: log_group.clone(), message })?;
        }
        if all_lines {
            queries += 1;
            for row in run_query(logs, &log_group, window, &log_bytes_query(end_ms), settings).await? {
                let version = row.get("version").map(String::as_str).unwrap_or("$LATEST");
                let entry = lines.version_mut(function, version);
                entry.lines += number(&row, "lines").unwrap_or_default() as u64;
                entry.log_bytes += number(&row, "log_bytes").unwrap_or_default() as u64;
            }
        }
        return Ok(InsightsLines { lines, queries, bucket_ms });
    }
    Err(SourceError::InsightsTruncated {
        log_group,
        rows: INSIGHTS_ROW_LIMIT,
        widest_bucket_ms: BUCKET_WIDTHS_MS[BUCKET_WIDTHS_MS.len() - 1],
    })
}

type Row = BTreeMap<String, String>;

/// Starts a query, polls it until it completes or the deadline passes, and returns its rows.
async fn run_query(
    logs: &aws_sdk_cloudwatchlogs::Client,
    log_group: &str,
    window: &Window,
    query: &str,
    settings: &InsightsSettings,
) -> Result<Vec<Row>, SourceError> {
    let service = |operation: &'static str| {
        let target = log_group.to_string();
        move |error: Box<dyn std::error::Error + Send + Sync>| SourceError::Service { operation, target, source: error }
    };
    let started = logs
        .start_query()
        .log_group_name(log_group)
        .start_time(window.start.unix_timestamp())
        .end_time(window.end.unix_timestamp())
        .query_string(query)
        .limit(INSIGHTS_ROW_LIMIT as i32)
        .send()
        .await
        .map_err(|error| service("CloudWatch Logs StartQuery")(Box::new(error)))?;
    let query_id = started.query_id().unwrap_or_default().to_string();
    let deadline = tokio::time::Instant::now() + settings.deadline;
    loop {
        let page = logs
            .get_query_results()
            .query_id(&query_id)
            .send()
            .await
            .map_err(|error| service("CloudWatch Logs GetQueryResults")(Box::new(error)))?;
        match page.status() {
            Some(QueryStatus::Complete) => {
                return Ok(page
                    .results()
                    .iter()
                    .map(|fields| {
                        fields
                            .iter()
                            .filter_map(|field| Some((field.field()?.to_string(), field.value()?.to_string())))
                            .collect()
                    })
                    .collect());
            }
            Some(status @ (QueryStatus::Failed | QueryStatus::Cancelled | QueryStatus::Timeout)) => {
                return Err(SourceError::InsightsQuery {
                    log_group: log_group.to_string(),
                    query_id,
                    status: status.as_str().to_string(),
                });
            }
            _ => {}
        }
        if tokio::time::Instant::now() + settings.poll_interval > deadline {
            // A query left running keeps scanning (and billing) on the server.
            let _ = logs.stop_query().query_id(&query_id).send().await;
            return Err(SourceError::InsightsDeadline {
                log_group: log_group.to_string(),
                query_id,
                waited: settings.deadline,
            });
        }
        tokio::time::sleep(settings.poll_interval).await;
    }
}

/// One row of [`report_query`] into the version's histograms.
fn add_report_group(lines: &mut LineAggregator, function: &str, row: &Row) -> Result<(), String> {
    let field = |name: &str| {
        number(row, name).ok_or_else(|| format!("a Logs Insights row without a numeric `{name}`: {row:?}"))
    };
    let invocations = field("invocations")? as u64;
    if invocations == 0 {
        return Ok(());
    }
    let mean = |total: f64| (total / invocations as f64).round() as u64;
    let billed_ms = mean(field("billed_total")?);
    let cold = row.get("cold").is_some_and(|cold| cold == "1" || cold == "true");
    let version = row.get("version").map(String::as_str).unwrap_or("$LATEST");
    let entry = lines.version_mut(function, version);
    if cold {
        let (handler_ms, with_init_ms) =
            cold_billed_from(billed_ms, mean(field("handler_total")?), mean(field("with_init_total")?));
        entry.sample.cold_billed_ms.add(handler_ms, with_init_ms, invocations);
    } else {
        entry.sample.warm_billed_ms.add(billed_ms, invocations);
    }
    // Insights reports Lambda's "MB" figures in bytes of 10^6 (AWS's own sample queries
    // divide @maxMemoryUsed and @memorySize by 1000 / 1000).
    if let Some(bytes) = number(row, "max_memory_used") {
        let megabytes = megabytes(bytes);
        entry.max_memory_used_mb = Some(entry.max_memory_used_mb.unwrap_or_default().max(megabytes));
    }
    if let Some(bytes) = number(row, "memory_size") {
        entry.memory_size_mb = Some(megabytes(bytes));
    }
    lines.reports_read += invocations;
    lines.lines_read += invocations;
    Ok(())
}

fn megabytes(bytes: f64) -> u32 {
    (bytes / 1e6).round() as u32
}

fn number(row: &Row, name: &str) -> Option<f64> {
    row.get(name).and_then(|value| value.trim().parse::<f64>().ok()).filter(|value| value.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(&str, &str)]) -> Row {
        pairs.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect()
    }

    #[test]
    fn a_bucket_stands_for_its_mean_and_a_cold_group_derives_init_as_a_line_does() {
        let mut lines = LineAggregator::new();
        // 10 ms buckets: 4 warm invocations billed 41 + 42 + 44 + 45 = 172 ms → 43 ms each.
        let warm = row(&[
            ("version", "1"),
            ("cold", "0"),
            ("invocations", "4"),
            ("billed_total", "172"),
            ("handler_total", "172"),
            ("with_init_total", "172"),
            ("max_memory_used", "90000000"),
            ("memory_size", "512000000"),
        ]);
        // Two Rust cold starts billed with INIT (19 ms), 3 ms without.
        let cold = row(&[
            ("version", "2"),
            ("cold", "1"),
            ("invocations", "2"),
            ("billed_total", "38"),
            ("handler_total", "6"),
            ("with_init_total", "38"),
            ("max_memory_used", "18000000"),
            ("memory_size", "128000000"),
        ]);
        add_report_group(&mut lines, "orders", &warm).expect("warm row");
        add_report_group(&mut lines, "orders", &cold).expect("cold row");
        let one = &lines.versions()[&("orders".to_string(), "1".to_string())];
        assert_eq!(one.sample.warm_billed_ms.iter().collect::<Vec<_>>(), vec![(43, 4)]);
        assert_eq!((one.memory_size_mb, one.max_memory_used_mb), (Some(512), Some(90)));
        let two = &lines.versions()[&("orders".to_string(), "2".to_string())];
        assert_eq!(two.sample.cold_billed_ms.iter().collect::<Vec<_>>(), vec![(3, 19, 2)]);
        assert_eq!(lines.reports_read, 6);
        let broken = row(&[("version", "1"), ("cold", "0")]);
        assert!(add_report_group(&mut lines, "orders", &broken).expect_err("no count").contains("invocations"));
    }
}
