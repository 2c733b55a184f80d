//! `cutover canary`: gated alias shifts (clap types only; being built).

use clap::Args;

#[derive(Debug, Args)]
pub struct CanaryArgs {}
