//! What the API handlers share beyond HTTP: the fixed-order cluster views, the audit
//! item, and the error a handler lets escape (Lambda reports it, API Gateway answers 502).

use cluster_domain::{Clock, IdGenerator};
use cluster_domain::python_json;
use cluster_domain::{PyDict, PyValue};

use crate::response::ProxyResponse;

/// `AuditTrail.record`: one audit item, stamped now, keyed `<occurred_at>#<8 hex>`
/// (the domain's [`cluster_domain::audit_item`] with the clock and ids read here).
pub fn audit_item(clock: &impl Clock, ids: &impl IdGenerator, cluster_id: &str, event_type: &str, actor: &str, details: PyDict) -> PyDict {
    cluster_domain::audit_item(cluster_id, event_type, actor, details, &clock.now(), &ids.token_hex4())
}

/// `cluster_view`: a stored cluster as get-cluster shows it, in a fixed key order.
pub fn cluster_view(item: &PyDict) -> PyValue {
    PyValue::Dict(cluster_domain::cluster_view(item))
}

/// `cluster_summary`: one cluster in a list-clusters page.
pub use cluster_domain::cluster_summary;

/// A JSON response whose body is `json.dumps` of `body` the powertools way.
pub fn json_response(status_code: u16, body: &PyValue) -> ProxyResponse {
    ProxyResponse::json(status_code, python_json::dumps(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_view_fills_missing_attributes() {
        let view = cluster_view(&PyDict::new().with("cluster_id", "a"));
        assert_eq!(
            python_json::dumps(&view),
            r#"{"cluster_id":"a","name":null,"team":null,"environment":null,"cluster_type":null,"kubernetes_version":null,"region":null,"status":null,"pipeline_name":null,"pipeline_execution_id":null,"created_at":null,"updated_at":null,"created_by":null,"spec":null,"warnings":[],"compliance":null}"#
        );
    }
}
