//! pipeline-status: EventBridge "CodePipeline Pipeline Execution State Change". Maps
//! pipeline `eks-<cluster_id>` to its cluster and moves the status with a conditional
//! write, so a repeated or out-of-order event never moves a cluster backwards:
//! STARTED → PROVISIONING (from PENDING); SUCCEEDED → ACTIVE, FAILED/STOPPED → FAILED
//! (from PENDING or PROVISIONING). Each applied transition is audited.

use cluster_domain::python_json;
use cluster_domain::{PIPELINE_ACTOR, PipelineEventDecision, UNKNOWN_CLUSTER, decide_pipeline_event};
use cluster_domain::{STATUS_CHANGED, audit_item, status_changed_details};
use cluster_domain::{pipeline_event_changed, pipeline_event_ignored, pipeline_event_unchanged};
use cluster_domain::{AuditLog, Clock, ClusterStore, IdGenerator, PortError, PyDict, PyValue, StatusChange};
use cluster_lambda::FunctionError;
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct PipelineStatus<S, A, C, I> {
    pub clusters: S,
    pub audit: A,
    pub clock: C,
    pub ids: I,
}

/// Python's type name, for the `AttributeError` message of a non-dict `detail`.
fn python_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(number) if number.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

fn truthy(value: &Value) -> bool {
    python_json::from_serde(value).truthy()
}

fn to_json(value: &PyValue) -> Value {
    serde_json::from_str(&python_json::dumps(value)).unwrap_or(Value::Null)
}

/// The "ignored" answer echoes `pipeline` and `state` as the event held them, whatever
/// their JSON type (Python returns the values it read).
fn ignored(pipeline: &Value, state: &Value, reason: &str) -> Value {
    to_json(&PyValue::Dict(pipeline_event_ignored(&python_json::from_serde(pipeline), &python_json::from_serde(state), reason)))
}

impl<S: ClusterStore, A: AuditLog, C: Clock, I: IdGenerator> PipelineStatus<S, A, C, I> {
    pub async fn handle(&self, event: Value) -> Result<Value, FunctionError> {
        // `detail = event.get("detail") or {}`, then `detail.get(...)`.
        let empty = Value::Object(serde_json::Map::new());
        let detail = match event.get("detail") {
            Some(detail) if truthy(detail) => detail,
            _ => &empty,
        };
        let Some(detail_map) = detail.as_object() else {
            return Err(FunctionError::new(
                "AttributeError",
                format!("'{}' object has no attribute 'get'", python_type_name(detail)),
            ));
        };
        let empty_text = Value::String(String::new());
        let pipeline = detail_map.get("pipeline").unwrap_or(&empty_text);
        let state = detail_map.get("state").unwrap_or(&empty_text);
        let Some(pipeline_name) = pipeline.as_str() else {
            return Err(FunctionError::new(
                "AttributeError",
                format!("'{}' object has no attribute 'startswith'", python_type_name(pipeline)),
            ));
        };
        let state_text = match state {
            Value::String(text) => text.clone(),
            other => python_json::from_serde(other).python_str(),
        };
        let (cluster_id, transition) = match decide_pipeline_event(pipeline_name, &state_text) {
            PipelineEventDecision::Ignore { reason } => return Ok(ignored(pipeline, state, &reason)),
            PipelineEventDecision::Apply { cluster_id, transition } if state.is_string() => (cluster_id, transition),
            PipelineEventDecision::Apply { .. } => {
                return Ok(ignored(pipeline, state, &format!("state {state_text} does not change the cluster status")));
            }
        };
        let Some(item) = self.clusters.get(cluster_id).await.map_err(|error| FunctionError::from_port(error, "GetItem"))? else {
            return Ok(ignored(pipeline, state, UNKNOWN_CLUSTER));
        };
        let now = self.clock.now().isoformat();
        let change = StatusChange {
            cluster_id: cluster_id.to_owned(),
            new_status: transition.new_status.to_owned(),
            allowed_from: transition.allowed_from.iter().map(|status| (*status).to_owned()).collect(),
            updated_at: now,
            extra: PyDict::new().with("last_pipeline_state", state_text.as_str()),
        };
        let previous = match self.clusters.change_status(&change).await {
            Ok(previous) => previous,
            Err(PortError::ConditionFailed) => {
                let current = item.get("status").cloned().unwrap_or(PyValue::None);
                return Ok(to_json(&PyValue::Dict(pipeline_event_unchanged(cluster_id, &state_text, current))));
            }
            Err(error) => return Err(FunctionError::from_port(error, "UpdateItem")),
        };
        // `detail.get("execution-id")` and `event.get("id")`: `None` when absent.
        let details = status_changed_details(
            &previous,
            transition.new_status,
            &state_text,
            python_json::from_serde(detail_map.get("execution-id").unwrap_or(&Value::Null)),
            python_json::from_serde(event.get("id").unwrap_or(&Value::Null)),
        );
        let audit_event = audit_item(&self.clock, &self.ids, cluster_id, STATUS_CHANGED, PIPELINE_ACTOR, details);
        self.audit.append(&audit_event).await.map_err(|error| FunctionError::from_port(error, "PutItem"))?;
        Ok(to_json(&PyValue::Dict(pipeline_event_changed(cluster_id, &state_text, transition.new_status, &previous))))
    }
}
