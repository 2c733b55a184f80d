//! list-clusters on Lambda: builds the SDK clients once, then serves events with `lambda_runtime`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    use cluster_adapters::{DynamoClusterStore, required_env, sdk_config};
    let config = sdk_config()?;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let handler =
        list_clusters::ListClusters { clusters: DynamoClusterStore::new(dynamodb, required_env("CLUSTERS_TABLE")?) };
    cluster_lambda::serve(|event| handler.handle(event)).await
}
