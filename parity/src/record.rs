//! One recorded invocation (`cutover.record/v1`, see docs/record-format.md) and the outcome
//! of an invocation as any target observes it.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::scheduler::ReplayOrder;

/// The only schema this reader accepts: the `schema` field of every record.
pub const RECORD_SCHEMA: &str = "cutover.record/v1";

/// One Lambda invocation as the function saw it, with what it answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Always [`RECORD_SCHEMA`]; the corpus reader refuses any other value.
    pub schema: String,
    /// Unique within the corpus (the reader refuses a second use): reports name records by it.
    pub id: String,
    /// The Lambda function that was invoked (`create-cluster`).
    pub function: String,
    /// The kind of event: `apigateway-rest`, `apigateway-http`, `eventbridge` or `other`.
    pub source: String,
    /// `METHOD /resource/{param}` for API Gateway (the resource template, not the path),
    /// the `detail-type` for EventBridge; rules and reports group by it.
    pub route: String,
    /// When the invocation started, ISO 8601 with offset.
    pub recorded_at: String,
    /// The event exactly as the handler received it, secrets redacted by the recorder.
    pub event: Value,
    /// What the handler returned; `None` when it raised, or when the record has no answer
    /// (written by hand): then the baseline's live answer is the reference for ids.
    #[serde(default)]
    pub response: Option<Value>,
    /// The error the handler raised, as Lambda reports it; `None` when it returned.
    #[serde(default)]
    pub error: Option<FunctionError>,
    /// Wall time of the handler call, in milliseconds; the `recorded` target answers in it.
    #[serde(default)]
    pub duration_ms: f64,
    /// The step of the traffic scenario that produced the record
    /// (`lifecycle/prod-1/create`); `None` for records from real traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// The entity (cluster id) the record touches, so that a replay keeps per-entity
    /// order; `None` when the event itself tells it, or nothing does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<String>,
    /// What the recorder saw the function write, when it noted it; carried along, never
    /// compared: each side's writes are captured live.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub side_effects: Option<Value>,
}

/// A function error as Lambda reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionError {
    /// `errorType`: the error's type as the runtime names it (`KeyError`).
    #[serde(rename = "errorType")]
    pub error_type: String,
    /// `errorMessage`: the error's text; compared like any value, ids mapped.
    #[serde(rename = "errorMessage")]
    pub error_message: String,
}

/// What one invocation produced: the handler's return value or the error it raised.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The handler returned this value (a proxy response, or any JSON).
    Response(Value),
    /// The handler raised; Lambda reported this error.
    FunctionError(FunctionError),
}

/// An outcome together with how long the target took to produce it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// What the target answered.
    pub outcome: Outcome,
    /// How long the answer took, as the target measured it; reports give percentiles.
    pub latency: Duration,
}

impl Record {
    /// The HTTP method of an API Gateway record (`POST` of `POST /clusters`).
    pub(crate) fn method(&self) -> Option<&str> {
        if !self.source.starts_with("apigateway") {
            return None;
        }
        self.route.split_once(' ').map(|(method, _)| method)
    }

    /// How the record is ordered in a replay. A record that addresses a whole collection
    /// (an API Gateway event with no path parameters) and either reads it (`GET
    /// /clusters`) or creates one of its entities (`POST /clusters` with a known entity)
    /// is a barrier: a read depends on every entity, and the order of creations is visible
    /// in any list sorted by creation time. Other records follow their entity; records
    /// with no entity but an `Idempotency-Key` header follow the others with that key (a
    /// replay must find the first answer stored); the rest are free.
    pub(crate) fn replay_order(&self, created_id_paths: &[crate::PathPattern]) -> ReplayOrder {
        let addresses_collection = self.source.starts_with("apigateway")
            && self.event.get("pathParameters").and_then(Value::as_object).is_none_or(serde_json::Map::is_empty);
        let entity = self.entity_key(created_id_paths);
        match entity {
            _ if addresses_collection && self.method() == Some("GET") => ReplayOrder::Barrier,
            Some(_) if addresses_collection => ReplayOrder::Barrier,
            Some(entity) => ReplayOrder::Entity(entity),
            None => match self.idempotency_key() {
                Some(key) => ReplayOrder::Entity(format!("Idempotency-Key {key}")),
                None => ReplayOrder::Independent,
            },
        }
    }

    /// The `Idempotency-Key` header of an API Gateway event (any case).
    fn idempotency_key(&self) -> Option<&str> {
        self.event
            .get("headers")?
            .as_object()?
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("idempotency-key"))
            .and_then(|(_, value)| value.as_str())
    }

    /// The recorded response's status code, if it was a proxy response.
    pub(crate) fn recorded_status(&self) -> Option<u16> {
        status_code(self.response.as_ref()?)
    }

    /// What the function answered when the record was made: its error if it raised, else
    /// its response (`null` for a record with neither).
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
        if let Some(id) =
            self.event.get("pathParameters").and_then(|parameters| parameters.get("cluster_id")).and_then(Value::as_str)
        {
            return Some(id.to_owned());
        }
        let response = self.response.as_ref()?;
        let body = parsed_body(response)?;
        created_id_paths.iter().find_map(|pattern| pattern.lookup(&body).and_then(Value::as_str)).map(str::to_owned)
    }
}

/// The `statusCode` of a proxy response, if it has one.
pub(crate) fn status_code(response: &Value) -> Option<u16> {
    response.get("statusCode").and_then(Value::as_u64).and_then(|code| u16::try_from(code).ok())
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
        let list = record("GET /clusters", json!({}), json!({"statusCode": 200, "body": "[]"}));
        assert_eq!(list.entity_key(&id_paths), None);
        assert_eq!(list.replay_order(&id_paths), ReplayOrder::Barrier);
        assert_eq!(create.replay_order(&id_paths), ReplayOrder::Barrier);
        assert_eq!(get.replay_order(&id_paths), ReplayOrder::Entity("c-7".into()));
        let invalid_create =
            record("POST /clusters", json!({"pathParameters": null}), json!({"statusCode": 400, "body": "{}"}));
        assert_eq!(invalid_create.replay_order(&id_paths), ReplayOrder::Independent);
        let rejected_with_key = record(
            "POST /clusters",
            json!({"pathParameters": null, "headers": {"idempotency-key": "k-1"}}),
            json!({"statusCode": 422, "body": "{}"}),
        );
        assert_eq!(rejected_with_key.replay_order(&id_paths), ReplayOrder::Entity("Idempotency-Key k-1".into()));
    }
}
