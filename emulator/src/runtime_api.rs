//! The Lambda Runtime API (2018-06-01) for one sandbox, on its own loopback port, as AWS
//! documents it: `invocation/next` long-polls for the next event, `response` and `error`
//! finish it, `init/error` reports a failed start. One server per sandbox keeps sandboxes
//! apart without inventing anything the real clients would not send.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use hyper::body::Incoming;
use hyper::{Method, Request};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::http_server::{self, HttpResponse};
use crate::limits::MAX_RESPONSE_BYTES;

/// An event handed to the runtime, with the channel its answer comes back on.
pub(crate) struct PendingInvocation {
    pub request_id: String,
    pub payload: Bytes,
    pub deadline_epoch_ms: u128,
    pub function_arn: String,
    pub trace_id: String,
    pub reply: oneshot::Sender<RuntimeReply>,
    /// Set when the runtime has taken the event: until then, a runtime that dies has not
    /// seen it, and the invocation can go to a fresh sandbox instead.
    pub delivered: Arc<std::sync::atomic::AtomicBool>,
}

/// What the runtime said about an invocation.
#[derive(Debug)]
pub(crate) enum RuntimeReply {
    Response(Bytes),
    Error {
        error_type: Option<String>,
        body: Bytes,
    },
    /// The runtime posted a response over Lambda's limit; it was refused.
    ResponseTooLarge {
        size: usize,
    },
}

/// The first sign of life from a starting runtime.
#[derive(Debug)]
pub(crate) enum InitSignal {
    /// The runtime asked for its first event: init is over.
    Ready,
    Failed {
        error_type: Option<String>,
        body: Bytes,
    },
}

struct State {
    next: tokio::sync::Mutex<mpsc::Receiver<PendingInvocation>>,
    current: Mutex<Option<(String, oneshot::Sender<RuntimeReply>)>>,
    init: Mutex<Option<oneshot::Sender<InitSignal>>>,
}

/// A running Runtime API endpoint. Dropping it stops the server and its connections.
pub(crate) struct RuntimeApi {
    pub address: std::net::SocketAddr,
    pub invocations: mpsc::Sender<PendingInvocation>,
    server: JoinHandle<()>,
}

impl RuntimeApi {
    /// Binds a free loopback port and starts serving; the receiver fires once, when the
    /// runtime first polls for an event or reports an init error.
    pub(crate) async fn start() -> std::io::Result<(RuntimeApi, oneshot::Receiver<InitSignal>)> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?;
        let (invocations, next) = mpsc::channel(1);
        let (init_sender, init_receiver) = oneshot::channel();
        let state = Arc::new(State {
            next: tokio::sync::Mutex::new(next),
            current: Mutex::new(None),
            init: Mutex::new(Some(init_sender)),
        });
        let handler = Arc::new(move |request: Request<Incoming>| {
            let state = state.clone();
            async move { handle(&state, request).await }
        });
        let server = tokio::spawn(http_server::serve(listener, handler));
        Ok((RuntimeApi { address, invocations, server }, init_receiver))
    }
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

const PREFIX: &str = "/2018-06-01/runtime/";

async fn handle(state: &State, request: Request<Incoming>) -> HttpResponse {
    let path = request.uri().path().to_string();
    let Some(route) = path.strip_prefix(PREFIX) else {
        return not_found(&path);
    };
    let segments: Vec<&str> = route.split('/').collect();
    match (request.method(), segments.as_slice()) {
        (&Method::GET, ["invocation", "next"]) => next_invocation(state).await,
        (&Method::POST, ["invocation", request_id, "response"]) => {
            let request_id = request_id.to_string();
            let body = request.into_body();
            post_response(state, &request_id, body).await
        }
        (&Method::POST, ["invocation", request_id, "error"]) => {
            let request_id = request_id.to_string();
            let error_type = error_type_header(&request);
            let Some(body) = http_server::read_body(request.into_body()).await else {
                return bad_request("the error body could not be read");
            };
            finish(state, &request_id, RuntimeReply::Error { error_type, body })
        }
        (&Method::POST, ["init", "error"]) => {
            let error_type = error_type_header(&request);
            let Some(body) = http_server::read_body(request.into_body()).await else {
                return bad_request("the error body could not be read");
            };
            let sender = lock(&state.init).take();
            match sender {
                Some(sender) => {
                    let _ = sender.send(InitSignal::Failed { error_type, body });
                    accepted()
                }
                None => http_server::json_response(
                    403,
                    &json!({"errorMessage": "init/error is only valid during init", "errorType": "InvalidStateTransition"}),
                ),
            }
        }
        _ => not_found(&path),
    }
}

async fn next_invocation(state: &State) -> HttpResponse {
    if let Some(sender) = lock(&state.init).take() {
        let _ = sender.send(InitSignal::Ready);
    }
    let pending = state.next.lock().await.recv().await;
    let Some(pending) = pending else {
        return http_server::json_response(
            500,
            &json!({"errorMessage": "the sandbox is shutting down", "errorType": "ServiceException"}),
        );
    };
    let mut response = http_server::response(200, "application/json", pending.payload);
    let headers = response.headers_mut();
    for (name, value) in [
        ("lambda-runtime-aws-request-id", pending.request_id.clone()),
        ("lambda-runtime-deadline-ms", pending.deadline_epoch_ms.to_string()),
        ("lambda-runtime-invoked-function-arn", pending.function_arn),
        ("lambda-runtime-trace-id", pending.trace_id),
    ] {
        if let Ok(value) = http::HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    pending.delivered.store(true, std::sync::atomic::Ordering::Release);
    *lock(&state.current) = Some((pending.request_id, pending.reply));
    response
}

async fn post_response(state: &State, request_id: &str, body: Incoming) -> HttpResponse {
    let Some(body) = http_server::read_body(body).await else {
        return bad_request("the response body could not be read");
    };
    if body.len() > MAX_RESPONSE_BYTES {
        let size = body.len();
        let _ = finish(state, request_id, RuntimeReply::ResponseTooLarge { size });
        return http_server::json_response(
            413,
            &json!({
                "errorMessage": format!("Exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes)."),
                "errorType": "RequestEntityTooLarge"
            }),
        );
    }
    finish(state, request_id, RuntimeReply::Response(body))
}

fn finish(state: &State, request_id: &str, reply: RuntimeReply) -> HttpResponse {
    let mut current = lock(&state.current);
    match current.take() {
        Some((expected, sender)) if expected == request_id => {
            let _ = sender.send(reply);
            accepted()
        }
        other => {
            *current = other;
            bad_request_typed("InvalidRequestID", &format!("no invocation {request_id} is in progress"))
        }
    }
}

fn error_type_header(request: &Request<Incoming>) -> Option<String> {
    request
        .headers()
        .get("lambda-runtime-function-error-type")
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}

fn accepted() -> HttpResponse {
    http_server::json_response(202, &json!({"status": "OK"}))
}

fn bad_request(message: &str) -> HttpResponse {
    bad_request_typed("InvalidRequest", message)
}

fn bad_request_typed(error_type: &str, message: &str) -> HttpResponse {
    http_server::json_response(400, &json!({"errorMessage": message, "errorType": error_type}))
}

fn not_found(path: &str) -> HttpResponse {
    http_server::json_response(
        404,
        &json!({"errorMessage": format!("unknown Runtime API path {path}"), "errorType": "NotFound"}),
    )
}

/// A poisoned lock only means another handler panicked; the data is still usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
