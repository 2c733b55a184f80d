"""The committed corpus (events/corpus.jsonl): format, coverage, redaction, determinism.

All tests but the last read the committed file only (no moto). The last one regenerates
the corpus into a temporary file with record_corpus.py (moto server in a subprocess) and
checks the same requests got the same kinds of answers.
"""

from __future__ import annotations

import ast
import base64
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

LEGACY_PYTHON = Path(__file__).resolve().parents[1]
REPO = LEGACY_PYTHON.parent
CORPUS = REPO / "events" / "corpus.jsonl"
if str(LEGACY_PYTHON) not in sys.path:
    sys.path.insert(0, str(LEGACY_PYTHON))

from tools import corpus_stats, scenario  # noqa: E402

PIPELINE_ROUTE = "CodePipeline Pipeline Execution State Change"
ROUTES = {
    "POST /clusters/validate": "validate-cluster-spec",
    "POST /clusters": "create-cluster",
    "GET /clusters/{cluster_id}": "get-cluster",
    "GET /clusters": "list-clusters",
    "DELETE /clusters/{cluster_id}": "decommission-cluster",
    "POST /clusters/{cluster_id}/compliance": "check-compliance",
    "GET /clusters/{cluster_id}/events": "get-cluster-events",
    PIPELINE_ROUTE: "pipeline-status",
}


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return [located.record for located in corpus_stats.read_corpus(CORPUS)]


def body_of(record: dict):
    response = record["response"]
    if not isinstance(response, dict) or not isinstance(response.get("body"), str):
        return None
    try:
        return json.loads(response["body"])
    except ValueError:
        return None


def by_scenario(records: list[dict]) -> dict[str, dict]:
    return {record["scenario"]: record for record in records}


def defined_violation_codes() -> set[str]:
    """Every code the platform can report: the first argument of each `violation("...")`
    call in the shared package, found by reading its source."""
    codes = set()
    for source in (LEGACY_PYTHON / "cluster_platform").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "violation"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                codes.add(node.args[0].value)
    return codes


def test_every_record_matches_the_format_and_ids_are_sequential(records):
    # read_corpus has already checked every record against docs/record-format.md.
    assert [record["id"] for record in records] == [f"r{number:06d}" for number in range(1, len(records) + 1)]
    assert all(record["scenario"] for record in records)
    assert len({record["scenario"] for record in records}) == len(records), "scenario steps must be unique"


def test_at_least_400_records(records):
    assert len(records) >= 400


def test_every_route_is_present_and_served_by_its_function(records):
    routes = Counter(record["route"] for record in records)
    for route, function in ROUTES.items():
        assert routes[route] >= 5, f"{route} has only {routes[route]} records"
    for record in records:
        if record["route"] in ROUTES:
            assert record["function"] == ROUTES[record["route"]], record["id"]
        source = "eventbridge" if record["route"] == PIPELINE_ROUTE else "apigateway-rest"
        assert record["source"] == source, record["id"]


def test_api_events_are_rest_v1_proxy_events_on_the_synthetic_timeline(records):
    api = [record for record in records if record["source"] == "apigateway-rest"]
    times = [record["event"]["requestContext"]["requestTimeEpoch"] for record in api]
    assert times == sorted(times) and len(set(times)) == len(times)
    for record in api:
        event = record["event"]
        assert f"{event['httpMethod']} {event['resource']}" == record["route"]
        assert event["requestContext"]["requestId"]
        assert isinstance(record["response"]["statusCode"], int)


def test_the_platform_defines_at_least_20_violation_codes():
    assert len(defined_violation_codes()) >= 20


def test_every_violation_code_appears_in_a_validate_response(records):
    seen = Counter()
    for record in records:
        if record["route"] == "POST /clusters/validate":
            body = body_of(record)
            for item in (body or {}).get("violations", []):
                seen[item["code"]] += 1
    missing = defined_violation_codes() - set(seen)
    assert not missing, f"no validate response reports {sorted(missing)}"


def test_each_violation_case_reports_its_own_code(records):
    for record in records:
        step = record["scenario"]
        if not step.startswith("validate/violation/") or step.endswith("many-at-once"):
            continue
        code = step.split("/")[2]
        codes = [item["code"] for item in body_of(record)["violations"]]
        assert code in codes, f"{step} answered {codes}"
    for record in records:
        if record["scenario"].startswith("validate/valid/"):
            assert record["response"]["statusCode"] == 200
            assert body_of(record) == {"valid": True, "violations": []}, record["scenario"]


def test_secrets_never_reach_the_corpus(records):
    text = CORPUS.read_text(encoding="utf-8")
    for secret in scenario.SECRET_VALUES:
        assert secret not in text
        assert json.dumps(secret)[1:-1] not in text
    redacted_names = {"authorization", "cookie", "x-api-key", "x-amz-security-token", "proxy-authorization", "x-portal-refresh-token"}
    seen = set()
    for record in records:
        event = record["event"]
        for name, value in (event.get("headers") or {}).items():
            if name.lower() in redacted_names:
                assert value == "[REDACTED]", (record["id"], name)
                seen.add(name.lower())
        for name, values in (event.get("multiValueHeaders") or {}).items():
            if name.lower() in redacted_names:
                assert set(values) == {"[REDACTED]"}, (record["id"], name)
    assert seen == redacted_names


def test_lifecycles_cover_every_environment_and_outcome(records):
    steps = by_scenario(records)
    creates = [record for record in records if record["scenario"].startswith("lifecycle/") and record["scenario"].endswith("/create")]
    environments = {body_of(record)["environment"] for record in creates}
    types = {body_of(record)["cluster_type"] for record in creates}
    assert environments == {"dev", "staging", "prod"} and types == {"general", "compute", "memory"}
    assert all(record["response"]["statusCode"] == 201 and record["entity"] == body_of(record)["cluster_id"] for record in creates)

    pipeline = [record for record in records if record["route"] == PIPELINE_ROUTE and record["response"]]
    results = Counter((record["event"]["detail"]["state"], record["response"]["result"]) for record in pipeline if isinstance(record["event"].get("detail"), dict) and "state" in record["event"]["detail"])
    assert results[("STARTED", "changed")] and results[("SUCCEEDED", "changed")] and results[("FAILED", "changed")]
    # Repeated and late events are in the corpus and never move a cluster backwards.
    assert results[("STARTED", "unchanged")] >= 3 and results[("SUCCEEDED", "unchanged")] >= 2
    for record in pipeline:
        if record["response"].get("result") == "unchanged":
            assert record["response"]["status"] in ("PROVISIONING", "ACTIVE", "FAILED", "DECOMMISSIONING")

    statuses = Counter(record["response"]["statusCode"] for record in records if record["scenario"].endswith("/decommission"))
    assert statuses[202] >= 10
    again = [record for record in records if record["scenario"].endswith("/decommission-again")]
    assert again and all(record["response"]["statusCode"] == 409 for record in again)
    assert steps["list/status-active"]["response"]["statusCode"] == 200 and body_of(steps["list/status-active"])["clusters"]
    assert body_of(steps["list/status-failed"])["clusters"]


def test_paging_follows_next_token(records):
    steps = by_scenario(records)
    for prefix in ("list/all-by-5", "lifecycle/prod-general-1/events"):
        pages = [steps[f"{prefix}/page-{number}"] for number in range(1, 20) if f"{prefix}/page-{number}" in steps]
        assert len(pages) >= 3, prefix
        for before, after in zip(pages, pages[1:]):
            token = body_of(before)["next_token"]
            assert token and after["event"]["queryStringParameters"]["next_token"] == token
        assert body_of(pages[-1]).get("next_token") is None


def test_bad_input_is_in_the_corpus(records):
    steps = by_scenario(records)
    for route in ("validate", "create"):
        assert steps[f"bad-input/{route}/invalid-json-text"]["response"]["statusCode"] == 400
        assert steps[f"bad-input/{route}/missing-body"]["event"]["body"] is None
        assert steps[f"bad-input/{route}/nulls"]["response"]["statusCode"] == 400
        assert steps[f"bad-input/{route}/wrong-types"]["response"]["statusCode"] == 400
        assert "1e+308" in steps[f"bad-input/{route}/huge-float"]["event"]["body"]
        assert str(2**70) in steps[f"bad-input/{route}/huge-integer"]["event"]["body"]
        assert "🚀" in json.loads(steps[f"bad-input/{route}/emoji-name"]["event"]["body"])["name"]
        assert "支付集群" in steps[f"bad-input/{route}/unicode-name-raw-utf8"]["event"]["body"]
    unknown = [record for record in records if record["scenario"].startswith("bad-input/unknown-id/")]
    assert len(unknown) >= 12 and all(record["response"]["statusCode"] == 404 for record in unknown)
    assert steps["bad-input/list/limit-zero"]["response"]["statusCode"] == 400
    assert steps["bad-input/list/next-token-garbage"]["response"]["statusCode"] == 400
    raised = [record for record in records if record["error"] is not None]
    assert raised and all(record["response"] is None for record in raised)


def test_base64_bodies_are_present_and_decoded_by_the_handlers(records):
    encoded = [record for record in records if record["source"] == "apigateway-rest" and record["event"]["isBase64Encoded"]]
    assert len(encoded) >= 5
    created = by_scenario(records)["bad-input/create/base64-encoded-spec"]
    assert created["event"]["isBase64Encoded"] is True
    spec = json.loads(base64.b64decode(created["event"]["body"]))
    assert created["response"]["statusCode"] == 201
    assert body_of(created)["name"] == spec["name"]


def test_one_megabyte_body_is_present_once(records):
    big = [record for record in records if len(record["event"].get("body") or "") >= 1_000_000]
    assert len(big) == 1
    assert big[0]["response"]["statusCode"] == 200


def test_idempotency_key_replays_the_first_answer(records):
    steps = by_scenario(records)
    first = steps["idempotency/first"]
    assert first["response"]["statusCode"] == 201
    for replay in ("idempotency/replay-1", "idempotency/replay-2"):
        assert steps[replay]["response"]["statusCode"] == 201
        assert steps[replay]["response"]["body"] == first["response"]["body"]
        assert steps[replay]["response"]["multiValueHeaders"]["Idempotent-Replayed"] == ["true"]
    assert steps["idempotency/same-key-other-body"]["response"]["statusCode"] == 422
    listed = body_of(steps["idempotency/list-shows-one"])["clusters"]
    assert [cluster["cluster_id"] for cluster in listed] == [body_of(first)["cluster_id"]]


def route_and_outcome_sequence(path: Path) -> list[tuple[str, str, str]]:
    return [
        (located.record["scenario"], located.record["route"], corpus_stats.outcome(located.record))
        for located in corpus_stats.read_corpus(path)
    ]


def test_regeneration_reproduces_the_committed_sequence(tmp_path: Path):
    """Runs the whole scenario against a fresh moto server (about 10 s)."""
    out = tmp_path / "corpus.jsonl"
    result = subprocess.run(
        [sys.executable, str(LEGACY_PYTHON / "tools" / "record_corpus.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    regenerated = route_and_outcome_sequence(out)
    committed = route_and_outcome_sequence(CORPUS)
    assert len(regenerated) == len(committed)
    assert regenerated == committed


def test_events_readme_shows_the_current_counts():
    readme = (REPO / "events" / "README.md").read_text(encoding="utf-8")
    table = corpus_stats.render_table(corpus_stats.compute_stats([CORPUS]))
    assert table in readme, "events/README.md is stale: paste the output of `make corpus-stats`"


def test_label_records_numbers_and_refuses_records_out_of_step(tmp_path: Path):
    from tools import record_corpus

    line = json.dumps({"schema": "cutover.record/v1", "id": "req-1", "entity": "c-1"})
    invocations = [record_corpus.Invocation("step/one", None, "req-1")]
    [labelled] = record_corpus.label_records([line], invocations)
    assert (labelled["id"], labelled["scenario"], labelled["entity"]) == ("r000001", "step/one", "c-1")

    with pytest.raises(scenario.ScenarioError, match="wrote 1 records for 2 invocations"):
        record_corpus.label_records([line], invocations * 2)
    with pytest.raises(scenario.ScenarioError, match="out of step"):
        record_corpus.label_records([line], [record_corpus.Invocation("step/one", None, "req-2")])

    out = tmp_path / "nested" / "corpus.jsonl"
    record_corpus.write_atomically(out, [labelled, {**labelled, "id": "r000002"}])
    assert [json.loads(text)["id"] for text in out.read_text(encoding="utf-8").splitlines()] == ["r000001", "r000002"]
    assert [path.name for path in out.parent.iterdir()] == ["corpus.jsonl"]
