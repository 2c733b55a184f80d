"""The invocation recorder: one ``cutover.record/v1`` record per Lambda invocation.

Every handler wears ``@record_invocation`` as its outermost decorator. It does nothing
unless the environment turns it on (read at each invocation):

- ``CUTOVER_RECORD_FILE=/path/file.jsonl`` appends one JSON line per invocation;
- ``CUTOVER_RECORD=log`` prints the record as one structured log line
  ``{"cutover_record": {...}}`` on stdout, where CloudWatch Logs picks it up;
- ``CUTOVER_RECORD_SCENARIO`` (optional) is copied into the record's ``scenario`` field.

Secrets are redacted before anything is written (see docs/record-format.md). The
recorder never changes the handler's answer and never swallows its exception: a failure
to record is logged and the invocation goes on.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import os
import sys
import time
import uuid
from datetime import datetime, timezone

SCHEMA = "cutover.record/v1"
REDACTED = "[REDACTED]"
REDACTED_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-amz-security-token"}
)
REDACTED_HEADER_WORDS = ("token", "secret", "password", "api-key")

log = logging.getLogger(__name__)


def _is_secret_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in REDACTED_HEADERS or any(word in lowered for word in REDACTED_HEADER_WORDS)


def redact_event(event: object) -> object:
    """A copy of ``event`` with secret headers, the API key and authorizer values replaced."""
    redacted = copy.deepcopy(event)
    if not isinstance(redacted, dict):
        return redacted
    headers = redacted.get("headers")
    if isinstance(headers, dict):
        for name in headers:
            if _is_secret_header(name):
                headers[name] = REDACTED
    multi_headers = redacted.get("multiValueHeaders")
    if isinstance(multi_headers, dict):
        for name, values in multi_headers.items():
            if _is_secret_header(name):
                multi_headers[name] = [REDACTED for _ in values] if isinstance(values, list) else REDACTED
    context = redacted.get("requestContext")
    if isinstance(context, dict):
        identity = context.get("identity")
        if isinstance(identity, dict) and identity.get("apiKey") is not None:
            identity["apiKey"] = REDACTED
        authorizer = context.get("authorizer")
        if isinstance(authorizer, dict):
            for name in authorizer:
                authorizer[name] = REDACTED
    return redacted


def event_source(event: object) -> tuple[str, str]:
    """The record's ``source`` and ``route`` for an event."""
    if isinstance(event, dict):
        if "httpMethod" in event and "requestContext" in event:
            return "apigateway-rest", f"{event.get('httpMethod')} {event.get('resource')}"
        if event.get("version") == "2.0" and "routeKey" in event:
            return "apigateway-http", str(event.get("routeKey"))
        if "detail-type" in event and "source" in event:
            return "eventbridge", str(event.get("detail-type"))
    return "other", ""


def entity_of(event: object, response: object) -> str | None:
    """The cluster id an invocation touches, when it can be told."""
    if not isinstance(event, dict):
        return None
    path_parameters = event.get("pathParameters")
    if isinstance(path_parameters, dict) and path_parameters.get("cluster_id"):
        return path_parameters["cluster_id"]
    detail = event.get("detail")
    if isinstance(detail, dict) and isinstance(detail.get("pipeline"), str) and detail["pipeline"].startswith("eks-"):
        return detail["pipeline"][len("eks-"):]
    if isinstance(response, dict) and response.get("statusCode") == 201 and isinstance(response.get("body"), str):
        try:
            body = json.loads(response["body"])
        except ValueError:
            return None
        if isinstance(body, dict) and isinstance(body.get("cluster_id"), str):
            return body["cluster_id"]
    return None


def _function_name(handler) -> str:
    return os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or handler.__module__.split(".")[0].replace("_", "-")


def _append_line(path: str, line: str) -> None:
    # One write(2) of a whole line on an O_APPEND descriptor: lines from concurrent
    # processes never interleave.
    data = (line + "\n").encode("utf-8")
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        written = os.write(descriptor, data)
    finally:
        os.close(descriptor)
    if written != len(data):
        raise OSError(f"short write to {path}: {written} of {len(data)} bytes")


def build_record(*, function: str, event: object, response: object, error: BaseException | None, started_at: datetime, duration_ms: float, request_id: str) -> dict:
    source, route = event_source(event)
    record = {
        "schema": SCHEMA,
        "id": request_id,
        "function": function,
        "source": source,
        "route": route,
        "recorded_at": started_at.isoformat(),
        "event": redact_event(event),
        "response": None if error is not None else response,
        "error": None if error is None else {"errorType": type(error).__name__, "errorMessage": str(error)},
        "duration_ms": round(duration_ms, 3),
    }
    scenario = os.environ.get("CUTOVER_RECORD_SCENARIO")
    if scenario:
        record["scenario"] = scenario
    entity = entity_of(event, response if error is None else None)
    if entity is not None:
        record["entity"] = entity
    return record


def record_invocation(handler):
    """Decorator: records each invocation of a Lambda handler when recording is on."""

    @functools.wraps(handler)
    def wrapper(event, context):
        record_file = os.environ.get("CUTOVER_RECORD_FILE")
        record_to_log = os.environ.get("CUTOVER_RECORD") == "log"
        if not record_file and not record_to_log:
            return handler(event, context)

        # The handler may change the event it is given; record it as it arrived.
        event_as_received = copy.deepcopy(event)
        started_at = datetime.now(timezone.utc)
        started = time.perf_counter()
        response = None
        failure: BaseException | None = None
        try:
            response = handler(event, context)
            return response
        except BaseException as error:
            failure = error
            raise
        finally:
            duration_ms = (time.perf_counter() - started) * 1000
            try:
                record = build_record(
                    function=_function_name(handler),
                    event=event_as_received,
                    response=response,
                    error=failure,
                    started_at=started_at,
                    duration_ms=duration_ms,
                    request_id=getattr(context, "aws_request_id", None) or str(uuid.uuid4()),
                )
                if record_file:
                    _append_line(record_file, json.dumps(record, default=str))
                if record_to_log:
                    sys.stdout.write(json.dumps({"cutover_record": record}, default=str) + "\n")
                    sys.stdout.flush()
            except Exception:  # recording must never break the function it watches
                log.exception("cutover recorder could not write the record")

    return wrapper
