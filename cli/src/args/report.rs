//! `cutover report`: cost reports (clap types only; being built).

use clap::Args;

#[derive(Debug, Args)]
pub struct ReportArgs {}
