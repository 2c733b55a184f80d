//! create-cluster's partial failures against moto, Rust beside Python: when S3 refuses
//! the spec object (the artifact bucket does not exist), both leave the cluster item
//! PENDING without `pipeline_execution_id`, no audit event and no pipeline, and raise
//! the same error (`NoSuchBucket`). Also the audit table's DeleteItem used by the compensation.

use std::collections::HashMap;
use std::process::Command;

use cluster_adapters::{AwsPipelineService, DynamoAuditLog, DynamoClusterStore, DynamoIdempotencyStore};
use cluster_domain::{AuditLog, ClusterListQuery, ClusterStore, PyDict, RandomIds, SystemClock};
use serde_json::Value;

use crate::support::{self, create_resources, pipeline_names, python, repo_root, start_moto};

/// The first corpus record (a dev cluster, no idempotency key) with the spec renamed.
fn create_event(name: &str) -> Value {
    let corpus = std::fs::read_to_string(repo_root().join("events/corpus.jsonl")).expect("events/corpus.jsonl");
    let record: Value =
        corpus.lines().next().and_then(|line| serde_json::from_str(line).ok()).expect("the first record");
    assert_eq!(record["function"], "create-cluster");
    let mut event = record["event"].clone();
    let body = event["body"].as_str().unwrap_or_default().replace("payments-dev-general-1", name);
    event["body"] = Value::String(body);
    event
}

/// Runs Python's create-cluster handler once, in a subprocess, with `env`; returns its
/// escaped error as `(errorType, errorMessage)`, or `None` when it answered.
fn python_create(env: &HashMap<String, String>, event: &Value) -> Option<(String, String)> {
    let script = r#"
import json, sys
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/tools"]
from lambda_context import FakeLambdaContext
import create_cluster.app as app
try:
    app.handler(json.loads(sys.stdin.read()), FakeLambdaContext(function_name="create-cluster"))
    print(json.dumps(None))
except Exception as error:
    print(json.dumps([type(error).__name__, str(error)]))
"#;
    let legacy = repo_root().join("legacy-python");
    let mut child = Command::new(python())
        .args(["-c", script])
        .arg(&legacy)
        .envs(env)
        .env_remove("CUTOVER_RECORD_FILE")
        .env_remove("CUTOVER_RECORD")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python runs");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(event.to_string().as_bytes()).expect("the event is written");
    }
    let output = child.wait_with_output().expect("python finishes");
    assert!(output.status.success(), "the Python handler could not run: {}", String::from_utf8_lossy(&output.stderr));
    let outcome: Option<(String, String)> = serde_json::from_slice(&output.stdout).expect("the outcome JSON");
    outcome
}

fn rust_create(
    clients: &support::Clients,
    env: &HashMap<String, String>,
    bucket: &str,
) -> create_cluster::CreateCluster<
    DynamoClusterStore,
    DynamoAuditLog,
    AwsPipelineService,
    DynamoIdempotencyStore,
    SystemClock,
    RandomIds,
> {
    create_cluster::CreateCluster {
        clusters: DynamoClusterStore::new(clients.dynamodb.clone(), &env["CLUSTERS_TABLE"]),
        audit: DynamoAuditLog::new(clients.dynamodb.clone(), &env["AUDIT_TABLE"]),
        pipelines: clients.pipelines.clone(),
        idempotency: DynamoIdempotencyStore::new(clients.dynamodb.clone(), &env["IDEMPOTENCY_TABLE"]),
        clock: SystemClock,
        ids: RandomIds,
        config: create_cluster::CreateClusterConfig {
            org_permission_boundary_arn: env["ORG_PERMISSION_BOUNDARY_ARN"].clone(),
            pipeline_role_arn: env["PIPELINE_ROLE_ARN"].clone(),
            artifact_bucket: bucket.to_owned(),
        },
    }
}

async fn clusters_named(store: &DynamoClusterStore, prefix: &str) -> Vec<PyDict> {
    let query = ClusterListQuery { environment: None, team: None, status: None, limit: 100, exclusive_start_key: None };
    let page = store.list(&query).await.expect("Scan");
    page.items.into_iter().filter(|item| item.get_str("name").is_some_and(|name| name.starts_with(prefix))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_artifact_bucket_leaves_what_python_leaves() {
    let moto = start_moto();
    let env = create_resources(&moto.endpoint);
    let clients = support::clients(&env);
    let store = DynamoClusterStore::new(clients.dynamodb.clone(), &env["CLUSTERS_TABLE"]);
    let audit = DynamoAuditLog::new(clients.dynamodb.clone(), &env["AUDIT_TABLE"]);

    let mut python_env = env.clone();
    python_env.insert("ARTIFACT_BUCKET".to_owned(), "missing-bucket-python".to_owned());
    let python_error = python_create(&python_env, &create_event("s3-fails-python")).expect("Python raises");
    let rust_error = rust_create(&clients, &env, "missing-bucket-rust")
        .handle(create_event("s3-fails-rust"))
        .await
        .expect_err("Rust lets the same error escape");
    // botocore models S3's NoSuchBucket: Lambda reports its class, not ClientError.
    assert_eq!(python_error.0, "NoSuchBucket");
    assert!(
        python_error.1.starts_with("An error occurred (NoSuchBucket) when calling the PutObject operation"),
        "{python_error:?}"
    );
    assert_eq!(
        (rust_error.error_type.as_str(), rust_error.message.as_str()),
        (python_error.0.as_str(), python_error.1.as_str())
    );

    // No pipeline was created by either, and each left one PENDING item and no event.
    assert_eq!(pipeline_names(&moto.endpoint), Vec::<String>::new());
    let mut shapes = Vec::new();
    for prefix in ["s3-fails-python", "s3-fails-rust"] {
        let items = clusters_named(&store, prefix).await;
        assert_eq!(items.len(), 1, "{prefix}");
        let item = &items[0];
        assert_eq!(item.get_str("status"), Some("PENDING"));
        assert!(!item.contains_key("pipeline_execution_id"), "{prefix}");
        let cluster_id = item.get_str("cluster_id").unwrap_or_default();
        assert!(audit.page(cluster_id, 50, None).await.expect("Query").items.is_empty(), "{prefix}");
        shapes.push(item.keys().map(str::to_owned).collect::<Vec<_>>());
    }
    assert_eq!(shapes[0], shapes[1], "the same attributes in the same order");

    // The check can fail: with the real bucket the pipeline exists.
    rust_create(&clients, &env, &env["ARTIFACT_BUCKET"]).handle(create_event("s3-works-rust")).await.expect("201");
    let names = pipeline_names(&moto.endpoint);
    assert_eq!(names.len(), 1);
    assert!(names[0].starts_with("eks-s3-works-rust-"), "{names:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_delete_item_removes_exactly_one_event() {
    let moto = start_moto();
    let env = create_resources(&moto.endpoint);
    let clients = support::clients(&env);
    let audit = DynamoAuditLog::new(clients.dynamodb.clone(), &env["AUDIT_TABLE"]);
    let event = |event_key: &str| {
        PyDict::new()
            .with("cluster_id", "c-1")
            .with("event_key", event_key)
            .with("event_type", "CLUSTER_REQUESTED")
            .with("details", PyDict::new())
    };
    audit.append(&event("2026-01-01T00:00:00+00:00#00000001")).await.expect("PutItem");
    audit.append(&event("2026-01-01T00:00:01+00:00#00000002")).await.expect("PutItem");
    audit.remove("c-1", "2026-01-01T00:00:00+00:00#00000001").await.expect("DeleteItem");
    audit.remove("c-1", "2026-01-01T00:00:09+00:00#ffffffff").await.expect("deleting a missing key succeeds");
    let left: Vec<String> = audit
        .page("c-1", 50, None)
        .await
        .expect("Query")
        .items
        .iter()
        .filter_map(|item| item.get_str("event_key").map(str::to_owned))
        .collect();
    assert_eq!(left, ["2026-01-01T00:00:01+00:00#00000002"]);
}
