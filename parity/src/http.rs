//! `http(s)://`: re-sends an API Gateway REST (v1) event as an HTTP request to a base URL.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::record::{Observed, Outcome, Record};
use crate::redact::REDACTED;
use crate::target::{Target, TargetError};

/// Re-sends API Gateway REST (v1) events as HTTP requests to a base URL.
#[derive(Debug, Clone)]
pub(crate) struct HttpTarget {
    base_url: String,
    client: reqwest::Client,
}

/// Headers the HTTP client sets itself, or that describe the recorded connection.
const NOT_FORWARDED: &[&str] = &["host", "content-length", "connection", "transfer-encoding", "accept-encoding"];

impl HttpTarget {
    /// A target for `base_url` whose requests give up after `timeout` and do not follow
    /// redirects (a redirect is an answer to compare).
    pub(crate) fn new(base_url: &str, timeout: Duration) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| format!("cannot build the HTTP client: {error}"))?;
        Ok(Self { base_url: base_url.trim_end_matches('/').to_owned(), client })
    }

    fn request(&self, record: &Record, event: &Value) -> Result<reqwest::RequestBuilder, TargetError> {
        if record.source != "apigateway-rest" {
            return Err(TargetError::NotHttp { record_id: record.id.clone(), source_kind: record.source.clone() });
        }
        let bad = |field| TargetError::BadEvent { record_id: record.id.clone(), field };
        let method = event.get("httpMethod").and_then(Value::as_str).ok_or_else(|| bad("httpMethod"))?;
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|_| bad("httpMethod"))?;
        let path = event.get("path").and_then(Value::as_str).ok_or_else(|| bad("path"))?;
        let mut url = reqwest::Url::parse(&format!("{}{}", self.base_url, path)).map_err(|_| bad("path"))?;
        {
            let pairs = multi_or_single(event, "multiValueQueryStringParameters", "queryStringParameters");
            if !pairs.is_empty() {
                let mut query = url.query_pairs_mut();
                for (name, value) in &pairs {
                    query.append_pair(name, value);
                }
            }
        }
        let mut request = self.client.request(method, url);
        for (name, value) in multi_or_single(event, "multiValueHeaders", "headers") {
            // A header the recorder redacted has no value left to send.
            if value == REDACTED || NOT_FORWARDED.contains(&name.to_ascii_lowercase().as_str()) {
                continue;
            }
            request = request.header(name, value);
        }
        if let Some(body) = event.get("body").and_then(Value::as_str) {
            let encoded = event.get("isBase64Encoded").and_then(Value::as_bool).unwrap_or(false);
            request = if encoded {
                let bytes = base64::engine::general_purpose::STANDARD.decode(body).map_err(|_| bad("body"))?;
                request.body(bytes)
            } else {
                request.body(body.to_owned())
            };
        }
        Ok(request)
    }
}

/// Name-value pairs from the multi-value field when present, else the single-value one.
fn multi_or_single(event: &Value, multi: &str, single: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    if let Some(Value::Object(map)) = event.get(multi) {
        for (name, values) in map {
            if let Value::Array(values) = values {
                pairs.extend(values.iter().filter_map(Value::as_str).map(|v| (name.clone(), v.to_owned())));
            }
        }
    } else if let Some(Value::Object(map)) = event.get(single) {
        pairs.extend(map.iter().filter_map(|(name, v)| v.as_str().map(|v| (name.clone(), v.to_owned()))));
    }
    pairs
}

#[async_trait]
impl Target for HttpTarget {
    fn name(&self) -> String {
        self.base_url.clone()
    }

    async fn invoke(&self, record: &Record, event: &Value) -> Result<Observed, TargetError> {
        let request = self.request(record, event)?;
        let started = Instant::now();
        let http_error =
            |source| TargetError::Http { record_id: record.id.clone(), url: self.base_url.clone(), source };
        let response = request.send().await.map_err(http_error)?;
        let status = response.status().as_u16();
        let mut headers = Map::new();
        let mut multi: Map<String, Value> = Map::new();
        for (name, value) in response.headers() {
            let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
            headers.insert(name.as_str().to_owned(), Value::String(text.clone()));
            if let Value::Array(values) =
                multi.entry(name.as_str().to_owned()).or_insert_with(|| Value::Array(Vec::new()))
            {
                values.push(Value::String(text));
            }
        }
        let bytes = response.bytes().await.map_err(http_error)?;
        let latency = started.elapsed();
        let (body, encoded) = match String::from_utf8(bytes.to_vec()) {
            Ok(text) => (text, false),
            Err(_) => (base64::engine::general_purpose::STANDARD.encode(&bytes), true),
        };
        Ok(Observed {
            outcome: Outcome::Response(serde_json::json!({
                "statusCode": status,
                "headers": headers,
                "multiValueHeaders": multi,
                "body": body,
                "isBase64Encoded": encoded,
            })),
            latency,
        })
    }
}
