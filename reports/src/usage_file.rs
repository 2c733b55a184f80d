//! `--usage FILE`: the usage model as JSON, written by any source (`--save-usage`) or by
//! hand for what-if questions. A file that does not parse is an error naming its line.

use std::path::{Path, PathBuf};

use crate::usage::{USAGE_FORMAT, UsageModel};

/// Why a usage file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum UsageFileError {
    /// The file could not be read from disk.
    #[error("could not read usage file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not JSON in the usage format (a wrong type, an unknown field, a cold
    /// start billed less with INIT than without): the user fixes the file at that position.
    #[error("usage file {}: line {line}, column {column}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// serde_json's message, without its position.
        message: String,
    },
    /// The file declares a `format` this build does not read: written by another version
    /// of the tool.
    #[error("usage file {}: format {found} is not one this build reads (it reads {USAGE_FORMAT})", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// The file's `format`.
        found: u32,
    },
}

/// Reads and checks the usage file at `path` (`--usage FILE`).
pub fn read_usage_file(path: &Path) -> Result<UsageModel, UsageFileError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| UsageFileError::Read { path: path.to_path_buf(), source })?;
    parse_usage(&text, path)
}

/// Parses usage JSON; `path` names the file in errors.
pub(crate) fn parse_usage(text: &str, path: &Path) -> Result<UsageModel, UsageFileError> {
    let usage: UsageModel = serde_json::from_str(text).map_err(|error| UsageFileError::Invalid {
        path: path.to_path_buf(),
        line: error.line(),
        column: error.column(),
        message: strip_position(&error.to_string()),
    })?;
    if usage.format != USAGE_FORMAT {
        return Err(UsageFileError::Format { path: path.to_path_buf(), found: usage.format });
    }
    Ok(usage)
}

/// serde_json appends " at line L column C", which the error already says.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_string(),
        None => message.to_string(),
    }
}

/// The usage as the pretty-printed JSON of a usage file (`--save-usage FILE`), which
/// [`read_usage_file`] reads back unchanged.
pub fn usage_to_json(usage: &UsageModel) -> String {
    serde_json::to_string_pretty(usage).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHAT_IF: &str = r#"{
  "source": { "kind": "file", "projection": true, "detail": "what if" },
  "region": "us-east-1",
  "window": { "start": "2026-08-01T00:00:00Z", "end": "2026-08-02T00:00:00Z" },
  "functions": [
    {
      "function": "orders",
      "api": "http",
      "before": { "version": "1", "runtime": "python3.12", "memory_mb": 512, "invocations": 1000,
                  "sample": { "warm_billed_ms": [[120, 990]], "cold_billed_ms": [[300, 1100, 10]] } },
      "after":  { "version": "2", "runtime": "provided.al2023", "architecture": "arm64", "memory_mb": 128,
                  "sample": { "warm_billed_ms": [[9, 995]], "cold_billed_ms": [[20, 45, 5]] } }
    }
  ]
}"#;

    #[test]
    fn a_hand_written_file_reads_with_defaults() {
        let usage = parse_usage(WHAT_IF, Path::new("what-if.json")).expect("usage");
        let function = &usage.functions[0];
        assert_eq!(function.before.invocations(), 1000);
        assert_eq!(function.after.invocations(), 1000, "the sample's size when not given");
        assert_eq!(function.after.ephemeral_storage_mb, 512);
        assert_eq!(function.before.sample.cold_starts(), 10);
        let again = parse_usage(&usage_to_json(&usage), Path::new("again.json")).expect("round trip");
        assert_eq!(again, usage);
    }

    #[test]
    fn a_corrupt_file_names_its_line() {
        let corrupt = WHAT_IF.replace("\"memory_mb\": 128", "\"memory_mb\": \"lots\"");
        let error = parse_usage(&corrupt, Path::new("what-if.json")).expect_err("corrupt");
        let message = error.to_string();
        assert!(message.starts_with("usage file what-if.json: line 11, column"), "{message}");
        assert!(!message.contains(" at line "), "{message}");
        let unknown = WHAT_IF.replace("\"api\": \"http\"", "\"apis\": \"http\"");
        assert!(parse_usage(&unknown, Path::new("u.json")).expect_err("unknown field").to_string().contains("line 8"));
    }
}
