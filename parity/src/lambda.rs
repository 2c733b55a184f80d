//! The `lambda:` target: Lambda's Invoke API (`RequestResponse`) on a function name or
//! ARN with an optional version or alias. Any server that speaks Lambda's REST API works,
//! the local emulator's included.

use std::time::Instant;

use async_trait::async_trait;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use serde_json::Value;

use crate::record::{FunctionError, Observed, Outcome, Record};
use crate::target::{Target, TargetError};

/// Invokes one deployed function version or alias.
#[derive(Debug, Clone)]
pub struct LambdaTarget {
    function: String,
    qualifier: Option<String>,
    client: aws_sdk_lambda::Client,
}

impl LambdaTarget {
    /// A target that invokes `function` (a name or an ARN) at `qualifier` (`None`:
    /// `$LATEST`) through `client`, whose endpoint may be the local emulator's.
    pub fn new(function: &str, qualifier: Option<&str>, client: aws_sdk_lambda::Client) -> Self {
        Self { function: function.to_owned(), qualifier: qualifier.map(str::to_owned), client }
    }
}

#[async_trait]
impl Target for LambdaTarget {
    fn name(&self) -> String {
        match &self.qualifier {
            Some(qualifier) => format!("lambda:{}:{qualifier}", self.function),
            None => format!("lambda:{}", self.function),
        }
    }

    async fn invoke(&self, record: &Record, event: &Value) -> Result<Observed, TargetError> {
        let payload = serde_json::to_vec(event).map_err(|error| TargetError::Other {
            record_id: record.id.clone(),
            message: format!("cannot encode the event: {error}"),
        })?;
        let started = Instant::now();
        let answer = self
            .client
            .invoke()
            .function_name(&self.function)
            .set_qualifier(self.qualifier.clone())
            .invocation_type(InvocationType::RequestResponse)
            .payload(Blob::new(payload))
            .send()
            .await
            .map_err(|error| TargetError::Other {
                record_id: record.id.clone(),
                message: format!(
                    "Invoke {} failed: {}",
                    self.name(),
                    aws_sdk_lambda::error::DisplayErrorContext(&error)
                ),
            })?;
        let latency = started.elapsed();
        let bytes = answer.payload().map(Blob::as_ref).unwrap_or_default();
        let outcome = decode_answer(bytes, answer.function_error().is_some(), None);
        Ok(Observed { outcome, latency })
    }
}

/// Turns an Invoke answer into an outcome: a function error's document (`errorType`,
/// `errorMessage`; other keys such as `stackTrace` are dropped) or the returned JSON.
/// `fallback_error_type` names the error when the document has none.
pub(crate) fn decode_answer(payload: &[u8], function_error: bool, fallback_error_type: Option<&str>) -> Outcome {
    if function_error {
        if let Ok(error) = serde_json::from_slice::<FunctionError>(payload) {
            return Outcome::FunctionError(error);
        }
        return Outcome::FunctionError(FunctionError {
            error_type: fallback_error_type.unwrap_or("Unhandled").to_owned(),
            error_message: String::from_utf8_lossy(payload).into_owned(),
        });
    }
    match serde_json::from_slice::<Value>(payload) {
        Ok(value) => Outcome::Response(value),
        Err(_) => Outcome::Response(Value::String(String::from_utf8_lossy(payload).into_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answers_decode_into_outcomes() {
        assert_eq!(
            decode_answer(br#"{"statusCode": 200}"#, false, None),
            Outcome::Response(json!({"statusCode": 200}))
        );
        let python_error =
            br#"{"errorMessage": "boom", "errorType": "ValueError", "requestId": "r", "stackTrace": []}"#;
        assert_eq!(
            decode_answer(python_error, true, None),
            Outcome::FunctionError(FunctionError { error_type: "ValueError".into(), error_message: "boom".into() })
        );
        assert_eq!(
            decode_answer(b"not json", true, Some("Sandbox.Timedout")),
            Outcome::FunctionError(FunctionError {
                error_type: "Sandbox.Timedout".into(),
                error_message: "not json".into()
            })
        );
    }
}
