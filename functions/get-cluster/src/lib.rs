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
        let request = ProxyRequest::new(event);
        let response = match request.route(&ROUTE)? {
            Some(parameters) => self.get(&parameters[0].1).await?,
            None => ProxyResponse::not_found(),
        };
        request.check_answer_headers()?;
        Ok(response.into_event())
    }

    async fn get(&self, cluster_id: &str) -> Result<ProxyResponse, FunctionError> {
        Ok(match self.clusters.get(cluster_id).await.map_err(|error| FunctionError::from_port(error, "GetItem"))? {
            Some(item) => json_response(200, &PyValue::Dict(cluster_view(&item)?)),
            None => ProxyResponse::cluster_not_found(cluster_id),
        })
    }
}
