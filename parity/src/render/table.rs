//! The human table: one summary row per route, then mismatch signatures, learned noise,
//! rules that fired, side effects and the verdict.

use comfy_table::Table;
use comfy_table::presets::UTF8_FULL_CONDENSED;

use super::{millis, verdict};
use crate::difference::Tier;
use crate::report::ParityReport;

fn table(header: Vec<&str>) -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_header(header);
    table
}

pub(super) fn render(report: &ParityReport, max_mismatch: usize) -> String {
    let mut out = format!("parity: {} (baseline) vs {} (candidate)", report.baseline, report.candidate);
    if let Some(secondary) = &report.secondary {
        out.push_str(&format!(", noise learned from {secondary}"));
    }
    out.push_str("\n\n");

    let mut routes = table(vec![
        "route",
        "total",
        "match",
        "cosmetic",
        "noise",
        "mismatch",
        "errors",
        "p50 base ms",
        "p99 base ms",
        "p50 cand ms",
        "p99 cand ms",
    ]);
    for route in &report.routes {
        let c = &route.counts;
        routes.add_row(vec![
            route.route.clone(),
            c.total.to_string(),
            c.matched.to_string(),
            c.cosmetic.to_string(),
            c.noise.to_string(),
            c.mismatch.to_string(),
            c.errors.to_string(),
            millis(route.baseline_latency.p50_ms),
            millis(route.baseline_latency.p99_ms),
            millis(route.candidate_latency.p50_ms),
            millis(route.candidate_latency.p99_ms),
        ]);
    }
    let t = &report.totals;
    routes.add_row(vec![
        "all".to_owned(),
        t.total.to_string(),
        t.matched.to_string(),
        t.cosmetic.to_string(),
        t.noise.to_string(),
        t.mismatch.to_string(),
        t.errors.to_string(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    ]);
    out.push_str(&routes.to_string());
    out.push('\n');

    if !report.signatures.is_empty() {
        let mut signatures = table(vec!["tier", "route", "path", "kind", "count", "example"]);
        for signature in &report.signatures {
            let example = signature.examples.first().map_or_else(String::new, |example| {
                format!(
                    "{}: {} → {}",
                    example.record_id,
                    clip(example.baseline.as_deref().unwrap_or("(absent)")),
                    clip(example.candidate.as_deref().unwrap_or("(absent)"))
                )
            });
            signatures.add_row(vec![
                tier_name(signature.tier).to_owned(),
                signature.route.clone(),
                signature.path.clone(),
                signature.kind.to_string(),
                signature.count.to_string(),
                example,
            ]);
        }
        out.push_str("\ndifferences by signature\n");
        out.push_str(&signatures.to_string());
        out.push('\n');
        // One readable diff per mismatch signature; the other formats carry them all.
        for signature in report.signatures.iter().filter(|s| s.tier == Tier::Mismatch) {
            if let Some(example) = signature.examples.first() {
                out.push_str(&format!(
                    "\n{} {} ({}), record {}:\n{}",
                    signature.route, example.path, signature.kind, example.record_id, example.diff
                ));
            }
        }
    }

    if !report.learned_noise.is_empty() {
        let mut noise = table(vec!["route", "noisy path (baseline differs from itself)", "occurrences"]);
        for learned in &report.learned_noise {
            noise.add_row(vec![learned.route.clone(), learned.path.clone(), learned.occurrences.to_string()]);
        }
        out.push_str("\nlearned noise\n");
        out.push_str(&noise.to_string());
        out.push('\n');
    }

    if !report.rules_fired.is_empty() {
        let mut rules = table(vec!["rule", "route", "path", "fired", "reason"]);
        for rule in &report.rules_fired {
            rules.add_row(vec![
                format!("{:?}", rule.kind).to_lowercase(),
                rule.route.clone(),
                rule.path.clone().unwrap_or_default(),
                rule.count.to_string(),
                rule.reason.clone(),
            ]);
        }
        out.push_str("\nrules that fired\n");
        out.push_str(&rules.to_string());
        out.push('\n');
    }

    if let Some(note) = &report.side_effects_note {
        out.push_str(&format!("\n{note}\n"));
    }
    if let Some(side_effects) = &report.side_effects {
        out.push_str(&format!(
            "\nside effects: {} items on the baseline, {} on the candidate, {} mismatches\n",
            side_effects.baseline_items, side_effects.candidate_items, side_effects.mismatches
        ));
        if let Some(calls) = &report.write_calls {
            out.push_str(&format!(
                "write calls: {} on the baseline, {} on the candidate; {} pairs compared in order over {} entities, {} parted\n",
                calls.baseline.total(),
                calls.candidate.total(),
                calls.compared,
                calls.entities,
                calls.parted
            ));
        }
        if !side_effects.differences.is_empty() {
            let mut writes = table(vec!["path", "kind", "baseline", "candidate"]);
            for difference in &side_effects.differences {
                writes.add_row(vec![
                    difference.path.to_string(),
                    difference.kind.to_string(),
                    difference.baseline.clone().unwrap_or_else(|| "(absent)".into()),
                    difference.candidate.clone().unwrap_or_else(|| "(absent)".into()),
                ]);
            }
            out.push_str(&writes.to_string());
            out.push('\n');
        }
    }

    for error in &report.errors {
        out.push_str(&format!(
            "\nerror on {} for {} ({}): {}",
            error.side, error.record_id, error.route, error.message
        ));
    }
    if !report.errors.is_empty() {
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&verdict(report, max_mismatch));
    out.push('\n');
    out
}

/// Keeps table cells narrow; the full values are in the JSON and Markdown reports.
fn clip(text: &str) -> String {
    const WIDTH: usize = 40;
    if text.chars().count() <= WIDTH {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(WIDTH).collect();
    clipped.push('…');
    clipped
}

pub(super) fn tier_name(tier: Tier) -> &'static str {
    match tier {
        Tier::Match => "match",
        Tier::Cosmetic => "cosmetic",
        Tier::Noise => "noise",
        Tier::Mismatch => "mismatch",
    }
}
