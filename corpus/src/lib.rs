//! Recorded traffic as a corpus (`cutover.record/v1`, docs/record-format.md), before any
//! replay: [`pull`] reads what the recorder logged from CloudWatch Logs into JSONL
//! shards (joining split records, dropping duplicates, resumable), [`check`] refuses a
//! corpus that is malformed or still holds secrets, [`stats`] counts it, and [`select`]
//! samples or filters it into a new file, keeping whole entities together so a replay of
//! the sample still finds the state it reads.

#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

mod check;
mod pull;
mod select;
mod stats;

pub use check::{CheckReport, RecordFinding, check};
pub use pull::{FunctionPull, PullError, PullOptions, PullProgress, PullSummary, pull};
pub use select::{Sampling, Selection, SelectionSummary, select};
pub use stats::{CorpusStats, FunctionStats, RouteStats, stats};

/// Why a corpus command failed.
#[derive(Debug, thiserror::Error)]
pub enum CorpusToolError {
    /// The corpus could not be read, or a record in it is malformed (named with its file
    /// and line).
    #[error(transparent)]
    Corpus(#[from] parity::CorpusError),
    /// The output could not be written; nothing half-written is left.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The output already exists: corpus commands never overwrite a corpus.
    #[error("{} exists; choose another --out (a corpus is never overwritten)", path.display())]
    Exists {
        /// The file.
        path: std::path::PathBuf,
    },
}

/// Writes records as JSON Lines to `path` atomically.
pub(crate) fn write_records(path: &std::path::Path, records: &[parity::Record]) -> Result<(), CorpusToolError> {
    let fail = |source: std::io::Error| CorpusToolError::Write { path: path.to_path_buf(), source };
    let mut file = atomic_file::AtomicFile::create(path).map_err(fail)?;
    for record in records {
        write_line(&mut file, record).map_err(fail)?;
    }
    file.commit().map_err(fail)
}

/// One record as one JSON line.
pub(crate) fn write_line(file: &mut impl std::io::Write, record: &parity::Record) -> std::io::Result<()> {
    let line = serde_json::to_string(record).map_err(std::io::Error::other)?;
    file.write_all(line.as_bytes())?;
    file.write_all(b"\n")
}
