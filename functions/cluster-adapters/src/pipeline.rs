//! The spec object in the artifact bucket (S3 PutObject) and the provisioning pipeline
//! (CodePipeline's AWS JSON 1.1 API) behind the domain's `PipelineService`, through
//! [`crate::signed_http`] rather than aws-sdk-s3 and aws-sdk-codepipeline.
//!
//! CreatePipeline's body is the definition serialised in Python's key order, so the
//! stored pipeline is the one boto3 would have created, byte for byte. Errors become the
//! `PortError` botocore's `ClientError` would describe: the service's code and message.

use aws_types::SdkConfig;
use bytes::Bytes;
use cluster_domain::python_json;
use cluster_domain::{PipelineDefinition, PipelineTag};
use cluster_domain::{PipelineService, PortError};

use crate::AdapterError;
use crate::error::invalid;
use crate::signed_http::{
    Answer, CODEPIPELINE, S3, SignedHttp, TransportError, configured_endpoint, encode_key, json_error_code,
    json_error_message, xml_element,
};

/// S3 for the spec object and CodePipeline for the pipeline.
#[derive(Debug, Clone)]
pub struct AwsPipelineService {
    http: SignedHttp,
    /// A configured S3 endpoint (addressed path-style), else `None` for AWS's
    /// virtual-hosted `https://<bucket>.s3.<region>.amazonaws.com`.
    s3_endpoint: Option<String>,
    codepipeline_url: String,
}

impl AwsPipelineService {
    /// The service with the region, credentials and endpoints of `config`.
    pub fn new(config: &SdkConfig) -> Self {
        let http = SignedHttp::new(config);
        let codepipeline_url = match configured_endpoint(config, CODEPIPELINE) {
            Some(endpoint) => format!("{endpoint}/"),
            None => format!("https://codepipeline.{}.amazonaws.com/", http.region()),
        };
        AwsPipelineService { s3_endpoint: configured_endpoint(config, S3), codepipeline_url, http }
    }

    fn object_url(&self, bucket: &str, key: &str) -> String {
        match &self.s3_endpoint {
            Some(endpoint) => format!("{endpoint}/{bucket}/{}", encode_key(key)),
            None => format!("https://{bucket}.s3.{}.amazonaws.com/{}", self.http.region(), encode_key(key)),
        }
    }

    /// One CodePipeline operation with a JSON body; the answer's JSON on success.
    async fn codepipeline(&self, operation: &str, body: &serde_json::Value) -> Result<serde_json::Value, PortError> {
        let target = format!("CodePipeline_20150709.{operation}");
        let headers = [("content-type", "application/x-amz-json-1.1"), ("x-amz-target", target.as_str())];
        let answer = self
            .http
            .send(
                CODEPIPELINE,
                "POST",
                &self.codepipeline_url,
                &headers,
                Bytes::from(body.to_string()),
                json_error_code,
            )
            .await
            .map_err(|error| transport_error(operation, error))?;
        if !answer.is_success() {
            let code = json_error_code(&answer).unwrap_or_else(|| "Unknown".to_owned());
            return Err(PortError::Service {
                operation: operation.to_owned(),
                code,
                message: json_error_message(&answer),
                source: None,
            });
        }
        Ok(serde_json::from_slice(&answer.body).unwrap_or(serde_json::Value::Null))
    }
}

/// A call that got no answer, named as the SDK named it.
fn transport_error(operation: &str, error: TransportError) -> PortError {
    let (code, message) = match &error {
        TransportError::Dispatch(error) if error.is_timeout() => ("TimeoutError", "the request timed out"),
        TransportError::Dispatch(_) => ("DispatchFailure", "the request could not be sent"),
        TransportError::Body(_) => ("ResponseError", "the response could not be read"),
        _ => ("ConstructionFailure", "the request could not be built"),
    };
    PortError::Service {
        operation: operation.to_owned(),
        code: code.to_owned(),
        message: message.to_owned(),
        source: Some(Box::new(error)),
    }
}

/// An S3 error answer's code and message (the XML `<Error>`; a bodiless answer has
/// only its status).
fn s3_error(operation: &str, answer: &Answer) -> PortError {
    let code = xml_element(&answer.body, "Code").unwrap_or_else(|| answer.status.to_string());
    let message = xml_element(&answer.body, "Message").unwrap_or_default();
    PortError::Service { operation: operation.to_owned(), code, message, source: None }
}

fn s3_error_code(answer: &Answer) -> Option<String> {
    xml_element(&answer.body, "Code")
}

/// `{"pipeline": {...}, "tags": [...]}` in boto3's order.
fn create_pipeline_body(
    definition: &PipelineDefinition,
    tags: &[PipelineTag],
) -> Result<serde_json::Value, AdapterError> {
    let tags = tags.iter().map(|tag| serde_json::json!({"key": tag.key, "value": tag.value})).collect::<Vec<_>>();
    let pipeline: serde_json::Value =
        serde_json::from_str(&python_json::dumps(&definition.to_pyvalue())).map_err(AdapterError::InvalidPipeline)?;
    Ok(serde_json::json!({"pipeline": pipeline, "tags": tags}))
}

impl PipelineService for AwsPipelineService {
    async fn put_spec_object(&self, bucket: &str, key: &str, body: &str) -> Result<(), PortError> {
        let url = self.object_url(bucket, key);
        let headers = [("content-type", "application/json")];
        let answer = self
            .http
            .send(S3, "PUT", &url, &headers, Bytes::from(body.to_owned()), s3_error_code)
            .await
            .map_err(|error| transport_error("PutObject", error))?;
        if answer.is_success() { Ok(()) } else { Err(s3_error("PutObject", &answer)) }
    }

    async fn create_pipeline(&self, definition: &PipelineDefinition, tags: &[PipelineTag]) -> Result<(), PortError> {
        let body = create_pipeline_body(definition, tags).map_err(|error| invalid("CreatePipeline", error))?;
        self.codepipeline("CreatePipeline", &body).await.map(drop)
    }

    async fn start_execution(&self, pipeline_name: &str) -> Result<String, PortError> {
        // The SDKs (boto3 included) fill the idempotency token themselves; it makes the
        // client's retries of this call start one execution, not several.
        let request =
            serde_json::json!({"name": pipeline_name, "clientRequestToken": uuid::Uuid::new_v4().to_string()});
        let output = self.codepipeline("StartPipelineExecution", &request).await?;
        output.get("pipelineExecutionId").and_then(serde_json::Value::as_str).map(str::to_owned).ok_or_else(|| {
            invalid("StartPipelineExecution", AdapterError::MissingAttribute { name: "pipelineExecutionId" })
        })
    }
}
