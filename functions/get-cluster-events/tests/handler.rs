//! get-cluster-events over the in-memory fakes, against Python's answers from the
//! corpus: the audit trail Python wrote for one cluster, paged two at a time with
//! Python's own `next_token`s, every 400 (bad `limit`, bad `next_token`) and every 404.

use std::path::Path;

use cluster_domain::fakes::{FakeAuditLog, FakeClusterStore};
use cluster_domain::{PyDict, PyValue, python_json};
use get_cluster_events::GetClusterEvents;
use serde_json::{Value, json};

fn handler() -> GetClusterEvents<FakeClusterStore, FakeAuditLog> {
    GetClusterEvents { clusters: FakeClusterStore::new(), audit: FakeAuditLog::new() }
}

fn corpus() -> Vec<Value> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/corpus.jsonl"))
        .expect("events/corpus.jsonl");
    text.lines().map(|line| serde_json::from_str::<Value>(line).expect("a record")).collect()
}

fn record<'a>(corpus: &'a [Value], id: &str) -> &'a Value {
    corpus.iter().find(|record| record["id"] == id).expect("the record")
}

/// The audit items behind Python's answer pages (`event_id` is the `event_key`).
fn audit_items(cluster_id: &str, pages: &[&Value]) -> Vec<PyDict> {
    let mut items = Vec::new();
    for page in pages {
        let Ok(PyValue::Dict(body)) = python_json::loads(page["response"]["body"].as_str().unwrap_or_default()) else {
            panic!("a JSON body");
        };
        for event in body.get("events").and_then(PyValue::as_list).unwrap_or_default() {
            let event = event.as_dict().expect("an event object");
            let field = |name: &str| event.get(name).cloned().unwrap_or(PyValue::None);
            items.push(
                PyDict::new()
                    .with("cluster_id", cluster_id)
                    .with("event_key", field("event_id"))
                    .with("event_type", field("event_type"))
                    .with("occurred_at", field("occurred_at"))
                    .with("actor", field("actor"))
                    .with("details", field("details")),
            );
        }
    }
    items
}

#[tokio::test]
async fn pages_of_the_trail_answer_pythons_bytes_with_pythons_tokens() {
    let corpus = corpus();
    let cluster_id = "payments-dev-general-1-7ac73188";
    let pages = [record(&corpus, "r000067"), record(&corpus, "r000068"), record(&corpus, "r000069")];
    let items = audit_items(cluster_id, &pages);
    assert!(items.len() >= 5, "{} events", items.len());
    let handler = handler();
    handler.clusters.insert(PyDict::new().with("cluster_id", cluster_id));
    // Appended newest first: the answer must still be oldest first.
    for item in items.iter().rev() {
        cluster_domain::AuditLog::append(&handler.audit, item).await.expect("append");
    }
    for page in pages {
        let rust = handler.handle(page["event"].clone()).await.expect("an answer");
        assert_eq!(rust.to_string(), page["response"].to_string(), "{}", page["id"]);
    }
    // Without a limit: 50 a page, so the whole trail and no token.
    let rust = handler
        .handle(json!({"httpMethod": "GET", "path": format!("/clusters/{cluster_id}/events"), "headers": {}}))
        .await
        .expect("an answer");
    let body: Value = serde_json::from_str(rust["body"].as_str().unwrap_or_default()).unwrap_or_default();
    assert_eq!(body["events"].as_array().map(Vec::len), Some(items.len()));
    assert_eq!(body["next_token"], Value::Null);
}

#[tokio::test]
async fn every_400_and_404_answers_pythons_bytes() {
    let corpus = corpus();
    let handler = handler();
    let errors: Vec<&Value> = corpus
        .iter()
        .filter(|record| record["function"] == "get-cluster-events")
        .filter(|record| matches!(record["response"]["statusCode"].as_u64(), Some(400 | 404)))
        .collect();
    assert!(errors.len() >= 8);
    for record in errors {
        let rust = handler.handle(record["event"].clone()).await.expect("an answer");
        assert_eq!(rust.to_string(), record["response"].to_string(), "{}", record["id"]);
    }
}

#[tokio::test]
async fn the_query_is_checked_before_the_lookup_and_failures_escape() {
    let handler = handler();
    for (limit, message) in
        [("0", "limit must be an integer between 1 and 100"), ("101", "limit must be an integer between 1 and 100")]
    {
        let event = json!({"httpMethod": "GET", "path": "/clusters/unknown/events", "headers": {}, "queryStringParameters": {"limit": limit}});
        let rust = handler.handle(event).await.expect("an answer");
        assert_eq!(rust["statusCode"], 400, "a 400 before the 404");
        assert_eq!(rust["body"], format!(r#"{{"statusCode":400,"message":"{message}"}}"#));
    }
    assert!(handler.clusters.calls().is_empty(), "no lookup for a bad query");
    handler.clusters.insert(PyDict::new().with("cluster_id", "c-1"));
    handler.audit.fail("page", "ProvisionedThroughputExceededException", "slow down");
    let error = handler
        .handle(json!({"httpMethod": "GET", "path": "/clusters/c-1/events", "headers": {}}))
        .await
        .expect_err("Query fails");
    assert_eq!(error.error_type, "ProvisionedThroughputExceededException");
    assert!(error.message.contains("when calling the Query operation"));
}
