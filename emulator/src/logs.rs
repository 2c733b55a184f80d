//! Where sandbox output and the START/END/REPORT lines go: the emulator's stderr (as
//! Lambda sends them to CloudWatch Logs), nowhere (benchmarks), or memory (tests, and
//! anything that parses REPORT lines).

use std::sync::{Arc, Mutex};

/// Where the lines go; each line is prefixed with `[function:version]`.
#[derive(Debug, Clone, Default)]
pub enum LogSink {
    /// The emulator's stderr, one line at a time (the default).
    #[default]
    Stderr,
    /// Nowhere.
    Discard,
    /// Kept in memory, in order, for [`LogSink::lines`]; clones share the buffer.
    Memory(Arc<Mutex<Vec<String>>>),
}

impl LogSink {
    /// An empty memory sink.
    pub fn memory() -> LogSink {
        LogSink::Memory(Arc::new(Mutex::new(Vec::new())))
    }

    /// Writes one line, prefixed by its source (`function:version`).
    pub(crate) fn write(&self, source: &str, line: &str) {
        match self {
            // The caller asked for stderr: the sink is the printing, as Lambda's log stream is.
            #[allow(clippy::print_stderr)]
            LogSink::Stderr => eprintln!("[{source}] {line}"),
            LogSink::Discard => {}
            LogSink::Memory(lines) => {
                lines.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(format!("[{source}] {line}"))
            }
        }
    }

    /// The lines captured so far (empty unless this is a memory sink).
    pub fn lines(&self) -> Vec<String> {
        match self {
            LogSink::Memory(lines) => lines.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone(),
            _ => Vec::new(),
        }
    }
}
