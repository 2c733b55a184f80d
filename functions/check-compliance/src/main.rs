//! check-compliance on Lambda: builds the SDK clients once, then serves events with `lambda_runtime`.

// One thread: a sandbox runs one invocation at a time, and on 128 MB's 0.07 vCPU the
// multi-thread runtime's wake-ups across workers spend the quota (docs/benchmarks.md).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    use cluster_adapters::{DynamoAuditLog, DynamoClusterStore, required_env, sdk_config};
    let config = sdk_config()?;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let handler = check_compliance::CheckCompliance {
        clusters: DynamoClusterStore::new(dynamodb.clone(), required_env("CLUSTERS_TABLE")?),
        audit: DynamoAuditLog::new(dynamodb, required_env("AUDIT_TABLE")?),
        clock: cluster_domain::SystemClock,
        ids: cluster_domain::RandomIds,
        org_permission_boundary_arn: required_env("ORG_PERMISSION_BOUNDARY_ARN")?,
    };
    // The rules' patterns compile in init, as Python's do at import.
    cluster_domain::compile_patterns();
    cluster_lambda::serve(|event| handler.handle(event)).await
}
