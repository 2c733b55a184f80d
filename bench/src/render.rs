//! The terminal table (comfy-table) of a [`RewriteBench`].

use comfy_table::{CellAlignment, Table};

use crate::rewrite_bench::{Ratio, RewriteBench};

fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table.set_header(header.to_vec());
    table
}

fn right_align(table: &mut Table, from: usize) {
    for index in from..table.column_count() {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
}

fn number(value: Option<f64>, decimals: usize) -> String {
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

/// A headline, one table of every function (Python, Rust and ratio rows), then the warm
/// durations by answer of the functions the warm-p50 target applies to.
pub fn render_table(result: &RewriteBench) -> String {
    let targets = &result.targets;
    let mut text = format!(
        "{} iteration(s) of {} events from {}; each side on a fresh local stack per iteration\n\
         ratios are Rust / Python; targets: package ≤ {}, cold start ≤ {}, peak RSS ≤ {}, warm p50 ≤ {} ({})\n\
         durations are percentiles of the emulator's histograms: within {:.1} % above the exact value\n\n",
        result.iterations,
        result.events_per_iteration,
        result.events.display(),
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
    let mut figures =
        table(&["function", "side", "zip MiB", "cold ms", "init ms", "warm p50 ms", "warm p99 ms", "RSS MB", "alike"]);
    for function in &result.functions {
        for (label, side) in [("python", &function.python), ("rust", &function.rust)] {
            figures.add_row(vec![
                if label == "python" { function.function.clone() } else { String::new() },
                label.to_string(),
                number(side.package_zip_bytes.map(mebibytes), 2),
                number(side.cold_start_ms, 1),
                number(side.init_ms, 1),
                number(side.warm_p50_ms, 2),
                number(side.warm_p99_ms, 2),
                side.peak_rss_mb.map_or_else(|| "-".to_string(), |mb| mb.to_string()),
                format!("{}/{}", side.answered_like_recording, side.invocations),
            ]);
        }
        let ratios = &function.ratios;
        figures.add_row(vec![
            String::new(),
            "ratio".to_string(),
            ratio_cell(ratios.package.as_ref()),
            ratio_cell(ratios.cold_start.as_ref()),
            String::new(),
            ratio_cell(ratios.warm_p50.as_ref()),
            String::new(),
            ratio_cell(ratios.peak_rss.as_ref()),
            String::new(),
        ]);
    }
    right_align(&mut figures, 2);
    text.push_str(&figures.to_string());
    text.push('\n');

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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use super::*;
    use crate::rewrite_bench::{FunctionBench, OutcomeFigures, PythonDependencies, Ratios, SideFigures, Targets};

    fn side(version: &str, warm_p50_ms: f64, zip: u64) -> SideFigures {
        SideFigures {
            version: version.into(),
            package_zip_bytes: Some(zip),
            cold_start_ms: Some(100.0),
            init_ms: Some(90.0),
            cold_starts: 1,
            warm_p50_ms: Some(warm_p50_ms),
            warm_p99_ms: Some(warm_p50_ms * 3.0),
            warm_invocations: 4,
            peak_rss_mb: Some(40),
            invocations: 5,
            answered_like_recording: 5,
            warm_by_outcome: BTreeMap::from([(
                "201".to_string(),
                OutcomeFigures { warm_invocations: 4, warm_p50_ms: Some(warm_p50_ms), warm_p99_ms: None },
            )]),
        }
    }

    #[test]
    fn the_table_marks_targets_met_and_missed_and_splits_the_warm_target_functions_by_answer() {
        let function = |name: &str| FunctionBench {
            function: name.into(),
            python: side("1", 10.0, 20 * 1_048_576),
            rust: side("2", 5.0, 1_048_576),
            ratios: Ratios {
                package: Ratio::of(Some(1.0), Some(20.0), Some(0.1)),
                cold_start: None,
                peak_rss: None,
                warm_p50: Ratio::of(Some(5.0), Some(10.0), (name == "create").then_some(0.2)),
            },
        };
        let result = RewriteBench {
            events: PathBuf::from("events/corpus.jsonl"),
            iterations: 1,
            events_per_iteration: 10,
            events_skipped: 0,
            percentile_bucket_error: emulator::DurationHistogram::max_relative_error(),
            python_dependencies: PythonDependencies { distributions: Vec::new(), zip_bytes: 0, unzipped_bytes: 0 },
            targets: Targets {
                package_ratio: 0.1,
                cold_start_ratio: 0.1,
                peak_rss_ratio: 0.25,
                warm_p50_ratio: 0.2,
                warm_p50_functions: vec!["create".into()],
            },
            functions: vec![function("create"), function("read")],
        };
        let text = render_table(&result);
        assert!(text.contains("warm p50 ≤ 0.2 (create)"), "{text}");
        assert!(text.contains("within 9.1 % above"), "{text}");
        assert!(text.contains("0.050 ok"), "package ratio met: {text}");
        assert!(text.contains("0.500 NO"), "create's warm ratio missed: {text}");
        assert_eq!(text.matches(" 0.500 |").count(), 2, "read's warm ratio and create's 201s have no target: {text}");
        assert_eq!(text.matches("| create ").count(), 2, "the figures row and one answer row: {text}");
        assert_eq!(text.matches("| read ").count(), 1, "no answer rows without the warm target: {text}");
        assert!(text.contains(" 20.00 |"), "Python's zip in MiB: {text}");
    }
}
