//! check-compliance over the in-memory fakes, against Python's answers from the corpus:
//! the findings of every checked cluster (the stored spec, as Python wrote it), the
//! summary stored on the cluster, the audit event, and every 404.

use std::path::{Path, PathBuf};

use check_compliance::CheckCompliance;
use cluster_domain::fakes::{FakeAuditLog, FakeClusterStore, FixedClock, SequentialIds};
use cluster_domain::{PyDict, PyValue, python_json};
use regex::Regex;
use serde_json::Value;

const BOUNDARY: &str = "arn:aws:iam::123456789012:policy/org/eks-permission-boundary";
const NOW: &str = "2026-11-27T05:12:41.123456+00:00";

fn handler() -> CheckCompliance<FakeClusterStore, FakeAuditLog, FixedClock, SequentialIds> {
    CheckCompliance {
        clusters: FakeClusterStore::new(),
        audit: FakeAuditLog::new(),
        clock: FixedClock::new(FixedClock::default_instant()),
        ids: SequentialIds::new(),
        org_permission_boundary_arn: BOUNDARY.to_owned(),
    }
}

fn corpus() -> Vec<Value> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/corpus.jsonl"))
        .expect("events/corpus.jsonl");
    text.lines().map(|line| serde_json::from_str::<Value>(line).expect("a record")).collect()
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every cluster item Python's create-cluster wrote, by cluster id (its 201 bodies).
fn created_items(corpus: &[Value]) -> Vec<PyDict> {
    corpus
        .iter()
        .filter(|record| record["function"] == "create-cluster" && record["response"]["statusCode"] == 201)
        .filter_map(|record| match python_json::loads(record["response"]["body"].as_str().unwrap_or_default()) {
            Ok(PyValue::Dict(item)) => Some(item),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn every_checked_cluster_gets_pythons_findings() {
    assert!(repo_root().join("events/corpus.jsonl").exists());
    let corpus = corpus();
    let items = created_items(&corpus);
    let timestamp = Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00").expect("regex");
    let checked: Vec<&Value> = corpus
        .iter()
        .filter(|record| record["function"] == "check-compliance" && record["response"]["statusCode"] == 200)
        .collect();
    assert!(checked.len() >= 15);
    let mut outcomes = std::collections::BTreeSet::new();
    for record in checked {
        let handler = handler();
        for item in &items {
            handler.clusters.insert(item.clone());
        }
        let rust = handler.handle(record["event"].clone()).await.expect("an answer");
        // Only `checked_at` is generated: Python's becomes the fixed clock's.
        let expected = timestamp.replace_all(&record["response"].to_string(), NOW).into_owned();
        assert_eq!(rust.to_string(), expected, "{}", record["id"]);
        let body: Value = serde_json::from_str(rust["body"].as_str().unwrap_or_default()).unwrap_or_default();
        outcomes.insert(body["failed_rules"].to_string());
        let cluster_id = body["cluster_id"].as_str().unwrap_or_default();

        // The summary stored on the cluster and the audit event.
        let stored = handler.clusters.raw(cluster_id).expect("the cluster");
        let summary = stored.get("compliance").and_then(PyValue::as_dict).expect("a compliance summary");
        let keys: Vec<&str> = summary.keys().collect();
        assert_eq!(keys, ["compliant", "passed", "failed", "failed_rules", "checked_at"]);
        assert_eq!(summary.get_str("checked_at"), Some(NOW));
        assert_eq!(handler.audit.event_types(cluster_id), ["COMPLIANCE_CHECKED"]);
        let event = handler.audit.items().remove(0);
        assert_eq!(event.get_str("event_key"), Some(format!("{NOW}#00000001").as_str()));
        let details = event.get("details").and_then(PyValue::as_dict).expect("details");
        assert_eq!(details.get("failed_rules"), summary.get("failed_rules"));
    }
    assert!(outcomes.len() >= 3, "several different sets of failed rules: {outcomes:?}");
}

#[tokio::test]
async fn every_404_answers_pythons_bytes_and_writes_nothing() {
    let handler = handler();
    let not_found: Vec<Value> = corpus()
        .into_iter()
        .filter(|record| record["function"] == "check-compliance" && record["response"]["statusCode"] == 404)
        .collect();
    assert!(not_found.len() >= 4);
    for record in not_found {
        let rust = handler.handle(record["event"].clone()).await.expect("an answer");
        assert_eq!(rust.to_string(), record["response"].to_string(), "{}", record["id"]);
    }
    assert!(handler.audit.items().is_empty());
    assert!(handler.clusters.is_empty());
}

#[tokio::test]
async fn a_cluster_without_a_spec_fails_every_rule_and_failures_escape() {
    let handler = handler();
    handler.clusters.insert(PyDict::new().with("cluster_id", "bare"));
    let event = serde_json::json!({"httpMethod": "POST", "path": "/clusters/bare/compliance", "headers": {},
                                   "requestContext": {"identity": {"userArn": null}}});
    let rust = handler.handle(event.clone()).await.expect("an answer");
    let body: Value = serde_json::from_str(rust["body"].as_str().unwrap_or_default()).unwrap_or_default();
    assert_eq!(body["compliant"], false);
    assert_eq!(body["findings"].as_array().map(Vec::len), Some(8));

    let handler = self::handler();
    handler.clusters.insert(PyDict::new().with("cluster_id", "bare"));
    handler.audit.fail("append", "InternalServerError", "no");
    let error = handler.handle(event).await.expect_err("the audit write fails");
    assert_eq!(error.error_type, "InternalServerError");
    // As in Python, the summary was stored before the audit write failed.
    assert!(handler.clusters.raw("bare").is_some_and(|item| item.contains_key("compliance")));
}
