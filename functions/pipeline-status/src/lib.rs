//! pipeline-status: EventBridge "CodePipeline Pipeline Execution State Change". Maps
//! pipeline `eks-<cluster_id>` to its cluster and moves the status with a conditional
//! write, so a repeated or out-of-order event never moves a cluster backwards:
//! STARTED → PROVISIONING (from PENDING); SUCCEEDED → ACTIVE, FAILED/STOPPED → FAILED
//! (from PENDING or PROVISIONING). Each applied transition is audited.

#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

use cluster_domain::python_json;
use cluster_domain::required;
use cluster_domain::{AuditLog, Clock, ClusterStore, IdGenerator, PortError, PyDict, PyValue, StatusChange};
use cluster_domain::{PIPELINE_ACTOR, PipelineEventDecision, UNKNOWN_CLUSTER, decide_pipeline_event};
use cluster_domain::{STATUS_CHANGED, audit_item, status_changed_details};
use cluster_domain::{pipeline_event_changed, pipeline_event_ignored, pipeline_event_unchanged};
use cluster_lambda::{FunctionError, python_access};
use serde_json::Value;

/// The reason the domain gives for a pipeline that is not `eks-<cluster_id>`, which
/// Python decides before it looks the state up.
const NOT_A_CLUSTER_PIPELINE: &str = "not a cluster pipeline";

/// The handler and the ports it uses.
#[derive(Debug, Clone)]
pub struct PipelineStatus<S, A, C, I> {
    /// The clusters table: the status is changed there.
    pub clusters: S,
    /// The audit table, for the `STATUS_CHANGED` event.
    pub audit: A,
    /// Stamps `updated_at` and the audit event.
    pub clock: C,
    /// The audit event key's random suffix.
    pub ids: I,
}

fn to_json(value: &PyValue) -> Value {
    serde_json::from_str(&python_json::dumps(value)).unwrap_or(Value::Null)
}

/// The "ignored" answer echoes `pipeline` and `state` as the event held them, whatever
/// their JSON type (Python returns the values it read).
fn ignored(pipeline: &Value, state: &Value, reason: &str) -> Value {
    to_json(&PyValue::Dict(pipeline_event_ignored(
        &python_json::from_serde(pipeline),
        &python_json::from_serde(state),
        reason,
    )))
}

impl<S: ClusterStore, A: AuditLog, C: Clock, I: IdGenerator> PipelineStatus<S, A, C, I> {
    /// Answers one EventBridge event with the JSON Python returns (`result`: `changed`,
    /// `unchanged` or `ignored`); `Err` is the exception Python lets escape.
    pub async fn handle(&self, event: Value) -> Result<Value, FunctionError> {
        // `detail = event.get("detail") or {}`: an event that is not an object has no `get`.
        let empty = Value::Object(serde_json::Map::new());
        let detail =
            python_access::get(&event, "detail")?.filter(|detail| python_access::truthy(detail)).unwrap_or(&empty);
        // `detail.get("pipeline", "")`: the default only when the key is absent (a JSON
        // null is `None`), and `AttributeError` when `detail` is not an object.
        let detail_map = detail.as_object().ok_or_else(|| python_access::no_attribute(detail, "get"))?;
        let empty_text = Value::String(String::new());
        let pipeline = detail_map.get("pipeline").unwrap_or(&empty_text);
        let state = detail_map.get("state").unwrap_or(&empty_text);
        let pipeline_name = pipeline.as_str().ok_or_else(|| python_access::no_attribute(pipeline, "startswith"))?;
        let state_text = match state {
            Value::String(text) => text.clone(),
            other => python_json::from_serde(other).python_str(),
        };
        // `state not in TRANSITIONS` hashes the state: a list or a dict cannot be.
        let unhashable = matches!(state, Value::Array(_) | Value::Object(_));
        let (cluster_id, transition) = match decide_pipeline_event(pipeline_name, &state_text) {
            PipelineEventDecision::Ignore { reason } if reason == NOT_A_CLUSTER_PIPELINE => {
                return Ok(ignored(pipeline, state, &reason));
            }
            _ if unhashable => {
                return Err(FunctionError::new(
                    "TypeError",
                    format!("unhashable type: '{}'", python_access::type_name(state)),
                ));
            }
            PipelineEventDecision::Ignore { reason } => return Ok(ignored(pipeline, state, &reason)),
            PipelineEventDecision::Apply { cluster_id, transition } if state.is_string() => (cluster_id, transition),
            PipelineEventDecision::Apply { .. } => {
                return Ok(ignored(pipeline, state, &format!("state {state_text} does not change the cluster status")));
            }
        };
        let Some(item) =
            self.clusters.get(cluster_id).await.map_err(|error| FunctionError::from_port(error, "GetItem"))?
        else {
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
                // `item["status"]`: a stored cluster without a status is a KeyError.
                let current = required(&item, "status")?.clone();
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
