"""Sampling: a share of invocations by request id, and every error whatever the rate."""

from __future__ import annotations

import pytest
from conftest import FakeContext, read_lines, read_records

from cutover_recorder import record_invocation, sampled


@record_invocation
def answer(event, context):
    if event.get("fail") == "raise":
        raise RuntimeError("boom")
    if event.get("fail") == "500":
        return {"statusCode": 500, "body": "{}"}
    return {"statusCode": 200, "body": "{}"}


def run(path, monkeypatch, rate: str, events: list[dict]) -> list[dict]:
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))
    monkeypatch.setenv("CUTOVER_RECORD_SAMPLE_RATE", rate)
    for number, event in enumerate(events):
        try:
            answer(event, FakeContext(aws_request_id=f"req-{number}"))
        except RuntimeError:
            pass
    return read_records(path) if path.exists() else []


def test_rate_zero_records_only_errors(tmp_path, monkeypatch):
    events = [{}, {"fail": "raise"}, {}, {"fail": "500"}, {}]
    records = run(tmp_path / "r.jsonl", monkeypatch, "0", events)
    assert [record["id"] for record in records] == ["req-1", "req-3"]
    assert records[0]["error"]["errorType"] == "RuntimeError"
    assert records[1]["response"]["statusCode"] == 500


def test_rate_one_records_everything(tmp_path, monkeypatch):
    records = run(tmp_path / "r.jsonl", monkeypatch, "1", [{}] * 20)
    assert len(records) == 20


def test_a_rate_records_about_that_share_and_the_same_requests_each_time(tmp_path, monkeypatch):
    first = run(tmp_path / "a.jsonl", monkeypatch, "0.25", [{}] * 2000)
    second = run(tmp_path / "b.jsonl", monkeypatch, "0.25", [{}] * 2000)
    assert 400 <= len(first) <= 600, len(first)
    assert [record["id"] for record in first] == [record["id"] for record in second]
    assert all(sampled(record["id"], 0.25) for record in first)


def test_the_sample_is_decided_by_request_id():
    ids = [f"id-{number}" for number in range(1000)]
    assert not any(sampled(request_id, 0.0) for request_id in ids)
    assert all(sampled(request_id, 1.0) for request_id in ids)
    # A request in the sample at a rate stays in it at any higher rate.
    assert all(sampled(request_id, 0.6) for request_id in ids if sampled(request_id, 0.3))


@pytest.mark.parametrize("rate", ["-0.1", "1.5", "half", "nan"])
def test_a_bad_rate_is_a_counted_failure_and_the_answer_is_unchanged(rate, monkeypatch, capsys):
    monkeypatch.setenv("CUTOVER_RECORD", "log")
    monkeypatch.setenv("CUTOVER_RECORD_SAMPLE_RATE", rate)
    assert answer({}, FakeContext()) == {"statusCode": 200, "body": "{}"}
    captured = capsys.readouterr()
    assert read_lines(captured.out, "cutover_record") == []
    (failure,) = read_lines(captured.err, "cutover_recorder_failure")
    assert "CUTOVER_RECORD_SAMPLE_RATE" in failure["error"]
