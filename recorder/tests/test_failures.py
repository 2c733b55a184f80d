"""The handler's answer and exception are its own, whatever happens to the record; each
failure to record is counted and reported in a log line."""

from __future__ import annotations

import threading

import pytest
from conftest import FakeContext, read_lines, read_records

from cutover_recorder import failure_count, record_invocation


def failures(err: str) -> list[dict]:
    return read_lines(err, "cutover_recorder_failure")


def test_an_unwritable_record_file_leaves_the_answer_alone_and_is_counted(tmp_path, monkeypatch, capsys):
    answer = {"ok": 1}

    @record_invocation
    def handler(event, context):
        return answer

    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(tmp_path / "missing-dir" / "records.jsonl"))
    before = failure_count()
    assert handler({"a": 1}, FakeContext(aws_request_id="req-1")) is answer
    assert handler({"a": 2}, FakeContext(aws_request_id="req-2")) is answer
    assert failure_count() == before + 2
    first, second = failures(capsys.readouterr().err)
    assert first["failures"] == before + 1 and second["failures"] == before + 2, "a running count"
    assert first["id"] == "req-1" and first["function"] == "test-failures"
    assert first["error"].startswith("FileNotFoundError")


def test_an_unwritable_file_does_not_hide_the_handlers_exception(tmp_path, monkeypatch, capsys):
    error = LookupError("the handler's own")

    @record_invocation
    def handler(event, context):
        raise error

    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(tmp_path / "missing-dir" / "records.jsonl"))
    with pytest.raises(LookupError) as raised:
        handler({}, FakeContext())
    assert raised.value is error
    assert len(failures(capsys.readouterr().err)) == 1


def test_a_response_that_cannot_be_serialised_is_returned_as_it_is(tmp_path, monkeypatch, capsys):
    circular: dict = {"statusCode": 200}
    circular["self"] = circular

    @record_invocation
    def handler(event, context):
        return circular

    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))
    monkeypatch.setenv("CUTOVER_RECORD", "log")
    assert handler({}, FakeContext()) is circular
    captured = capsys.readouterr()
    assert "Circular reference" in failures(captured.err)[0]["error"]
    assert read_lines(captured.out, "cutover_record") == [] and not path.exists(), "nothing half-written"


def test_an_object_json_cannot_hold_is_written_as_its_text(tmp_path, monkeypatch):
    @record_invocation
    def handler(event, context):
        return {"tags": {"b"}}

    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))
    assert handler({}, FakeContext()) == {"tags": {"b"}}
    assert read_records(path)[0]["response"] == {"tags": "{'b'}"}


def test_an_event_that_cannot_be_copied_still_reaches_the_handler(monkeypatch, capsys):
    lock = threading.Lock()
    seen = []

    @record_invocation
    def handler(event, context):
        seen.append(event)
        return "done"

    monkeypatch.setenv("CUTOVER_RECORD", "log")
    event = {"lock": lock}
    assert handler(event, FakeContext()) == "done"
    assert seen == [event] and seen[0]["lock"] is lock
    assert "lock" in failures(capsys.readouterr().err)[0]["error"]


def test_an_entity_finder_that_raises_is_a_recording_failure_only(tmp_path, monkeypatch, capsys):
    def entity(event, response):
        raise KeyError("cluster_id")

    @record_invocation(entity=entity)
    def handler(event, context):
        return 7

    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(tmp_path / "records.jsonl"))
    assert handler({}, FakeContext()) == 7
    assert failures(capsys.readouterr().err)[0]["error"] == "KeyError: 'cluster_id'"
