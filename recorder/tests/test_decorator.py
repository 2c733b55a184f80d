"""The decorator: off by default, file and log modes, the record's fields, errors re-raised."""

from __future__ import annotations

import json

import pytest
from conftest import FakeContext, read_lines, read_records, rest_event

from cutover_recorder import SCHEMA, record_invocation


@record_invocation
def create_order(event, context):
    body = json.loads(event["body"])
    return {"statusCode": 201, "headers": {"Content-Type": "application/json"}, "body": json.dumps({"order_id": "o-1", **body})}


def test_nothing_is_recorded_unless_the_environment_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert create_order(rest_event(body={"item": "tea"}), FakeContext())["statusCode"] == 201
    assert list(tmp_path.iterdir()) == []
    assert "cutover_record" not in capsys.readouterr().out


def test_file_mode_appends_one_record_per_invocation(tmp_path, monkeypatch):
    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))
    monkeypatch.setenv("CUTOVER_RECORD_SCENARIO", "tests/orders")
    context = FakeContext(aws_request_id="req-1")
    answer = create_order(rest_event(body={"item": "tea"}), context)
    create_order(rest_event(body={"item": "coffee"}), FakeContext(aws_request_id="req-2"))

    first, second = read_records(path)
    assert list(first) == ["schema", "id", "function", "source", "route", "recorded_at", "event", "response", "error", "duration_ms", "scenario"]
    assert first["schema"] == SCHEMA and first["id"] == "req-1" and second["id"] == "req-2"
    # Outside Lambda the function is named after the handler's top-level module.
    assert first["function"] == "test-decorator"
    assert first["source"] == "apigateway-rest" and first["route"] == "POST /orders"
    assert first["response"] == answer and first["error"] is None
    assert first["duration_ms"] >= 0 and first["recorded_at"].endswith("+00:00")
    assert first["scenario"] == "tests/orders"
    assert json.loads(second["event"]["body"]) == {"item": "coffee"}


def test_the_function_name_comes_from_the_lambda_environment_first(tmp_path, monkeypatch):
    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "orders-prod")
    create_order(rest_event(body={}), FakeContext())
    assert read_records(path)[0]["function"] == "orders-prod"


def test_log_mode_prints_one_structured_line(monkeypatch, capsys):
    monkeypatch.setenv("CUTOVER_RECORD", "log")
    answer = create_order(rest_event(body={"item": "tea"}, headers={"Authorization": "Bearer abc"}), FakeContext())
    out = capsys.readouterr().out
    (record,) = read_lines(out, "cutover_record")
    assert record["schema"] == SCHEMA and record["response"] == answer
    assert record["event"]["headers"]["Authorization"] == "[REDACTED]"
    assert "Bearer abc" not in out


def test_file_and_log_modes_together_write_the_same_record(tmp_path, monkeypatch, capsys):
    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))
    monkeypatch.setenv("CUTOVER_RECORD", "log")
    create_order(rest_event(body={}), FakeContext())
    assert read_lines(capsys.readouterr().out, "cutover_record") == read_records(path)


def test_exceptions_are_recorded_and_re_raised(tmp_path, monkeypatch):
    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))

    @record_invocation
    def broken(event, context):
        raise KeyError("detail")

    with pytest.raises(KeyError) as raised:
        broken({"detail-type": "Scheduled Event", "source": "aws.events"}, FakeContext())
    assert raised.value.args == ("detail",)
    record = read_records(path)[0]
    assert record["response"] is None
    assert record["error"] == {"errorType": "KeyError", "errorMessage": "'detail'"}
    assert record["source"] == "eventbridge" and record["route"] == "Scheduled Event"


def test_the_event_is_recorded_as_it_arrived_and_the_answer_is_the_handlers(tmp_path, monkeypatch):
    answer = {"ok": 1}

    @record_invocation
    def handler(event, context):
        event["touched"] = True
        return answer

    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))
    assert handler({"a": 1}, FakeContext()) is answer
    record = read_records(path)[0]
    assert record["event"] == {"a": 1}, "as received, before the handler touched it"
    assert record["source"] == "other" and record["route"] == ""
    assert "entity" not in record


def test_an_http_api_event_is_named_by_its_route_key(tmp_path, monkeypatch):
    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))

    @record_invocation
    def handler(event, context):
        return {"statusCode": 204}

    handler({"version": "2.0", "routeKey": "DELETE /orders/{id}", "rawPath": "/orders/o-1"}, FakeContext())
    record = read_records(path)[0]
    assert (record["source"], record["route"]) == ("apigateway-http", "DELETE /orders/{id}")


def test_an_entity_finder_names_the_entity_from_the_event_and_the_answer(tmp_path, monkeypatch):
    seen = []

    def order_of(event, response):
        seen.append(response)
        return (event.get("pathParameters") or {}).get("order_id") or json.loads(response["body"])["order_id"]

    @record_invocation(entity=order_of)
    def handler(event, context):
        return create_order.__wrapped__(event, context)

    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))
    handler(rest_event(body={}), FakeContext())
    handler(rest_event("GET", "/orders/{order_id}", "/orders/o-7", body={}, path_parameters={"order_id": "o-7"}), FakeContext())
    assert [record["entity"] for record in read_records(path)] == ["o-1", "o-7"]
    assert seen[0]["statusCode"] == 201
    assert handler.__name__ == "handler", "functools.wraps keeps the handler's name"
