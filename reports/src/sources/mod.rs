//! Where usage comes from: the local emulator's log and `cutover bench rewrite`'s JSON
//! (projections), and CloudWatch metrics and Logs of deployed functions.

mod aws;
mod insights;
mod local;

pub use aws::{AwsUsageSource, AwsWindow};
pub use insights::{InsightsSettings, report_query};
pub use local::{usage_from_bench, usage_from_emulator_log};

use serde::{Deserialize, Serialize};

use crate::usage::{ApiKind, Architecture, PackageType};

/// What to compare for one function: the version being replaced and its replacement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionPlan {
    /// The Lambda function's name; with `--source aws`, its log group is `/aws/lambda/<function>`.
    pub function: String,
    /// The API Gateway API in front of the function, if any (`--api`).
    pub api: Option<ApiKind>,
    /// The version being replaced (the Python original).
    pub before: VersionPlan,
    /// The version replacing it (the Rust rewrite).
    pub after: VersionPlan,
}

/// What is known of a version before reading its usage. Sources fill in what they learn
/// (memory from REPORT lines, everything from Lambda's configuration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionPlan {
    /// The Lambda version number, as in the log stream names (`[7]`).
    pub version: String,
    /// Lambda's runtime identifier (`python3.12`, `provided.al2023`); Lambda's
    /// configuration wins when it is read.
    pub runtime: String,
    /// The architecture assumed; Lambda's configuration wins when it is read.
    pub architecture: Architecture,
    /// The package type assumed; Lambda's configuration wins when it is read.
    pub package_type: PackageType,
    /// The configured memory in MB; None to take it from the REPORT lines or Lambda's
    /// configuration (a bench has neither, so it needs one).
    pub memory_mb: Option<u32>,
}

/// Why usage could not be read from a source.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A local file (an emulator log) could not be read.
    #[error("could not read {what}")]
    Read {
        /// The file, as named by the caller.
        what: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The input is not what the source reads: a bench JSON that does not parse, or a
    /// Logs Insights row without its numbers.
    #[error("{what}: {message}")]
    Invalid {
        /// The file, function or log group at fault.
        what: String,
        /// What is wrong with it.
        message: String,
    },
    /// An AWS call failed: network, credentials, permissions, a missing log group or
    /// function. The SDK's error is the source.
    #[error("{operation} failed for {target}")]
    Service {
        /// The service and operation, such as `CloudWatch Logs FilterLogEvents`.
        operation: &'static str,
        /// The log group or `function:version` it was called for.
        target: String,
        /// The SDK's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Reading Invocations per executed version from CloudWatch metrics failed.
    #[error("CloudWatch metrics")]
    Metrics(#[from] lambda_metrics::MetricsError),
    /// A Logs Insights query ended `Failed`, `Cancelled` or `Timeout` on the server.
    #[error("the Logs Insights query {query_id} on {log_group} ended {status}")]
    InsightsQuery {
        /// The log group queried.
        log_group: String,
        /// Logs Insights' query id, to look the query up in the console.
        query_id: String,
        /// The status it ended with.
        status: String,
    },
    /// A Logs Insights query did not complete within the deadline and was stopped: the
    /// user raises `--insights-timeout` or shortens the window.
    #[error("the Logs Insights query {query_id} on {log_group} did not complete within {}s (stopped)", waited.as_secs())]
    InsightsDeadline {
        /// The log group queried.
        log_group: String,
        /// Logs Insights' query id.
        query_id: String,
        /// How long it was waited for ([`InsightsSettings::deadline`]).
        waited: std::time::Duration,
    },
    /// Even the widest buckets give Logs Insights more groups than it returns rows.
    #[error(
        "Logs Insights returned {rows} rows (its limit) for {log_group} even in {widest_bucket_ms} ms buckets: \
         report fewer versions or a shorter window, or read the lines without --logs-insights"
    )]
    InsightsTruncated {
        /// The log group queried.
        log_group: String,
        /// The rows returned: Logs Insights' limit.
        rows: usize,
        /// The widest bucket tried, in ms.
        widest_bucket_ms: u64,
    },
    /// Neither the plan, nor a REPORT line, nor Lambda's configuration gives the version's
    /// memory: the user gives it in the plan, or lets Lambda's configuration be read.
    #[error("no memory size known for {function} version {version}: no REPORT line and no configuration says it")]
    NoMemorySize {
        /// The function.
        function: String,
        /// The version without a memory size.
        version: String,
    },
}
