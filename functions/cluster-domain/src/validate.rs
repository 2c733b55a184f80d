//! The validate-cluster-spec answer, computed without any AWS call.

use crate::http_quirks::{SpecRejection, parse_cluster_spec, read_body};
use crate::python_json;
use crate::rules::{Violation, check_spec, has_errors, violations_to_pyvalue};
use crate::value::{PyDict, PyValue};

/// What `POST /clusters/validate` answers: a status and the exact body text, or the
/// error the Python handler would let escape.
#[derive(Debug, Clone, PartialEq)]
pub enum ValidateAnswer {
    /// An answer: 200 with `{"valid", "violations"}`, or 400.
    Response {
        /// The HTTP status code.
        status_code: u16,
        /// The exact JSON body text.
        body: String,
    },
    /// An exception the Python handler lets escape; API Gateway answers 502.
    Unhandled {
        /// The Python exception class Lambda reports as `errorType`.
        error_type: &'static str,
        /// The exception's text, Lambda's `errorMessage`.
        message: String,
    },
}

/// `{"valid": <bool>, "violations": [...]}` as the compact JSON body.
pub(crate) fn validation_body(valid: bool, violations: &[Violation]) -> String {
    python_json::dumps(&PyValue::Dict(
        PyDict::new().with("valid", valid).with("violations", violations_to_pyvalue(violations)),
    ))
}

/// The whole validate-cluster-spec handler over the event's `body` and
/// `isBase64Encoded`: 400 for a body that is not a spec, else 200 with every violation.
pub fn validate_request(
    body: Option<&str>,
    is_base64_encoded: bool,
    org_permission_boundary_arn: &str,
) -> ValidateAnswer {
    let spec = read_body(body, is_base64_encoded).and_then(|text| parse_cluster_spec(text.as_deref()));
    match spec {
        Ok(spec) => {
            let violations = check_spec(&spec, org_permission_boundary_arn);
            ValidateAnswer::Response { status_code: 200, body: validation_body(!has_errors(&violations), &violations) }
        }
        Err(SpecRejection::Rejected(violations)) => {
            ValidateAnswer::Response { status_code: 400, body: validation_body(false, &violations) }
        }
        Err(SpecRejection::Unhandled { error_type, message }) => ValidateAnswer::Unhandled { error_type, message },
    }
}
