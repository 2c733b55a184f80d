//! Report time and memory on many REPORT lines: writes an emulator-format log of N
//! invocations (half Python version 1, half Rust version 2, 1 % cold starts) to a temp
//! file, then reads it and prices it, printing the time of each step and the peak RSS
//! (VmHWM) after reading. Run twice with different N to see memory stay flat:
//!
//!     cargo run --release -p reports --example million_report_lines -- 100000
//!     cargo run --release -p reports --example million_report_lines -- 1000000

use std::io::{BufReader, BufWriter, Write as _};
use std::time::{Duration, Instant};

use reports::{Architecture, FunctionPlan, PackageType, PriceTable, ReportSettings, VersionPlan, Window};

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| status.lines().find(|line| line.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|line| line.split_whitespace().nth(1).and_then(|kb| kb.parse().ok()))
        .unwrap_or_default()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lines: u64 = std::env::args().nth(1).map(|text| text.parse()).transpose()?.unwrap_or(1_000_000);
    let folder = tempfile::tempdir()?;
    let path = folder.path().join("run.log");
    let started = Instant::now();
    {
        let mut out = BufWriter::new(std::fs::File::create(&path)?);
        // A deterministic spread of durations, like a real function's.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for index in 0..lines {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let python = index % 2 == 0;
            let jitter = state % 40_000;
            let (label, base, memory, init) = if python {
                ("orders:1", 78_000 + jitter * 3, 512, 310_000)
            } else {
                ("orders:2", 9_000 + jitter / 4, 128, 1_600)
            };
            let cold = index % 100 < 2;
            let duration = base as f64 / 100.0;
            let billed = if cold { ((base + init) as f64 / 100.0).ceil() } else { duration.ceil() };
            writeln!(out, "[{label}] START RequestId: r{index} Version: {}", if python { 1 } else { 2 })?;
            write!(
                out,
                "[{label}] REPORT RequestId: r{index}\tDuration: {duration:.2} ms\tBilled Duration: {billed} ms\tMemory Size: {memory} MB\tMax Memory Used: {} MB\t",
                if python { 96 } else { 18 }
            )?;
            if cold {
                write!(out, "Init Duration: {:.2} ms\t", init as f64 / 100.0)?;
            }
            writeln!(out)?;
        }
    }
    let written = started.elapsed();
    let size = std::fs::metadata(&path)?.len();
    let rss_before = peak_rss_kb();

    let plan = FunctionPlan {
        function: "orders".into(),
        api: None,
        before: VersionPlan {
            version: "1".into(),
            runtime: "python3.12".into(),
            architecture: Architecture::X86_64,
            package_type: PackageType::Zip,
            memory_mb: Some(512),
        },
        after: VersionPlan {
            version: "2".into(),
            runtime: "provided.al2023".into(),
            architecture: Architecture::Arm64,
            package_type: PackageType::Zip,
            memory_mb: Some(128),
        },
    };
    let end = time::OffsetDateTime::now_utc();
    let window = Window { start: end - time::Duration::hours(24), end };
    let read_started = Instant::now();
    let reader = BufReader::with_capacity(1 << 16, std::fs::File::open(&path)?);
    let (usage, aggregator) =
        reports::usage_from_emulator_log(reader, "run.log", std::slice::from_ref(&plan), "us-east-1", window)?;
    let read = read_started.elapsed();
    let rss_after_read = peak_rss_kb();
    let price_started = Instant::now();
    let report = reports::build_report(&usage, &PriceTable::embedded(), &ReportSettings::default())?;
    let priced = price_started.elapsed();
    let html = reports::render::render_html(&report);
    println!(
        "invocations {lines} ({} log lines, {:.1} MB) written in {}\nread + aggregated in {} ({:.0} lines/s), {} distinct histogram entries\npriced (incl. 1,000 bootstrap resamples) in {}\npeak RSS: {} KB before reading, {} KB after reading\nsaving compute {:.1} %, HTML {} bytes",
        aggregator.lines_read,
        size as f64 / 1e6,
        seconds(written),
        seconds(read),
        aggregator.lines_read as f64 / read.as_secs_f64(),
        aggregator.distinct_entries(),
        seconds(priced),
        rss_before,
        rss_after_read,
        report.totals.saving.compute.saving_percent.unwrap_or_default(),
        html.len()
    );
    Ok(())
}

fn seconds(duration: Duration) -> String {
    format!("{:.3} s", duration.as_secs_f64())
}
