//! Renderers of a [`FuzzReport`]: a table for people, JSON for scripts, Markdown for a
//! pull request. Each takes a redacted copy, as `parity run`'s renderers do.

use comfy_table::Table;
use comfy_table::presets::UTF8_FULL_CONDENSED;

use super::report::{FuzzReport, cut};

/// An output format of `cutover parity fuzz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FuzzFormat {
    /// Tables for a terminal.
    Table,
    /// The whole report as JSON, for scripts.
    Json,
    /// Markdown for a pull request comment or a job summary.
    Markdown,
}

/// Renders `report`, redacted.
pub fn render_fuzz(report: &FuzzReport, format: FuzzFormat) -> String {
    let report = &report.redacted();
    match format {
        FuzzFormat::Table => table(report),
        FuzzFormat::Json => {
            let mut text = serde_json::to_string_pretty(report).unwrap_or_default();
            text.push('\n');
            text
        }
        FuzzFormat::Markdown => markdown(report),
    }
}

/// What the unmutated corpus already showed: `parity run`'s verdict, not the fuzzer's,
/// but the state the mutants ran on.
fn corpus_warning(report: &FuzzReport) -> Option<String> {
    let corpus = &report.corpus;
    let writes = report.writes.as_ref().map_or(0, |writes| writes.corpus_mismatches);
    (corpus.mismatch + corpus.errors + writes > 0).then(|| {
        format!(
            "warning: the unmutated corpus already differs ({} mismatched and {} failed records, {} write mismatches): `cutover parity run` reports them; the mutants ran on that state",
            corpus.mismatch, corpus.errors, writes
        )
    })
}

/// `PASS` or `FAIL` with the reason.
fn verdict(report: &FuzzReport) -> String {
    let totals = &report.totals;
    if report.passed() {
        return format!("PASS: {} mutants replayed (seed {}), no divergence", totals.replayed, report.seed);
    }
    let mut reasons = Vec::new();
    if totals.replayed == 0 {
        reasons.push(format!(
            "no mutant could be replayed ({} skipped, {} failed): no evidence, no pass",
            totals.skipped, totals.errors
        ));
    } else if totals.replayed == totals.state_dependent {
        reasons.push(format!(
            "every one of the {} replayed mutants diverged where its unmutated read diverges too: no evidence about the mutations, no pass",
            totals.replayed
        ));
    }
    if !report.findings.is_empty() {
        reasons.push(format!(
            "{} findings from {} diverging mutants of {} replayed (seed {})",
            report.findings.len(),
            totals.diverged,
            totals.replayed,
            report.seed
        ));
    }
    if totals.errors > 0 {
        reasons.push(format!("{} mutants answered by one side only", totals.errors));
    }
    if report.mutant_write_mismatches() > 0 {
        reasons.push(format!("{} write mismatches made by the mutants", report.mutant_write_mismatches()));
    }
    format!("FAIL: {}", reasons.join("; "))
}

fn new_table(header: Vec<&str>) -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED).set_header(header);
    table
}

fn smallest_label(mutant: Option<usize>) -> String {
    mutant.map_or_else(|| "shrunk".to_owned(), |number| format!("mutant {number}"))
}

fn table(report: &FuzzReport) -> String {
    let totals = &report.totals;
    let mut out = format!(
        "parity fuzz: {} (baseline) vs {} (candidate), seed {}, {} mutants asked\n",
        report.baseline, report.candidate, report.seed, report.mutants_requested
    );
    out.push_str(&format!(
        "corpus replayed unmutated first: {} records, {} mismatched, {} failed\n\n",
        report.corpus.records, report.corpus.mismatch, report.corpus.errors
    ));
    let mut kinds = new_table(vec!["mutation", "mutants", "replayed", "diverged"]);
    for kind in &report.kinds {
        kinds.add_row(vec![
            kind.kind.to_string(),
            kind.mutants.to_string(),
            kind.replayed.to_string(),
            kind.diverged.to_string(),
        ]);
    }
    kinds.add_row(vec![
        "all".to_owned(),
        totals.generated.to_string(),
        totals.replayed.to_string(),
        totals.diverged.to_string(),
    ]);
    out.push_str(&kinds.to_string());
    out.push_str(&format!(
        "\nskipped {} (the change did not apply to a side's event, or neither side could take it), failed on one side {}, shrink replays {}\n",
        totals.skipped, totals.errors, totals.shrink_replays
    ));
    if totals.state_dependent > 0 {
        out.push_str(&format!(
            "not findings: {} mutants of reads diverged where the unmutated read diverges too (the state after the corpus, not the mutation)\n",
            totals.state_dependent
        ));
    }
    out.push_str(&timing_line(report));

    if !report.findings.is_empty() {
        out.push_str("\nfindings (divergences grouped by function, mutation and path)\n");
        let mut findings =
            new_table(vec!["#", "function", "mutation", "path", "change", "mutants", "baseline", "candidate"]);
        for (number, finding) in report.findings.iter().enumerate() {
            findings.add_row(vec![
                (number + 1).to_string(),
                finding.function.clone(),
                finding.kind.to_string(),
                finding.path.clone(),
                finding.change.clone(),
                finding.mutants.to_string(),
                cut(&finding.smallest.baseline, 60).into_owned(),
                cut(&finding.smallest.candidate, 60).into_owned(),
            ]);
        }
        out.push_str(&findings.to_string());
        out.push('\n');
        for (number, finding) in report.findings.iter().enumerate() {
            let smallest = &finding.smallest;
            out.push_str(&format!(
                "\n#{} smallest mutant: record {} ({}), {} bytes: {}\n  baseline:  {}\n  candidate: {}\n",
                number + 1,
                smallest.record_id,
                smallest_label(smallest.mutant),
                smallest.event_bytes,
                smallest.description,
                smallest.baseline,
                smallest.candidate
            ));
            for difference in &smallest.differences {
                out.push_str(&format!("  {} at {}\n", difference.kind, difference.path));
            }
            if let Some(example) = smallest.differences.first().and_then(|group| group.examples.first()) {
                for line in example.diff.lines().take(40) {
                    out.push_str("    ");
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
    }

    if !report.errors.is_empty() {
        out.push_str("\nmutants a side could not answer\n");
        let mut errors = new_table(vec!["mutant", "record", "mutation", "side", "error"]);
        for error in &report.errors {
            errors.add_row(vec![
                error.mutant.to_string(),
                error.record_id.clone(),
                cut(&error.description, 60).into_owned(),
                error.side.clone(),
                cut(&error.message, 100).into_owned(),
            ]);
        }
        out.push_str(&errors.to_string());
        out.push('\n');
    }

    if !report.corpus.signatures.is_empty() {
        out.push_str("\nthe unmutated corpus differs\n");
        for signature in &report.corpus.signatures {
            out.push_str(&format!(
                "  {} {} {} ({} records)\n",
                signature.route, signature.path, signature.kind, signature.count
            ));
        }
    }

    match (&report.writes, &report.side_effects_note) {
        (Some(writes), _) => {
            out.push_str(&format!(
                "\nwrites: {} items (baseline) vs {} (candidate) at the end; {} mismatches made by the mutants\n",
                writes.baseline_items, writes.candidate_items, writes.mutant_mismatches
            ));
            for difference in &writes.differences {
                out.push_str(&format!(
                    "  {} {}: {} vs {}\n",
                    difference.path,
                    difference.kind,
                    difference.baseline.as_deref().unwrap_or("(absent)"),
                    difference.candidate.as_deref().unwrap_or("(absent)")
                ));
            }
        }
        (None, Some(note)) => out.push_str(&format!("\n{note}\n")),
        (None, None) => {}
    }
    if let Some(warning) = corpus_warning(report) {
        out.push_str(&format!("\n{warning}\n"));
    }
    out.push('\n');
    out.push_str(&verdict(report));
    out.push('\n');
    out
}

fn timing_line(report: &FuzzReport) -> String {
    let timing = &report.timing;
    format!(
        "corpus replayed in {:.1} s, mutants in {:.1} s ({:.1} mutants/s)\n",
        timing.corpus_seconds, timing.mutants_seconds, timing.mutants_per_second
    )
}

/// A Markdown table cell: pipes escaped, one line.
fn cell(text: &str) -> String {
    cut(text, 120).replace('|', "\\|")
}

fn markdown(report: &FuzzReport) -> String {
    let totals = &report.totals;
    let mut out = format!(
        "## Parity fuzz: `{}` vs `{}`\n\n**{}**\n\nSeed {}, {} mutants asked. The corpus was replayed unmutated first: {} records, {} mismatched, {} failed.\n\n",
        report.baseline,
        report.candidate,
        verdict(report),
        report.seed,
        report.mutants_requested,
        report.corpus.records,
        report.corpus.mismatch,
        report.corpus.errors
    );
    out.push_str("| mutation | mutants | replayed | diverged |\n|---|---:|---:|---:|\n");
    for kind in &report.kinds {
        out.push_str(&format!("| {} | {} | {} | {} |\n", kind.kind, kind.mutants, kind.replayed, kind.diverged));
    }
    out.push_str(&format!(
        "| **all** | {} | {} | {} |\n\nSkipped {}, failed on one side {}, diverged like the unmutated read (state, not findings) {}, shrink replays {}; {}",
        totals.generated,
        totals.replayed,
        totals.diverged,
        totals.skipped,
        totals.errors,
        totals.state_dependent,
        totals.shrink_replays,
        timing_line(report)
    ));
    if !report.findings.is_empty() {
        out.push_str("\n### Findings\n\n| # | function | mutation | path | change | mutants | baseline | candidate |\n|---:|---|---|---|---|---:|---|---|\n");
        for (number, finding) in report.findings.iter().enumerate() {
            out.push_str(&format!(
                "| {} | {} | {} | `{}` | {} | {} | {} | {} |\n",
                number + 1,
                cell(&finding.function),
                finding.kind,
                cell(&finding.path),
                cell(&finding.change),
                finding.mutants,
                cell(&finding.smallest.baseline),
                cell(&finding.smallest.candidate)
            ));
        }
        for (number, finding) in report.findings.iter().enumerate() {
            let smallest = &finding.smallest;
            out.push_str(&format!(
                "\n<details><summary>#{} smallest mutant: record {} ({}), {} bytes: {}</summary>\n\n",
                number + 1,
                smallest.record_id,
                smallest_label(smallest.mutant),
                smallest.event_bytes,
                cell(&smallest.description)
            ));
            for difference in &smallest.differences {
                out.push_str(&format!("- `{}` at `{}`\n", difference.kind, difference.path));
                if let Some(example) = difference.examples.first() {
                    out.push_str(&format!("\n```diff\n{}```\n", example.diff));
                }
            }
            let event = serde_json::to_string_pretty(&smallest.event).unwrap_or_default();
            out.push_str(&format!("\nThe event:\n\n```json\n{}\n```\n\n</details>\n", cut_block(&event, 8_000)));
        }
    }
    if !report.errors.is_empty() {
        out.push_str(
            "\n### Mutants a side could not answer\n\n| mutant | record | side | error |\n|---:|---|---|---|\n",
        );
        for error in &report.errors {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                error.mutant,
                cell(&error.record_id),
                error.side,
                cell(&error.message)
            ));
        }
    }
    if let Some(writes) = &report.writes {
        out.push_str(&format!(
            "\nWrites: {} items (baseline) vs {} (candidate) at the end; {} mismatches made by the mutants.\n",
            writes.baseline_items, writes.candidate_items, writes.mutant_mismatches
        ));
        for difference in &writes.differences {
            out.push_str(&format!(
                "- `{}` {}: `{}` vs `{}`\n",
                difference.path,
                difference.kind,
                cell(difference.baseline.as_deref().unwrap_or("(absent)")),
                cell(difference.candidate.as_deref().unwrap_or("(absent)"))
            ));
        }
    } else if let Some(note) = &report.side_effects_note {
        out.push_str(&format!("\n{note}\n"));
    }
    if let Some(warning) = corpus_warning(report) {
        out.push_str(&format!("\n> {warning}\n"));
    }
    out
}

/// A long block cut at a line boundary near `limit` bytes, saying how much was left out.
fn cut_block(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_owned();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let end = text[..end].rfind('\n').unwrap_or(end);
    format!("{}\n… ({} more bytes)", &text[..end], text.len() - end)
}
