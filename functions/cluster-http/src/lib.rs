//! The HTTP glue of the cluster platform's functions: an API Gateway REST v1 proxy event
//! in, the proxy response `aws-lambda-powertools`' `APIGatewayRestResolver` would build
//! out.
//!
//! Each function answers one route. [`Route::matches`] is powertools' route matching
//! (the event's `path` and `httpMethod`, trailing slashes allowed); anything else gets
//! [`ProxyResponse::not_found`]. [`ProxyRequest`] reads the event lazily, as powertools
//! does, raising Python's exception where a field is missing or of another type:
//! routing, headers case-insensitively, query parameters, the caller, the raw body
//! (`cluster-domain`'s `read_body_text` decodes it) and the headers read while the
//! answer is built. [`ProxyResponse::to_event`] writes `statusCode, body, isBase64Encoded,
//! multiValueHeaders` in that order, as powertools does, and [`json_response`] writes a
//! body the way `json.dumps` does. The bodies themselves (cluster views, error bodies,
//! messages) are the domain's; this crate only carries them.

// A library computes; only the binary prints (ripgrep's rule): output goes through
// typed results and renderers, logs through `tracing` or a sink the caller chose.
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

mod request;
mod response;
mod route;

/// The API handlers' escaped error is the one every function shares.
pub use cluster_lambda::FunctionError;
pub use request::{ProxyRequest, body_text_for_hash, json_loads_type_error};
pub use response::{ProxyResponse, json_response};
pub use route::Route;
