"""Test set-up: recording off and no Lambda variables unless a test sets them, a Lambda
context stand-in, and an API Gateway REST proxy event of the usual shape."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

import pytest

RECORDER_VARIABLES = (
    "CUTOVER_RECORD_FILE",
    "CUTOVER_RECORD",
    "CUTOVER_RECORD_SCENARIO",
    "CUTOVER_RECORD_SAMPLE_RATE",
    "CUTOVER_RECORD_MAX_BYTES",
    "CUTOVER_RECORD_OVERSIZE",
    "CUTOVER_RECORD_REDACT_PATHS",
    "AWS_LAMBDA_FUNCTION_NAME",
)


@pytest.fixture(autouse=True)
def recorder_off(monkeypatch):
    for name in RECORDER_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@dataclass
class FakeContext:
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_name: str = "orders-api"


def rest_event(method="POST", resource="/orders", path="/orders", *, headers=None, body=None, path_parameters=None) -> dict:
    """An API Gateway REST (v1) proxy event, as Lambda receives it."""
    headers = dict(headers or {})
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/prod{path}",
            "stage": "prod",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "curl/8.5.0", "apiKey": None},
        },
        "body": body if body is None or isinstance(body, str) else json.dumps(body),
        "isBase64Encoded": False,
    }


def read_lines(text: str, key: str) -> list[dict]:
    """The values of the structured lines with ``key`` in printed output."""
    values = []
    for line in text.splitlines():
        if line.startswith('{"' + key + '"'):
            document = json.loads(line)
            assert list(document) == [key], line
            values.append(document[key])
    return values


def read_records(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]
