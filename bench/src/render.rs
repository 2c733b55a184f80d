//! The terminal table (comfy-table) of a [`RewriteBench`].

use comfy_table::{CellAlignment, Table};

use crate::rewrite_bench::{Ratio, RewriteBench};
use crate::seed::Range;
use crate::sweep::{PointVerdict, SweepBench};

pub(crate) fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.set_header(header.to_vec());
    table
}

/// Figures right-aligned from column `from` on, text columns (the last one, the physics
/// marker) left.
pub(crate) fn right_align(table: &mut Table, from: usize) {
    for index in from..table.column_count() {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
}

pub(crate) fn left_align_last(table: &mut Table) {
    let last = table.column_count().saturating_sub(1);
    if let Some(column) = table.column_mut(last) {
        column.set_cell_alignment(CellAlignment::Left);
    }
}

pub(crate) fn number(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "-".to_string(), |value| format!("{value:.decimals$}"))
}

fn ratio_cell(ratio: Option<&Ratio>) -> String {
    match ratio {
        None => "-".to_string(),
        Some(ratio) => format!(
            "{:.3}{}",
            ratio.value,
            match ratio.met {
                Some(true) => " ok",
                Some(false) => " NO",
                None => "",
            }
        ),
    }
}

fn mebibytes(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

pub(crate) fn with_n(value: Option<f64>, decimals: usize, n: Option<u64>) -> String {
    match (value, n) {
        (None, _) => "-".to_string(),
        (Some(value), None) => format!("{value:.decimals$}"),
        (Some(value), Some(n)) => format!("{value:.decimals$} (n {n})"),
    }
}

fn range(range: Option<Range>, decimals: usize) -> String {
    match range {
        None => "-".to_string(),
        Some(range) if range.low == range.high => format!("{:.decimals$}", range.low),
        Some(range) => format!("{:.decimals$}–{:.decimals$}", range.low, range.high),
    }
}

/// A headline with the physics, one table of every function (Python, Rust and ratio
/// rows), the seed's table beside ours, the AWS-call critical paths, what bounds each
/// missed warm target, then the warm durations by answer of the functions the warm-p50
/// target applies to. Every row carries the physics marker (`sim`, `UNTHROTTLED`).
pub fn render_table(result: &RewriteBench) -> String {
    let targets = &result.targets;
    let marker = result.physics.marker();
    let mut text = format!(
        "{} iteration(s) of {} events from {}; each side on a fresh local stack per iteration\n\
         {}\n\
         ratios are Rust / Python; targets: package ≤ {}, cold start ≤ {}, peak RSS ≤ {}, warm p50 ≤ {} ({})\n\
         durations are percentiles of the emulator's histograms: within {:.1} % above the exact value; \
         n = the invocations (cold starts, warm ones) each figure is over, cold starts counted, none trimmed\n\n",
        result.iterations,
        result.events_per_iteration,
        result.events.display(),
        result.physics.describe(),
        targets.package_ratio,
        targets.cold_start_ratio,
        targets.peak_rss_ratio,
        targets.warm_p50_ratio,
        if targets.warm_p50_functions.is_empty() {
            "no function".to_string()
        } else {
            targets.warm_p50_functions.join(", ")
        },
        result.percentile_bucket_error * 100.0,
    );
    let mut figures = table(&[
        "function",
        "side",
        "MB",
        "zip MiB",
        "cold ms",
        "init ms",
        "warm p50 ms",
        "warm p99 ms",
        "RSS MB",
        "alike",
        "physics",
    ]);
    for function in &result.functions {
        for (label, side) in [("python", &function.python), ("rust", &function.rust)] {
            let failures: u64 = side.runtime_failures.values().sum();
            figures.add_row(vec![
                if label == "python" { function.function.clone() } else { String::new() },
                label.to_string(),
                side.memory_mb.to_string(),
                number(side.package_zip_bytes.map(mebibytes), 2),
                with_n(side.cold_start_ms, 1, Some(side.cold_starts)),
                number(side.init_ms, 1),
                with_n(side.warm_p50_ms, 2, Some(side.warm_invocations)),
                number(side.warm_p99_ms, 2),
                side.peak_rss_mb.map_or_else(|| "-".to_string(), |mb| mb.to_string()),
                if failures > 0 {
                    format!("{}/{} ({failures} failed)", side.answered_like_recording, side.invocations)
                } else {
                    format!("{}/{}", side.answered_like_recording, side.invocations)
                },
                marker.to_string(),
            ]);
        }
        let ratios = &function.ratios;
        figures.add_row(vec![
            String::new(),
            "ratio".to_string(),
            String::new(),
            ratio_cell(ratios.package.as_ref()),
            ratio_cell(ratios.cold_start.as_ref()),
            String::new(),
            ratio_cell(ratios.warm_p50.as_ref()),
            String::new(),
            ratio_cell(ratios.peak_rss.as_ref()),
            String::new(),
            marker.to_string(),
        ]);
    }
    right_align(&mut figures, 2);
    left_align_last(&mut figures);
    text.push_str(&figures.to_string());
    text.push('\n');

    text.push_str(&format!("\nthe seed's table, our figures beside the seed's ({}):\n", result.seed_source));
    let mut seed = table(&[
        "function",
        "figure",
        "Python",
        "Rust",
        "Rust / Python",
        "seed Python",
        "seed Go",
        "seed Go / Python",
        "physics",
    ]);
    for function in &result.functions {
        for (index, row) in function.seed.iter().enumerate() {
            let decimals = if row.figure == "memory_mb" { 0 } else { 1 };
            seed.add_row(vec![
                if index == 0 { function.function.clone() } else { String::new() },
                row.figure.to_string(),
                with_n(row.python, decimals, row.python_n),
                with_n(row.rust, decimals, row.rust_n),
                number(row.ratio, 3),
                range(row.seed.map(|seed| seed.python), decimals),
                range(row.seed.map(|seed| seed.go), decimals),
                range(row.seed.map(|seed| seed.ratio), 3),
                marker.to_string(),
            ]);
        }
    }
    right_align(&mut seed, 2);
    left_align_last(&mut seed);
    text.push_str(&seed.to_string());
    text.push('\n');

    text.push_str(
        "\nAWS-call critical path of the warm invocations (the calls' time in flight, concurrent ones once):\n",
    );
    let mut paths = table(&[
        "function",
        "side",
        "traced n",
        "calls p50",
        "busy p50 ms",
        "max concurrent",
        "share of warm p50",
        "most frequent sequence",
        "physics",
    ]);
    for function in &result.functions {
        for (label, side) in [("python", &function.python), ("rust", &function.rust)] {
            let name = if label == "python" { function.function.clone() } else { String::new() };
            let row = match &side.critical_path {
                None => vec![
                    name,
                    label.to_string(),
                    "no trace".to_string(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    marker.to_string(),
                ],
                Some(path) => vec![
                    name,
                    label.to_string(),
                    path.invocations.to_string(),
                    path.calls_p50.to_string(),
                    format!("{:.1}", path.busy_p50_ms),
                    path.max_concurrent.to_string(),
                    path.share_of_warm_p50.map_or_else(|| "-".to_string(), |share| format!("{:.0} %", share * 100.0)),
                    if path.sequence.is_empty() {
                        "no AWS call".to_string()
                    } else {
                        format!("{} ({} of {})", path.sequence.join(" → "), path.sequence_invocations, path.invocations)
                    },
                    marker.to_string(),
                ],
            };
            paths.add_row(row);
        }
    }
    right_align(&mut paths, 2);
    left_align_last(&mut paths);
    if let Some(column) = paths.column_mut(7) {
        column.set_cell_alignment(CellAlignment::Left);
    }
    text.push_str(&paths.to_string());
    text.push('\n');
    let bounds: Vec<String> = result
        .functions
        .iter()
        .filter_map(|function| {
            function.warm_p50_bound.as_ref().map(|bound| format!("  {}: {bound}", function.function))
        })
        .collect();
    if !bounds.is_empty() {
        text.push_str("\nwhere Rust's warm p50 misses its target, the critical path that bounds it:\n");
        text.push_str(&bounds.join("\n"));
        text.push('\n');
    }

    let mut by_outcome = table(&[
        "function",
        "answer",
        "warm invocations (Py / Rust)",
        "Python p50 / p99 ms",
        "Rust p50 / p99 ms",
        "p50 ratio",
    ]);
    let mut outcome_rows = 0;
    for function in result.functions.iter().filter(|function| targets.warm_p50_functions.contains(&function.function)) {
        for (outcome, python) in &function.python.warm_by_outcome {
            let rust = function.rust.warm_by_outcome.get(outcome);
            let rust_p50 = rust.and_then(|figures| figures.warm_p50_ms);
            by_outcome.add_row(vec![
                function.function.clone(),
                outcome.clone(),
                format!("{} / {}", python.warm_invocations, rust.map_or(0, |figures| figures.warm_invocations)),
                format!("{} / {}", number(python.warm_p50_ms, 2), number(python.warm_p99_ms, 2)),
                format!("{} / {}", number(rust_p50, 2), number(rust.and_then(|figures| figures.warm_p99_ms), 2)),
                ratio_cell(Ratio::of(rust_p50, python.warm_p50_ms, None).as_ref()),
            ]);
            outcome_rows += 1;
        }
    }
    if outcome_rows > 0 {
        right_align(&mut by_outcome, 2);
        text.push_str("\nwarm durations by answer, where the warm p50 target applies:\n");
        text.push_str(&by_outcome.to_string());
        text.push('\n');
    }
    text
}

/// A sweep: the headline (physics, prices, objective), one row per memory size, the
/// frontier, Power Tuning's strategies and the recommendation. Rows of a run whose
/// physics were not enforced say UNTHROTTLED.
pub fn render_sweep_table(result: &SweepBench) -> String {
    let pricing = &result.pricing;
    let mut text = format!(
        "sweep of {} version {} (configured {} MB): {} iteration(s) × {} memory sizes of {} events from {}; \
         a fresh local stack per iteration and size, one cold start each\n{}\n\
         priced with the reports crate's {} price table (prices as of {}), {} {}: ${} per request + ${} per GB-second \
         (list rate); INIT {}billed; billed ms rounded up per invocation, cold starts as measured\n\
         objective: {}; durations within {:.1} % above the exact value (histogram buckets); n beside each figure\n\n",
        result.function,
        result.version,
        result.configured_memory_mb,
        result.iterations,
        result.points.len(),
        result.events_per_iteration,
        result.events.display(),
        result.physics.describe(),
        pricing.table,
        pricing.prices_as_of,
        pricing.region,
        pricing.architecture,
        pricing.request_usd,
        pricing.gb_second_usd,
        if pricing.init_billed { "" } else { "not " },
        result.slo.map_or_else(|| "none".to_string(), |slo| slo.to_string()),
        result.percentile_bucket_error * 100.0,
    );
    let marker = result.physics.marker();
    let mut points = table(&[
        "MB",
        "vCPU",
        "cold p50 ms",
        "warm p50 ms",
        "warm p99 ms",
        "RSS MB",
        "Lambda errors",
        "billed ms",
        "$ per 1M",
        "SLO",
        "frontier",
        "verdict",
        "physics",
    ]);
    for point in &result.points {
        points.add_row(vec![
            point.memory_mb.to_string(),
            format!("{:.3}", point.vcpu_share),
            with_n(point.cold_start_p50_ms, 1, Some(point.cold_starts)),
            with_n(point.warm_p50_ms, 2, Some(point.warm_invocations)),
            number(point.warm_p99_ms, 2),
            point.peak_rss_mb.map_or_else(|| "-".to_string(), |mb| mb.to_string()),
            if point.runtime_failures.is_empty() {
                "0".to_string()
            } else {
                point
                    .runtime_failures
                    .iter()
                    .map(|(error_type, count)| format!("{error_type} ×{count}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            with_n(point.mean_billed_ms, 1, Some(point.invocations as u64)),
            number(point.cost_per_million_usd, 4),
            match point.meets_slo {
                None => "-".to_string(),
                Some(true) => "ok".to_string(),
                Some(false) => "NO".to_string(),
            },
            if point.on_frontier { "*".to_string() } else { String::new() },
            match &point.verdict {
                PointVerdict::Conclusive => "conclusive".to_string(),
                PointVerdict::Inconclusive { reason } => format!("inconclusive: {reason}"),
                PointVerdict::Failed { reason } => format!("FAILED: {reason}"),
            },
            marker.to_string(),
        ]);
    }
    right_align(&mut points, 0);
    for column in [11, 12] {
        if let Some(column) = points.column_mut(column) {
            column.set_cell_alignment(CellAlignment::Left);
        }
    }
    text.push_str(&points.to_string());
    text.push('\n');
    let sizes = |sizes: &[u32]| {
        if sizes.is_empty() {
            "none".to_string()
        } else {
            sizes.iter().map(|mb| format!("{mb} MB")).collect::<Vec<_>>().join(", ")
        }
    };
    let size = |size: Option<u32>| size.map_or_else(|| "none".to_string(), |mb| format!("{mb} MB"));
    text.push_str(&format!(
        "\nfrontier (no other conclusive size both cheaper per 1M and faster at warm p99): {}\n\
         Power Tuning's strategies: cheapest {}, fastest {}, balanced {}\n",
        sizes(&result.frontier),
        size(result.cheapest_mb),
        size(result.fastest_mb),
        size(result.balanced_mb),
    ));
    match result.recommendation.memory_mb {
        Some(memory_mb) => {
            text.push_str(&format!("recommended: {memory_mb} MB ({})\n", result.recommendation.reason));
        }
        None => text.push_str(&format!("NO RECOMMENDATION: {}\n", result.recommendation.reason)),
    }
    text
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use super::*;
    use crate::critical_path::CriticalPathFigures;
    use crate::physics_applied::{AppliedProfile, PhysicsApplied};
    use crate::rewrite_bench::{FunctionBench, OutcomeFigures, PythonDependencies, Ratios, SideFigures, Targets};
    use crate::seed::{SEED_SOURCE, seed_rows};

    fn side(version: &str, memory_mb: u32, warm_p50_ms: f64, zip: u64) -> SideFigures {
        SideFigures {
            version: version.into(),
            memory_mb,
            package_zip_bytes: Some(zip),
            cold_start_ms: Some(100.0),
            init_ms: Some(90.0),
            cold_starts: 1,
            warm_p50_ms: Some(warm_p50_ms),
            warm_p99_ms: Some(warm_p50_ms * 3.0),
            warm_invocations: 4,
            peak_rss_mb: Some(40),
            average_ms: Some(warm_p50_ms + 1.0),
            invocations: 5,
            answered_like_recording: 5,
            runtime_failures: BTreeMap::new(),
            critical_path: None,
            warm_by_outcome: BTreeMap::from([(
                "201".to_string(),
                OutcomeFigures { warm_invocations: 4, warm_p50_ms: Some(warm_p50_ms), warm_p99_ms: None },
            )]),
        }
    }

    fn result(physics: PhysicsApplied) -> RewriteBench {
        let function = |name: &str| {
            let python = side("1", 512, 10.0, 20 * 1_048_576);
            let mut rust = side("2", 128, 5.0, 1_048_576);
            if name == "create" {
                rust.critical_path = Some(CriticalPathFigures {
                    invocations: 4,
                    busy_p50_ms: 4.0,
                    calls_p50: 2,
                    max_concurrent: 1,
                    sequence: vec!["dynamodb:GetItem".into(), "s3:PutObject".into()],
                    sequence_invocations: 3,
                    share_of_warm_p50: Some(0.8),
                });
            }
            let warm_p50 = Ratio::of(Some(5.0), Some(10.0), (name == "create").then_some(0.2));
            FunctionBench {
                function: name.into(),
                seed: seed_rows(&python, &rust),
                warm_p50_bound: (name == "create")
                    .then(|| rust.critical_path.as_ref().map(|path| path.bound(rust.warm_p50_ms)))
                    .flatten(),
                python,
                rust,
                ratios: Ratios {
                    package: Ratio::of(Some(1.0), Some(20.0), Some(0.1)),
                    cold_start: None,
                    peak_rss: None,
                    warm_p50,
                },
            }
        };
        RewriteBench {
            events: PathBuf::from("events/corpus.jsonl"),
            iterations: 1,
            events_per_iteration: 10,
            events_skipped: 0,
            percentile_bucket_error: emulator::DurationHistogram::max_relative_error(),
            physics,
            seed_source: SEED_SOURCE,
            python_dependencies: PythonDependencies { distributions: Vec::new(), zip_bytes: 0, unzipped_bytes: 0 },
            targets: Targets {
                package_ratio: 0.1,
                cold_start_ratio: 0.1,
                peak_rss_ratio: 0.25,
                warm_p50_ratio: 0.2,
                warm_p50_functions: vec!["create".into()],
            },
            functions: vec![function("create"), function("read")],
        }
    }

    fn simulated() -> PhysicsApplied {
        PhysicsApplied {
            cpu_share: true,
            memory_limit: true,
            latency_profile: Some(AppliedProfile { name: "eu-west-1".into(), file: PathBuf::from("default") }),
            simulation: true,
            uniform: true,
            unthrottled: None,
        }
    }

    #[test]
    fn the_table_marks_targets_met_and_missed_and_splits_the_warm_target_functions_by_answer() {
        let text = render_table(&result(simulated()));
        assert!(text.contains("warm p50 ≤ 0.2 (create)"), "{text}");
        assert!(text.contains("within 9.1 % above"), "{text}");
        assert!(text.contains("0.050 ok"), "package ratio met: {text}");
        assert!(text.contains("0.500 NO"), "create's warm ratio missed: {text}");
        let (figures, _) = text.split_once("the seed's table").expect("the seed's table follows");
        let (_, by_answer) = text.split_once("warm durations by answer").expect("the answers come last");
        assert_eq!(
            figures.matches(" 0.500 |").count() + by_answer.matches(" 0.500 |").count(),
            2,
            "read's warm ratio and create's 201s have no target: {text}"
        );
        assert_eq!(text.matches("| create ").count(), 4, "figures, seed, critical path and one answer row: {text}");
        assert_eq!(text.matches("| read ").count(), 3, "no answer rows without the warm target: {text}");
        assert!(text.contains(" 20.00 |"), "Python's zip in MiB: {text}");
        assert!(text.contains("5.00 (n 4)") && text.contains("100.0 (n 1)"), "n beside the figures: {text}");
    }

    #[test]
    fn the_seeds_figures_stand_beside_ours_and_the_physics_heads_the_table() {
        let text = render_table(&result(simulated()));
        assert!(
            text.contains("CPU share (memory ÷ 1769 vCPU) on, memory limit on, AWS latency profile \"eu-west-1\" (default): a SIMULATION"),
            "{text}"
        );
        let memory = text.lines().find(|line| line.contains("| memory_mb ")).expect("a memory row");
        for cell in [" 512 |", " 128 |", " 0.250 |", " 512–1024 |", " 0.125–0.250 |", "| sim "] {
            assert!(memory.contains(cell), "{cell} in {memory}");
        }
        let cold = text.lines().find(|line| line.contains("| cold_start_ms ")).expect("a cold start row");
        assert!(
            cold.contains(" 100.0 (n 1) |") && cold.contains(" 3000.0–5000.0 |") && cold.contains(" 0.016–0.050 |"),
            "{cold}"
        );
        let average = text.lines().find(|line| line.contains("| average_duration_ms ")).expect("an average row");
        assert!(average.contains(" 11.0 (n 5) |") && average.contains(" 0.150 |"), "{average}");
        assert!(text.contains("create: dynamodb:GetItem → s3:PutObject: 4.0 ms of 5.0 ms p50"), "the bound: {text}");
        assert!(text.contains(" no trace |"), "read's Rust side was not traced: {text}");

        let unthrottled = PhysicsApplied { unthrottled: Some("no writable cgroup".into()), ..simulated() };
        let text = render_table(&result(unthrottled));
        assert!(
            text.contains(
                "UNTHROTTLED: the CPU share and memory limit asked for were not enforced (no writable cgroup)"
            )
        );
        let rows = text.lines().filter(|line| line.starts_with("| ") && !line.contains("function")).count();
        let marked = text.matches("| UNTHROTTLED ").count();
        let by_answer = 1;
        assert_eq!(marked, rows - by_answer, "every figure row but the by-answer one is marked: {text}");
    }
}
