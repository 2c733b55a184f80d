//! The result of `bench rewrite`: per function, each side's figures and the Rust ÷ Python
//! ratios against the targets. Every percentile is read from the emulator's
//! [`DurationHistogram`], so it is the upper bound of the bucket holding the nearest-rank
//! sample: at most [`DurationHistogram::max_relative_error`] (about 9 %) above it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use emulator::DurationHistogram;
use serde::Serialize;

use crate::critical_path::CriticalPathFigures;
use crate::physics_applied::PhysicsApplied;
use crate::plan::RewritePlan;
use crate::python_package::PythonSizes;
use crate::replay::{FunctionTally, Side, Tallies};
use crate::seed::{SEED_SOURCE, SeedRow, seed_rows};

/// Everything one run measured.
#[derive(Debug, Clone, Serialize)]
pub struct RewriteBench {
    /// The corpus replayed.
    pub events: PathBuf,
    /// Replays per side.
    pub iterations: u32,
    /// Records replayed per side and iteration: every record of a configured function.
    pub events_per_iteration: usize,
    /// Records of functions the config does not declare, not replayed.
    pub events_skipped: usize,
    /// How far above the exact nearest-rank value a percentile can be (a fraction).
    pub percentile_bucket_error: f64,
    /// Lambda's physics the measured functions ran under, and whether they were enforced.
    pub physics: PhysicsApplied,
    /// Where the seed's figures of [`FunctionBench::seed`] come from.
    pub seed_source: &'static str,
    /// What every Python zip carries.
    pub python_dependencies: PythonDependencies,
    /// The targets the ratios were held to.
    pub targets: Targets,
    /// The measured functions.
    pub functions: Vec<FunctionBench>,
}

/// The dependency closure every Python zip carries.
#[derive(Debug, Clone, Serialize)]
pub struct PythonDependencies {
    /// `name==version` of every distribution shipped.
    pub distributions: Vec<String>,
    /// Their zip alone, deflate level 9.
    pub zip_bytes: u64,
    /// Their files' size.
    pub unzipped_bytes: u64,
}

/// The targets in force, as Rust ÷ Python ratios.
#[derive(Debug, Clone, Serialize)]
pub struct Targets {
    /// See [`crate::BenchTargets::package_ratio`].
    pub package_ratio: f64,
    /// See [`crate::BenchTargets::cold_start_ratio`].
    pub cold_start_ratio: f64,
    /// See [`crate::BenchTargets::peak_rss_ratio`].
    pub peak_rss_ratio: f64,
    /// See [`crate::BenchTargets::warm_p50_ratio`].
    pub warm_p50_ratio: f64,
    /// The measured functions the warm-p50 target applies to.
    pub warm_p50_functions: Vec<String>,
}

/// One function, both sides.
#[derive(Debug, Clone, Serialize)]
pub struct FunctionBench {
    /// The function's name in the config.
    pub function: String,
    /// The original's figures.
    pub python: SideFigures,
    /// The rewrite's figures.
    pub rust: SideFigures,
    /// Rust ÷ Python.
    pub ratios: Ratios,
    /// The seed's table for this function: memory, cold start, package, average, p50 and
    /// p99 duration, ours beside the seed's.
    pub seed: Vec<SeedRow>,
    /// Where the warm-p50 target is missed, what bounds Rust's warm p50: its most frequent
    /// AWS-call critical path (`a → b: 87.0 ms of 95.0 ms p50`), or `no trace` when no
    /// latency profile traced the calls.
    pub warm_p50_bound: Option<String>,
}

/// One side of one function.
#[derive(Debug, Clone, Serialize)]
pub struct SideFigures {
    /// The config's version.
    pub version: String,
    /// The version's configured memory (`memory_mb`): what Lambda bills and, under the
    /// physics, the CPU share and the memory limit.
    pub memory_mb: u32,
    /// The deployment zip, when there is one to measure.
    pub package_zip_bytes: Option<u64>,
    /// Median over the cold starts of Init Duration + the first Duration.
    pub cold_start_ms: Option<f64>,
    /// Median Init Duration.
    pub init_ms: Option<f64>,
    /// One per iteration that invoked the function.
    pub cold_starts: u64,
    /// Median Duration of the warm invocations.
    pub warm_p50_ms: Option<f64>,
    /// 99th percentile of the same.
    pub warm_p99_ms: Option<f64>,
    /// Invocations that found a warm sandbox.
    pub warm_invocations: u64,
    /// The largest Max Memory Used (`VmHWM` of the runtime process).
    pub peak_rss_mb: Option<u64>,
    /// Mean Duration of every invocation (n = `invocations`), init excluded as in
    /// CloudWatch's Duration metric: the seed's "avg execution duration". Exact.
    pub average_ms: Option<f64>,
    /// Every invocation measured.
    pub invocations: usize,
    /// Invocations that raised as recorded or answered the recorded status or `result`.
    pub answered_like_recording: usize,
    /// Failures Lambda itself reports, by error type (`Runtime.OutOfMemory`, ...).
    pub runtime_failures: BTreeMap<String, u64>,
    /// The AWS-call critical path of the warm invocations; `None` when no proxy traced
    /// the calls (no latency profile): no trace, not zero calls.
    pub critical_path: Option<CriticalPathFigures>,
    /// Warm durations per outcome (HTTP status, `returned` or `raised`): the mix of a
    /// function's events hides its slow path, e.g. a create's 201s among its 4xx.
    pub warm_by_outcome: BTreeMap<String, OutcomeFigures>,
}

/// Warm durations of one outcome.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeFigures {
    /// Warm invocations with this outcome.
    pub warm_invocations: u64,
    /// Their median Duration.
    pub warm_p50_ms: Option<f64>,
    /// Their 99th percentile.
    pub warm_p99_ms: Option<f64>,
}

/// Rust ÷ Python, per figure with a target.
#[derive(Debug, Clone, Serialize)]
pub struct Ratios {
    /// Zip bytes.
    pub package: Option<Ratio>,
    /// Median cold start.
    pub cold_start: Option<Ratio>,
    /// Peak memory.
    pub peak_rss: Option<Ratio>,
    /// Median warm Duration.
    pub warm_p50: Option<Ratio>,
}

/// One ratio and whether it meets its target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ratio {
    /// Rust divided by Python.
    pub value: f64,
    /// The largest acceptable value, when a target applies.
    pub target: Option<f64>,
    /// Whether `value` is at most `target`.
    pub met: Option<bool>,
}

impl Ratio {
    /// `None` when either side has no figure or Python's is zero.
    pub fn of(rust: Option<f64>, python: Option<f64>, target: Option<f64>) -> Option<Ratio> {
        match (rust, python) {
            (Some(rust), Some(python)) if python > 0.0 => {
                let value = rust / python;
                Some(Ratio { value, target, met: target.map(|target| value <= target) })
            }
            _ => None,
        }
    }
}

/// The bucket bound of a percentile, in milliseconds to the microsecond.
fn percentile_ms(histogram: &DurationHistogram, quantile: f64) -> Option<f64> {
    histogram.percentile(quantile).map(|duration| (duration.as_secs_f64() * 1_000_000.0).round() / 1000.0)
}

/// An exact mean in milliseconds, to the microsecond.
pub(crate) fn mean_ms(sum: std::time::Duration, count: usize) -> Option<f64> {
    (count > 0).then(|| (sum.as_secs_f64() * 1_000_000.0 / count as f64).round() / 1000.0)
}

pub(crate) fn side_figures(
    version: &str,
    memory_mb: u32,
    package_zip_bytes: Option<u64>,
    tally: &FunctionTally,
) -> SideFigures {
    let warm_p50_ms = percentile_ms(&tally.warm, 0.5);
    SideFigures {
        version: version.to_string(),
        memory_mb,
        package_zip_bytes,
        cold_start_ms: percentile_ms(&tally.cold, 0.5),
        init_ms: percentile_ms(&tally.init, 0.5),
        cold_starts: tally.cold.count(),
        warm_p50_ms,
        warm_p99_ms: percentile_ms(&tally.warm, 0.99),
        warm_invocations: tally.warm.count(),
        peak_rss_mb: tally.peak_rss_mb,
        average_ms: mean_ms(tally.duration_sum, tally.invocations),
        invocations: tally.invocations,
        answered_like_recording: tally.answered_like_recording,
        runtime_failures: tally.runtime_failures.clone(),
        critical_path: if tally.traced { CriticalPathFigures::of(&tally.warm_paths, warm_p50_ms) } else { None },
        warm_by_outcome: tally
            .warm_by_outcome
            .iter()
            .map(|(outcome, histogram)| {
                let figures = OutcomeFigures {
                    warm_invocations: histogram.count(),
                    warm_p50_ms: percentile_ms(histogram, 0.5),
                    warm_p99_ms: percentile_ms(histogram, 0.99),
                };
                (outcome.clone(), figures)
            })
            .collect(),
    }
}

pub(crate) fn summarise(
    plan: &RewritePlan,
    tallies: &BTreeMap<Side, Tallies>,
    python_sizes: &PythonSizes,
) -> RewriteBench {
    let targets = &plan.targets;
    let empty = FunctionTally::default();
    let functions = plan
        .measured
        .iter()
        .map(|function| {
            let tally = |side: Side| tallies.get(&side).and_then(|tallies| tallies.get(function)).unwrap_or(&empty);
            let memory_mb = |version: &str| {
                plan.config.function(function).and_then(|config| config.version(version)).map_or(0, |v| v.memory_mb)
            };
            let rust_zip = std::fs::metadata(plan.zip_dir.join(format!("{function}.zip"))).ok().map(|meta| meta.len());
            let python = side_figures(
                &plan.python_version,
                memory_mb(&plan.python_version),
                python_sizes.functions.get(function).copied(),
                tally(Side::Python),
            );
            let rust = side_figures(&plan.rust_version, memory_mb(&plan.rust_version), rust_zip, tally(Side::Rust));
            let as_f64 = |value: Option<u64>| value.map(|value| value as f64);
            let ratios = Ratios {
                package: Ratio::of(
                    as_f64(rust.package_zip_bytes),
                    as_f64(python.package_zip_bytes),
                    Some(targets.package_ratio),
                ),
                cold_start: Ratio::of(rust.cold_start_ms, python.cold_start_ms, Some(targets.cold_start_ratio)),
                peak_rss: Ratio::of(as_f64(rust.peak_rss_mb), as_f64(python.peak_rss_mb), Some(targets.peak_rss_ratio)),
                warm_p50: Ratio::of(
                    rust.warm_p50_ms,
                    python.warm_p50_ms,
                    targets.warm_p50_applies_to(function).then_some(targets.warm_p50_ratio),
                ),
            };
            let warm_p50_bound = (ratios.warm_p50.as_ref().and_then(|ratio| ratio.met) == Some(false)).then(|| {
                rust.critical_path.as_ref().map_or_else(|| "no trace".to_string(), |path| path.bound(rust.warm_p50_ms))
            });
            let seed = seed_rows(&python, &rust);
            FunctionBench { function: function.clone(), python, rust, ratios, seed, warm_p50_bound }
        })
        .collect();
    let unthrottled = tallies.values().flat_map(|tallies| tallies.values()).find_map(|tally| tally.unthrottled.clone());
    RewriteBench {
        events: plan.events.clone(),
        iterations: plan.iterations,
        events_per_iteration: plan.events_per_iteration,
        events_skipped: plan.events_skipped,
        percentile_bucket_error: DurationHistogram::max_relative_error(),
        physics: plan.physics_applied(&plan.config, &plan.measured, unthrottled),
        seed_source: SEED_SOURCE,
        python_dependencies: PythonDependencies {
            distributions: python_sizes.distributions.clone(),
            zip_bytes: python_sizes.dependencies_zip_bytes,
            unzipped_bytes: python_sizes.dependencies_unzipped_bytes,
        },
        targets: Targets {
            package_ratio: targets.package_ratio,
            cold_start_ratio: targets.cold_start_ratio,
            peak_rss_ratio: targets.peak_rss_ratio,
            warm_p50_ratio: targets.warm_p50_ratio,
            warm_p50_functions: plan
                .measured
                .iter()
                .filter(|function| targets.warm_p50_applies_to(function))
                .cloned()
                .collect(),
        },
        functions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_ratio_says_whether_it_meets_its_target() {
        let met = Ratio::of(Some(1.0), Some(20.0), Some(0.1)).expect("a ratio");
        assert_eq!((met.value, met.met), (0.05, Some(true)));
        let missed = Ratio::of(Some(5.0), Some(20.0), Some(0.1)).expect("a ratio");
        assert_eq!(missed.met, Some(false));
        assert!(Ratio::of(None, Some(1.0), None).is_none());
        assert!(Ratio::of(Some(1.0), Some(0.0), Some(0.1)).is_none(), "no ratio to a zero");
        assert_eq!(Ratio::of(Some(1.0), Some(2.0), None).and_then(|ratio| ratio.met), None);
    }

    #[test]
    fn percentiles_are_the_histogram_bucket_of_the_nearest_rank_within_its_error() {
        let mut histogram = DurationHistogram::default();
        for ms in 1..=100 {
            histogram.record(Duration::from_millis(ms));
        }
        let error = DurationHistogram::max_relative_error();
        assert!((0.09..0.091).contains(&error), "{error}");
        let p50 = percentile_ms(&histogram, 0.5).expect("p50");
        assert!((50.0..=50.0 * (1.0 + error)).contains(&p50), "p50 {p50}");
        let p99 = percentile_ms(&histogram, 0.99).expect("p99");
        assert!((99.0..=100.0).contains(&p99), "p99 {p99}: capped at the largest value");
        assert_eq!(percentile_ms(&DurationHistogram::default(), 0.5), None);
    }
}
