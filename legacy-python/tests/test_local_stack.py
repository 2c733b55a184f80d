"""The local stack and the event builders the tests and the corpus stand on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import boto3
from event_builders import apigw_rest_event, pipeline_state_change_event
from local_stack import MotoServer, create_platform_resources

TOOLS = Path(__file__).resolve().parent.parent / "tools"


def test_moto_server_starts_on_loopback_and_stops_its_process():
    server = MotoServer().start()
    try:
        assert server.endpoint.startswith("http://127.0.0.1:")
        process = server.process
        env = create_platform_resources(server.endpoint, prefix="t-")
        dynamodb = boto3.client("dynamodb", endpoint_url=server.endpoint, region_name="eu-west-1",
                                aws_access_key_id="testing", aws_secret_access_key="testing")
        tables = dynamodb.list_tables()["TableNames"]
        assert {env["CLUSTERS_TABLE"], env["AUDIT_TABLE"], env["IDEMPOTENCY_TABLE"]} <= set(tables)
        index = dynamodb.describe_table(TableName=env["CLUSTERS_TABLE"])["Table"]["GlobalSecondaryIndexes"][0]
        assert index["IndexName"] == "environment-index"
        # Creating again is harmless.
        assert create_platform_resources(server.endpoint, prefix="t-") == env
    finally:
        server.stop()
    assert process.poll() is not None


def test_create_command_prints_the_environment(moto_server):
    result = subprocess.run(
        [sys.executable, str(TOOLS / "local_stack.py"), "create", "--endpoint", moto_server.endpoint, "--prefix", "cli-"],
        capture_output=True, text=True, timeout=60, check=True,
    )
    env = json.loads(result.stdout)
    assert env["CLUSTERS_TABLE"] == "cli-eks-clusters"
    assert env["AWS_ENDPOINT_URL"] == moto_server.endpoint
    assert env["ORG_PERMISSION_BOUNDARY_ARN"] == "arn:aws:iam::123456789012:policy/org/eks-permission-boundary"


def test_create_command_fails_clearly_without_a_server():
    result = subprocess.run(
        [sys.executable, str(TOOLS / "local_stack.py"), "create", "--endpoint", "http://127.0.0.1:9"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: could not create the platform resources at http://127.0.0.1:9")


def test_rest_event_shape():
    event = apigw_rest_event(
        "post", "/clusters/{cluster_id}/compliance", "/clusters/c-1/compliance", path_parameters={"cluster_id": "c-1"},
        multi_query={"tag": ["a", "b"]}, headers={"X-Trace": ["1", "2"]}, body="{}", request_id="req-1",
        request_time_epoch_ms=1795756361123,
    )
    assert event["httpMethod"] == "POST"
    assert event["queryStringParameters"] == {"tag": "b"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"]}
    assert event["headers"]["X-Trace"] == "2" and event["multiValueHeaders"]["X-Trace"] == ["1", "2"]
    assert event["stageVariables"] is None
    context = event["requestContext"]
    assert context["resourcePath"] == "/clusters/{cluster_id}/compliance"
    assert context["path"] == "/prod/clusters/c-1/compliance"
    assert context["requestTime"] == "27/Nov/2026:05:12:41 +0000"
    assert context["requestTimeEpoch"] == 1795756361123
    bare = apigw_rest_event("GET", "/clusters", "/clusters", request_id="r", request_time_epoch_ms=0)
    assert bare["queryStringParameters"] is None and bare["multiValueQueryStringParameters"] is None
    assert bare["pathParameters"] is None
    assert bare == apigw_rest_event("GET", "/clusters", "/clusters", request_id="r", request_time_epoch_ms=0)


def test_pipeline_event_shape():
    event = pipeline_state_change_event("eks-a-1", "exec-1", "SUCCEEDED", event_id="e-1", time="2026-11-27T05:12:41Z")
    assert event["detail-type"] == "CodePipeline Pipeline Execution State Change"
    assert event["source"] == "aws.codepipeline"
    assert event["resources"] == ["arn:aws:codepipeline:eu-west-1:123456789012:eks-a-1"]
    assert event["detail"]["pipeline"] == "eks-a-1" and event["detail"]["state"] == "SUCCEEDED"
    assert event["detail"]["execution-id"] == "exec-1" and event["detail"]["version"] == 1
