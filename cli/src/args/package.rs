//! `cutover package`: Lambda deployment zips of the Rust functions.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::OutputFormat;

#[derive(Debug, Args)]
pub struct PackageArgs {
    /// Output format; data goes to stdout, logs and progress to stderr.
    #[arg(long, global = true, value_enum, default_value_t)]
    pub format: OutputFormat,
    /// Function crates to package, by package name: any package of the Cargo workspace (the
    /// one around the current folder) with a binary, e.g. create-cluster.
    #[arg(required_unless_present_any = ["all", "recorder_layer"], conflicts_with = "all")]
    pub functions: Vec<String>,
    /// Package every Lambda function of the workspace: each package with a binary that
    /// depends on lambda_runtime.
    #[arg(long)]
    pub all: bool,
    /// The Lambda architecture: x86_64 builds x86_64-unknown-linux-musl, arm64 builds
    /// aarch64-unknown-linux-musl. A target rustup has not installed is installed first
    /// (`rustup target add`).
    #[arg(long, value_enum, default_value_t = ArchArg::X86_64)]
    pub arch: ArchArg,
    /// Where `<function>/bootstrap` and `<function>.zip` go (default: `lambda/` in Cargo's
    /// target directory; arm64 packages go to its `arm64/` subfolder); the recorder layer
    /// goes there too.
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
    /// Print the plan (the cargo command and the outputs) without building anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Zip binaries built elsewhere (a CI job, `cargo lambda build`) instead of running
    /// cargo: the folder holds one executable per function, named after it.
    #[arg(long, value_name = "DIR")]
    pub binaries: Option<PathBuf>,
    /// The size budget of one zipped package, in bytes; a zip over it makes the command
    /// exit 1 (the zip is still written, so it can be inspected).
    #[arg(long, value_name = "BYTES", default_value_t = 3_000_000)]
    pub max_zip_bytes: u64,
    /// Build the recorder (the cutover-recorder Python package, `recorder/`) as a Lambda
    /// layer instead: `cutover-recorder-layer.zip`, its modules under
    /// `python/cutover_recorder/`, where Lambda's Python runtimes import layers from.
    #[arg(long, conflicts_with_all = ["functions", "all", "binaries"])]
    pub recorder_layer: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ArchArg {
    #[value(name = "x86_64")]
    X86_64,
    #[value(name = "arm64")]
    Arm64,
}
