//! Renderers: each takes a finished [`CostReport`](crate::CostReport) and returns text.
//! Nothing here computes a figure the report does not hold.

mod csv;
mod html;
mod markdown;
mod svg;
mod table;

pub use csv::render_csv;
pub use html::render_html;
pub use markdown::render_markdown;
pub use table::render_table;

use crate::CostReport;
use crate::bill::{Line, LineCost};

/// The whole report as pretty-printed JSON (`--format json`), ending with a newline.
pub fn render_json(report: &CostReport) -> String {
    let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
    text.push('\n');
    text
}

/// Dollars as finance reads them: cents from $1 up, four decimals below (per-1M figures
/// of fast functions are fractions of a cent).
pub(crate) fn money(usd: f64) -> String {
    let sign = if usd < 0.0 { "-" } else { "" };
    let amount = usd.abs();
    if amount >= 1.0 {
        let cents = (amount * 100.0).round() as u128;
        let whole = (cents / 100).to_string();
        let mut grouped = String::new();
        for (index, digit) in whole.chars().enumerate() {
            if index > 0 && (whole.len() - index).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        format!("{sign}${grouped}.{:02}", cents % 100)
    } else {
        format!("{sign}${amount:.4}")
    }
}

pub(crate) fn percent(value: Option<f64>) -> String {
    value.map(|value| format!("{value:.1}%")).unwrap_or_else(|| "n/a".to_string())
}

pub(crate) fn count(value: f64) -> String {
    let rounded = value.round() as u128;
    let text = rounded.to_string();
    let mut grouped = String::new();
    for (index, digit) in text.chars().enumerate() {
        if index > 0 && (text.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

pub(crate) fn line_usd(lines: &[LineCost], line: Line) -> f64 {
    lines.iter().filter(|cost| cost.line == line).map(|cost| cost.usd).sum()
}

/// The lines any of `sets` holds, in the bill's order.
pub(crate) fn present_lines<'a>(sets: impl Iterator<Item = &'a [LineCost]>) -> Vec<Line> {
    let mut present: Vec<Line> = Vec::new();
    for lines in sets {
        for cost in lines {
            if !present.contains(&cost.line) {
                present.push(cost.line);
            }
        }
    }
    present.sort();
    present
}

pub(crate) fn interval_text(function: &crate::FunctionReport) -> String {
    let delta = &function.delta_per_million;
    match delta.compute_interval {
        Some(interval) => format!("{} ({} .. {})", money(delta.compute_usd), money(interval.low), money(interval.high)),
        None => money(delta.compute_usd),
    }
}

/// The summary row of one function after its name, the same cells in every tabular format.
pub(crate) fn summary_cells(function: &crate::FunctionReport) -> Vec<String> {
    let megabytes = |mb: Option<u32>| mb.map(|mb| mb.to_string()).unwrap_or_else(|| "?".into());
    vec![
        format!("{} ({})", count(function.monthly_requests), function.monthly_requests_basis),
        money(function.before.monthly_all_in_usd),
        money(function.after.monthly_all_in_usd),
        format!("{} ({})", money(function.saving.compute.saving_usd), percent(function.saving.compute.saving_percent)),
        format!("{} ({})", money(function.saving.all_in.saving_usd), percent(function.saving.all_in.saving_percent)),
        interval_text(function),
        format!("{:.2}% → {:.2}%", function.before.cold_start_share * 100.0, function.after.cold_start_share * 100.0),
        format!("{} → {}", megabytes(function.memory.after_max_used_mb), megabytes(function.memory.recommended_mb)),
    ]
}

pub(crate) fn headline(report: &CostReport) -> String {
    let provenance = &report.provenance;
    let kind = if report.projection { "PROJECTION" } else { "measured" };
    format!(
        "Lambda cost, before and after ({kind}: {}). Region {}, window {} .. {} ({:.1} h), prices as of {} ({}), {}.",
        provenance.source.detail,
        provenance.region,
        crate::cost_report::rfc3339(provenance.window.start),
        crate::cost_report::rfc3339(provenance.window.end),
        provenance.window_hours,
        provenance.prices_as_of,
        provenance.price_table,
        if provenance.free_tier { "free tier allocated pro rata" } else { "without the free tier" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands_and_keeps_small_figures_readable() {
        assert_eq!(money(1234567.891), "$1,234,567.89");
        assert_eq!(money(1.0), "$1.00");
        assert_eq!(money(0.266668), "$0.2667");
        assert_eq!(money(-5.00001), "-$5.00");
        assert_eq!(count(12345678.4), "12,345,678");
    }
}
