//! pipeline-status over the domain's in-memory fakes: every transition and every
//! reason an event is ignored.

use cluster_domain::PyDict;
use cluster_domain::fakes::{FakeAuditLog, FakeClusterStore, FixedClock, SequentialIds};
use pipeline_status::PipelineStatus;
use serde_json::{Value, json};

fn handler() -> PipelineStatus<FakeClusterStore, FakeAuditLog, FixedClock, SequentialIds> {
    PipelineStatus {
        clusters: FakeClusterStore::new(),
        audit: FakeAuditLog::new(),
        clock: FixedClock::new(FixedClock::default_instant()),
        ids: SequentialIds::new(),
    }
}

fn event(pipeline: &str, state: &str) -> Value {
    json!({"id": "e-1", "detail-type": "CodePipeline Pipeline Execution State Change",
           "detail": {"pipeline": pipeline, "execution-id": "x-1", "state": state}})
}

#[tokio::test]
async fn the_lifecycle_moves_forward_only() {
    let handler = handler();
    handler.clusters.insert(PyDict::new().with("cluster_id", "c-1").with("status", "PENDING"));
    let steps = [
        ("STARTED", "changed", "PROVISIONING"),
        ("STARTED", "unchanged", "PROVISIONING"),
        ("SUCCEEDED", "changed", "ACTIVE"),
        ("FAILED", "unchanged", "ACTIVE"),
    ];
    for (state, result, status) in steps {
        let answer = handler.handle(event("eks-c-1", state)).await.expect("an answer");
        assert_eq!(answer["result"], result, "{state}");
        assert_eq!(answer["status"], status, "{state}");
    }
    assert_eq!(handler.audit.event_types("c-1"), ["STATUS_CHANGED", "STATUS_CHANGED"]);
}

#[tokio::test]
async fn failed_and_stopped_mark_the_cluster_failed() {
    for state in ["FAILED", "STOPPED"] {
        let handler = handler();
        handler.clusters.insert(PyDict::new().with("cluster_id", "c-1").with("status", "PROVISIONING"));
        let answer = handler.handle(event("eks-c-1", state)).await.expect("an answer");
        assert_eq!(
            answer,
            json!({"cluster_id": "c-1", "state": state, "result": "changed", "status": "FAILED", "previous_status": "PROVISIONING"})
        );
    }
}

#[tokio::test]
async fn ignored_events_say_why() {
    let handler = handler();
    let cases = [
        (event("billing-export", "STARTED"), "not a cluster pipeline"),
        (event("eks-c-1", "RESUMED"), "state RESUMED does not change the cluster status"),
        (event("eks-unknown", "STARTED"), "unknown cluster"),
        (json!({"detail": null}), "not a cluster pipeline"),
    ];
    for (event, reason) in cases {
        let answer = handler.handle(event).await.expect("an answer");
        assert_eq!(answer["result"], "ignored");
        assert_eq!(answer["reason"], reason);
    }
}

#[tokio::test]
async fn a_detail_that_is_not_an_object_raises_like_python() {
    let error = handler().handle(json!({"detail": "SUCCEEDED"})).await.expect_err("an AttributeError");
    assert_eq!(error.error_type, "AttributeError");
    assert_eq!(error.message, "'str' object has no attribute 'get'");
}
