//! CSV in FOCUS-aligned columns (FinOps Open Cost and Usage Specification), one row per
//! function, scenario and line of the projected month, plus `x_` columns of our own.

use time::{Date, Month};

use crate::CostReport;
use crate::bill::Line;

const COLUMNS: [&str; 25] = [
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "BillingCurrency",
    "ServiceName",
    "RegionId",
    "ResourceId",
    "ChargeCategory",
    "ChargeDescription",
    "ListCost",
    "EffectiveCost",
    "PricingQuantity",
    "PricingUnit",
    "x_scenario",
    "x_function",
    "x_version",
    "x_runtime",
    "x_architecture",
    "x_memory_mb",
    "x_line",
    "x_view",
    "x_projection",
    "x_prices_as_of",
    "x_code_sha256",
];

fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_string() }
}

/// The month the report projects: the one after the window ends.
fn projected_month(report: &CostReport) -> (Date, Date) {
    let end = report.provenance.window.end.date();
    let next = |year: i32, month: Month| {
        if month == Month::December { (year + 1, Month::January) } else { (year, month.next()) }
    };
    let (year, month) = next(end.year(), end.month());
    let (end_year, end_month) = next(year, month);
    let first = |year: i32, month: Month| Date::from_calendar_date(year, month, 1).unwrap_or(end);
    (first(year, month), first(end_year, end_month))
}

/// The report as CSV (`--format csv`): a header of FOCUS columns and `x_` columns, then
/// one row per function, version and line of the projected month.
pub fn render_csv(report: &CostReport) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    let (start, end) = projected_month(report);
    let (start, end) = (format!("{start}T00:00:00Z"), format!("{end}T00:00:00Z"));
    for function in &report.functions {
        for (scenario, version) in [("before", &function.before), ("after", &function.after)] {
            for cost in &version.monthly {
                let credit = cost.line == Line::FreeTier;
                let amount = format!("{:.10}", cost.usd);
                let cells = [
                    start.clone(),
                    end.clone(),
                    start.clone(),
                    end.clone(),
                    "USD".to_string(),
                    cost.line.service().to_string(),
                    report.provenance.region.clone(),
                    format!("{}:{}", function.function, version.version),
                    if credit { "Credit" } else { "Usage" }.to_string(),
                    format!(
                        "{} of {} version {} ({scenario}) in the projected month",
                        cost.line.label(),
                        function.function,
                        version.version
                    ),
                    if credit { "0".to_string() } else { amount.clone() },
                    amount,
                    format!("{:.6}", cost.quantity),
                    cost.unit.clone(),
                    scenario.to_string(),
                    function.function.clone(),
                    version.version.clone(),
                    version.runtime.clone(),
                    version.architecture.name().to_string(),
                    version.memory_mb.to_string(),
                    cost.line.name().to_string(),
                    if cost.line.is_compute() { "compute" } else { "all-in" }.to_string(),
                    report.projection.to_string(),
                    report.provenance.prices_as_of.clone(),
                    version.code_sha256.clone().unwrap_or_default(),
                ];
                out.push_str(&cells.iter().map(|cell| field(cell)).collect::<Vec<_>>().join(","));
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_or_quotes_are_quoted() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
