"""create-cluster: storage, pipeline, audit trail and the Idempotency-Key contract."""

from __future__ import annotations

import json
import re

from conftest import valid_spec


def stages_of(clients, cluster_id: str) -> list[str]:
    pipeline = clients.codepipeline.get_pipeline(name=f"eks-{cluster_id}")["pipeline"]
    return [stage["name"] for stage in pipeline["stages"]]


def test_create_stores_a_pending_cluster_and_answers_201(api, clients, aws):
    reply = api.create(valid_spec())
    assert reply.status == 201
    body = reply.body
    assert re.fullmatch(r"payments-prod-1-[0-9a-f]{8}", body["cluster_id"])
    assert body["status"] == "PENDING"
    assert body["pipeline_name"] == f"eks-{body['cluster_id']}"
    assert reply.headers["Location"] == f"/clusters/{body['cluster_id']}"
    assert list(body)[-1] == "pipeline_execution_id"
    # The answer is built in memory: numbers are JSON numbers here (get-cluster differs).
    assert body["spec"]["node_groups"][0]["min_size"] == 3
    assert body["warnings"] == []

    item = clients.clusters.get_item(Key={"cluster_id": body["cluster_id"]})["Item"]
    assert item["status"] == "PENDING"
    assert item["pipeline_execution_id"] == body["pipeline_execution_id"]
    assert item["spec"]["tags"]["cost-center"] == "CC-12345"

    spec_object = clients.s3.get_object(Bucket=aws["ARTIFACT_BUCKET"], Key=f"clusters/{body['cluster_id']}/spec.json")
    assert json.loads(spec_object["Body"].read())["name"] == "payments-prod-1"


def test_create_builds_the_pipeline_with_approval_only_in_prod(api, clients):
    prod = api.create(valid_spec()).body
    assert stages_of(clients, prod["cluster_id"]) == ["Source", "Plan", "Approval", "Apply", "Verify"]

    staging = api.create(valid_spec(name="payments-staging-1", environment="staging")).body
    assert stages_of(clients, staging["cluster_id"]) == ["Source", "Plan", "Apply", "Verify"]

    pipeline = clients.codepipeline.get_pipeline(name=f"eks-{staging['cluster_id']}")
    arn = pipeline["metadata"]["pipelineArn"]
    tags = {tag["key"]: tag["value"] for tag in clients.codepipeline.list_tags_for_resource(resourceArn=arn)["tags"]}
    assert tags == {
        "cost-center": "CC-12345",
        "owner": "jane.doe@example.com",
        "data-classification": "confidential",
        "cluster-id": staging["cluster_id"],
        "team": "payments",
        "environment": "staging",
        "managed-by": "eks-cluster-platform",
    }


def test_create_starts_the_pipeline_and_writes_the_audit_trail(api, clients):
    body = api.create(valid_spec(kubernetes_version="1.29")).body
    executions = clients.codepipeline.list_pipeline_executions(pipelineName=body["pipeline_name"])["pipelineExecutionSummaries"]
    assert [execution["pipelineExecutionId"] for execution in executions] == [body["pipeline_execution_id"]]
    assert [warning["code"] for warning in body["warnings"]] == ["K8S_VERSION_DEPRECATED"]

    items = clients.audit.query(KeyConditionExpression="cluster_id = :id", ExpressionAttributeValues={":id": body["cluster_id"]})["Items"]
    assert [item["event_type"] for item in items] == ["CLUSTER_REQUESTED", "PIPELINE_STARTED"]
    assert items[0]["details"]["warnings"] == 1
    assert items[1]["details"]["execution_id"] == body["pipeline_execution_id"]


def test_create_refuses_a_spec_that_breaks_the_rules_with_422(api, clients):
    reply = api.create(valid_spec(region="ap-south-1"))
    assert reply.status == 422
    assert reply.body["message"] == "cluster spec violates the organisation's rules"
    assert "REGION_NOT_ALLOWED" in [item["code"] for item in reply.body["violations"]]
    assert clients.clusters.scan()["Items"] == []
    assert clients.codepipeline.list_pipelines()["pipelines"] == []


def test_create_refuses_bad_bodies_with_400(api, clients):
    for body in (None, "{", '{"name": 1}'):
        reply = api.create(body)
        assert reply.status == 400, body
        assert reply.body["message"] == "request body is not a valid cluster spec"
    assert clients.clusters.scan()["Items"] == []


def test_same_idempotency_key_replays_the_first_answer_and_creates_nothing_twice(api, clients):
    spec_text = json.dumps(valid_spec())
    first = api.create(spec_text, headers={"Idempotency-Key": "order-42"})
    second = api.create(spec_text, headers={"idempotency-key": "order-42"})
    assert first.status == second.status == 201
    assert second.text == first.text
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert len(clients.clusters.scan()["Items"]) == 1
    assert len(clients.codepipeline.list_pipelines()["pipelines"]) == 1


def test_same_idempotency_key_with_another_body_is_422(api, clients):
    api.create(json.dumps(valid_spec()), headers={"Idempotency-Key": "order-43"})
    reply = api.create(json.dumps(valid_spec(name="payments-prod-2")), headers={"Idempotency-Key": "order-43"})
    assert reply.status == 422
    assert reply.text == '{"statusCode":422,"message":"Idempotency-Key was already used with a different request body"}'
    assert len(clients.clusters.scan()["Items"]) == 1


def test_refused_specs_are_replayed_too_and_keys_are_independent(api, clients):
    bad = json.dumps(valid_spec(region="ap-south-1"))
    first = api.create(bad, headers={"Idempotency-Key": "k-1"})
    second = api.create(bad, headers={"Idempotency-Key": "k-1"})
    assert first.status == second.status == 422 and first.text == second.text

    spec_text = json.dumps(valid_spec())
    one = api.create(spec_text, headers={"Idempotency-Key": "k-2"})
    other = api.create(spec_text, headers={"Idempotency-Key": "k-3"})
    without = api.create(spec_text)
    assert len({one.body["cluster_id"], other.body["cluster_id"], without.body["cluster_id"]}) == 3


def test_an_overlong_idempotency_key_is_400(api):
    reply = api.create(json.dumps(valid_spec()), headers={"Idempotency-Key": "k" * 256})
    assert reply.status == 400
    assert reply.body == {"statusCode": 400, "message": "Idempotency-Key must be 1 to 255 characters"}
