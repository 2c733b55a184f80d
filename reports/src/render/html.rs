//! One self-contained HTML file: inline style, inline SVG charts, no script, no external
//! font, image or link, so it reads the same attached to an email or opened offline.

use std::fmt::Write as _;

use super::svg::{BarGroup, escape, frontier, horizontal_bars, latency_cdf, legend, stacked_bars};
use super::{count, headline, interval_text, line_usd, money, percent, present_lines};
use crate::CostReport;
use crate::bill::Line;

const STYLE: &str = "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#222;max-width:1100px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.banner{background:#fff4d6;border:1px solid #e0b84d;padding:8px 12px;margin:12px 0;border-radius:4px}
.meta{color:#555}.kpis{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.kpi{border:1px solid #ddd;border-radius:6px;padding:10px 14px;min-width:180px}.kpi b{display:block;font-size:20px}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}th,td{border:1px solid #ddd;padding:4px 8px}
th{background:#f4f4f4;text-align:left}td.n{text-align:right}
.legend span{margin-right:14px;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
svg.chart{display:block;margin:8px 0}svg .tick{font-size:10px;fill:#555}svg .label{font-size:12px;fill:#222}svg .value{font-size:10px;fill:#222}
.charts{display:flex;flex-wrap:wrap;gap:12px}.charts figure{margin:0}figcaption{font-size:12px;color:#555}";

fn cell(text: &str) -> String {
    format!("<td>{}</td>", escape(text))
}

fn number(text: &str) -> String {
    format!("<td class=\"n\">{}</td>", escape(text))
}

/// The report as one self-contained HTML document (`--format html`), its charts inline SVG.
pub fn render_html(report: &CostReport) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    out.push_str("<title>Lambda cost: before and after</title><style>");
    out.push_str(STYLE);
    out.push_str("</style></head><body>\n<h1>Lambda cost: before and after</h1>\n");
    let _ = writeln!(out, "<p class=\"meta\">{}</p>", escape(&headline(report)));
    if report.projection {
        out.push_str("<p class=\"banner\"><b>Projection.</b> Nothing in this report was measured on AWS: the figures come from local runs or a usage file, priced as AWS would bill them.</p>\n");
    }
    let totals = &report.totals;
    let _ = writeln!(
        out,
        "<div class=\"kpis\"><div class=\"kpi\">Before, per month<b>{}</b></div><div class=\"kpi\">After, per month<b>{}</b></div><div class=\"kpi\">Saving, compute<b>{} ({})</b></div><div class=\"kpi\">Saving, all-in<b>{} ({})</b></div></div>",
        escape(&money(totals.saving.all_in.before_usd)),
        escape(&money(totals.saving.all_in.after_usd)),
        escape(&money(totals.saving.compute.saving_usd)),
        escape(&percent(totals.saving.compute.saving_percent)),
        escape(&money(totals.saving.all_in.saving_usd)),
        escape(&percent(totals.saving.all_in.saving_percent)),
    );

    out.push_str("<h2>Summary</h2>\n<table><tr><th>function</th><th>requests/month</th><th>before/month</th><th>after/month</th><th>saving, compute</th><th>saving, all-in</th><th>Δ compute per 1M (95% CI)</th><th>cold starts before → after</th><th>peak MB → recommended</th></tr>\n");
    for function in &report.functions {
        let _ = writeln!(
            out,
            "<tr>{}{}{}{}{}{}{}{}{}</tr>",
            cell(&function.function),
            number(&format!("{} ({})", count(function.monthly_requests), function.monthly_requests_basis)),
            number(&money(function.before.monthly_all_in_usd)),
            number(&money(function.after.monthly_all_in_usd)),
            number(&format!(
                "{} ({})",
                money(function.saving.compute.saving_usd),
                percent(function.saving.compute.saving_percent)
            )),
            number(&format!(
                "{} ({})",
                money(function.saving.all_in.saving_usd),
                percent(function.saving.all_in.saving_percent)
            )),
            number(&interval_text(function)),
            number(&format!(
                "{:.2}% → {:.2}%",
                function.before.cold_start_share * 100.0,
                function.after.cold_start_share * 100.0
            )),
            number(&format!(
                "{} → {}",
                function.memory.after_max_used_mb.map(|mb| mb.to_string()).unwrap_or_else(|| "?".into()),
                function.memory.recommended_mb.map(|mb| mb.to_string()).unwrap_or_else(|| "?".into())
            )),
        );
    }
    out.push_str("</table>\n");
    for entry in &report.inconclusive {
        let _ = writeln!(
            out,
            "<p class=\"banner\">Inconclusive: <b>{}</b>: {}</p>",
            escape(&entry.function),
            escape(&entry.reason)
        );
    }

    let monthly_lines = present_lines(
        report
            .functions
            .iter()
            .flat_map(|function| [function.before.monthly.as_slice(), function.after.monthly.as_slice()]),
    );
    let positive_lines: Vec<Line> = monthly_lines.iter().copied().filter(|line| *line != Line::FreeTier).collect();
    out.push_str("<h2>Per month, by cost line</h2>\n");
    out.push_str(&legend(&positive_lines));
    let groups: Vec<BarGroup> = report
        .functions
        .iter()
        .map(|function| {
            let segments = |lines: &[crate::bill::LineCost]| {
                positive_lines.iter().map(|line| (*line, line_usd(lines, *line))).collect::<Vec<_>>()
            };
            (
                function.function.clone(),
                [
                    (format!("v{}", function.before.version), segments(&function.before.monthly)),
                    (format!("v{}", function.after.version), segments(&function.after.monthly)),
                ],
            )
        })
        .collect();
    out.push_str(&stacked_bars(
        "monthly-by-line",
        "Monthly cost per function, before and after, by cost line (before the free tier credit)",
        &groups,
    ));
    out.push_str("<p class=\"meta\">Bars stack the charges before the free tier credit, which the table shows as its own line.</p>\n");
    out.push_str("<table><tr><th>function</th><th>version</th>");
    for line in &monthly_lines {
        let _ = write!(out, "<th>{}</th>", escape(line.label()));
    }
    out.push_str("<th>total</th></tr>\n");
    for function in &report.functions {
        for (role, version) in [("before", &function.before), ("after", &function.after)] {
            let _ = write!(
                out,
                "<tr>{}{}",
                cell(&function.function),
                cell(&format!(
                    "{role}: {} ({}, {}, {} MB)",
                    version.version,
                    version.runtime,
                    version.architecture.name(),
                    version.memory_mb
                ))
            );
            for line in &monthly_lines {
                out.push_str(&number(&money(line_usd(&version.monthly, *line))));
            }
            let _ = writeln!(out, "{}</tr>", number(&money(version.monthly_all_in_usd)));
        }
    }
    out.push_str("</table>\n");

    out.push_str("<h2>Per 1M requests</h2>\n<p class=\"meta\">List prices, first tier, no free tier: the unit cost of a request whatever the volume.</p>\n");
    let rows: Vec<(String, Vec<(Line, f64)>)> = report
        .functions
        .iter()
        .flat_map(|function| {
            [("before", &function.before), ("after", &function.after)].map(|(role, version)| {
                (
                    format!("{} {role} (v{})", function.function, version.version),
                    positive_lines.iter().map(|line| (*line, line_usd(&version.per_million, *line))).collect(),
                )
            })
        })
        .collect();
    out.push_str(&horizontal_bars("per-million", "Cost per 1M requests by cost line", &rows));

    out.push_str("<h2>Latency: billed milliseconds per invocation</h2>\n<div class=\"charts\">");
    for function in &report.functions {
        let _ = write!(
            out,
            "<figure>{}<figcaption>{}: p50 {} → {} ms, p99 {} → {} ms; cold starts {:.2}% → {:.2}% (INIT p50 {} → {} ms)</figcaption></figure>",
            latency_cdf(
                "latency",
                &format!("Distribution of billed milliseconds of {}, before and after", function.function),
                &function.before.latency_cdf,
                &function.after.latency_cdf
            ),
            escape(&function.function),
            function.before.billed_ms.p50,
            function.after.billed_ms.p50,
            function.before.billed_ms.p99,
            function.after.billed_ms.p99,
            function.before.cold_start_share * 100.0,
            function.after.cold_start_share * 100.0,
            function.before.init_ms_p50.map(|ms| ms.to_string()).unwrap_or_else(|| "-".into()),
            function.after.init_ms_p50.map(|ms| ms.to_string()).unwrap_or_else(|| "-".into()),
        );
    }
    out.push_str("</div>\n");

    let swept: Vec<&crate::FunctionReport> =
        report.functions.iter().filter(|function| !function.sweep.is_empty()).collect();
    if !swept.is_empty() {
        out.push_str("<h2>Memory and cost of the new version</h2>\n<div class=\"charts\">");
        for function in swept {
            let points: Vec<(u32, f64, f64)> = function
                .sweep
                .iter()
                .map(|point| (point.memory_mb, point.compute_per_million_usd, point.p99_ms))
                .collect();
            let _ = write!(
                out,
                "<figure>{}<figcaption>{}: {}</figcaption></figure>",
                frontier(
                    "frontier",
                    &format!("Memory against compute cost per 1M of {}", function.function),
                    &points,
                    function.memory.recommended_mb
                ),
                escape(&function.function),
                escape(&function.memory.basis)
            );
        }
        out.push_str("</div>\n");
    }

    if !report.projection_months.is_empty() {
        let _ = write!(
            out,
            "<h2>{}-month projection</h2>\n<p class=\"meta\">Traffic growing {:.1}% a month; tiers and the free tier recomputed each month.</p>\n<table><tr><th>month</th><th>requests</th><th>before</th><th>after</th><th>saving</th><th>cumulative saving</th></tr>\n",
            report.projection_months.len(),
            report.provenance.growth_per_month * 100.0
        );
        for month in &report.projection_months {
            let _ = writeln!(
                out,
                "<tr>{}{}{}{}{}{}</tr>",
                number(&month.month.to_string()),
                number(&count(month.requests)),
                number(&money(month.before_usd)),
                number(&money(month.after_usd)),
                number(&money(month.saving_usd)),
                number(&money(month.cumulative_saving_usd))
            );
        }
        out.push_str("</table>\n");
    }

    if let Some(reconciliation) = &report.reconciliation {
        let _ = write!(
            out,
            "<h2>Reconciliation with Cost Explorer ({})</h2>\n<table><tr><th>category</th><th>model</th><th>actual</th><th>residual</th><th>usage types</th></tr>\n",
            escape(&reconciliation.metric)
        );
        for row in &reconciliation.rows {
            let _ = writeln!(
                out,
                "<tr>{}{}{}{}{}</tr>",
                cell(&format!("{:?}", row.category).to_lowercase()),
                number(&money(row.model_usd)),
                number(&money(row.actual_usd)),
                number(&money(row.residual_usd)),
                cell(&row.usage_types.join(", "))
            );
        }
        let _ = writeln!(
            out,
            "<tr><th>total</th>{}{}{}<td></td></tr></table><ul>",
            number(&money(reconciliation.model_usd)),
            number(&money(reconciliation.actual_usd)),
            number(&format!("{} ({})", money(reconciliation.residual_usd), percent(reconciliation.residual_percent)))
        );
        for cause in &reconciliation.likely_causes {
            let _ = write!(out, "<li>{}</li>", escape(cause));
        }
        out.push_str("</ul>\n");
    }

    out.push_str("<h2>Methodology</h2>\n<ul>");
    for sentence in [
        "Each invocation is billed in whole milliseconds, rounded up, from its REPORT line; GB-seconds are billed milliseconds × configured memory / 1024.",
        "INIT is billed for custom runtimes (the Rust version on provided.al2023) always, and for ZIP functions on managed runtimes (Python) from 2025-08-01; windows that start earlier are billed as they were then.",
        "Duration tiers are applied to the account's monthly GB-seconds per architecture, and the free tier (1M requests, 400,000 GB-s a month) to the account's totals; both are then allocated to functions pro rata. Per-1M figures use first-tier list prices without the free tier.",
        "The compute view holds duration, INIT, ephemeral storage and provisioned concurrency: what the rewrite changes. The all-in view adds requests, API Gateway and CloudWatch Logs, which it mostly cannot change.",
        "Monthly requests are the window's observed rate scaled to 730 hours unless given; both versions are priced at the same volume.",
        "The interval on Δ per 1M is a seeded bootstrap of the sampled billed durations (95 %).",
    ] {
        let _ = write!(out, "<li>{}</li>", escape(sentence));
    }
    out.push_str("</ul>\n<h2>Provenance</h2>\n<table>");
    let provenance = &report.provenance;
    let mut facts = vec![
        ("source".to_string(), provenance.source.detail.clone()),
        ("region".to_string(), provenance.region.clone()),
        (
            "window".to_string(),
            format!(
                "{} .. {}",
                crate::cost_report::rfc3339(provenance.window.start),
                crate::cost_report::rfc3339(provenance.window.end)
            ),
        ),
        ("prices as of".to_string(), format!("{} ({})", provenance.prices_as_of, provenance.price_table)),
    ];
    for (key, source) in &provenance.price_sources {
        facts.push((format!("price {key}"), source.clone()));
    }
    for function in &report.functions {
        for (role, version) in [("before", &function.before), ("after", &function.after)] {
            facts.push((
                format!("{} {role}", function.function),
                format!(
                    "version {}, {}, {}, {} MB, {} invocations in the window ({} sampled){}",
                    version.version,
                    version.runtime,
                    version.architecture.name(),
                    version.memory_mb,
                    count(version.invocations_in_window as f64),
                    count(version.sample_size as f64),
                    version.code_sha256.as_ref().map(|sha| format!(", CodeSha256 {sha}")).unwrap_or_default()
                ),
            ));
        }
    }
    for (key, value) in facts {
        let _ = writeln!(out, "<tr><th>{}</th>{}</tr>", escape(&key), cell(&value));
    }
    out.push_str("</table>\n</body></html>\n");
    out
}
