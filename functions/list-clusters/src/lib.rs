//! list-clusters: `GET /clusters?environment=&team=&status=&limit=&next_token=`. A Query
//! on `environment-index` with `environment`, else a Scan; `limit` is DynamoDB's Limit,
//! applied before the team/status filter, so a page can be short (even empty) and still
//! carry a `next_token`.

use cluster_domain::{ClusterStore, PyValue, list_body, parse_list_clusters_query};
use cluster_http::{FunctionError, ProxyRequest, ProxyResponse, Route, json_response};
use serde_json::Value;

pub const ROUTE: Route = Route::new("GET", "/clusters");

#[derive(Debug, Clone)]
pub struct ListClusters<S> {
    pub clusters: S,
}

impl<S: ClusterStore> ListClusters<S> {
    pub async fn handle(&self, event: Value) -> Result<Value, FunctionError> {
        let request = ProxyRequest::from_event(&event).map_err(|error| FunctionError::new("KeyError", error.to_string()))?;
        if ROUTE.matches(&request.http_method, &request.path).is_none() {
            return Ok(ProxyResponse::not_found().to_event());
        }
        let query = match parse_list_clusters_query(|name| request.query(name)) {
            Ok(query) => query,
            Err(message) => return Ok(ProxyResponse::service_error(400, &message).to_event()),
        };
        let page = self.clusters.list(&query).await.map_err(|error| FunctionError::from_port(error, "Query"))?;
        let body = list_body(&page.items, page.last_evaluated_key.as_ref());
        Ok(json_response(200, &PyValue::Dict(body)).to_event())
    }
}
