"""The platform's handlers wear the recorder (the ``cutover_recorder`` package, tested in
its own folder, recorder/tests): off by default, file and log modes, the cluster each
record touches, secret headers redacted."""

from __future__ import annotations

import json

from conftest import valid_spec
from cutover_recorder import SCHEMA

SECRET_HEADERS = {
    "Authorization": "Bearer abc.def",
    "cookie": "session=s3cr3t",
    "X-Api-Key": "key-123",
    "X-Custom-Token": "tok",
    "X-Db-Password": "pw",
    "X-Amz-Security-Token": "sts",
}


def read_records(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_recorder_is_off_by_default(api, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    reply = api.validate(valid_spec())
    assert reply.status == 200
    assert list(tmp_path.iterdir()) == []
    assert "cutover_record" not in capsys.readouterr().out


def test_file_mode_appends_one_record_per_invocation(api, tmp_path, monkeypatch):
    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))
    monkeypatch.setenv("CUTOVER_RECORD_SCENARIO", "tests/lifecycle")
    created = api.create(valid_spec())
    api.get(created.body["cluster_id"])
    api.pipeline(created.body["pipeline_name"], "STARTED")

    records = read_records(path)
    assert [record["function"] for record in records] == ["create-cluster", "get-cluster", "pipeline-status"]
    create, get, status = records
    assert set(create) == {"schema", "id", "function", "source", "route", "recorded_at", "event", "response", "error", "duration_ms", "scenario", "entity"}
    assert create["schema"] == SCHEMA
    assert create["source"] == "apigateway-rest" and create["route"] == "POST /clusters"
    assert create["response"]["statusCode"] == 201 and create["response"]["body"] == created.text
    assert create["error"] is None and create["duration_ms"] > 0
    assert create["entity"] == created.body["cluster_id"] and create["scenario"] == "tests/lifecycle"
    assert get["route"] == "GET /clusters/{cluster_id}" and get["entity"] == created.body["cluster_id"]
    assert status["source"] == "eventbridge" and status["route"] == "CodePipeline Pipeline Execution State Change"
    assert status["entity"] == created.body["cluster_id"] and status["response"]["result"] == "changed"
    assert len({record["id"] for record in records}) == 3


def test_function_name_comes_from_the_lambda_environment_first(api, tmp_path, monkeypatch):
    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "validate-cluster-spec-prod")
    api.validate(valid_spec())
    assert read_records(path)[0]["function"] == "validate-cluster-spec-prod"


def test_log_mode_prints_one_structured_line(api, capsys, monkeypatch):
    monkeypatch.setenv("CUTOVER_RECORD", "log")
    capsys.readouterr()
    reply = api.validate(valid_spec(), headers={"Authorization": "Bearer abc"})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"cutover_record"')]
    assert len(lines) == 1 and list(lines[0]) == ["cutover_record"]
    record = lines[0]["cutover_record"]
    assert record["schema"] == SCHEMA and record["response"]["body"] == reply.text
    assert record["event"]["headers"]["Authorization"] == "[REDACTED]"


def test_secrets_are_redacted_before_writing(api, tmp_path, monkeypatch):
    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))
    api.validate(valid_spec(), headers=SECRET_HEADERS)
    text = path.read_text()
    for secret in ("abc.def", "s3cr3t", "key-123", "tok\"", "\"pw\"", "\"sts\""):
        assert secret not in text
    event = read_records(path)[0]["event"]
    for name in SECRET_HEADERS:
        assert event["headers"][name] == "[REDACTED]"
        assert event["multiValueHeaders"][name] == ["[REDACTED]"]
    assert event["headers"]["Accept"] == "application/json"
