//! The seed's table: the figures the article that started this project reports for its
//! Python → Go rewrite, set beside ours for the same rows, as Rust ÷ Python ratios against
//! its Go ÷ Python ones. Its figures are ranges over its functions; ours are per function.

use serde::Serialize;

use crate::rewrite_bench::SideFigures;

/// Where the seed's figures come from.
pub const SEED_SOURCE: &str = "the seed article's results table (Python → Go, its core Lambda functions after \
four months): memory 512MB–1GB → 128MB, cold start 3–5 s → 80–150 ms, package 80–120 MB → 8–12 MB, \
avg execution duration 800 ms → 120 ms";

/// A figure as a range, `low == high` for a single value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Range {
    /// The smallest value.
    pub low: f64,
    /// The largest value.
    pub high: f64,
}

impl Range {
    const fn of(low: f64, high: f64) -> Range {
        Range { low, high }
    }
}

/// One row of the seed's table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SeedFigure {
    /// Its Python figure.
    pub python: Range,
    /// Its Go figure.
    pub go: Range,
    /// Go ÷ Python over the ranges: the smallest Go over the largest Python to the largest
    /// over the smallest.
    pub ratio: Range,
}

impl SeedFigure {
    const fn of(python: Range, go: Range) -> SeedFigure {
        SeedFigure { python, go, ratio: Range::of(go.low / python.high, go.high / python.low) }
    }
}

/// One figure of one function: ours beside the seed's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeedRow {
    /// `memory_mb`, `cold_start_ms`, `package_mib`, `average_duration_ms`, `warm_p50_ms`
    /// or `warm_p99_ms`.
    pub figure: &'static str,
    /// Python's figure.
    pub python: Option<f64>,
    /// What Python's figure is over: invocations, cold starts, files; `None` for a
    /// configured value (memory).
    pub python_n: Option<u64>,
    /// Rust's figure.
    pub rust: Option<f64>,
    /// What Rust's figure is over.
    pub rust_n: Option<u64>,
    /// Rust ÷ Python.
    pub ratio: Option<f64>,
    /// The seed's figure for the row; `None` where it gives none (p50, p99).
    pub seed: Option<SeedFigure>,
}

const MEMORY: SeedFigure = SeedFigure::of(Range::of(512.0, 1024.0), Range::of(128.0, 128.0));
const COLD_START: SeedFigure = SeedFigure::of(Range::of(3000.0, 5000.0), Range::of(80.0, 150.0));
const PACKAGE: SeedFigure = SeedFigure::of(Range::of(80.0, 120.0), Range::of(8.0, 12.0));
const AVERAGE: SeedFigure = SeedFigure::of(Range::of(800.0, 800.0), Range::of(120.0, 120.0));

fn mebibytes(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// The seed's rows for one function.
pub(crate) fn seed_rows(python: &SideFigures, rust: &SideFigures) -> Vec<SeedRow> {
    type Figure = fn(&SideFigures) -> (Option<f64>, Option<u64>);
    let rows: [(&'static str, Figure, Option<SeedFigure>); 6] = [
        ("memory_mb", |side| (Some(f64::from(side.memory_mb)), None), Some(MEMORY)),
        ("cold_start_ms", |side| (side.cold_start_ms, Some(side.cold_starts)), Some(COLD_START)),
        (
            "package_mib",
            |side| (side.package_zip_bytes.map(mebibytes), side.package_zip_bytes.map(|_| 1)),
            Some(PACKAGE),
        ),
        ("average_duration_ms", |side| (side.average_ms, Some(side.invocations as u64)), Some(AVERAGE)),
        ("warm_p50_ms", |side| (side.warm_p50_ms, Some(side.warm_invocations)), None),
        ("warm_p99_ms", |side| (side.warm_p99_ms, Some(side.warm_invocations)), None),
    ];
    rows.into_iter()
        .map(|(figure, read, seed)| {
            let (python_value, python_n) = read(python);
            let (rust_value, rust_n) = read(rust);
            let ratio = match (rust_value, python_value) {
                (Some(rust), Some(python)) if python > 0.0 => Some(rust / python),
                _ => None,
            };
            SeedRow { figure, python: python_value, python_n, rust: rust_value, rust_n, ratio, seed }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_ratios_span_its_ranges() {
        assert_eq!(MEMORY.ratio, Range::of(0.125, 0.25));
        assert_eq!(COLD_START.ratio, Range::of(0.016, 0.05));
        assert_eq!(AVERAGE.ratio, Range::of(0.15, 0.15));
        assert!((PACKAGE.ratio.low - 8.0 / 120.0).abs() < 1e-12 && (PACKAGE.ratio.high - 0.15).abs() < 1e-12);
    }
}
