//! Where sandbox output and the START/END/REPORT lines go: the emulator's stderr (as
//! Lambda sends them to CloudWatch Logs), nowhere (benchmarks), or memory (tests, and
//! anything that parses REPORT lines).

use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Default)]
pub enum LogSink {
    #[default]
    Stderr,
    Discard,
    Memory(Arc<Mutex<Vec<String>>>),
}

impl LogSink {
    pub fn memory() -> LogSink {
        LogSink::Memory(Arc::new(Mutex::new(Vec::new())))
    }

    /// Writes one line, prefixed by its source (`function:version`).
    pub fn write(&self, source: &str, line: &str) {
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
