//! The one way this crate serves HTTP: hyper 1 over HTTP/1.1 with keep-alive, every
//! connection in a task owned by the accept loop, so aborting the loop closes them all.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

pub(crate) type HttpResponse = Response<Full<Bytes>>;

/// Serves `handler` on `listener` until the returned future is dropped or aborted.
pub(crate) async fn serve<H, Fut>(listener: TcpListener, handler: Arc<H>)
where
    H: Fn(Request<Incoming>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HttpResponse> + Send + 'static,
{
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else { continue };
                // Runtime API calls are small request/response pairs; Nagle only adds delay.
                let _ = stream.set_nodelay(true);
                let handler = handler.clone();
                connections.spawn(async move {
                    let service = service_fn(move |request| {
                        let handler = handler.clone();
                        async move { Ok::<_, Infallible>(handler(request).await) }
                    });
                    let _ = http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_finished) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// A response with a body and a content type; building it cannot fail for these inputs.
pub(crate) fn response(status: u16, content_type: &str, body: impl Into<Bytes>) -> HttpResponse {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(value) = http::HeaderValue::from_str(content_type) {
        response.headers_mut().insert(http::header::CONTENT_TYPE, value);
    }
    response
}

pub(crate) fn json_response(status: u16, body: &serde_json::Value) -> HttpResponse {
    response(status, "application/json", body.to_string())
}

/// Reads a whole request body; `None` when the peer went away mid-body.
pub(crate) async fn read_body(body: Incoming) -> Option<Bytes> {
    use http_body_util::BodyExt;
    body.collect().await.ok().map(|collected| collected.to_bytes())
}
