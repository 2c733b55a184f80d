//! One recorded invocation (`cutover.record/v1`, see docs/record-format.md) and the outcome
//! of an invocation as any target observes it.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The only schema this reader accepts.
pub const RECORD_SCHEMA: &str = "cutover.record/v1";

/// One Lambda invocation as the function saw it, with what it answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub schema: String,
    pub id: String,
    pub function: String,
    pub source: String,
    pub route: String,
    pub recorded_at: String,
    pub event: Value,
    #[serde(default)]
    pub response: Option<Value>,
    #[serde(default)]
    pub error: Option<FunctionError>,
    #[serde(default)]
    pub duration_ms: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side_effects: Option<Value>,
}

/// A function error as Lambda reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionError {
    #[serde(rename = "errorType")]
    pub error_type: String,
    #[serde(rename = "errorMessage")]
    pub error_message: String,
}

/// What one invocation produced: the handler's return value or the error it raised.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Response(Value),
    FunctionError(FunctionError),
}

/// An outcome together with how long the target took to produce it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub outcome: Outcome,
    pub latency: Duration,
}

impl Record {
    /// The HTTP method of an API Gateway record (`POST` of `POST /clusters`).
    pub fn method(&self) -> Option<&str> {
        if !self.source.starts_with("apigateway") {
            return None;
        }
        self.route.split_once(' ').map(|(method, _)| method)
    }

    /// The recorded response's status code, if it was a proxy response.
    pub fn recorded_status(&self) -> Option<u16> {
        status_code(self.response.as_ref()?)
    }

    /// What the function answered when the record was made.
    pub fn recorded_outcome(&self) -> Outcome {
        match (&self.error, &self.response) {
            (Some(error), _) => Outcome::FunctionError(error.clone()),
            (None, Some(response)) => Outcome::Response(response.clone()),
            (None, None) => Outcome::Response(Value::Null),
        }
    }

    /// The entity this record touches, for keeping per-entity order: the `entity` field,
    /// else the `cluster_id` path parameter, else an id the recorded response created
    /// (read at `id_paths`, relative to the parsed body).
    pub fn entity_key(&self, created_id_paths: &[crate::PathPattern]) -> Option<String> {
        if let Some(entity) = &self.entity {
            return Some(entity.clone());
        }
        if let Some(id) = self
            .event
            .get("pathParameters")
            .and_then(|parameters| parameters.get("cluster_id"))
            .and_then(Value::as_str)
        {
            return Some(id.to_owned());
        }
        let response = self.response.as_ref()?;
        let body = parsed_body(response)?;
        created_id_paths
            .iter()
            .find_map(|pattern| pattern.lookup(&body).and_then(Value::as_str))
            .map(str::to_owned)
    }
}

/// The `statusCode` of a proxy response, if it has one.
pub(crate) fn status_code(response: &Value) -> Option<u16> {
    response
        .get("statusCode")
        .and_then(Value::as_u64)
        .and_then(|code| u16::try_from(code).ok())
}

/// A proxy response's body parsed as JSON and wrapped as `{"body": ...}`, so that body
/// patterns (`$.body.id`) can be looked up in it.
pub(crate) fn parsed_body(response: &Value) -> Option<Value> {
    let text = response.get("body")?.as_str()?;
    let body: Value = serde_json::from_str(text).ok()?;
    Some(serde_json::json!({ "body": body }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(route: &str, event: Value, response: Value) -> Record {
        Record {
            schema: RECORD_SCHEMA.into(),
            id: "r1".into(),
            function: "f".into(),
            source: "apigateway-rest".into(),
            route: route.into(),
            recorded_at: "2026-01-01T00:00:00+00:00".into(),
            event,
            response: Some(response),
            error: None,
            duration_ms: 1.0,
            scenario: None,
            entity: None,
            side_effects: None,
        }
    }

    #[test]
    fn entity_comes_from_path_parameter_or_created_id() {
        let id_paths = ["$.body.cluster_id".parse().expect("pattern")];
        let get = record(
            "GET /clusters/{cluster_id}",
            json!({"pathParameters": {"cluster_id": "c-7"}}),
            json!({"statusCode": 200, "body": "{}"}),
        );
        assert_eq!(get.entity_key(&id_paths).as_deref(), Some("c-7"));
        let create = record(
            "POST /clusters",
            json!({"pathParameters": null}),
            json!({"statusCode": 201, "body": "{\"cluster_id\": \"c-9\"}"}),
        );
        assert_eq!(create.entity_key(&id_paths).as_deref(), Some("c-9"));
        assert_eq!(create.method(), Some("POST"));
        assert_eq!(create.recorded_status(), Some(201));
        let list = record(
            "GET /clusters",
            json!({}),
            json!({"statusCode": 200, "body": "[]"}),
        );
        assert_eq!(list.entity_key(&id_paths), None);
    }
}
