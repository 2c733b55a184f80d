//! validate-cluster-spec on Lambda: builds the SDK clients once, then serves events with `lambda_runtime`.

// One thread: a sandbox runs one invocation at a time, and on 128 MB's 0.07 vCPU the
// multi-thread runtime's wake-ups across workers spend the quota (docs/benchmarks.md).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let handler = validate_cluster_spec::ValidateClusterSpec {
        org_permission_boundary_arn: std::env::var("ORG_PERMISSION_BOUNDARY_ARN")
            .map_err(|_| "environment variable ORG_PERMISSION_BOUNDARY_ARN is not set")?,
    };
    // The rules' patterns compile in init, as Python's do at import.
    cluster_domain::compile_patterns();
    cluster_lambda::serve(|event| handler.handle(event)).await
}
