//! validate-cluster-spec: `POST /clusters/validate`. 200 `{"valid", "violations"}` for
//! any spec pydantic would accept, 400 with the same shape for a body that is not a
//! spec. No AWS call: the handler is the domain's `validate_request` behind the route.

use cluster_domain::{ValidateAnswer, validate_request};
use cluster_http::{FunctionError, ProxyRequest, ProxyResponse, Route};
use serde_json::Value;

pub const ROUTE: Route = Route::new("POST", "/clusters/validate");

/// The function's configuration (`ORG_PERMISSION_BOUNDARY_ARN`).
#[derive(Debug, Clone)]
pub struct ValidateClusterSpec {
    pub org_permission_boundary_arn: String,
}

impl ValidateClusterSpec {
    pub async fn handle(&self, event: Value) -> Result<Value, FunctionError> {
        let request = ProxyRequest::from_owned_event(event).map_err(|error| FunctionError::new("KeyError", error.to_string()))?;
        if ROUTE.matches(&request.http_method, &request.path).is_none() {
            return Ok(ProxyResponse::not_found().to_event());
        }
        match validate_request(request.raw_body(), request.is_base64_encoded(), &self.org_permission_boundary_arn) {
            ValidateAnswer::Response { status_code, body } => Ok(ProxyResponse::json(status_code, body).into_event()),
            ValidateAnswer::Unhandled { error_type, message } => Err(FunctionError::new(error_type, message)),
        }
    }
}
