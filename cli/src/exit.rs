//! Exit codes, the contract with scripts and CI (documented in the README):
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | the checked thing failed (parity mismatches, a gate tripped) |
//! | 2 | usage or input error (bad flag, unreadable or invalid file) |
//! | 3 | unexpected error |

use std::process::ExitCode;

/// What a command tells `main` when it did not simply succeed.
#[derive(Debug)]
pub enum Failure {
    /// The command ran and the thing it checks failed; the report was already printed.
    Checked,
    /// The user asked for something that cannot be done as asked: bad input, a bad file.
    Input(anyhow::Error),
    /// Anything else: a bug, an unreachable service.
    Unexpected(anyhow::Error),
}

pub const OK: u8 = 0;
pub const CHECK_FAILED: u8 = 1;
pub const INPUT_ERROR: u8 = 2;
pub const UNEXPECTED: u8 = 3;

/// Prints the error chain to stderr (never stdout, which carries data) and returns the code.
pub fn report(outcome: Result<(), Failure>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::from(OK),
        Err(Failure::Checked) => ExitCode::from(CHECK_FAILED),
        Err(Failure::Input(error)) => {
            print_chain(&error);
            ExitCode::from(INPUT_ERROR)
        }
        Err(Failure::Unexpected(error)) => {
            print_chain(&error);
            ExitCode::from(UNEXPECTED)
        }
    }
}

fn print_chain(error: &anyhow::Error) {
    eprintln!("error: {error}");
    for cause in error.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
}
