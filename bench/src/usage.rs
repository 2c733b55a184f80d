//! The measured figures as the usage a cost report prices (`cutover report --usage FILE`).
//!
//! There is one conversion from a bench to usage, `reports::usage_from_bench` (the one
//! behind `cutover report --source local --bench FILE`), and one usage format, the reports
//! crate's: a file written here and a report made from the bench's JSON price the same.

use std::path::Path;

use reports::{Architecture, FunctionPlan, PackageType, UsageModel, VersionPlan, Window};
use time::OffsetDateTime;

use crate::BenchError;
use crate::plan::RewritePlan;
use crate::rewrite_bench::RewriteBench;

/// The runtimes `cutover report` assumes for a local source unless told otherwise
/// (`--before-runtime`, `--after-runtime`); neither changes a price.
const PYTHON_RUNTIME: &str = "python3.12";
const RUST_RUNTIME: &str = "provided.al2023";
/// A nominal month ending at the run, as `cutover report --source local` uses: the bench
/// measures durations, not a traffic rate, so the report scales by `--monthly-requests`.
const NOMINAL_WINDOW_HOURS: i64 = 730;

impl RewritePlan {
    /// The usage of the measured functions: warm invocations billed at the p50 (one in a
    /// hundred at the p99), cold starts at INIT + first invocation, each version at the
    /// config's memory size, x86_64 zips, in the config's region.
    pub fn usage(&self, bench: &RewriteBench, what: &str, now: OffsetDateTime) -> Result<UsageModel, BenchError> {
        let plans: Vec<FunctionPlan> = self
            .config
            .functions
            .iter()
            .filter(|function| self.measured.contains(&function.name))
            .map(|function| {
                let version = |version: &str, runtime: &str| VersionPlan {
                    version: version.to_string(),
                    runtime: runtime.to_string(),
                    architecture: Architecture::X86_64,
                    package_type: PackageType::Zip,
                    memory_mb: Some(function.memory_mb),
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
