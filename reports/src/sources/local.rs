//! Projections from local runs: the emulator's log (`cutover local serve 2> run.log`, a
//! canary rehearsal) and the JSON of `cutover bench rewrite`.

use std::io::BufRead;

use serde::Deserialize;

use crate::histogram::{ColdHistogram, Histogram};
use crate::report_line::LineAggregator;
use crate::sources::{FunctionPlan, SourceError, VersionPlan};
use crate::usage::{FunctionUsage, InvocationSample, SourceKind, UsageModel, UsageSource, VersionUsage, Window};

/// Reads an emulator log line by line (memory stays flat) and builds the usage of the
/// planned functions. Lines of other functions and versions are skipped.
pub fn usage_from_emulator_log(
    reader: impl BufRead,
    what: &str,
    plans: &[FunctionPlan],
    region: &str,
    window: Window,
) -> Result<(UsageModel, LineAggregator), SourceError> {
    let mut aggregator = LineAggregator::new();
    let mut reader = reader;
    let mut line = String::new();
    loop {
        line.clear();
        let read =
            reader.read_line(&mut line).map_err(|source| SourceError::Read { what: what.to_string(), source })?;
        if read == 0 {
            break;
        }
        aggregator.add_emulator_line(&line);
    }
    let versions = aggregator.versions();
    let mut functions = Vec::new();
    for plan in plans {
        let version_usage = |version: &VersionPlan| -> Result<VersionUsage, SourceError> {
            let lines = versions.get(&(plan.function.clone(), version.version.clone()));
            let memory_mb =
                version.memory_mb.or_else(|| lines.and_then(|lines| lines.memory_size_mb)).ok_or_else(|| {
                    SourceError::NoMemorySize { function: plan.function.clone(), version: version.version.clone() }
                })?;
            Ok(VersionUsage {
                version: version.version.clone(),
                runtime: version.runtime.clone(),
                package_type: version.package_type,
                architecture: version.architecture,
                memory_mb,
                ephemeral_storage_mb: 512,
                provisioned_concurrency: None,
                invocations: None,
                sample: lines.map(|lines| lines.sample.clone()).unwrap_or_default(),
                max_memory_used_mb: lines.and_then(|lines| lines.max_memory_used_mb),
                log_bytes: lines.map(|lines| lines.log_bytes).unwrap_or_default(),
                code_sha256: None,
            })
        };
        functions.push(FunctionUsage {
            function: plan.function.clone(),
            api: plan.api,
            before: version_usage(&plan.before)?,
            after: version_usage(&plan.after)?,
            sweep: Vec::new(),
        });
    }
    let usage = UsageModel {
        format: crate::usage::USAGE_FORMAT,
        source: UsageSource {
            kind: SourceKind::LocalLogs,
            projection: true,
            detail: format!(
                "REPORT lines of the local emulator in {what} ({} lines, {} REPORT lines)",
                aggregator.lines_read, aggregator.reports_read
            ),
        },
        region: region.to_string(),
        window,
        functions,
    };
    Ok((usage, aggregator))
}

/// The parts of `cutover bench rewrite`'s JSON a projection needs.
#[derive(Debug, Deserialize)]
struct Bench {
    functions: Vec<BenchFunction>,
}

#[derive(Debug, Deserialize)]
struct BenchFunction {
    function: String,
    python: BenchSide,
    rust: BenchSide,
}

#[derive(Debug, Deserialize)]
struct BenchSide {
    version: String,
    cold_start_ms: Option<f64>,
    init_ms: Option<f64>,
    cold_starts: u64,
    warm_p50_ms: Option<f64>,
    warm_p99_ms: Option<f64>,
    warm_invocations: u64,
    peak_rss_mb: Option<u32>,
}

/// A projection from the medians of a benchmark: each warm invocation billed at the p50,
/// except one in a hundred at the p99; each cold start at INIT + first invocation.
pub fn usage_from_bench(
    text: &str,
    what: &str,
    plans: &[FunctionPlan],
    region: &str,
    window: Window,
) -> Result<UsageModel, SourceError> {
    let bench: Bench = serde_json::from_str(text).map_err(|error| SourceError::Invalid {
        what: what.to_string(),
        message: format!(
            "line {}, column {}: not the JSON of `cutover bench rewrite`: {error}",
            error.line(),
            error.column()
        ),
    })?;
    let mut functions = Vec::new();
    for plan in plans {
        let Some(measured) = bench.functions.iter().find(|function| function.function == plan.function) else {
            continue;
        };
        let side = |side: &BenchSide, version: &VersionPlan| -> Result<VersionUsage, SourceError> {
            let mut warm = Histogram::new();
            if let (Some(p50), Some(p99)) = (side.warm_p50_ms, side.warm_p99_ms) {
                let tail = (side.warm_invocations / 100).max(u64::from(side.warm_invocations > 0));
                warm.add(p50.ceil().max(1.0) as u64, side.warm_invocations - tail);
                warm.add(p99.ceil().max(1.0) as u64, tail);
            }
            let mut cold = ColdHistogram::default();
            if let (Some(cold_start), Some(init)) = (side.cold_start_ms, side.init_ms) {
                cold.add(
                    (cold_start - init).ceil().max(1.0) as u64,
                    cold_start.ceil().max(1.0) as u64,
                    side.cold_starts,
                );
            }
            Ok(VersionUsage {
                version: side.version.clone(),
                runtime: version.runtime.clone(),
                package_type: version.package_type,
                architecture: version.architecture,
                memory_mb: version.memory_mb.ok_or_else(|| SourceError::NoMemorySize {
                    function: plan.function.clone(),
                    version: side.version.clone(),
                })?,
                ephemeral_storage_mb: 512,
                provisioned_concurrency: None,
                invocations: None,
                sample: InvocationSample { warm_billed_ms: warm, cold_billed_ms: cold },
                max_memory_used_mb: side.peak_rss_mb,
                log_bytes: 0,
                code_sha256: None,
            })
        };
        functions.push(FunctionUsage {
            function: plan.function.clone(),
            api: plan.api,
            before: side(&measured.python, &plan.before)?,
            after: side(&measured.rust, &plan.after)?,
            sweep: Vec::new(),
        });
    }
    Ok(UsageModel {
        format: crate::usage::USAGE_FORMAT,
        source: UsageSource {
            kind: SourceKind::Bench,
            projection: true,
            detail: format!(
                "medians of `cutover bench rewrite` in {what}: warm invocations at p50 (1 in 100 at p99), cold starts at INIT + first invocation"
            ),
        },
        region: region.to_string(),
        window,
        functions,
    })
}
