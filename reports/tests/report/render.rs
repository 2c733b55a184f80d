//! Every renderer on the fixture report, snapshotted.

use crate::support::fixture_report;

#[test]
fn the_json_report_holds_every_figure() {
    let report = fixture_report();
    insta::assert_json_snapshot!("report", report, { ".**.compute_interval" => "[interval]" });
}

#[test]
fn markdown_and_table_render_the_same_figures() {
    let report = fixture_report();
    let markdown = reports::render::render_markdown(&report);
    // The bootstrap interval depends on the generator's stream; the JSON test pins its shape.
    insta::with_settings!({ filters => vec![(r"\(-?\$[0-9.,]+ \.\. -?\$[0-9.,]+\)", "([interval])")] }, {
        insta::assert_snapshot!("markdown", markdown);
    });
    let table = reports::render::render_table(&report);
    assert!(table.contains("create-cluster") && table.contains("$74.02"), "{table}");
    assert!(markdown.contains("| `create-cluster` |"), "{markdown}");
    assert!(markdown.contains("> **Projection.**"));
}

#[test]
fn csv_rows_follow_focus_columns_and_add_up_to_the_totals() {
    let report = fixture_report();
    let csv = reports::render::render_csv(&report);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    for column in [
        "BillingPeriodStart",
        "ChargePeriodStart",
        "ChargePeriodEnd",
        "ServiceName",
        "ResourceId",
        "ListCost",
        "EffectiveCost",
        "PricingQuantity",
        "PricingUnit",
        "x_version",
        "x_runtime",
        "x_line",
    ] {
        assert!(header.contains(&column), "missing {column}");
    }
    let effective = header.iter().position(|column| *column == "EffectiveCost").expect("column");
    let scenario = header.iter().position(|column| *column == "x_scenario").expect("column");
    let after: f64 = lines
        .map(|line| line.split(',').collect::<Vec<_>>())
        .filter(|cells| cells[scenario] == "after")
        .map(|cells| cells[effective].parse::<f64>().expect("a number"))
        .sum();
    assert!(
        (after - report.totals.saving.all_in.after_usd).abs() < 1e-6,
        "{after} against {}",
        report.totals.saving.all_in.after_usd
    );
    assert!(csv.contains("2026-09-01T00:00:00Z,2026-10-01T00:00:00Z"), "the projected month follows the window");
    insta::assert_snapshot!("csv", csv);
}

#[test]
fn a_month_of_growth_compounds_in_the_projection() {
    let report = fixture_report();
    let months = &report.projection_months;
    assert_eq!(months.len(), 12);
    assert!((months[1].requests / months[0].requests - 1.05).abs() < 1e-9);
    let sum: f64 = months.iter().map(|month| month.saving_usd).sum();
    assert!((months[11].cumulative_saving_usd - sum).abs() < 1e-9);
    assert!(months[11].saving_usd > months[0].saving_usd, "more traffic, more saving");
}
