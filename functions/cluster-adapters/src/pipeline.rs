//! The spec object in the artifact bucket (aws-sdk-s3) and the provisioning pipeline
//! (aws-sdk-codepipeline) behind the domain's `PipelineService`.
//!
//! CreatePipeline's body is replaced by the definition serialised in Python's key order
//! (the SDK keeps an action's `configuration` in a hash map), so the stored pipeline is
//! the one boto3 would have created, byte for byte.

use aws_sdk_codepipeline::types::{
    ActionCategory, ActionDeclaration, ActionOwner, ActionTypeId, ArtifactStore, ArtifactStoreType, InputArtifact,
    OutputArtifact, PipelineDeclaration, StageDeclaration, Tag,
};
use aws_sdk_s3::primitives::ByteStream;
use cluster_domain::pipeline::Action;
use cluster_domain::ports::{PipelineService, PortError};
use cluster_domain::python_json;
use cluster_domain::{PipelineDefinition, PipelineTag};

use crate::AdapterError;
use crate::error::{invalid, port_error};
use crate::raw_json_body::ReplaceRequestBody;

/// S3 for the spec object and CodePipeline for the pipeline.
#[derive(Debug, Clone)]
pub struct AwsPipelineService {
    s3: aws_sdk_s3::Client,
    codepipeline: aws_sdk_codepipeline::Client,
}

impl AwsPipelineService {
    pub fn new(s3: aws_sdk_s3::Client, codepipeline: aws_sdk_codepipeline::Client) -> Self {
        AwsPipelineService { s3, codepipeline }
    }
}

fn build_error(error: aws_sdk_codepipeline::error::BuildError) -> PortError {
    PortError::Service {
        operation: "CreatePipeline".to_owned(),
        code: "ParamValidationError".to_owned(),
        message: error.to_string(),
        source: Some(Box::new(error)),
    }
}

fn action_declaration(action: &Action) -> Result<ActionDeclaration, aws_sdk_codepipeline::error::BuildError> {
    let mut declaration = ActionDeclaration::builder()
        .name(&action.name)
        .action_type_id(
            ActionTypeId::builder()
                .category(ActionCategory::from(action.action_type.category.as_str()))
                .owner(ActionOwner::from(action.action_type.owner.as_str()))
                .provider(&action.action_type.provider)
                .version(&action.action_type.version)
                .build()?,
        )
        .run_order(action.run_order);
    for (key, value) in &action.configuration {
        declaration = declaration.configuration(key, value);
    }
    for name in &action.input_artifacts {
        declaration = declaration.input_artifacts(InputArtifact::builder().name(name).build()?);
    }
    for name in &action.output_artifacts {
        declaration = declaration.output_artifacts(OutputArtifact::builder().name(name).build()?);
    }
    declaration.build()
}

fn pipeline_declaration(definition: &PipelineDefinition) -> Result<PipelineDeclaration, aws_sdk_codepipeline::error::BuildError> {
    let mut declaration = PipelineDeclaration::builder()
        .name(&definition.name)
        .role_arn(&definition.role_arn)
        .artifact_store(ArtifactStore::builder().r#type(ArtifactStoreType::S3).location(&definition.artifact_bucket).build()?);
    for stage in &definition.stages {
        let mut stage_declaration = StageDeclaration::builder().name(&stage.name);
        for action in &stage.actions {
            stage_declaration = stage_declaration.actions(action_declaration(action)?);
        }
        declaration = declaration.stages(stage_declaration.build()?);
    }
    declaration.build()
}

/// `{"pipeline": {...}, "tags": [...]}` in boto3's order.
fn create_pipeline_body(definition: &PipelineDefinition, tags: &[PipelineTag]) -> Result<serde_json::Value, AdapterError> {
    let tags = tags
        .iter()
        .map(|tag| serde_json::json!({"key": tag.key, "value": tag.value}))
        .collect::<Vec<_>>();
    let pipeline: serde_json::Value =
        serde_json::from_str(&python_json::dumps(&definition.to_pyvalue())).map_err(AdapterError::InvalidPipeline)?;
    Ok(serde_json::json!({"pipeline": pipeline, "tags": tags}))
}

impl PipelineService for AwsPipelineService {
    async fn put_spec_object(&self, bucket: &str, key: &str, body: &str) -> Result<(), PortError> {
        self.s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from(body.as_bytes().to_vec()))
            .content_type("application/json")
            .send()
            .await
            .map(drop)
            .map_err(|error| port_error("PutObject", error))
    }

    async fn create_pipeline(&self, definition: &PipelineDefinition, tags: &[PipelineTag]) -> Result<(), PortError> {
        let body = create_pipeline_body(definition, tags).map_err(|error| invalid("CreatePipeline", error))?;
        let sdk_tags = tags
            .iter()
            .map(|tag| Tag::builder().key(&tag.key).value(&tag.value).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(build_error)?;
        self.codepipeline
            .create_pipeline()
            .pipeline(pipeline_declaration(definition).map_err(build_error)?)
            .set_tags(Some(sdk_tags))
            .customize()
            .interceptor(ReplaceRequestBody::new(&body))
            .send()
            .await
            .map(drop)
            .map_err(|error| port_error("CreatePipeline", error))
    }

    async fn start_execution(&self, pipeline_name: &str) -> Result<String, PortError> {
        let output = self
            .codepipeline
            .start_pipeline_execution()
            .name(pipeline_name)
            .send()
            .await
            .map_err(|error| port_error("StartPipelineExecution", error))?;
        output
            .pipeline_execution_id()
            .map(str::to_owned)
            .ok_or_else(|| invalid("StartPipelineExecution", AdapterError::MissingAttribute { name: "pipelineExecutionId" }))
    }
}
