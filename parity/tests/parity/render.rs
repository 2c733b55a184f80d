//! Rendered reports: snapshots of the table and Markdown, JSON and JUnit checked as data,
//! and secrets kept out of all four.

use parity::{ParityReport, ReportFormat, render};

use crate::seeded::{Quirk, run_seeded};

async fn mixed_report() -> ParityReport {
    let (report, _, _) = run_seeded(vec![
        Quirk::CreateStatus200,
        Quirk::EscapeOneChar,
        Quirk::ListOrder,
        Quirk::ExtraAuditWrite,
        Quirk::LeaksSecrets,
    ])
    .await;
    report
}

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    // Latencies are measured; keep them out of the snapshots.
    settings.add_filter(r"\b\d+\.\d\b", "[ms]");
    // Fingerprints of redacted secrets are keyed per process.
    settings.add_filter(r"\[REDACTED [0-9a-f]{8}\]", "[REDACTED fingerprint]");
    settings.set_prepend_module_to_snapshot(false);
    settings
}

#[tokio::test]
async fn table_snapshot() {
    let text = render(&mixed_report().await, ReportFormat::Table, 0);
    settings().bind(|| insta::assert_snapshot!("table", text));
}

#[tokio::test]
async fn markdown_snapshot() {
    let text = render(&mixed_report().await, ReportFormat::Markdown, 0);
    settings().bind(|| insta::assert_snapshot!("markdown", text));
}

#[tokio::test]
async fn json_and_junit_carry_the_same_verdict() {
    let report = mixed_report().await;
    let json: serde_json::Value = serde_json::from_str(&render(&report, ReportFormat::Json, 0)).expect("json");
    assert_eq!(json["totals"]["total"], 6);
    assert_eq!(json["totals"]["mismatch"], 5);
    assert_eq!(json["side_effects"]["mismatches"], 2);
    assert_eq!(json["signatures"][0]["tier"], "mismatch");
    let junit = render(&report, ReportFormat::Junit, 0);
    assert!(junit.starts_with("<?xml"));
    assert_eq!(junit.matches("<testcase ").count(), 4, "three routes and side effects");
    assert_eq!(junit.matches("<failure ").count(), 4, "{junit}");
    assert!(!report.passed(5), "the write mismatch fails even with a generous limit");
}

#[tokio::test]
async fn secrets_never_reach_any_rendering() {
    let report = mixed_report().await;
    for format in [ReportFormat::Table, ReportFormat::Json, ReportFormat::Markdown, ReportFormat::Junit] {
        let text = render(&report, format, 0);
        assert!(!text.contains("s3cr3t"), "{format:?} leaks the cookie");
        assert!(!text.contains("hunter2"), "{format:?} leaks the password");
        assert!(text.contains("[REDACTED "), "{format:?} shows where a secret was");
    }
}
