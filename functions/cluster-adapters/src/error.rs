//! Data the adapters cannot convert. These surface as `PortError::Service` with the
//! code `InvalidData`, so a handler fails the way Python would on the same item.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use cluster_domain::PortError;
use thiserror::Error;

#[derive(Debug, Error)]
pub(crate) enum AdapterError {
    #[error("float values are not supported by DynamoDB; use integers or decimals")]
    FloatNotSupported,
    #[error("malformed DynamoDB attribute value {value}")]
    MalformedAttribute { value: String },
    #[error("the response body is not the JSON document DynamoDB sends")]
    UnreadableResponse,
    #[error("item attribute `{name}` is missing or has the wrong type")]
    MissingAttribute { name: &'static str },
    #[error("the pipeline definition is not a CreatePipeline structure")]
    InvalidPipeline(#[source] serde_json::Error),
}

/// A botocore-style error for an SDK failure; DynamoDB's conditional check failure is
/// the one outcome the handlers branch on.
pub(crate) fn port_error<E>(operation: &str, error: SdkError<E, aws_smithy_runtime_api::http::Response>) -> PortError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let code = error.code().map(str::to_owned);
    if code.as_deref() == Some("ConditionalCheckFailedException") {
        return PortError::ConditionFailed;
    }
    let (code, message) = match &error {
        SdkError::ServiceError(_) => {
            (code.unwrap_or_else(|| "Unknown".to_owned()), error.message().unwrap_or_default().to_owned())
        }
        SdkError::DispatchFailure(_) => ("DispatchFailure".to_owned(), "the request could not be sent".to_owned()),
        SdkError::TimeoutError(_) => ("TimeoutError".to_owned(), "the request timed out".to_owned()),
        SdkError::ResponseError(_) => ("ResponseError".to_owned(), "the response could not be read".to_owned()),
        _ => ("ConstructionFailure".to_owned(), "the request could not be built".to_owned()),
    };
    PortError::Service { operation: operation.to_owned(), code, message, source: Some(Box::new(error)) }
}

pub(crate) fn invalid(operation: &str, error: AdapterError) -> PortError {
    if matches!(error, AdapterError::FloatNotSupported) {
        return PortError::FloatNotSupported;
    }
    PortError::Service {
        operation: operation.to_owned(),
        code: "InvalidData".to_owned(),
        message: error.to_string(),
        source: Some(Box::new(error)),
    }
}
