//! validate-cluster-spec: `POST /clusters/validate`. 200 `{"valid", "violations"}` for
//! any spec pydantic would accept, 400 with the same shape for a body that is not a
//! spec. No AWS call: the handler is the domain's `validate_request` behind the route.

#![deny(clippy::print_stdout, clippy::print_stderr)]
#![warn(missing_docs, unreachable_pub)]

use cluster_domain::{ValidateAnswer, validate_request};
use cluster_http::{FunctionError, ProxyRequest, ProxyResponse, Route, json_loads_type_error};
use serde_json::Value;

pub(crate) const ROUTE: Route = Route::new("POST", "/clusters/validate");

/// The function's configuration (`ORG_PERMISSION_BOUNDARY_ARN`).
#[derive(Debug, Clone)]
pub struct ValidateClusterSpec {
    /// The boundary the spec's `security.permission_boundary_arn` must name.
    pub org_permission_boundary_arn: String,
}

impl ValidateClusterSpec {
    /// Answers one API Gateway proxy event with the proxy response; `Err` is the
    /// exception Python lets escape (Lambda reports it, API Gateway answers 502).
    pub async fn handle(&self, event: Value) -> Result<Value, FunctionError> {
        // The request owns the event, so a large body is held once, never copied.
        let request = ProxyRequest::new(event);
        let response = match request.route(&ROUTE)? {
            Some(_) => self.validate(&request)?,
            None => ProxyResponse::not_found(),
        };
        request.check_answer_headers()?;
        Ok(response.into_event())
    }

    fn validate(&self, request: &ProxyRequest) -> Result<ProxyResponse, FunctionError> {
        // A body that is not text reaches `json.loads` as it is, which refuses it.
        if let Some(body) = request.body_of_another_type()? {
            return Err(json_loads_type_error(body));
        }
        match validate_request(request.raw_body(), request.is_base64_encoded(), &self.org_permission_boundary_arn) {
            ValidateAnswer::Response { status_code, body } => Ok(ProxyResponse::json(status_code, body)),
            ValidateAnswer::Unhandled { error_type, message } => Err(FunctionError::new(error_type, message)),
        }
    }
}
