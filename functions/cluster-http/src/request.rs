//! An API Gateway proxy event, read the way powertools' `APIGatewayRestResolver` and
//! `APIGatewayProxyEvent` read it: lazily, field by field, in the order the Python
//! handler reaches each field, raising what Python raises when a field is missing or
//! of another JSON type.
//!
//! Reading lazily matters: an event of another kind (HTTP API v2, ALB, a function URL,
//! a WebSocket message, a Lambda authorizer's context) gets through routing and fails
//! only where Python's handler first reads what it lacks, sometimes after a write
//! (decommission-cluster updates the status before it reads the caller). The handlers
//! call these accessors at the points where Python evaluates the same expressions.

use std::borrow::Cow;

use cluster_domain::{PyValue, python_json};
use cluster_lambda::FunctionError;
use cluster_lambda::python_access::{case_insensitive_dict, get, no_attribute, subscript, truthy, type_name, upper};
use serde_json::Value;

use crate::Route;

/// A proxy event as the handler received it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyRequest {
    event: Value,
}

impl ProxyRequest {
    /// Wraps the event; nothing is read until a method asks for it.
    pub fn new(event: Value) -> Self {
        ProxyRequest { event }
    }

    /// `resolve`'s routing: `event["httpMethod"].upper()`, then `event["path"]`, then
    /// the route's rule matched against the path when the method is the route's
    /// (`re.match` on a path that is not a `str` raises `TypeError`). `None` when the
    /// route does not match: powertools' 404.
    pub fn route(&self, route: &Route) -> Result<Option<Vec<(&'static str, String)>>, FunctionError> {
        let method = upper(subscript(&self.event, "httpMethod")?)?;
        let path = subscript(&self.event, "path")?;
        if method != route.method {
            return Ok(None);
        }
        let path = path.as_str().ok_or_else(|| {
            FunctionError::new("TypeError", format!("expected string or bytes-like object, got '{}'", type_name(path)))
        })?;
        Ok(route.matches(&method, path))
    }

    /// `event.headers.get(name)`: a header of any JSON type, any case; the headers
    /// map itself goes through `CaseInsensitiveDict`, which raises on a value that is
    /// not a mapping of `str` keys nor an iterable of pairs.
    pub fn header(&self, name: &str) -> Result<Option<Value>, FunctionError> {
        let headers = case_insensitive_dict(self.field("headers"))?;
        let name = name.to_lowercase();
        Ok(headers
            .into_iter()
            .find(|(existing, _)| *existing == name)
            .map(|(_, value)| value)
            .filter(|value| !value.is_null()))
    }

    /// `event.get_query_string_value(name)`: `(event.get("queryStringParameters") or
    /// {}).get(name)`, a value of any JSON type.
    pub fn query(&self, name: &str) -> Result<Option<&Value>, FunctionError> {
        let parameters = self.field("queryStringParameters");
        if !truthy(parameters) {
            return Ok(None);
        }
        get(parameters, name)
    }

    /// The raw `body` when it is a `str`, before any base64 decoding. Decoding it
    /// (powertools' `decoded_body`) is the domain's `read_body_text`, because what an
    /// undecodable body answers (a BODY_NOT_JSON violation) is the domain's answer.
    pub fn raw_body(&self) -> Option<&str> {
        self.field("body").as_str()
    }

    /// `decoded_body` for a `body` that is neither a `str` nor absent: Python returns it
    /// as it is (a number, a list, an object), unless the event says it is base64 and
    /// the body is truthy, where `body.encode()` raises `AttributeError`. `None` for a
    /// `str` or absent body (read it with [`ProxyRequest::raw_body`]).
    pub fn body_of_another_type(&self) -> Result<Option<&Value>, FunctionError> {
        match self.field("body") {
            Value::Null | Value::String(_) => Ok(None),
            body if self.is_base64_encoded() && truthy(body) => Err(no_attribute(body, "encode")),
            body => Ok(Some(body)),
        }
    }

    /// Whether API Gateway base64-encoded the body (Python truthiness of the flag).
    pub fn is_base64_encoded(&self) -> bool {
        truthy(self.field("isBase64Encoded"))
    }

    /// `caller(event)`: `event.request_context.identity.user_arn or "anonymous"`. An
    /// event without `requestContext` or `identity` (ALB, a Lambda authorizer's
    /// context) raises `KeyError`; the ARN is whatever JSON value the event holds.
    pub fn caller(&self) -> Result<PyValue, FunctionError> {
        let context = subscript(&self.event, "requestContext")?;
        let identity = subscript(context, "identity")?;
        Ok(match get(identity, "userArn")? {
            Some(arn) if truthy(arn) => python_json::from_serde(arn),
            _ => PyValue::str("anonymous"),
        })
    }

    /// What powertools reads from the request while building every answer, after the
    /// route has run: `(event.multi_value_headers or event.headers).get("accept-encoding", "")`
    /// and, for a list, `",".join(...)`. Each step raises on a value of another type, so
    /// an answer the route computed (and wrote for) can still end as an error.
    pub fn check_answer_headers(&self) -> Result<(), FunctionError> {
        let mut headers = case_insensitive_dict(self.field("multiValueHeaders"))?;
        if headers.is_empty() {
            headers = case_insensitive_dict(self.field("headers"))?;
        }
        if let Some((_, Value::Array(items))) = headers.iter().find(|(name, _)| name == "accept-encoding") {
            for (index, item) in items.iter().enumerate() {
                if !item.is_string() {
                    return Err(FunctionError::new(
                        "TypeError",
                        format!("sequence item {index}: expected str instance, {} found", type_name(item)),
                    ));
                }
            }
        }
        Ok(())
    }

    /// `event.get(name)` on the event (a dict once routing has read it); `null` when absent.
    fn field(&self, name: &str) -> &Value {
        self.event.get(name).unwrap_or(&Value::Null)
    }
}

/// `json.loads(value)` for a value that is not text: `TypeError`.
pub fn json_loads_type_error(value: &Value) -> FunctionError {
    FunctionError::new(
        "TypeError",
        format!("the JSON object must be str, bytes or bytearray, not {}", type_name(value)),
    )
}

/// `(body_text or "").encode("utf-8")` for a body of another type: `""` when it is
/// falsy, `AttributeError` otherwise.
pub fn body_text_for_hash(body: &Value) -> Result<Cow<'static, str>, FunctionError> {
    if truthy(body) { Err(no_attribute(body, "encode")) } else { Ok(Cow::Borrowed("")) }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ROUTE: Route = Route::new("POST", "/clusters");

    fn event(extra: Value) -> ProxyRequest {
        let mut event =
            json!({"httpMethod": "POST", "path": "/clusters", "headers": {"Content-Type": "application/json"}});
        if let (Some(target), Value::Object(extra)) = (event.as_object_mut(), extra) {
            target.extend(extra);
        }
        ProxyRequest::new(event)
    }

    fn error_of<T: std::fmt::Debug>(result: Result<T, FunctionError>) -> String {
        let error = result.expect_err("an error");
        format!("{}: {}", error.error_type, error.message)
    }

    #[test]
    fn headers_are_case_insensitive_and_the_last_spelling_wins() {
        let request = event(json!({"headers": {"Idempotency-Key": "a", "idempotency-key": 5}}));
        assert_eq!(request.header("IDEMPOTENCY-KEY").ok(), Some(Some(json!(5))));
    }

    #[test]
    fn missing_body_query_and_caller() {
        let request = event(json!({"body": null, "queryStringParameters": null}));
        assert_eq!(request.raw_body(), None);
        assert_eq!(request.query("limit").ok(), Some(None));
        assert_eq!(error_of(request.caller()), "KeyError: 'requestContext'");
        let request = event(json!({"requestContext": {"identity": {"userArn": 5}}}));
        assert_eq!(request.caller().ok(), Some(PyValue::int(5)));
    }

    #[test]
    fn routing_reads_method_then_path() {
        assert_eq!(error_of(ProxyRequest::new(json!({"path": "/"})).route(&ROUTE)), "KeyError: 'httpMethod'");
        assert_eq!(
            error_of(ProxyRequest::new(json!({"httpMethod": 5})).route(&ROUTE)),
            "AttributeError: 'int' object has no attribute 'upper'"
        );
        assert_eq!(error_of(ProxyRequest::new(json!({"httpMethod": "post"})).route(&ROUTE)), "KeyError: 'path'");
        assert_eq!(ProxyRequest::new(json!({"httpMethod": "GET", "path": 5})).route(&ROUTE).ok(), Some(None));
        assert_eq!(
            error_of(ProxyRequest::new(json!({"httpMethod": "POST", "path": 5})).route(&ROUTE)),
            "TypeError: expected string or bytes-like object, got 'int'"
        );
    }

    #[test]
    fn bodies_of_another_type() {
        assert_eq!(
            event(json!({"body": 0, "isBase64Encoded": true})).body_of_another_type().ok(),
            Some(Some(&json!(0)))
        );
        assert_eq!(
            error_of(event(json!({"body": [1], "isBase64Encoded": 1})).body_of_another_type()),
            "AttributeError: 'list' object has no attribute 'encode'"
        );
        assert_eq!(event(json!({"body": "e30="})).body_of_another_type().ok(), Some(None));
    }
}
