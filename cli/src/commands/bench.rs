//! `cutover bench rewrite` and `cutover bench sweep`: wiring for the `bench` crate. Arguments are resolved into a
//! [`RewritePlan`] (config, `[bench]` targets, parity rules, corpus, all checked) before
//! anything runs; then, as its own printed step, the native release binaries of the
//! replayed functions are built (`--bootstrap-dir` names binaries built elsewhere
//! instead); then the engine runs and its result is rendered, and with `--usage-out`
//! written as the usage file `cutover report --usage` prices.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, anyhow, bail};
use bench::{BenchTargets, RewriteOptions, RewritePlan, Slo, SweepOptions, SweepPlan};
use parity::ParityRules;

use crate::args::{BenchArgs, BenchCommand, BenchRewriteArgs, BenchSweepArgs, OutputFormat};
use crate::commands::package::{Workspace, cargo};
use crate::exit::Failure;
use crate::output;

pub fn run(args: BenchArgs, format: OutputFormat) -> Result<(), Failure> {
    match args.command {
        BenchCommand::Rewrite(rewrite_args) => rewrite(rewrite_args, format),
        BenchCommand::Sweep(sweep_args) => sweep(sweep_args, format),
    }
}

/// `cutover bench sweep`: resolved into a [`SweepPlan`] (every flag checked) before
/// anything builds or runs. No recommendation (no size meets the objective, or the
/// physics could not be enforced) is exit 1, after the result is printed.
fn sweep(args: BenchSweepArgs, format: OutputFormat) -> Result<(), Failure> {
    let mut plan = resolve_sweep(&args).map_err(Failure::Input)?;
    let bootstraps: Vec<String> = plan.bootstrap_functions().into_iter().map(str::to_string).collect();
    if !bootstraps.is_empty() {
        let folder = match &args.bootstrap_dir {
            Some(folder) => folder.clone(),
            None => {
                let workspace = Workspace::discover().map_err(Failure::Input)?;
                build_release_binaries(&workspace, bootstraps.iter().map(String::as_str))
                    .map_err(Failure::Unexpected)?
            }
        };
        plan.run_bootstraps_from(&folder).map_err(|error| Failure::Input(error.into()))?;
    }
    let result = super::async_runtime()?
        .block_on(bench::run_sweep(&plan, |progress| eprintln!("cutover bench: {progress}")))
        .map_err(|error| Failure::Unexpected(error.into()))?;
    match format {
        OutputFormat::Json => output::stdout_line(
            &serde_json::to_string_pretty(&result).map_err(|error| Failure::Unexpected(anyhow!(error)))?,
        )?,
        OutputFormat::Table => output::stdout(&bench::render_sweep_table(&result))?,
    }
    if let Some(path) = &args.usage_out {
        if result.recommendation.memory_mb.is_some() {
            let usage = plan
                .usage(&result, &format!("{}", args.events.display()), time::OffsetDateTime::now_utc())
                .map_err(|error| Failure::Unexpected(error.into()))?;
            bench::write_usage_file(path, &usage).map_err(|error| Failure::Unexpected(error.into()))?;
            eprintln!("cutover bench: usage written to {} (`cutover report --usage` reads it)", path.display());
        } else {
            eprintln!("cutover bench: no usage written to {}: no size is recommended", path.display());
        }
    }
    if result.recommendation.memory_mb.is_none() {
        return Err(Failure::Checked);
    }
    Ok(())
}

fn resolve_sweep(args: &BenchSweepArgs) -> anyhow::Result<SweepPlan> {
    let config = emulator::Config::load(&args.config.config)?;
    let rules = match super::parity::rules_file(args.rules.as_deref()) {
        Some(path) => ParityRules::load(&path)?,
        None => ParityRules::default(),
    };
    if let Some(path) = &args.usage_out {
        output::check_writable_destination(path, "--usage-out")?;
    }
    if let Some(path) = &args.latency_profile {
        emulator::LatencyProfile::load(path).context("--latency-profile")?;
    }
    let slo = match (args.slo_p99_ms, args.slo_p50_ms) {
        (Some(ms), _) => Some((ms, "--slo-p99-ms", Slo::WarmP99Ms(ms))),
        (None, Some(ms)) => Some((ms, "--slo-p50-ms", Slo::WarmP50Ms(ms))),
        (None, None) => None,
    };
    if let Some((ms, flag, _)) = slo
        && !(ms.is_finite() && ms > 0.0)
    {
        bail!("{flag} {ms}: an objective is a number of milliseconds above 0");
    }
    let options = SweepOptions {
        function: args.function.clone(),
        version: args.version.clone(),
        events: args.events.clone(),
        iterations: args.iterations,
        memory_sizes: args.memory.clone(),
        latency_profile: args.latency_profile.clone(),
        slo: slo.map(|(_, _, slo)| slo),
        priced_on: time::OffsetDateTime::now_utc().date(),
    };
    let plan = SweepPlan::new(config, rules, options)?;
    if args.usage_out.is_some() && !plan.memory_sizes().contains(&plan.configured_memory_mb()) {
        bail!(
            "--usage-out: the usage's before side is version {} at its configured {} MB, which --memory does not list; add it",
            args.version,
            plan.configured_memory_mb()
        );
    }
    Ok(plan)
}

fn rewrite(args: BenchRewriteArgs, format: OutputFormat) -> Result<(), Failure> {
    let workspace =
        if args.bootstrap_dir.is_none() || args.zip_dir.is_none() { Some(Workspace::discover()) } else { None };
    let workspace = workspace.transpose().map_err(Failure::Input)?;
    let mut plan = resolve(&args, workspace.as_ref()).map_err(Failure::Input)?;
    let bootstrap_dir = match (&args.bootstrap_dir, &workspace) {
        (Some(folder), _) => folder.clone(),
        (None, Some(workspace)) => {
            build_release_binaries(workspace, plan.replayed_functions()).map_err(Failure::Unexpected)?
        }
        (None, None) => unreachable!("the workspace is discovered when no --bootstrap-dir is given"),
    };
    plan.run_rust_from(&bootstrap_dir).map_err(|error| Failure::Input(error.into()))?;

    let result = super::async_runtime()?
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
        physics: physics(args.physics, args.latency_profile.as_deref())?,
    };
    Ok(RewritePlan::new(config, targets, rules, options)?)
}

/// The physics the flags ask for over the config's: `--physics` turns the CPU share and the
/// memory limit on, `--latency-profile` the latency model; neither keeps the config's.
fn physics(cpu_and_memory: bool, latency_profile: Option<&Path>) -> anyhow::Result<Option<emulator::Physics>> {
    if let Some(path) = latency_profile {
        emulator::LatencyProfile::load(path).context("--latency-profile")?;
    }
    if cpu_and_memory && let Err(reason) = emulator::physics_support() {
        eprintln!(
            "cutover bench: warning: --physics cannot be enforced here ({reason}); the run goes on UNTHROTTLED and says so on every row"
        );
    }
    Ok((cpu_and_memory || latency_profile.is_some()).then(|| emulator::Physics {
        cpu_share: cpu_and_memory,
        memory_limit: cpu_and_memory,
        latency_profile: latency_profile.map(Path::to_path_buf),
    }))
}

/// Native release builds for timing (the musl zips are only for sizes): the profile a
/// deployed binary is built with, minus the size tuning. Printed before it runs.
fn build_release_binaries<'a>(
    workspace: &Workspace,
    functions: impl Iterator<Item = &'a str>,
) -> anyhow::Result<PathBuf> {
    let mut arguments = vec!["build".to_string(), "--release".to_string()];
    for function in functions {
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
