//! The HTTP glue of the cluster platform's functions: an API Gateway REST v1 proxy event
//! in, the proxy response `aws-lambda-powertools`' `APIGatewayRestResolver` would build
//! out.
//!
//! Each function answers one route. [`Route::matches`] is powertools' route matching
//! (the event's `path` and `httpMethod`, trailing slashes allowed); anything else gets
//! [`ProxyResponse::not_found`]. [`ProxyRequest`] reads headers case-insensitively,
//! query parameters, the caller and the body (base64-decoded the lenient way Python's
//! `b64decode` does, with `cluster-domain`'s decoder). [`ProxyResponse::to_event`] writes `statusCode, body,
//! isBase64Encoded, multiValueHeaders` in that order, as powertools does. The shared
//! pieces of the API handlers (cluster views, the audit item, the error a handler
//! lets escape) are here too.

mod api;
mod request;
mod response;
mod route;

pub use api::{audit_item, cluster_summary, cluster_view, json_response};
/// The API handlers' escaped error is the one every function shares.
pub use cluster_lambda::FunctionError;
pub use request::{BodyError, EventError, ProxyRequest};
pub use response::ProxyResponse;
pub use route::Route;
