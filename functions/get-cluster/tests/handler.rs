//! get-cluster over the in-memory store, against Python's answers from the corpus: the
//! stored item Python wrote (create-cluster's record r000001, then ACTIVE) read back
//! with every number a Decimal, and every 404.

use std::path::{Path, PathBuf};

use cluster_domain::fakes::FakeClusterStore;
use cluster_domain::{PyDict, PyValue, python_json};
use get_cluster::GetCluster;
use serde_json::{Value, json};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn records(function: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(repo_root().join("events/corpus.jsonl")).expect("events/corpus.jsonl");
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a record"))
        .filter(|record| record["function"] == function)
        .collect()
}

fn record(id: &str) -> Value {
    let text = std::fs::read_to_string(repo_root().join("events/corpus.jsonl")).expect("events/corpus.jsonl");
    text.lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a record"))
        .find(|record| record["id"] == id)
        .expect("the record")
}

/// The item Python's create-cluster wrote for record r000001 (its 201 body), as
/// pipeline-status left it before record r000065.
fn stored_item() -> PyDict {
    let created = record("r000001");
    let Ok(PyValue::Dict(mut item)) = python_json::loads(created["response"]["body"].as_str().unwrap_or_default())
    else {
        panic!("the 201 body is an object");
    };
    item.insert("status", "ACTIVE");
    item.insert("updated_at", "2026-11-27T05:24:19.706853+00:00");
    item
}

#[tokio::test]
async fn a_stored_cluster_answers_pythons_bytes() {
    let handler = GetCluster { clusters: FakeClusterStore::new() };
    handler.clusters.insert(stored_item());
    let python = record("r000065");
    let rust = handler.handle(python["event"].clone()).await.expect("an answer");
    assert_eq!(rust.to_string(), python["response"].to_string());
    // Numbers come back as Decimals, which the powertools encoder writes as strings.
    assert!(rust["body"].as_str().unwrap_or_default().contains(r#""min_size":"1""#));
}

#[tokio::test]
async fn every_404_answers_pythons_bytes() {
    let handler = GetCluster { clusters: FakeClusterStore::new() };
    let not_found: Vec<Value> =
        records("get-cluster").into_iter().filter(|record| record["response"]["statusCode"] == 404).collect();
    assert!(not_found.len() >= 4);
    for record in not_found {
        let rust = handler.handle(record["event"].clone()).await.expect("an answer");
        assert_eq!(rust.to_string(), record["response"].to_string(), "{}", record["id"]);
    }
}

#[tokio::test]
async fn missing_attributes_read_as_null_and_store_failures_escape() {
    let handler = GetCluster { clusters: FakeClusterStore::new() };
    handler.clusters.insert(PyDict::new().with("cluster_id", "bare").with("status", "PENDING"));
    let event = json!({"httpMethod": "GET", "path": "/clusters/bare", "headers": {}});
    let rust = handler.handle(event.clone()).await.expect("an answer");
    assert_eq!(
        rust["body"],
        r#"{"cluster_id":"bare","name":null,"team":null,"environment":null,"cluster_type":null,"kubernetes_version":null,"region":null,"status":"PENDING","pipeline_name":null,"pipeline_execution_id":null,"created_at":null,"updated_at":null,"created_by":null,"spec":null,"warnings":[],"compliance":null}"#
    );
    handler.clusters.fail("get", "ResourceNotFoundException", "Requested resource not found");
    let error = handler.handle(event).await.expect_err("GetItem fails");
    assert_eq!(error.error_type, "ResourceNotFoundException");
    assert_eq!(
        error.message,
        "An error occurred (ResourceNotFoundException) when calling the GetItem operation: Requested resource not found"
    );
}
