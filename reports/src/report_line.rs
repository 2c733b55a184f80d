//! Lambda's REPORT lines, in the text format (`REPORT RequestId: … Duration: 2.07 ms
//! Billed Duration: 19 ms …`) and the JSON log format (`platform.report`), folded into
//! per-version histograms as they stream past: memory stays flat however many lines are
//! read, because only distinct billed milliseconds are kept.

use std::collections::BTreeMap;

use crate::usage::InvocationSample;

/// The figures of one REPORT line. Durations in hundredths of a millisecond, as printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReportLine {
    pub(crate) duration_hundredths: u64,
    pub(crate) billed_ms: u64,
    pub(crate) memory_size_mb: u32,
    pub(crate) max_memory_used_mb: u32,
    /// None on a warm invocation's line.
    pub(crate) init_hundredths: Option<u64>,
}

impl ReportLine {
    /// Parses a REPORT line in either format; anything else is `None`.
    pub(crate) fn parse(message: &str) -> Option<ReportLine> {
        let message = message.trim_start();
        if let Some(fields) = message.strip_prefix("REPORT ") {
            return ReportLine::parse_text(fields);
        }
        if message.starts_with('{') && message.contains("platform.report") {
            return ReportLine::parse_json(message);
        }
        None
    }

    fn parse_text(fields: &str) -> Option<ReportLine> {
        let mut duration = None;
        let mut billed = None;
        let mut memory = None;
        let mut max_memory = None;
        let mut init = None;
        for field in fields.split('\t') {
            let Some((name, value)) = field.split_once(": ") else { continue };
            match name.trim() {
                "Duration" => duration = hundredths(value.trim().strip_suffix(" ms")?),
                "Billed Duration" => billed = value.trim().strip_suffix(" ms")?.parse().ok(),
                "Memory Size" => memory = value.trim().strip_suffix(" MB")?.parse().ok(),
                "Max Memory Used" => max_memory = value.trim().strip_suffix(" MB")?.parse().ok(),
                "Init Duration" => init = hundredths(value.trim().strip_suffix(" ms")?),
                _ => {}
            }
        }
        Some(ReportLine {
            duration_hundredths: duration?,
            billed_ms: billed?,
            memory_size_mb: memory?,
            max_memory_used_mb: max_memory.unwrap_or_default(),
            init_hundredths: init,
        })
    }

    fn parse_json(message: &str) -> Option<ReportLine> {
        let event: serde_json::Value = serde_json::from_str(message).ok()?;
        if event.get("type")?.as_str()? != "platform.report" {
            return None;
        }
        let metrics = event.get("record")?.get("metrics")?;
        let milliseconds = |name: &str| metrics.get(name).and_then(serde_json::Value::as_f64);
        let to_hundredths = |ms: f64| (ms * 100.0 - 1e-6).ceil().max(0.0) as u64;
        Some(ReportLine {
            duration_hundredths: to_hundredths(milliseconds("durationMs")?),
            billed_ms: milliseconds("billedDurationMs")? as u64,
            memory_size_mb: milliseconds("memorySizeMB")? as u32,
            max_memory_used_mb: milliseconds("maxMemoryUsedMB").unwrap_or_default() as u32,
            init_hundredths: milliseconds("initDurationMs").map(to_hundredths),
        })
    }

    /// For a cold start: the billed milliseconds without and with INIT. The line's own
    /// Billed Duration is authoritative for the case it shows (AWS rounds from
    /// microseconds, the line prints hundredths); the other case is derived.
    pub(crate) fn cold_billed(&self) -> Option<(u64, u64)> {
        let init = self.init_hundredths?;
        let with_init = (self.duration_hundredths + init).div_ceil(100).max(1);
        let handler = self.duration_hundredths.div_ceil(100).max(1);
        Some(cold_billed_from(self.billed_ms, handler, with_init))
    }
}

/// A cold start's billed milliseconds without and with INIT, from its printed Billed
/// Duration and the rounded-up handler and handler + INIT durations: the printed figure
/// wins for the case it shows, the other is derived. Shared by REPORT lines and Logs
/// Insights groups, so both sources bill a cold start the same way.
pub(crate) fn cold_billed_from(billed_ms: u64, handler_ms: u64, with_init_ms: u64) -> (u64, u64) {
    let (handler_ms, with_init_ms) = (handler_ms.max(1), with_init_ms.max(1));
    if billed_ms >= with_init_ms {
        (handler_ms.min(billed_ms), billed_ms)
    } else {
        (billed_ms, with_init_ms.max(billed_ms))
    }
}

/// "2.07" → 207. Up to two decimals, as Lambda prints; more are rounded up.
fn hundredths(text: &str) -> Option<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let whole: u64 = whole.parse().ok()?;
    let digits: String = fraction.chars().take(2).collect();
    let mut fraction_value: u64 = if digits.is_empty() { 0 } else { format!("{digits:0<2}").parse().ok()? };
    if fraction.len() > 2 && fraction[2..].chars().any(|digit| digit != '0') {
        fraction_value += 1;
    }
    Some(whole * 100 + fraction_value)
}

/// What one version's lines add up to.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct VersionLines {
    pub(crate) sample: InvocationSample,
    pub(crate) max_memory_used_mb: Option<u32>,
    /// The Memory Size the lines report (the last one seen).
    pub(crate) memory_size_mb: Option<u32>,
    /// Bytes of every log line of the version (messages as ingested, without the
    /// emulator's `[function:version]` prefix).
    pub(crate) log_bytes: u64,
    /// Log lines of the version.
    pub(crate) lines: u64,
}

impl VersionLines {
    pub(crate) fn add_report(&mut self, report: &ReportLine) {
        match report.cold_billed() {
            Some((handler, with_init)) => self.sample.cold_billed_ms.add(handler, with_init, 1),
            None => self.sample.warm_billed_ms.add(report.billed_ms, 1),
        }
        self.max_memory_used_mb = Some(self.max_memory_used_mb.unwrap_or_default().max(report.max_memory_used_mb));
        self.memory_size_mb = Some(report.memory_size_mb);
    }
}

/// Log lines folded per (function, version) into histograms as they stream past, so
/// memory stays flat however many lines are read.
#[derive(Debug, Clone, Default)]
pub struct LineAggregator {
    versions: BTreeMap<(String, String), VersionLines>,
    /// Log lines read, REPORT or not, of any function (with Logs Insights: invocations
    /// aggregated).
    pub lines_read: u64,
    /// REPORT lines among them (with Logs Insights: invocations aggregated).
    pub reports_read: u64,
}

impl LineAggregator {
    pub(crate) fn new() -> LineAggregator {
        LineAggregator::default()
    }

    /// The lines of `function`'s `version`, created empty when first asked for.
    pub(crate) fn version_mut(&mut self, function: &str, version: &str) -> &mut VersionLines {
        self.versions.entry((function.to_string(), version.to_string())).or_default()
    }

    /// One log event of `function`'s `version` (CloudWatch Logs: the version comes from
    /// the stream name).
    pub(crate) fn add(&mut self, function: &str, version: &str, message: &str) {
        self.lines_read += 1;
        let entry = match self.versions.get_mut(&(function.to_string(), version.to_string())) {
            Some(entry) => entry,
            None => self.versions.entry((function.to_string(), version.to_string())).or_default(),
        };
        entry.lines += 1;
        entry.log_bytes += message.len() as u64;
        if let Some(report) = ReportLine::parse(message) {
            self.reports_read += 1;
            entry.add_report(&report);
        }
    }

    /// One line of the emulator's log (`[function:version] message`); other lines are
    /// counted and skipped.
    pub(crate) fn add_emulator_line(&mut self, line: &str) {
        let line = line.trim_end_matches(['\n', '\r']);
        let labelled = line.strip_prefix('[').and_then(|rest| rest.split_once("] "));
        match labelled
            .and_then(|(label, message)| label.split_once(':').map(|(function, version)| (function, version, message)))
        {
            Some((function, version, message)) => self.add(function, version, message),
            None => self.lines_read += 1,
        }
    }

    /// What each (function, version) seen so far adds up to.
    pub(crate) fn versions(&self) -> &BTreeMap<(String, String), VersionLines> {
        &self.versions
    }

    /// Distinct histogram entries held: the aggregator's memory, whatever the line count.
    pub fn distinct_entries(&self) -> usize {
        self.versions
            .values()
            .map(|version| version.sample.warm_billed_ms.distinct() + version.sample.cold_billed_ms.distinct())
            .sum()
    }
}

/// The version in a Lambda log stream name: `2026/08/01/[7]0123abcd…` → `7`.
pub(crate) fn version_from_stream(stream: &str) -> Option<&str> {
    let open = stream.find('[')?;
    let close = stream[open..].find(']')? + open;
    let version = &stream[open + 1..close];
    (!version.is_empty()).then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLD: &str = "REPORT RequestId: 8f5e1a52-0000-4000-8000-000000000000\tDuration: 2.07 ms\tBilled Duration: 19 ms\tMemory Size: 128 MB\tMax Memory Used: 18 MB\tInit Duration: 15.96 ms\t";

    #[test]
    fn a_text_report_line_parses_to_hundredths() {
        let report = ReportLine::parse(COLD).expect("report");
        assert_eq!(
            report,
            ReportLine {
                duration_hundredths: 207,
                billed_ms: 19,
                memory_size_mb: 128,
                max_memory_used_mb: 18,
                init_hundredths: Some(1596)
            }
        );
        // Billed 19 = ceil(2.07 + 15.96): INIT included; without it 3 ms.
        assert_eq!(report.cold_billed(), Some((3, 19)));
    }

    #[test]
    fn a_cold_start_from_before_august_2025_derives_the_billed_init() {
        // A python3.12 ZIP cold start of July 2025: Billed Duration excludes INIT.
        let line = "REPORT RequestId: x\tDuration: 1049.63 ms\tBilled Duration: 1050 ms\tMemory Size: 512 MB\tMax Memory Used: 81 MB\tInit Duration: 1293.83 ms";
        let report = ReportLine::parse(line).expect("report");
        // 1049.63 + 1293.83 = 2343.46 → 2344 ms, as AWS bills it for custom runtimes.
        assert_eq!(report.cold_billed(), Some((1050, 2344)));
    }

    #[test]
    fn the_json_log_format_parses_too() {
        let line = r#"{"time":"2026-08-01T00:00:00.000Z","type":"platform.report","record":{"requestId":"r","metrics":{"durationMs":201.67,"billedDurationMs":202,"memorySizeMB":2048,"maxMemoryUsedMB":81}}}"#;
        let report = ReportLine::parse(line).expect("report");
        assert_eq!(
            (report.duration_hundredths, report.billed_ms, report.memory_size_mb, report.init_hundredths),
            (20167, 202, 2048, None)
        );
    }

    #[test]
    fn emulator_lines_fold_per_function_and_version() {
        let mut lines = LineAggregator::new();
        lines.add_emulator_line("[orders:1] START RequestId: a Version: 1");
        lines.add_emulator_line(&format!("[orders:1] {COLD}"));
        lines.add_emulator_line("[orders:1] REPORT RequestId: b\tDuration: 4.50 ms\tBilled Duration: 5 ms\tMemory Size: 128 MB\tMax Memory Used: 20 MB\t");
        lines.add_emulator_line("[orders:2] REPORT RequestId: c\tDuration: 0.40 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB\t");
        lines.add_emulator_line("2026-08-01T00:00:00Z INFO emulator: listening");
        assert_eq!((lines.lines_read, lines.reports_read), (5, 3));
        let one = &lines.versions()[&("orders".to_string(), "1".to_string())];
        assert_eq!(one.sample.cold_starts(), 1);
        assert_eq!(one.sample.warm_billed_ms.iter().collect::<Vec<_>>(), vec![(5, 1)]);
        assert_eq!(one.max_memory_used_mb, Some(20));
        assert!(one.log_bytes > COLD.len() as u64);
        assert_eq!(lines.versions()[&("orders".to_string(), "2".to_string())].sample.count(), 1);
    }

    #[test]
    fn the_version_comes_from_the_stream_name() {
        assert_eq!(version_from_stream("2026/08/01/[7]0123abcd"), Some("7"));
        assert_eq!(version_from_stream("2026/08/01/[$LATEST]0123abcd"), Some("$LATEST"));
        assert_eq!(version_from_stream("no-version"), None);
    }

    #[test]
    fn hundredths_round_extra_digits_up() {
        assert_eq!(hundredths("2.07"), Some(207));
        assert_eq!(hundredths("2.1"), Some(210));
        assert_eq!(hundredths("2"), Some(200));
        assert_eq!(hundredths("2.071"), Some(208));
        assert_eq!(hundredths("x"), None);
    }
}
