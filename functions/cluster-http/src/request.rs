//! An API Gateway REST v1 proxy event, read the way powertools' `APIGatewayProxyEvent`
//! reads it.

use serde_json::Value;
use thiserror::Error;

/// The event is not an API Gateway REST proxy event. Python raises `KeyError` here, so
/// Lambda reports an error and API Gateway answers 502.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EventError {
    #[error("event field `{field}` is missing or not a string")]
    MissingField { field: &'static str },
}

/// The parts of a proxy event the handlers read.
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyRequest {
    pub http_method: String,
    pub path: String,
    /// Lower-cased names; when two names differ only by case, the later one wins, as in
    /// powertools' `CaseInsensitiveDict`.
    headers: Vec<(String, String)>,
    query_string_parameters: serde_json::Map<String, Value>,
    body: Option<String>,
    is_base64_encoded: bool,
    user_arn: Option<String>,
}

impl ProxyRequest {
    pub fn from_event(event: &Value) -> Result<Self, EventError> {
        let text_field = |field: &'static str| {
            event.get(field).and_then(Value::as_str).map(str::to_owned).ok_or(EventError::MissingField { field })
        };
        let mut headers: Vec<(String, String)> = Vec::new();
        if let Some(Value::Object(map)) = event.get("headers") {
            for (name, value) in map {
                let Some(value) = value.as_str() else { continue };
                let name = name.to_lowercase();
                headers.retain(|(existing, _)| *existing != name);
                headers.push((name, value.to_owned()));
            }
        }
        let query_string_parameters = match event.get("queryStringParameters") {
            Some(Value::Object(map)) => map.clone(),
            _ => serde_json::Map::new(),
        };
        let user_arn = event
            .pointer("/requestContext/identity/userArn")
            .and_then(Value::as_str)
            .filter(|arn| !arn.is_empty())
            .map(str::to_owned);
        Ok(ProxyRequest {
            http_method: text_field("httpMethod")?,
            path: text_field("path")?,
            headers,
            query_string_parameters,
            body: event.get("body").and_then(Value::as_str).map(str::to_owned),
            is_base64_encoded: is_truthy(event.get("isBase64Encoded")),
            user_arn,
        })
    }

    /// [`ProxyRequest::from_event`] over an event the caller gives up: the body string is
    /// moved out rather than copied, and the rest of the event is dropped here, so a large
    /// body is held once.
    pub fn from_owned_event(mut event: Value) -> Result<Self, EventError> {
        let body = match event.get_mut("body").map(Value::take) {
            Some(Value::String(body)) => Some(body),
            _ => None,
        };
        let request = Self::from_event(&event)?;
        drop(event);
        Ok(ProxyRequest { body, ..request })
    }

    /// A request header, any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_lowercase();
        self.headers.iter().find(|(existing, _)| *existing == name).map(|(_, value)| value.as_str())
    }

    /// A query string parameter (`queryStringParameters`, the last value of a repeated one).
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query_string_parameters.get(name).and_then(Value::as_str)
    }

    /// The raw `body` field, before any base64 decoding. Decoding it (powertools'
    /// `decoded_body`) is the domain's `read_body_text`, because what an undecodable body
    /// answers (a BODY_NOT_JSON violation) is part of the domain's answer, not of HTTP.
    pub fn raw_body(&self) -> Option<&str> {
        self.body.as_deref()
    }

    /// Whether API Gateway base64-encoded the body (Python truthiness of the flag).
    pub fn is_base64_encoded(&self) -> bool {
        self.is_base64_encoded
    }

    /// Who made the request, for the audit trail: the IAM caller or `anonymous`.
    pub fn actor(&self) -> &str {
        self.user_arn.as_deref().unwrap_or("anonymous")
    }
}

// Python truthiness for the JSON values an event can carry.
fn is_truthy(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => *flag,
        Some(Value::Number(number)) => number.as_f64() != Some(0.0),
        Some(Value::String(text)) => !text.is_empty(),
        Some(Value::Array(items)) => !items.is_empty(),
        Some(Value::Object(map)) => !map.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(extra: Value) -> Value {
        let mut event = json!({"httpMethod": "POST", "path": "/clusters", "headers": {"Content-Type": "application/json"}});
        if let (Some(target), Value::Object(extra)) = (event.as_object_mut(), extra) {
            target.extend(extra);
        }
        event
    }

    #[test]
    fn headers_are_case_insensitive_and_the_last_spelling_wins() {
        let request = ProxyRequest::from_event(&event(json!({"headers": {"Idempotency-Key": "a", "idempotency-key": "b"}})));
        assert_eq!(request.ok().as_ref().and_then(|request| request.header("IDEMPOTENCY-KEY")), Some("b"));
    }

    #[test]
    fn missing_body_query_and_caller() {
        let request = ProxyRequest::from_event(&event(json!({"body": null, "queryStringParameters": null})));
        let request = request.ok();
        assert_eq!(request.as_ref().and_then(|request| request.raw_body()), None);
        assert_eq!(request.as_ref().and_then(|request| request.query("limit")), None);
        assert_eq!(request.as_ref().map(|request| request.actor()), Some("anonymous"));
    }

    #[test]
    fn refuses_events_without_a_method() {
        assert_eq!(ProxyRequest::from_event(&json!({"path": "/"})), Err(EventError::MissingField { field: "httpMethod" }));
    }

    #[test]
    fn an_owned_event_reads_like_a_borrowed_one() {
        for extra in [
            json!({"body": "{\"a\": 1}", "isBase64Encoded": false}),
            json!({"body": "e30=", "isBase64Encoded": true}),
            json!({"body": null}),
            json!({"body": 5}),
            json!({}),
        ] {
            let event = event(extra);
            assert_eq!(ProxyRequest::from_owned_event(event.clone()), ProxyRequest::from_event(&event), "{event}");
        }
        assert_eq!(
            ProxyRequest::from_owned_event(json!({"path": "/clusters", "body": "x"})),
            Err(EventError::MissingField { field: "httpMethod" })
        );
    }
}
