//! validate-cluster-spec on Lambda: builds the SDK clients once, then serves events with `lambda_runtime`.

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let handler = validate_cluster_spec::ValidateClusterSpec {
        org_permission_boundary_arn: std::env::var("ORG_PERMISSION_BOUNDARY_ARN")
            .map_err(|_| "environment variable ORG_PERMISSION_BOUNDARY_ARN is not set")?,
    };
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        handler.handle(event.payload).await.map_err(|error| Diagnostic { error_type: error.error_type, error_message: error.message })
    }))
    .await
}
