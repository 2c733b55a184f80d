//! `cutover new` as a team runs it, in a project folder of its own: a `cutover.toml`, a
//! Python handler and a recorded corpus. The crate it writes must build where it stands
//! (`cargo check`, offline) and the config must still pass the emulator's parser; every
//! refusal exits 2 and writes nothing. In a Cargo workspace the crate joins `members`,
//! and `cutover package` finds it by its package name.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::support;

/// The user's file, with a comment and a spacing the command must keep byte for byte.
const CONFIG: &str = r#"# Our functions.
[local]
region = "eu-west-1"

[[function]]
name   = "orders-list"     # aligned by hand
[[function.version]]
version = "1"
python = { handler = "app.list_orders", code = "handlers" }"#;

struct Project {
    folder: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        let folder = tempfile::tempdir().expect("tempdir");
        std::fs::write(folder.path().join("cutover.toml"), CONFIG).expect("write config");
        std::fs::create_dir_all(folder.path().join("handlers/orders")).expect("mkdir");
        std::fs::write(folder.path().join("handlers/app.py"), "def handler(event, context):\n    return {}\n")
            .expect("write handler");
        std::fs::write(folder.path().join("handlers/orders/__init__.py"), "def handler(event, context):\n    pass\n")
            .expect("write package");
        // One record of the platform's corpus (a GET answered 200, its Authorization
        // redacted) and one of another function.
        let corpus = std::fs::read_to_string(support::repo_root().join("events/corpus.jsonl")).expect("the corpus");
        let lines: Vec<&str> = corpus
            .lines()
            .filter(|line| line.contains(r#""id":"r000065""#) || line.contains(r#""id":"r000001""#))
            .collect();
        assert_eq!(lines.len(), 2);
        std::fs::write(folder.path().join("corpus.jsonl"), lines.join("\n") + "\n").expect("write corpus");
        Project { folder }
    }

    fn path(&self) -> &Path {
        self.folder.path()
    }

    fn new_command(&self, args: &[&str]) -> Output {
        support::cutover().arg("new").args(args).current_dir(self.path()).output().expect("runs")
    }

    fn config(&self) -> String {
        std::fs::read_to_string(self.path().join("cutover.toml")).expect("the config")
    }

    /// Every file under the project, for "nothing was written".
    fn files(&self) -> Vec<PathBuf> {
        fn walk(folder: &Path, found: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(folder).expect("list").filter_map(Result::ok) {
                if entry.path().is_dir() {
                    walk(&entry.path(), found);
                } else {
                    found.push(entry.path());
                }
            }
        }
        let mut found = Vec::new();
        walk(self.path(), &mut found);
        found.sort();
        found
    }
}

fn record(id: &str) -> Value {
    let corpus = std::fs::read_to_string(support::repo_root().join("events/corpus.jsonl")).expect("the corpus");
    corpus
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a record"))
        .find(|record| record["id"] == id)
        .expect("the record")
}

#[test]
fn new_writes_a_crate_that_builds_standalone_and_appends_a_block_the_emulator_parses() {
    let project = Project::new();
    let output = project.new_command(&[
        "orders-get",
        "--python-handler",
        "app.handler",
        "--code",
        "handlers",
        "--event",
        "corpus.jsonl:r000065",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("added function orders-get"), "{stdout}");

    // The user's text is kept byte for byte; the block follows it.
    let config = project.config();
    let appended = config.strip_prefix(CONFIG).expect("the old text untouched, at the start");
    assert!(appended.starts_with('\n'), "the old text had no final newline: one is added first");
    let parsed = emulator::Config::parse(&config, Path::new("cutover.toml"), project.path()).expect("parses");
    let function = parsed.function("orders-get").expect("the new function");
    let versions: Vec<&str> = function.versions.iter().map(|version| version.version.as_str()).collect();
    assert_eq!(versions, ["1", "2"]);
    match &function.versions[0].runtime {
        emulator::RuntimeConfig::Python { handler, code } => {
            assert_eq!(handler, "app.handler");
            assert_eq!(
                code.canonicalize().expect("exists"),
                project.path().join("handlers").canonicalize().expect("exists")
            );
        }
        other => panic!("version 1 is the Python original, not {other:?}"),
    }
    match &function.versions[1].runtime {
        emulator::RuntimeConfig::Bootstrap { path } => assert!(path.ends_with("target/lambda/orders-get/bootstrap")),
        other => panic!("version 2 is the Rust bootstrap, not {other:?}"),
    }
    assert_eq!(function.versions[1].memory_mb, 128);
    assert_eq!((function.aliases[0].name.as_str(), function.aliases[0].version.as_str()), ("live", "1"));
    assert!(appended.contains("code = \"handlers\""), "the code folder relative to the config: {appended}");
    assert!(parsed.function("orders-list").is_some(), "the user's function is still there");

    // The crate, with the record as its fixture.
    let crate_dir = project.path().join("functions/orders-get");
    for file in ["Cargo.toml", "src/lib.rs", "src/main.rs", "tests/handler.rs", "tests/fixtures/r000065.json"] {
        assert!(crate_dir.join(file).is_file(), "{file}");
    }
    let fixture: Value =
        serde_json::from_str(&std::fs::read_to_string(crate_dir.join("tests/fixtures/r000065.json")).expect("read"))
            .expect("JSON");
    assert_eq!(fixture, record("r000065"));
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).expect("read");
    assert!(manifest.contains("name = \"orders-get\"") && manifest.contains("[workspace]"), "{manifest}");
    let main = std::fs::read_to_string(crate_dir.join("src/main.rs")).expect("read");
    assert!(main.contains("orders_get::Handler") && main.contains("lambda_runtime::run"), "{main}");
    let leftovers: Vec<PathBuf> = project
        .files()
        .into_iter()
        .filter(|file| std::fs::read_to_string(file).is_ok_and(|text| text.contains("{{")))
        .collect();
    assert!(leftovers.is_empty(), "placeholders left: {leftovers:?}");

    // It builds where it stands: its own workspace, the crates this machine has (the
    // repository's lockfile pins the versions already downloaded).
    std::fs::copy(support::repo_root().join("Cargo.lock"), crate_dir.join("Cargo.lock")).expect("copy lockfile");
    let check = std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["check", "--offline", "--all-targets", "--quiet"])
        .env_remove("CARGO_TARGET_DIR")
        .current_dir(&crate_dir)
        .output()
        .expect("cargo runs");
    assert!(check.status.success(), "cargo check: {}", String::from_utf8_lossy(&check.stderr));
}

#[test]
fn without_an_event_the_test_is_a_placeholder_and_a_missing_config_is_created() {
    let project = Project::new();
    let output = project.new_command(&[
        "orders-new",
        "--python-handler",
        "orders.handler",
        "--code",
        "handlers",
        "--config",
        "fresh/cutover.toml",
        "--crate-dir",
        "rust/orders-new",
        "--format",
        "json",
    ]);
    let summary = support::json_stdout(&output);
    assert_eq!(summary["function"], "orders-new");
    let crate_dir = project.path().join("rust/orders-new");
    let test = std::fs::read_to_string(crate_dir.join("tests/handler.rs")).expect("the placeholder test");
    assert!(test.contains("#[ignore = \"no recorded event yet\"]"), "{test}");
    assert!(!crate_dir.join("tests/fixtures").exists());
    let config_path = project.path().join("fresh/cutover.toml");
    let config = std::fs::read_to_string(&config_path).expect("created");
    let parsed = emulator::Config::parse(&config, &config_path, &project.path().join("fresh")).expect("parses");
    let function = parsed.function("orders-new").expect("declared");
    // The code folder is outside the config's folder: written absolute.
    match &function.versions[0].runtime {
        emulator::RuntimeConfig::Python { code, .. } => assert!(code.is_absolute() && code.is_dir(), "{code:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(project.config(), CONFIG, "the other config is not touched");
}

#[test]
fn a_dry_run_prints_the_files_and_the_block_and_writes_nothing() {
    let project = Project::new();
    let before = project.files();
    let output = project.new_command(&[
        "orders-get",
        "--python-handler",
        "app.handler",
        "--code",
        "handlers",
        "--event",
        "corpus.jsonl:r000065",
        "--dry-run",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    for shown in
        ["src/lib.rs =====", "src/main.rs =====", "tests/fixtures/r000065.json =====", "cutover.toml (appended)"]
    {
        assert!(stdout.contains(shown), "{shown} in {stdout}");
    }
    assert!(stdout.contains("[[function.alias]]\nname = \"live\"\nversion = \"1\""), "{stdout}");
    assert_eq!(project.files(), before);
    assert_eq!(project.config(), CONFIG);
}

#[test]
fn every_refusal_exits_two_names_the_thing_and_writes_nothing() {
    let project = Project::new();
    std::fs::create_dir_all(project.path().join("functions/taken")).expect("mkdir");
    let before = project.files();
    let base = |function: &'static str| vec![function, "--python-handler", "app.handler", "--code", "handlers"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (base("taken"), "exists already"),
        (base("orders-list"), "\"orders-list\" is already in"),
        (base("9lives"), "must start with a letter"),
        (base("orders.get"), "letters, digits"),
        (vec!["orders-get", "--python-handler", "handler", "--code", "handlers"], "not `module.function`"),
        (vec!["orders-get", "--python-handler", "app.handler", "--code", "nowhere"], "--code nowhere: no such folder"),
        (vec!["orders-get", "--python-handler", "missing.handler", "--code", "handlers"], "missing.py is not in it"),
        ([base("orders-get"), vec!["--event", "corpus.jsonl:r999999"]].concat(), "no record with id \"r999999\""),
        ([base("orders-get"), vec!["--event", "corpus.jsonl"]].concat(), "no record of function \"orders-get\""),
    ];
    for (args, message) in cases {
        let output = project.new_command(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {message:?} in {stderr}");
        assert_eq!(project.files(), before, "{args:?} wrote something");
        assert_eq!(project.config(), CONFIG);
    }

    // A record still holding a secret would become a fixture in the repository.
    let mut leaky = record("r000065");
    leaky["event"]["headers"]["Authorization"] = "Bearer abcdefghijklmnopqrstuvwxyz0123456789".into();
    std::fs::write(project.path().join("leaky.jsonl"), format!("{leaky}\n")).expect("write");
    let output = project.new_command(&[&base("orders-get")[..], &["--event", "leaky.jsonl:r000065"]].concat());
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("holds secrets"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!project.path().join("functions/orders-get").exists());
}

/// A team's Cargo workspace: a library member, shared dependencies and settings, no
/// `functions/` folder.
fn team_workspace() -> tempfile::TempDir {
    let folder = tempfile::tempdir().expect("tempdir");
    let root = folder.path();
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"3\"\nmembers = [\n    \"shared\" # our library\n]\n\n[workspace.package]\nedition = \"2024\"\npublish = false\n\n[workspace.dependencies]\nserde_json = \"1\"\n",
    )
    .expect("write");
    std::fs::create_dir_all(root.join("shared/src")).expect("mkdir");
    std::fs::write(
        root.join("shared/Cargo.toml"),
        "[package]\nname = \"shared\"\nversion = \"0.1.0\"\nedition.workspace = true\n",
    )
    .expect("write");
    std::fs::write(root.join("shared/src/lib.rs"), "").expect("write");
    std::fs::create_dir_all(root.join("python")).expect("mkdir");
    std::fs::write(root.join("python/app.py"), "def handler(event, context):\n    return event\n").expect("write");
    folder
}

#[test]
fn in_a_workspace_the_crate_joins_its_members_and_package_finds_it_by_name() {
    let workspace = team_workspace();
    let root = workspace.path();
    let manifest_before = std::fs::read_to_string(root.join("Cargo.toml")).expect("read");
    let output = support::cutover()
        .args([
            "new",
            "echo-api",
            "--python-handler",
            "app.handler",
            "--code",
            "python",
            "--crate-dir",
            "lambdas/echo-api",
        ])
        .current_dir(root)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("[profile.release-lambda]"), "the missing profile is pointed out: {stdout}");

    // One line added to members (and the comma the last item lacked), nothing else moved.
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("read");
    assert_eq!(
        manifest,
        manifest_before
            .replace("    \"shared\" # our library\n", "    \"shared\", # our library\n    \"lambdas/echo-api\",\n")
    );
    let crate_manifest = std::fs::read_to_string(root.join("lambdas/echo-api/Cargo.toml")).expect("read");
    for line in
        ["edition.workspace = true", "publish.workspace = true", "serde_json.workspace = true", "thiserror = \"2\""]
    {
        assert!(crate_manifest.contains(line), "{line} in {crate_manifest}");
    }
    assert!(!crate_manifest.contains("[workspace]"), "{crate_manifest}");

    // `cutover package` resolves the crate through cargo metadata, outside functions/.
    let plan = support::cutover()
        .args(["package", "--dry-run", "--format", "json", "echo-api"])
        .current_dir(root)
        .output()
        .expect("runs");
    let plan = support::json_stdout(&plan);
    assert_eq!(plan["packages"][0]["function"], "echo-api");
    let command: Vec<&str> =
        plan["cargo_command"].as_array().expect("a list").iter().filter_map(Value::as_str).collect();
    assert!(command.ends_with(&["-p", "echo-api"]), "{command:?}");
    assert!(plan["packages"][0]["binary"].as_str().expect("a path").ends_with("release-lambda/echo-api"));
    // `--all` is every binary that depends on lambda_runtime: the new function, not the library.
    let all = support::cutover()
        .args(["package", "--dry-run", "--format", "json", "--all"])
        .current_dir(root)
        .output()
        .expect("runs");
    let all = support::json_stdout(&all);
    let functions: Vec<&str> =
        all["packages"].as_array().expect("a list").iter().filter_map(|package| package["function"].as_str()).collect();
    assert_eq!(functions, ["echo-api"]);
    let library = support::cutover().args(["package", "--dry-run", "shared"]).current_dir(root).output().expect("runs");
    assert_eq!(library.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&library.stderr).contains("shared: not a function crate"));

    // A second crate under a glob the team switched to: members are left alone.
    std::fs::write(root.join("Cargo.toml"), manifest.replace("\"lambdas/echo-api\",", "\"lambdas/*\","))
        .expect("write");
    let globbed = std::fs::read_to_string(root.join("Cargo.toml")).expect("read");
    let output = support::cutover()
        .args([
            "new",
            "echo-two",
            "--python-handler",
            "app.handler",
            "--code",
            "python",
            "--crate-dir",
            "lambdas/echo-two",
        ])
        .current_dir(root)
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(std::fs::read_to_string(root.join("Cargo.toml")).expect("read"), globbed);
}
