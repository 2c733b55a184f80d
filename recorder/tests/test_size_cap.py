"""The size cap of a log line: split into parts that join back to the exact record, or
truncated when asked; never dropped without a word."""

from __future__ import annotations

import json

import pytest
from conftest import FakeContext, read_lines, read_records, rest_event

from cutover_recorder import DEFAULT_MAX_LINE_BYTES, join_parts, record_invocation, split_lines


@record_invocation
def echo(event, context):
    return {"statusCode": 200, "body": event["body"]}


def big_body(size: int) -> dict:
    # Quotes, backslashes and non-ASCII text all take more than one byte in a log line.
    line = 'he said "hi" \\ back-slash, naïve café ✓ \n\t'
    return {"text": (line * (size // len(line) + 1))[:size]}


def test_the_default_cap_is_one_cloudwatch_event_less_its_overhead():
    assert DEFAULT_MAX_LINE_BYTES == 262_144 - 26


def test_a_record_over_the_cap_is_split_into_parts_that_join_back_exactly(tmp_path, monkeypatch, capsys):
    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))
    monkeypatch.setenv("CUTOVER_RECORD", "log")
    echo(rest_event(body=big_body(300_000)), FakeContext(aws_request_id="req-big"))
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]

    assert len(lines) >= 3, "event and answer each carry the body: over two events' worth"
    assert all(len(line.encode("utf-8")) <= DEFAULT_MAX_LINE_BYTES for line in lines)
    parts = [json.loads(line)["cutover_record_part"] for line in lines]
    assert [part["index"] for part in parts] == list(range(len(parts)))
    assert {part["count"] for part in parts} == {len(parts)} and {part["id"] for part in parts} == {"req-big"}
    assert {part["schema"] for part in parts} == {"cutover.record-part/v1"}
    # The file holds the whole record; the parts join back to it, and in any order.
    (whole,) = read_records(path)
    assert join_parts(parts) == whole
    assert join_parts(list(reversed(parts))) == whole


@pytest.mark.parametrize("max_line_bytes", [1024, 1500, 4096])
def test_every_part_fits_and_the_chunks_are_the_record_text(max_line_bytes):
    text = json.dumps({"id": "r", "event": big_body(20_000), "tricky": '\\"' * 3000})
    lines = split_lines("r", text, max_line_bytes)
    assert all(len(line) <= max_line_bytes for line in lines)
    assert max(len(line) for line in lines) > max_line_bytes - 10, "parts are filled, not wasted"
    parts = [json.loads(line)["cutover_record_part"] for line in lines]
    assert "".join(part["chunk"] for part in parts) == text


def test_a_missing_or_altered_part_does_not_join():
    text = json.dumps({"id": "r", "event": big_body(5_000)})
    parts = [json.loads(line)["cutover_record_part"] for line in split_lines("r", text, 1024)]
    with pytest.raises(ValueError, match="parts"):
        join_parts(parts[:-1])
    altered = [dict(part) for part in parts]
    altered[1]["chunk"] = altered[1]["chunk"][::-1]
    with pytest.raises(ValueError, match="sha256"):
        join_parts(altered)


def test_a_record_under_the_cap_is_one_line(monkeypatch, capsys):
    monkeypatch.setenv("CUTOVER_RECORD", "log")
    monkeypatch.setenv("CUTOVER_RECORD_MAX_BYTES", "4096")
    echo(rest_event(body=big_body(500)), FakeContext())
    out = capsys.readouterr().out
    assert len(read_lines(out, "cutover_record")) == 1 and "cutover_record_part" not in out


def test_truncation_mode_drops_the_answer_then_the_event_and_says_so(monkeypatch, capsys):
    monkeypatch.setenv("CUTOVER_RECORD", "log")
    monkeypatch.setenv("CUTOVER_RECORD_OVERSIZE", "truncate")
    monkeypatch.setenv("CUTOVER_RECORD_MAX_BYTES", "8192")

    @record_invocation
    def small_answer(event, context):
        return {"statusCode": 200, "body": "x" * 9000}

    small_answer(rest_event(body="{}"), FakeContext(aws_request_id="req-answer"))
    echo(rest_event(body=big_body(20_000)), FakeContext(aws_request_id="req-both"))
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert all(len(line) <= 8192 for line in lines)
    answer_only, both = [json.loads(line)["cutover_record"] for line in lines]
    assert answer_only["response"] is None and answer_only["event"]["httpMethod"] == "POST"
    assert answer_only["truncated"]["fields"] == ["response"] and answer_only["truncated"]["bytes"] > 8192
    assert both["response"] is None and both["event"] is None
    assert both["truncated"]["fields"] == ["response", "event"] and both["id"] == "req-both"


def test_a_huge_error_message_is_shortened_in_truncation_mode(monkeypatch, capsys):
    monkeypatch.setenv("CUTOVER_RECORD", "log")
    monkeypatch.setenv("CUTOVER_RECORD_OVERSIZE", "truncate")
    monkeypatch.setenv("CUTOVER_RECORD_MAX_BYTES", "2048")

    @record_invocation
    def shouting(event, context):
        raise ValueError('"bad" ' * 2000)

    with pytest.raises(ValueError):
        shouting({"body": "y" * 3000}, FakeContext())
    (line,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    record = json.loads(line)["cutover_record"]
    assert len(line) <= 2048
    assert record["truncated"]["fields"] == ["event", "error.errorMessage"]
    assert record["error"]["errorType"] == "ValueError" and record["error"]["errorMessage"].startswith('"bad"')


def test_a_cap_too_small_for_any_part_is_a_counted_failure(monkeypatch, capsys):
    monkeypatch.setenv("CUTOVER_RECORD", "log")
    monkeypatch.setenv("CUTOVER_RECORD_MAX_BYTES", "100")
    assert echo(rest_event(body="{}"), FakeContext()) == {"statusCode": 200, "body": "{}"}
    (failure,) = read_lines(capsys.readouterr().err, "cutover_recorder_failure")
    assert "CUTOVER_RECORD_MAX_BYTES" in failure["error"]
