//! Usage of deployed functions: REPORT lines from CloudWatch Logs (`FilterLogEvents`,
//! paginated, folded into histograms page by page), invocation counts per executed
//! version from CloudWatch metrics, and each version's configuration (runtime,
//! architecture, memory, CodeSha256) from Lambda.

use std::time::{Duration, SystemTime};

use lambda_metrics::{LambdaMetricsQuery, MetricSource, MetricWindow, Series};

use crate::report_line::{LineAggregator, version_from_stream};
use crate::sources::insights::{InsightsSettings, insights_lines};
use crate::sources::{FunctionPlan, SourceError, VersionPlan};
use crate::usage::{
    Architecture, FunctionUsage, PackageType, SourceKind, UsageModel, UsageSource, VersionUsage, Window,
};

/// The window and what to read in it.
#[derive(Debug, Clone)]
pub struct AwsWindow {
    /// The time to read: log events and metrics from its start to its end (excluded).
    pub window: Window,
    /// The alias the traffic goes through: invocations per version come from its
    /// `ExecutedVersion` series.
    pub alias: Option<String>,
    /// Read every log event (for the bytes each version logs), not only REPORT lines.
    pub all_log_lines: bool,
    /// Aggregate the REPORT lines on the server with Logs Insights instead of pulling
    /// them with `FilterLogEvents` (`--logs-insights`).
    pub insights: Option<InsightsSettings>,
}

/// Usage of deployed functions, read from CloudWatch Logs, and optionally from Lambda's
/// configuration and CloudWatch metrics.
pub struct AwsUsageSource {
    logs: aws_sdk_cloudwatchlogs::Client,
    lambda: Option<aws_sdk_lambda::Client>,
    metrics: Option<Box<dyn MetricSource>>,
}

impl AwsUsageSource {
    /// A source over these clients: Lambda's configuration is read only with `lambda`,
    /// invocations per executed version only with `metrics` and an [`AwsWindow::alias`]
    /// (otherwise the REPORT lines are counted).
    pub fn new(
        logs: aws_sdk_cloudwatchlogs::Client,
        lambda: Option<aws_sdk_lambda::Client>,
        metrics: Option<Box<dyn MetricSource>>,
    ) -> AwsUsageSource {
        AwsUsageSource { logs, lambda, metrics }
    }

    /// The clients of one SDK configuration: Logs always, Lambda and CloudWatch metrics
    /// when asked for.
    pub fn from_config(config: &aws_config::SdkConfig, lambda_configuration: bool, metrics: bool) -> AwsUsageSource {
        AwsUsageSource {
            logs: aws_sdk_cloudwatchlogs::Client::new(config),
            lambda: lambda_configuration.then(|| aws_sdk_lambda::Client::new(config)),
            metrics: metrics
                .then(|| Box::new(lambda_metrics::CloudWatchMetrics::from_config(config)) as Box<dyn MetricSource>),
        }
    }

    /// The usage of every planned function's before and after versions in `read`'s
    /// window. `region` is recorded in the usage for pricing; the clients' own region
    /// decides where they read.
    pub async fn usage(
        &self,
        plans: &[FunctionPlan],
        region: &str,
        read: &AwsWindow,
    ) -> Result<UsageModel, SourceError> {
        let mut functions = Vec::new();
        let mut pages = 0;
        let mut bucket_ms = 1;
        for plan in plans {
            let lines = match &read.insights {
                Some(settings) => {
                    let found =
                        insights_lines(&self.logs, &plan.function, &read.window, read.all_log_lines, settings).await?;
                    pages += found.queries;
                    bucket_ms = bucket_ms.max(found.bucket_ms);
                    found.lines
                }
                None => {
                    let (lines, function_pages) =
                        self.report_lines(&plan.function, &read.window, read.all_log_lines).await?;
                    pages += function_pages;
                    lines
                }
            };
            let mut versions = Vec::new();
            for version in [&plan.before, &plan.after] {
                versions.push(self.version_usage(plan, version, &lines, read).await?);
            }
            let after = versions.pop().ok_or_else(|| invalid(&plan.function, "no after version"))?;
            let before = versions.pop().ok_or_else(|| invalid(&plan.function, "no before version"))?;
            functions.push(FunctionUsage {
                function: plan.function.clone(),
                api: plan.api,
                before,
                after,
                sweep: Vec::new(),
            });
        }
        Ok(UsageModel {
            format: crate::usage::USAGE_FORMAT,
            source: UsageSource {
                kind: SourceKind::Aws,
                projection: false,
                detail: format!(
                    "{}{}{}",
                    match read.insights {
                        Some(_) if bucket_ms > 1 => format!(
                            "CloudWatch Logs Insights aggregates of REPORT lines ({pages} queries, billed ms in {bucket_ms} ms buckets)"
                        ),
                        Some(_) => format!(
                            "CloudWatch Logs Insights aggregates of REPORT lines ({pages} queries, per billed ms)"
                        ),
                        None => format!("CloudWatch Logs REPORT lines ({pages} FilterLogEvents pages)"),
                    },
                    if self.metrics.is_some() { ", CloudWatch Invocations per ExecutedVersion" } else { "" },
                    if self.lambda.is_some() { ", Lambda GetFunctionConfiguration" } else { "" },
                ),
            },
            region: region.to_string(),
            window: read.window,
            functions,
        })
    }

    /// Every REPORT line (or every line) of the function's log group in the window, per
    /// version from the stream name.
    async fn report_lines(
        &self,
        function: &str,
        window: &Window,
        all_lines: bool,
    ) -> Result<(LineAggregator, u64), SourceError> {
        let log_group = format!("/aws/lambda/{function}");
        let mut aggregator = LineAggregator::new();
        let mut next_token: Option<String> = None;
        let mut pages = 0;
        loop {
            pages += 1;
            let mut request = self
                .logs
                .filter_log_events()
                .log_group_name(&log_group)
                .start_time(millis(window.start))
                .end_time(millis(window.end) - 1)
                .set_next_token(next_token.take());
            if !all_lines {
                request = request.filter_pattern("REPORT");
            }
            let page = request.send().await.map_err(|error| SourceError::Service {
                operation: "CloudWatch Logs FilterLogEvents",
                target: log_group.clone(),
                source: Box::new(error),
            })?;
            for event in page.events() {
                let version = event.log_stream_name().and_then(version_from_stream).unwrap_or("$LATEST");
                aggregator.add(function, version, event.message().unwrap_or_default());
            }
            match page.next_token() {
                Some(token) if !token.is_empty() => next_token = Some(token.to_string()),
                _ => break,
            }
        }
        Ok((aggregator, pages))
    }

    async fn version_usage(
        &self,
        plan: &FunctionPlan,
        version: &VersionPlan,
        lines: &LineAggregator,
        read: &AwsWindow,
    ) -> Result<VersionUsage, SourceError> {
        let found = lines.versions().get(&(plan.function.clone(), version.version.clone()));
        let mut usage = VersionUsage {
            version: version.version.clone(),
            runtime: version.runtime.clone(),
            package_type: version.package_type,
            architecture: version.architecture,
            memory_mb: version.memory_mb.or_else(|| found.and_then(|lines| lines.memory_size_mb)).unwrap_or_default(),
            ephemeral_storage_mb: 512,
            provisioned_concurrency: None,
            invocations: None,
            sample: found.map(|lines| lines.sample.clone()).unwrap_or_default(),
            max_memory_used_mb: found.and_then(|lines| lines.max_memory_used_mb),
            log_bytes: if read.all_log_lines { found.map(|lines| lines.log_bytes).unwrap_or_default() } else { 0 },
            code_sha256: None,
        };
        if let Some(lambda) = &self.lambda {
            let configuration = lambda
                .get_function_configuration()
                .function_name(&plan.function)
                .qualifier(&version.version)
                .send()
                .await
                .map_err(|error| SourceError::Service {
                    operation: "Lambda GetFunctionConfiguration",
                    target: format!("{}:{}", plan.function, version.version),
                    source: Box::new(error),
                })?;
            if let Some(runtime) = configuration.runtime() {
                usage.runtime = runtime.as_str().to_string();
            }
            if let Some(memory) = configuration.memory_size() {
                usage.memory_mb = u32::try_from(memory).unwrap_or(usage.memory_mb);
            }
            // Lambda's configuration wins over the plan's defaults, in both directions.
            match configuration.architectures().first().map(|architecture| architecture.as_str()) {
                Some("arm64") => usage.architecture = Architecture::Arm64,
                Some("x86_64") => usage.architecture = Architecture::X86_64,
                _ => {}
            }
            match configuration.package_type().map(|package| package.as_str()) {
                Some("Image") => usage.package_type = PackageType::Image,
                Some("Zip") => usage.package_type = PackageType::Zip,
                _ => {}
            }
            if let Some(storage) = configuration.ephemeral_storage().map(|storage| storage.size()) {
                usage.ephemeral_storage_mb = u32::try_from(storage).unwrap_or(512);
            }
            usage.code_sha256 = configuration.code_sha256().map(str::to_string);
        }
        if usage.memory_mb == 0 {
            return Err(SourceError::NoMemorySize {
                function: plan.function.clone(),
                version: version.version.clone(),
            });
        }
        if let (Some(metrics), Some(alias)) = (&self.metrics, &read.alias) {
            let span = (read.window.end - read.window.start).whole_seconds().max(60) as u64;
            let start = system_time(read.window.start);
            let metric_window = MetricWindow {
                start,
                end: start + Duration::from_secs(span / 60 * 60),
                period: Duration::from_secs(span / 60 * 60),
            };
            let periods = metrics
                .lambda_periods(&LambdaMetricsQuery {
                    series: Series::executed(&plan.function, alias, &version.version),
                    window: metric_window,
                    percentiles: Vec::new(),
                })
                .await?;
            if !periods.is_empty() {
                usage.invocations = Some(periods.iter().map(|period| period.invocations).sum());
            }
        }
        Ok(usage)
    }
}

fn invalid(function: &str, message: &str) -> SourceError {
    SourceError::Invalid { what: function.to_string(), message: message.to_string() }
}

fn millis(at: time::OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

fn system_time(at: time::OffsetDateTime) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(at.unix_timestamp().max(0) as u64)
}
