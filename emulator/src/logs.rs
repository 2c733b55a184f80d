//! Where sandbox output and the START/END/REPORT lines go: the emulator's stderr (as
//! Lambda sends them to CloudWatch Logs), nowhere (benchmarks), or memory (tests, and
//! anything that parses REPORT lines); and, when the back end serves the Logs API,
//! CloudWatch Logs as well (`log_shipper`).

use std::sync::{Arc, Mutex};

use crate::log_shipper::LogShipper;

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
    /// The sink the caller chose, and CloudWatch Logs on the local back end as well. The
    /// emulator makes this itself when its back end serves the Logs API.
    Shipped(ShippedSink),
}

/// A sink whose lines also go to CloudWatch Logs (see [`LogSink::Shipped`]).
#[derive(Debug, Clone)]
pub struct ShippedSink {
    inner: Box<LogSink>,
    shipper: Arc<LogShipper>,
}

impl LogSink {
    /// An empty memory sink.
    pub fn memory() -> LogSink {
        LogSink::Memory(Arc::new(Mutex::new(Vec::new())))
    }

    /// This sink, with every line of a registered source shipped by `shipper` too.
    pub(crate) fn shipped(self, shipper: Arc<LogShipper>) -> LogSink {
        LogSink::Shipped(ShippedSink { inner: Box::new(self), shipper })
    }

    /// The shipper behind this sink, if its lines go to CloudWatch Logs.
    pub(crate) fn shipper(&self) -> Option<&Arc<LogShipper>> {
        match self {
            LogSink::Shipped(shipped) => Some(&shipped.shipper),
            _ => None,
        }
    }

    /// Writes one line, prefixed by its source (`function:version`).
    pub(crate) fn write(&self, source: &str, line: &str) {
        match self {
            LogSink::Shipped(shipped) => {
                shipped.shipper.ship(source, line);
                shipped.inner.write(source, line);
            }
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
            LogSink::Shipped(shipped) => shipped.inner.lines(),
            _ => Vec::new(),
        }
    }
}
