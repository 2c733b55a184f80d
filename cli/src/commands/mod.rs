//! One module per command family. Each resolves its arguments, computes a typed,
//! serialisable result and hands it to a renderer.

use anyhow::anyhow;

use crate::args::{Cli, Command};
use crate::exit::Failure;

mod local;

pub fn run(cli: Cli) -> Result<(), Failure> {
    let family = match cli.command {
        Command::Local(args) => return local::run(args, cli.global.format),
        Command::Parity => "parity",
        Command::Canary => "canary",
        Command::Report => "report",
        Command::Bench => "bench",
        Command::Package => "package",
    };
    // The families land one issue at a time; until a family lands it says so plainly
    // rather than pretending to succeed.
    Err(Failure::Input(anyhow!(
        "`cutover {family}` is not available in this build yet; see the README for what is"
    )))
}
