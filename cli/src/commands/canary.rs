//! `cutover canary` (being built).

use anyhow::anyhow;

use crate::args::{CanaryArgs, OutputFormat};
use crate::exit::Failure;

pub fn run(_args: CanaryArgs, _format: OutputFormat) -> Result<(), Failure> {
    Err(Failure::Input(anyhow!("`cutover canary` is not available in this build yet; see the README for what is")))
}
