//! get-cluster: `GET /clusters/{cluster_id}`. 200 with the stored cluster in a fixed key
//! order (numbers as DynamoDB returns them: Decimals, written as strings), 404 if unknown.

#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

use cluster_domain::{ClusterStore, PyValue, cluster_view};
use cluster_http::{FunctionError, ProxyRequest, ProxyResponse, Route, json_response};
use serde_json::Value;

pub(crate) const ROUTE: Route = Route::new("GET", "/clusters/<cluster_id>");

/// The handler and the port it uses.
#[derive(Debug, Clone)]
pub struct GetCluster<S> {
    /// The clusters table the cluster is read from.
    pub clusters: S,
}

impl<S: ClusterStore> GetCluster<S> {
    /// Answers one API Gateway proxy event with the proxy response; `Err` is the
    /// exception Python lets escape (Lambda reports it, API Gateway answers 502).
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
