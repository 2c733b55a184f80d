//! list-clusters over the in-memory store: every 400 and 404 of the corpus answered with
//! Python's bytes, and the paging rules (Limit before the filter, a short or empty page
//! that still has a token, Python's base64 `json.dumps` tokens) on a small table.

use std::path::Path;

use cluster_domain::PyDict;
use cluster_domain::fakes::FakeClusterStore;
use list_clusters::ListClusters;
use serde_json::{Value, json};

fn corpus() -> Vec<Value> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/corpus.jsonl"))
        .expect("events/corpus.jsonl");
    text.lines().map(|line| serde_json::from_str::<Value>(line).expect("a record")).collect()
}

fn cluster(cluster_id: &str, environment: &str, team: &str, status: &str, second: u32) -> PyDict {
    PyDict::new()
        .with("cluster_id", cluster_id)
        .with("name", cluster_id)
        .with("team", team)
        .with("environment", environment)
        .with("cluster_type", "general")
        .with("status", status)
        .with("created_at", format!("2026-01-01T00:00:0{second}+00:00"))
        .with("spec", PyDict::new().with("name", cluster_id))
}

fn summary(cluster_id: &str, environment: &str, team: &str, status: &str, second: u32) -> String {
    format!(
        r#"{{"cluster_id":"{cluster_id}","name":"{cluster_id}","team":"{team}","environment":"{environment}","cluster_type":"general","status":"{status}","created_at":"2026-01-01T00:00:0{second}+00:00"}}"#
    )
}

fn handler() -> ListClusters<FakeClusterStore> {
    let handler = ListClusters { clusters: FakeClusterStore::new() };
    handler.clusters.insert(cluster("a-1", "dev", "payments", "PENDING", 1));
    handler.clusters.insert(cluster("b-1", "dev", "search", "ACTIVE", 2));
    handler.clusters.insert(cluster("c-1", "prod", "payments", "ACTIVE", 3));
    handler
}

async fn body(handler: &ListClusters<FakeClusterStore>, query: Value) -> String {
    let event = json!({"httpMethod": "GET", "path": "/clusters", "headers": {}, "queryStringParameters": query});
    let answer = handler.handle(event).await.expect("an answer");
    assert_eq!(answer["statusCode"], 200, "{query}");
    answer["body"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn every_400_and_404_answers_pythons_bytes() {
    let handler = handler();
    let errors: Vec<Value> = corpus()
        .into_iter()
        .filter(|record| {
            record["function"] == "list-clusters"
                && matches!(record["response"]["statusCode"].as_u64(), Some(400 | 404))
        })
        .collect();
    assert!(errors.len() >= 12);
    for record in errors {
        let rust = handler.handle(record["event"].clone()).await.expect("an answer");
        assert_eq!(rust.to_string(), record["response"].to_string(), "{}", record["id"]);
    }
    assert!(handler.clusters.calls().is_empty(), "a bad query reads nothing");
}

#[tokio::test]
async fn scan_pages_with_pythons_tokens() {
    let handler = handler();
    // {"cluster_id": "b-1"}, as base64.urlsafe_b64encode(json.dumps(key)) writes it.
    let token = "eyJjbHVzdGVyX2lkIjogImItMSJ9";
    assert_eq!(
        body(&handler, json!({"limit": "2"})).await,
        format!(
            r#"{{"clusters":[{},{}],"count":2,"next_token":"{token}"}}"#,
            summary("a-1", "dev", "payments", "PENDING", 1),
            summary("b-1", "dev", "search", "ACTIVE", 2)
        )
    );
    assert_eq!(
        body(&handler, json!({"limit": "2", "next_token": token})).await,
        format!(r#"{{"clusters":[{}],"count":1,"next_token":null}}"#, summary("c-1", "prod", "payments", "ACTIVE", 3))
    );
}

#[tokio::test]
async fn the_limit_applies_before_the_filter() {
    let handler = handler();
    // The first item examined is not in team search: an empty page with a token
    // {"cluster_id": "a-1", "environment": "dev", "created_at": "2026-01-01T00:00:01+00:00"}.
    let token = "eyJjbHVzdGVyX2lkIjogImEtMSIsICJlbnZpcm9ubWVudCI6ICJkZXYiLCAiY3JlYXRlZF9hdCI6ICIyMDI2LTAxLTAxVDAwOjAwOjAxKzAwOjAwIn0=";
    assert_eq!(
        body(&handler, json!({"environment": "dev", "team": "search", "limit": "1"})).await,
        format!(r#"{{"clusters":[],"count":0,"next_token":"{token}"}}"#)
    );
    assert_eq!(
        body(&handler, json!({"environment": "dev", "team": "search", "limit": "1", "next_token": token})).await,
        // moto (the corpus' back end) gives no key when the page ends the table.
        format!(r#"{{"clusters":[{}],"count":1,"next_token":null}}"#, summary("b-1", "dev", "search", "ACTIVE", 2))
    );
    assert_eq!(
        body(&handler, json!({"status": "ACTIVE"})).await,
        format!(
            r#"{{"clusters":[{},{}],"count":2,"next_token":null}}"#,
            summary("b-1", "dev", "search", "ACTIVE", 2),
            summary("c-1", "prod", "payments", "ACTIVE", 3)
        )
    );
    // A token of a Scan does not fit a Query on the index.
    let answer = handler
        .handle(json!({"httpMethod": "GET", "path": "/clusters", "headers": {}, "queryStringParameters": {"environment": "dev", "next_token": "eyJjbHVzdGVyX2lkIjogImItMSJ9"}}))
        .await
        .expect("an answer");
    assert_eq!(answer["body"], r#"{"statusCode":400,"message":"next_token is invalid"}"#);
}

#[tokio::test]
async fn a_scan_failure_escapes_like_botocore() {
    let handler = handler();
    handler.clusters.fail("list", "InternalServerError", "no");
    let error = handler
        .handle(json!({"httpMethod": "GET", "path": "/clusters", "headers": {}, "queryStringParameters": null}))
        .await
        .expect_err("Scan fails");
    assert_eq!(
        (error.error_type.as_str(), error.message.as_str()),
        ("InternalServerError", "An error occurred (InternalServerError) when calling the Scan operation: no")
    );
}
