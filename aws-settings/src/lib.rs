//! What every AWS-speaking `cutover` command shares, so that `parity`, `canary` and
//! `reports` reach AWS (or the local stack) the same way:
//!
//! - [`AwsSettings`]: `--profile`, `--region` and `--endpoint-url` over the SDK's default
//!   chain (environment, shared config, `AWS_ENDPOINT_URL_<SERVICE>`), turned into one
//!   `SdkConfig` from which each command builds its service clients.
//! - [`FunctionRef`]: a Lambda function named as `name`, `name:qualifier` or an ARN,
//!   parsed in one place with errors that say what a reference looks like.

// A library computes; only the binary prints (ripgrep's rule): output goes through
// typed results and renderers, logs through `tracing` or a sink the caller chose.
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

mod function_ref;
mod settings;

pub use function_ref::{FunctionRef, FunctionRefError};
pub use settings::AwsSettings;
