"""The Powertools middleware records as the decorator does; the package imports
Powertools only when the middleware is used."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FakeContext, read_records, rest_event

from cutover_recorder import SCHEMA
from cutover_recorder.powertools import record_middleware

PACKAGE_ROOT = Path(__file__).resolve().parents[1]


@record_middleware
def create_order(event, context):
    return {"statusCode": 201, "body": json.dumps({"order_id": "o-9"})}


def test_the_middleware_records_each_invocation(tmp_path, monkeypatch):
    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))
    monkeypatch.setenv("CUTOVER_RECORD_REDACT_PATHS", "$.card")
    answer = create_order(rest_event(body={"card": "4111"}, headers={"X-Api-Key": "k"}), FakeContext(aws_request_id="req-p"))
    (record,) = read_records(path)
    assert record["schema"] == SCHEMA and record["id"] == "req-p" and record["response"] == answer
    assert record["function"] == "test-powertools" and record["route"] == "POST /orders"
    assert record["event"]["headers"]["X-Api-Key"] == "[REDACTED]"
    assert json.loads(record["event"]["body"]) == {"card": "[REDACTED]"}


def test_the_middleware_takes_an_entity_finder_and_re_raises(tmp_path, monkeypatch):
    @record_middleware(entity=lambda event, response: "o-1")
    def broken(event, context):
        raise TimeoutError("downstream")

    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))
    with pytest.raises(TimeoutError):
        broken({}, FakeContext())
    (record,) = read_records(path)
    assert record["entity"] == "o-1" and record["error"]["errorType"] == "TimeoutError"


def test_the_middleware_changes_nothing_when_recording_is_off(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert create_order({}, FakeContext())["statusCode"] == 201
    assert list(tmp_path.iterdir()) == []


def test_the_package_does_not_import_powertools():
    script = "import sys, cutover_recorder; print('aws_lambda_powertools' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", script], cwd=PACKAGE_ROOT, capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "False"
