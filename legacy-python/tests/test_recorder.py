"""The recorder: off by default, file and log modes, redaction, errors re-raised."""

from __future__ import annotations

import json

import pytest
from conftest import valid_spec
from event_builders import apigw_rest_event
from lambda_context import FakeLambdaContext

from cluster_platform.recorder import SCHEMA, record_invocation, redact_event

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


# Written out here, not read from the recorder, so that taking a name off the recorder's
# list fails a test: every header the record format documents as secret, by exact name...
DOCUMENTED_SECRET_HEADERS = (
    "Authorization",
    "Proxy-Authorization",
    "Cookie",
    "Set-Cookie",
    "X-Api-Key",
    "X-Amz-Security-Token",
)
# ... and by a word anywhere in the name.
DOCUMENTED_SECRET_HEADER_WORDS = (
    ("X-Refresh-Token", "token"),
    ("X-Client-Secret", "secret"),
    ("X-Db-Password", "password"),
    ("X-Partner-Api-Key", "api-key"),
)


def _event_with_header(name: str, value: str) -> dict:
    event = apigw_rest_event("GET", "/clusters", "/clusters", headers={name: value, "Accept": "text/plain"}, request_id="r", request_time_epoch_ms=0)
    return event


@pytest.mark.parametrize("name", DOCUMENTED_SECRET_HEADERS)
@pytest.mark.parametrize("spelling", [str, str.lower, str.upper])
def test_each_documented_secret_header_is_redacted_in_any_case(name, spelling):
    header = spelling(name)
    redacted = redact_event(_event_with_header(header, "value-that-must-not-leak"))
    assert redacted["headers"][header] == "[REDACTED]"
    assert redacted["multiValueHeaders"][header] == ["[REDACTED]"]
    assert "value-that-must-not-leak" not in json.dumps(redacted)
    assert redacted["headers"]["Accept"] == "text/plain", "other headers are kept"


@pytest.mark.parametrize(("name", "word"), DOCUMENTED_SECRET_HEADER_WORDS)
def test_each_secret_word_redacts_any_header_that_contains_it(name, word):
    assert word in name.lower()
    redacted = redact_event(_event_with_header(name, "value-that-must-not-leak"))
    assert redacted["headers"][name] == "[REDACTED]"
    assert redacted["multiValueHeaders"][name] == ["[REDACTED]"]
    assert "value-that-must-not-leak" not in json.dumps(redacted)


def test_redaction_covers_api_key_and_authorizer_and_leaves_the_original_alone():
    event = apigw_rest_event("GET", "/clusters", "/clusters", headers={"Cookie": "a=b"}, request_id="r", request_time_epoch_ms=0)
    event["requestContext"]["identity"]["apiKey"] = "live-key"
    event["requestContext"]["authorizer"] = {"principalId": "user-1", "claims": {"sub": "x"}}
    redacted = redact_event(event)
    assert redacted["requestContext"]["identity"]["apiKey"] == "[REDACTED]"
    assert redacted["requestContext"]["authorizer"] == {"principalId": "[REDACTED]", "claims": "[REDACTED]"}
    assert redacted["headers"]["Cookie"] == "[REDACTED]"
    assert event["headers"]["Cookie"] == "a=b" and event["requestContext"]["identity"]["apiKey"] == "live-key"


def test_exceptions_are_recorded_and_re_raised(tmp_path, monkeypatch):
    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))

    @record_invocation
    def broken(event, context):
        raise KeyError("detail")

    with pytest.raises(KeyError):
        broken({"detail-type": "Scheduled Event", "source": "aws.events"}, FakeLambdaContext())
    record = read_records(path)[0]
    assert record["response"] is None
    assert record["error"] == {"errorType": "KeyError", "errorMessage": "'detail'"}
    assert record["source"] == "eventbridge" and record["route"] == "Scheduled Event"


def test_the_answer_is_unchanged_and_a_broken_record_file_does_not_break_the_handler(tmp_path, monkeypatch):
    @record_invocation
    def handler(event, context):
        event["touched"] = True
        return {"ok": 1}

    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(tmp_path / "missing-dir" / "records.jsonl"))
    assert handler({"a": 1}, FakeLambdaContext()) == {"ok": 1}

    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))
    assert handler({"a": 1}, FakeLambdaContext()) == {"ok": 1}
    record = read_records(path)[0]
    assert record["event"] == {"a": 1}  # as received, before the handler touched it
    assert record["source"] == "other" and record["route"] == ""
    assert "entity" not in record
