"""Record the project's corpus: run the traffic scenario through the Python functions.

    python legacy-python/tools/record_corpus.py --out events/corpus.jsonl

What happens:

1. a fresh moto server starts on a free 127.0.0.1 port and the platform's tables, roles
   and buckets are created in it (`tools.local_stack`);
2. the scenario in `tools/scenario.py` sends its requests, one after another, to the real
   handlers imported in this process, with the recorder on (`CUTOVER_RECORD_FILE` points
   at a temporary file) and `AWS_LAMBDA_FUNCTION_NAME` set to the function being called;
3. every record gets the `scenario` step and the `entity` (cluster id) it touched, its
   `id` is renumbered `r000001`, `r000002`, ... in invocation order, and the corpus is
   written atomically (temporary file in the same folder, then rename) to `--out`;
4. moto stops.

The inputs are deterministic (fixed request ids, a synthetic timeline for
`requestTimeEpoch` and EventBridge `time`, a fixed seed for the little randomness there
is), so two runs send the same requests in the same order. What the platform generates
(cluster ids, timestamps, pipeline execution ids, paging tokens) differs between runs,
and later steps use what earlier steps returned.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

LEGACY_PYTHON = Path(__file__).resolve().parents[1]
if str(LEGACY_PYTHON) not in sys.path:
    sys.path.insert(0, str(LEGACY_PYTHON))

from tools import event_builders  # noqa: E402
from tools.scenario import ScenarioError  # noqa: E402

# The scenario's own clock: 2026-03-02T08:00:00Z, and every invocation happens
# STEP_MS after the one before, so `requestTimeEpoch` and EventBridge `time` are the same
# in every run.
TIMELINE_START_MS = 1_772_438_400_000
STEP_MS = 1_250
REQUEST_ID_NAMESPACE = uuid.UUID("6f1c3a52-3b0e-4f43-9a43-4c7f0e6d2b11")
REGION = "eu-west-1"
ACCOUNT = "123456789012"

# API Gateway routes and the function the API maps each to.
ROUTE_FUNCTIONS: dict[tuple[str, str], str] = {
    ("POST", "/clusters/validate"): "validate-cluster-spec",
    ("POST", "/clusters"): "create-cluster",
    ("GET", "/clusters/{cluster_id}"): "get-cluster",
    ("GET", "/clusters"): "list-clusters",
    ("DELETE", "/clusters/{cluster_id}"): "decommission-cluster",
    ("POST", "/clusters/{cluster_id}/compliance"): "check-compliance",
    ("GET", "/clusters/{cluster_id}/events"): "get-cluster-events",
}
PIPELINE_STATUS_FUNCTION = "pipeline-status"


@dataclass(frozen=True)
class ApiResponse:
    """What a handler answered to an API Gateway proxy event."""

    status: int
    headers: dict[str, Any]
    body: str
    raw: Any

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (TypeError, ValueError) as error:
            raise ScenarioError(f"response body is not JSON: {self.body[:200]!r}") from error


@dataclass
class Invocation:
    """One call the scenario made, in order; matched to the record the recorder wrote."""

    scenario: str
    entity: str | None
    request_id: str


class Traffic:
    """Sends the scenario's events to the handlers, in-process, with the recorder on."""

    def __init__(self) -> None:
        self.invocations: list[Invocation] = []
        self._handlers: dict[str, Callable[[dict, Any], Any]] = {}
        self._sequence = 0

    # The synthetic timeline -------------------------------------------------------

    def _next_tick(self) -> tuple[int, str]:
        self._sequence += 1
        epoch_ms = TIMELINE_START_MS + self._sequence * STEP_MS
        request_id = str(uuid.uuid5(REQUEST_ID_NAMESPACE, f"request-{self._sequence}"))
        return epoch_ms, request_id

    # Calls ------------------------------------------------------------------------

    def api(
        self,
        scenario: str,
        method: str,
        resource: str,
        path: str,
        *,
        entity: str | None = None,
        function: str | None = None,
        path_parameters: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
        multi_query: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
        body: str | None = None,
        json_body: Any = None,
        is_base64: bool = False,
    ) -> ApiResponse:
        """Send one API Gateway REST proxy event and return the handler's answer.

        `function` overrides the route table, for events the API would send to a function
        that does not serve their route (unknown routes and methods).
        """
        function = function or ROUTE_FUNCTIONS.get((method, resource))
        if function is None:
            raise ScenarioError(f"{scenario}: no function serves {method} {resource}; pass function=")
        if json_body is not None:
            body = json.dumps(json_body)
        # API Gateway adds its own headers (Host, X-Forwarded-*, ...); the client sends these.
        all_headers: dict[str, Any] = {"Content-Type": "application/json"} if body is not None else {}
        all_headers.update(headers or {})
        epoch_ms, request_id = self._next_tick()
        event = event_builders.apigw_rest_event(
            method,
            resource,
            path,
            path_parameters=path_parameters,
            query=query,
            multi_query=multi_query,
            headers=all_headers,
            body=body,
            is_base64=is_base64,
            request_id=request_id,
            request_time_epoch_ms=epoch_ms,
        )
        raw = self._invoke(function, event, request_id, scenario, entity)
        if not isinstance(raw, dict) or not isinstance(raw.get("statusCode"), int):
            raise ScenarioError(f"{scenario}: {function} did not answer an API Gateway response: {raw!r:.200}")
        return ApiResponse(raw["statusCode"], raw.get("headers") or {}, raw.get("body") or "", raw)

    def pipeline_event(
        self,
        scenario: str,
        pipeline: str,
        execution_id: str,
        state: str,
        *,
        entity: str | None = None,
        tamper: Callable[[dict], Any] | None = None,
    ) -> Any:
        """Send one EventBridge CodePipeline execution state change to pipeline-status.

        `tamper` changes the built event in place, for malformed events."""
        epoch_ms, request_id = self._next_tick()
        event_time = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_ms // 1000))
        event = event_builders.pipeline_state_change_event(
            pipeline,
            execution_id,
            state,
            event_id=request_id,
            time=event_time,
            region=REGION,
            account=ACCOUNT,
        )
        if tamper is not None:
            tamper(event)
        return self._invoke(PIPELINE_STATUS_FUNCTION, event, request_id, scenario, entity)

    # Plumbing ---------------------------------------------------------------------

    def _handler(self, function: str) -> Callable[[dict, Any], Any]:
        if function not in self._handlers:
            module = importlib.import_module(f"{function.replace('-', '_')}.app")
            self._handlers[function] = module.handler
        return self._handlers[function]

    def _invoke(self, function: str, event: dict, request_id: str, scenario: str, entity: str | None) -> Any:
        from awslambdaric.lambda_context import LambdaContext

        os.environ["AWS_LAMBDA_FUNCTION_NAME"] = function
        os.environ["AWS_LAMBDA_LOG_GROUP_NAME"] = f"/aws/lambda/{function}"
        handler = self._handler(function)
        context = LambdaContext(
            request_id,
            None,
            None,
            int(time.time() * 1000) + 30_000,
            invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}",
        )
        self.invocations.append(Invocation(scenario, entity, request_id))
        try:
            return handler(event, context)
        except Exception:  # noqa: BLE001 - Lambda reports it; the recorder has written it down.
            return None


def _lambda_environment(resources: dict[str, str]) -> dict[str, str]:
    """What Lambda would set for a function, plus the platform's resources (which carry the
    moto endpoint and placeholder credentials)."""
    return {
        **resources,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        # The handlers log every request at INFO; the corpus is the record, not the logs.
        "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
    }


@contextlib.contextmanager
def _patched_environ(values: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def label_records(raw_lines: list[str], invocations: list[Invocation]) -> list[dict[str, Any]]:
    """Number the recorder's records and add the scenario step and entity of each."""
    if len(raw_lines) != len(invocations):
        raise ScenarioError(
            f"the recorder wrote {len(raw_lines)} records for {len(invocations)} invocations; "
            "every invocation must produce exactly one record"
        )
    records = []
    for number, (line, invocation) in enumerate(zip(raw_lines, invocations), start=1):
        record = json.loads(line)
        if record.get("id") != invocation.request_id:
            raise ScenarioError(
                f"record {number} has request id {record.get('id')!r}, expected {invocation.request_id!r} "
                f"({invocation.scenario}): records and invocations are out of step"
            )
        record["id"] = f"r{number:06d}"
        record["scenario"] = invocation.scenario
        # The recorder finds the entity in the path, the pipeline name or a 201 answer;
        # the scenario knows it for the rest (idempotent replays, for one).
        entity = record.get("entity") or invocation.entity
        if entity is not None:
            record["entity"] = entity
        records.append(record)
    return records


def write_atomically(out: Path, records: list[dict[str, Any]]) -> None:
    """Write JSON Lines to a temporary file next to `out`, then rename it over `out`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as stream:
            for record in records:
                stream.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
                stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it private; the corpus is for everyone
        os.replace(temporary, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def record_corpus(out: Path) -> int:
    """Run the whole scenario against a fresh moto server and write the corpus to `out`."""
    from tools import local_stack, scenario  # local_stack needs boto3; imported when used

    with tempfile.TemporaryDirectory(prefix="cutover-corpus-") as scratch:
        record_file = Path(scratch) / "records.jsonl"
        record_file.touch()
        with local_stack.MotoServer() as moto:
            resources = local_stack.create_platform_resources(moto.endpoint)
            environment = {**_lambda_environment(resources), "CUTOVER_RECORD_FILE": str(record_file)}
            with _patched_environ(environment):
                traffic = Traffic()
                scenario.run(traffic)
        raw_lines = [line for line in record_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    records = label_records(raw_lines, traffic.invocations)
    write_atomically(out, records)
    return len(records)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="record_corpus.py", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="where to write the corpus (JSON Lines)")
    arguments = parser.parse_args(argv)
    started = time.monotonic()
    try:
        count = record_corpus(arguments.out)
    except (ScenarioError, RuntimeError, OSError) as error:
        print(f"record_corpus: error: {error}", file=sys.stderr)
        return 1
    print(f"record_corpus: wrote {count} records to {arguments.out} in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
