//! list-clusters: `GET /clusters?environment=&team=&status=&limit=&next_token=`. A Query
//! on `environment-index` with `environment`, else a Scan; `limit` is DynamoDB's Limit,
//! applied before the team/status filter, so a page can be short (even empty) and still
//! carry a `next_token`.

#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

use cluster_domain::{ClusterStore, PyValue, QueryRejection, list_body, parse_list_clusters_query, python_json};
use cluster_http::{FunctionError, ProxyRequest, ProxyResponse, Route, json_response};
use serde_json::Value;

pub(crate) const ROUTE: Route = Route::new("GET", "/clusters");

/// The query parameters the handler reads, in the order Python reads them.
const PARAMETERS: [&str; 5] = ["environment", "team", "status", "limit", "next_token"];

/// The handler and the port it uses.
#[derive(Debug, Clone)]
pub struct ListClusters<S> {
    /// The clusters table the page is read from.
    pub clusters: S,
}

impl<S: ClusterStore> ListClusters<S> {
    /// Answers one API Gateway proxy event with the proxy response; `Err` is the
    /// exception Python lets escape (Lambda reports it, API Gateway answers 502).
    pub async fn handle(&self, event: Value) -> Result<Value, FunctionError> {
        let request = ProxyRequest::new(event);
        let response = match request.route(&ROUTE)? {
            Some(_) => self.list(&request).await?,
            None => ProxyResponse::not_found(),
        };
        request.check_answer_headers()?;
        Ok(response.into_event())
    }

    async fn list(&self, request: &ProxyRequest) -> Result<ProxyResponse, FunctionError> {
        let mut values = Vec::with_capacity(PARAMETERS.len());
        for name in PARAMETERS {
            values.push((name, request.query(name)?.map(python_json::from_serde)));
        }
        let value =
            |name: &str| values.iter().find(|(parameter, _)| *parameter == name).and_then(|(_, value)| value.as_ref());
        let query = match parse_list_clusters_query(value) {
            Ok(query) => query,
            Err(QueryRejection::BadRequest(message)) => return Ok(ProxyResponse::service_error(400, &message)),
            Err(QueryRejection::Unhandled { error_type, message }) => {
                return Err(FunctionError::new(error_type, message));
            }
        };
        let operation = if query.environment.is_some() { "Query" } else { "Scan" };
        let page = self.clusters.list(&query).await.map_err(|error| FunctionError::from_port(error, operation))?;
        let body = list_body(&page.items, page.last_evaluated_key.as_ref())?;
        Ok(json_response(200, &PyValue::Dict(body)))
    }
}
