//! What a user reads, pinned: every command's `--help`, and the human output of the
//! commands that need no AWS (a parity run of `recorded` against itself, a cost report
//! from a usage file, a package plan). A change to any of them shows as a snapshot diff
//! (`cargo insta review`, or `INSTA_UPDATE=always` to rewrite); CI fails on one. Values
//! that change from run to run or machine to machine (paths, durations, versions) are
//! redacted by the filters below.

use std::process::Command;

use crate::support;

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    let root = support::repo_root().canonicalize().expect("the repository").display().to_string();
    // Cargo's target directory (it need not be under the repository: CARGO_TARGET_DIR).
    let binary = std::path::PathBuf::from(env!("CARGO_BIN_EXE_cutover"));
    let target = binary.parent().and_then(std::path::Path::parent).expect("<target>/<profile>/cutover");
    settings.add_filter(&regex_escape(&target.display().to_string()), "[TARGET]");
    settings.add_filter(&regex_escape(&root), "[REPO]");
    settings.add_filter(&regex_escape(&std::env::temp_dir().display().to_string()), "[TMP]");
    settings.add_filter(r"\d+(\.\d+)? ?(ms|s)\b", "[DURATION]");
    settings.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", "[TIME]");
    settings.add_filter(env!("CARGO_PKG_VERSION"), "[VERSION]");
    settings
}

fn regex_escape(text: &str) -> String {
    text.chars().fold(String::new(), |mut escaped, c| {
        if "\\.+*?()|[]{}^$".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
        escaped
    })
}

/// The binary at a fixed width, so help wraps the same on every terminal and in CI.
fn cutover() -> Command {
    let mut command = support::cutover();
    command.env("COLUMNS", "100").env("NO_COLOR", "1").env_remove("AWS_PROFILE").current_dir(support::repo_root());
    command
}

fn stdout(args: &[&str]) -> String {
    let output = cutover().args(args).output().expect("runs");
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// The subcommands a help text lists under `Commands:`, `help` left out.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        // A wrapped description continues on a deeper indent; a command starts at two.
        .filter(|line| !line.starts_with("   "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn every_commands_help_is_pinned() {
    let top = stdout(&["--help"]);
    let families = subcommands(&top);
    assert!(families.len() >= 6, "families: {families:?}");
    settings().bind(|| {
        insta::assert_snapshot!("help", top);
        for family in &families {
            let mut text = stdout(&[family, "--help"]);
            for command in subcommands(&text.clone()) {
                text.push_str(&format!("\n===== cutover {family} {command} --help =====\n"));
                text.push_str(&stdout(&[family, &command, "--help"]));
            }
            insta::assert_snapshot!(format!("help-{family}"), text);
        }
    });
}

#[test]
fn a_parity_run_reads_as_pinned() {
    let output = cutover()
        .args(["parity", "run", "--baseline", "recorded", "--candidate", "recorded", "--corpus", "events/"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let table = String::from_utf8(output.stdout).expect("UTF-8");
    settings().bind(|| insta::assert_snapshot!("parity-run-table", table));
}

#[test]
fn a_cost_report_from_a_usage_file_reads_as_pinned() {
    // The usage file docs/reports.md shows, priced with the embedded table.
    let output = cutover().args(["report", "--usage", "docs/examples/what-if-usage.json"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let table = String::from_utf8(output.stdout).expect("UTF-8");
    settings().bind(|| insta::assert_snapshot!("report-table", table));
}

#[test]
fn a_package_plan_reads_as_pinned() {
    let table = stdout(&["package", "--dry-run", "create-cluster", "--out-dir", "target/lambda"]);
    let mut settings = settings();
    // The cargo program and the C compiler are whatever this machine has.
    settings.add_filter(r"(?m)^build +.*$", "build    [CARGO COMMAND]");
    settings.bind(|| insta::assert_snapshot!("package-plan", table));
}
