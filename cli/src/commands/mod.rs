//! One module per command family. Each resolves its arguments, computes a typed,
//! serialisable result and hands it to a renderer.

use anyhow::anyhow;

use crate::args::{Cli, Command, FormatArg, OutputFormat};
use crate::exit::Failure;

mod bench;
mod local;
mod package;
mod parity;

pub fn run(cli: Cli) -> Result<(), Failure> {
    let family = match cli.command {
        Command::Local(args) => return local::run(args, plain_format(cli.global.format, "local")?),
        Command::Parity(args) => return parity::run(*args, cli.global.format),
        Command::Canary => "canary",
        Command::Report => "report",
        Command::Bench(args) => return bench::run(args, plain_format(cli.global.format, "bench")?),
        Command::Package(args) => return package::run(args, plain_format(cli.global.format, "package")?),
    };
    // The families land one issue at a time; until a family lands it says so plainly
    // rather than pretending to succeed.
    Err(Failure::Input(anyhow!(
        "`cutover {family}` is not available in this build yet; see the README for what is"
    )))
}

/// The table or JSON a command renders; markdown and junit only exist for reports.
fn plain_format(format: FormatArg, command: &str) -> Result<OutputFormat, Failure> {
    match format {
        FormatArg::Table => Ok(OutputFormat::Table),
        FormatArg::Json => Ok(OutputFormat::Json),
        FormatArg::Markdown | FormatArg::Junit => Err(Failure::Input(anyhow!(
            "`cutover {command}` renders --format table or json, not {}",
            if format == FormatArg::Markdown { "markdown" } else { "junit" }
        ))),
    }
}
