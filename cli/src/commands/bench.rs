//! `cutover bench rewrite`: wiring for the `bench` crate. Arguments are resolved into a
//! [`RewritePlan`] (config, `[bench]` targets, parity rules, corpus, all checked) before
//! anything runs; then, as its own printed step, the native release binaries of the
//! replayed functions are built (`--bootstrap-dir` names binaries built elsewhere
//! instead); then the engine runs and its result is rendered, and with `--usage-out`
//! written as the usage file `cutover report --usage` prices.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{Context, anyhow, bail};
use bench::{BenchTargets, RewriteOptions, RewritePlan};
use parity::ParityRules;

use crate::args::{BenchArgs, BenchCommand, BenchRewriteArgs, OutputFormat};
use crate::commands::package::{Workspace, cargo};
use crate::exit::Failure;
use crate::output;

pub fn run(args: BenchArgs, format: OutputFormat) -> Result<(), Failure> {
    match args.command {
        BenchCommand::Rewrite(rewrite_args) => rewrite(rewrite_args, format),
    }
}

fn rewrite(args: BenchRewriteArgs, format: OutputFormat) -> Result<(), Failure> {
    let workspace =
        if args.bootstrap_dir.is_none() || args.zip_dir.is_none() { Some(Workspace::discover()) } else { None };
    let workspace = workspace.transpose().map_err(Failure::Input)?;
    let mut plan = resolve(&args, workspace.as_ref()).map_err(Failure::Input)?;
    let bootstrap_dir = match (&args.bootstrap_dir, &workspace) {
        (Some(folder), _) => folder.clone(),
        (None, Some(workspace)) => build_release_binaries(workspace, &plan).map_err(Failure::Unexpected)?,
        (None, None) => unreachable!("the workspace is discovered when no --bootstrap-dir is given"),
    };
    plan.run_rust_from(&bootstrap_dir).map_err(|error| Failure::Input(error.into()))?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| Failure::Unexpected(anyhow!(error).context("could not start the async runtime")))?;
    let result = runtime
        .block_on(bench::run_rewrite(&plan, |progress| eprintln!("cutover bench: {progress}")))
        .map_err(|error| Failure::Unexpected(error.into()))?;
    if let Some(path) = &args.usage_out {
        let usage = plan
            .usage(&result, &format!("{}", args.events.display()), time::OffsetDateTime::now_utc())
            .map_err(|error| Failure::Unexpected(error.into()))?;
        bench::write_usage_file(path, &usage).map_err(|error| Failure::Unexpected(error.into()))?;
        eprintln!("cutover bench: usage written to {} (`cutover report --usage` reads it)", path.display());
    }
    match format {
        OutputFormat::Json => output::stdout_line(
            &serde_json::to_string_pretty(&result).map_err(|error| Failure::Unexpected(anyhow!(error)))?,
        ),
        OutputFormat::Table => output::stdout(&bench::render_table(&result)),
    }
}

fn resolve(args: &BenchRewriteArgs, workspace: Option<&Workspace>) -> anyhow::Result<RewritePlan> {
    let config_path = &args.config.config;
    let config = emulator::Config::load(config_path)?;
    let functions: Vec<&str> = config.functions.iter().map(|function| function.name.as_str()).collect();
    let targets = BenchTargets::load(config_path, &functions)?;
    let rules = match super::parity::rules_file(args.rules.as_deref()) {
        Some(path) => ParityRules::load(&path)?,
        None => ParityRules::default(),
    };
    if let Some(path) = &args.usage_out {
        output::check_writable_destination(path, "--usage-out")?;
    }
    let zip_dir = match (&args.zip_dir, workspace) {
        (Some(folder), _) => folder.clone(),
        (None, Some(workspace)) => workspace.target_dir.join("lambda"),
        (None, None) => unreachable!("the workspace is discovered when no --zip-dir is given"),
    };
    let options = RewriteOptions {
        events: args.events.clone(),
        iterations: args.iterations,
        python_version: args.python_version.clone(),
        rust_version: args.rust_version.clone(),
        functions: args.functions.clone(),
        zip_dir,
        physics: None,
    };
    Ok(RewritePlan::new(config, targets, rules, options)?)
}

/// Native release builds for timing (the musl zips are only for sizes): the profile a
/// deployed binary is built with, minus the size tuning. Printed before it runs.
fn build_release_binaries(workspace: &Workspace, plan: &RewritePlan) -> anyhow::Result<PathBuf> {
    let mut arguments = vec!["build".to_string(), "--release".to_string()];
    for function in plan.replayed_functions() {
        arguments.extend(["-p".to_string(), function.to_string()]);
    }
    eprintln!("cutover bench: building the Rust side: cargo {}", arguments.join(" "));
    let status = Command::new(cargo())
        .current_dir(&workspace.root)
        .args(&arguments)
        .stdin(Stdio::null())
        .status()
        .context("could not run cargo")?;
    if !status.success() {
        bail!("cargo build --release failed ({status})");
    }
    Ok(workspace.target_dir.join("release"))
}
