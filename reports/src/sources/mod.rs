//! Where usage comes from: the local emulator's log and `cutover bench rewrite`'s JSON
//! (projections), and CloudWatch metrics and Logs of deployed functions.

mod aws;
mod insights;
mod local;

pub use aws::{AwsUsageSource, AwsWindow};
pub use insights::{INSIGHTS_ROW_LIMIT, InsightsSettings, log_bytes_query, report_query};
pub use local::{usage_from_bench, usage_from_emulator_log};

use serde::{Deserialize, Serialize};

use crate::usage::{ApiKind, Architecture, PackageType};

/// What to compare for one function: the version being replaced and its replacement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionPlan {
    pub function: String,
    pub api: Option<ApiKind>,
    pub before: VersionPlan,
    pub after: VersionPlan,
}

/// What is known of a version before reading its usage. Sources fill in what they learn
/// (memory from REPORT lines, everything from Lambda's configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionPlan {
    pub version: String,
    pub runtime: String,
    pub architecture: Architecture,
    pub package_type: PackageType,
    pub memory_mb: Option<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("could not read {what}")]
    Read {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{what}: {message}")]
    Invalid { what: String, message: String },
    #[error("{operation} failed for {target}")]
    Service {
        operation: &'static str,
        target: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("CloudWatch metrics")]
    Metrics(#[from] lambda_metrics::MetricsError),
    #[error("the Logs Insights query {query_id} on {log_group} ended {status}")]
    InsightsQuery { log_group: String, query_id: String, status: String },
    #[error("the Logs Insights query {query_id} on {log_group} did not complete within {}s (stopped)", waited.as_secs())]
    InsightsDeadline { log_group: String, query_id: String, waited: std::time::Duration },
    #[error(
        "Logs Insights returned {rows} rows (its limit) for {log_group} even in {widest_bucket_ms} ms buckets: \
         report fewer versions or a shorter window, or read the lines without --logs-insights"
    )]
    InsightsTruncated { log_group: String, rows: usize, widest_bucket_ms: u64 },
    #[error("no memory size known for {function} version {version}: no REPORT line and no configuration says it")]
    NoMemorySize { function: String, version: String },
}
