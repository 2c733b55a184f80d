//! The cluster platform's ports on AWS, through the AWS SDK: [`DynamoClusterStore`],
//! [`DynamoAuditLog`] and [`DynamoIdempotencyStore`] (aws-sdk-dynamodb), and
//! [`AwsPipelineService`] (S3 PutObject and CodePipeline through [`signed_http`], a
//! small SigV4 client over the DynamoDB SDK's connector).
//!
//! Items are written in exactly the Python original's schema and attribute order and
//! read back as boto3's resource layer reads them (every number a `Decimal`), so the
//! handlers answer byte for byte like Python; [`raw_json_body`] explains how the order
//! survives the SDK's hash maps.

// A library computes; only the binary prints (ripgrep's rule): output goes through
// typed results and renderers, logs through `tracing` or a sink the caller chose.
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

mod attribute_json;
mod dynamodb;
mod environment;
mod error;
mod pipeline;
mod raw_json_body;
mod signed_http;

pub use dynamodb::{DynamoAuditLog, DynamoClusterStore, DynamoIdempotencyStore};
pub use environment::{MissingVariable, required_env, sdk_config, sdk_config_from};
pub(crate) use error::AdapterError;
pub use pipeline::AwsPipelineService;
