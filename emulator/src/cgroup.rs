//! A cgroup (v1) holding every process the emulator starts, so shutdown reaches the ones
//! that left their process group: a daemon a handler started with `setsid`, a helper that
//! double-forked. Membership is inherited across fork and cannot be left without write
//! access to the hierarchy, which a sandbox does not ask for. Where no v1 hierarchy is
//! writable (no root, cgroup v2 only), the emulator falls back to killing process groups,
//! which misses processes in new sessions.

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// The v1 controllers tried, in order: any one groups processes; `pids` costs nothing.
const HIERARCHIES: [&str; 4] =
    ["/sys/fs/cgroup/pids", "/sys/fs/cgroup/memory", "/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"];

#[derive(Debug)]
pub(crate) struct Cgroup {
    folder: PathBuf,
    /// `<folder>/cgroup.procs`, ready for `open(2)` between fork and exec.
    procs: CString,
}

impl Cgroup {
    /// A new, empty cgroup for one emulator, or `None` where none can be made.
    pub(crate) fn create() -> Option<Cgroup> {
        static SEQUENCE: AtomicU32 = AtomicU32::new(0);
        let name = format!("cutover-emulator-{}-{}", std::process::id(), SEQUENCE.fetch_add(1, Ordering::Relaxed));
        HIERARCHIES.iter().map(Path::new).filter(|root| root.join("cgroup.procs").exists()).find_map(|root| {
            let folder = root.join(&name);
            std::fs::create_dir(&folder).ok()?;
            let procs_path = folder.join("cgroup.procs");
            let writable = std::fs::OpenOptions::new().write(true).open(&procs_path).is_ok();
            let procs = CString::new(procs_path.into_os_string().into_encoded_bytes()).ok();
            match (writable, procs) {
                (true, Some(procs)) => Some(Cgroup { folder, procs }),
                _ => {
                    let _ = std::fs::remove_dir(&folder);
                    None
                }
            }
        })
    }

    /// Makes the child join this cgroup before it runs anything, so even its first fork is
    /// inside.
    pub(crate) fn enter_on_exec(&self, command: &mut tokio::process::Command) {
        join_on_exec(command, vec![self.procs.clone()]);
    }

    /// The processes in the cgroup now.
    pub(crate) fn pids(&self) -> Vec<i32> {
        std::fs::read_to_string(self.folder.join("cgroup.procs"))
            .map(|text| text.lines().filter_map(|line| line.trim().parse().ok()).collect())
            .unwrap_or_default()
    }

    /// SIGKILLs every process in the cgroup, again while new ones appear (a fork racing
    /// the kill), for at most a few rounds.
    #[allow(unsafe_code)]
    pub(crate) fn kill_all(&self) {
        for _ in 0..50 {
            let pids = self.pids();
            if pids.is_empty() {
                return;
            }
            for pid in pids {
                if pid > 1 {
                    // SAFETY: kill(2) touches no memory.
                    unsafe {
                        libc::kill(pid, libc::SIGKILL);
                    }
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        self.kill_all();
        // A cgroup can be removed once its last process is reaped; zombies not yet reaped by
        // their parent keep it a moment longer.
        for _ in 0..100 {
            if std::fs::remove_dir(&self.folder).is_ok() || !self.folder.exists() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}

/// Makes the child write itself into each `cgroup.procs` of `procs` between fork and exec,
/// so it never runs a moment outside those cgroups.
#[allow(unsafe_code)]
pub(crate) fn join_on_exec(command: &mut tokio::process::Command, procs: Vec<CString>) {
    // SAFETY: the closure runs between fork and exec and only calls open(2), write(2) and
    // close(2), which are async-signal-safe; it allocates nothing (the paths were prepared
    // before the fork, and iterating a Vec does not allocate).
    unsafe {
        command.pre_exec(move || {
            for path in &procs {
                let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
                if fd < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // "0" is the writing process itself.
                let written = libc::write(fd, b"0\n".as_ptr().cast(), 2);
                libc::close(fd);
                if written < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}
