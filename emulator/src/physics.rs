//! Lambda's CPU share and memory limit for one sandbox, through a cgroup of its own.
//!
//! Lambda gives a function `memory_mb / 1769` of a vCPU (one whole vCPU at 1,769 MB, up
//! to six at 10,240 MB) and kills a runtime that grows past `memory_mb`. Here each sandbox
//! that asks for either gets its own cgroup: on cgroup v1 one in the `cpu` hierarchy
//! (`cpu.cfs_quota_us` over `cpu.cfs_period_us`) and one in the `memory` hierarchy
//! (`memory.limit_in_bytes`); on cgroup v2 one cgroup with `cpu.max` and `memory.max`. The
//! runtime joins them between fork and exec, so it never runs a moment over its memory.
//!
//! The CPU quota applies from the first invocation, not during init: on Lambda a
//! function's init takes the same time at 128 MB as at 1,024 MB (lambda-perf's daily
//! data; cebert's benchmarks: Python 3.12 init 383/382/388 ms at 128/512/1024 MB), while
//! its first invocation at 128 MB takes six times as long as at 1,024 MB.
//!
//! Where no cgroup can be made (no root, a read-only hierarchy, a v2 tree without the
//! controllers delegated), [`SandboxCgroup::create`] says why; the sandbox then runs
//! unthrottled and its REPORT lines say so.

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// The memory size at which Lambda gives a function one whole vCPU.
pub const FULL_VCPU_MB: u32 = 1769;

/// The CFS period. The kernel's smallest quota is 1 ms, and 128 MB's share of 14 ms is
/// 1.01 ms: the shortest period that still meters the smallest function, so a handler
/// that runs a few milliseconds is slowed as on Lambda instead of fitting in one long
/// period's quota unthrottled.
const CPU_PERIOD_US: u64 = 14_000;

/// What a sandbox is limited to.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Limits {
    /// vCPUs (`memory_mb / 1769`), when the CPU share is on.
    pub cpu_share: Option<f64>,
    /// The memory limit in bytes, when it is on.
    pub memory_bytes: Option<u64>,
}

impl Limits {
    /// The limits of a version with `memory_mb` under `physics`.
    pub(crate) fn of(memory_mb: u32, physics: &crate::config::Physics) -> Limits {
        Limits {
            cpu_share: physics.cpu_share.then(|| cpu_share(memory_mb)),
            memory_bytes: physics.memory_limit.then(|| u64::from(memory_mb) * 1024 * 1024),
        }
    }

    /// Whether there is anything to enforce.
    pub(crate) fn any(&self) -> bool {
        self.cpu_share.is_some() || self.memory_bytes.is_some()
    }
}

/// Whether this host can enforce a CPU share and a memory limit: `Err` says why not (the
/// sandboxes would run unthrottled). It makes and removes one empty cgroup to find out.
pub fn physics_support() -> Result<(), String> {
    let cgroup = SandboxCgroup::create(&Limits { cpu_share: Some(1.0), memory_bytes: Some(128 * 1024 * 1024) })?;
    let applied = cgroup.throttle_cpu();
    drop(cgroup);
    finish_cleanup();
    applied
}

/// The vCPUs Lambda allocates to `memory_mb`.
pub fn cpu_share(memory_mb: u32) -> f64 {
    f64::from(memory_mb) / f64::from(FULL_VCPU_MB)
}

/// The CFS quota for `share` vCPUs over [`CPU_PERIOD_US`], never under the kernel's 1 ms.
fn cpu_quota_us(share: f64) -> u64 {
    // `share` is at most 10240/1769 (config bounds), so the product fits easily.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let quota = (share * CPU_PERIOD_US as f64).round() as u64;
    quota.max(1000)
}

/// Where the OOM kills of a memory cgroup are counted.
#[derive(Debug)]
enum OomCounter {
    /// v1 `memory.oom_control` (`oom_kill N`, kernel 4.13 and later), with
    /// `memory.failcnt` for older kernels.
    V1 { oom_control: PathBuf, failcnt: PathBuf },
    /// v2 `memory.events` (`oom_kill N`).
    V2 { events: PathBuf },
}

/// One sandbox's cgroup(s); dropping it kills what is left inside and removes them.
#[derive(Debug)]
pub(crate) struct SandboxCgroup {
    /// The folders made, one per hierarchy (v1) or one (v2).
    folders: Vec<PathBuf>,
    /// Their `cgroup.procs`, ready for `open(2)` between fork and exec.
    procs: Vec<CString>,
    oom: Option<OomCounter>,
    /// The CPU quota's file and value, written once init is over.
    cpu_quota: Option<(PathBuf, String)>,
}

impl SandboxCgroup {
    /// A cgroup enforcing `limits`, or why none could be made.
    pub(crate) fn create(limits: &Limits) -> Result<SandboxCgroup, String> {
        static SEQUENCE: AtomicU32 = AtomicU32::new(0);
        let name = format!("cutover-sandbox-{}-{}", std::process::id(), SEQUENCE.fetch_add(1, Ordering::Relaxed));
        let root = Path::new("/sys/fs/cgroup");
        if root.join("cgroup.controllers").is_file() {
            return create_v2(root, &name, limits);
        }
        let mut cgroup = SandboxCgroup { folders: Vec::new(), procs: Vec::new(), oom: None, cpu_quota: None };
        if let Some(share) = limits.cpu_share {
            let hierarchy = ["cpu,cpuacct", "cpu"]
                .iter()
                .map(|name| root.join(name))
                .find(|hierarchy| hierarchy.join("cpu.cfs_quota_us").is_file())
                .ok_or("no cgroup v1 cpu controller is mounted under /sys/fs/cgroup")?;
            let folder = cgroup.make(&hierarchy, &name)?;
            write(&folder, "cpu.cfs_period_us", &CPU_PERIOD_US.to_string())?;
            cgroup.cpu_quota = Some((folder.join("cpu.cfs_quota_us"), cpu_quota_us(share).to_string()));
        }
        if let Some(bytes) = limits.memory_bytes {
            let hierarchy = root.join("memory");
            if !hierarchy.join("memory.limit_in_bytes").is_file() {
                return Err("no cgroup v1 memory controller is mounted under /sys/fs/cgroup".to_string());
            }
            let folder = cgroup.make(&hierarchy, &name)?;
            write(&folder, "memory.limit_in_bytes", &bytes.to_string())?;
            // Lambda has no swap: where swap is accounted, the limit covers it too.
            if folder.join("memory.memsw.limit_in_bytes").is_file() {
                write(&folder, "memory.memsw.limit_in_bytes", &bytes.to_string())?;
            }
            cgroup.oom = Some(OomCounter::V1 {
                oom_control: folder.join("memory.oom_control"),
                failcnt: folder.join("memory.failcnt"),
            });
        }
        Ok(cgroup)
    }

    /// Makes `hierarchy/name` and keeps it (removed on drop, even if a later step fails).
    fn make(&mut self, hierarchy: &Path, name: &str) -> Result<PathBuf, String> {
        let folder = hierarchy.join(name);
        std::fs::create_dir(&folder).map_err(|error| format!("cannot create {}: {error}", folder.display()))?;
        self.folders.push(folder.clone());
        let procs = CString::new(folder.join("cgroup.procs").into_os_string().into_encoded_bytes())
            .map_err(|_| format!("{} has a NUL byte", folder.display()))?;
        self.procs.push(procs);
        Ok(folder)
    }

    /// Makes the child join every cgroup of this sandbox before it runs anything.
    pub(crate) fn enter_on_exec(&self, command: &mut tokio::process::Command) {
        crate::cgroup::join_on_exec(command, self.procs.clone());
    }

    /// Applies the CPU share: init is over.
    pub(crate) fn throttle_cpu(&self) -> Result<(), String> {
        match &self.cpu_quota {
            Some((path, value)) => std::fs::write(path, value)
                .map_err(|error| format!("cannot write {value:?} to {}: {error}", path.display())),
            None => Ok(()),
        }
    }

    /// Whether the kernel has OOM-killed a process of this sandbox.
    pub(crate) fn oom_killed(&self) -> bool {
        match &self.oom {
            None => false,
            Some(OomCounter::V2 { events }) => counter(events, "oom_kill").is_some_and(|kills| kills > 0),
            Some(OomCounter::V1 { oom_control, failcnt }) => match counter(oom_control, "oom_kill") {
                Some(kills) => kills > 0,
                // Kernels before 4.13 do not count kills: a hit limit is the best sign.
                None => std::fs::read_to_string(failcnt)
                    .ok()
                    .and_then(|text| text.trim().parse::<u64>().ok())
                    .is_some_and(|failures| failures > 0),
            },
        }
    }

    fn pids(&self) -> Vec<i32> {
        self.folders.iter().flat_map(|folder| procs(folder)).collect()
    }
}

impl Drop for SandboxCgroup {
    fn drop(&mut self) {
        // The last process may not be reaped yet, and a cgroup with a process (a zombie
        // too) cannot be removed: the waiting happens on a thread of its own, never on
        // the async runtime; `finish_cleanup` waits for every such thread.
        let folders = std::mem::take(&mut self.folders);
        let pids = self.pids();
        let cleanup = std::thread::spawn(move || remove(&folders, pids));
        lock(&PENDING).push(cleanup);
    }
}

/// The cleanups still running.
static PENDING: std::sync::Mutex<Vec<std::thread::JoinHandle<()>>> = std::sync::Mutex::new(Vec::new());

/// Waits for every dropped sandbox's cgroups to be removed (the emulator's shutdown calls
/// it, so none outlives the run).
pub(crate) fn finish_cleanup() {
    let pending: Vec<_> = lock(&PENDING).drain(..).collect();
    for cleanup in pending {
        let _ = cleanup.join();
    }
}

#[allow(unsafe_code)]
fn remove(folders: &[PathBuf], mut pids: Vec<i32>) {
    for _ in 0..50 {
        if pids.is_empty() {
            break;
        }
        for pid in pids.iter().copied().filter(|pid| *pid > 1) {
            // SAFETY: kill(2) touches no memory.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
        pids = folders.iter().flat_map(|folder| procs(folder)).collect();
    }
    for folder in folders.iter().rev() {
        for _ in 0..200 {
            if std::fs::remove_dir(folder).is_ok() || !folder.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}

fn procs(folder: &Path) -> Vec<i32> {
    std::fs::read_to_string(folder.join("cgroup.procs"))
        .map(|text| text.lines().filter_map(|line| line.trim().parse().ok()).collect())
        .unwrap_or_default()
}

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// cgroup v2: one parent per emulator process with `cpu` and `memory` delegated to its
/// children (a v2 cgroup with processes cannot delegate, so the parent holds none), and one
/// child per sandbox.
fn create_v2(root: &Path, name: &str, limits: &Limits) -> Result<SandboxCgroup, String> {
    static PARENT: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    let parent = PARENT
        .get_or_init(|| {
            let wanted = ["cpu", "memory"];
            let available = std::fs::read_to_string(root.join("cgroup.controllers")).unwrap_or_default();
            if let Some(missing) =
                wanted.iter().find(|controller| !available.split_whitespace().any(|c| c == **controller))
            {
                return Err(format!("the cgroup v2 controller {missing} is not available at {}", root.display()));
            }
            write(root, "cgroup.subtree_control", "+cpu +memory")?;
            let parent = root.join(format!("cutover-emulator-{}", std::process::id()));
            if !parent.is_dir() {
                std::fs::create_dir(&parent).map_err(|error| format!("cannot create {}: {error}", parent.display()))?;
            }
            write(&parent, "cgroup.subtree_control", "+cpu +memory")?;
            Ok(parent)
        })
        .clone()?;
    let mut cgroup = SandboxCgroup { folders: Vec::new(), procs: Vec::new(), oom: None, cpu_quota: None };
    let folder = cgroup.make(&parent, name)?;
    if let Some(share) = limits.cpu_share {
        cgroup.cpu_quota = Some((folder.join("cpu.max"), format!("{} {CPU_PERIOD_US}", cpu_quota_us(share))));
    }
    if let Some(bytes) = limits.memory_bytes {
        write(&folder, "memory.max", &bytes.to_string())?;
        if folder.join("memory.swap.max").is_file() {
            write(&folder, "memory.swap.max", "0")?;
        }
        cgroup.oom = Some(OomCounter::V2 { events: folder.join("memory.events") });
    }
    Ok(cgroup)
}

fn write(folder: &Path, file: &str, value: &str) -> Result<(), String> {
    let path = folder.join(file);
    std::fs::write(&path, value).map_err(|error| format!("cannot write {value:?} to {}: {error}", path.display()))
}

/// The value of `key` in a flat-keyed cgroup file (`key value` per line).
fn counter(path: &Path, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find_map(|line| {
        let (name, value) = line.split_once(' ')?;
        (name == key).then(|| value.trim().parse().ok()).flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_is_memory_over_1769_and_the_quota_never_under_a_millisecond() {
        assert!((cpu_share(1769) - 1.0).abs() < 1e-12);
        assert!((cpu_share(128) - 0.072_357).abs() < 1e-6);
        assert_eq!(cpu_quota_us(1.0), CPU_PERIOD_US);
        assert_eq!(cpu_quota_us(cpu_share(128)), 1013, "128 MB's share of 14 ms");
        assert_eq!(cpu_quota_us(0.01), 1000, "the kernel's floor");
        assert_eq!(cpu_quota_us(cpu_share(10240)), 81_040, "about 5.8 vCPUs");
    }

    #[test]
    fn limits_follow_the_physics_asked_for() {
        let off = crate::config::Physics::default();
        assert!(!Limits::of(512, &off).any());
        let both = crate::config::Physics { cpu_share: true, memory_limit: true, latency_profile: None };
        let limits = Limits::of(512, &both);
        assert_eq!(limits.memory_bytes, Some(512 * 1024 * 1024));
        assert!((limits.cpu_share.expect("on") - 512.0 / 1769.0).abs() < 1e-12);
    }

    #[test]
    fn counters_are_read_by_key() {
        let folder = tempfile::tempdir().expect("tempdir");
        let path = folder.path().join("memory.events");
        std::fs::write(&path, "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n").expect("write");
        assert_eq!(counter(&path, "oom_kill"), Some(1));
        assert_eq!(counter(&path, "oom"), Some(1));
        assert_eq!(counter(&path, "missing"), None);
    }
}
