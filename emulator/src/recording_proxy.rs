//! A recording HTTP proxy in front of moto server. When writes are recorded, the functions'
//! `AWS_ENDPOINT_URL` points here: every request is forwarded to moto unchanged (bodies
//! streamed both ways, connections kept alive on both sides) and the write calls are kept
//! in the order they arrived, so that parity can compare the writes each side made, not
//! only what the tables hold at the end (a later write hides an earlier one there).
//!
//! What is recorded, one [`WriteCall`] per entity written:
//! - DynamoDB: PutItem, UpdateItem, DeleteItem, and each item of BatchWriteItem and
//!   TransactWriteItems (from `X-Amz-Target` and the JSON body), keyed by table and key
//!   attributes (the key schema is asked of moto once per table with DescribeTable);
//! - S3: PutObject, CopyObject, DeleteObject and each key of DeleteObjects (by method and
//!   path-style path), with the body's length and SHA-256, never the body;
//! - CodePipeline: CreatePipeline, UpdatePipeline, DeletePipeline, StartPipelineExecution,
//!   StopPipelineExecution and any other change, keyed by pipeline name;
//! - any other mutating call (an operation name that does not read), by operation name.
//!
//! Each record holds what was written, the condition, the status moto answered (a failed
//! conditional write is a write attempt too) and when the request arrived. The log is read
//! in process ([`RecordingProxy::writes`]) or at `GET /_cutover/writes` on the proxy's own
//! address: no S3 bucket name can start with `_`, so the path never shadows a bucket.

use std::collections::HashMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request, Response, StatusCode, Uri};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use crate::latency::{AwsCall, LatencyProfile, LatencyRng};

/// Where the proxy serves its own write log.
pub const WRITES_PATH: &str = "/_cutover/writes";

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type ProxyBody = BoxBody<Bytes, BoxError>;

/// One write call as the proxy saw it: one entity of one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteCall {
    /// The request's arrival number at the proxy (every request counts, reads too).
    pub request: u64,
    /// The position of this entity within its request (the items of a batch or
    /// transaction); 0 otherwise.
    pub part: usize,
    /// The signing name of the service: `dynamodb`, `s3`, `codepipeline`, ...
    pub service: String,
    /// The API operation: `PutItem`, `TransactWriteItems`, `PutObject`, `CreatePipeline`.
    pub operation: String,
    /// Which request of a batch or transaction this is: `PutRequest`, `DeleteRequest`,
    /// `Put`, `Update`, `Delete`, `ConditionCheck`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The entity written.
    pub target: WriteTarget,
    /// What was written, as sent: for DynamoDB the request (or the batch entry) without
    /// `TableName`, `ConditionExpression` and the `Return*` options, in DynamoDB's JSON
    /// (`Item` or `Key`, `UpdateExpression`, `ExpressionAttributeNames` and `...Values`);
    /// for S3 the body's `length` and `sha256` with the headers that set what is stored;
    /// for CodePipeline and other JSON services the request body.
    pub parameters: Value,
    /// The write's condition: DynamoDB's `ConditionExpression` (its names and values are
    /// in `parameters`), S3's conditional headers (`if-none-match: *`).
    pub condition: Option<String>,
    /// The HTTP status moto answered (502 when it could not be reached).
    pub status: u16,
    /// The error code of a failed call (`ConditionalCheckFailedException`; for a cancelled
    /// transaction with this item's reason: `TransactionCanceledException (ConditionalCheckFailed)`).
    pub error: Option<String>,
    /// When the request arrived, in microseconds since the proxy started.
    pub arrived_us: u64,
    /// When moto's answer came, in microseconds since the proxy started.
    pub answered_us: u64,
}

/// The entity a write call is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WriteTarget {
    /// A DynamoDB item.
    Item {
        /// The table's name.
        table: String,
        /// The item's key attributes in DynamoDB's JSON; empty when the table's key schema
        /// could not be read.
        key: Map<String, Value>,
        /// The name of the table's sort key; None when it has none (or the schema could not
        /// be read).
        sort_key: Option<String>,
    },
    /// An S3 object.
    Object {
        /// The bucket's name.
        bucket: String,
        /// The object's key.
        key: String,
    },
    /// A CodePipeline pipeline.
    Pipeline {
        /// The pipeline's name.
        name: String,
    },
    /// Anything else: a table, a bucket, or the service itself when no name is known.
    Resource {
        /// The resource's name; None when the call names none.
        name: Option<String>,
    },
}

/// A running proxy; dropping it stops it.
pub struct RecordingProxy {
    endpoint: String,
    state: Arc<ProxyState>,
    server: JoinHandle<()>,
}

impl std::fmt::Debug for RecordingProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordingProxy").field("endpoint", &self.endpoint).finish_non_exhaustive()
    }
}

/// Why the proxy could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// The upstream is not an `http://host:port` URL.
    #[error("the recording proxy forwards to http:// endpoints only, not {endpoint}")]
    Upstream {
        /// The upstream as given.
        endpoint: String,
    },
    /// No loopback port could be bound.
    #[error("the recording proxy could not listen on 127.0.0.1")]
    Bind(#[source] std::io::Error),
}

impl RecordingProxy {
    /// Listens on 127.0.0.1 (a free port) and forwards to `upstream` (`http://host:port`),
    /// recording the write calls.
    pub async fn start(upstream: &str) -> Result<RecordingProxy, ProxyError> {
        RecordingProxy::start_with(upstream, true).await
    }

    /// As [`RecordingProxy::start`]; with `record` false the proxy only forwards (and
    /// traces and delays the calls of sandboxes that have their own listener).
    pub(crate) async fn start_with(upstream: &str, record: bool) -> Result<RecordingProxy, ProxyError> {
        let parsed: Uri = upstream.parse().map_err(|_| ProxyError::Upstream { endpoint: upstream.to_owned() })?;
        let authority = match (parsed.scheme_str(), parsed.authority()) {
            (Some("http"), Some(authority)) => authority.to_string(),
            _ => return Err(ProxyError::Upstream { endpoint: upstream.to_owned() }),
        };
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(ProxyError::Bind)?;
        let address = listener.local_addr().map_err(ProxyError::Bind)?;
        let mut connector = HttpConnector::new();
        // SDK calls are small request/response pairs; Nagle only adds delay.
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).build(connector);
        let state = Arc::new(ProxyState {
            upstream: authority,
            client,
            record,
            log: Mutex::new(Vec::new()),
            requests: AtomicU64::new(0),
            started: Instant::now(),
            key_schemas: Mutex::new(HashMap::new()),
        });
        let server = tokio::spawn(serve(listener, state.clone(), None));
        Ok(RecordingProxy { endpoint: format!("http://{address}"), state, server })
    }

    /// The address the functions call, as `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The write calls so far, in arrival order.
    pub fn writes(&self) -> Vec<WriteCall> {
        self.state.writes()
    }

    /// Stops accepting and closes every connection.
    pub fn stop(&self) {
        self.server.abort();
    }

    /// A handle that opens sandbox listeners on this proxy.
    pub(crate) fn handle(&self) -> ProxyHandle {
        ProxyHandle { state: self.state.clone(), endpoint: self.endpoint.clone() }
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Opens a listener per sandbox on a running proxy: its calls share the proxy's write log
/// and back end, and get the sandbox's latency profile and trace.
#[derive(Clone)]
pub(crate) struct ProxyHandle {
    state: Arc<ProxyState>,
    endpoint: String,
}

impl std::fmt::Debug for ProxyHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyHandle").field("endpoint", &self.endpoint).finish_non_exhaustive()
    }
}

impl ProxyHandle {
    /// The proxy's shared endpoint, as the functions' environment names it.
    pub(crate) fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// A new listener for one sandbox; its calls wait `latency`'s delays, drawn from a
    /// generator seeded with `seed`, and are traced.
    pub(crate) async fn sandbox_listener(
        &self,
        latency: Option<Arc<LatencyProfile>>,
        seed: u64,
    ) -> std::io::Result<SandboxListener> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?;
        let trace = Arc::new(CallTrace::default());
        let route = Arc::new(Route { latency, rng: Mutex::new(LatencyRng::seeded(seed)), trace: trace.clone() });
        let server = tokio::spawn(serve(listener, self.state.clone(), Some(route)));
        Ok(SandboxListener { endpoint: format!("http://{address}"), trace, server })
    }
}

/// One sandbox's own address on the proxy; dropping it closes the listener.
#[derive(Debug)]
pub(crate) struct SandboxListener {
    /// `http://127.0.0.1:<port>`, the sandbox's `AWS_ENDPOINT_URL`.
    pub endpoint: String,
    /// The sandbox's calls.
    pub trace: Arc<CallTrace>,
    server: JoinHandle<()>,
}

impl Drop for SandboxListener {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// What a sandbox's listener adds to each call.
struct Route {
    latency: Option<Arc<LatencyProfile>>,
    rng: Mutex<LatencyRng>,
    trace: Arc<CallTrace>,
}

/// The AWS calls a sandbox made since its invocation began.
#[derive(Debug, Default)]
pub(crate) struct CallTrace {
    calls: Mutex<Vec<TracedCall>>,
}

#[derive(Debug)]
struct TracedCall {
    service: String,
    operation: String,
    start: Instant,
    end: Instant,
    added: std::time::Duration,
    status: u16,
}

impl CallTrace {
    /// Forgets the calls so far: an invocation begins.
    pub(crate) fn begin(&self) {
        lock(&self.calls).clear();
    }

    /// The calls since [`CallTrace::begin`], in start order, timed from `since`.
    pub(crate) fn take(&self, since: Instant) -> Vec<AwsCall> {
        let micros = |at: Instant| u64::try_from(at.saturating_duration_since(since).as_micros()).unwrap_or(u64::MAX);
        let mut calls: Vec<AwsCall> = lock(&self.calls)
            .drain(..)
            .map(|call| AwsCall {
                start_us: micros(call.start),
                end_us: micros(call.end),
                added_us: u64::try_from(call.added.as_micros()).unwrap_or(u64::MAX),
                status: call.status,
                service: call.service,
                operation: call.operation,
            })
            .collect();
        calls.sort_by_key(|call| (call.start_us, call.end_us));
        calls
    }

    fn push(&self, call: TracedCall) {
        lock(&self.calls).push(call);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

struct ProxyState {
    /// moto's `host:port`.
    upstream: String,
    client: Client<HttpConnector, ProxyBody>,
    /// Whether write calls are recorded.
    record: bool,
    log: Mutex<Vec<WriteCall>>,
    requests: AtomicU64,
    started: Instant,
    /// Key schemas by access key, region and table.
    key_schemas: Mutex<HashMap<String, Arc<KeySchema>>>,
}

#[derive(Debug, Default)]
struct KeySchema {
    partition: Vec<String>,
    sort: Option<String>,
}

impl ProxyState {
    fn writes(&self) -> Vec<WriteCall> {
        let mut writes = self.log.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        writes.sort_by_key(|call| (call.request, call.part));
        writes
    }

    fn micros(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}

/// The accept loop: HTTP/1.1 with keep-alive, each connection in a task this loop owns, so
/// aborting it closes them all.
async fn serve(listener: TcpListener, state: Arc<ProxyState>, route: Option<Arc<Route>>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let state = state.clone();
                let route = route.clone();
                connections.spawn(async move {
                    let service = service_fn(move |request| {
                        let state = state.clone();
                        let route = route.clone();
                        async move { Ok::<_, Infallible>(handle(state, route, request).await) }
                    });
                    let _ = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), service).await;
                });
            }
            Some(_finished) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn handle(state: Arc<ProxyState>, route: Option<Arc<Route>>, request: Request<Incoming>) -> Response<ProxyBody> {
    if request.method() == Method::GET && request.uri().path() == WRITES_PATH {
        let writes = serde_json::to_vec(&state.writes()).unwrap_or_default();
        return full_response(StatusCode::OK, "application/json", Bytes::from(writes));
    }
    let request_number = state.requests.fetch_add(1, Ordering::Relaxed);
    let arrived_us = state.micros();
    let arrived = Instant::now();
    let (mut parts, incoming) = request.into_parts();
    let call = Call::classify(&parts.method, &parts.uri, &parts.headers);

    // The latency profile delays the call before it is forwarded, as the network and the
    // service would before an answer could come.
    let mut added = std::time::Duration::ZERO;
    if let Some(route) = &route
        && let Some(profile) = &route.latency
    {
        added = profile.draw(&call.service, &call.operation, &mut lock(&route.rng));
        tokio::time::sleep(added).await;
    }

    let (body, captured): (ProxyBody, Captured) = match call.body {
        BodyUse::Parse => match incoming.collect().await {
            Ok(collected) => {
                let bytes = collected.to_bytes();
                (full_body(bytes.clone()), Captured::Bytes(bytes))
            }
            Err(error) => return bad_gateway(&format!("reading the request body: {error}")),
        },
        BodyUse::Digest => {
            let digest = Arc::new(Mutex::new(BodyDigest::new(is_aws_chunked(&parts.headers))));
            (
                DigestBody { inner: incoming, digest: digest.clone() }.map_err(BoxError::from).boxed(),
                Captured::Digest(digest),
            )
        }
        BodyUse::Pass => (incoming.map_err(BoxError::from).boxed(), Captured::Nothing),
    };
    // What the record needs of the request, kept before the request moves on.
    let recorded = (call.writes && state.record).then(|| (parts.uri.clone(), parts.headers.clone()));
    remove_hop_by_hop(&mut parts.headers);
    // hyper's client answers `Expect: 100-continue` itself; moto need not see it.
    parts.headers.remove(header::EXPECT);
    let path_and_query = parts.uri.path_and_query().map_or("/", |path| path.as_str());
    parts.uri = match format!("http://{}{}", state.upstream, path_and_query).parse() {
        Ok(uri) => uri,
        Err(_) => return bad_gateway("the request path is not a valid URI"),
    };
    let answered = state.client.request(Request::from_parts(parts, body)).await;
    if let Some(route) = &route {
        let status = answered.as_ref().map_or(StatusCode::BAD_GATEWAY.as_u16(), |response| response.status().as_u16());
        route.trace.push(TracedCall {
            service: call.service.clone(),
            operation: call.operation.clone(),
            start: arrived,
            end: Instant::now(),
            added,
            status,
        });
    }
    let Some((uri, headers)) = recorded else {
        return match answered {
            Ok(response) => pass_response(response),
            Err(error) => bad_gateway(&format!("moto did not answer: {error}")),
        };
    };
    let request = RecordedRequest { number: request_number, arrived_us, uri, headers, captured };
    match answered {
        Ok(response) => {
            let status = response.status();
            let (mut response_parts, response_body) = response.into_parts();
            remove_hop_by_hop(&mut response_parts.headers);
            // Error answers are small and say why the write failed: read them whole.
            let (body, error_body) = if status.is_client_error() || status.is_server_error() {
                match response_body.collect().await {
                    Ok(collected) => {
                        let bytes = collected.to_bytes();
                        (full_body(bytes.clone()), Some(bytes))
                    }
                    Err(error) => return bad_gateway(&format!("reading moto's answer: {error}")),
                }
            } else {
                (response_body.map_err(BoxError::from).boxed(), None)
            };
            let error = error_body.as_ref().and_then(|body| error_code(&response_parts.headers, body));
            let outcome = Outcome { status: status.as_u16(), error, error_body, answered_us: state.micros() };
            let writes = build_writes(&state, &call, &request, &outcome).await;
            state.log.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend(writes);
            Response::from_parts(response_parts, body)
        }
        Err(error) => {
            let outcome = Outcome {
                status: StatusCode::BAD_GATEWAY.as_u16(),
                error: Some("ProxyError".to_owned()),
                error_body: None,
                answered_us: state.micros(),
            };
            let writes = build_writes(&state, &call, &request, &outcome).await;
            state.log.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend(writes);
            bad_gateway(&format!("moto did not answer: {error}"))
        }
    }
}

fn full_body(bytes: Bytes) -> ProxyBody {
    Full::new(bytes).map_err(|never| match never {}).boxed()
}

fn full_response(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<ProxyBody> {
    let mut response = Response::new(full_body(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn bad_gateway(message: &str) -> Response<ProxyBody> {
    full_response(StatusCode::BAD_GATEWAY, "text/plain", Bytes::from(format!("cutover recording proxy: {message}")))
}

fn pass_response(response: Response<Incoming>) -> Response<ProxyBody> {
    let (mut parts, body) = response.into_parts();
    remove_hop_by_hop(&mut parts.headers);
    Response::from_parts(parts, body.map_err(BoxError::from).boxed())
}

/// Headers of one connection, not of the message (RFC 9110, 7.6.1): each side of the proxy
/// has its own connection, and hyper frames the body itself.
fn remove_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in [
        header::CONNECTION,
        header::TE,
        header::TRAILER,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
        header::PROXY_AUTHORIZATION,
    ] {
        headers.remove(name);
    }
    headers.remove("keep-alive");
    headers.remove("proxy-connection");
}

// ---- classification -------------------------------------------------------------------

/// What one request is: its service and operation, whether it writes, and what the proxy
/// needs of its body.
#[derive(Debug, Clone, PartialEq)]
struct Call {
    service: String,
    operation: String,
    protocol: Protocol,
    writes: bool,
    body: BodyUse,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Protocol {
    /// AWS JSON (`X-Amz-Target`): DynamoDB, CodePipeline, ...
    Json,
    /// AWS query (`Action=` in a form body): IAM, STS, SNS, ...
    Query,
    /// S3's REST protocol, path style.
    S3,
    /// Any other REST call.
    Rest,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum BodyUse {
    /// Read whole, forwarded as read, parsed for the record (JSON and query calls).
    Parse,
    /// Streamed through, hashed on the way (object uploads).
    Digest,
    /// Streamed through untouched (reads).
    Pass,
}

impl Call {
    fn classify(method: &Method, uri: &Uri, headers: &HeaderMap) -> Call {
        let signing_service = credential_scope(headers, uri).map(|scope| scope.service);
        if let Some(target) = headers.get("x-amz-target").and_then(|value| value.to_str().ok()) {
            let (prefix, operation) = target.rsplit_once('.').unwrap_or(("", target));
            let service = signing_service.unwrap_or_else(|| service_of_target(prefix));
            let writes = is_mutating(operation);
            let body = if writes { BodyUse::Parse } else { BodyUse::Pass };
            return Call { service, operation: operation.to_owned(), protocol: Protocol::Json, writes, body };
        }
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
        let service = signing_service.unwrap_or_else(|| "unknown".to_owned());
        if service == "s3" {
            let (bucket, key) = s3_location(uri.path());
            let writes = matches!(*method, Method::PUT | Method::POST | Method::DELETE);
            let operation = s3_operation(method, &bucket, &key, uri.query().unwrap_or(""), headers);
            let body = match (*method == Method::POST, writes, method == Method::PUT) {
                // DeleteObjects names its keys in a small XML body.
                (true, _, _) if operation == "DeleteObjects" => BodyUse::Parse,
                (_, true, true) | (true, true, _) => BodyUse::Digest,
                _ => BodyUse::Pass,
            };
            return Call { service, operation, protocol: Protocol::S3, writes, body };
        }
        if is_form && *method == Method::POST {
            // The action is in the body: read it, then decide.
            return Call {
                service,
                operation: String::new(),
                protocol: Protocol::Query,
                writes: true,
                body: BodyUse::Parse,
            };
        }
        let writes = matches!(*method, Method::POST | Method::PUT | Method::PATCH | Method::DELETE);
        let operation = format!("{method} {}", uri.path());
        let body = if writes { BodyUse::Digest } else { BodyUse::Pass };
        Call { service, operation, protocol: Protocol::Rest, writes, body }
    }
}

/// The services of `X-Amz-Target` prefixes, for requests signed without a scope.
fn service_of_target(prefix: &str) -> String {
    let name = prefix.split('_').next().unwrap_or(prefix);
    match name {
        "DynamoDB" => "dynamodb".to_owned(),
        "CodePipeline" => "codepipeline".to_owned(),
        other => other.to_lowercase(),
    }
}

/// Whether an operation name changes something: every name that does not read.
fn is_mutating(operation: &str) -> bool {
    const READS: [&str; 16] = [
        "Get",
        "List",
        "Describe",
        "Scan",
        "Query",
        "BatchGet",
        "TransactGet",
        "Head",
        "Search",
        "Lookup",
        "Select",
        "Validate",
        "Test",
        "Estimate",
        "Simulate",
        "Execute",
    ];
    // `ExecuteStatement` (PartiQL) can write, but what it writes is not in its name.
    !operation.is_empty() && !READS.iter().any(|prefix| operation.starts_with(prefix))
}

struct CredentialScope {
    access_key: String,
    region: String,
    service: String,
}

/// `Credential=<key>/<date>/<region>/<service>/aws4_request` of SigV4, from the
/// `Authorization` header or a presigned URL's `X-Amz-Credential`.
fn credential_scope(headers: &HeaderMap, uri: &Uri) -> Option<CredentialScope> {
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split("Credential=").nth(1))
        .map(|rest| rest.split([',', ' ']).next().unwrap_or(rest).to_owned());
    let credential = from_header.or_else(|| {
        uri.query()?.split('&').find_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            (name == "X-Amz-Credential").then(|| percent_decode(value, false))
        })
    })?;
    let mut parts = credential.split('/');
    let access_key = parts.next()?.to_owned();
    let _date = parts.next()?;
    let region = parts.next()?.to_owned();
    let service = parts.next()?.to_owned();
    Some(CredentialScope { access_key, region, service })
}

/// Bucket and key of a path-style S3 path, percent-decoded.
fn s3_location(path: &str) -> (String, String) {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    let (bucket, key) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    (percent_decode(bucket, false), percent_decode(key, false))
}

fn query_names(query: &str) -> Vec<String> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| percent_decode(pair.split_once('=').map_or(pair, |(name, _)| name), true))
        .collect()
}

fn query_value(query: &str, wanted: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(name, true) == wanted).then(|| percent_decode(value, true))
    })
}

/// S3's operation name from the method, the path and the sub-resource in the query.
fn s3_operation(method: &Method, bucket: &str, key: &str, query: &str, headers: &HeaderMap) -> String {
    let names = query_names(query);
    let has = |name: &str| names.iter().any(|present| present == name);
    // The first sub-resource named in the query (`?tagging`, `?legal-hold`), in S3's
    // operation spelling (`Tagging`, `LegalHold`).
    let subresource = names
        .iter()
        .find(|name| !matches!(name.as_str(), "versionId" | "uploadId" | "partNumber" | "x-id"))
        .map(|name| name.split('-').map(capitalised).collect::<String>());
    let copy = headers.contains_key("x-amz-copy-source");
    match (method.as_str(), key.is_empty()) {
        ("PUT", true) => match subresource {
            Some(sub) => format!("PutBucket{sub}"),
            None => "CreateBucket".to_owned(),
        },
        ("PUT", false) if has("partNumber") && has("uploadId") => {
            if copy { "UploadPartCopy" } else { "UploadPart" }.to_owned()
        }
        ("PUT", false) if copy => "CopyObject".to_owned(),
        ("PUT", false) => subresource.map_or_else(|| "PutObject".to_owned(), |sub| format!("PutObject{sub}")),
        ("DELETE", true) => subresource.map_or_else(|| "DeleteBucket".to_owned(), |sub| format!("DeleteBucket{sub}")),
        ("DELETE", false) if has("uploadId") => "AbortMultipartUpload".to_owned(),
        ("DELETE", false) => subresource.map_or_else(|| "DeleteObject".to_owned(), |sub| format!("DeleteObject{sub}")),
        ("POST", true) if has("delete") => "DeleteObjects".to_owned(),
        ("POST", false) if has("uploads") => "CreateMultipartUpload".to_owned(),
        ("POST", false) if has("uploadId") => "CompleteMultipartUpload".to_owned(),
        ("POST", _) => "PostObject".to_owned(),
        ("GET", true) if bucket.is_empty() => "ListBuckets".to_owned(),
        ("GET", true) => "ListObjects".to_owned(),
        ("GET", false) => "GetObject".to_owned(),
        ("HEAD", _) => if key.is_empty() { "HeadBucket" } else { "HeadObject" }.to_owned(),
        (other, _) => other.to_owned(),
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Decodes `%xx` escapes (and `+` as a space in form and query values).
fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => {
                let hex = text
                    .get(index + 1..index + 3)
                    .filter(|hex| hex.bytes().all(|byte| byte.is_ascii_hexdigit()))
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok());
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        index += 3;
                    }
                    None => {
                        out.push(b'%');
                        index += 1;
                    }
                }
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                index += 1;
            }
            byte => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---- bodies ---------------------------------------------------------------------------

enum Captured {
    Bytes(Bytes),
    Digest(Arc<Mutex<BodyDigest>>),
    Nothing,
}

/// A request body streamed to moto while its length and SHA-256 are taken.
struct DigestBody {
    inner: Incoming,
    digest: Arc<Mutex<BodyDigest>>,
}

impl Body for DigestBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(context);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            this.digest.lock().unwrap_or_else(std::sync::PoisonError::into_inner).update(data);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Whether an upload is framed as `aws-chunked` (SigV4 streaming, or a trailing
/// checksum): then the object is the chunks' data, not the bytes on the wire.
fn is_aws_chunked(headers: &HeaderMap) -> bool {
    let encoding = headers
        .get_all(header::CONTENT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.split(',').any(|token| token.trim() == "aws-chunked"));
    let streaming = headers
        .get("x-amz-content-sha256")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("STREAMING-"));
    encoding || streaming
}

/// The length and SHA-256 of an object as stored: `aws-chunked` framing is taken off
/// on the way (chunk sizes, chunk signatures, trailers), whichever SDK sent it.
struct BodyDigest {
    hasher: Sha256,
    length: u64,
    chunked: Option<ChunkState>,
}

#[derive(Debug, Clone, PartialEq)]
enum ChunkState {
    /// Reading a chunk's header line (`<hex size>[;chunk-signature=...]\r\n`).
    Header(Vec<u8>),
    /// Data of the current chunk still to come.
    Data(u64),
    /// The `\r\n` after a chunk's data: how many of its bytes are still to come.
    DataEnd(u8),
    /// The last chunk was read; trailers are not part of the object.
    Done,
}

impl BodyDigest {
    fn new(aws_chunked: bool) -> Self {
        BodyDigest { hasher: Sha256::new(), length: 0, chunked: aws_chunked.then(|| ChunkState::Header(Vec::new())) }
    }

    fn data(&mut self, data: &[u8]) {
        self.hasher.update(data);
        self.length += data.len() as u64;
    }

    fn update(&mut self, mut bytes: &[u8]) {
        let Some(mut state) = self.chunked.take() else {
            self.data(bytes);
            return;
        };
        while !bytes.is_empty() {
            state = match state {
                ChunkState::Header(mut line) => match bytes.iter().position(|&byte| byte == b'\n') {
                    Some(end) => {
                        line.extend_from_slice(&bytes[..end]);
                        bytes = &bytes[end + 1..];
                        let text = String::from_utf8_lossy(&line);
                        let size = text.split([';', '\r']).next().unwrap_or("").trim();
                        match u64::from_str_radix(size, 16) {
                            Ok(0) | Err(_) => ChunkState::Done,
                            Ok(size) => ChunkState::Data(size),
                        }
                    }
                    None => {
                        line.extend_from_slice(bytes);
                        bytes = &[];
                        ChunkState::Header(line)
                    }
                },
                ChunkState::Data(remaining) => {
                    let take = usize::try_from(remaining).unwrap_or(usize::MAX).min(bytes.len());
                    self.data(&bytes[..take]);
                    bytes = &bytes[take..];
                    let left = remaining - take as u64;
                    if left == 0 { ChunkState::DataEnd(2) } else { ChunkState::Data(left) }
                }
                ChunkState::DataEnd(left) => {
                    bytes = &bytes[1..];
                    if left <= 1 { ChunkState::Header(Vec::new()) } else { ChunkState::DataEnd(left - 1) }
                }
                ChunkState::Done => {
                    bytes = &[];
                    ChunkState::Done
                }
            };
        }
        self.chunked = Some(state);
    }

    fn finish(&self) -> (u64, String) {
        let digest = self.hasher.clone().finalize();
        (self.length, digest.iter().map(|byte| format!("{byte:02x}")).collect())
    }
}

// ---- records --------------------------------------------------------------------------

struct RecordedRequest {
    number: u64,
    arrived_us: u64,
    uri: Uri,
    headers: HeaderMap,
    captured: Captured,
}

struct Outcome {
    status: u16,
    error: Option<String>,
    error_body: Option<Bytes>,
    answered_us: u64,
}

/// One entity written, before its key schema is known.
struct Pending {
    action: Option<String>,
    target: PendingTarget,
    parameters: Value,
    condition: Option<String>,
    error: Option<String>,
}

enum PendingTarget {
    /// A DynamoDB item: its table and the attributes its key is taken from.
    Item {
        table: String,
        attributes: Map<String, Value>,
    },
    Done(WriteTarget),
}

async fn build_writes(state: &ProxyState, call: &Call, request: &RecordedRequest, outcome: &Outcome) -> Vec<WriteCall> {
    let mut operation = call.operation.clone();
    let pending = match (&call.protocol, &request.captured) {
        (Protocol::Json, Captured::Bytes(body)) => {
            let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            if call.service == "dynamodb" {
                forget_key_schemas(state, &operation, &body);
                dynamodb_writes(&operation, &body, outcome)
            } else if call.service == "codepipeline" {
                vec![codepipeline_write(&body)]
            } else {
                vec![resource_write(None, body)]
            }
        }
        (Protocol::Query, Captured::Bytes(body)) => {
            let text = String::from_utf8_lossy(body);
            let mut parameters = Map::new();
            for pair in text.split('&').filter(|pair| !pair.is_empty()) {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                parameters.insert(percent_decode(name, true), Value::String(percent_decode(value, true)));
            }
            operation =
                parameters.remove("Action").and_then(|action| action.as_str().map(str::to_owned)).unwrap_or_default();
            parameters.remove("Version");
            if !is_mutating(&operation) {
                return Vec::new();
            }
            vec![resource_write(None, Value::Object(parameters))]
        }
        (Protocol::S3, captured) => s3_writes(&operation, &request.uri, &request.headers, captured),
        (_, captured) => {
            let mut parameters = Map::new();
            if let Captured::Digest(digest) = captured {
                let (length, sha256) = digest.lock().unwrap_or_else(std::sync::PoisonError::into_inner).finish();
                parameters.insert("length".into(), json!(length));
                parameters.insert("sha256".into(), json!(sha256));
            }
            vec![resource_write(None, Value::Object(parameters))]
        }
    };
    let mut writes = Vec::with_capacity(pending.len());
    for (part, pending) in pending.into_iter().enumerate() {
        let target = match pending.target {
            PendingTarget::Done(target) => target,
            PendingTarget::Item { table, attributes } => {
                let schema = key_schema(state, &request.headers, &request.uri, &table).await;
                let key: Map<String, Value> = schema
                    .partition
                    .iter()
                    .chain(schema.sort.iter())
                    .filter_map(|name| attributes.get(name).map(|value| (name.clone(), value.clone())))
                    .collect();
                WriteTarget::Item { table, key, sort_key: schema.sort.clone() }
            }
        };
        writes.push(WriteCall {
            request: request.number,
            part,
            service: call.service.clone(),
            operation: operation.clone(),
            action: pending.action,
            target,
            parameters: pending.parameters,
            condition: pending.condition,
            status: outcome.status,
            error: pending.error.or_else(|| outcome.error.clone()),
            arrived_us: request.arrived_us,
            answered_us: outcome.answered_us,
        });
    }
    writes
}

fn resource_write(name: Option<String>, parameters: Value) -> Pending {
    Pending {
        action: None,
        target: PendingTarget::Done(WriteTarget::Resource { name }),
        parameters,
        condition: None,
        error: None,
    }
}

/// Options that say how to answer, not what to write.
const DYNAMODB_ANSWER_OPTIONS: [&str; 4] =
    ["ReturnValues", "ReturnConsumedCapacity", "ReturnItemCollectionMetrics", "ReturnValuesOnConditionCheckFailure"];

/// A DynamoDB write request (or batch entry) as recorded: what it writes, its condition
/// apart, and the key attributes it names.
fn dynamodb_entry(action: Option<&str>, table: String, request: &Value) -> Pending {
    let mut parameters = request.as_object().cloned().unwrap_or_default();
    parameters.remove("TableName");
    for option in DYNAMODB_ANSWER_OPTIONS {
        parameters.remove(option);
    }
    let condition = parameters.remove("ConditionExpression").and_then(|value| value.as_str().map(str::to_owned));
    let attributes = ["Key", "Item"]
        .iter()
        .find_map(|field| parameters.get(*field).and_then(Value::as_object).cloned())
        .unwrap_or_default();
    Pending {
        action: action.map(str::to_owned),
        target: PendingTarget::Item { table, attributes },
        parameters: Value::Object(parameters),
        condition,
        error: None,
    }
}

fn dynamodb_writes(operation: &str, body: &Value, outcome: &Outcome) -> Vec<Pending> {
    let table_of = |request: &Value| request.get("TableName").and_then(Value::as_str).unwrap_or_default().to_owned();
    match operation {
        "PutItem" | "UpdateItem" | "DeleteItem" => vec![dynamodb_entry(None, table_of(body), body)],
        "BatchWriteItem" => {
            let mut entries = Vec::new();
            if let Some(tables) = body.get("RequestItems").and_then(Value::as_object) {
                for (table, requests) in tables {
                    for request in requests.as_array().into_iter().flatten() {
                        for action in ["PutRequest", "DeleteRequest"] {
                            if let Some(inner) = request.get(action) {
                                entries.push(dynamodb_entry(Some(action), table.clone(), inner));
                            }
                        }
                    }
                }
            }
            entries
        }
        "TransactWriteItems" => {
            // A cancelled transaction says per item why (`None` for the items that were fine).
            let reasons: Vec<Option<String>> = outcome
                .error_body
                .as_ref()
                .and_then(|body| serde_json::from_slice::<Value>(body).ok())
                .and_then(|answer| answer.get("CancellationReasons").and_then(Value::as_array).cloned())
                .unwrap_or_default()
                .iter()
                .map(|reason| reason.get("Code").and_then(Value::as_str).map(str::to_owned))
                .collect();
            let mut entries = Vec::new();
            for (index, item) in body.get("TransactItems").and_then(Value::as_array).into_iter().flatten().enumerate() {
                for action in ["Put", "Update", "Delete", "ConditionCheck"] {
                    if let Some(inner) = item.get(action) {
                        let mut entry = dynamodb_entry(Some(action), table_of(inner), inner);
                        if let (Some(error), Some(Some(reason))) = (&outcome.error, reasons.get(index))
                            && reason != "None"
                        {
                            entry.error = Some(format!("{error} ({reason})"));
                        }
                        entries.push(entry);
                    }
                }
            }
            entries
        }
        _ => {
            let mut parameters = body.as_object().cloned().unwrap_or_default();
            let name = parameters.remove("TableName").and_then(|value| value.as_str().map(str::to_owned));
            vec![resource_write(name, Value::Object(parameters))]
        }
    }
}

/// A table created or deleted through the proxy may come back with another key schema.
fn forget_key_schemas(state: &ProxyState, operation: &str, body: &Value) {
    if matches!(operation, "CreateTable" | "DeleteTable")
        && let Some(table) = body.get("TableName").and_then(Value::as_str)
    {
        let suffix = format!("/{table}");
        state
            .key_schemas
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|key, _| !key.ends_with(&suffix));
    }
}

/// The key schema of `table`, asked of moto with the caller's own credentials (moto keeps
/// tables per account and region) and kept for the proxy's lifetime.
async fn key_schema(state: &ProxyState, headers: &HeaderMap, uri: &Uri, table: &str) -> Arc<KeySchema> {
    let scope = credential_scope(headers, uri);
    let cache_key = scope
        .as_ref()
        .map_or_else(|| format!("-/-/{table}"), |scope| format!("{}/{}/{table}", scope.access_key, scope.region));
    if let Some(schema) = state.key_schemas.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&cache_key) {
        return schema.clone();
    }
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(format!("http://{}/", state.upstream))
        .header(header::CONTENT_TYPE, "application/x-amz-json-1.0")
        .header("x-amz-target", "DynamoDB_20120810.DescribeTable");
    if let Some(authorization) = headers.get(header::AUTHORIZATION) {
        request = request.header(header::AUTHORIZATION, authorization);
    }
    let body = full_body(Bytes::from(json!({ "TableName": table }).to_string()));
    let Ok(request) = request.body(body) else {
        return Arc::default();
    };
    let answer = match state.client.request(request).await {
        Ok(response) if response.status().is_success() => response.into_body().collect().await.ok(),
        _ => None,
    };
    let Some(answer) = answer.and_then(|collected| serde_json::from_slice::<Value>(&collected.to_bytes()).ok()) else {
        // No such table (the write failed too) or moto is gone: the key stays unknown.
        return Arc::default();
    };
    let mut schema = KeySchema::default();
    for element in answer.pointer("/Table/KeySchema").and_then(Value::as_array).into_iter().flatten() {
        let name = element.get("AttributeName").and_then(Value::as_str).unwrap_or_default().to_owned();
        match element.get("KeyType").and_then(Value::as_str) {
            Some("RANGE") => schema.sort = Some(name),
            _ => schema.partition.push(name),
        }
    }
    let schema = Arc::new(schema);
    state.key_schemas.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(cache_key, schema.clone());
    schema
}

fn codepipeline_write(body: &Value) -> Pending {
    let name = body
        .pointer("/pipeline/name")
        .or_else(|| body.get("name"))
        .or_else(|| body.get("pipelineName"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            // TagResource and UntagResource name the pipeline by ARN: `arn:aws:codepipeline:<region>:<account>:<name>`.
            body.get("resourceArn").and_then(Value::as_str).and_then(|arn| arn.rsplit(':').next()).map(str::to_owned)
        });
    let target = match name {
        Some(name) => WriteTarget::Pipeline { name },
        None => WriteTarget::Resource { name: None },
    };
    Pending {
        action: None,
        target: PendingTarget::Done(target),
        parameters: body.clone(),
        condition: None,
        error: None,
    }
}

/// Headers that set what S3 stores with an object (checksums and signing headers are the
/// SDK's, not the function's).
fn is_stored_header(name: &str) -> bool {
    matches!(
        name,
        "content-type"
            | "content-language"
            | "content-disposition"
            | "cache-control"
            | "expires"
            | "x-amz-tagging"
            | "x-amz-acl"
            | "x-amz-storage-class"
            | "x-amz-website-redirect-location"
            | "x-amz-copy-source"
            | "x-amz-copy-source-range"
            | "x-amz-metadata-directive"
            | "x-amz-tagging-directive"
    ) || ["x-amz-meta-", "x-amz-grant-", "x-amz-server-side-encryption", "x-amz-object-lock-"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

fn is_condition_header(name: &str) -> bool {
    matches!(name, "if-match" | "if-none-match" | "if-modified-since" | "if-unmodified-since")
        || name.starts_with("x-amz-copy-source-if-")
}

fn s3_writes(operation: &str, uri: &Uri, headers: &HeaderMap, captured: &Captured) -> Vec<Pending> {
    let (bucket, key) = s3_location(uri.path());
    let query = uri.query().unwrap_or("");
    if operation == "DeleteObjects" {
        let body = match captured {
            Captured::Bytes(body) => String::from_utf8_lossy(body).into_owned(),
            _ => String::new(),
        };
        return xml_values(&body, "Key")
            .into_iter()
            .map(|key| Pending {
                action: None,
                target: PendingTarget::Done(WriteTarget::Object { bucket: bucket.clone(), key }),
                parameters: json!({}),
                condition: None,
                error: None,
            })
            .collect();
    }
    let mut parameters = Map::new();
    if let Captured::Digest(digest) = captured {
        let (length, sha256) = digest.lock().unwrap_or_else(std::sync::PoisonError::into_inner).finish();
        // A copy or a delete has no body of its own.
        if length > 0 || operation == "PutObject" || operation == "UploadPart" {
            parameters.insert("length".into(), json!(length));
            parameters.insert("sha256".into(), json!(sha256));
        }
    }
    let mut conditions = Vec::new();
    for (name, value) in headers {
        let name = name.as_str();
        let value = value.to_str().unwrap_or_default();
        if name == "content-encoding" {
            // `aws-chunked` is the upload's framing, not the object's encoding.
            let stored: Vec<&str> =
                value.split(',').map(str::trim).filter(|token| *token != "aws-chunked" && !token.is_empty()).collect();
            if !stored.is_empty() {
                parameters.insert(name.to_owned(), json!(stored.join(", ")));
            }
        } else if is_stored_header(name) {
            let shown = if name == "x-amz-copy-source" { percent_decode(value, false) } else { value.to_owned() };
            parameters.insert(name.to_owned(), json!(shown));
        } else if is_condition_header(name) {
            conditions.push(format!("{name}: {value}"));
        }
    }
    if let Some(version) = query_value(query, "versionId") {
        parameters.insert("versionId".into(), json!(version));
    }
    conditions.sort();
    let condition = (!conditions.is_empty()).then(|| conditions.join(", "));
    let target =
        if key.is_empty() { WriteTarget::Resource { name: Some(bucket) } } else { WriteTarget::Object { bucket, key } };
    vec![Pending {
        action: None,
        target: PendingTarget::Done(target),
        parameters: Value::Object(parameters),
        condition,
        error: None,
    }]
}

/// The texts of every `<tag>…</tag>` element, XML entities decoded.
fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut values = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        rest = &rest[start + open.len()..];
        let Some(end) = rest.find(&close) else { break };
        values.push(xml_unescape(&rest[..end]));
        rest = &rest[end + close.len()..];
    }
    values
}

fn xml_unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

/// The error code of a failed answer: `x-amzn-ErrorType`, a JSON `__type` (after its
/// `#`) or `code`, or an XML `<Code>`.
fn error_code(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if let Some(kind) = headers.get("x-amzn-errortype").and_then(|value| value.to_str().ok()) {
        let code = kind.split(':').next().unwrap_or(kind).trim();
        if !code.is_empty() {
            return Some(code.to_owned());
        }
    }
    if let Ok(answer) = serde_json::from_slice::<Value>(body) {
        let code = answer.get("__type").or_else(|| answer.get("code")).and_then(Value::as_str)?;
        return Some(code.rsplit('#').next().unwrap_or(code).to_owned());
    }
    xml_values(&String::from_utf8_lossy(body), "Code").into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).expect("header value"));
        }
        map
    }

    const SIGNED_S3: &str =
        "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=0";

    #[test]
    fn calls_are_classified_by_target_scope_and_method() {
        let dynamo = headers(&[("x-amz-target", "DynamoDB_20120810.PutItem")]);
        let call = Call::classify(&Method::POST, &"/".parse().expect("uri"), &dynamo);
        assert_eq!((call.service.as_str(), call.operation.as_str(), call.writes), ("dynamodb", "PutItem", true));
        let read = headers(&[("x-amz-target", "DynamoDB_20120810.GetItem")]);
        let call = Call::classify(&Method::POST, &"/".parse().expect("uri"), &read);
        assert!(!call.writes);
        assert_eq!(call.body, BodyUse::Pass);
        let s3 = headers(&[("authorization", SIGNED_S3)]);
        let put = Call::classify(&Method::PUT, &"/bucket/a%20b/c.json".parse().expect("uri"), &s3);
        assert_eq!((put.operation.as_str(), put.body), ("PutObject", BodyUse::Digest));
        let get = Call::classify(&Method::GET, &"/bucket/a".parse().expect("uri"), &s3);
        assert_eq!((get.operation.as_str(), get.writes), ("GetObject", false));
        let delete = Call::classify(&Method::POST, &"/bucket?delete".parse().expect("uri"), &s3);
        assert_eq!((delete.operation.as_str(), delete.body), ("DeleteObjects", BodyUse::Parse));
        let tagging = Call::classify(&Method::PUT, &"/bucket/k?tagging".parse().expect("uri"), &s3);
        assert_eq!(tagging.operation, "PutObjectTagging");
        let copy = headers(&[("authorization", SIGNED_S3), ("x-amz-copy-source", "/bucket/a")]);
        let call = Call::classify(&Method::PUT, &"/bucket/b".parse().expect("uri"), &copy);
        assert_eq!(call.operation, "CopyObject");
        assert_eq!(s3_location("/bucket/a%20b/c.json"), ("bucket".to_owned(), "a b/c.json".to_owned()));
    }

    #[test]
    fn reads_are_told_from_writes_by_name() {
        for read in ["GetItem", "BatchGetItem", "ListPipelines", "DescribeTable", "Query", "Scan", "HeadObject"] {
            assert!(!is_mutating(read), "{read}");
        }
        for write in ["PutItem", "CreatePipeline", "StartPipelineExecution", "TagResource", "PollForJobs"] {
            assert!(is_mutating(write), "{write}");
        }
    }

    #[test]
    fn aws_chunked_framing_is_taken_off_the_digest_across_frames() {
        let object = b"hello, world";
        let mut plain = BodyDigest::new(false);
        plain.update(object);
        let wire = b"5;chunk-signature=abc\r\nhello\r\n7;chunk-signature=def\r\n, world\r\n0;chunk-signature=0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n";
        // Split the wire bytes at every position: the state carries across frames.
        for split in 0..wire.len() {
            let mut chunked = BodyDigest::new(true);
            chunked.update(&wire[..split]);
            chunked.update(&wire[split..]);
            assert_eq!(chunked.finish(), plain.finish(), "split at {split}");
        }
        assert_eq!(plain.finish().0, 12);
        assert_eq!(
            plain.finish().1,
            "09ca7e4eaa6e8ae9c7d261167129184883644d07dfba7cbfbc4c8a2e08360d5b",
            "sha256 of the object"
        );
    }

    #[test]
    fn percent_escapes_and_form_values_decode() {
        assert_eq!(percent_decode("a%2Fb%20c+d", true), "a/b c d");
        assert_eq!(percent_decode("a+b%", false), "a+b%");
        assert_eq!(percent_decode("%zz%4", false), "%zz%4");
    }

    #[test]
    fn error_codes_come_from_json_and_xml_answers() {
        let none = HeaderMap::new();
        let json = br#"{"__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", "message": "x"}"#;
        assert_eq!(error_code(&none, json).as_deref(), Some("ConditionalCheckFailedException"));
        let xml = b"<?xml version=\"1.0\"?><Error><Code>PreconditionFailed</Code></Error>";
        assert_eq!(error_code(&none, xml).as_deref(), Some("PreconditionFailed"));
        assert_eq!(xml_values("<Object><Key>a&amp;b</Key></Object><Object><Key>c</Key></Object>", "Key"), ["a&b", "c"]);
    }

    #[test]
    fn batch_and_transaction_entries_are_split_per_item() {
        let outcome = Outcome {
            status: 400,
            error: Some("TransactionCanceledException".into()),
            error_body: Some(Bytes::from_static(
                br#"{"CancellationReasons": [{"Code": "None"}, {"Code": "ConditionalCheckFailed"}]}"#,
            )),
            answered_us: 0,
        };
        let body = json!({"TransactItems": [
            {"Put": {"TableName": "t", "Item": {"id": {"S": "a"}}, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
            {"Update": {"TableName": "u", "Key": {"id": {"S": "b"}}, "UpdateExpression": "SET n = :n",
                        "ConditionExpression": "attribute_exists(id)", "ExpressionAttributeValues": {":n": {"N": "1"}}}},
        ], "ClientRequestToken": "x"});
        let entries = dynamodb_writes("TransactWriteItems", &body, &outcome);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].action.as_deref(), Some("Put"));
        assert_eq!(entries[0].parameters, json!({"Item": {"id": {"S": "a"}}}));
        assert_eq!(entries[0].error, None);
        assert_eq!(entries[1].condition.as_deref(), Some("attribute_exists(id)"));
        assert_eq!(entries[1].error.as_deref(), Some("TransactionCanceledException (ConditionalCheckFailed)"));
        let batch = json!({"RequestItems": {"t": [
            {"PutRequest": {"Item": {"id": {"S": "a"}}}},
            {"DeleteRequest": {"Key": {"id": {"S": "b"}}}},
        ]}});
        let entries = dynamodb_writes("BatchWriteItem", &batch, &outcome);
        let actions: Vec<_> = entries.iter().map(|entry| entry.action.clone().unwrap_or_default()).collect();
        assert_eq!(actions, ["PutRequest", "DeleteRequest"]);
    }
}
