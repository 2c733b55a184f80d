//! The items the handlers write and the bodies they answer, in the Python original's
//! key order (`http.py` and the function modules).

use crate::http_quirks::encode_next_token;
use crate::pipeline::pipeline_name;
use crate::rules::{Violation, violations_to_pyvalue};
use crate::spec::ClusterSpec;
use crate::status::{DECOMMISSIONING, PENDING};
use crate::value::{PyDict, PyValue};

/// A stored item lacks an attribute the Python original indexes directly
/// (`item["status"]`): Python raises `KeyError` with the name's `repr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("'{name}'")]
pub struct MissingAttribute {
    /// The attribute's name (`status`).
    pub name: &'static str,
}

impl MissingAttribute {
    /// The exception class Lambda reports.
    pub const PYTHON_ERROR_TYPE: &'static str = "KeyError";
}

/// `item[name]`.
pub fn required<'a>(item: &'a PyDict, name: &'static str) -> Result<&'a PyValue, MissingAttribute> {
    item.get(name).ok_or(MissingAttribute { name })
}

/// `{"statusCode": <code>, "message": <text>}`: powertools' `ServiceError` body.
pub fn error_body(status_code: u16, message: &str) -> PyDict {
    PyDict::new().with("statusCode", PyValue::int(i64::from(status_code))).with("message", message)
}

/// powertools' answer for a route the function does not serve (404).
pub fn route_not_found_body() -> PyDict {
    error_body(404, "Not found")
}

/// `cluster <id> not found`.
pub fn cluster_not_found_message(cluster_id: &str) -> String {
    format!("cluster {cluster_id} not found")
}

/// create-cluster's 400 body: `{"message": "request body is not a valid cluster spec", "violations"}`.
pub fn spec_rejected_body(violations: &[Violation]) -> PyDict {
    PyDict::new()
        .with("message", "request body is not a valid cluster spec")
        .with("violations", violations_to_pyvalue(violations))
}

/// create-cluster's 422 body for rule errors (warnings included).
pub fn spec_violates_rules_body(violations: &[Violation]) -> PyDict {
    PyDict::new()
        .with("message", "cluster spec violates the organisation's rules")
        .with("violations", violations_to_pyvalue(violations))
}

/// `f"{spec.name}-{secrets.token_hex(4)}"`.
pub fn new_cluster_id(spec: &ClusterSpec, token_hex4: &str) -> String {
    format!("{}-{token_hex4}", spec.name)
}

/// The item create-cluster puts (status PENDING); `pipeline_execution_id` is added
/// once the pipeline has started, and the 201 body is this item with it.
pub fn new_cluster_item(
    cluster_id: &str,
    spec: &ClusterSpec,
    warnings: &[Violation],
    now: &str,
    actor: PyValue,
) -> PyDict {
    PyDict::new()
        .with("cluster_id", cluster_id)
        .with("name", spec.name.as_str())
        .with("team", spec.team.as_str())
        .with("environment", spec.environment.as_str())
        .with("cluster_type", spec.cluster_type.as_str())
        .with("kubernetes_version", spec.kubernetes_version.as_str())
        .with("region", spec.region.as_str())
        .with("status", PENDING)
        .with("pipeline_name", pipeline_name(cluster_id))
        .with("created_at", now)
        .with("updated_at", now)
        .with("created_by", actor)
        .with("spec", spec.model_dump())
        .with("warnings", violations_to_pyvalue(warnings))
}

/// `cluster_view`: get-cluster's fixed order, missing attributes `None`
/// (`warnings` → `[]`), except `cluster_id`, which Python indexes directly.
pub fn cluster_view(item: &PyDict) -> Result<PyDict, MissingAttribute> {
    let field = |key: &str| item.get(key).cloned().unwrap_or(PyValue::None);
    let mut view = PyDict::new().with("cluster_id", required(item, "cluster_id")?.clone());
    for key in [
        "name",
        "team",
        "environment",
        "cluster_type",
        "kubernetes_version",
        "region",
        "status",
        "pipeline_name",
        "pipeline_execution_id",
        "created_at",
        "updated_at",
        "created_by",
        "spec",
    ] {
        view.insert(key, field(key));
    }
    view.insert("warnings", item.get("warnings").cloned().unwrap_or(PyValue::List(Vec::new())));
    view.insert("compliance", field("compliance"));
    Ok(view)
}

/// `cluster_summary`: one row of list-clusters (`cluster_id` indexed directly).
pub(crate) fn cluster_summary(item: &PyDict) -> Result<PyValue, MissingAttribute> {
    let field = |key: &str| item.get(key).cloned().unwrap_or(PyValue::None);
    let mut summary = PyDict::new().with("cluster_id", required(item, "cluster_id")?.clone());
    for key in ["name", "team", "environment", "cluster_type", "status", "created_at"] {
        summary.insert(key, field(key));
    }
    Ok(PyValue::Dict(summary))
}

/// list-clusters' 200 body: `{"clusters", "count", "next_token"}`.
pub fn list_body(items: &[PyDict], last_evaluated_key: Option<&PyDict>) -> Result<PyDict, MissingAttribute> {
    Ok(PyDict::new()
        .with("clusters", items.iter().map(cluster_summary).collect::<Result<Vec<_>, _>>()?)
        .with("count", PyValue::int(items.len() as i64))
        .with("next_token", encode_next_token(last_evaluated_key)))
}

/// decommission-cluster's 409 message for a status it cannot leave.
pub fn cannot_decommission_message(cluster_id: &str, status: &str) -> String {
    format!("cluster {cluster_id} cannot be decommissioned from status {status}")
}

/// decommission-cluster's 409 message when the conditional write lost a race.
pub fn decommission_race_message(cluster_id: &str) -> String {
    format!("cluster {cluster_id} changed status while decommissioning; retry")
}

/// decommission-cluster's 202 body.
pub fn decommission_body(cluster_id: &str, previous_status: &str, requested_at: &str) -> PyDict {
    PyDict::new()
        .with("cluster_id", cluster_id)
        .with("status", DECOMMISSIONING)
        .with("previous_status", previous_status)
        .with("requested_at", requested_at)
}

/// pipeline-status' answer for an event it ignores.
pub fn pipeline_event_ignored(pipeline: &PyValue, state: &PyValue, reason: &str) -> PyDict {
    PyDict::new()
        .with("pipeline", pipeline.clone())
        .with("state", state.clone())
        .with("result", "ignored")
        .with("reason", reason)
}

/// pipeline-status' answer when the conditional write applied.
pub fn pipeline_event_changed(cluster_id: &str, state: &str, new_status: &str, previous_status: &str) -> PyDict {
    PyDict::new()
        .with("cluster_id", cluster_id)
        .with("state", state)
        .with("result", "changed")
        .with("status", new_status)
        .with("previous_status", previous_status)
}

/// pipeline-status' answer when the condition failed: the status read before.
pub fn pipeline_event_unchanged(cluster_id: &str, state: &str, status_before: PyValue) -> PyDict {
    PyDict::new()
        .with("cluster_id", cluster_id)
        .with("state", state)
        .with("result", "unchanged")
        .with("status", status_before)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python_json;

    #[test]
    fn attributes_python_indexes_directly_are_key_errors() {
        assert_eq!(cluster_view(&PyDict::new()).err().map(|error| error.to_string()), Some("'cluster_id'".to_owned()));
        assert_eq!(
            cluster_summary(&PyDict::new().with("name", "a")).err(),
            Some(MissingAttribute { name: "cluster_id" })
        );
    }

    #[test]
    fn cluster_view_fills_missing_attributes() {
        let view = cluster_view(&PyDict::new().with("cluster_id", "a")).expect("a view");
        assert_eq!(
            python_json::dumps(&PyValue::Dict(view)),
            r#"{"cluster_id":"a","name":null,"team":null,"environment":null,"cluster_type":null,"kubernetes_version":null,"region":null,"status":null,"pipeline_name":null,"pipeline_execution_id":null,"created_at":null,"updated_at":null,"created_by":null,"spec":null,"warnings":[],"compliance":null}"#
        );
    }
}
