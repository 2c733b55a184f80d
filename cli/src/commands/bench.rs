//! `cutover bench rewrite`: the Python original against the Rust rewrite, per function, on
//! the recorded events, through the local Lambda of the `emulator` crate.
//!
//! Each iteration replays the events in recorded order on a fresh local stack (its own
//! moto server and sandboxes, started by the config), once per side, the sides taking
//! turns so that machine load falls on both alike. Ids the functions generate (cluster
//! ids, execution ids, paging tokens) are learned from each answer and substituted into
//! later events, so a `GET /clusters/{id}` finds the cluster its side created. The first
//! invocation of a function in an iteration is its cold start (Init Duration + Duration of
//! the REPORT line); the others are warm. Peak RSS is the REPORT's Max Memory Used (VmHWM).
//! Package sizes: the Rust zip of `cutover package`, and the Python function as a team
//! deploys it (see [`PYTHON_PACKAGE_SCRIPT`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, anyhow, bail};
use bytes::Bytes;
use emulator::{Config, Emulator, EmulatorOptions, InvocationOutcome, LogSink, RuntimeConfig};
use serde::Serialize;
use serde_json::Value;

use crate::args::{BenchArgs, BenchCommand, BenchRewriteArgs, OutputFormat};
use crate::commands::package::{Workspace, cargo, mebibytes};
use crate::exit::Failure;
use crate::output;

/// The issue's targets, as Rust/Python ratios.
const PACKAGE_RATIO_TARGET: f64 = 0.1;
const COLD_START_RATIO_TARGET: f64 = 0.1;
const PEAK_RSS_RATIO_TARGET: f64 = 0.25;
const WARM_P50_RATIO_TARGET: f64 = 0.2;
/// The function the warm-duration target is about: the orchestration one.
const WARM_TARGET_FUNCTION: &str = "create-cluster";
/// Functions whose records create the state other functions read; replayed whenever a
/// function other than a stateless one is measured.
const STATE_PROVIDERS: &[&str] = &["create-cluster"];
const STATELESS: &[&str] = &["validate-cluster-spec"];
/// Response fields whose values each run generates anew.
const GENERATED_ID_KEYS: &[&str] =
    &["cluster_id", "pipeline_name", "pipeline_execution_id", "execution_id", "event_id", "next_token"];

pub fn run(args: BenchArgs, format: OutputFormat) -> Result<(), Failure> {
    match args.command {
        BenchCommand::Rewrite(rewrite_args) => rewrite(rewrite_args, format),
    }
}

fn rewrite(args: BenchRewriteArgs, format: OutputFormat) -> Result<(), Failure> {
    let plan = resolve(&args).map_err(Failure::Input)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| Failure::Unexpected(anyhow!(error).context("could not start the async runtime")))?;
    let runs = runtime.block_on(measure(&plan)).map_err(Failure::Unexpected)?;
    let python_sizes = python_package_sizes(&plan).map_err(Failure::Unexpected)?;
    let result = summarise(&plan, &runs, &python_sizes);
    match format {
        OutputFormat::Json => output::stdout_line(
            &serde_json::to_string_pretty(&result).map_err(|error| Failure::Unexpected(anyhow!(error)))?,
        )?,
        OutputFormat::Table => output::stdout(&render_table(&result))?,
    }
    Ok(())
}

// ---- the plan: what runs, from where -----------------------------------------------------

struct Plan {
    config: Config,
    python_version: String,
    rust_version: String,
    iterations: u32,
    events_path: PathBuf,
    /// The measured functions, in the config's order.
    measured: Vec<String>,
    /// The records replayed: those of the measured functions and of the state providers.
    records: Vec<Record>,
    zip_dir: PathBuf,
}

/// The fields of a `cutover.record/v1` record the bench uses.
struct Record {
    function: String,
    event: String,
    response: Option<Value>,
    raised: bool,
}

fn resolve(args: &BenchRewriteArgs) -> anyhow::Result<Plan> {
    if args.iterations == 0 {
        bail!("--iterations must be at least 1");
    }
    let mut config = Config::load(&args.config.config)?;
    let corpus = read_corpus(&args.events)?;
    let recorded: BTreeSet<&str> = corpus.iter().map(|record| record.function.as_str()).collect();
    let measured: Vec<String> = if args.functions.is_empty() {
        config
            .functions
            .iter()
            .map(|function| function.name.clone())
            .filter(|name| recorded.contains(name.as_str()))
            .collect()
    } else {
        for name in &args.functions {
            if config.function(name).is_none() {
                bail!("--function {name}: not a function of {}", args.config.config.display());
            }
            if !recorded.contains(name.as_str()) {
                bail!("--function {name}: {} has no records of it", args.events.display());
            }
        }
        args.functions.clone()
    };
    if measured.is_empty() {
        bail!("{}: no records of any function of {}", args.events.display(), args.config.config.display());
    }
    let mut replayed: BTreeSet<String> = measured.iter().cloned().collect();
    if measured.iter().any(|name| !STATELESS.contains(&name.as_str())) {
        replayed
            .extend(STATE_PROVIDERS.iter().filter(|name| config.function(name).is_some()).map(|name| name.to_string()));
    }
    for name in &replayed {
        let function = config.function(name).ok_or_else(|| anyhow!("{name}: not in the config"))?;
        match function.version(&args.python_version).map(|version| &version.runtime) {
            Some(RuntimeConfig::Python { .. }) => {}
            _ => bail!(
                "{name}: version {} of the config is not a Python handler (--python-version)",
                args.python_version
            ),
        }
        if function.version(&args.rust_version).is_none() {
            bail!("{name}: the config has no version {} (--rust-version)", args.rust_version);
        }
    }

    let workspace = Workspace::discover()?;
    let bootstrap_dir = match &args.bootstrap_dir {
        Some(folder) => folder.clone(),
        None => build_release_binaries(&workspace, &replayed)?,
    };
    for function in config.functions.iter_mut().filter(|function| replayed.contains(&function.name)) {
        let path = bootstrap_dir.join(&function.name);
        if !path.is_file() {
            bail!("{}: no such bootstrap (build it, or point --bootstrap-dir at the binaries)", path.display());
        }
        // The sandbox runs in the bootstrap's folder, so a relative path would not resolve.
        let path = std::fs::canonicalize(&path).with_context(|| format!("cannot resolve {}", path.display()))?;
        for version in function.versions.iter_mut().filter(|version| version.version == args.rust_version) {
            version.runtime = RuntimeConfig::Bootstrap { path: path.clone() };
        }
    }
    config.functions.retain(|function| replayed.contains(&function.name));
    // Nothing is served over HTTP; the emulator is only called in process.
    config.routes.clear();
    config.local.api_gateway = None;

    let records = corpus.into_iter().filter(|record| replayed.contains(&record.function)).collect();
    Ok(Plan {
        config,
        python_version: args.python_version.clone(),
        rust_version: args.rust_version.clone(),
        iterations: args.iterations,
        events_path: args.events.clone(),
        measured,
        records,
        zip_dir: args.zip_dir.clone().unwrap_or_else(|| workspace.target_dir.join("lambda")),
    })
}

fn read_corpus(path: &Path) -> anyhow::Result<Vec<Record>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut records = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{}:{}", path.display(), index + 1);
        let record: Value = serde_json::from_str(line).with_context(|| format!("{}: not JSON", at()))?;
        if record["schema"] != "cutover.record/v1" {
            bail!("{}: field schema must be \"cutover.record/v1\"", at());
        }
        let function =
            record["function"].as_str().ok_or_else(|| anyhow!("{}: field function must be a string", at()))?;
        if !record["event"].is_object() {
            bail!("{}: field event must be an object", at());
        }
        records.push(Record {
            function: function.to_string(),
            event: record["event"].to_string(),
            response: Some(record["response"].clone()).filter(|response| !response.is_null()),
            raised: !record["error"].is_null(),
        });
    }
    Ok(records)
}

/// Native release builds for timing (the musl zips are only for sizes): the profile a
/// deployed binary is built with, minus the size tuning.
fn build_release_binaries(workspace: &Workspace, functions: &BTreeSet<String>) -> anyhow::Result<PathBuf> {
    let mut command = Command::new(cargo());
    command.current_dir(&workspace.root).args(["build", "--release"]);
    for function in functions {
        command.args(["-p", function]);
    }
    eprintln!("cutover bench: cargo build --release -p {}", functions.iter().cloned().collect::<Vec<_>>().join(" -p "));
    let status = command.stdin(Stdio::null()).status().context("could not run cargo")?;
    if !status.success() {
        bail!("cargo build --release failed ({status})");
    }
    Ok(workspace.target_dir.join("release"))
}

// ---- measuring ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Python,
    Rust,
}

/// One invocation as measured.
#[derive(Debug, Clone)]
struct Sample {
    function: String,
    init_ms: Option<f64>,
    duration_ms: f64,
    max_memory_used_mb: u64,
    answered_like_recording: bool,
    /// The HTTP status, `returned` for an answer without one, or `raised`.
    outcome: String,
}

async fn measure(plan: &Plan) -> anyhow::Result<BTreeMap<Side, Vec<Sample>>> {
    let mut runs: BTreeMap<Side, Vec<Sample>> = BTreeMap::new();
    for iteration in 1..=plan.iterations {
        for (side, version) in [(Side::Python, &plan.python_version), (Side::Rust, &plan.rust_version)] {
            eprintln!(
                "cutover bench: iteration {iteration}/{}: {side:?} (version {version}), {} events",
                plan.iterations,
                plan.records.len()
            );
            let samples = replay_once(plan, version).await?;
            runs.entry(side).or_default().extend(samples);
        }
    }
    Ok(runs)
}

/// The records in order, on a fresh stack, against one version of every function.
async fn replay_once(plan: &Plan, version: &str) -> anyhow::Result<Vec<Sample>> {
    let options = EmulatorOptions {
        logs: LogSink::Discard,
        routing_seed: None,
        serve_http: false,
        start_backend: true,
        ..EmulatorOptions::default()
    };
    let emulator = Emulator::start(plan.config.clone(), options).await.context("could not start the local Lambda")?;
    let mut ids = GeneratedIds::default();
    let mut samples = Vec::with_capacity(plan.records.len());
    for record in &plan.records {
        let event = ids.to_live(&record.event);
        let outcome = match emulator.invoke(&record.function, Some(version), Bytes::from(event)).await {
            Ok(outcome) => outcome,
            Err(error) => {
                emulator.shutdown().await;
                return Err(anyhow!(error).context(format!("invoking {}:{version}", record.function)));
            }
        };
        if let emulator::OutcomeStatus::InitError { error_type } = &outcome.status {
            emulator.shutdown().await;
            bail!(
                "{}:{version} did not start ({error_type}): {}",
                record.function,
                String::from_utf8_lossy(&outcome.payload)
            );
        }
        let live = serde_json::from_slice::<Value>(&outcome.payload).unwrap_or(Value::Null);
        if let Some(recorded) = &record.response {
            ids.learn(recorded, &live);
        }
        samples.push(Sample {
            function: record.function.clone(),
            init_ms: outcome.report.init_duration.map(|init| init.as_secs_f64() * 1000.0),
            duration_ms: outcome.report.duration.as_secs_f64() * 1000.0,
            max_memory_used_mb: outcome.report.max_memory_used_mb,
            answered_like_recording: answers_alike(record, &outcome, &live),
            outcome: outcome_label(&outcome, &live),
        });
    }
    emulator.shutdown().await;
    Ok(samples)
}

/// The same kind of answer as recorded: raised or not, the same HTTP status, the same
/// `result` of an EventBridge handler. A sanity check that the replay exercised the paths
/// the recording did, not a parity check (that is `cutover parity`).
fn answers_alike(record: &Record, outcome: &InvocationOutcome, live: &Value) -> bool {
    if record.raised != outcome.status.is_error() {
        return false;
    }
    match &record.response {
        Some(recorded) => ["statusCode", "result"].iter().all(|key| recorded.get(key) == live.get(key)),
        None => true,
    }
}

fn outcome_label(outcome: &InvocationOutcome, live: &Value) -> String {
    if outcome.status.is_error() {
        return "raised".to_string();
    }
    live.get("statusCode").map(Value::to_string).unwrap_or_else(|| "returned".to_string())
}

/// Recorded value → the value this run generated, for every generated id seen so far.
#[derive(Debug, Default)]
struct GeneratedIds {
    recorded_to_live: BTreeMap<String, String>,
}

impl GeneratedIds {
    fn learn(&mut self, recorded: &Value, live: &Value) {
        let body =
            |value: &Value| value.get("body").and_then(Value::as_str).and_then(|body| serde_json::from_str(body).ok());
        if let (Some(recorded_body), Some(live_body)) = (body(recorded), body(live)) {
            self.walk(&recorded_body, &live_body, None);
        }
        self.walk(recorded, live, None);
    }

    fn walk(&mut self, recorded: &Value, live: &Value, key: Option<&str>) {
        match (recorded, live) {
            (Value::Object(recorded), Value::Object(live)) => {
                for (name, value) in recorded {
                    if let Some(live_value) = live.get(name) {
                        self.walk(value, live_value, Some(name));
                    }
                }
            }
            (Value::Array(recorded), Value::Array(live)) => {
                for (value, live_value) in recorded.iter().zip(live) {
                    self.walk(value, live_value, key);
                }
            }
            (Value::String(recorded), Value::String(live))
                if key.is_some_and(|key| GENERATED_ID_KEYS.contains(&key))
                    && !recorded.is_empty()
                    && recorded != live =>
            {
                self.recorded_to_live.insert(recorded.clone(), live.clone());
            }
            _ => {}
        }
    }

    /// Longest first, so an id is never replaced inside a longer one that has its own mapping.
    fn to_live(&self, event: &str) -> String {
        let mut pairs: Vec<(&String, &String)> = self.recorded_to_live.iter().collect();
        pairs.sort_by_key(|(recorded, _)| std::cmp::Reverse(recorded.len()));
        let mut text = event.to_string();
        for (recorded, live) in pairs {
            if text.contains(recorded.as_str()) {
                text = text.replace(recorded.as_str(), live);
            }
        }
        text
    }
}

// ---- package sizes -----------------------------------------------------------------------

/// Builds each Python function's deployment zip as a team ships it and prints the sizes as
/// JSON. The convention: the dependency closure of `requirements.txt` as installed in the
/// venv (each distribution's files from its RECORD, the same set `pip install --target`
/// writes, minus `__pycache__` and console scripts), boto3 included because the team pins
/// it (a pinned boto3 must ship: the runtime's own copy is whatever version AWS installed),
/// plus the function's package and the shared packages of its code folder, deflate level 9.
/// awslambdaric is not counted: the managed runtime provides it.
const PYTHON_PACKAGE_SCRIPT: &str = r##"
import json, os, re, shutil, sys, zipfile
from importlib import metadata
from packaging.requirements import Requirement

spec = json.loads(sys.argv[1])
requirements = []
for line in open(spec["requirements"], encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if line and not line.startswith("-"):
        requirements.append(Requirement(line))
dists, todo = {}, list(requirements)
while todo:
    requirement = todo.pop()
    if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
        continue
    key = re.sub(r"[-_.]+", "-", requirement.name).lower()
    if key in dists:
        continue
    dist = metadata.distribution(requirement.name)
    dists[key] = dist
    todo.extend(Requirement(text) for text in (dist.requires or []))

os.makedirs(spec["out_dir"], exist_ok=True)
dependencies = os.path.join(spec["out_dir"], "dependencies.zip")
unzipped = 0
with zipfile.ZipFile(dependencies, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
    for key in sorted(dists):
        for file in dists[key].files or []:
            name = str(file)
            if name.startswith("..") or "__pycache__" in name or name.endswith(".pyc"):
                continue
            path = str(dists[key].locate_file(file))
            if os.path.isfile(path):
                archive.write(path, name)
                unzipped += os.path.getsize(path)
result = {
    "distributions": sorted(f"{d.metadata['Name']}=={d.version}" for d in dists.values()),
    "dependencies_zip_bytes": os.path.getsize(dependencies),
    "dependencies_unzipped_bytes": unzipped,
    "functions": {},
}
for function, packages in spec["functions"].items():
    out = os.path.join(spec["out_dir"], function + ".zip")
    shutil.copyfile(dependencies, out)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for package in packages:
            for folder, subfolders, files in os.walk(os.path.join(spec["code"], package)):
                subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
                for file in sorted(files):
                    if not file.endswith(".pyc"):
                        path = os.path.join(folder, file)
                        archive.write(path, os.path.relpath(path, spec["code"]))
    result["functions"][function] = os.path.getsize(out)
print(json.dumps(result))
"##;

#[derive(Debug, Default, serde::Deserialize, Serialize)]
struct PythonSizes {
    distributions: Vec<String>,
    dependencies_zip_bytes: u64,
    dependencies_unzipped_bytes: u64,
    functions: BTreeMap<String, u64>,
}

fn python_package_sizes(plan: &Plan) -> anyhow::Result<PythonSizes> {
    // Every measured function's handler package, plus the code folder's shared packages:
    // the packages that are no function's handler (cluster_platform).
    let mut code: Option<PathBuf> = None;
    let mut handler_packages = BTreeMap::new();
    for function in &plan.config.functions {
        if let Some(RuntimeConfig::Python { handler, code: folder }) =
            function.version(&plan.python_version).map(|version| &version.runtime)
        {
            let package = handler.split('.').next().unwrap_or_default().to_string();
            handler_packages.insert(function.name.clone(), package);
            code.get_or_insert_with(|| folder.clone());
        }
    }
    let code = code.ok_or_else(|| anyhow!("no Python version to size"))?;
    let all_handler_packages: BTreeSet<String> = handler_packages.values().cloned().collect();
    let shared: Vec<String> = std::fs::read_dir(&code)
        .with_context(|| format!("cannot list {}", code.display()))?
        .filter_map(Result::ok)
        .filter(|entry| entry.path().join("__init__.py").is_file())
        .filter_map(|entry| entry.file_name().to_str().map(str::to_string))
        .filter(|name| !all_handler_packages.contains(name) && name != "tests" && name != "tools")
        .collect();
    let functions: BTreeMap<&String, Vec<String>> = plan
        .measured
        .iter()
        .filter_map(|function| handler_packages.get(function).map(|package| (function, package)))
        .map(|(function, package)| (function, std::iter::once(package.clone()).chain(shared.iter().cloned()).collect()))
        .collect();
    let requirements = code.join("requirements.txt");
    if !requirements.is_file() {
        eprintln!("cutover bench: {} not found; Python package sizes left out", requirements.display());
        return Ok(PythonSizes::default());
    }
    let out_dir = tempfile::tempdir().context("cannot create a temporary folder")?;
    let spec = serde_json::json!({
        "requirements": requirements,
        "code": code,
        "out_dir": out_dir.path(),
        "functions": functions,
    });
    eprintln!("cutover bench: building the Python deployment zips");
    let output = Command::new(&plan.config.local.python)
        .args(["-c", PYTHON_PACKAGE_SCRIPT, &spec.to_string()])
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("could not run {}", plan.config.local.python.display()))?;
    if !output.status.success() {
        bail!("sizing the Python packages failed: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    serde_json::from_slice(&output.stdout).context("the Python sizing script printed something unexpected")
}

// ---- the result --------------------------------------------------------------------------

#[derive(Debug, Serialize)]
struct RewriteBench {
    events: PathBuf,
    iterations: u32,
    /// Records replayed per side and iteration (the measured functions' and the state
    /// providers').
    events_per_iteration: usize,
    python_dependencies: PythonDependencies,
    targets: Targets,
    functions: Vec<FunctionBench>,
}

#[derive(Debug, Serialize)]
struct PythonDependencies {
    distributions: Vec<String>,
    zip_bytes: u64,
    unzipped_bytes: u64,
}

#[derive(Debug, Serialize)]
struct Targets {
    package_ratio: f64,
    cold_start_ratio: f64,
    peak_rss_ratio: f64,
    warm_p50_ratio: f64,
    warm_p50_function: &'static str,
}

#[derive(Debug, Serialize)]
struct FunctionBench {
    function: String,
    python: SideFigures,
    rust: SideFigures,
    ratios: Ratios,
}

#[derive(Debug, Serialize)]
struct SideFigures {
    version: String,
    package_zip_bytes: Option<u64>,
    /// Median over the cold starts of Init Duration + the first Duration.
    cold_start_ms: Option<f64>,
    init_ms: Option<f64>,
    cold_starts: usize,
    warm_p50_ms: Option<f64>,
    warm_p99_ms: Option<f64>,
    warm_invocations: usize,
    peak_rss_mb: Option<u64>,
    invocations: usize,
    answered_like_recording: usize,
    /// Warm durations per outcome (HTTP status, `returned` or `raised`): the mix of a
    /// function's events hides its slow path, e.g. create-cluster's 201s among its 4xx.
    warm_by_outcome: BTreeMap<String, OutcomeFigures>,
}

#[derive(Debug, Serialize)]
struct OutcomeFigures {
    warm_invocations: usize,
    warm_p50_ms: Option<f64>,
    warm_p99_ms: Option<f64>,
}

#[derive(Debug, Serialize)]
struct Ratios {
    package: Option<Ratio>,
    cold_start: Option<Ratio>,
    peak_rss: Option<Ratio>,
    warm_p50: Option<Ratio>,
}

#[derive(Debug, Serialize)]
struct Ratio {
    /// Rust divided by Python.
    value: f64,
    target: Option<f64>,
    met: Option<bool>,
}

fn ratio(rust: Option<f64>, python: Option<f64>, target: Option<f64>) -> Option<Ratio> {
    match (rust, python) {
        (Some(rust), Some(python)) if python > 0.0 => {
            let value = rust / python;
            Some(Ratio { value, target, met: target.map(|target| value <= target) })
        }
        _ => None,
    }
}

fn summarise(plan: &Plan, runs: &BTreeMap<Side, Vec<Sample>>, python_sizes: &PythonSizes) -> RewriteBench {
    let functions = plan
        .measured
        .iter()
        .map(|function| {
            let figures = |side: Side, version: &str, package_zip_bytes: Option<u64>| {
                let samples: Vec<&Sample> = runs
                    .get(&side)
                    .map(|samples| samples.iter().filter(|sample| &sample.function == function).collect())
                    .unwrap_or_default();
                side_figures(version, package_zip_bytes, &samples)
            };
            let rust_zip = std::fs::metadata(plan.zip_dir.join(format!("{function}.zip"))).ok().map(|meta| meta.len());
            let python = figures(Side::Python, &plan.python_version, python_sizes.functions.get(function).copied());
            let rust = figures(Side::Rust, &plan.rust_version, rust_zip);
            let as_f64 = |value: Option<u64>| value.map(|value| value as f64);
            let ratios = Ratios {
                package: ratio(
                    as_f64(rust.package_zip_bytes),
                    as_f64(python.package_zip_bytes),
                    Some(PACKAGE_RATIO_TARGET),
                ),
                cold_start: ratio(rust.cold_start_ms, python.cold_start_ms, Some(COLD_START_RATIO_TARGET)),
                peak_rss: ratio(as_f64(rust.peak_rss_mb), as_f64(python.peak_rss_mb), Some(PEAK_RSS_RATIO_TARGET)),
                warm_p50: ratio(
                    rust.warm_p50_ms,
                    python.warm_p50_ms,
                    (function == WARM_TARGET_FUNCTION).then_some(WARM_P50_RATIO_TARGET),
                ),
            };
            FunctionBench { function: function.clone(), python, rust, ratios }
        })
        .collect();
    RewriteBench {
        events: plan.events_path.clone(),
        iterations: plan.iterations,
        events_per_iteration: plan.records.len(),
        python_dependencies: PythonDependencies {
            distributions: python_sizes.distributions.clone(),
            zip_bytes: python_sizes.dependencies_zip_bytes,
            unzipped_bytes: python_sizes.dependencies_unzipped_bytes,
        },
        targets: Targets {
            package_ratio: PACKAGE_RATIO_TARGET,
            cold_start_ratio: COLD_START_RATIO_TARGET,
            peak_rss_ratio: PEAK_RSS_RATIO_TARGET,
            warm_p50_ratio: WARM_P50_RATIO_TARGET,
            warm_p50_function: WARM_TARGET_FUNCTION,
        },
        functions,
    }
}

fn side_figures(version: &str, package_zip_bytes: Option<u64>, samples: &[&Sample]) -> SideFigures {
    let cold: Vec<f64> =
        samples.iter().filter_map(|sample| sample.init_ms.map(|init| init + sample.duration_ms)).collect();
    let init: Vec<f64> = samples.iter().filter_map(|sample| sample.init_ms).collect();
    let warm: Vec<f64> =
        samples.iter().filter(|sample| sample.init_ms.is_none()).map(|sample| sample.duration_ms).collect();
    SideFigures {
        version: version.to_string(),
        package_zip_bytes,
        cold_start_ms: percentile(&cold, 0.5),
        init_ms: percentile(&init, 0.5),
        cold_starts: cold.len(),
        warm_p50_ms: percentile(&warm, 0.5),
        warm_p99_ms: percentile(&warm, 0.99),
        warm_invocations: warm.len(),
        peak_rss_mb: samples.iter().map(|sample| sample.max_memory_used_mb).max(),
        invocations: samples.len(),
        answered_like_recording: samples.iter().filter(|sample| sample.answered_like_recording).count(),
        warm_by_outcome: warm_by_outcome(samples),
    }
}

fn warm_by_outcome(samples: &[&Sample]) -> BTreeMap<String, OutcomeFigures> {
    let mut durations: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for sample in samples.iter().filter(|sample| sample.init_ms.is_none()) {
        durations.entry(sample.outcome.clone()).or_default().push(sample.duration_ms);
    }
    durations
        .into_iter()
        .map(|(outcome, values)| {
            let figures = OutcomeFigures {
                warm_invocations: values.len(),
                warm_p50_ms: percentile(&values, 0.5),
                warm_p99_ms: percentile(&values, 0.99),
            };
            (outcome, figures)
        })
        .collect()
}

/// Nearest rank: the smallest value with at least `fraction` of the values at or below it.
fn percentile(values: &[f64], fraction: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((fraction * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

fn render_table(result: &RewriteBench) -> String {
    let mut text = format!(
        "{} iteration(s) of {} events from {}; each side on a fresh local stack per iteration\n\
         ratios are Rust / Python; targets: package ≤ {}, cold start ≤ {}, peak RSS ≤ {}, warm p50 of {} ≤ {}\n\n",
        result.iterations,
        result.events_per_iteration,
        result.events.display(),
        result.targets.package_ratio,
        result.targets.cold_start_ratio,
        result.targets.peak_rss_ratio,
        result.targets.warm_p50_function,
        result.targets.warm_p50_ratio,
    );
    text.push_str(&format!(
        "{:<22} {:<7} {:>9} {:>10} {:>9} {:>9} {:>9} {:>8} {:>9}\n",
        "function", "side", "zip MiB", "cold ms", "init ms", "p50 ms", "p99 ms", "RSS MB", "alike"
    ));
    let number = |value: Option<f64>, decimals: usize| match value {
        Some(value) => format!("{value:.decimals$}"),
        None => "-".to_string(),
    };
    let ratio_cell = |ratio: &Option<Ratio>| match ratio {
        None => "-".to_string(),
        Some(ratio) => format!(
            "{:.3}{}",
            ratio.value,
            match ratio.met {
                Some(true) => " ok",
                Some(false) => " NO",
                None => "",
            }
        ),
    };
    for function in &result.functions {
        for (label, side) in [("python", &function.python), ("rust", &function.rust)] {
            text.push_str(&format!(
                "{:<22} {:<7} {:>9} {:>10} {:>9} {:>9} {:>9} {:>8} {:>9}\n",
                if label == "python" { function.function.as_str() } else { "" },
                label,
                number(side.package_zip_bytes.map(mebibytes), 2),
                number(side.cold_start_ms, 1),
                number(side.init_ms, 1),
                number(side.warm_p50_ms, 2),
                number(side.warm_p99_ms, 2),
                side.peak_rss_mb.map(|mb| mb.to_string()).unwrap_or_else(|| "-".to_string()),
                format!("{}/{}", side.answered_like_recording, side.invocations),
            ));
        }
        text.push_str(&format!(
            "{:<22} {:<7} {:>9} {:>10} {:>9} {:>9} {:>9} {:>8}\n",
            "",
            "ratio",
            ratio_cell(&function.ratios.package),
            ratio_cell(&function.ratios.cold_start),
            "",
            ratio_cell(&function.ratios.warm_p50),
            "",
            ratio_cell(&function.ratios.peak_rss),
        ));
        if function.function == result.targets.warm_p50_function {
            for (outcome, python) in &function.python.warm_by_outcome {
                let rust = function.rust.warm_by_outcome.get(outcome);
                let rust_p50 = rust.and_then(|figures| figures.warm_p50_ms);
                text.push_str(&format!(
                    "{:<22} warm p50 of {outcome} answers: python {} ms, rust {} ms, ratio {}\n",
                    "",
                    number(python.warm_p50_ms, 2),
                    number(rust_p50, 2),
                    ratio_cell(&ratio(rust_p50, python.warm_p50_ms, None)),
                ));
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warm_durations_are_split_by_outcome_and_cold_starts_left_out() {
        let sample = |outcome: &str, init_ms: Option<f64>, duration_ms: f64| Sample {
            function: "f".into(),
            init_ms,
            duration_ms,
            max_memory_used_mb: 1,
            answered_like_recording: true,
            outcome: outcome.into(),
        };
        let samples = [
            sample("201", Some(50.0), 9.0),
            sample("201", None, 4.0),
            sample("422", None, 1.0),
            sample("201", None, 6.0),
        ];
        let references: Vec<&Sample> = samples.iter().collect();
        let split = warm_by_outcome(&references);
        assert_eq!(split["201"].warm_invocations, 2);
        assert_eq!(split["201"].warm_p50_ms, Some(4.0));
        assert_eq!(split["201"].warm_p99_ms, Some(6.0));
        assert_eq!(split["422"].warm_invocations, 1);
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 0.5), Some(50.0));
        assert_eq!(percentile(&values, 0.99), Some(99.0));
        assert_eq!(percentile(&[3.0, 1.0, 2.0], 0.5), Some(2.0));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn generated_ids_are_learned_from_bodies_and_put_into_later_events() {
        let mut ids = GeneratedIds::default();
        let recorded = serde_json::json!({"statusCode": 201, "body": r#"{"cluster_id":"a-1111","pipeline_execution_id":"e-1","name":"a"}"#});
        let live = serde_json::json!({"statusCode": 201, "body": r#"{"cluster_id":"a-2222","pipeline_execution_id":"e-2","name":"a"}"#});
        ids.learn(&recorded, &live);
        let event = r#"{"path":"/clusters/a-1111","detail":{"pipeline":"eks-a-1111","execution-id":"e-1"},"name":"a"}"#;
        assert_eq!(
            ids.to_live(event),
            r#"{"path":"/clusters/a-2222","detail":{"pipeline":"eks-a-2222","execution-id":"e-2"},"name":"a"}"#
        );
    }

    #[test]
    fn a_ratio_says_whether_it_meets_its_target() {
        let met = ratio(Some(1.0), Some(20.0), Some(0.1)).expect("a ratio");
        assert_eq!((met.value, met.met), (0.05, Some(true)));
        let missed = ratio(Some(5.0), Some(20.0), Some(0.1)).expect("a ratio");
        assert_eq!(missed.met, Some(false));
        assert!(ratio(None, Some(1.0), None).is_none());
        assert_eq!(ratio(Some(1.0), Some(2.0), None).and_then(|ratio| ratio.met), None);
    }
}
