//! `cutover deploy`: publish a Rust zip as a new version of an existing function (clap
//! types only).

use std::path::PathBuf;

use clap::Args;

use super::{ArchArg, AwsArgs, OutputFormat};

#[derive(Debug, Args)]
#[command(
    after_help = "Exit codes: 0 published (or, with --dry-run, planned), 1 the published version is not what was asked, 2 refused (no such function, a bad zip, unpublished changes on $LATEST, a bad flag), 3 unexpected error."
)]
pub struct DeployArgs {
    /// Output format; data goes to stdout, the plan and progress to stderr.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
    /// The existing function: its name or its ARN, without a qualifier.
    pub function: String,
    /// The deployment package: a zip with an executable `bootstrap` at its root, as
    /// `cutover package` writes it (target/lambda/<function>.zip).
    #[arg(long, value_name = "PATH")]
    pub zip: PathBuf,
    /// The new version's memory size in MB, 128 to 10240 (default: the function's current size).
    #[arg(long, value_name = "MB")]
    pub memory: Option<i32>,
    /// The instruction set the bootstrap was built for.
    #[arg(long, value_enum, default_value_t = ArchArg::X86_64)]
    pub arch: ArchArg,
    /// Check everything and print the plan without changing the function.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub aws: AwsArgs,
}
