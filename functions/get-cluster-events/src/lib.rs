//! get-cluster-events: `GET /clusters/{cluster_id}/events?limit=&next_token=`. The
//! cluster's audit trail, oldest first, `limit` (1-100, default 50) events a page. The
//! query is checked before the cluster lookup, as in Python (400 before 404).

#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

use cluster_domain::{AuditLog, ClusterStore, PyValue, QueryRejection, events_body, parse_events_query, python_json};
use cluster_http::{FunctionError, ProxyRequest, ProxyResponse, Route, json_response};
use serde_json::Value;

pub(crate) const ROUTE: Route = Route::new("GET", "/clusters/<cluster_id>/events");

/// The handler and the ports it uses.
#[derive(Debug, Clone)]
pub struct GetClusterEvents<S, A> {
    /// The clusters table, to answer 404 for an unknown cluster.
    pub clusters: S,
    /// The audit table the events are read from.
    pub audit: A,
}

impl<S: ClusterStore, A: AuditLog> GetClusterEvents<S, A> {
    /// Answers one API Gateway proxy event with the proxy response; `Err` is the
    /// exception Python lets escape (Lambda reports it, API Gateway answers 502).
    pub async fn handle(&self, event: Value) -> Result<Value, FunctionError> {
        let request = ProxyRequest::new(event);
        let response = match request.route(&ROUTE)? {
            Some(parameters) => self.events(&request, &parameters[0].1).await?,
            None => ProxyResponse::not_found(),
        };
        request.check_answer_headers()?;
        Ok(response.into_event())
    }

    async fn events(&self, request: &ProxyRequest, cluster_id: &str) -> Result<ProxyResponse, FunctionError> {
        let limit = request.query("limit")?.map(python_json::from_serde);
        let next_token = request.query("next_token")?.map(python_json::from_serde);
        let (limit, start_key) = match parse_events_query(cluster_id, limit.as_ref(), next_token.as_ref()) {
            Ok(parsed) => parsed,
            Err(QueryRejection::BadRequest(message)) => return Ok(ProxyResponse::service_error(400, &message)),
            Err(QueryRejection::Unhandled { error_type, message }) => {
                return Err(FunctionError::new(error_type, message));
            }
        };
        if self.clusters.get(cluster_id).await.map_err(|error| FunctionError::from_port(error, "GetItem"))?.is_none() {
            return Ok(ProxyResponse::cluster_not_found(cluster_id));
        }
        let page = self
            .audit
            .page(cluster_id, limit, start_key.as_ref())
            .await
            .map_err(|error| FunctionError::from_port(error, "Query"))?;
        let body = events_body(cluster_id, &page.items, page.last_evaluated_key.as_ref())?;
        Ok(json_response(200, &PyValue::Dict(body)))
    }
}
