//! Renderers of a [`ParityReport`]: table, JSON, Markdown and JUnit XML. They only format:
//! [`render`] hands each of them a redacted copy of the report, so no renderer, present or
//! future, can print a secret that a field of the report holds.

mod junit;
mod markdown;
mod table;

use std::str::FromStr;

use crate::report::ParityReport;

/// An output format of `cutover parity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// Tables for a terminal: a summary row per route, then signatures, learned noise,
    /// rules that fired, side effects and the verdict.
    Table,
    /// The whole report as JSON, for scripts and for `parity merge`.
    Json,
    /// Markdown for a pull request comment or a job summary.
    Markdown,
    /// JUnit XML for CI: a test case per route (failed when it has mismatched or failed
    /// records) and one for side effects.
    Junit,
}

impl FromStr for ReportFormat {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "table" => Ok(Self::Table),
            "json" => Ok(Self::Json),
            "markdown" | "md" => Ok(Self::Markdown),
            "junit" => Ok(Self::Junit),
            other => Err(format!("unknown report format {other:?} (table, json, markdown, junit)")),
        }
    }
}

/// Renders `report`, redacted; `max_mismatch` (records allowed to mismatch or fail)
/// decides the verdict line.
pub fn render(report: &ParityReport, format: ReportFormat, max_mismatch: usize) -> String {
    // A report from the builder is redacted already (configured paths included); this
    // pass covers reports made or changed any other way, and is a no-op otherwise.
    let report = &report.redacted();
    match format {
        ReportFormat::Table => table::render(report, max_mismatch),
        ReportFormat::Json => {
            let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
            text.push('\n');
            text
        }
        ReportFormat::Markdown => markdown::render(report, max_mismatch),
        ReportFormat::Junit => junit::render(report, max_mismatch),
    }
}

/// `PASS` or `FAIL` with the reason, shared by the human formats.
pub(crate) fn verdict(report: &ParityReport, max_mismatch: usize) -> String {
    let failing = report.totals.mismatch + report.totals.errors;
    let status = if report.passed(max_mismatch) { "PASS" } else { "FAIL" };
    let mut text =
        format!("{status}: {failing} mismatched or failed records of {} (allowed {max_mismatch})", report.totals.total);
    if report.side_effect_mismatches() > 0 {
        text.push_str(&format!("; {} side-effect mismatches (none allowed)", report.side_effect_mismatches()));
    }
    text
}

pub(crate) fn millis(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |ms| format!("{ms:.1}"))
}
