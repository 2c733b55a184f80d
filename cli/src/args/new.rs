//! `cutover new`: scaffold the Rust rewrite of a Python function.

use std::path::PathBuf;

use clap::Args;

use super::{ConfigArg, OutputFormat};

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Output format of the summary (or, with --dry-run, of the plan).
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
    /// The Lambda function's name, also the crate's: letters, digits, `-` and `_`, at most
    /// 64 characters, not starting with a digit.
    pub function: String,
    /// The Python original's handler as Lambda's Handler setting names it: `module.function`,
    /// the module dotted when it sits in a package (`orders.app.handler`).
    #[arg(long, value_name = "MODULE.FUNCTION")]
    pub python_handler: String,
    /// The folder of the Python code, as the function's zip unpacks; the handler's module
    /// file must be in it.
    #[arg(long, value_name = "DIR")]
    pub code: PathBuf,
    #[command(flatten)]
    pub config: ConfigArg,
    /// Where the crate goes (default: `functions/<function>` beside the config file).
    #[arg(long, value_name = "DIR")]
    pub crate_dir: Option<PathBuf>,
    /// A recorded invocation for the crate's fixture test: a cutover.record/v1 JSONL file,
    /// and the record's id after a colon (default: the file's first record of the function).
    #[arg(long, value_name = "RECORD_FILE[:ID]")]
    pub event: Option<String>,
    /// Print the files and the cutover.toml block without writing anything.
    #[arg(long)]
    pub dry_run: bool,
}
