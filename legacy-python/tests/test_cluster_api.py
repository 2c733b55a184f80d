"""get-cluster, list-clusters, decommission-cluster, check-compliance, get-cluster-events."""

from __future__ import annotations

import base64
import json

import pytest
from conftest import valid_spec


def test_get_returns_the_stored_cluster_with_decimals_as_strings(api, created):
    reply = api.get(created["cluster_id"])
    assert reply.status == 200
    body = reply.body
    assert list(body) == [
        "cluster_id", "name", "team", "environment", "cluster_type", "kubernetes_version", "region", "status",
        "pipeline_name", "pipeline_execution_id", "created_at", "updated_at", "created_by", "spec", "warnings", "compliance",
    ]
    assert body["pipeline_execution_id"] == created["pipeline_execution_id"]
    # Numbers come back from DynamoDB as Decimal, which powertools writes as strings.
    assert body["spec"]["node_groups"][0]["min_size"] == "3"
    assert body["compliance"] is None


def test_get_unknown_cluster_is_404(api):
    reply = api.get("nope-00000000")
    assert reply.status == 404
    assert reply.text == '{"statusCode":404,"message":"cluster nope-00000000 not found"}'


def test_list_filters_by_environment_team_and_status(api):
    prod = api.create(valid_spec()).body
    staging = api.create(valid_spec(name="search-staging-1", team="search", environment="staging")).body

    everything = api.list().body
    assert {item["cluster_id"] for item in everything["clusters"]} == {prod["cluster_id"], staging["cluster_id"]}
    assert everything["count"] == 2 and everything["next_token"] is None
    assert list(everything["clusters"][0]) == ["cluster_id", "name", "team", "environment", "cluster_type", "status", "created_at"]

    assert [item["cluster_id"] for item in api.list(environment="staging").body["clusters"]] == [staging["cluster_id"]]
    assert [item["cluster_id"] for item in api.list(team="payments").body["clusters"]] == [prod["cluster_id"]]
    assert api.list(status="ACTIVE").body["clusters"] == []
    assert api.list(environment="prod", status="PENDING").body["count"] == 1


def test_list_pages_with_limit_and_next_token(api):
    ids = {api.create(valid_spec(name=f"payments-prod-{number}")).body["cluster_id"] for number in range(5)}
    seen, token, pages = [], None, 0
    while True:
        query = {"limit": "2", "environment": "prod"}
        if token:
            query["next_token"] = token
        page = api.list(**query).body
        pages += 1
        seen += [item["cluster_id"] for item in page["clusters"]]
        token = page["next_token"]
        if token is None:
            break
    assert sorted(seen) == sorted(ids)
    assert pages == 3


def test_list_applies_limit_before_the_filter(api):
    api.create(valid_spec(name="search-prod-1", team="search"))
    api.create(valid_spec(name="search-prod-2", team="search"))
    api.create(valid_spec())
    found, token = [], None
    first = api.list(team="payments", limit="1").body
    # The first page may be empty yet carry a token: DynamoDB's Limit counts items read.
    assert first["count"] <= 1 and first["next_token"] is not None
    found += first["clusters"]
    token = first["next_token"]
    while token:
        page = api.list(team="payments", limit="1", next_token=token).body
        found += page["clusters"]
        token = page["next_token"]
    assert [item["team"] for item in found] == ["payments"]


@pytest.mark.parametrize(
    "query, message",
    [
        ({"limit": "0"}, "limit must be an integer between 1 and 100"),
        ({"limit": "101"}, "limit must be an integer between 1 and 100"),
        ({"limit": "ten"}, "limit must be an integer between 1 and 100"),
        ({"environment": "qa"}, "environment must be one of dev, staging, prod"),
        ({"status": "DELETED"}, "status must be one of PENDING, PROVISIONING, ACTIVE, FAILED, DECOMMISSIONING"),
        ({"next_token": "garbage!"}, "next_token is invalid"),
        ({"next_token": base64.urlsafe_b64encode(b'["a"]').decode()}, "next_token is invalid"),
        ({"next_token": base64.urlsafe_b64encode(b'{"cluster_id": "x"}').decode(), "environment": "prod"}, "next_token is invalid"),
    ],
)
def test_list_rejects_bad_parameters_with_400(api, query, message):
    reply = api.list(**query)
    assert reply.status == 400
    assert reply.body == {"statusCode": 400, "message": message}


def test_decommission_moves_an_allowed_cluster_to_decommissioning(api, clients, created):
    reply = api.decommission(created["cluster_id"])
    assert reply.status == 202
    assert reply.body["status"] == "DECOMMISSIONING" and reply.body["previous_status"] == "PENDING"
    assert list(reply.body) == ["cluster_id", "status", "previous_status", "requested_at"]
    assert clients.clusters.get_item(Key={"cluster_id": created["cluster_id"]})["Item"]["status"] == "DECOMMISSIONING"

    again = api.decommission(created["cluster_id"])
    assert again.status == 409
    assert again.body["message"] == f"cluster {created['cluster_id']} cannot be decommissioned from status DECOMMISSIONING"

    types = [event["event_type"] for event in api.events(created["cluster_id"]).body["events"]]
    assert types == ["CLUSTER_REQUESTED", "PIPELINE_STARTED", "DECOMMISSION_REQUESTED"]


def test_decommission_refuses_a_provisioning_cluster_and_unknown_ids(api, created):
    api.pipeline(created["pipeline_name"], "STARTED")
    reply = api.decommission(created["cluster_id"])
    assert reply.status == 409
    assert reply.body["message"].endswith("from status PROVISIONING")
    assert api.decommission("ghost-12345678").status == 404


def test_compliance_reports_findings_and_stores_the_summary(api, clients):
    spec = valid_spec(environment="staging", name="payments-staging-1")
    spec["network"]["endpoint_public_access"] = True
    spec["security"]["control_plane_logging"] = []
    cluster = api.create(spec).body
    reply = api.compliance(cluster["cluster_id"])
    assert reply.status == 200
    body = reply.body
    statuses = {finding["rule_id"]: (finding["status"], finding["severity"]) for finding in body["findings"]}
    assert statuses == {
        "TAG-001": ("PASS", "high"),
        "TAG-002": ("PASS", "medium"),
        "ENC-001": ("PASS", "high"),
        "IAM-001": ("PASS", "high"),
        "LOG-001": ("FAIL", "medium"),
        "LOG-002": ("FAIL", "low"),
        "NET-001": ("FAIL", "medium"),
        "NET-002": ("PASS", "medium"),
    }
    assert body["compliant"] is True and body["passed"] == 5 and body["failed"] == 3
    assert body["failed_rules"] == ["LOG-001", "LOG-002", "NET-001"]

    stored = api.get(cluster["cluster_id"]).body["compliance"]
    assert stored["failed"] == "3" and stored["compliant"] is True
    assert api.events(cluster["cluster_id"]).body["events"][-1]["event_type"] == "COMPLIANCE_CHECKED"


def test_compliance_fails_dev_clusters_without_kms_at_low_severity(api):
    spec = valid_spec(environment="dev", name="payments-dev-1")
    spec["security"]["kms_key_arn"] = None
    cluster = api.create(spec).body
    findings = {finding["rule_id"]: finding for finding in api.compliance(cluster["cluster_id"]).body["findings"]}
    assert (findings["ENC-001"]["status"], findings["ENC-001"]["severity"]) == ("FAIL", "low")


def test_compliance_unknown_cluster_is_404(api):
    assert api.compliance("ghost-12345678").status == 404


def test_events_are_oldest_first_and_paged(api, created):
    cluster_id = created["cluster_id"]
    api.pipeline(created["pipeline_name"], "STARTED")
    api.pipeline(created["pipeline_name"], "SUCCEEDED")
    api.compliance(cluster_id)
    everything = api.events(cluster_id).body
    types = [event["event_type"] for event in everything["events"]]
    assert types == ["CLUSTER_REQUESTED", "PIPELINE_STARTED", "STATUS_CHANGED", "STATUS_CHANGED", "COMPLIANCE_CHECKED"]
    assert [event["occurred_at"] for event in everything["events"]] == sorted(event["occurred_at"] for event in everything["events"])
    assert list(everything["events"][0]) == ["event_id", "event_type", "occurred_at", "actor", "details"]

    first = api.events(cluster_id, limit="2").body
    assert len(first["events"]) == 2 and first["next_token"]
    rest = api.events(cluster_id, limit="10", next_token=first["next_token"]).body
    assert [event["event_id"] for event in first["events"] + rest["events"]] == [event["event_id"] for event in everything["events"]]
    assert rest["next_token"] is None


def test_events_errors(api, created):
    assert api.events("ghost-12345678").status == 404
    assert api.events(created["cluster_id"], limit="500").status == 400
    other = base64.urlsafe_b64encode(json.dumps({"cluster_id": "other", "event_key": "x"}).encode()).decode()
    reply = api.events(created["cluster_id"], next_token=other)
    assert reply.status == 400 and reply.body["message"] == "next_token is invalid"


def test_each_function_answers_only_its_own_route(api):
    reply = api.request("get_cluster", "DELETE", "/clusters/{cluster_id}", "/clusters/x", path_parameters={"cluster_id": "x"})
    assert reply.status == 404 and reply.body == {"statusCode": 404, "message": "Not found"}
