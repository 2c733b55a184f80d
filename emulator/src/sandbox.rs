//! One sandbox: a runtime process in its own process group, its Runtime API endpoint and
//! its log forwarding. A sandbox is either ready for an invocation or gone: timeouts and
//! crashes kill the whole process group, and nothing outlives the emulator.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::{oneshot, watch};

use crate::cgroup::Cgroup;
use crate::latency::{AwsCall, LatencyProfile};
use crate::logs::LogSink;
use crate::physics::{Limits, SandboxCgroup};
use crate::recording_proxy::{ProxyHandle, SandboxListener};
use crate::runtime_api::{InitSignal, PendingInvocation, RuntimeApi, RuntimeReply};

/// How to start a runtime process. `AWS_LAMBDA_RUNTIME_API` is added per sandbox.
#[derive(Debug, Clone)]
pub(crate) struct SandboxSpec {
    /// `function:version`, the prefix of every forwarded log line.
    pub label: String,
    pub program: PathBuf,
    pub args: Vec<OsString>,
    pub cwd: Option<PathBuf>,
    pub environment: Vec<(String, String)>,
    pub init_timeout: Duration,
    /// The version's `MemorySize`.
    pub memory_mb: u32,
    /// The CPU share and memory limit to enforce.
    pub limits: Limits,
    /// The latency profile of the sandbox's AWS calls.
    pub latency: Option<Arc<LatencyProfile>>,
}

/// Why a sandbox could not become ready.
#[derive(Debug)]
pub(crate) enum StartFailure {
    /// The program could not be started at all (missing, not executable).
    Spawn {
        program: PathBuf,
        source: std::io::Error,
    },
    /// The runtime reported an init error through `init/error`.
    InitError {
        error_type: Option<String>,
        body: Bytes,
        init_duration: Duration,
    },
    /// The process ended before asking for its first event.
    Exited {
        status: String,
        init_duration: Duration,
    },
    TimedOut {
        init_duration: Duration,
    },
    Io(std::io::Error),
}

/// The end of one invocation in a sandbox.
#[derive(Debug)]
pub(crate) enum SandboxResult {
    Reply {
        reply: RuntimeReply,
        duration: Duration,
    },
    /// The process died before answering; the sandbox is unusable.
    Exited {
        status: String,
        duration: Duration,
    },
    /// The deadline passed; the process group has been killed.
    TimedOut {
        duration: Duration,
    },
    /// The process died before the runtime took the event (a sandbox that crashed while
    /// idle, or is still dying from its last invocation): the event was never seen, so it
    /// can go to a fresh sandbox, as Lambda re-initialises one.
    NotDelivered {
        status: String,
    },
}

/// The lines of the invocation in progress, kept for `LogType=Tail`: Lambda returns the
/// end of the execution log, the function's own output included.
#[derive(Debug, Default)]
pub(crate) struct InvocationLog {
    text: Mutex<Option<String>>,
    lines: std::sync::atomic::AtomicU64,
}

impl InvocationLog {
    fn begin(&self) {
        *lock(&self.text) = Some(String::new());
    }

    /// Appends `line` when an invocation is being captured.
    pub(crate) fn push(&self, line: &str) {
        if let Some(text) = lock(&self.text).as_mut() {
            text.push_str(line);
            text.push('\n');
        }
        self.lines.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    fn take(&self) -> Option<String> {
        lock(&self.text).take()
    }

    fn lines(&self) -> u64 {
        self.lines.load(std::sync::atomic::Ordering::Acquire)
    }
}

/// Every live runtime process, so shutdown can kill and reap them all, and the cgroup
/// that holds them and whatever they started (when the host allows one).
#[derive(Debug, Default)]
pub(crate) struct ProcessRegistry {
    live: Mutex<HashMap<u32, watch::Receiver<Option<String>>>>,
    cgroup: Option<Cgroup>,
    /// Set once the "running unthrottled" warning has been written.
    warned_unthrottled: std::sync::atomic::AtomicBool,
}

impl ProcessRegistry {
    pub(crate) fn new() -> ProcessRegistry {
        ProcessRegistry { cgroup: Cgroup::create(), ..ProcessRegistry::default() }
    }

    /// Writes, once per emulator, that the physics asked for cannot be enforced and why.
    fn warn_unthrottled(&self, logs: &LogSink, reason: &str) {
        if !self.warned_unthrottled.swap(true, std::sync::atomic::Ordering::AcqRel) {
            logs.write(
                "cutover",
                &format!(
                    "warning: the CPU share and memory limit are not enforced ({reason}); sandboxes run unthrottled and every REPORT line says so"
                ),
            );
        }
    }

    /// Prepares `command` to run isolated: its own process group, killed with the
    /// emulator, and inside the emulator's cgroup.
    pub(crate) fn isolate(&self, command: &mut tokio::process::Command) {
        isolate(command);
        if let Some(cgroup) = &self.cgroup {
            cgroup.enter_on_exec(command);
        }
    }

    /// Kills every process left in the cgroup (those that left their process group).
    pub(crate) fn kill_stragglers(&self) {
        if let Some(cgroup) = &self.cgroup {
            cgroup.kill_all();
        }
    }

    /// Tracks `child` until it ends and reaps it; the receiver turns `Some(status)` then.
    pub(crate) fn adopt(
        self: &Arc<Self>,
        pid: u32,
        mut child: tokio::process::Child,
    ) -> watch::Receiver<Option<String>> {
        let (exit_sender, exited) = watch::channel(None);
        lock(&self.live).insert(pid, exited.clone());
        let registry = self.clone();
        tokio::spawn(async move {
            let status = match child.wait().await {
                Ok(status) => describe_exit(status),
                Err(error) => format!("wait failed: {error}"),
            };
            lock(&registry.live).remove(&pid);
            let _ = exit_sender.send(Some(status));
        });
        exited
    }

    pub(crate) fn pids(&self) -> Vec<u32> {
        lock(&self.live).keys().copied().collect()
    }

    /// Kills every process group and waits (up to `grace`) until each leader is reaped.
    pub(crate) async fn kill_all(&self, grace: Duration) {
        let live: Vec<(u32, watch::Receiver<Option<String>>)> =
            lock(&self.live).iter().map(|(pid, exited)| (*pid, exited.clone())).collect();
        for (pid, _) in &live {
            kill_process_group(*pid);
        }
        self.kill_stragglers();
        let _ = tokio::time::timeout(grace, async {
            for (_, mut exited) in live {
                let _ = exited.wait_for(Option::is_some).await;
            }
        })
        .await;
    }
}

pub(crate) struct Sandbox {
    pub pid: u32,
    pub label: String,
    runtime_api: RuntimeApi,
    exited: watch::Receiver<Option<String>>,
    /// Set on a fresh sandbox; the first invocation reports it and takes it.
    pub init_duration: Option<Duration>,
    /// The last peak memory read, kept for when the process is gone.
    max_memory_used_mb: u64,
    log: Arc<InvocationLog>,
    /// The version's `MemorySize`, what an OOM-killed sandbox reports as used.
    memory_mb: u32,
    /// The cgroup enforcing the CPU share and memory limit, when asked and possible.
    cgroup: Option<SandboxCgroup>,
    /// Why the limits asked for are not enforced.
    pub unthrottled: Option<String>,
    /// The sandbox's own address on the proxy in front of the back end, with its trace.
    listener: Option<SandboxListener>,
    /// When the invocation in progress began, the zero of its trace.
    invocation_started: Instant,
}

impl Sandbox {
    pub(crate) async fn start(
        spec: &SandboxSpec,
        registry: &Arc<ProcessRegistry>,
        logs: &LogSink,
        proxy: Option<&ProxyHandle>,
    ) -> Result<Sandbox, StartFailure> {
        let (runtime_api, init_signal) = RuntimeApi::start().await.map_err(StartFailure::Io)?;
        // Its own address on the proxy, so its calls are traced (and delayed by its
        // profile): every endpoint variable naming the proxy names this listener instead.
        let listener = match proxy {
            Some(proxy) => {
                let seed = u64::from(std::process::id()) << 32 ^ u64::from(runtime_api.address.port());
                Some(proxy.sandbox_listener(spec.latency.clone(), seed).await.map_err(StartFailure::Io)?)
            }
            None => None,
        };
        let environment = spec.environment.iter().map(|(key, value)| {
            let value = match (&listener, proxy) {
                (Some(listener), Some(proxy)) if key.starts_with("AWS_ENDPOINT_URL") && value == proxy.endpoint() => {
                    &listener.endpoint
                }
                _ => value,
            };
            (key, value)
        });
        let mut command = tokio::process::Command::new(&spec.program);
        command
            .args(&spec.args)
            .env_clear()
            .envs(environment)
            .env("AWS_LAMBDA_RUNTIME_API", runtime_api.address.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(cwd) = &spec.cwd {
            command.current_dir(cwd);
        }
        registry.isolate(&mut command);
        // The limits' cgroup is joined last: where it shares a hierarchy with the
        // emulator's, the sandbox's own wins, and its drop reaches what is inside.
        let (cgroup, unthrottled) = match spec.limits.any().then(|| SandboxCgroup::create(&spec.limits)) {
            None => (None, None),
            Some(Ok(cgroup)) => {
                cgroup.enter_on_exec(&mut command);
                (Some(cgroup), None)
            }
            Some(Err(reason)) => {
                registry.warn_unthrottled(logs, &reason);
                (None, Some(reason))
            }
        };
        let mut child =
            command.spawn().map_err(|source| StartFailure::Spawn { program: spec.program.clone(), source })?;
        // Init Duration is the runtime's: from its exec (spawn returns once the child has
        // exec'd), as Lambda counts it, not the sandbox's making. Joining the emulator's
        // cgroup between fork and exec alone takes 10-20 ms on cgroup v1 (an RCU grace
        // period), which a Rust runtime's 2 ms init would otherwise carry.
        let started = Instant::now();
        let pid = child.id().unwrap_or_default();
        let log = Arc::new(InvocationLog::default());
        if let Some(stdout) = child.stdout.take() {
            forward_lines(stdout, spec.label.clone(), logs.clone(), log.clone());
        }
        if let Some(stderr) = child.stderr.take() {
            forward_lines(stderr, spec.label.clone(), logs.clone(), log.clone());
        }
        let exited = registry.adopt(pid, child);

        let mut sandbox = Sandbox {
            pid,
            label: spec.label.clone(),
            runtime_api,
            exited,
            init_duration: None,
            max_memory_used_mb: 0,
            log,
            memory_mb: spec.memory_mb,
            cgroup,
            unthrottled,
            listener,
            invocation_started: Instant::now(),
        };
        let mut exited = sandbox.exited.clone();
        let outcome = tokio::select! {
            biased;
            signal = init_signal => signal.ok(),
            _ = wait_exit(&mut exited) => None,
            _ = tokio::time::sleep(spec.init_timeout) => {
                return Err(StartFailure::TimedOut { init_duration: started.elapsed() });
            }
        };
        let init_duration = started.elapsed();
        match outcome {
            Some(InitSignal::Ready) => {
                if let Some(Err(reason)) = sandbox.cgroup.as_ref().map(SandboxCgroup::throttle_cpu) {
                    registry.warn_unthrottled(logs, &reason);
                    sandbox.unthrottled = Some(reason);
                }
                sandbox.max_memory_used_mb();
                sandbox.init_duration = Some(init_duration);
                Ok(sandbox)
            }
            Some(InitSignal::Failed { error_type, body }) => {
                Err(StartFailure::InitError { error_type, body, init_duration })
            }
            None => {
                let status = sandbox.exit_status().await;
                Err(StartFailure::Exited { status, init_duration })
            }
        }
    }

    /// Hands one event to the runtime and waits for its answer, its death or the deadline.
    pub(crate) async fn invoke(
        &mut self,
        request_id: &str,
        payload: Bytes,
        function_arn: &str,
        timeout: Duration,
    ) -> SandboxResult {
        let started = Instant::now();
        self.invocation_started = started;
        if let Some(listener) = &self.listener {
            listener.trace.begin();
        }
        // The runtime compares the deadline with its own wall clock, so it stays on real
        // time even when the emulator runs on a scaled clock.
        let deadline_epoch_ms = std::time::SystemTime::now()
            .checked_add(timeout)
            .and_then(|deadline| deadline.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|since_epoch| since_epoch.as_millis())
            .unwrap_or_default();
        let (reply_sender, reply) = oneshot::channel();
        let delivered = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let pending = PendingInvocation {
            request_id: request_id.to_string(),
            payload,
            deadline_epoch_ms,
            function_arn: function_arn.to_string(),
            trace_id: trace_id(),
            reply: reply_sender,
            delivered: delivered.clone(),
        };
        if self.runtime_api.invocations.send(pending).await.is_err() {
            return SandboxResult::NotDelivered { status: self.exit_status().await };
        }
        let mut exited = self.exited.clone();
        let died = |status: String, duration: Duration| {
            if delivered.load(std::sync::atomic::Ordering::Acquire) {
                SandboxResult::Exited { status, duration }
            } else {
                SandboxResult::NotDelivered { status }
            }
        };
        tokio::select! {
            biased;
            reply = reply => match reply {
                Ok(reply) => SandboxResult::Reply { reply, duration: started.elapsed() },
                Err(_) => died(self.exit_status().await, started.elapsed()),
            },
            _ = wait_exit(&mut exited) => died(self.exit_status().await, started.elapsed()),
            _ = tokio::time::sleep(timeout) => {
                self.max_memory_used_mb();
                self.kill();
                SandboxResult::TimedOut { duration: started.elapsed() }
            }
        }
    }

    /// Starts keeping this sandbox's log lines for the invocation about to run.
    pub(crate) fn begin_log(&self) {
        self.log.begin();
    }

    /// Adds a line the emulator writes (START, END, REPORT) to the captured log.
    pub(crate) fn push_log(&self, line: &str) {
        self.log.push(line);
    }

    /// The captured log of the invocation, once the runtime's output has settled: its
    /// stdout and stderr are read by other tasks, so lines the handler wrote just before
    /// answering may still be in flight. Waits (a few ms at most) until no new line came
    /// for one poll.
    pub(crate) async fn finish_log(&self) -> String {
        let mut seen = self.log.lines();
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(3)).await;
            let now = self.log.lines();
            if now == seen {
                break;
            }
            seen = now;
        }
        self.log.take().unwrap_or_default()
    }

    pub(crate) fn has_exited(&self) -> bool {
        self.exited.borrow().is_some()
    }

    /// The AWS calls of the invocation just run, timed from its start; empty without a
    /// proxy in front of the back end.
    pub(crate) fn take_calls(&self) -> Vec<AwsCall> {
        self.listener.as_ref().map(|listener| listener.trace.take(self.invocation_started)).unwrap_or_default()
    }

    /// Whether the kernel killed this sandbox for passing its memory limit.
    pub(crate) fn oom_killed(&self) -> bool {
        self.cgroup.as_ref().is_some_and(SandboxCgroup::oom_killed)
    }

    /// "Max Memory Used" of an OOM-killed sandbox: the limit it reached.
    pub(crate) fn memory_limit_mb(&self) -> u64 {
        u64::from(self.memory_mb)
    }

    /// The peak resident memory of the runtime process so far, in MB (Lambda's "Max Memory
    /// Used"), from `/proc/<pid>/status`.
    pub(crate) fn max_memory_used_mb(&mut self) -> u64 {
        if let Some(megabytes) = peak_memory_mb(self.pid) {
            self.max_memory_used_mb = megabytes;
        }
        self.max_memory_used_mb
    }

    pub(crate) fn kill(&self) {
        if !self.has_exited() {
            kill_process_group(self.pid);
        }
    }

    async fn exit_status(&self) -> String {
        let mut exited = self.exited.clone();
        // The reaper reports promptly; the bound only guards against a wedged process.
        let waited = tokio::time::timeout(Duration::from_secs(2), exited.wait_for(Option::is_some)).await;
        match waited {
            Ok(Ok(status)) => status.clone().unwrap_or_default(),
            _ => "exit status unknown".to_string(),
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // Kill the whole group: a dropped sandbox must never leave a process behind.
        self.kill();
    }
}

/// Resolves once the process has ended (holding no borrow of the watch across awaits).
async fn wait_exit(exited: &mut watch::Receiver<Option<String>>) {
    let _ = exited.wait_for(Option::is_some).await;
}

fn forward_lines(
    stream: impl tokio::io::AsyncRead + Unpin + Send + 'static,
    label: String,
    logs: LogSink,
    log: Arc<InvocationLog>,
) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            log.push(&line);
            logs.write(&label, &line);
        }
    });
}

fn describe_exit(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("signal: {signal}"),
        _ => "exit status unknown".to_string(),
    }
}

/// `VmHWM` of `/proc/<pid>/status`, rounded up to whole MB.
pub(crate) fn peak_memory_mb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kilobytes: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes.div_ceil(1024))
}

/// An X-Ray style trace header, as Lambda passes it to the runtime.
fn trace_id() -> String {
    // Real time, like the deadline: the runtime's own clock is the wall clock.
    let epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|since| since.as_secs())
        .unwrap_or_default();
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("Root=1-{epoch:08x}-{};Parent={};Sampled=0", &random[..24], &random[16..32])
}

/// SIGKILL to the process group led by `pid`.
#[allow(unsafe_code)]
pub(crate) fn kill_process_group(pid: u32) {
    let Ok(pgid) = i32::try_from(pid) else { return };
    if pgid <= 1 {
        return;
    }
    // SAFETY: kill(2) with a negative pid signals a process group; it touches no memory.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

/// Puts a child in its own process group (so one signal reaches everything it spawns) and
/// asks the kernel to SIGKILL it if the emulator dies without cleaning up, even by SIGKILL,
/// so no child is ever orphaned.
#[allow(unsafe_code)]
fn isolate(command: &mut tokio::process::Command) {
    command.process_group(0);
    // SAFETY: the closure runs between fork and exec and only calls prctl(2), which is
    // async-signal-safe and allocates nothing.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_memory_of_this_process_is_readable_and_plausible() {
        let megabytes = peak_memory_mb(std::process::id()).expect("VmHWM in /proc/self/status");
        assert!((1..100_000).contains(&megabytes), "{megabytes} MB");
    }

    #[test]
    fn trace_ids_follow_the_xray_shape() {
        let trace = trace_id();
        let parts: Vec<&str> = trace.split(';').collect();
        assert!(parts[0].starts_with("Root=1-") && parts[0].len() == "Root=1-".len() + 8 + 1 + 24, "{trace}");
        assert!(parts[1].starts_with("Parent=") && parts[1].len() == "Parent=".len() + 16, "{trace}");
    }
}
