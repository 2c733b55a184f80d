//! The terminal table (comfy-table).

use comfy_table::{CellAlignment, Table};

use super::{count, headline, line_usd, money, percent, present_lines, summary_cells};
use crate::CostReport;

fn table(header: Vec<String>) -> Table {
    let mut table = Table::new();
    table.set_header(header);
    table
}

fn right_align(table: &mut Table, from: usize) {
    let columns = table.column_count();
    for index in from..columns {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// The report as terminal tables (`--format table`, the default): the summary, each
/// version's bill per month and per 1M requests by line, the projection, and the
/// reconciliation when there is one.
pub fn render_table(report: &CostReport) -> String {
    let mut out = String::new();
    out.push_str(&headline(report));
    out.push_str("\n\n");

    let mut summary = table(
        [
            "function",
            "requests/month",
            "before/month",
            "after/month",
            "saving compute",
            "saving all-in",
            "Δ compute per 1M (95% CI)",
            "cold starts before → after",
            "peak MB → recommended",
        ]
        .map(String::from)
        .to_vec(),
    );
    for function in &report.functions {
        summary.add_row(std::iter::once(function.function.clone()).chain(summary_cells(function)).collect::<Vec<_>>());
    }
    let totals = &report.totals;
    summary.add_row(vec![
        "total".to_string(),
        count(totals.monthly_requests),
        money(totals.saving.all_in.before_usd),
        money(totals.saving.all_in.after_usd),
        format!("{} ({})", money(totals.saving.compute.saving_usd), percent(totals.saving.compute.saving_percent)),
        format!("{} ({})", money(totals.saving.all_in.saving_usd), percent(totals.saving.all_in.saving_percent)),
        String::new(),
        String::new(),
        String::new(),
    ]);
    right_align(&mut summary, 1);
    out.push_str(&summary.to_string());
    out.push_str("\n\nPer month, by line:\n");

    let lines = present_lines(
        report
            .functions
            .iter()
            .flat_map(|function| [function.before.monthly.as_slice(), function.after.monthly.as_slice()]),
    );
    let mut header = vec!["function".to_string(), "version".to_string()];
    header.extend(lines.iter().map(|line| line.label().to_string()));
    header.push("total".to_string());
    let mut by_line = table(header.clone());
    for function in &report.functions {
        for (role, version) in [("before", &function.before), ("after", &function.after)] {
            let mut row = vec![
                function.function.clone(),
                format!(
                    "{role}: {} {} {} {} MB",
                    version.version,
                    version.runtime,
                    version.architecture.name(),
                    version.memory_mb
                ),
            ];
            row.extend(lines.iter().map(|line| money(line_usd(&version.monthly, *line))));
            row.push(money(version.monthly_all_in_usd));
            by_line.add_row(row);
        }
    }
    right_align(&mut by_line, 2);
    out.push_str(&by_line.to_string());
    out.push_str("\n\nPer 1M requests, by line (list prices, no free tier):\n");
    let per_million_lines = present_lines(
        report
            .functions
            .iter()
            .flat_map(|function| [function.before.per_million.as_slice(), function.after.per_million.as_slice()]),
    );
    let mut header = vec!["function".to_string(), "version".to_string()];
    header.extend(per_million_lines.iter().map(|line| line.label().to_string()));
    header.push("total".to_string());
    let mut per_million = table(header);
    for function in &report.functions {
        for (role, version) in [("before", &function.before), ("after", &function.after)] {
            let mut row = vec![function.function.clone(), format!("{role}: {}", version.version)];
            row.extend(per_million_lines.iter().map(|line| money(line_usd(&version.per_million, *line))));
            row.push(money(version.per_million_all_in_usd));
            per_million.add_row(row);
        }
    }
    right_align(&mut per_million, 2);
    out.push_str(&per_million.to_string());

    if !report.projection_months.is_empty() {
        out.push_str(&format!(
            "\n\n{}-month projection (growth {:.1}% a month, all-in):\n",
            report.projection_months.len(),
            report.provenance.growth_per_month * 100.0
        ));
        let mut projection =
            table(["month", "requests", "before", "after", "saving", "cumulative saving"].map(String::from).to_vec());
        for month in &report.projection_months {
            projection.add_row(vec![
                month.month.to_string(),
                count(month.requests),
                money(month.before_usd),
                money(month.after_usd),
                money(month.saving_usd),
                money(month.cumulative_saving_usd),
            ]);
        }
        right_align(&mut projection, 0);
        out.push_str(&projection.to_string());
    }
    for entry in &report.inconclusive {
        out.push_str(&format!("\n\ninconclusive: {}: {}", entry.function, entry.reason));
    }
    if let Some(reconciliation) = &report.reconciliation {
        out.push_str(&format!(
            "\n\nReconciliation with Cost Explorer ({}), the window's usage:\n",
            reconciliation.metric
        ));
        let mut rows = table(
            ["category", "model", "actual", "residual", "model quantity", "actual quantity", "usage types"]
                .map(String::from)
                .to_vec(),
        );
        for row in &reconciliation.rows {
            rows.add_row(vec![
                format!("{:?}", row.category).to_lowercase(),
                money(row.model_usd),
                money(row.actual_usd),
                money(row.residual_usd),
                count(row.model_quantity),
                count(row.actual_quantity),
                row.usage_types.join(", "),
            ]);
        }
        rows.add_row(vec![
            "total".to_string(),
            money(reconciliation.model_usd),
            money(reconciliation.actual_usd),
            format!("{} ({})", money(reconciliation.residual_usd), percent(reconciliation.residual_percent)),
            String::new(),
            String::new(),
            String::new(),
        ]);
        right_align(&mut rows, 1);
        out.push_str(&rows.to_string());
        for cause in &reconciliation.likely_causes {
            out.push_str(&format!("\n- {cause}"));
        }
    }
    out.push('\n');
    out
}
