//! `cutover deploy`: publishes a Rust zip as the next version of a function that runs
//! Python today, the way docs/deploy.md does it by hand with the aws CLI.
//!
//! Everything that can refuse runs before anything changes: the flags, the zip (under
//! Lambda's 50 MB direct-upload and 250 MB unzipped limits, an executable `bootstrap` at
//! its root, built for the architecture asked), the function (it exists and takes zips)
//! and `$LATEST` (no change that no published version holds, see [`check_latest`]). Then
//! the plan goes to stderr, so an interrupted deploy can be understood, and the steps run:
//! UpdateFunctionCode and a wait, UpdateFunctionConfiguration (`provided.al2023`,
//! `bootstrap`, the memory) and a wait, PublishVersion with the zip's `CodeSha256` (Lambda
//! refuses to publish other code), and a check of what was published.
//!
//! Re-running the same command after an interruption is safe: `$LATEST` holding the zip's
//! `CodeSha256` can only be our own deploy, so it is resumed, not refused; the code is not
//! uploaded again, and PublishVersion returns the existing version when `$LATEST` was
//! already published. No alias is touched: moving traffic is `cutover canary`'s job.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context as _, anyhow};
use aws_sdk_lambda::Client;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{Architecture, FunctionConfiguration, LastUpdateStatus, PackageType, Runtime};
use aws_settings::{AwsSettings, FunctionRef};
use base64::Engine as _;
use serde::Serialize;
use sha2::Digest as _;

use crate::args::{ArchArg, AwsArgs, DeployArgs, OutputFormat};
use crate::exit::Failure;
use crate::output;

/// Lambda's limit on a zip uploaded in the request itself (`ZipFile`), rather than from S3.
const MAX_DIRECT_UPLOAD_BYTES: u64 = 50 * 1024 * 1024;
/// Lambda's limit on a function's code once unzipped.
const MAX_UNZIPPED_BYTES: u64 = 250 * 1024 * 1024;
const MEMORY_MB: std::ops::RangeInclusive<i32> = 128..=10240;
const RUNTIME: &str = "provided.al2023";
const HANDLER: &str = "bootstrap";
/// The aws CLI's `function-updated` waiter polls every 5 s for up to 5 minutes; an update
/// usually settles within seconds, so poll faster and give up as late.
const WAIT: WaitTiming = WaitTiming { poll_interval: Duration::from_secs(1), deadline: Duration::from_secs(300) };

pub fn run(args: DeployArgs, format: OutputFormat) -> Result<(), Failure> {
    let settings = DeploySettings::resolve(&args).map_err(Failure::Input)?;
    let package = ZipPackage::inspect(&settings.zip, settings.arch).map_err(Failure::Input)?;
    let runtime = super::async_runtime()?;
    runtime.block_on(async move {
        let client = Client::new(&settings.aws.sdk_config().await);
        let plan = plan(&client, &settings, &package).await?;
        if settings.dry_run {
            return match format {
                OutputFormat::Json => output::stdout_line(&to_json(&plan)?),
                OutputFormat::Table => output::stdout(&render_plan(&plan)),
            };
        }
        // The record of what is about to happen, written before the first change.
        match format {
            OutputFormat::Json => eprintln!("{}", to_json(&plan)?),
            OutputFormat::Table => eprint!("{}", render_plan(&plan)),
        }
        let published = execute(&client, &plan, &package, &TokioClock::start()).await.map_err(Failure::Unexpected)?;
        match format {
            OutputFormat::Json => output::stdout_line(&to_json(&published)?)?,
            OutputFormat::Table => output::stdout(&render_published(&published))?,
        }
        let mismatches = published.mismatches(&plan);
        if mismatches.is_empty() {
            Ok(())
        } else {
            eprintln!("error: version {} is not what was deployed: {}", published.version, mismatches.join("; "));
            Err(Failure::Checked)
        }
    })
}

// ---- the settings ------------------------------------------------------------------------

struct DeploySettings {
    /// The name or ARN, as Lambda's `FunctionName` takes it.
    function: String,
    zip: PathBuf,
    memory: Option<i32>,
    arch: &'static str,
    dry_run: bool,
    aws: AwsSettings,
}

impl DeploySettings {
    fn resolve(args: &DeployArgs) -> anyhow::Result<DeploySettings> {
        let function = FunctionRef::parse(&args.function)?;
        if let Some(qualifier) = &function.qualifier {
            anyhow::bail!(
                "{}: deploy publishes from $LATEST, so name the function without a qualifier (not `{qualifier}`)",
                args.function
            );
        }
        if let Some(memory) = args.memory
            && !MEMORY_MB.contains(&memory)
        {
            anyhow::bail!("--memory {memory}: Lambda's memory size is 128 to 10240 MB");
        }
        Ok(DeploySettings {
            function: function.arn.unwrap_or(function.name),
            zip: args.zip.clone(),
            memory: args.memory,
            arch: match args.arch {
                ArchArg::X86_64 => "x86_64",
                ArchArg::Arm64 => "arm64",
            },
            dry_run: args.dry_run,
            aws: aws_settings(&args.aws),
        })
    }
}

fn aws_settings(args: &AwsArgs) -> AwsSettings {
    AwsSettings { profile: args.profile.clone(), region: args.region.clone(), endpoint_url: args.endpoint_url.clone() }
}

// ---- the zip -----------------------------------------------------------------------------

/// The deployment package, read whole and checked against what Lambda accepts.
struct ZipPackage {
    bytes: Vec<u8>,
    unzipped_bytes: u64,
    sha256_hex: String,
    /// Base64 of the SHA-256, as Lambda reports `CodeSha256`.
    code_sha256: String,
}

impl ZipPackage {
    fn inspect(path: &Path, arch: &str) -> anyhow::Result<ZipPackage> {
        let shown = path.display();
        let size = std::fs::metadata(path).with_context(|| format!("--zip {shown}: cannot read it"))?.len();
        if size > MAX_DIRECT_UPLOAD_BYTES {
            anyhow::bail!(
                "--zip {shown}: {size} bytes, over Lambda's {MAX_DIRECT_UPLOAD_BYTES}-byte limit for a zip uploaded directly"
            );
        }
        let bytes = std::fs::read(path).with_context(|| format!("--zip {shown}: cannot read it"))?;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.as_slice()))
            .with_context(|| format!("--zip {shown}: not a zip archive"))?;
        // The central directory holds each entry's unzipped size: nothing is inflated here.
        let mut unzipped_bytes = 0u64;
        let mut bootstrap_mode = None;
        for index in 0..archive.len() {
            let entry = archive.by_index_raw(index).with_context(|| format!("--zip {shown}: entry {index}"))?;
            unzipped_bytes = unzipped_bytes.saturating_add(entry.size());
            if entry.name_raw() == HANDLER.as_bytes() {
                bootstrap_mode = Some(entry.unix_mode());
            }
        }
        if unzipped_bytes > MAX_UNZIPPED_BYTES {
            anyhow::bail!(
                "--zip {shown}: {unzipped_bytes} bytes unzipped, over Lambda's {MAX_UNZIPPED_BYTES}-byte limit"
            );
        }
        match bootstrap_mode {
            None => anyhow::bail!(
                "--zip {shown}: no `bootstrap` at the root of the archive; provided.al2023 runs that file \
                 (`cutover package` writes such a zip)"
            ),
            Some(mode) if mode.is_none_or(|mode| mode & 0o111 == 0) => anyhow::bail!(
                "--zip {shown}: `bootstrap` is not executable (mode {}); Lambda would fail to start it with \
                 Runtime.InvalidEntrypoint. Zip it with mode 0755, as `cutover package` does",
                mode.map_or("unset".to_string(), |mode| format!("{:o}", mode & 0o7777))
            ),
            Some(_) => {}
        }
        let mut head = Vec::with_capacity(20);
        archive
            .by_name(HANDLER)
            .with_context(|| format!("--zip {shown}: cannot inflate `bootstrap`"))?
            .take(20)
            .read_to_end(&mut head)
            .with_context(|| format!("--zip {shown}: cannot inflate `bootstrap`"))?;
        if let Some(built_for) = elf_architecture(&head)
            && built_for != arch
        {
            anyhow::bail!("--zip {shown}: `bootstrap` is built for {built_for}, not --arch {arch}");
        }
        let digest: [u8; 32] = sha2::Sha256::digest(&bytes).into();
        Ok(ZipPackage {
            unzipped_bytes,
            sha256_hex: digest.iter().map(|byte| format!("{byte:02x}")).collect(),
            code_sha256: base64::engine::general_purpose::STANDARD.encode(digest),
            bytes,
        })
    }
}

/// The Lambda architecture an ELF executable was built for, from its header's `e_machine`;
/// `None` for anything else (a script, another machine).
fn elf_architecture(head: &[u8]) -> Option<&'static str> {
    if head.len() < 20 || &head[..4] != b"\x7fELF" || head[5] != 1 {
        return None;
    }
    match u16::from_le_bytes([head[18], head[19]]) {
        0x3e => Some("x86_64"),
        0xb7 => Some("arm64"),
        _ => None,
    }
}

// ---- the function as it is ---------------------------------------------------------------

/// What a version freezes that `$LATEST` is compared on: the code and the settings a
/// deploy changes or keeps (runtime, handler, memory, architectures, environment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct VersionSnapshot {
    version: String,
    code_sha256: String,
    runtime: Option<String>,
    handler: Option<String>,
    memory: Option<i32>,
    architectures: Vec<String>,
    /// Values are compared, never shown: they may hold secrets.
    #[serde(skip)]
    environment: BTreeMap<String, String>,
}

impl VersionSnapshot {
    fn from_sdk(configuration: &FunctionConfiguration) -> VersionSnapshot {
        VersionSnapshot {
            version: configuration.version().unwrap_or("$LATEST").to_string(),
            code_sha256: configuration.code_sha256().unwrap_or_default().to_string(),
            runtime: configuration.runtime().map(|runtime| runtime.as_str().to_string()),
            handler: configuration.handler().map(str::to_string),
            memory: configuration.memory_size(),
            architectures: configuration.architectures().iter().map(|arch| arch.as_str().to_string()).collect(),
            environment: configuration
                .environment()
                .and_then(|environment| environment.variables())
                .map(|variables| variables.iter().map(|(key, value)| (key.clone(), value.clone())).collect())
                .unwrap_or_default(),
        }
    }

    /// What differs from `other`, by name (environment variables by key only).
    fn differences(&self, other: &VersionSnapshot) -> Vec<String> {
        let mut differences = Vec::new();
        if self.code_sha256 != other.code_sha256 {
            differences.push(format!("code (CodeSha256 {} against {})", self.code_sha256, other.code_sha256));
        }
        let mut compare = |name: &str, mine: String, theirs: String| {
            if mine != theirs {
                differences.push(format!("{name} ({mine} against {theirs})"));
            }
        };
        compare("runtime", shown(&self.runtime), shown(&other.runtime));
        compare("handler", shown(&self.handler), shown(&other.handler));
        compare("memory", shown(&self.memory), shown(&other.memory));
        compare("architectures", self.architectures.join(","), other.architectures.join(","));
        let keys: std::collections::BTreeSet<&String> =
            self.environment.keys().chain(other.environment.keys()).collect();
        let changed: Vec<&str> = keys
            .into_iter()
            .filter(|key| self.environment.get(*key) != other.environment.get(*key))
            .map(String::as_str)
            .collect();
        if !changed.is_empty() {
            differences.push(format!("environment variables {}", changed.join(", ")));
        }
        differences
    }
}

fn shown(value: &Option<impl std::fmt::Display>) -> String {
    value.as_ref().map_or("none".to_string(), ToString::to_string)
}

/// Why `$LATEST` may be deployed over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "version")]
enum LatestState {
    /// `$LATEST` already holds this zip: an earlier run of this deploy was interrupted.
    ResumingThisZip,
    /// `$LATEST` is what this published version holds.
    Published(String),
    /// Nothing was ever published: `$LATEST` is the function as created.
    NeverPublished,
}

/// Whether `$LATEST` holds changes no published version holds: someone changed it by hand,
/// and publishing now would ship their change along with ours. `$LATEST` is clean when its
/// code is this zip's (our own interrupted deploy), when a published version has the same
/// code, runtime, handler, memory, architectures and environment, or when no version was
/// ever published. Otherwise the refusal names what differs from the highest version.
fn check_latest(
    latest: &VersionSnapshot,
    published: &[VersionSnapshot],
    zip_code_sha256: &str,
) -> Result<LatestState, String> {
    if latest.code_sha256 == zip_code_sha256 {
        return Ok(LatestState::ResumingThisZip);
    }
    let Some(highest) = published.iter().max_by_key(|version| version.version.parse::<u64>().unwrap_or(0)) else {
        return Ok(LatestState::NeverPublished);
    };
    if let Some(same) = published.iter().rev().find(|version| latest.differences(version).is_empty()) {
        return Ok(LatestState::Published(same.version.clone()));
    }
    Err(format!(
        "$LATEST has changes that no published version holds, so publishing would ship them too; \
         against version {}: {}. Publish or revert them first",
        highest.version,
        latest.differences(highest).join("; ")
    ))
}

// ---- the plan ----------------------------------------------------------------------------

/// What a deploy will do, with every value: printed by `--dry-run`, and to stderr before
/// the first change.
#[derive(Debug, Serialize)]
struct DeployPlan {
    function: String,
    region: Option<String>,
    zip: PathBuf,
    zip_bytes: u64,
    unzipped_bytes: u64,
    zip_sha256: String,
    /// What Lambda will report as the version's `CodeSha256`.
    code_sha256: String,
    latest: VersionSnapshot,
    latest_state: LatestState,
    /// False when `$LATEST` already holds the zip (a resumed deploy).
    update_code: bool,
    /// False when `$LATEST` already has the runtime, handler and memory (a resumed deploy):
    /// an update with the same values would still count as a change, and PublishVersion
    /// would make a new version of the same code instead of returning the one made before.
    update_configuration: bool,
    arch: &'static str,
    runtime: &'static str,
    handler: &'static str,
    memory: i32,
    description: String,
    steps: Vec<String>,
}

async fn plan(client: &Client, settings: &DeploySettings, package: &ZipPackage) -> Result<DeployPlan, Failure> {
    let function = &settings.function;
    let found = client.get_function().function_name(function).send().await.map_err(|error| {
        let error = error.into_service_error();
        if error.is_resource_not_found_exception() {
            Failure::Input(anyhow!(
                "function {function} does not exist; deploy publishes a version of an existing function"
            ))
        } else {
            Failure::Unexpected(anyhow!(error).context(format!("GetFunction {function}")))
        }
    })?;
    let configuration =
        found.configuration().ok_or_else(|| unexpected(format!("GetFunction {function}: no configuration")))?;
    if configuration.package_type() == Some(&PackageType::Image) {
        return Err(Failure::Input(anyhow!("function {function} is deployed as a container image, not a zip")));
    }
    let latest = VersionSnapshot::from_sdk(configuration);
    let published = published_versions(client, function).await.map_err(Failure::Unexpected)?;
    let latest_state = check_latest(&latest, &published, &package.code_sha256)
        .map_err(|reason| Failure::Input(anyhow!("function {function}: {reason}")))?;
    let memory = match settings.memory.or(latest.memory) {
        Some(memory) => memory,
        None => return Err(Failure::Input(anyhow!("function {function} reports no memory size; pass --memory"))),
    };
    let update_code = latest.code_sha256 != package.code_sha256 || latest.architectures != [settings.arch];
    let update_configuration = latest.runtime.as_deref() != Some(RUNTIME)
        || latest.handler.as_deref() != Some(HANDLER)
        || latest.memory != Some(memory);
    let description = format!("cutover deploy: commit {}, zip sha256 {}", git_commit(), package.sha256_hex);
    let zip_bytes = package.bytes.len() as u64;
    let steps = vec![
        if update_code {
            format!(
                "UpdateFunctionCode: ZipFile {} ({zip_bytes} bytes), Architectures [{}]; wait for LastUpdateStatus Successful",
                settings.zip.display(),
                settings.arch
            )
        } else {
            "UpdateFunctionCode: skipped, $LATEST already holds this zip (an interrupted deploy, resumed)".to_string()
        },
        if update_configuration {
            format!(
                "UpdateFunctionConfiguration: Runtime {RUNTIME}, Handler {HANDLER}, MemorySize {memory}; wait for LastUpdateStatus Successful"
            )
        } else {
            format!(
                "UpdateFunctionConfiguration: skipped, $LATEST already has Runtime {RUNTIME}, Handler {HANDLER}, MemorySize {memory}"
            )
        },
        format!("PublishVersion: CodeSha256 {}, Description \"{description}\"", package.code_sha256),
        format!("check the version's CodeSha256 is {}", package.code_sha256),
    ];
    Ok(DeployPlan {
        function: function.clone(),
        region: client.config().region().map(|region| region.to_string()),
        zip: settings.zip.clone(),
        zip_bytes,
        unzipped_bytes: package.unzipped_bytes,
        zip_sha256: package.sha256_hex.clone(),
        code_sha256: package.code_sha256.clone(),
        latest,
        latest_state,
        update_code,
        update_configuration,
        arch: settings.arch,
        runtime: RUNTIME,
        handler: HANDLER,
        memory,
        description,
        steps,
    })
}

async fn published_versions(client: &Client, function: &str) -> anyhow::Result<Vec<VersionSnapshot>> {
    let mut pages = client.list_versions_by_function().function_name(function).into_paginator().send();
    let mut versions = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page
            .map_err(|error| anyhow!(error.into_service_error()))
            .with_context(|| format!("ListVersionsByFunction {function}"))?;
        versions.extend(
            page.versions().iter().map(VersionSnapshot::from_sdk).filter(|version| version.version != "$LATEST"),
        );
    }
    Ok(versions)
}

/// The commit of the checkout we run in, or "unknown" outside one.
fn git_commit() -> String {
    Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .map(|commit| commit.trim().to_string())
        .filter(|commit| !commit.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

fn render_plan(plan: &DeployPlan) -> String {
    let latest = match &plan.latest_state {
        LatestState::ResumingThisZip => "already holds this zip: resuming an interrupted deploy".to_string(),
        LatestState::Published(version) => format!("as published in version {version}"),
        LatestState::NeverPublished => "never published: the function as created".to_string(),
    };
    let mut text = format!(
        "deploy {} to {} ({})\n  zip     {} bytes, {} unzipped, sha256 {}\n  $LATEST {}\n",
        plan.zip.display(),
        plan.function,
        plan.region.as_deref().unwrap_or("default region"),
        plan.zip_bytes,
        plan.unzipped_bytes,
        plan.zip_sha256,
        latest
    );
    for (index, step) in plan.steps.iter().enumerate() {
        text.push_str(&format!("  {}. {step}\n", index + 1));
    }
    text
}

// ---- the steps ---------------------------------------------------------------------------

/// The version PublishVersion made, as Lambda describes it.
#[derive(Debug, Serialize)]
struct PublishedVersion {
    function: String,
    version: String,
    code_sha256: String,
    memory: Option<i32>,
    arch: Option<String>,
    runtime: Option<String>,
    handler: Option<String>,
    description: String,
}

impl PublishedVersion {
    /// Where the version differs from the plan (empty when it is what was deployed).
    fn mismatches(&self, plan: &DeployPlan) -> Vec<String> {
        let mut mismatches = Vec::new();
        if self.code_sha256 != plan.code_sha256 {
            mismatches.push(format!("CodeSha256 {} instead of the zip's {}", self.code_sha256, plan.code_sha256));
        }
        if self.runtime.as_deref() != Some(RUNTIME) {
            mismatches.push(format!("runtime {:?} instead of {RUNTIME}", self.runtime));
        }
        if self.handler.as_deref() != Some(HANDLER) {
            mismatches.push(format!("handler {:?} instead of {HANDLER}", self.handler));
        }
        if self.memory != Some(plan.memory) {
            mismatches.push(format!("memory {:?} instead of {} MB", self.memory, plan.memory));
        }
        mismatches
    }
}

async fn execute(
    client: &Client,
    plan: &DeployPlan,
    package: &ZipPackage,
    clock: &impl WaitClock,
) -> anyhow::Result<PublishedVersion> {
    let function = plan.function.as_str();
    let status = || update_status(client, function);
    if plan.update_code {
        eprintln!("cutover deploy: UpdateFunctionCode {function}");
        client
            .update_function_code()
            .function_name(function)
            .zip_file(Blob::new(package.bytes.clone()))
            .architectures(Architecture::from(plan.arch))
            .send()
            .await
            .map_err(|error| anyhow!(error.into_service_error()))
            .with_context(|| format!("UpdateFunctionCode {function}"))?;
        wait_until_updated(clock, WAIT, status).await.context("after UpdateFunctionCode")?;
    }
    if plan.update_configuration {
        eprintln!("cutover deploy: UpdateFunctionConfiguration {function}");
        client
            .update_function_configuration()
            .function_name(function)
            .runtime(Runtime::Providedal2023)
            .handler(HANDLER)
            .memory_size(plan.memory)
            .send()
            .await
            .map_err(|error| anyhow!(error.into_service_error()))
            .with_context(|| format!("UpdateFunctionConfiguration {function}"))?;
        wait_until_updated(clock, WAIT, status).await.context("after UpdateFunctionConfiguration")?;
    }
    if !plan.update_code && !plan.update_configuration {
        // A resumed deploy may have stopped in the middle of a wait.
        wait_until_updated(clock, WAIT, status).await.context("before PublishVersion")?;
    }
    eprintln!("cutover deploy: PublishVersion {function}");
    let version = client
        .publish_version()
        .function_name(function)
        .code_sha256(&plan.code_sha256)
        .description(&plan.description)
        .send()
        .await
        .map_err(|error| anyhow!(error.into_service_error()))
        .with_context(|| format!("PublishVersion {function}"))?;
    Ok(PublishedVersion {
        function: version.function_name().unwrap_or(function).to_string(),
        version: version.version().unwrap_or_default().to_string(),
        code_sha256: version.code_sha256().unwrap_or_default().to_string(),
        memory: version.memory_size(),
        arch: version.architectures().first().map(|arch| arch.as_str().to_string()),
        runtime: version.runtime().map(|runtime| runtime.as_str().to_string()),
        handler: version.handler().map(str::to_string),
        description: version.description().unwrap_or_default().to_string(),
    })
}

async fn update_status(client: &Client, function: &str) -> anyhow::Result<UpdateStatus> {
    let configuration = client
        .get_function_configuration()
        .function_name(function)
        .send()
        .await
        .map_err(|error| anyhow!(error.into_service_error()))
        .with_context(|| format!("GetFunctionConfiguration {function}"))?;
    Ok(match configuration.last_update_status() {
        Some(LastUpdateStatus::InProgress) => UpdateStatus::InProgress,
        Some(LastUpdateStatus::Failed) => UpdateStatus::Failed {
            reason: configuration.last_update_status_reason().unwrap_or("no reason given").to_string(),
        },
        // Successful, or no update ever made.
        _ => UpdateStatus::Successful,
    })
}

fn render_published(published: &PublishedVersion) -> String {
    let row = |name: &str, value: &str| format!("{name:<12} {value}\n");
    [
        row("function", &published.function),
        row("version", &published.version),
        row("code_sha256", &published.code_sha256),
        row("memory", &published.memory.map_or("-".to_string(), |memory| format!("{memory} MB"))),
        row("arch", published.arch.as_deref().unwrap_or("-")),
        row("runtime", published.runtime.as_deref().unwrap_or("-")),
        row("description", &published.description),
    ]
    .concat()
}

// ---- waiting for an update ---------------------------------------------------------------

/// Where a function update is, from `LastUpdateStatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum UpdateStatus {
    InProgress,
    Successful,
    Failed { reason: String },
}

#[derive(Debug, Clone, Copy)]
struct WaitTiming {
    poll_interval: Duration,
    deadline: Duration,
}

/// Time, for the waiter: tokio's clock in the command, a fake one in tests.
trait WaitClock {
    fn elapsed(&self) -> Duration;
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()>;
}

struct TokioClock {
    started: tokio::time::Instant,
}

impl TokioClock {
    fn start() -> TokioClock {
        TokioClock { started: tokio::time::Instant::now() }
    }
}

impl WaitClock for TokioClock {
    fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// Polls `status` until the update is Successful; a Failed update or the deadline is an
/// error that says which, and how long it waited.
async fn wait_until_updated<Status, Polled>(
    clock: &impl WaitClock,
    timing: WaitTiming,
    mut status: Status,
) -> anyhow::Result<()>
where
    Status: FnMut() -> Polled,
    Polled: Future<Output = anyhow::Result<UpdateStatus>>,
{
    let started = clock.elapsed();
    loop {
        let waited = clock.elapsed().saturating_sub(started);
        match status().await? {
            UpdateStatus::Successful => return Ok(()),
            UpdateStatus::Failed { reason } => {
                anyhow::bail!("the update failed (LastUpdateStatus Failed): {reason}")
            }
            UpdateStatus::InProgress if waited + timing.poll_interval > timing.deadline => anyhow::bail!(
                "the update was still in progress after {} s; re-run the same deploy to resume it",
                waited.as_secs()
            ),
            UpdateStatus::InProgress => clock.sleep(timing.poll_interval).await,
        }
    }
}

fn unexpected(message: String) -> Failure {
    Failure::Unexpected(anyhow!(message))
}

fn to_json(value: &impl Serialize) -> Result<String, Failure> {
    serde_json::to_string_pretty(value).map_err(|error| Failure::Unexpected(anyhow!(error)))
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    /// A clock that moves only when slept on.
    struct FakeClock {
        now: Cell<Duration>,
    }

    impl WaitClock for FakeClock {
        fn elapsed(&self) -> Duration {
            self.now.get()
        }

        async fn sleep(&self, duration: Duration) {
            self.now.set(self.now.get() + duration);
        }
    }

    const TIMING: WaitTiming = WaitTiming { poll_interval: Duration::from_secs(2), deadline: Duration::from_secs(10) };

    fn block_on<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().build().expect("a runtime").block_on(future)
    }

    /// Waits on a status that answers `answers` in turn, then the last one for ever.
    fn wait_on(answers: Vec<UpdateStatus>) -> (anyhow::Result<()>, usize, Duration) {
        let clock = FakeClock { now: Cell::new(Duration::ZERO) };
        let polls = Cell::new(0usize);
        let result = block_on(wait_until_updated(&clock, TIMING, || {
            let answer = answers[polls.get().min(answers.len() - 1)].clone();
            polls.set(polls.get() + 1);
            async move { Ok(answer) }
        }));
        (result, polls.get(), clock.now.get())
    }

    #[test]
    fn the_waiter_polls_until_the_update_succeeds() {
        let (result, polls, waited) =
            wait_on(vec![UpdateStatus::InProgress, UpdateStatus::InProgress, UpdateStatus::Successful]);
        result.expect("succeeds");
        assert_eq!((polls, waited), (3, Duration::from_secs(4)));
    }

    #[test]
    fn a_failed_update_stops_the_wait_with_its_reason() {
        let failed = UpdateStatus::Failed { reason: "InvalidEntrypoint".to_string() };
        let (result, polls, _) = wait_on(vec![UpdateStatus::InProgress, failed]);
        let message = result.expect_err("fails").to_string();
        assert!(message.contains("Failed") && message.contains("InvalidEntrypoint"), "{message}");
        assert_eq!(polls, 2);
    }

    #[test]
    fn the_waiter_gives_up_at_its_deadline() {
        let (result, polls, waited) = wait_on(vec![UpdateStatus::InProgress]);
        let message = result.expect_err("times out").to_string();
        assert!(message.contains("still in progress after 10 s"), "{message}");
        assert_eq!((polls, waited), (6, Duration::from_secs(10)));
    }

    fn snapshot(version: &str, code: &str, memory: i32) -> VersionSnapshot {
        VersionSnapshot {
            version: version.to_string(),
            code_sha256: code.to_string(),
            runtime: Some("python3.12".to_string()),
            handler: Some("app.handler".to_string()),
            memory: Some(memory),
            architectures: vec!["x86_64".to_string()],
            environment: BTreeMap::from([("TABLE".to_string(), "clusters".to_string())]),
        }
    }

    #[test]
    fn latest_is_clean_when_a_published_version_holds_it_or_nothing_was_published() {
        let latest = snapshot("$LATEST", "python", 512);
        assert_eq!(check_latest(&latest, &[], "rust"), Ok(LatestState::NeverPublished));
        let published = [snapshot("1", "python", 512), snapshot("2", "older", 256)];
        assert_eq!(check_latest(&latest, &published, "rust"), Ok(LatestState::Published("1".to_string())));
    }

    #[test]
    fn latest_changed_by_hand_is_refused_naming_what_changed_but_not_secret_values() {
        let mut latest = snapshot("$LATEST", "python", 256);
        latest.environment.insert("TABLE".to_string(), "hunter2".to_string());
        let published = [snapshot("1", "python", 512), snapshot("3", "python", 512)];
        let reason = check_latest(&latest, &published, "rust").expect_err("refused");
        assert!(reason.contains("against version 3"), "{reason}");
        assert!(reason.contains("memory (256 against 512)"), "{reason}");
        assert!(reason.contains("environment variables TABLE"), "{reason}");
        assert!(!reason.contains("hunter2"), "{reason}");
    }

    #[test]
    fn latest_holding_the_zip_is_an_interrupted_deploy_resumed() {
        let mut latest = snapshot("$LATEST", "rust", 128);
        latest.runtime = Some(RUNTIME.to_string());
        let published = [snapshot("1", "python", 512)];
        assert_eq!(check_latest(&latest, &published, "rust"), Ok(LatestState::ResumingThisZip));
    }

    #[test]
    fn elf_headers_name_their_architecture() {
        let mut header = b"\x7fELF\x02\x01\x01".to_vec();
        header.resize(20, 0);
        header[18] = 0x3e;
        assert_eq!(elf_architecture(&header), Some("x86_64"));
        header[18] = 0xb7;
        assert_eq!(elf_architecture(&header), Some("arm64"));
        assert_eq!(elf_architecture(b"#!/bin/sh\necho hello world"), None);
    }
}
