//! The top level: the command families, the version, the documented exit codes.

use crate::support;

#[test]
fn help_lists_every_command_family_and_the_exit_codes() {
    let output = support::cutover().arg("--help").output().expect("runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for family in ["parity", "canary", "report", "local", "bench", "package"] {
        assert!(help.lines().any(|line| line.trim_start().starts_with(family)), "{family} missing from:\n{help}");
    }
    assert!(help.contains("Exit codes: 0 ok, 1 the checked thing failed, 2 usage or input error, 3 unexpected error"));
}

#[test]
fn each_family_lists_the_formats_it_renders() {
    for (family, formats) in [
        ("parity", "[possible values: table, json, markdown, junit]"),
        ("report", "[possible values: table, json, csv, markdown, html]"),
        ("canary", "[possible values: table, json]"),
        ("local", "[possible values: table, json]"),
        ("bench", "[possible values: table, json]"),
        ("package", "[possible values: table, json]"),
    ] {
        let output = support::cutover().args([family, "-h"]).output().expect("runs");
        assert!(output.status.success(), "{family} --help");
        let help = String::from_utf8_lossy(&output.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(help.contains(formats), "{family}: {help}");
    }
}

#[test]
fn version_is_the_crate_version() {
    let output = support::cutover().arg("--version").output().expect("runs");
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), format!("cutover {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn usage_errors_and_families_not_built_yet_exit_with_two() {
    let unknown = support::cutover().arg("frobnicate").output().expect("runs");
    assert_eq!(unknown.status.code(), Some(2));

    let canary = support::cutover().arg("canary").output().expect("runs");
    assert_eq!(canary.status.code(), Some(2), "a family without its subcommand is a usage error");
    assert!(String::from_utf8_lossy(&canary.stderr).contains("rehearse"), "the usage lists the subcommands");
    assert!(canary.stdout.is_empty(), "nothing on stdout for an error");
}
