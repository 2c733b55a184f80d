//! check-compliance on Lambda: builds the SDK clients once, then serves events with `lambda_runtime`.

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
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
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        handler.handle(event.payload).await.map_err(|error| Diagnostic { error_type: error.error_type, error_message: error.message })
    }))
    .await
}
