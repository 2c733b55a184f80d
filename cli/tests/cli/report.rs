//! `cutover report` through the binary: a report from a usage file in every format, the
//! emulator's log as a projection, the price list refresh, and bad input (named error,
//! exit 2, no half-written output).

use std::path::PathBuf;

use crate::support::{cutover_outside_repo, json_stdout, repo_root};

fn fixture(name: &str) -> PathBuf {
    repo_root().join("reports/tests/fixtures").join(name)
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_usage_file_prices_to_json_with_both_views() {
    let output = cutover_outside_repo()
        .args(["report", "--format", "json", "--usage"])
        .arg(fixture("usage.json"))
        .output()
        .expect("runs");
    let report = json_stdout(&output);
    assert_eq!(report["projection"], true);
    assert_eq!(report["functions"].as_array().map(Vec::len), Some(2));
    let saving = &report["totals"]["saving"];
    assert!(
        saving["compute"]["saving_percent"].as_f64().expect("percent")
            > saving["all_in"]["saving_percent"].as_f64().expect("percent")
    );
    assert_eq!(report["provenance"]["prices_as_of"], "2026-11-30");
}

#[test]
fn every_format_but_junit_renders_and_output_is_written_whole() {
    let folder = tempfile::tempdir().expect("temp dir");
    for (format, marker) in
        [("table", "create-cluster"), ("markdown", "# Lambda cost"), ("csv", "BillingPeriodStart"), ("html", "<svg")]
    {
        let path = folder.path().join(format!("report.{format}"));
        let output = cutover_outside_repo()
            .args(["report", "--format", format, "--usage"])
            .arg(fixture("usage.json"))
            .arg("--output")
            .arg(&path)
            .output()
            .expect("runs");
        assert!(output.status.success(), "{format}: {}", stderr(&output));
        assert!(output.stdout.is_empty(), "{format}: the report went to the file");
        assert!(std::fs::read_to_string(&path).expect("written").contains(marker), "{format}");
    }
    let junit = cutover_outside_repo()
        .args(["report", "--format", "junit", "--usage"])
        .arg(fixture("usage.json"))
        .output()
        .expect("runs");
    assert_eq!(junit.status.code(), Some(2));
    assert!(stderr(&junit).contains("[possible values: table, json, csv, markdown, html]"), "{}", stderr(&junit));
}

#[test]
fn bad_input_is_a_named_error_with_exit_2_and_no_file() {
    let folder = tempfile::tempdir().expect("temp dir");
    let output_path = folder.path().join("report.html");
    let corrupt = folder.path().join("corrupt.json");
    std::fs::write(
        &corrupt,
        std::fs::read_to_string(fixture("usage.json"))
            .expect("fixture")
            .replace("\"memory_mb\": 256", "\"memory_mb\": \"256 MB\""),
    )
    .expect("write");
    let empty = folder.path().join("empty.json");
    std::fs::write(
        &empty,
        std::fs::read_to_string(fixture("usage.json"))
            .expect("fixture")
            .replace("\"invocations\": 300000,", "\"invocations\": 0,")
            .replace("[[96, 2500], [118, 4500], [131, 2300], [160, 600], [240, 90]]", "[]")
            .replace("[[140, 168, 10]]", "[]")
            .replace("[[4, 3500], [5, 4500], [7, 1500], [12, 450], [30, 50]]", "[]")
            .replace("[[9, 31, 6]]", "[]")
            .replace("\"invocations\": 900000,", "\"invocations\": 0,"),
    )
    .expect("write");
    let bad_prices = folder.path().join("prices.toml");
    std::fs::write(&bad_prices, "prices_as_of = \"2026-01-01\"\ncurrency = \"USD\"\n[sources]\nme = \"me\"\n[regions.us-east-1]\nlambda_requests = { usd = -1, unit = \"request\", source = \"me\" }\n").expect("write");
    let cases: Vec<(&str, Vec<std::ffi::OsString>, &str)> = vec![
        (
            "unknown region",
            vec!["--usage".into(), fixture("usage.json").into(), "--region".into(), "mars-north-1".into()],
            "no prices for region `mars-north-1`",
        ),
        ("corrupt usage", vec!["--usage".into(), corrupt.clone().into()], "corrupt.json: line 19, column"),
        ("empty window", vec!["--usage".into(), empty.into()], "no invocations to report"),
        (
            "price file",
            vec!["--usage".into(), fixture("usage.json").into(), "--prices".into(), bad_prices.into()],
            "prices.toml: line 6",
        ),
        (
            "missing price",
            vec!["--usage".into(), fixture("usage.json").into(), "--region".into(), "eu-central-1".into()],
            "api_gateway_rest_requests",
        ),
        (
            "missing price, the ways out",
            vec!["--usage".into(), fixture("usage.json").into(), "--region".into(), "eu-west-1".into()],
            "Two ways out: --region with a region that has it (us-east-1, us-east-2, us-west-2), or --prices FILE",
        ),
        (
            "insights without aws",
            vec!["--usage".into(), fixture("usage.json").into(), "--insights-timeout".into(), "5".into()],
            "--logs-insights",
        ),
        (
            "local without a rate",
            vec!["--source".into(), "local".into(), "--logs".into(), corrupt.into()],
            "--monthly-requests",
        ),
    ];
    for (name, args, expected) in cases {
        let output = cutover_outside_repo()
            .args(["report", "--format", "html"])
            .args(&args)
            .arg("--output")
            .arg(&output_path)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{name}: {}", stderr(&output));
        assert!(stderr(&output).contains(expected), "{name}: {}", stderr(&output));
        assert!(!output_path.exists(), "{name}: no output file");
        let leftovers: Vec<_> = std::fs::read_dir(folder.path())
            .expect("list")
            .filter_map(Result::ok)
            .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{name}: no temporary file left");
    }
}

#[test]
fn an_emulator_log_is_a_projection_at_the_given_volume() {
    let folder = tempfile::tempdir().expect("temp dir");
    let log = folder.path().join("run.log");
    let mut text = String::new();
    for index in 0..50 {
        let (python_init, rust_init) =
            if index == 0 { ("\tInit Duration: 3120.40 ms", "\tInit Duration: 14.20 ms") } else { ("", "") };
        text.push_str(&format!("[get-cluster:1] START RequestId: p{index} Version: 1\n"));
        text.push_str(&format!("[get-cluster:1] REPORT RequestId: p{index}\tDuration: 44.{index:02} ms\tBilled Duration: 45 ms\tMemory Size: 512 MB\tMax Memory Used: 95 MB{python_init}\t\n"));
        text.push_str(&format!("[get-cluster:2] REPORT RequestId: r{index}\tDuration: 3.{index:02} ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 17 MB{rust_init}\t\n"));
    }
    std::fs::write(&log, text).expect("write the log");
    let output = cutover_outside_repo()
        .args([
            "report",
            "--format",
            "json",
            "--source",
            "local",
            "--function",
            "get-cluster",
            "--monthly-requests",
            "10000000",
            "--region",
            "us-east-1",
            "--config",
        ])
        .arg(repo_root().join("cutover.toml"))
        .arg("--logs")
        .arg(&log)
        .output()
        .expect("runs");
    let report = json_stdout(&output);
    assert_eq!(report["projection"], true);
    let function = &report["functions"][0];
    assert_eq!(function["monthly_requests"], 10_000_000.0);
    assert_eq!(function["before"]["sample_size"], 50);
    assert_eq!(function["before"]["cold_starts"], 1);
    assert_eq!(function["after"]["runtime"], "provided.al2023");
    assert_eq!(
        (function["before"]["memory_mb"].as_u64(), function["after"]["memory_mb"].as_u64()),
        (Some(512), Some(128)),
        "each version at the memory cutover.toml gives it"
    );
    assert_eq!(function["memory"]["recommended_mb"], 128, "17 MB peak × 1.5 → the 128 MB floor");
}

#[test]
fn prices_refresh_reads_an_offer_file_into_a_table_the_report_uses() {
    let folder = tempfile::tempdir().expect("temp dir");
    let table = folder.path().join("prices.toml");
    let output = cutover_outside_repo()
        .args(["report", "prices", "refresh", "--offer"])
        .arg(fixture("offer-lambda.json"))
        .arg("--output")
        .arg(&table)
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(&table).expect("written");
    assert!(text.contains("prices_as_of = \"2026-10-01\""), "{text}");
    let report = json_stdout(
        &cutover_outside_repo()
            .args(["report", "--format", "json", "--usage"])
            .arg(fixture("usage.json"))
            .arg("--prices")
            .arg(&table)
            .output()
            .expect("runs"),
    );
    // The offer's $0.21 per 1M requests replaced the embedded $0.20.
    let requests = report["functions"][0]["before"]["per_million"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|line| line["line"] == "requests")
        .cloned()
        .expect("requests line");
    assert!((requests["usd"].as_f64().expect("usd") - 0.21).abs() < 1e-9, "{requests}");
    assert_eq!(report["provenance"]["prices_as_of"], "2026-10-01");

    let broken = folder.path().join("broken.json");
    std::fs::write(&broken, "{\n  \"offerCode\": \"AWSLambda\",\n  \"products\": [\n").expect("write");
    let output =
        cutover_outside_repo().args(["report", "prices", "refresh", "--offer"]).arg(&broken).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("broken.json: line"), "{}", stderr(&output));
}
