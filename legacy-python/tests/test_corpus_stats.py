"""corpus_stats: counts on a small hand-written fixture, and clear errors on bad records."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

LEGACY_PYTHON = Path(__file__).resolve().parents[1]
if str(LEGACY_PYTHON) not in sys.path:
    sys.path.insert(0, str(LEGACY_PYTHON))

from tools import corpus_stats  # noqa: E402

SCRIPT = LEGACY_PYTHON / "tools" / "corpus_stats.py"


def make_record(number: int, route: str, status: int | None, *, error_type: str | None = None, **overrides):
    source = "eventbridge" if not route.startswith(("GET ", "POST ", "DELETE ", "PUT ", "PATCH ")) else "apigateway-rest"
    record = {
        "schema": "cutover.record/v1",
        "id": f"r{number:06d}",
        "function": "some-function",
        "source": source,
        "route": route,
        "recorded_at": "2026-01-01T00:00:00.000000+00:00",
        "event": {"path": "/x"},
        "response": None if status is None else {"statusCode": status, "headers": {}, "body": "{}"},
        "error": None,
        "duration_ms": 1.5,
    }
    if error_type is not None:
        record["response"] = None
        record["error"] = {"errorType": error_type, "errorMessage": "boom"}
    if source == "eventbridge" and error_type is None:
        record["response"] = {"cluster_id": "c-1", "applied": True}
    record.update(overrides)
    return record


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


@pytest.fixture
def fixture_corpus(tmp_path: Path) -> Path:
    records = [
        make_record(1, "POST /clusters", 201),
        make_record(2, "POST /clusters", 201),
        make_record(3, "POST /clusters", 400),
        make_record(4, "GET /clusters/{cluster_id}", 404),
        make_record(5, "GET /clusters/{cluster_id}", 200),
        make_record(6, "GET /clusters/{cluster_id}", 200),
        make_record(7, "CodePipeline Pipeline Execution State Change", None),
        make_record(8, "CodePipeline Pipeline Execution State Change", None, error_type="ValueError"),
        make_record(9, "CodePipeline Pipeline Execution State Change", None, error_type="ValueError"),
        make_record(10, "CodePipeline Pipeline Execution State Change", None, error_type="KeyError"),
    ]
    return write_jsonl(tmp_path / "fixture.jsonl", records)


def test_counts_per_route_status_and_error_type(fixture_corpus: Path):
    stats = corpus_stats.compute_stats([fixture_corpus])
    rows = {(row.route, row.status, row.error_type): row.count for row in stats.rows}
    assert rows == {
        ("POST /clusters", "201", ""): 2,
        ("POST /clusters", "400", ""): 1,
        ("GET /clusters/{cluster_id}", "200", ""): 2,
        ("GET /clusters/{cluster_id}", "404", ""): 1,
        ("CodePipeline Pipeline Execution State Change", "returned", ""): 1,
        ("CodePipeline Pipeline Execution State Change", "raised", "ValueError"): 2,
        ("CodePipeline Pipeline Execution State Change", "raised", "KeyError"): 1,
    }
    assert stats.total == 10
    assert stats.per_route == {
        "CodePipeline Pipeline Execution State Change": 4,
        "GET /clusters/{cluster_id}": 3,
        "POST /clusters": 3,
    }
    assert stats.per_status == {"200": 2, "201": 2, "400": 1, "404": 1, "raised": 3, "returned": 1}


def test_json_array_corpus_counts_like_jsonl(tmp_path: Path):
    records = [make_record(1, "GET /clusters", 200), make_record(2, "GET /clusters", 400)]
    array_path = tmp_path / "corpus.json"
    array_path.write_text(json.dumps(records), encoding="utf-8")
    stats = corpus_stats.compute_stats([array_path])
    assert stats.total == 2
    assert stats.per_status == {"200": 1, "400": 1}


def test_several_files_are_added_up(fixture_corpus: Path, tmp_path: Path):
    other = write_jsonl(tmp_path / "other.jsonl", [make_record(1, "POST /clusters", 201)])
    stats = corpus_stats.compute_stats([fixture_corpus, other])
    assert stats.total == 11
    assert stats.per_route["POST /clusters"] == 4


def test_cli_table_and_json(fixture_corpus: Path):
    table = subprocess.run(
        [sys.executable, str(SCRIPT), str(fixture_corpus)], capture_output=True, text=True, check=True
    ).stdout
    assert "| POST /clusters" in table
    assert "| total" in table
    total_line = next(line for line in table.splitlines() if line.startswith("| total"))
    assert total_line.rstrip(" |").endswith("10")

    as_json = subprocess.run(
        [sys.executable, str(SCRIPT), "--format", "json", str(fixture_corpus)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    parsed = json.loads(as_json)
    assert parsed["total"] == 10
    assert parsed["per_status"]["raised"] == 3
    assert {"route": "POST /clusters", "status": "400", "error_type": "", "count": 1} in parsed["rows"]


def run_cli(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), str(path)], capture_output=True, text=True)


def test_malformed_json_line_is_named_by_line_number(tmp_path: Path):
    path = tmp_path / "broken.jsonl"
    good = json.dumps(make_record(1, "GET /clusters", 200))
    path.write_text(f"{good}\n{good.replace('r000001', 'r000002')}\n{{not json\n", encoding="utf-8")
    result = run_cli(path)
    assert result.returncode == 2
    assert f"{path}:3:" in result.stderr
    assert "not valid JSON" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"schema": "cutover.record/v2"}, "field `schema`"),
        ({"event": "not an object"}, "field `event`: expected object, found string"),
        ({"duration_ms": "12"}, "field `duration_ms`: expected number"),
        ({"duration_ms": -1}, "field `duration_ms`"),
        ({"recorded_at": "2026-01-01T00:00:00"}, "without an offset"),
        ({"source": "sqs"}, "field `source`"),
        ({"error": {"errorType": "X"}}, "field `error.errorMessage`"),
        ({"response": {"statusCode": "200"}}, "field `response.statusCode`"),
    ],
)
def test_wrong_schema_is_named_by_line_and_field(tmp_path: Path, change: dict, expected: str):
    bad = make_record(2, "GET /clusters", 200)
    bad.update(change)
    path = write_jsonl(tmp_path / "bad.jsonl", [make_record(1, "GET /clusters", 200), bad])
    result = run_cli(path)
    assert result.returncode == 2
    assert f"{path}:2:" in result.stderr
    assert expected in result.stderr


def test_missing_field_and_duplicate_id_are_rejected(tmp_path: Path):
    missing = make_record(2, "GET /clusters", 200)
    del missing["function"]
    with pytest.raises(corpus_stats.CorpusError, match=r":2: field `function` is missing"):
        list(corpus_stats.read_corpus(write_jsonl(tmp_path / "a.jsonl", [make_record(1, "GET /clusters", 200), missing])))

    duplicate = write_jsonl(tmp_path / "b.jsonl", [make_record(1, "GET /clusters", 200)] * 2)
    with pytest.raises(corpus_stats.CorpusError, match=r":2: field `id`: 'r000001' already used on line 1"):
        list(corpus_stats.read_corpus(duplicate))


def test_missing_file_is_a_clear_error(tmp_path: Path):
    result = run_cli(tmp_path / "absent.jsonl")
    assert result.returncode == 2
    assert "absent.jsonl" in result.stderr
    assert "cannot read" in result.stderr
