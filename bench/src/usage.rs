//! The measured figures as the usage a cost report prices (`cutover report --usage FILE`):
//! a rewrite's (Python before, Rust after) or a sweep's (the version at its configured
//! memory before, at the recommended size after, every conclusive point as `sweep`).
//!
//! There is one conversion from a bench to usage, `reports::usage_from_bench` (the one
//! behind `cutover report --source local --bench FILE`), and one usage format, the reports
//! crate's: a file written here and a report made from the bench's JSON price the same.

use std::path::Path;

use reports::{Architecture, FunctionPlan, PackageType, SweepPoint, UsageModel, VersionPlan, Window};
use time::OffsetDateTime;

use crate::BenchError;
use crate::plan::RewritePlan;
use crate::rewrite_bench::RewriteBench;
use crate::sweep::{MemoryPoint, PointVerdict, SweepBench, SweepPlan};

/// The runtimes `cutover report` assumes for a local source unless told otherwise
/// (`--before-runtime`, `--after-runtime`); neither changes a price.
const PYTHON_RUNTIME: &str = "python3.12";
const RUST_RUNTIME: &str = "provided.al2023";
/// A nominal month ending at the run, as `cutover report --source local` uses: the bench
/// measures durations, not a traffic rate, so the report scales by `--monthly-requests`.
const NOMINAL_WINDOW_HOURS: i64 = 730;

impl RewritePlan {
    /// The usage of the measured functions: warm invocations billed at the p50 (one in a
    /// hundred at the p99), cold starts at INIT + first invocation, each version at its
    /// own configured memory size, x86_64 zips, in the config's region.
    pub fn usage(&self, bench: &RewriteBench, what: &str, now: OffsetDateTime) -> Result<UsageModel, BenchError> {
        let plans: Vec<FunctionPlan> = self
            .config
            .functions
            .iter()
            .filter(|function| self.measured.contains(&function.name))
            .map(|function| {
                // Each version at its own memory, as Lambda bills a published version.
                let version = |version: &str, runtime: &str| VersionPlan {
                    version: version.to_string(),
                    runtime: runtime.to_string(),
                    architecture: Architecture::X86_64,
                    package_type: PackageType::Zip,
                    memory_mb: Some(function.version(version).map_or(function.memory_mb, |config| config.memory_mb)),
                };
                FunctionPlan {
                    function: function.name.clone(),
                    api: None,
                    before: version(&self.python_version, PYTHON_RUNTIME),
                    after: version(&self.rust_version, RUST_RUNTIME),
                }
            })
            .collect();
        let text = serde_json::to_string(bench).map_err(|error| BenchError::Usage { message: error.to_string() })?;
        let window = Window { start: now - time::Duration::hours(NOMINAL_WINDOW_HOURS), end: now };
        reports::usage_from_bench(&text, what, &plans, &self.config.local.region, window)
            .map_err(|error| BenchError::Usage { message: error.to_string() })
    }
}

/// Writes `usage` in the format `cutover report --usage` reads, atomically: a reader sees
/// the old file or the whole new one.
pub fn write_usage_file(path: &Path, usage: &UsageModel) -> Result<(), BenchError> {
    atomic_file::write_atomically(path, reports::usage_to_json(usage).as_bytes())
        .map_err(|source| BenchError::Write { path: path.to_path_buf(), source })
}

/// The parts of a side the one conversion (`reports::usage_from_bench`) reads, written the
/// way `cutover bench rewrite`'s JSON writes them.
#[derive(serde::Serialize)]
struct BenchSide<'a> {
    version: &'a str,
    cold_start_ms: Option<f64>,
    init_ms: Option<f64>,
    cold_starts: u64,
    warm_p50_ms: Option<f64>,
    warm_p99_ms: Option<f64>,
    warm_invocations: u64,
    peak_rss_mb: Option<u64>,
}

impl<'a> BenchSide<'a> {
    fn of(version: &'a str, point: &MemoryPoint) -> BenchSide<'a> {
        BenchSide {
            version,
            cold_start_ms: point.cold_start_p50_ms,
            init_ms: point.init_p50_ms,
            cold_starts: point.cold_starts,
            warm_p50_ms: point.warm_p50_ms,
            warm_p99_ms: point.warm_p99_ms,
            warm_invocations: point.warm_invocations,
            peak_rss_mb: point.peak_rss_mb,
        }
    }
}

impl SweepPlan {
    /// The usage of a sweep's function: before, the version at its configured memory (a
    /// point the sweep must have measured); after, the same version at the recommended
    /// size; and every conclusive point as the usage's `sweep`. Made by the same
    /// conversion as a rewrite's, so `cutover report --usage` prices it alike.
    pub fn usage(&self, sweep: &SweepBench, what: &str, now: OffsetDateTime) -> Result<UsageModel, BenchError> {
        let usage_error = |message: String| BenchError::Usage { message };
        let before = sweep.point(self.configured_memory_mb).ok_or_else(|| {
            usage_error(format!(
                "the configured {} MB was not measured: add it to --memory so the usage has its before side",
                self.configured_memory_mb
            ))
        })?;
        let recommended = sweep
            .recommendation
            .memory_mb
            .ok_or_else(|| usage_error(format!("no size is recommended ({})", sweep.recommendation.reason)))?;
        let after = sweep.point(recommended).ok_or_else(|| usage_error(format!("no point at {recommended} MB")))?;
        let runtime = if self.managed_runtime { PYTHON_RUNTIME } else { RUST_RUNTIME };
        let version = |memory_mb: u32| VersionPlan {
            version: self.version.clone(),
            runtime: runtime.to_string(),
            architecture: Architecture::X86_64,
            package_type: PackageType::Zip,
            memory_mb: Some(memory_mb),
        };
        let plans = [FunctionPlan {
            function: self.function.clone(),
            api: None,
            before: version(before.memory_mb),
            after: version(after.memory_mb),
        }];
        let bench = serde_json::json!({
            "functions": [{
                "function": self.function,
                "python": BenchSide::of(&self.version, before),
                "rust": BenchSide::of(&self.version, after),
            }]
        });
        let window = Window { start: now - time::Duration::hours(NOMINAL_WINDOW_HOURS), end: now };
        let mut usage =
            reports::usage_from_bench(&bench.to_string(), what, &plans, &self.plan.config.local.region, window)
                .map_err(|error| usage_error(error.to_string()))?;
        usage.source.detail = format!(
            "`cutover bench sweep` of {} version {} in {what}: before at its configured {} MB, after at the \
             recommended {} MB; warm invocations at p50 (1 in 100 at p99), cold starts at INIT + first invocation",
            self.function, self.version, before.memory_mb, after.memory_mb
        );
        for function in &mut usage.functions {
            function.sweep = sweep
                .points
                .iter()
                .filter(|point| point.verdict == PointVerdict::Conclusive)
                .filter_map(|point| {
                    Some(SweepPoint {
                        memory_mb: point.memory_mb,
                        mean_billed_ms: point.mean_billed_ms?,
                        p99_ms: point.warm_p99_ms?,
                    })
                })
                .collect();
        }
        Ok(usage)
    }
}
