//! The sandboxes of one function: warm ones reused most-recent first, new ones started up
//! to the function's concurrency, throttling beyond it, and Lambda's failure semantics
//! (timeout, exit mid-invocation, init failure, oversized response) turned into outcomes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use serde_json::json;

use crate::clock::Clock;
use crate::code_digest::code_sha256;
use crate::config::{FunctionConfig, LocalSettings, RuntimeConfig, VersionConfig};
use crate::faults::{FaultPlan, InjectedFailure};
use crate::latency::LatencyProfile;
use crate::limits::{INIT_TIMEOUT, MAX_RESPONSE_BYTES};
use crate::logs::LogSink;
use crate::outcome::{InvocationOutcome, InvokeError, OutcomeStatus, Report};
use crate::physics::Limits;
use crate::recording_proxy::ProxyHandle;
use crate::runtime_api::RuntimeReply;
use crate::sandbox::{ProcessRegistry, Sandbox, SandboxResult, SandboxSpec, StartFailure};

/// Unqualified invocations run `$LATEST`: the last declared version's code.
pub const LATEST: &str = "$LATEST";

/// Credentials handed to sandboxes for the local back end. moto accepts anything; these
/// are placeholders, not secrets.
const LOCAL_ACCESS_KEY_ID: &str = "testing";
const LOCAL_SECRET_ACCESS_KEY: &str = "testing";

pub(crate) struct FunctionPool {
    pub config: FunctionConfig,
    pub function_arn: String,
    specs: HashMap<String, SandboxSpec>,
    in_flight: AtomicU32,
    idle: Mutex<HashMap<String, Vec<Sandbox>>>,
    registry: Arc<ProcessRegistry>,
    logs: LogSink,
    closed: AtomicBool,
    /// `CodeSha256` per code identity, computed when first asked: versions often share a
    /// bootstrap file or a code folder, and hashing a debug build takes a while.
    code_digests: Mutex<HashMap<CodeIdentity, String>>,
    /// Deleted versions: their sandboxes are not kept warm.
    retired: Mutex<HashSet<String>>,
    /// The proxy in front of the back end, when one stands there: each sandbox gets its
    /// own listener on it.
    proxy: Option<ProxyHandle>,
}

/// What a function pool is started with besides its config.
pub(crate) struct PoolContext<'a> {
    pub local: &'a LocalSettings,
    /// The variables every function gets for the local AWS back end (endpoint, setup hook
    /// output).
    pub backend: &'a BTreeMap<String, String>,
    pub registry: Arc<ProcessRegistry>,
    pub logs: LogSink,
    pub clock: &'a dyn Clock,
    pub proxy: Option<ProxyHandle>,
    /// The function's latency profile, loaded.
    pub latency: Option<Arc<LatencyProfile>>,
}

impl FunctionPool {
    pub(crate) fn new(config: &FunctionConfig, context: PoolContext<'_>) -> FunctionPool {
        let PoolContext { local, backend, registry, logs, clock, proxy, latency } = context;
        // Log stream names carry the date the sandbox's logs start, on the emulator's clock.
        let today = time::OffsetDateTime::from(clock.now()).date();
        let function_arn = format!("arn:aws:lambda:{}:{}:function:{}", local.region, local.account_id, config.name);
        let mut specs = HashMap::new();
        for version in &config.versions {
            specs.insert(
                version.version.clone(),
                sandbox_spec(config, version, &version.version, local, backend, today, latency.clone()),
            );
        }
        specs.insert(
            LATEST.to_string(),
            sandbox_spec(config, config.latest(), LATEST, local, backend, today, latency.clone()),
        );
        if let Some(shipper) = logs.shipper() {
            for spec in specs.values() {
                let stream = spec.environment.iter().find(|(key, _)| key == "AWS_LAMBDA_LOG_STREAM_NAME");
                if let Some((_, stream)) = stream {
                    shipper.register(&spec.label, &config.name, stream);
                }
            }
        }
        FunctionPool {
            config: config.clone(),
            function_arn,
            specs,
            in_flight: AtomicU32::new(0),
            idle: Mutex::new(HashMap::new()),
            registry,
            logs,
            closed: AtomicBool::new(false),
            code_digests: Mutex::new(HashMap::new()),
            retired: Mutex::new(HashSet::new()),
            proxy,
        }
    }

    /// Where this pool's lines go.
    pub(crate) fn logs(&self) -> &LogSink {
        &self.logs
    }

    pub(crate) fn has_version(&self, version: &str) -> bool {
        self.specs.contains_key(version)
    }

    /// Runs one invocation of `version`; `qualifier` is what the caller asked for. `faults`
    /// decides the injected faults once the invocation holds a concurrency slot, so a
    /// throttled call never counts towards them.
    pub(crate) async fn invoke(
        &self,
        qualifier: &str,
        version: &str,
        payload: Bytes,
        options: InvokeOptions,
        faults: impl FnOnce() -> FaultPlan,
    ) -> Result<InvocationOutcome, InvokeError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(InvokeError::ShuttingDown);
        }
        let Some(spec) = self.specs.get(version) else {
            return Err(InvokeError::FunctionNotFound { arn: format!("{}:{version}", self.function_arn) });
        };
        let _slot = ConcurrencySlot::acquire(&self.in_flight, self.config.concurrency).ok_or_else(|| {
            InvokeError::Throttled { function: self.config.name.clone(), qualifier: qualifier.to_string() }
        })?;
        let request_id = options.request_id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let mut outcome = OutcomeBuilder {
            request_id: request_id.clone(),
            function: self.config.name.clone(),
            qualifier: qualifier.to_string(),
            executed_version: version.to_string(),
            memory_size_mb: spec.memory_mb,
        };
        let faults = faults();
        if let Some(failure) = faults.failure {
            return Ok(self.injected_failure(&mut outcome, &spec.label, failure, &faults).await);
        }
        let invoked_arn = if qualifier == LATEST && !options.explicit_latest {
            self.function_arn.clone()
        } else {
            format!("{}:{qualifier}", self.function_arn)
        };
        let start_line = format!("START RequestId: {request_id} Version: {version}");
        let mut start_logged = false;
        // A warm sandbox whose runtime died before taking the event never saw it: the event
        // goes to the next warm one or to a fresh one, so an innocent call never inherits
        // the death of the one before (after an oversized response, say).
        let mut attempts_left = 3;
        let (mut sandbox, result) = loop {
            let mut sandbox = match self.checkout(version) {
                Some(sandbox) => sandbox,
                None => match Sandbox::start(spec, &self.registry, &self.logs, self.proxy.as_ref()).await {
                    Ok(sandbox) => sandbox,
                    Err(failure) => return Ok(self.init_failure(&mut outcome, &spec.label, failure)),
                },
            };
            if options.tail_logs {
                sandbox.begin_log();
            }
            if !start_logged {
                start_logged = true;
                self.logs.write(&sandbox.label, &start_line);
            }
            sandbox.push_log(&start_line);
            let result = sandbox.invoke(&request_id, payload.clone(), &invoked_arn, self.config.timeout).await;
            attempts_left -= 1;
            match result {
                SandboxResult::NotDelivered { .. } if attempts_left > 0 => continue,
                SandboxResult::NotDelivered { status } => {
                    break (sandbox, SandboxResult::Exited { status, duration: Duration::ZERO });
                }
                result => break (sandbox, result),
            }
        };
        let init_duration = sandbox.init_duration.take();
        let label = sandbox.label.clone();
        let mut max_memory_used_mb = sandbox.max_memory_used_mb();
        let aws_calls = sandbox.take_calls();
        if !faults.added_latency.is_zero() {
            // The sandbox stays busy through the added latency, as a slower function's would.
            tokio::time::sleep(faults.real_delay).await;
        }
        let (status, body, duration, keep) = match result {
            SandboxResult::Reply { reply: RuntimeReply::Response(body), duration } => {
                (OutcomeStatus::Success, body, duration, true)
            }
            SandboxResult::Reply { reply: RuntimeReply::Error { error_type, body }, duration } => {
                let error_type = error_type.or_else(|| error_type_in(&body)).unwrap_or_else(|| "Unhandled".to_string());
                (OutcomeStatus::FunctionError { error_type }, body, duration, true)
            }
            SandboxResult::Reply { reply: RuntimeReply::ResponseTooLarge { size }, duration } => {
                let body = json!({
                    "errorMessage": format!("Response payload size ({size} bytes) exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."),
                    "errorType": "Function.ResponseSizeTooLarge",
                });
                // The runtime was refused mid-answer and may be dying from it: Lambda starts
                // the next event in a fresh sandbox.
                (OutcomeStatus::ResponseTooLarge, Bytes::from(body.to_string()), duration, false)
            }
            SandboxResult::Exited { status, duration } if sandbox.oom_killed() => {
                // Lambda's answer for a runtime the memory limit killed; it used all it had.
                max_memory_used_mb = sandbox.memory_limit_mb();
                let body = json!({
                    "errorType": "Runtime.OutOfMemory",
                    "errorMessage": format!("RequestId: {request_id} Error: Runtime exited with error: {status}"),
                });
                (OutcomeStatus::OutOfMemory, Bytes::from(body.to_string()), duration, false)
            }
            SandboxResult::Exited { status, duration } => {
                let body = json!({
                    "errorType": "Runtime.ExitError",
                    "errorMessage": format!("RequestId: {request_id} Error: Runtime exited with error: {status}"),
                });
                (OutcomeStatus::ExitError, Bytes::from(body.to_string()), duration, false)
            }
            SandboxResult::NotDelivered { status } => {
                let body = json!({
                    "errorType": "Runtime.ExitError",
                    "errorMessage": format!("RequestId: {request_id} Error: Runtime exited with error: {status}"),
                });
                (OutcomeStatus::ExitError, Bytes::from(body.to_string()), Duration::ZERO, false)
            }
            SandboxResult::TimedOut { duration } => {
                let seconds = format!("{:.2}", self.config.timeout.as_secs_f64());
                self.logs.write(&label, &format!("{request_id} Task timed out after {seconds} seconds"));
                let body = json!({
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": format!("RequestId: {request_id} Error: Task timed out after {seconds} seconds"),
                });
                (OutcomeStatus::Timeout, Bytes::from(body.to_string()), duration, false)
            }
        };
        let duration = duration + faults.added_latency;
        let mut result = outcome.finish(status, body, duration, init_duration, max_memory_used_mb);
        result.report.unthrottled.clone_from(&sandbox.unthrottled);
        result.aws_calls = aws_calls;
        let end_line = format!("END RequestId: {request_id}");
        let report_line = result.report.to_string();
        if options.tail_logs {
            let mut log = sandbox.finish_log().await;
            for line in [&end_line, &report_line] {
                log.push_str(line);
                log.push('\n');
            }
            result.log_tail = Some(log_tail(&log).to_string());
        }
        if keep && !sandbox.has_exited() {
            self.checkin(version, sandbox);
        } else {
            drop(sandbox);
        }
        self.logs.write(&label, &end_line);
        self.logs.write(&label, &report_line);
        Ok(result)
    }

    /// An invocation a fault fails without running it: it waits out the added latency and
    /// logs START, END and REPORT like any other.
    async fn injected_failure(
        &self,
        outcome: &mut OutcomeBuilder,
        label: &str,
        failure: InjectedFailure,
        faults: &FaultPlan,
    ) -> InvocationOutcome {
        let request_id = outcome.request_id.clone();
        self.logs.write(label, &format!("START RequestId: {request_id} Version: {}", outcome.executed_version));
        tokio::time::sleep(faults.real_delay).await;
        let (status, body) = match failure {
            InjectedFailure::Error => (
                OutcomeStatus::FunctionError { error_type: "InjectedFault".to_string() },
                json!({
                    "errorMessage": format!("a fault injected by the emulator (error share {})", faults.error_share),
                    "errorType": "InjectedFault",
                }),
            ),
            InjectedFailure::Crash => (
                OutcomeStatus::ExitError,
                json!({
                    "errorType": "Runtime.ExitError",
                    "errorMessage": format!("RequestId: {request_id} Error: Runtime exited with error: exit status 1 (a crash injected by the emulator)"),
                }),
            ),
        };
        let result = outcome.finish(status, Bytes::from(body.to_string()), faults.added_latency, None, 0);
        self.logs.write(label, &format!("END RequestId: {request_id}"));
        self.logs.write(label, &result.report.to_string());
        result
    }

    fn init_failure(&self, outcome: &mut OutcomeBuilder, label: &str, failure: StartFailure) -> InvocationOutcome {
        let request_id = outcome.request_id.clone();
        let (error_type, body, init_duration) = match failure {
            StartFailure::InitError { error_type, body, init_duration } => {
                let error_type =
                    error_type.or_else(|| error_type_in(&body)).unwrap_or_else(|| "Runtime.InitError".to_string());
                (error_type, body, init_duration)
            }
            StartFailure::Exited { status, init_duration } => {
                let body = json!({
                    "errorType": "Runtime.ExitError",
                    "errorMessage": format!("RequestId: {request_id} Error: Runtime exited with error: {status}"),
                });
                ("Runtime.ExitError".to_string(), Bytes::from(body.to_string()), init_duration)
            }
            StartFailure::TimedOut { init_duration } => {
                let body = json!({
                    "errorType": "Runtime.InitError",
                    "errorMessage": format!("RequestId: {request_id} Error: init did not finish within {} seconds", INIT_TIMEOUT.as_secs()),
                });
                ("Runtime.InitError".to_string(), Bytes::from(body.to_string()), init_duration)
            }
            StartFailure::Spawn { program, source } => {
                let body = json!({
                    "errorType": "Runtime.InvalidEntrypoint",
                    "errorMessage": format!("RequestId: {request_id} Error: fork/exec {}: {source}", program.display()),
                });
                ("Runtime.InvalidEntrypoint".to_string(), Bytes::from(body.to_string()), Duration::ZERO)
            }
            StartFailure::Io(source) => {
                let body = json!({
                    "errorType": "Runtime.InitError",
                    "errorMessage": format!("RequestId: {request_id} Error: {source}"),
                });
                ("Runtime.InitError".to_string(), Bytes::from(body.to_string()), Duration::ZERO)
            }
        };
        self.logs.write(
            label,
            &format!(
                "INIT_REPORT Init Duration: {:.2} ms\tPhase: init\tStatus: error\tError Type: {error_type}",
                init_duration.as_secs_f64() * 1000.0
            ),
        );
        let result =
            outcome.finish(OutcomeStatus::InitError { error_type }, body, Duration::ZERO, Some(init_duration), 0);
        self.logs.write(label, &result.report.to_string());
        result
    }

    fn checkout(&self, version: &str) -> Option<Sandbox> {
        let mut idle = lock(&self.idle);
        let warm = idle.get_mut(version)?;
        while let Some(sandbox) = warm.pop() {
            if !sandbox.has_exited() {
                return Some(sandbox);
            }
        }
        None
    }

    fn checkin(&self, version: &str, sandbox: Sandbox) {
        if self.closed.load(Ordering::Acquire) || lock(&self.retired).contains(version) {
            return;
        }
        lock(&self.idle).entry(version.to_string()).or_default().push(sandbox);
    }

    /// `CodeSha256` of `version` (`$LATEST` included); empty when its code cannot be read.
    /// The hashing runs on a blocking thread: a debug build's bootstrap is tens of MB.
    pub(crate) async fn code_sha256(&self, version: &str) -> String {
        let declared = if version == LATEST { Some(self.config.latest()) } else { self.config.version(version) };
        let Some(runtime) = declared.map(|declared| &declared.runtime) else {
            return String::new();
        };
        let identity = CodeIdentity::of(runtime);
        if let Some(digest) = lock(&self.code_digests).get(&identity) {
            return digest.clone();
        }
        let runtime = runtime.clone();
        let digest =
            tokio::task::spawn_blocking(move || code_sha256(&runtime).unwrap_or_default()).await.unwrap_or_default();
        lock(&self.code_digests).insert(identity, digest.clone());
        digest
    }

    /// Kills the idle sandboxes of a deleted version; busy ones finish their invocation and
    /// are dropped instead of kept warm.
    pub(crate) fn retire(&self, version: &str) {
        lock(&self.idle).remove(version);
        lock(&self.retired).insert(version.to_string());
    }

    /// Refuses new invocations and kills the idle sandboxes; busy ones are killed by the
    /// process registry.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        lock(&self.idle).clear();
    }

    /// Warm sandboxes per version, for status displays and tests.
    pub(crate) fn idle_counts(&self) -> BTreeMap<String, usize> {
        lock(&self.idle).iter().map(|(version, sandboxes)| (version.clone(), sandboxes.len())).collect()
    }
}

/// How the caller wants one invocation run.
#[derive(Debug, Clone, Default)]
pub(crate) struct InvokeOptions {
    /// The request id to give the handler (an `Event` invoke answers it before it runs).
    pub request_id: Option<String>,
    /// Keep the execution log for `LogType=Tail`.
    pub tail_logs: bool,
    /// The caller named `$LATEST`: the invoked ARN carries it, as on AWS.
    pub explicit_latest: bool,
}

/// Lambda's `LogType=Tail` returns the last 4 KB of the execution log.
const LOG_TAIL_BYTES: usize = 4 * 1024;

/// The last 4 KB of `log`, cut at a character boundary.
fn log_tail(log: &str) -> &str {
    let mut start = log.len().saturating_sub(LOG_TAIL_BYTES);
    while !log.is_char_boundary(start) {
        start += 1;
    }
    &log[start..]
}

/// What makes two versions' code the same: one bootstrap file as it is now (a rebuild
/// changes its size or time), or one handler in one code folder.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum CodeIdentity {
    Bootstrap { path: PathBuf, length: u64, modified: Option<std::time::SystemTime> },
    Python { handler: String, code: PathBuf },
}

impl CodeIdentity {
    fn of(runtime: &RuntimeConfig) -> CodeIdentity {
        match runtime {
            RuntimeConfig::Bootstrap { path } => {
                let metadata = std::fs::metadata(path).ok();
                CodeIdentity::Bootstrap {
                    path: path.clone(),
                    length: metadata.as_ref().map(std::fs::Metadata::len).unwrap_or_default(),
                    modified: metadata.and_then(|metadata| metadata.modified().ok()),
                }
            }
            RuntimeConfig::Python { handler, code } => {
                CodeIdentity::Python { handler: handler.clone(), code: code.clone() }
            }
        }
    }
}

struct OutcomeBuilder {
    request_id: String,
    function: String,
    qualifier: String,
    executed_version: String,
    memory_size_mb: u32,
}

impl OutcomeBuilder {
    fn finish(
        &mut self,
        status: OutcomeStatus,
        payload: Bytes,
        duration: Duration,
        init_duration: Option<Duration>,
        max_memory_used_mb: u64,
    ) -> InvocationOutcome {
        let report_status = match &status {
            OutcomeStatus::Success => None,
            OutcomeStatus::Timeout => Some("timeout".to_string()),
            _ => Some("error".to_string()),
        };
        let report_error_type = match &status {
            OutcomeStatus::Success | OutcomeStatus::Timeout | OutcomeStatus::FunctionError { .. } => None,
            other => other.error_type().map(str::to_string),
        };
        let report = Report {
            request_id: self.request_id.clone(),
            duration,
            billed_duration_ms: Report::billed_ms(duration, init_duration),
            memory_size_mb: self.memory_size_mb,
            max_memory_used_mb,
            init_duration,
            status: report_status,
            error_type: report_error_type,
            unthrottled: None,
        };
        InvocationOutcome {
            request_id: self.request_id.clone(),
            function: self.function.clone(),
            qualifier: self.qualifier.clone(),
            executed_version: self.executed_version.clone(),
            status,
            payload,
            report,
            log_tail: None,
            aws_calls: Vec::new(),
        }
    }
}

/// One unit of the function's reserved concurrency, released on drop.
struct ConcurrencySlot<'a>(&'a AtomicU32);

impl<'a> ConcurrencySlot<'a> {
    fn acquire(in_flight: &'a AtomicU32, limit: u32) -> Option<ConcurrencySlot<'a>> {
        in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |current| (current < limit).then_some(current + 1))
            .ok()
            .map(|_| ConcurrencySlot(in_flight))
    }
}

impl Drop for ConcurrencySlot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn error_type_in(body: &[u8]) -> Option<String> {
    let document: serde_json::Value = serde_json::from_slice(body).ok()?;
    document.get("errorType")?.as_str().map(str::to_string)
}

/// The program, arguments and environment Lambda would give this version's runtime.
fn sandbox_spec(
    function: &FunctionConfig,
    version: &VersionConfig,
    version_label: &str,
    local: &LocalSettings,
    backend: &BTreeMap<String, String>,
    today: time::Date,
    latency: Option<Arc<LatencyProfile>>,
) -> SandboxSpec {
    // The function's own variables first; Lambda's reserved variables cannot be overridden.
    let mut environment: BTreeMap<String, String> = BTreeMap::new();
    environment.insert("PATH".into(), std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into()));
    environment.insert("LANG".into(), "en_US.UTF-8".into());
    environment.insert("TZ".into(), ":UTC".into());
    environment.extend(backend.iter().map(|(key, value)| (key.clone(), value.clone())));
    environment.extend(function.environment.iter().map(|(key, value)| (key.clone(), value.clone())));
    environment.extend(version.environment.iter().map(|(key, value)| (key.clone(), value.clone())));
    let log_stream =
        format!("{}/[{version_label}]{}", today.to_string().replace('-', "/"), uuid::Uuid::new_v4().simple());
    for (key, value) in [
        ("AWS_LAMBDA_FUNCTION_NAME", function.name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION", version_label.to_string()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", version.memory_mb.to_string()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{}", function.name)),
        ("AWS_LAMBDA_LOG_STREAM_NAME", log_stream),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand".to_string()),
        ("AWS_REGION", local.region.clone()),
        ("AWS_DEFAULT_REGION", local.region.clone()),
        ("AWS_ACCESS_KEY_ID", LOCAL_ACCESS_KEY_ID.to_string()),
        ("AWS_SECRET_ACCESS_KEY", LOCAL_SECRET_ACCESS_KEY.to_string()),
        ("AWS_SESSION_TOKEN", "local".to_string()),
    ] {
        environment.insert(key.to_string(), value);
    }
    let label = format!("{}:{version_label}", function.name);
    let (program, args, cwd) = match &version.runtime {
        RuntimeConfig::Python { handler, code } => {
            environment.insert("_HANDLER".into(), handler.clone());
            environment.insert("LAMBDA_TASK_ROOT".into(), code.display().to_string());
            environment.insert("PYTHONPATH".into(), code.display().to_string());
            // Without it, a piped stdout holds the function's log lines back.
            environment.insert("PYTHONUNBUFFERED".into(), "1".into());
            let python_version = "python3";
            environment.insert("AWS_EXECUTION_ENV".into(), format!("AWS_Lambda_{python_version}"));
            let args: Vec<OsString> = vec!["-m".into(), "awslambdaric".into(), handler.into()];
            (local.python.clone(), args, Some(code.clone()))
        }
        RuntimeConfig::Bootstrap { path } => {
            let task_root = path.parent().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
            environment.insert("_HANDLER".into(), "bootstrap".into());
            environment.insert("LAMBDA_TASK_ROOT".into(), task_root.display().to_string());
            (path.clone(), Vec::new(), Some(task_root))
        }
    };
    SandboxSpec {
        label,
        program,
        args,
        cwd,
        environment: environment.into_iter().collect(),
        init_timeout: INIT_TIMEOUT,
        memory_mb: version.memory_mb,
        limits: Limits::of(version.memory_mb, &function.physics),
        latency,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_tail_is_the_last_four_kilobytes_cut_at_a_character() {
        assert_eq!(log_tail("short\n"), "short\n");
        let long = format!("{}{}", "é".repeat(3000), "end\n");
        let tail = log_tail(&long);
        assert!(tail.len() <= LOG_TAIL_BYTES && tail.len() >= LOG_TAIL_BYTES - 1, "{}", tail.len());
        assert!(tail.ends_with("end\n"));
    }

    #[test]
    fn slots_stop_at_the_limit_and_come_back_on_drop() {
        let in_flight = AtomicU32::new(0);
        let first = ConcurrencySlot::acquire(&in_flight, 2).expect("first");
        let _second = ConcurrencySlot::acquire(&in_flight, 2).expect("second");
        assert!(ConcurrencySlot::acquire(&in_flight, 2).is_none(), "a third is throttled");
        drop(first);
        assert!(ConcurrencySlot::acquire(&in_flight, 2).is_some(), "a freed slot is reusable");
    }
}
