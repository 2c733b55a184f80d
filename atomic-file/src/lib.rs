//! Every file `cutover` writes (reports, package zips, canary locks, usage files) is
//! either the old version or the whole new one, never half of either:
//!
//! - [`AtomicFile`] writes a temporary sibling (same folder, so the rename cannot cross a
//!   file system), syncs it, renames it over the destination and syncs the folder, so a
//!   crash at any point leaves the old file or the new one;
//! - a writer that fails or is dropped removes its temporary;
//! - a writer that was killed (`kill -9`) cannot clean up, so the next writer of the same
//!   destination sweeps temporaries whose process is gone.
//!
//! [`write_atomically`] is the one-call form.

// A library computes; only the binary prints (ripgrep's rule): output goes through
// typed results and renderers, logs through `tracing` or a sink the caller chose.
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Tells temporaries of one process apart.
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// A file being written; [`AtomicFile::commit`] makes it visible.
#[derive(Debug)]
pub struct AtomicFile {
    destination: PathBuf,
    temporary: PathBuf,
    file: Option<File>,
}

impl AtomicFile {
    /// Starts writing `destination`; nothing is visible there until [`commit`](Self::commit).
    pub fn create(destination: &Path) -> io::Result<AtomicFile> {
        let folder = folder_of(destination);
        let name = file_name_of(destination)?;
        sweep_abandoned(folder, &name);
        let temporary =
            folder.join(format!(".{name}.{}.{}.tmp", std::process::id(), SEQUENCE.fetch_add(1, Ordering::Relaxed)));
        let file = File::create(&temporary)?;
        Ok(AtomicFile { destination: destination.to_path_buf(), temporary, file: Some(file) })
    }

    /// Syncs the data, renames it over the destination and syncs the folder.
    pub fn commit(mut self) -> io::Result<()> {
        let result = self.finish();
        if result.is_err() {
            let _ = std::fs::remove_file(&self.temporary);
        }
        result
    }

    fn finish(&mut self) -> io::Result<()> {
        let mut file = self.file.take().ok_or_else(|| io::Error::other("already committed"))?;
        file.flush()?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.temporary, &self.destination)?;
        // The rename itself is durable only once the folder is synced; best effort where
        // the platform cannot sync a folder.
        if let Ok(folder) = File::open(folder_of(&self.destination)) {
            let _ = folder.sync_all();
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(file) => file.write(bytes),
            None => Err(io::Error::other("already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Not committed: a failed or abandoned write leaves nothing behind.
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

/// Writes `bytes` to `destination` atomically.
pub fn write_atomically(destination: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = AtomicFile::create(destination)?;
    file.write_all(bytes)?;
    file.commit()
}

fn folder_of(path: &Path) -> &Path {
    path.parent().filter(|folder| !folder.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

fn file_name_of(path: &Path) -> io::Result<String> {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("{} names no file", path.display())))
}

/// Removes `.{name}.{pid}.{n}.tmp` siblings whose writer process no longer exists.
fn sweep_abandoned(folder: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    let prefix = format!(".{name}.");
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = file_name.strip_prefix(&prefix).and_then(|rest| rest.strip_suffix(".tmp")) else {
            continue;
        };
        let Some((pid, sequence)) = rest.split_once('.') else { continue };
        if sequence.parse::<u64>().is_err() {
            continue;
        }
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if pid != std::process::id() && !process_exists(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn process_exists(pid: u32) -> bool {
    // Where /proc is absent nothing is swept: keeping a stale file beats deleting a live one.
    !Path::new("/proc/self").exists() || Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_committed_write_replaces_the_file_and_leaves_no_temporary() {
        let folder = tempfile::tempdir().expect("tempdir");
        let path = folder.path().join("report.json");
        std::fs::write(&path, "old").expect("write");
        write_atomically(&path, b"new").expect("atomic write");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new");
        assert_eq!(std::fs::read_dir(folder.path()).expect("list").count(), 1, "only the file itself");
    }

    #[test]
    fn a_write_that_fails_at_the_rename_keeps_the_old_file_and_no_temporary() {
        let folder = tempfile::tempdir().expect("tempdir");
        // A non-empty folder cannot be replaced by a rename, whoever we are.
        let path = folder.path().join("taken");
        std::fs::create_dir(&path).expect("mkdir");
        std::fs::write(path.join("inside"), "old").expect("write");
        let error = write_atomically(&path, b"new").expect_err("the rename fails");
        assert!(
            matches!(
                error.kind(),
                io::ErrorKind::IsADirectory | io::ErrorKind::DirectoryNotEmpty | io::ErrorKind::Other
            ),
            "{error:?}"
        );
        assert_eq!(std::fs::read_to_string(path.join("inside")).expect("read"), "old");
        assert_eq!(
            std::fs::read_dir(folder.path()).expect("list").count(),
            1,
            "no temporary left: {:?}",
            std::fs::read_dir(folder.path()).expect("list").collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_dropped_writer_leaves_the_old_file_and_no_temporary() {
        let folder = tempfile::tempdir().expect("tempdir");
        let path = folder.path().join("out.csv");
        std::fs::write(&path, "old").expect("write");
        let mut file = AtomicFile::create(&path).expect("create");
        file.write_all(b"half of the n").expect("write");
        drop(file);
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "old");
        assert_eq!(std::fs::read_dir(folder.path()).expect("list").count(), 1);
    }

    #[test]
    fn temporaries_of_dead_writers_are_swept_and_live_ones_kept() {
        let folder = tempfile::tempdir().expect("tempdir");
        let path = folder.path().join("out.html");
        // No process has pid 4194304 (above Linux's maximum); this process is alive.
        let dead = folder.path().join(".out.html.4194304.0.tmp");
        let live = folder.path().join(format!(".out.html.{}.999.tmp", std::process::id()));
        let other = folder.path().join(".other.html.4194304.0.tmp");
        for stale in [&dead, &live, &other] {
            std::fs::write(stale, "partial").expect("write");
        }
        write_atomically(&path, b"whole").expect("write");
        assert!(!dead.exists(), "a dead writer's temporary is swept");
        assert!(live.exists(), "a live writer's temporary is not ours to remove");
        assert!(other.exists(), "another file's temporaries are left alone");
    }
}
