//! Lambda's log shipping: every line a function's sandboxes write, and the START, END and
//! REPORT lines, go to CloudWatch Logs on the local back end (moto serves the Logs API),
//! in the log group `/aws/lambda/<function>` and the stream Lambda would name
//! (`2026/12/03/[1]<id>`), stamped on the emulator's clock. So what reads Lambda's logs on
//! AWS (`cutover corpus pull`, the cost report's REPORT-line reader) reads them locally
//! through the same SDK calls.
//!
//! Lines are batched (a tenth of a second, or 1,000 lines) and sent straight to moto, not
//! through the recording proxy: Lambda's log shipping is not a write the function made.
//! Shipping never holds an invocation up; a batch moto refuses is counted, not retried.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::json;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::clock::Clock;

/// How long lines wait for company before a batch goes.
const BATCH_WINDOW: Duration = Duration::from_millis(100);
/// PutLogEvents takes at most 10,000 events; a smaller batch keeps moto's work per call short.
const BATCH_LINES: usize = 1000;

/// One line on its way.
#[derive(Debug)]
struct Line {
    group: String,
    stream: String,
    timestamp_ms: i64,
    message: String,
}

enum Command {
    Line(Line),
    Flush(oneshot::Sender<()>),
}

/// The shipper of one emulator.
pub(crate) struct LogShipper {
    sender: mpsc::UnboundedSender<Command>,
    /// `function:version` → (log group, log stream).
    streams: Mutex<HashMap<String, (String, String)>>,
    clock: Arc<dyn Clock>,
    refused: Arc<AtomicU64>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for LogShipper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogShipper").field("refused", &self.refused).finish_non_exhaustive()
    }
}

impl LogShipper {
    /// Ships to the Logs API at `endpoint` (moto's `http://host:port`), in `region`.
    pub(crate) fn start(endpoint: &str, region: &str, clock: Arc<dyn Clock>) -> Arc<LogShipper> {
        let (sender, receiver) = mpsc::unbounded_channel();
        let refused = Arc::new(AtomicU64::new(0));
        let target = Target {
            endpoint: endpoint.trim_end_matches('/').to_string(),
            region: region.to_string(),
            client: Client::builder(TokioExecutor::new()).build(HttpConnector::new()),
            refused: refused.clone(),
        };
        let task = tokio::spawn(run(receiver, target));
        Arc::new(LogShipper {
            sender,
            streams: Mutex::new(HashMap::new()),
            clock,
            refused,
            task: Mutex::new(Some(task)),
        })
    }

    /// Names the group and stream of a sandbox label (`function:version`).
    pub(crate) fn register(&self, label: &str, function: &str, stream: &str) {
        lock(&self.streams).insert(label.to_string(), (format!("/aws/lambda/{function}"), stream.to_string()));
    }

    /// Queues one line of `label`'s stream; lines of unregistered sources are not shipped.
    pub(crate) fn ship(&self, label: &str, message: &str) {
        let Some((group, stream)) = lock(&self.streams).get(label).cloned() else { return };
        let timestamp_ms = self
            .clock
            .now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|since| i64::try_from(since.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or_default();
        let _ = self.sender.send(Command::Line(Line { group, stream, timestamp_ms, message: message.to_string() }));
    }

    /// Waits until every line queued so far has been sent.
    pub(crate) async fn flush(&self) {
        let (done, sent) = oneshot::channel();
        if self.sender.send(Command::Flush(done)).is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(10), sent).await;
        }
    }

    /// Batches moto refused (or could not take) so far.
    pub(crate) fn refused_batches(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Stops shipping (after [`LogShipper::flush`]).
    pub(crate) fn stop(&self) {
        if let Some(task) = lock(&self.task).take() {
            task.abort();
        }
    }
}

struct Target {
    endpoint: String,
    region: String,
    client: Client<HttpConnector, Full<Bytes>>,
    refused: Arc<AtomicU64>,
}

async fn run(mut receiver: mpsc::UnboundedReceiver<Command>, target: Target) {
    let mut created: HashSet<(String, String)> = HashSet::new();
    let mut batch: Vec<Line> = Vec::new();
    loop {
        let next = if batch.is_empty() {
            receiver.recv().await
        } else {
            match tokio::time::timeout(BATCH_WINDOW, receiver.recv()).await {
                Ok(next) => next,
                Err(_) => {
                    send(&target, &mut created, std::mem::take(&mut batch)).await;
                    continue;
                }
            }
        };
        match next {
            None => {
                send(&target, &mut created, std::mem::take(&mut batch)).await;
                return;
            }
            Some(Command::Line(line)) => {
                batch.push(line);
                if batch.len() >= BATCH_LINES {
                    send(&target, &mut created, std::mem::take(&mut batch)).await;
                }
            }
            Some(Command::Flush(done)) => {
                send(&target, &mut created, std::mem::take(&mut batch)).await;
                let _ = done.send(());
            }
        }
    }
}

/// Sends a batch, one PutLogEvents per stream, creating groups and streams first.
async fn send(target: &Target, created: &mut HashSet<(String, String)>, batch: Vec<Line>) {
    let mut by_stream: HashMap<(String, String), Vec<Line>> = HashMap::new();
    for line in batch {
        by_stream.entry((line.group.clone(), line.stream.clone())).or_default().push(line);
    }
    for ((group, stream), mut lines) in by_stream {
        if !created.contains(&(group.clone(), stream.clone())) {
            let group_known = created.iter().any(|(known, _)| *known == group);
            if !group_known {
                // An existing group (a second emulator on the same moto) is fine.
                let _ = call(target, "CreateLogGroup", json!({"logGroupName": group})).await;
            }
            let _ = call(target, "CreateLogStream", json!({"logGroupName": group, "logStreamName": stream})).await;
            created.insert((group.clone(), stream.clone()));
        }
        // PutLogEvents wants chronological order; lines of one stream come in order, but
        // a stable sort keeps that true whatever the clock did.
        lines.sort_by_key(|line| line.timestamp_ms);
        let events: Vec<_> =
            lines.iter().map(|line| json!({"timestamp": line.timestamp_ms, "message": line.message})).collect();
        let body = json!({"logGroupName": group, "logStreamName": stream, "logEvents": events});
        if !call(target, "PutLogEvents", body).await {
            target.refused.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// One call of the Logs JSON 1.1 API; true when answered 2xx. The credential scope names
/// the region (moto files the logs by it); moto does not check the signature.
async fn call(target: &Target, operation: &str, body: serde_json::Value) -> bool {
    let date = time::OffsetDateTime::now_utc();
    let day = format!("{:04}{:02}{:02}", date.year(), u8::from(date.month()), date.day());
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential=testing/{day}/{}/logs/aws4_request, SignedHeaders=host;x-amz-target, Signature=0",
        target.region
    );
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("{}/", target.endpoint))
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", format!("Logs_20140328.{operation}"))
        .header("authorization", authorization)
        .body(Full::new(Bytes::from(body.to_string())));
    let Ok(request) = request else { return false };
    match target.client.request(request).await {
        Ok(response) => {
            let ok = response.status().is_success();
            let _ = response.into_body().collect().await;
            ok
        }
        Err(_) => false,
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
