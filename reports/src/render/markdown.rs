//! Markdown, for a pull request or a wiki page.

use super::{count, headline, line_usd, money, percent, present_lines, summary_cells};
use crate::CostReport;

fn row(cells: &[String]) -> String {
    format!("| {} |\n", cells.iter().map(|cell| cell.replace('|', "\\|")).collect::<Vec<_>>().join(" | "))
}

fn header(cells: &[&str], numeric_from: usize) -> String {
    let mut text = row(&cells.iter().map(|cell| cell.to_string()).collect::<Vec<_>>());
    let rule: Vec<String> = (0..cells.len())
        .map(|index| if index >= numeric_from { "---:".to_string() } else { "---".to_string() })
        .collect();
    text.push_str(&format!("|{}|\n", rule.join("|")));
    text
}

/// The report as Markdown (`--format markdown`): the summary, each version's month by
/// line, the projection, the reconciliation when there is one, and where the figures
/// come from.
pub fn render_markdown(report: &CostReport) -> String {
    let mut out = String::from("# Lambda cost: before and after\n\n");
    if report.projection {
        out.push_str("> **Projection.** Nothing in this report was measured on AWS.\n\n");
    }
    out.push_str(&headline(report));
    out.push_str("\n\n## Summary\n\n");
    out.push_str(&header(
        &[
            "function",
            "requests/month",
            "before/month",
            "after/month",
            "saving, compute",
            "saving, all-in",
            "Δ compute per 1M (95% CI)",
            "cold starts",
            "peak MB → recommended",
        ],
        1,
    ));
    for function in &report.functions {
        let cells: Vec<String> =
            std::iter::once(format!("`{}`", function.function)).chain(summary_cells(function)).collect();
        out.push_str(&row(&cells));
    }
    let totals = &report.totals;
    out.push_str(&row(&[
        "**total**".to_string(),
        count(totals.monthly_requests),
        money(totals.saving.all_in.before_usd),
        money(totals.saving.all_in.after_usd),
        format!("{} ({})", money(totals.saving.compute.saving_usd), percent(totals.saving.compute.saving_percent)),
        format!("{} ({})", money(totals.saving.all_in.saving_usd), percent(totals.saving.all_in.saving_percent)),
        String::new(),
        String::new(),
        String::new(),
    ]));

    out.push_str("\n## Per month, by line\n\n");
    let lines = present_lines(
        report
            .functions
            .iter()
            .flat_map(|function| [function.before.monthly.as_slice(), function.after.monthly.as_slice()]),
    );
    let mut cells = vec!["function", "version"];
    cells.extend(lines.iter().map(|line| line.label()));
    cells.push("total");
    out.push_str(&header(&cells, 2));
    for function in &report.functions {
        for (role, version) in [("before", &function.before), ("after", &function.after)] {
            let mut cells = vec![
                format!("`{}`", function.function),
                format!(
                    "{role}: {} ({}, {}, {} MB)",
                    version.version,
                    version.runtime,
                    version.architecture.name(),
                    version.memory_mb
                ),
            ];
            cells.extend(lines.iter().map(|line| money(line_usd(&version.monthly, *line))));
            cells.push(money(version.monthly_all_in_usd));
            out.push_str(&row(&cells));
        }
    }
    if !report.projection_months.is_empty() {
        out.push_str(&format!(
            "\n## {}-month projection (growth {:.1}% a month, all-in)\n\n",
            report.projection_months.len(),
            report.provenance.growth_per_month * 100.0
        ));
        out.push_str(&header(&["month", "requests", "before", "after", "saving", "cumulative"], 0));
        for month in &report.projection_months {
            out.push_str(&row(&[
                month.month.to_string(),
                count(month.requests),
                money(month.before_usd),
                money(month.after_usd),
                money(month.saving_usd),
                money(month.cumulative_saving_usd),
            ]));
        }
    }
    if !report.inconclusive.is_empty() {
        out.push_str("\n## Inconclusive\n\n");
        for entry in &report.inconclusive {
            out.push_str(&format!("- `{}`: {}\n", entry.function, entry.reason));
        }
    }
    if let Some(reconciliation) = &report.reconciliation {
        out.push_str(&format!("\n## Reconciliation with Cost Explorer ({})\n\n", reconciliation.metric));
        out.push_str(&header(&["category", "model", "actual", "residual", "usage types"], 1));
        for entry in &reconciliation.rows {
            out.push_str(&row(&[
                format!("{:?}", entry.category).to_lowercase(),
                money(entry.model_usd),
                money(entry.actual_usd),
                money(entry.residual_usd),
                entry.usage_types.join(", "),
            ]));
        }
        out.push_str(&format!(
            "\nResidual {} ({}). Likely causes:\n\n",
            money(reconciliation.residual_usd),
            percent(reconciliation.residual_percent)
        ));
        for cause in &reconciliation.likely_causes {
            out.push_str(&format!("- {cause}\n"));
        }
    }
    out.push_str("\n## Where the figures come from\n\n");
    for (key, source) in &report.provenance.price_sources {
        out.push_str(&format!("- `{key}`: {source}\n"));
    }
    for function in &report.functions {
        for version in [&function.before, &function.after] {
            if let Some(sha) = &version.code_sha256 {
                out.push_str(&format!("- `{}` version {} CodeSha256 `{sha}`\n", function.function, version.version));
            }
        }
    }
    out
}
