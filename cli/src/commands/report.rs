//! `cutover report` (being built).

use anyhow::anyhow;

use crate::args::{FormatArg, ReportArgs};
use crate::exit::Failure;

pub fn run(_args: ReportArgs, _format: FormatArg) -> Result<(), Failure> {
    Err(Failure::Input(anyhow!("`cutover report` is not available in this build yet; see the README for what is")))
}
