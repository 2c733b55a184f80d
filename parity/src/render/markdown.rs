//! Markdown, for pull-request comments and CI summaries.

use super::table::tier_name;
use super::{millis, verdict};
use crate::report::ParityReport;

/// Pipes and newlines would break a table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub(super) fn render(report: &ParityReport, max_mismatch: usize) -> String {
    let mut out = String::from("# Parity report\n\n");
    out.push_str(&format!("Baseline `{}`, candidate `{}`", report.baseline, report.candidate));
    if let Some(secondary) = &report.secondary {
        out.push_str(&format!(", noise learned from `{secondary}`"));
    }
    out.push_str(&format!(".\n\n**{}**\n\n", verdict(report, max_mismatch)));

    out.push_str("| route | total | match | cosmetic | noise | mismatch | errors | p50/p99 baseline ms | p50/p99 candidate ms |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for route in &report.routes {
        let c = &route.counts;
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} | {} / {} | {} / {} |\n",
            cell(&route.route),
            c.total,
            c.matched,
            c.cosmetic,
            c.noise,
            c.mismatch,
            c.errors,
            millis(route.baseline_latency.p50_ms),
            millis(route.baseline_latency.p99_ms),
            millis(route.candidate_latency.p50_ms),
            millis(route.candidate_latency.p99_ms),
        ));
    }
    let t = &report.totals;
    out.push_str(&format!(
        "| **all** | {} | {} | {} | {} | {} | {} | | |\n",
        t.total, t.matched, t.cosmetic, t.noise, t.mismatch, t.errors
    ));

    if !report.signatures.is_empty() {
        out.push_str(
            "\n## Differences by signature\n\n| tier | route | path | kind | count |\n|---|---|---|---|---:|\n",
        );
        for signature in &report.signatures {
            out.push_str(&format!(
                "| {} | `{}` | `{}` | {} | {} |\n",
                tier_name(signature.tier),
                cell(&signature.route),
                cell(&signature.path),
                signature.kind,
                signature.count
            ));
        }
        for signature in &report.signatures {
            for example in &signature.examples {
                out.push_str(&format!(
                    "\n<details><summary>{} <code>{}</code> {} — record <code>{}</code></summary>\n\n```diff\n{}```\n\n</details>\n",
                    tier_name(signature.tier),
                    example.path,
                    signature.kind,
                    example.record_id,
                    example.diff
                ));
            }
        }
    }

    if !report.learned_noise.is_empty() {
        out.push_str("\n## Learned noise\n\n| route | path | occurrences |\n|---|---|---:|\n");
        for learned in &report.learned_noise {
            out.push_str(&format!(
                "| `{}` | `{}` | {} |\n",
                cell(&learned.route),
                cell(&learned.path),
                learned.occurrences
            ));
        }
    }

    if !report.rules_fired.is_empty() {
        out.push_str("\n## Rules that fired\n\n| rule | route | path | fired | reason |\n|---|---|---|---:|---|\n");
        for rule in &report.rules_fired {
            out.push_str(&format!(
                "| {} | `{}` | `{}` | {} | {} |\n",
                format!("{:?}", rule.kind).to_lowercase(),
                cell(&rule.route),
                cell(rule.path.as_deref().unwrap_or("")),
                rule.count,
                cell(&rule.reason)
            ));
        }
    }

    if let Some(note) = &report.side_effects_note {
        out.push_str(&format!("\n## Side effects\n\n{}.\n", cell(note)));
    }
    if let Some(side_effects) = &report.side_effects {
        out.push_str(&format!(
            "\n## Side effects\n\n{} items on the baseline, {} on the candidate, {} mismatches.\n",
            side_effects.baseline_items, side_effects.candidate_items, side_effects.mismatches
        ));
        if let Some(calls) = &report.write_calls {
            out.push_str(&format!(
                "\nWrite calls: {} on the baseline, {} on the candidate; {} pairs compared in order over {} entities, {} parted (`$.writes.<entity>[<index>]` names the first call where an entity's sequences part).\n",
                calls.baseline.total(),
                calls.candidate.total(),
                calls.compared,
                calls.entities,
                calls.parted
            ));
        }
        if !side_effects.differences.is_empty() {
            out.push_str("\n| path | kind | baseline | candidate |\n|---|---|---|---|\n");
            for difference in &side_effects.differences {
                out.push_str(&format!(
                    "| `{}` | {} | {} | {} |\n",
                    cell(&difference.path.to_string()),
                    difference.kind,
                    cell(difference.baseline.as_deref().unwrap_or("(absent)")),
                    cell(difference.candidate.as_deref().unwrap_or("(absent)"))
                ));
            }
        }
    }

    if !report.errors.is_empty() {
        out.push_str("\n## Errors\n\n");
        for error in &report.errors {
            out.push_str(&format!(
                "- `{}` ({}), {}: {}\n",
                error.record_id,
                cell(&error.route),
                error.side,
                cell(&error.message)
            ));
        }
    }
    out
}
