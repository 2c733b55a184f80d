//! One module per command family. Each resolves its arguments, computes a typed,
//! serialisable result and hands it to a renderer.

use crate::args::{Cli, Command};
use crate::exit::Failure;

mod bench;
mod canary;
mod corpus;
mod deploy;
mod local;
mod new;
mod package;
mod parity;
mod parity_fuzz;
mod report;

/// The async runtime every command that talks to AWS or runs the emulator blocks on.
pub(crate) fn async_runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| Failure::Unexpected(anyhow::anyhow!(error).context("could not start the async runtime")))
}

pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Local(args) => {
            let format = args.format;
            local::run(args, format)
        }
        Command::Parity(args) => {
            let format = args.format;
            parity::run(*args, format)
        }
        Command::Canary(args) => {
            let format = args.format;
            canary::run(args, format)
        }
        Command::Report(args) => {
            let format = args.format;
            report::run(args, format)
        }
        Command::Bench(args) => {
            let format = args.format;
            bench::run(args, format)
        }
        Command::Package(args) => {
            let format = args.format;
            package::run(args, format)
        }
        Command::Corpus(args) => {
            let format = args.format;
            corpus::run(args, format)
        }
        Command::New(args) => {
            let format = args.format;
            new::run(args, format)
        }
        Command::Deploy(args) => {
            let format = args.format;
            deploy::run(args, format)
        }
    }
}
