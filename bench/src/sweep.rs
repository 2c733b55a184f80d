//! `bench sweep`: a local Power Tuning. One function's version is measured at several
//! memory sizes, each under Lambda's CPU share (memory ÷ 1769 vCPU) and memory limit,
//! on the recorded events; each point is priced with the reports crate's price table and
//! billing rules, and the frontier of cost against warm p99 says which sizes are worth
//! having.
//!
//! Every record of every configured function is replayed (with the version measured), so
//! the state the measured function reads exists; only that function's invocations are
//! measured. Each iteration runs every size on a fresh stack (the sizes taking turns, so
//! machine load falls on all alike), giving one cold start per size and iteration.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use emulator::{Config, DurationHistogram, RuntimeConfig};
use parity::ParityRules;
use reports::{PriceKey, PriceTable};
use serde::Serialize;
use time::Date;

use crate::critical_path::CriticalPathFigures;
use crate::frontier::{Slo, balanced, cheapest, fastest, frontier};
use crate::physics_applied::PhysicsApplied;
use crate::plan::{Flags, PlanError, RewriteOptions, RewritePlan};
use crate::replay::{FunctionTally, Tallies, replay_once};
use crate::rewrite_bench::side_figures;
use crate::targets::BenchTargets;
use crate::{BenchError, Progress};

/// Lambda's memory sizes, in MB.
pub const MEMORY_RANGE_MB: std::ops::RangeInclusive<u32> = 128..=10240;

/// The choices of one `bench sweep` run.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// The function measured.
    pub function: String,
    /// The config's version measured.
    pub version: String,
    /// The recorded events: files or folders of `cutover.record/v1` records.
    pub events: PathBuf,
    /// Fresh stacks per memory size (one cold start each).
    pub iterations: u32,
    /// The memory sizes, MB; sorted and deduplicated by the plan.
    pub memory_sizes: Vec<u32>,
    /// An AWS latency profile for the measured function's calls (`default`: the shipped one).
    pub latency_profile: Option<PathBuf>,
    /// The latency objective the recommendation must meet.
    pub slo: Option<Slo>,
    /// The day the prices and billing rules apply to (INIT is billed for managed runtimes
    /// from 2025-08-01 on).
    pub priced_on: Date,
}

/// A sweep, resolved: the replay plan, the sizes, the prices.
#[derive(Debug, Clone)]
pub struct SweepPlan {
    pub(crate) plan: RewritePlan,
    pub(crate) function: String,
    pub(crate) version: String,
    pub(crate) memory_sizes: Vec<u32>,
    pub(crate) configured_memory_mb: u32,
    pub(crate) slo: Option<Slo>,
    pub(crate) pricing: Pricing,
    pub(crate) managed_runtime: bool,
}

/// The prices every point is billed at, and where they come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pricing {
    /// The price table: `embedded` (the reports crate's).
    pub table: String,
    /// Its "prices as of" date.
    pub prices_as_of: String,
    /// The config's region.
    pub region: String,
    /// Always `x86_64`: the architecture the local runtimes stand for.
    pub architecture: &'static str,
    /// USD per request.
    pub request_usd: f64,
    /// USD per GB-second, the first tier's (list) rate.
    pub gb_second_usd: f64,
    /// The citations of both figures.
    pub sources: Vec<String>,
    /// Whether INIT is billed (the reports crate's rule for this runtime and day).
    pub init_billed: bool,
    /// How a point's cost per 1M invocations is reached.
    pub rule: &'static str,
}

const PRICING_RULE: &str = "per invocation, billed ms = Duration (+ Init Duration when INIT is billed) rounded up \
to the ms; cost per 1M = 1M × the request price + 1M × the mean billed ms × memory GB × the GB-second price, \
over every measured invocation, cold starts as measured (one per iteration)";

impl SweepPlan {
    /// Checks the options against the config and the corpus, prices the config's region
    /// and turns the CPU share and memory limit (and the latency profile asked for) on for
    /// the measured function.
    pub fn new(mut config: Config, rules: ParityRules, options: SweepOptions) -> Result<SweepPlan, PlanError> {
        let mut memory_sizes = options.memory_sizes.clone();
        if memory_sizes.is_empty() {
            return Err(PlanError::NoMemorySizes);
        }
        if let Some(memory_mb) = memory_sizes.iter().find(|memory_mb| !MEMORY_RANGE_MB.contains(memory_mb)) {
            return Err(PlanError::MemorySize { memory_mb: *memory_mb });
        }
        memory_sizes.sort_unstable();
        memory_sizes.dedup();
        if let Some(function) = config.functions.iter_mut().find(|function| function.name == options.function) {
            function.physics = emulator::Physics {
                cpu_share: true,
                memory_limit: true,
                latency_profile: options.latency_profile.clone(),
            };
        }
        let region = config.local.region.clone();
        let replay = RewriteOptions {
            events: options.events,
            iterations: options.iterations,
            python_version: options.version.clone(),
            rust_version: options.version.clone(),
            functions: vec![options.function.clone()],
            zip_dir: PathBuf::new(),
            physics: None,
        };
        let flags = Flags { function: "<FUNCTION>", version: "--version", python_side: false };
        let plan = RewritePlan::resolve(config, BenchTargets::default(), rules, replay, flags)?;
        let version = plan
            .config
            .function(&options.function)
            .and_then(|function| function.version(&options.version))
            .ok_or_else(|| PlanError::NoVersion {
            function: options.function.clone(),
            version: options.version.clone(),
            flag: "--version",
        })?;
        let managed_runtime = matches!(version.runtime, RuntimeConfig::Python { .. });
        let configured_memory_mb = version.memory_mb;
        let pricing = pricing(&region, managed_runtime, options.priced_on)?;
        Ok(SweepPlan {
            plan,
            function: options.function,
            version: options.version,
            memory_sizes,
            configured_memory_mb,
            slo: options.slo,
            pricing,
            managed_runtime,
        })
    }

    /// The functions whose records are replayed and whose measured version is a
    /// `bootstrap` (a binary to build), in name order.
    pub fn bootstrap_functions(&self) -> Vec<&str> {
        self.plan
            .config
            .functions
            .iter()
            .filter(|function| {
                function
                    .version(&self.version)
                    .is_some_and(|version| matches!(version.runtime, RuntimeConfig::Bootstrap { .. }))
            })
            .map(|function| function.name.as_str())
            .collect()
    }

    /// Runs every `bootstrap` of the measured version from `folder/<function>` (native
    /// release binaries) instead of the config's.
    pub fn run_bootstraps_from(&mut self, folder: &Path) -> Result<(), PlanError> {
        self.plan.run_rust_from_where(folder, |runtime| matches!(runtime, RuntimeConfig::Bootstrap { .. }))
    }

    /// The measured version's configured memory: the usage's before side.
    pub fn configured_memory_mb(&self) -> u32 {
        self.configured_memory_mb
    }

    /// The memory sizes measured, ascending.
    pub fn memory_sizes(&self) -> &[u32] {
        &self.memory_sizes
    }

    /// Records replayed per size and iteration.
    pub fn events_per_iteration(&self) -> usize {
        self.plan.events_per_iteration
    }

    /// The config of one point: the measured version at `memory_mb`.
    fn config_at(&self, memory_mb: u32) -> Config {
        let mut config = self.plan.config.clone();
        if let Some(function) = config.functions.iter_mut().find(|function| function.name == self.function) {
            for version in function.versions.iter_mut().filter(|version| version.version == self.version) {
                version.memory_mb = memory_mb;
            }
        }
        config
    }
}

fn pricing(region: &str, managed_runtime: bool, priced_on: Date) -> Result<Pricing, PlanError> {
    let table = PriceTable::embedded();
    let prices = table.region(region).map_err(PlanError::Price)?;
    let requests = prices.get(PriceKey::LambdaRequests).map_err(PlanError::Price)?;
    let duration = prices.get(PriceKey::LambdaDurationX86).map_err(PlanError::Price)?;
    // The table's date and citations are serialised, not exposed.
    let described = serde_json::to_value(&table).unwrap_or_default();
    let text = |key: &str| described.get(key).and_then(serde_json::Value::as_str).unwrap_or_default().to_string();
    let cite = |price: &reports::Price| {
        let keys: Vec<String> = price
            .source
            .split('+')
            .map(|key| described["sources"].get(key).and_then(serde_json::Value::as_str).unwrap_or(key).to_string())
            .collect();
        format!("{}: {}", price.unit, keys.join("; "))
    };
    Ok(Pricing {
        table: text("origin"),
        prices_as_of: text("prices_as_of"),
        region: region.to_string(),
        architecture: "x86_64",
        request_usd: requests.list_rate(),
        gb_second_usd: duration.list_rate(),
        sources: vec![cite(requests), cite(duration)],
        init_billed: reports::bill::init_is_billed(managed_runtime, reports::PackageType::Zip, priced_on),
        rule: PRICING_RULE,
    })
}

/// What a point is evidence of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PointVerdict {
    /// Warm invocations measured, none failed by Lambda: the point can be picked.
    Conclusive,
    /// Nothing to judge the point by (no warm invocation): never picked.
    Inconclusive {
        /// Why.
        reason: String,
    },
    /// Lambda failed an invocation at this size (out of memory, a timeout, a crash): a
    /// finding, and a point that meets no objective.
    Failed {
        /// The failures, by error type.
        reason: String,
    },
}

/// One memory size, measured and priced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemoryPoint {
    /// The memory size, MB.
    pub memory_mb: u32,
    /// The vCPUs Lambda allocates to it (memory ÷ 1769).
    pub vcpu_share: f64,
    /// Median of Init Duration + the first Duration, ms.
    pub cold_start_p50_ms: Option<f64>,
    /// Median Init Duration, ms.
    pub init_p50_ms: Option<f64>,
    /// Cold starts (n of the two above): one per iteration.
    pub cold_starts: u64,
    /// Median warm Duration, ms.
    pub warm_p50_ms: Option<f64>,
    /// 99th percentile of the same.
    pub warm_p99_ms: Option<f64>,
    /// Warm invocations (n of the two above).
    pub warm_invocations: u64,
    /// The largest Max Memory Used, MB.
    pub peak_rss_mb: Option<u64>,
    /// Every measured invocation.
    pub invocations: usize,
    /// Invocations that answered as recorded.
    pub answered_like_recording: usize,
    /// Failures Lambda itself reported, by error type (`Runtime.OutOfMemory`, ...).
    pub runtime_failures: BTreeMap<String, u64>,
    /// Mean billed ms per invocation (n = `invocations`), by the pricing's rule.
    pub mean_billed_ms: Option<f64>,
    /// The cost of 1M invocations at this size, USD.
    pub cost_per_million_usd: Option<f64>,
    /// The AWS-call critical path of the warm invocations, when a latency profile traced
    /// them.
    pub critical_path: Option<CriticalPathFigures>,
    /// What the point is evidence of.
    pub verdict: PointVerdict,
    /// Whether it meets the objective; `None` without one, or without a warm figure.
    pub meets_slo: Option<bool>,
    /// Whether it is on the cost/latency frontier.
    pub on_frontier: bool,
}

/// The size a sweep recommends, or why none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// The size; `None` when no conclusive point qualifies or the physics were not enforced.
    pub memory_mb: Option<u32>,
    /// Why, in a sentence.
    pub reason: String,
}

/// Everything a sweep measured and concluded.
#[derive(Debug, Clone, Serialize)]
pub struct SweepBench {
    /// The function measured.
    pub function: String,
    /// Its version.
    pub version: String,
    /// The version's configured memory, MB.
    pub configured_memory_mb: u32,
    /// The corpus replayed.
    pub events: PathBuf,
    /// Fresh stacks per size.
    pub iterations: u32,
    /// Records replayed per size and iteration.
    pub events_per_iteration: usize,
    /// How far above the exact nearest-rank value a percentile can be (a fraction).
    pub percentile_bucket_error: f64,
    /// The physics the points ran under; `unthrottled` says when they were not enforced.
    pub physics: PhysicsApplied,
    /// The prices and the billing rule.
    pub pricing: Pricing,
    /// The latency objective, if any.
    pub slo: Option<Slo>,
    /// Every size, ascending.
    pub points: Vec<MemoryPoint>,
    /// The sizes on the cost/latency frontier (cost per 1M against warm p99).
    pub frontier: Vec<u32>,
    /// Power Tuning's `cost` strategy: the cheapest conclusive size.
    pub cheapest_mb: Option<u32>,
    /// Its `speed` strategy: the conclusive size with the lowest warm p99.
    pub fastest_mb: Option<u32>,
    /// Its `balanced` strategy (weight 0.5) over cost and warm p99.
    pub balanced_mb: Option<u32>,
    /// The cheapest size that meets the objective (the cheapest without one).
    pub recommendation: Recommendation,
}

/// Replays the records at every size `iterations` times and summarises the measured
/// function per size.
pub async fn run_sweep(plan: &SweepPlan, mut progress: impl FnMut(Progress<'_>)) -> Result<SweepBench, BenchError> {
    let support = emulator::physics_support();
    if let Err(reason) = &support {
        progress(Progress::Unthrottled { reason });
    }
    let mut tallies: BTreeMap<u32, Tallies> = BTreeMap::new();
    for iteration in 1..=plan.plan.iterations {
        for memory_mb in &plan.memory_sizes {
            progress(Progress::SweepPoint {
                iteration,
                iterations: plan.plan.iterations,
                memory_mb: *memory_mb,
                events: plan.plan.events_per_iteration,
            });
            let config = plan.config_at(*memory_mb);
            replay_once(&plan.plan, &config, &plan.version, tallies.entry(*memory_mb).or_default()).await?;
        }
    }
    Ok(summarise(plan, &tallies, support.err()))
}

fn summarise(plan: &SweepPlan, tallies: &BTreeMap<u32, Tallies>, unsupported: Option<String>) -> SweepBench {
    let empty = FunctionTally::default();
    let mut points: Vec<MemoryPoint> = plan
        .memory_sizes
        .iter()
        .map(|memory_mb| {
            let tally = tallies.get(memory_mb).and_then(|tallies| tallies.get(&plan.function)).unwrap_or(&empty);
            point_of(plan, *memory_mb, tally)
        })
        .collect();
    let unthrottled = tallies
        .values()
        .flat_map(|tallies| tallies.values())
        .find_map(|tally| tally.unthrottled.clone())
        .or(unsupported);
    let on_frontier = frontier(&points);
    for point in &mut points {
        point.on_frontier = on_frontier.contains(&point.memory_mb);
        point.meets_slo = match (&point.verdict, plan.slo) {
            (_, None) => None,
            (PointVerdict::Failed { .. }, Some(_)) => Some(false),
            (_, Some(slo)) => slo.met_by(point),
        };
    }
    let recommendation = match (&unthrottled, plan.slo, cheapest(&points, plan.slo)) {
        (Some(reason), _, _) => Recommendation {
            memory_mb: None,
            reason: format!(
                "the CPU share and memory limit could not be enforced ({reason}): the figures do not model memory, so no size is recommended"
            ),
        },
        (None, Some(slo), Some(memory_mb)) => {
            Recommendation { memory_mb: Some(memory_mb), reason: format!("the cheapest conclusive size meeting {slo}") }
        }
        (None, Some(slo), None) => {
            Recommendation { memory_mb: None, reason: format!("no conclusive size meets {slo}") }
        }
        (None, None, Some(memory_mb)) => Recommendation {
            memory_mb: Some(memory_mb),
            reason: "no objective given (--slo-p99-ms, --slo-p50-ms): the cheapest conclusive size".to_string(),
        },
        (None, None, None) => {
            Recommendation { memory_mb: None, reason: "no conclusive size: nothing to recommend".to_string() }
        }
    };
    SweepBench {
        function: plan.function.clone(),
        version: plan.version.clone(),
        configured_memory_mb: plan.configured_memory_mb,
        events: plan.plan.events.clone(),
        iterations: plan.plan.iterations,
        events_per_iteration: plan.plan.events_per_iteration,
        percentile_bucket_error: DurationHistogram::max_relative_error(),
        physics: plan.plan.physics_applied(&plan.plan.config, &plan.plan.measured, unthrottled),
        pricing: plan.pricing.clone(),
        slo: plan.slo,
        cheapest_mb: cheapest(&points, None),
        fastest_mb: fastest(&points),
        balanced_mb: balanced(&points),
        frontier: on_frontier,
        points,
        recommendation,
    }
}

fn point_of(plan: &SweepPlan, memory_mb: u32, tally: &FunctionTally) -> MemoryPoint {
    let figures = side_figures(&plan.version, memory_mb, None, tally);
    let pricing = &plan.pricing;
    let billed = if pricing.init_billed { tally.billed_ms_with_init } else { tally.billed_ms_without_init };
    let mean_billed_ms = (tally.invocations > 0).then(|| billed as f64 / tally.invocations as f64);
    let cost_per_million_usd = mean_billed_ms.map(|mean| {
        1e6 * pricing.request_usd + reports::bill::gb_seconds(mean * 1e6, memory_mb) * pricing.gb_second_usd
    });
    let verdict = if !tally.runtime_failures.is_empty() {
        let failures: Vec<String> =
            tally.runtime_failures.iter().map(|(error_type, count)| format!("{error_type} ×{count}")).collect();
        PointVerdict::Failed { reason: failures.join(", ") }
    } else if figures.warm_invocations == 0 {
        PointVerdict::Inconclusive { reason: "no warm invocation".to_string() }
    } else {
        PointVerdict::Conclusive
    };
    MemoryPoint {
        memory_mb,
        vcpu_share: emulator::cpu_share(memory_mb),
        cold_start_p50_ms: figures.cold_start_ms,
        init_p50_ms: figures.init_ms,
        cold_starts: figures.cold_starts,
        warm_p50_ms: figures.warm_p50_ms,
        warm_p99_ms: figures.warm_p99_ms,
        warm_invocations: figures.warm_invocations,
        peak_rss_mb: figures.peak_rss_mb,
        invocations: figures.invocations,
        answered_like_recording: figures.answered_like_recording,
        runtime_failures: figures.runtime_failures,
        mean_billed_ms,
        cost_per_million_usd,
        critical_path: figures.critical_path,
        verdict,
        meets_slo: None,
        on_frontier: false,
    }
}

impl SweepBench {
    /// Whether the physics were not enforced (the figures then do not model memory).
    pub fn unthrottled(&self) -> bool {
        self.physics.unthrottled.is_some()
    }

    pub(crate) fn point(&self, memory_mb: u32) -> Option<&MemoryPoint> {
        self.points.iter().find(|point| point.memory_mb == memory_mb)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A hand-made point: the figures the frontier reads, the rest plausible.
    pub(crate) fn point(memory_mb: u32, cost: Option<f64>, p99: Option<f64>, verdict: PointVerdict) -> MemoryPoint {
        MemoryPoint {
            memory_mb,
            vcpu_share: emulator::cpu_share(memory_mb),
            cold_start_p50_ms: Some(100.0),
            init_p50_ms: Some(80.0),
            cold_starts: 1,
            warm_p50_ms: p99.map(|p99| p99 / 2.0),
            warm_p99_ms: p99,
            warm_invocations: u64::from(p99.is_some()) * 4,
            peak_rss_mb: Some(30),
            invocations: 5,
            answered_like_recording: 5,
            runtime_failures: BTreeMap::new(),
            mean_billed_ms: Some(10.0),
            cost_per_million_usd: cost,
            critical_path: None,
            verdict,
            meets_slo: None,
            on_frontier: false,
        }
    }
}
