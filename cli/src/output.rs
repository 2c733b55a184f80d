//! Where command results go. Data goes to stdout through [`stdout`], which treats a closed
//! pipe (`cutover ... | head`) as the reader having seen enough, as ripgrep does, instead of
//! panicking like `println!`. Files are written through [`write_atomically`], so a reader
//! sees the old file or the new one, never half of one.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;

use crate::exit::Failure;

/// Writes `text` to stdout and flushes it. A broken pipe is not an error.
pub fn stdout(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::Unexpected(anyhow::Error::new(error).context("could not write to stdout")))
        }
        _ => Ok(()),
    }
}

/// Writes `text` plus a newline to stdout.
pub fn stdout_line(text: &str) -> Result<(), Failure> {
    stdout(&format!("{text}\n"))
}

/// Writes `path` so that a reader (or a crash) sees the old file or the whole new one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    atomic_file::write_atomically(path, bytes).with_context(|| format!("could not write {}", path.display()))
}

/// Checks, before a long run starts, that `write_atomically(path, ..)` can succeed: the
/// folder exists and `path` is not a folder. The run's result is never lost to a typo.
/// Errors name the `flag` that gave the path.
pub fn check_writable_destination(path: &Path, flag: &str) -> anyhow::Result<()> {
    let folder = path.parent().filter(|folder| !folder.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !folder.is_dir() {
        anyhow::bail!("{flag} {}: the folder {} does not exist", path.display(), folder.display());
    }
    if path.is_dir() {
        anyhow::bail!("{flag} {} is a folder; name a file", path.display());
    }
    Ok(())
}
