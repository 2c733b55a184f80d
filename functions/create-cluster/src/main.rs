//! create-cluster on Lambda: builds the SDK clients once, then serves events with `lambda_runtime`.

// One thread: a sandbox runs one invocation at a time, and on 128 MB's 0.07 vCPU the
// multi-thread runtime's wake-ups across workers spend the quota (docs/benchmarks.md).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    use cluster_adapters::{
        AwsPipelineService, DynamoAuditLog, DynamoClusterStore, DynamoIdempotencyStore, required_env, sdk_config,
    };
    let config = sdk_config()?;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let handler = create_cluster::CreateCluster {
        clusters: DynamoClusterStore::new(dynamodb.clone(), required_env("CLUSTERS_TABLE")?),
        audit: DynamoAuditLog::new(dynamodb.clone(), required_env("AUDIT_TABLE")?),
        pipelines: AwsPipelineService::new(&config),
        idempotency: DynamoIdempotencyStore::new(dynamodb, required_env("IDEMPOTENCY_TABLE")?),
        clock: cluster_domain::SystemClock,
        ids: cluster_domain::RandomIds,
        config: create_cluster::CreateClusterConfig {
            org_permission_boundary_arn: required_env("ORG_PERMISSION_BOUNDARY_ARN")?,
            pipeline_role_arn: required_env("PIPELINE_ROLE_ARN")?,
            artifact_bucket: required_env("ARTIFACT_BUCKET")?,
        },
    };
    // The rules' patterns compile in init, as Python's do at import.
    cluster_domain::compile_patterns();
    cluster_lambda::serve(|event| handler.handle(event)).await
}
