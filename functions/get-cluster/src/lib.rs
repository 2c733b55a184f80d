//! get-cluster: `GET /clusters/{cluster_id}`. 200 with the stored cluster in a fixed key
//! order (numbers as DynamoDB returns them: Decimals, written as strings), 404 if unknown.

use cluster_domain::{ClusterStore, PyValue, cluster_view};
use cluster_http::{FunctionError, ProxyRequest, ProxyResponse, Route, json_response};
use serde_json::Value;

pub const ROUTE: Route = Route::new("GET", "/clusters/<cluster_id>");

#[derive(Debug, Clone)]
pub struct GetCluster<S> {
    pub clusters: S,
}

impl<S: ClusterStore> GetCluster<S> {
    pub async fn handle(&self, event: Value) -> Result<Value, FunctionError> {
        let request = ProxyRequest::from_event(&event).map_err(|error| FunctionError::new("KeyError", error.to_string()))?;
        let Some(parameters) = ROUTE.matches(&request.http_method, &request.path) else {
            return Ok(ProxyResponse::not_found().to_event());
        };
        let cluster_id = &parameters[0].1;
        let response = match self.clusters.get(cluster_id).await.map_err(|error| FunctionError::from_port(error, "GetItem"))? {
            Some(item) => json_response(200, &PyValue::Dict(cluster_view(&item))),
            None => ProxyResponse::cluster_not_found(cluster_id),
        };
        Ok(response.to_event())
    }
}
