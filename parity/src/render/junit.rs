//! JUnit XML for CI: one test suite, one test case per route (failed when the route has
//! mismatched or failed records) and one for side effects.

use super::verdict;
use crate::difference::Tier;
use crate::report::ParityReport;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

pub(super) fn render(report: &ParityReport, max_mismatch: usize) -> String {
    let mut cases = String::new();
    let mut failures = 0usize;
    let mut tests = 0usize;
    for route in &report.routes {
        tests += 1;
        let failing = route.counts.mismatch + route.counts.errors;
        cases.push_str(&format!("    <testcase classname=\"parity\" name=\"{}\">\n", escape(&route.route)));
        if failing > 0 {
            failures += 1;
            let mut details = String::new();
            for signature in report.signatures.iter().filter(|s| s.route == route.route && s.tier == Tier::Mismatch) {
                details.push_str(&format!("{} {} x{}\n", signature.path, signature.kind, signature.count));
                for example in &signature.examples {
                    details.push_str(&format!("record {} at {}:\n{}\n", example.record_id, example.path, example.diff));
                }
            }
            for error in report.errors.iter().filter(|e| e.route == route.route) {
                details.push_str(&format!("error on {} for {}: {}\n", error.side, error.record_id, error.message));
            }
            cases.push_str(&format!(
                "      <failure message=\"{} of {} records mismatched or failed\" type=\"parity\">{}</failure>\n",
                failing,
                route.counts.total,
                escape(&details)
            ));
        }
        cases.push_str("    </testcase>\n");
    }
    if let Some(side_effects) = &report.side_effects {
        tests += 1;
        cases.push_str("    <testcase classname=\"parity\" name=\"side effects\">\n");
        if side_effects.mismatches > 0 {
            failures += 1;
            let shown = |value: &Option<String>| value.clone().unwrap_or_else(|| "(absent)".to_owned());
            let details: String = side_effects
                .differences
                .iter()
                .map(|d| format!("{} {}: {} -> {}\n", d.path, d.kind, shown(&d.baseline), shown(&d.candidate)))
                .collect();
            cases.push_str(&format!(
                "      <failure message=\"{} side-effect mismatches\" type=\"parity\">{}</failure>\n",
                side_effects.mismatches,
                escape(&details)
            ));
        }
        cases.push_str("    </testcase>\n");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"parity {} vs {}\" tests=\"{}\" failures=\"{}\">\n    <properties><property name=\"verdict\" value=\"{}\"/></properties>\n{}  </testsuite>\n</testsuites>\n",
        escape(&report.baseline),
        escape(&report.candidate),
        tests,
        failures,
        escape(&verdict(report, max_mismatch)),
        cases
    )
}
