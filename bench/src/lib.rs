//! Benchmarks of a rewrite: the Python original against the Rust rewrite, per function, on
//! the recorded events, through the local Lambda of the `emulator` crate; and a local
//! Power Tuning of one function across memory sizes.
//!
//! The data flows in this order:
//! - [`RewritePlan::new`] resolves a run from the config, its `[bench]` [`BenchTargets`],
//!   the parity rules (whose id paths say which ids the functions generate) and the
//!   [`RewriteOptions`]; it reads the corpus once through with parity's [`parity::Corpus`],
//!   so a bad record fails before anything starts. [`RewritePlan::run_rust_from`] points
//!   the Rust side at built binaries (building them is the caller's step: this crate never
//!   runs cargo).
//! - [`run_rewrite`] replays, per iteration and side (the sides taking turns, so machine
//!   load falls on both alike), every record of a configured function in recorded order on
//!   a fresh local stack (its own moto server and sandboxes), so the state each function
//!   reads exists; ids are mapped with parity's [`parity::IdMap`]. Only the measured
//!   functions' invocations are kept, folded into the emulator's [`emulator::DurationHistogram`]s:
//!   the first invocation of a function in an iteration is its cold start (Init Duration +
//!   Duration of the REPORT line), the others are warm; peak RSS is the REPORT's Max
//!   Memory Used. The Python deployment zips are sized by an embedded script
//!   (`python/package_sizes.py`), the Rust ones read from `cutover package`'s folder.
//!   Under a latency profile every warm invocation's AWS calls are traced and summarised
//!   as a [`CriticalPathFigures`]; the run states the [`PhysicsApplied`] (a simulation, or
//!   UNTHROTTLED where the CPU share and memory limit could not be enforced).
//! - The result, a [`RewriteBench`], renders as a table ([`render_table`], with the seed's
//!   table beside ours) or JSON, and becomes the usage a cost report prices
//!   ([`RewritePlan::usage`], [`write_usage_file`]).
//! - A sweep ([`SweepPlan::new`], [`run_sweep`]) replays the same way with one version at
//!   each memory size under the CPU share and memory limit, prices each point with the
//!   reports crate, and gives a [`SweepBench`]: the points, the cost/latency frontier and
//!   the cheapest size meeting a [`Slo`] ([`render_sweep_table`], [`SweepPlan::usage`]).

// A library computes; only the binary prints (ripgrep's rule): progress goes to the
// caller's callback.
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

mod critical_path;
mod frontier;
mod physics_applied;
mod plan;
mod python_package;
mod render;
mod replay;
mod rewrite_bench;
mod seed;
mod sweep;
mod targets;
mod usage;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use critical_path::CriticalPathFigures;
pub use frontier::Slo;
pub use physics_applied::{AppliedProfile, PhysicsApplied};
pub use plan::{PlanError, RewriteOptions, RewritePlan};
pub use render::{render_sweep_table, render_table};
pub use replay::Side;
pub use rewrite_bench::{
    FunctionBench, OutcomeFigures, PythonDependencies, Ratio, Ratios, RewriteBench, SideFigures, Targets,
};
pub use seed::{Range, SEED_SOURCE, SeedFigure, SeedRow};
pub use sweep::{
    MEMORY_RANGE_MB, MemoryPoint, PointVerdict, Pricing, Recommendation, SweepBench, SweepOptions, SweepPlan, run_sweep,
};
pub use targets::{BenchTargets, TargetsError};
pub use usage::write_usage_file;

use python_package::{PythonCode, PythonSizes};
use replay::{Tallies, replay_once};

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A record of the corpus went bad between the plan and the replay.
    #[error("the corpus could not be read")]
    Corpus(#[from] parity::CorpusError),
    /// The local Lambda (or its moto server and setup hook) did not start.
    #[error("could not start the local Lambda")]
    Start(#[source] emulator::StartError),
    /// The emulator refused an invocation.
    #[error("invoking {function}:{version}")]
    Invoke {
        /// The function invoked.
        function: String,
        /// The version invoked.
        version: String,
        /// What the emulator said.
        #[source]
        source: emulator::InvokeError,
    },
    /// A runtime failed its init: nothing of that side could be measured.
    #[error("{function}:{version} did not start ({error_type}): {answer}")]
    InitFailed {
        /// The function whose sandbox failed.
        function: String,
        /// Its version.
        version: String,
        /// The error type of the init failure.
        error_type: String,
        /// The error document the runtime posted.
        answer: String,
    },
    /// A file or folder the run needs could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A program (the Python interpreter) could not be started.
    #[error("could not run {}", program.display())]
    Run {
        /// The program.
        program: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The Python sizing script failed or printed something unexpected.
    #[error("sizing the Python packages failed: {message}")]
    PythonSizing {
        /// Its error output, or what was wrong with its answer.
        message: String,
    },
    /// The bench could not be turned into usage.
    #[error("the usage of the bench: {message}")]
    Usage {
        /// Why.
        message: String,
    },
    /// An output file could not be written.
    #[error("could not write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// What a run is doing, for the caller to show.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// One side's replay of one iteration starts.
    Replay {
        /// This iteration, from 1.
        iteration: u32,
        /// How many there are.
        iterations: u32,
        /// The side replayed.
        side: Side,
        /// The config's version of that side.
        version: &'a str,
        /// Records replayed.
        events: usize,
    },
    /// The Python deployment zips are being built.
    SizingPython,
    /// No requirements.txt beside the Python code: no Python package sizes.
    NoRequirements {
        /// Where it was looked for.
        path: &'a Path,
    },
    /// One memory size of a sweep's iteration starts.
    SweepPoint {
        /// This iteration, from 1.
        iteration: u32,
        /// How many there are.
        iterations: u32,
        /// The memory size, MB.
        memory_mb: u32,
        /// Records replayed.
        events: usize,
    },
    /// The CPU share and memory limit cannot be enforced on this host.
    Unthrottled {
        /// Why.
        reason: &'a str,
    },
}

impl fmt::Display for Progress<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Progress::Replay { iteration, iterations, side, version, events } => {
                write!(formatter, "iteration {iteration}/{iterations}: {side} (version {version}), {events} events")
            }
            Progress::SizingPython => formatter.write_str("building the Python deployment zips"),
            Progress::NoRequirements { path } => {
                write!(formatter, "{} not found; Python package sizes left out", path.display())
            }
            Progress::SweepPoint { iteration, iterations, memory_mb, events } => {
                write!(formatter, "iteration {iteration}/{iterations}: {memory_mb} MB, {events} events")
            }
            Progress::Unthrottled { reason } => write!(
                formatter,
                "warning: the CPU share and memory limit cannot be enforced here ({reason}); the figures will not model memory"
            ),
        }
    }
}

/// Replays the plan's records `iterations` times per side, sizes the Python zips and
/// summarises both sides per measured function.
pub async fn run_rewrite(
    plan: &RewritePlan,
    mut progress: impl FnMut(Progress<'_>),
) -> Result<RewriteBench, BenchError> {
    let python_code = PythonCode::of(plan)?;
    let mut tallies: BTreeMap<Side, Tallies> = BTreeMap::new();
    for iteration in 1..=plan.iterations {
        for (side, version) in [(Side::Python, &plan.python_version), (Side::Rust, &plan.rust_version)] {
            progress(Progress::Replay {
                iteration,
                iterations: plan.iterations,
                side,
                version,
                events: plan.events_per_iteration,
            });
            replay_once(plan, &plan.config, version, tallies.entry(side).or_default()).await?;
        }
    }
    let python_sizes = if python_code.requirements.is_file() {
        progress(Progress::SizingPython);
        python_code.sizes(&plan.config.local.python).await?
    } else {
        progress(Progress::NoRequirements { path: &python_code.requirements });
        PythonSizes::default()
    };
    Ok(rewrite_bench::summarise(plan, &tallies, &python_sizes))
}
