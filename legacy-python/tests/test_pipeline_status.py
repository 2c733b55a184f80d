"""pipeline-status: conditional status transitions from CodePipeline events."""

from __future__ import annotations

import pytest


def status_of(clients, cluster_id: str) -> str:
    return clients.clusters.get_item(Key={"cluster_id": cluster_id})["Item"]["status"]


def status_changes(api, cluster_id: str) -> list[tuple[str, str]]:
    events = api.events(cluster_id).body["events"]
    return [(event["details"]["from"], event["details"]["to"]) for event in events if event["event_type"] == "STATUS_CHANGED"]


def test_started_then_succeeded_makes_the_cluster_active(api, clients, created):
    cluster_id, pipeline = created["cluster_id"], created["pipeline_name"]
    assert api.pipeline(pipeline, "STARTED") == {
        "cluster_id": cluster_id, "state": "STARTED", "result": "changed", "status": "PROVISIONING", "previous_status": "PENDING",
    }
    assert status_of(clients, cluster_id) == "PROVISIONING"
    assert api.pipeline(pipeline, "SUCCEEDED")["status"] == "ACTIVE"
    assert status_of(clients, cluster_id) == "ACTIVE"
    assert status_changes(api, cluster_id) == [("PENDING", "PROVISIONING"), ("PROVISIONING", "ACTIVE")]
    audit = api.events(cluster_id).body["events"][-1]
    assert audit["actor"] == "codepipeline" and audit["details"]["pipeline_state"] == "SUCCEEDED"


@pytest.mark.parametrize("state", ["FAILED", "STOPPED"])
def test_failed_and_stopped_make_the_cluster_failed(api, clients, created, state):
    api.pipeline(created["pipeline_name"], "STARTED")
    assert api.pipeline(created["pipeline_name"], state)["status"] == "FAILED"
    assert status_of(clients, created["cluster_id"]) == "FAILED"


def test_repeated_events_change_nothing_and_are_not_audited(api, clients, created):
    api.pipeline(created["pipeline_name"], "STARTED")
    repeat = api.pipeline(created["pipeline_name"], "STARTED")
    assert repeat == {"cluster_id": created["cluster_id"], "state": "STARTED", "result": "unchanged", "status": "PROVISIONING"}
    assert status_changes(api, created["cluster_id"]) == [("PENDING", "PROVISIONING")]


def test_out_of_order_events_never_move_a_cluster_backwards(api, clients, created):
    cluster_id, pipeline = created["cluster_id"], created["pipeline_name"]
    # SUCCEEDED arrives before STARTED: the cluster goes straight to ACTIVE and stays there.
    assert api.pipeline(pipeline, "SUCCEEDED")["result"] == "changed"
    assert api.pipeline(pipeline, "STARTED")["result"] == "unchanged"
    assert api.pipeline(pipeline, "FAILED")["result"] == "unchanged"
    assert status_of(clients, cluster_id) == "ACTIVE"
    assert status_changes(api, cluster_id) == [("PENDING", "ACTIVE")]


def test_events_do_not_touch_a_decommissioning_cluster(api, clients, created):
    api.decommission(created["cluster_id"])
    assert api.pipeline(created["pipeline_name"], "SUCCEEDED")["result"] == "unchanged"
    assert status_of(clients, created["cluster_id"]) == "DECOMMISSIONING"


@pytest.mark.parametrize(
    "pipeline, state, reason",
    [
        ("billing-nightly", "STARTED", "not a cluster pipeline"),
        ("eks-ghost-12345678", "STARTED", "unknown cluster"),
        ("eks-", "STARTED", "not a cluster pipeline"),
    ],
)
def test_other_pipelines_and_unknown_clusters_are_ignored(api, pipeline, state, reason):
    assert api.pipeline(pipeline, state) == {"pipeline": pipeline, "state": state, "result": "ignored", "reason": reason}


def test_states_without_a_transition_are_ignored(api, clients, created):
    result = api.pipeline(created["pipeline_name"], "SUPERSEDED")
    assert result["result"] == "ignored"
    assert result["reason"] == "state SUPERSEDED does not change the cluster status"
    assert status_of(clients, created["cluster_id"]) == "PENDING"
