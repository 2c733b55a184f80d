//! decommission-cluster over the domain's in-memory fakes: every answer and transition.

use cluster_domain::fakes::{FakeAuditLog, FakeClusterStore, FixedClock, SequentialIds};
use cluster_domain::{PyDict, PyValue};
use decommission_cluster::DecommissionCluster;
use serde_json::{Value, json};

fn handler() -> DecommissionCluster<FakeClusterStore, FakeAuditLog, FixedClock, SequentialIds> {
    DecommissionCluster {
        clusters: FakeClusterStore::new(),
        audit: FakeAuditLog::new(),
        clock: FixedClock::new(FixedClock::default_instant()),
        ids: SequentialIds::new(),
    }
}

fn delete(cluster_id: &str) -> Value {
    json!({"httpMethod": "DELETE", "path": format!("/clusters/{cluster_id}"), "headers": {}, "body": null,
           "requestContext": {"identity": {"userArn": "arn:aws:iam::123456789012:user/ops"}}})
}

fn cluster(cluster_id: &str, status: &str) -> PyDict {
    PyDict::new().with("cluster_id", cluster_id).with("status", status)
}

#[tokio::test]
async fn unknown_cluster_is_404() {
    let answer = handler().handle(delete("nope")).await.expect("an answer");
    assert_eq!(answer["statusCode"], 404);
    assert_eq!(answer["body"], r#"{"statusCode":404,"message":"cluster nope not found"}"#);
}

#[tokio::test]
async fn decommissionable_statuses_move_to_decommissioning_and_are_audited() {
    for status in ["PENDING", "ACTIVE", "FAILED"] {
        let handler = handler();
        handler.clusters.insert(cluster("c-1", status));
        let answer = handler.handle(delete("c-1")).await.expect("an answer");
        assert_eq!(answer["statusCode"], 202, "{status}");
        let body: Value = serde_json::from_str(answer["body"].as_str().unwrap_or_default()).unwrap_or_default();
        assert_eq!(body["status"], "DECOMMISSIONING");
        assert_eq!(body["previous_status"], status);
        let stored = handler.clusters.raw("c-1").unwrap_or_default();
        assert_eq!(stored.get("status"), Some(&PyValue::str("DECOMMISSIONING")));
        assert_eq!(handler.audit.event_types("c-1"), ["DECOMMISSION_REQUESTED"]);
        let actor = handler.audit.items().first().and_then(|item| item.get_str("actor").map(str::to_owned));
        assert_eq!(actor.as_deref(), Some("arn:aws:iam::123456789012:user/ops"));
    }
}

#[tokio::test]
async fn other_statuses_are_409_and_nothing_is_written() {
    for status in ["PROVISIONING", "DECOMMISSIONING"] {
        let handler = handler();
        handler.clusters.insert(cluster("c-1", status));
        let answer = handler.handle(delete("c-1")).await.expect("an answer");
        assert_eq!(answer["statusCode"], 409);
        assert_eq!(
            answer["body"],
            format!(r#"{{"statusCode":409,"message":"cluster c-1 cannot be decommissioned from status {status}"}}"#)
        );
        assert!(handler.audit.items().is_empty());
    }
}

#[tokio::test]
async fn a_store_failure_escapes_as_botocore_raises_it() {
    let handler = handler();
    handler.clusters.insert(cluster("c-1", "ACTIVE"));
    handler.clusters.fail("change_status", "ProvisionedThroughputExceededException", "slow down");
    let error = handler.handle(delete("c-1")).await.expect_err("an unhandled error");
    // A modeled DynamoDB error escapes as its own class, as botocore raises it.
    assert_eq!(error.error_type, "ProvisionedThroughputExceededException");
    assert!(handler.audit.items().is_empty());
}

#[tokio::test]
async fn other_methods_get_powertools_404() {
    let mut event = delete("c-1");
    event["httpMethod"] = json!("PUT");
    let answer = handler().handle(event).await.expect("an answer");
    assert_eq!(answer["body"], r#"{"statusCode":404,"message":"Not found"}"#);
}
