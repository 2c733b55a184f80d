//! get-cluster-events: `GET /clusters/{cluster_id}/events?limit=&next_token=`. The
//! cluster's audit trail, oldest first, `limit` (1-100, default 50) events a page. The
//! query is checked before the cluster lookup, as in Python (400 before 404).

use cluster_domain::{AuditLog, ClusterStore, PyValue, events_body, parse_events_query};
use cluster_http::{FunctionError, ProxyRequest, ProxyResponse, Route, json_response};
use serde_json::Value;

pub const ROUTE: Route = Route::new("GET", "/clusters/<cluster_id>/events");

#[derive(Debug, Clone)]
pub struct GetClusterEvents<S, A> {
    pub clusters: S,
    pub audit: A,
}

impl<S: ClusterStore, A: AuditLog> GetClusterEvents<S, A> {
    pub async fn handle(&self, event: Value) -> Result<Value, FunctionError> {
        let request = ProxyRequest::from_event(&event).map_err(|error| FunctionError::new("KeyError", error.to_string()))?;
        let Some(parameters) = ROUTE.matches(&request.http_method, &request.path) else {
            return Ok(ProxyResponse::not_found().to_event());
        };
        let cluster_id = parameters[0].1.as_str();
        let (limit, start_key) = match parse_events_query(cluster_id, request.query("limit"), request.query("next_token")) {
            Ok(parsed) => parsed,
            Err(message) => return Ok(ProxyResponse::service_error(400, &message).to_event()),
        };
        if self.clusters.get(cluster_id).await.map_err(|error| FunctionError::from_port(error, "GetItem"))?.is_none() {
            return Ok(ProxyResponse::cluster_not_found(cluster_id).to_event());
        }
        let page = self.audit.page(cluster_id, limit, start_key.as_ref()).await.map_err(|error| FunctionError::from_port(error, "Query"))?;
        let body = events_body(cluster_id, &page.items, page.last_evaluated_key.as_ref());
        Ok(json_response(200, &PyValue::Dict(body)).to_event())
    }
}
