//! The proxy response powertools' resolver returns for a REST API: `statusCode`, `body`,
//! `isBase64Encoded`, `multiValueHeaders`, in that order, with `Content-Type` after the
//! handler's own headers.

use serde_json::{Map, Value};

use cluster_domain::python_json;
use cluster_domain::{PyValue, cluster_not_found_message, error_body, route_not_found_body};

/// A response with a JSON body already serialised (the handlers write the bytes Python
/// would, so the body is kept as text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyResponse {
    pub(crate) status_code: u16,
    pub(crate) body: String,
    /// Headers in the order the handler set them; `Content-Type` is added last.
    pub(crate) headers: Vec<(String, String)>,
}

impl ProxyResponse {
    /// `status_code` with `body`, a JSON text already serialised, and no header yet.
    pub fn json(status_code: u16, body: String) -> Self {
        ProxyResponse { status_code, body, headers: Vec::new() }
    }

    /// The response with one more header, after those already set.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// A powertools `ServiceError`: `{"statusCode":<code>,"message":"<text>"}`.
    pub fn service_error(status_code: u16, message: &str) -> Self {
        json_response(status_code, &error_body(status_code, message).into())
    }

    /// The 404 every `/clusters/{cluster_id}` route answers for an unknown cluster.
    pub fn cluster_not_found(cluster_id: &str) -> Self {
        ProxyResponse::service_error(404, &cluster_not_found_message(cluster_id))
    }

    /// What the resolver answers for a method or path no route matches.
    pub fn not_found() -> Self {
        json_response(404, &route_not_found_body().into())
    }

    /// The handler's return value.
    pub fn to_event(&self) -> Value {
        self.clone().into_event()
    }

    /// [`ProxyResponse::to_event`], moving the body into the event instead of copying it.
    pub fn into_event(self) -> Value {
        let mut headers = Map::new();
        for (name, value) in self.headers {
            headers.insert(name, Value::Array(vec![Value::String(value)]));
        }
        if !headers.contains_key("Content-Type") {
            headers.insert("Content-Type".to_owned(), Value::Array(vec![Value::String("application/json".to_owned())]));
        }
        let mut response = Map::new();
        response.insert("statusCode".to_owned(), Value::from(self.status_code));
        response.insert("body".to_owned(), Value::String(self.body));
        response.insert("isBase64Encoded".to_owned(), Value::Bool(false));
        response.insert("multiValueHeaders".to_owned(), Value::Object(headers));
        Value::Object(response)
    }
}

/// A JSON response whose body is `json.dumps` of `body` the powertools way.
pub fn json_response(status_code: u16, body: &PyValue) -> ProxyResponse {
    ProxyResponse::json(status_code, python_json::dumps(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_powertools_key_order_and_content_type_last() {
        let response = ProxyResponse::json(201, "{}".to_owned()).with_header("Location", "/clusters/a");
        let text = serde_json::to_string(&response.to_event()).unwrap_or_default();
        assert_eq!(
            text,
            r#"{"statusCode":201,"body":"{}","isBase64Encoded":false,"multiValueHeaders":{"Location":["/clusters/a"],"Content-Type":["application/json"]}}"#
        );
    }

    #[test]
    fn service_errors_escape_like_python() {
        assert_eq!(
            ProxyResponse::service_error(404, "cluster é not found").body,
            r#"{"statusCode":404,"message":"cluster \u00e9 not found"}"#
        );
        assert_eq!(ProxyResponse::not_found().body, r#"{"statusCode":404,"message":"Not found"}"#);
    }
}
