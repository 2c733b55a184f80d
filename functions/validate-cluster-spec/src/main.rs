//! validate-cluster-spec on Lambda: builds the SDK clients once, then serves events with `lambda_runtime`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let handler = validate_cluster_spec::ValidateClusterSpec {
        org_permission_boundary_arn: std::env::var("ORG_PERMISSION_BOUNDARY_ARN")
            .map_err(|_| "environment variable ORG_PERMISSION_BOUNDARY_ARN is not set")?,
    };
    // The rules' patterns compile in init, as Python's do at import.
    cluster_domain::compile_patterns();
    cluster_lambda::serve(|event| handler.handle(event)).await
}
