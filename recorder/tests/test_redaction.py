"""Redaction: every documented secret header (by name and by word), the request context,
and the JSON paths a team configures, in the event and in its JSON body."""

from __future__ import annotations

import base64
import json

import pytest
from conftest import FakeContext, read_lines, read_records, rest_event

from cutover_recorder import parse_paths, record_invocation, redact_event

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
    return rest_event("GET", "/orders", "/orders", headers={name: value, "Accept": "text/plain"})


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
    event = rest_event("GET", "/orders", "/orders", headers={"Cookie": "a=b"})
    event["requestContext"]["identity"]["apiKey"] = "live-key"
    event["requestContext"]["authorizer"] = {"principalId": "user-1", "claims": {"sub": "x"}}
    redacted = redact_event(event)
    assert redacted["requestContext"]["identity"]["apiKey"] == "[REDACTED]"
    assert redacted["requestContext"]["authorizer"] == {"principalId": "[REDACTED]", "claims": "[REDACTED]"}
    assert redacted["headers"]["Cookie"] == "[REDACTED]"
    assert event["headers"]["Cookie"] == "a=b" and event["requestContext"]["identity"]["apiKey"] == "live-key"


def test_secrets_are_redacted_before_anything_is_written(tmp_path, monkeypatch, capsys):
    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))
    monkeypatch.setenv("CUTOVER_RECORD", "log")

    @record_invocation
    def handler(event, context):
        return {"statusCode": 200, "body": "{}"}

    handler(rest_event(headers={"Authorization": "Bearer abc.def", "X-Db-Password": "pw-1"}), FakeContext())
    for text in (path.read_text(), capsys.readouterr().out):
        assert "abc.def" not in text and "pw-1" not in text and "[REDACTED]" in text


def test_body_paths_are_redacted_in_the_json_body_and_in_the_event(tmp_path, monkeypatch):
    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))
    monkeypatch.setenv("CUTOVER_RECORD_REDACT_PATHS", "$.password, $.card.number,$.items[*].coupon,$.detail.token")
    received = []

    @record_invocation
    def handler(event, context):
        received.append(json.loads(event["body"]) if "body" in event else event)
        return {"statusCode": 200, "body": "{}"}

    body = {"user": "ada", "password": "hunter2", "card": {"number": "4111111111111111", "expiry": "12/30"},
            "items": [{"sku": "tea", "coupon": "FREE-TEA"}, {"sku": "cup"}], "note": None}
    handler(rest_event(body=body), FakeContext())
    handler({"detail-type": "Payment", "source": "shop", "detail": {"token": "tok-9", "amount": 3}}, FakeContext())

    api, scheduled = read_records(path)
    recorded_body = json.loads(api["event"]["body"])
    assert recorded_body == {"user": "ada", "password": "[REDACTED]", "card": {"number": "[REDACTED]", "expiry": "12/30"},
                             "items": [{"sku": "tea", "coupon": "[REDACTED]"}, {"sku": "cup"}], "note": None}
    assert scheduled["event"]["detail"] == {"token": "[REDACTED]", "amount": 3}
    assert "hunter2" not in path.read_text() and "4111111111111111" not in path.read_text()
    assert received[0]["password"] == "hunter2", "the handler got its event unredacted"


def test_a_body_without_a_configured_path_keeps_its_exact_text(tmp_path, monkeypatch):
    path = tmp_path / "records.jsonl"
    monkeypatch.setenv("CUTOVER_RECORD_FILE", str(path))
    monkeypatch.setenv("CUTOVER_RECORD_REDACT_PATHS", "$.password")

    @record_invocation
    def handler(event, context):
        return None

    text = '{ "user" :"ada",\n "é": 1 }'
    encoded = base64.b64encode(b'{"password": "hunter2"}').decode()
    handler(rest_event(body=text), FakeContext())
    handler(dict(rest_event(body=encoded), isBase64Encoded=True), FakeContext())
    handler(rest_event(body="password=hunter2"), FakeContext())
    assert [record["event"]["body"] for record in read_records(path)] == [text, encoded, "password=hunter2"]


def test_paths_read_names_indexes_wildcards_and_quoted_keys():
    assert parse_paths("$.a.b, $.items[0].x,$.items[*].y,$['odd key'].z,$.*") == (
        ("a", "b"), ("items", 0, "x"), ("items", None, "y"), ("odd key", "z"), (None,)
    )
    event = {"items": [{"x": 1, "y": 2}, {"x": 3, "y": 4}], "odd key": {"z": 5}}
    redacted = redact_event(event, parse_paths("$.items[0].x,$.items[*].y,$['odd key'].z"))
    assert redacted == {"items": [{"x": "[REDACTED]", "y": "[REDACTED]"}, {"x": 3, "y": "[REDACTED]"}], "odd key": {"z": "[REDACTED]"}}


@pytest.mark.parametrize("text", ["password", "$", "$.", "$.a[", "$..a", "$.a b"])
def test_a_bad_path_is_refused_with_its_text(text):
    with pytest.raises(ValueError, match="redaction path"):
        parse_paths(text)


def test_a_bad_path_in_the_environment_is_a_counted_failure_not_a_broken_handler(monkeypatch, capsys):
    monkeypatch.setenv("CUTOVER_RECORD", "log")
    monkeypatch.setenv("CUTOVER_RECORD_REDACT_PATHS", "password")

    @record_invocation
    def handler(event, context):
        return {"statusCode": 200}

    assert handler(rest_event(body={"password": "hunter2"}), FakeContext()) == {"statusCode": 200}
    captured = capsys.readouterr()
    assert read_lines(captured.out, "cutover_record") == [], "an unredactable record is not written"
    (failure,) = read_lines(captured.err, "cutover_recorder_failure")
    assert "redaction path 'password'" in failure["error"]
