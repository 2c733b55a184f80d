//! One module per command family. Each resolves its arguments, computes a typed,
//! serialisable result and hands it to a renderer.

use anyhow::anyhow;

use crate::args::{Cli, Command, FormatArg, OutputFormat};
use crate::exit::Failure;

mod bench;
mod canary;
mod local;
mod package;
mod parity;
mod report;

pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Local(args) => local::run(args, plain_format(cli.global.format, "local")?),
        Command::Parity(args) => parity::run(*args, cli.global.format),
        Command::Canary(args) => canary::run(args, plain_format(cli.global.format, "canary")?),
        Command::Report(args) => report::run(args, cli.global.format),
        Command::Bench(args) => bench::run(args, plain_format(cli.global.format, "bench")?),
        Command::Package(args) => package::run(args, plain_format(cli.global.format, "package")?),
    }
}

/// The table or JSON a command renders; markdown and junit only exist for reports.
fn plain_format(format: FormatArg, command: &str) -> Result<OutputFormat, Failure> {
    match format {
        FormatArg::Table => Ok(OutputFormat::Table),
        FormatArg::Json => Ok(OutputFormat::Json),
        FormatArg::Markdown | FormatArg::Junit | FormatArg::Csv | FormatArg::Html => Err(Failure::Input(anyhow!(
            "`cutover {command}` renders --format table or json, not {}",
            format_name(format)
        ))),
    }
}

/// The name `--format` takes for a format.
pub(crate) fn format_name(format: FormatArg) -> &'static str {
    match format {
        FormatArg::Table => "table",
        FormatArg::Json => "json",
        FormatArg::Markdown => "markdown",
        FormatArg::Junit => "junit",
        FormatArg::Csv => "csv",
        FormatArg::Html => "html",
    }
}
