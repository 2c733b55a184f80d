//! `cutover`: move AWS Lambda functions from Python to Rust safely.
//!
//! `main` only wires: it parses the command line, hands the parsed arguments to the
//! command that owns them, and maps the outcome to a documented exit code.

mod args;
mod commands;
mod exit;
mod output;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let outcome = commands::run(cli);
    exit::report(outcome)
}
