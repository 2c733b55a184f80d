//! The audit trail's items and how get-cluster-events shows them (`audit.py`).
//!
//! `event_key` is `<occurred_at>#<8 hex>`: ISO 8601 timestamps sort as strings, so a
//! query on the key gives a cluster's events oldest first; the random suffix keeps two
//! events of the same microsecond apart.

use crate::http_quirks::encode_next_token;
use crate::ports::{Clock, IdGenerator};
use crate::value::{PyDict, PyValue};
use crate::views::MissingAttribute;

/// `event_type` of the event create-cluster records once the cluster item is stored.
pub const CLUSTER_REQUESTED: &str = "CLUSTER_REQUESTED";
/// `event_type` of the event create-cluster records once the pipeline execution started.
pub const PIPELINE_STARTED: &str = "PIPELINE_STARTED";
/// `event_type` of the event pipeline-status records when a pipeline state moved the status.
pub const STATUS_CHANGED: &str = "STATUS_CHANGED";
/// `event_type` of the event decommission-cluster records after its status write.
pub const DECOMMISSION_REQUESTED: &str = "DECOMMISSION_REQUESTED";
/// `event_type` of the event check-compliance records with the findings' summary.
pub const COMPLIANCE_CHECKED: &str = "COMPLIANCE_CHECKED";

/// `AuditTrail.record`'s item, stamped now:
/// `{"cluster_id", "event_key", "event_type", "occurred_at", "actor", "details"}`.
///
/// The clock is read before the random suffix is drawn, as Python does; a handler that
/// writes two events stamps them in Python's order so their keys sort the same way.
/// `actor` is whatever the caller's ARN was in the event (any JSON type).
pub fn audit_item(
    clock: &impl Clock,
    ids: &impl IdGenerator,
    cluster_id: &str,
    event_type: &str,
    actor: impl Into<PyValue>,
    details: PyDict,
) -> PyDict {
    let occurred_at = clock.now().isoformat();
    let suffix_hex = ids.token_hex4();
    PyDict::new()
        .with("cluster_id", cluster_id)
        .with("event_key", format!("{occurred_at}#{suffix_hex}"))
        .with("event_type", event_type)
        .with("occurred_at", occurred_at)
        .with("actor", actor)
        .with("details", details)
}

/// One event as get-cluster-events shows it. Python indexes `item["event_key"]`,
/// `["event_type"]`, `["occurred_at"]` and `["actor"]` directly, so an event without
/// one of them is a `KeyError`, not a `null`.
pub(crate) fn event_view(item: &PyDict) -> Result<PyValue, MissingAttribute> {
    let field = |name: &'static str| item.get(name).cloned().ok_or(MissingAttribute { name });
    Ok(PyValue::Dict(
        PyDict::new()
            .with("event_id", field("event_key")?)
            .with("event_type", field("event_type")?)
            .with("occurred_at", field("occurred_at")?)
            .with("actor", field("actor")?)
            .with("details", item.get("details").cloned().unwrap_or_else(|| PyValue::Dict(PyDict::new()))),
    ))
}

/// The 200 body of get-cluster-events: `{"cluster_id", "events", "next_token"}`.
pub fn events_body(
    cluster_id: &str,
    items: &[PyDict],
    last_evaluated_key: Option<&PyDict>,
) -> Result<PyDict, MissingAttribute> {
    Ok(PyDict::new()
        .with("cluster_id", cluster_id)
        .with("events", items.iter().map(event_view).collect::<Result<Vec<_>, _>>()?)
        .with("next_token", encode_next_token(last_evaluated_key)))
}

/// CLUSTER_REQUESTED details: `{"environment", "cluster_type", "warnings": <count>}`.
pub fn cluster_requested_details(environment: &str, cluster_type: &str, warning_count: usize) -> PyDict {
    PyDict::new()
        .with("environment", environment)
        .with("cluster_type", cluster_type)
        .with("warnings", PyValue::int(warning_count as i64))
}

/// PIPELINE_STARTED details: `{"pipeline_name", "execution_id"}`.
pub fn pipeline_started_details(pipeline_name: &str, execution_id: &str) -> PyDict {
    PyDict::new().with("pipeline_name", pipeline_name).with("execution_id", execution_id)
}

/// STATUS_CHANGED details: `{"from", "to", "pipeline_state", "execution_id", "event_id"}`;
/// the last two are whatever the EventBridge event held (`None` when absent).
pub fn status_changed_details(
    from: &str,
    to: &str,
    pipeline_state: &str,
    execution_id: PyValue,
    event_id: PyValue,
) -> PyDict {
    PyDict::new()
        .with("from", from)
        .with("to", to)
        .with("pipeline_state", pipeline_state)
        .with("execution_id", execution_id)
        .with("event_id", event_id)
}

/// DECOMMISSION_REQUESTED details: `{"from", "to"}`.
pub fn decommission_details(from: &str, to: &str) -> PyDict {
    PyDict::new().with("from", from).with("to", to)
}
