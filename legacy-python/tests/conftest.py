"""Test set-up: one moto server for the session, fresh AWS state for each test that asks
for it, and helpers to call the handlers in-process with faithful events."""

from __future__ import annotations

import copy
import importlib
import itertools
import json
import os
import urllib.request

import boto3
import pytest

from event_builders import ORG_BOUNDARY, VALID_SPEC, apigw_rest_event, pipeline_state_change_event
from lambda_context import FakeLambdaContext
from local_stack import MotoServer, create_platform_resources


def valid_spec(**overrides) -> dict:
    spec = copy.deepcopy(VALID_SPEC)
    spec.update(overrides)
    return spec


@pytest.fixture(autouse=True)
def recorder_off(monkeypatch):
    for name in (
        "CUTOVER_RECORD_FILE",
        "CUTOVER_RECORD",
        "CUTOVER_RECORD_SCENARIO",
        "CUTOVER_RECORD_SAMPLE_RATE",
        "CUTOVER_RECORD_MAX_BYTES",
        "CUTOVER_RECORD_OVERSIZE",
        "CUTOVER_RECORD_REDACT_PATHS",
        "AWS_LAMBDA_FUNCTION_NAME",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def moto_server():
    with MotoServer() as server:
        yield server


@pytest.fixture(scope="session")
def platform_env(moto_server):
    # The handlers read their environment and build their SDK clients at import, as on
    # Lambda, so the environment is set once for the session before any is imported.
    env = create_platform_resources(moto_server.endpoint)
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    yield env
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def aws(moto_server, platform_env):
    """Fresh AWS state: moto is reset and the platform's resources created again."""
    request = urllib.request.Request(f"{moto_server.endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass
    create_platform_resources(moto_server.endpoint)
    return platform_env


@pytest.fixture
def clients(aws):
    session = boto3.Session(
        aws_access_key_id=aws["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=aws["AWS_SECRET_ACCESS_KEY"],
        region_name=aws["AWS_REGION"],
    )
    endpoint = aws["AWS_ENDPOINT_URL"]

    class Clients:
        dynamodb = session.resource("dynamodb", endpoint_url=endpoint)
        codepipeline = session.client("codepipeline", endpoint_url=endpoint)
        s3 = session.client("s3", endpoint_url=endpoint)
        clusters = dynamodb.Table(aws["CLUSTERS_TABLE"])
        audit = dynamodb.Table(aws["AUDIT_TABLE"])
        idempotency = dynamodb.Table(aws["IDEMPOTENCY_TABLE"])

    return Clients


class Reply:
    def __init__(self, raw: dict) -> None:
        self.raw = raw
        self.status = int(raw["statusCode"])
        self.headers = {name: values[-1] for name, values in (raw.get("multiValueHeaders") or {}).items()}
        self.text = raw["body"]
        self.body = json.loads(raw["body"]) if raw["body"] else None


class Api:
    """Calls handlers in-process with API Gateway / EventBridge events."""

    def __init__(self) -> None:
        self.counter = itertools.count(1)

    def handler(self, function: str):
        return importlib.import_module(f"{function}.app").handler

    def invoke(self, function: str, event: dict):
        return self.handler(function)(event, FakeLambdaContext(function_name=function.replace("_", "-")))

    def request(self, function: str, method: str, resource: str, path: str, **kwargs) -> Reply:
        number = next(self.counter)
        event = apigw_rest_event(
            method, resource, path, request_id=f"req-{number:04d}", request_time_epoch_ms=1795756361000 + number, **kwargs
        )
        return Reply(self.invoke(function, event))

    def validate(self, spec, **kwargs) -> Reply:
        body = spec if isinstance(spec, str) or spec is None else json.dumps(spec)
        return self.request("validate_cluster_spec", "POST", "/clusters/validate", "/clusters/validate", body=body, **kwargs)

    def create(self, spec, **kwargs) -> Reply:
        body = spec if isinstance(spec, str) or spec is None else json.dumps(spec)
        return self.request("create_cluster", "POST", "/clusters", "/clusters", body=body, **kwargs)

    def get(self, cluster_id: str) -> Reply:
        return self.request("get_cluster", "GET", "/clusters/{cluster_id}", f"/clusters/{cluster_id}", path_parameters={"cluster_id": cluster_id})

    def list(self, **query) -> Reply:
        return self.request("list_clusters", "GET", "/clusters", "/clusters", query=query or None)

    def decommission(self, cluster_id: str) -> Reply:
        return self.request("decommission_cluster", "DELETE", "/clusters/{cluster_id}", f"/clusters/{cluster_id}", path_parameters={"cluster_id": cluster_id})

    def compliance(self, cluster_id: str) -> Reply:
        return self.request(
            "check_compliance", "POST", "/clusters/{cluster_id}/compliance", f"/clusters/{cluster_id}/compliance", path_parameters={"cluster_id": cluster_id}
        )

    def events(self, cluster_id: str, **query) -> Reply:
        return self.request(
            "get_cluster_events", "GET", "/clusters/{cluster_id}/events", f"/clusters/{cluster_id}/events",
            path_parameters={"cluster_id": cluster_id}, query=query or None,
        )

    def pipeline(self, pipeline: str, state: str) -> dict:
        number = next(self.counter)
        event = pipeline_state_change_event(
            pipeline, f"exec-{number:04d}", state, event_id=f"evt-{number:04d}", time="2026-11-27T05:12:41Z"
        )
        return self.invoke("pipeline_status", event)


@pytest.fixture
def api(aws) -> Api:
    return Api()


@pytest.fixture
def created(api) -> dict:
    """A prod cluster created through create-cluster; its 201 body."""
    reply = api.create(valid_spec())
    assert reply.status == 201, reply.text
    return reply.body
