"""The decorator, and the one invocation path it shares with the powertools middleware.

The handler's answer and exception pass through untouched, whatever happens to the
record: every step of recording runs inside a guard, and a failure only adds one to the
sandbox's failure count and prints a ``cutover_recorder_failure`` line on stderr (which
Lambda sends to CloudWatch Logs too), so a broken recorder shows in the logs instead of
in the function's answers.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import sys
import threading
import time
import uuid
import zlib
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from .output import append_line, log_lines, record_text
from .record import build_record, event_source, is_error_answer
from .redaction import redact_in_place
from .settings import Settings

FAILURE_KEY = "cutover_recorder_failure"

# Finds the entity an invocation touches (the record's optional ``entity``) from the event
# as received and the answer (None when the handler raised).
EntityFinder = Callable[[Any, Any], Optional[str]]


class _FailureCount:
    """Recording failures in this process (one Lambda sandbox)."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()

    def add(self) -> int:
        with self._lock:
            self._count += 1
            return self._count

    @property
    def value(self) -> int:
        return self._count


_failures = _FailureCount()


def failure_count() -> int:
    """How many invocations of this process could not be recorded."""
    return _failures.value


def _report_failure(error: BaseException, *, function: str, request_id: Optional[str]) -> None:
    count = _failures.add()
    try:
        line = json.dumps(
            {FAILURE_KEY: {"failures": count, "function": function, "id": request_id, "error": f"{type(error).__name__}: {error}"}},
            default=str,
        )
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - nowhere left to say it; the count still holds it
        pass


def sampled(request_id: str, rate: float) -> bool:
    """Whether a request is in the sample: decided by its id, so every retry of one
    request, and every function that logs it, decides alike."""
    if rate >= 1.0:
        return True
    if rate <= 0.0:
        return False
    return zlib.crc32(request_id.encode("utf-8")) / 0x1_0000_0000 < rate


def _function_name(handler: Callable) -> str:
    module = getattr(handler, "__module__", None) or "function"
    return os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or module.split(".")[0].replace("_", "-")


def invoke_recorded(handler: Callable, event: Any, context: Any, *, entity: Optional[EntityFinder] = None) -> Any:
    """Calls ``handler(event, context)`` and records the invocation when recording is on."""
    request_id = getattr(context, "aws_request_id", None) or None
    try:
        settings = Settings.from_environ()
        # The handler may change the event it is given; the record keeps it as it arrived.
        event_as_received = copy.deepcopy(event) if settings.enabled else None
    except Exception as error:  # noqa: BLE001 - recording must never break the function
        _report_failure(error, function=_function_name(handler), request_id=request_id)
        return handler(event, context)
    if not settings.enabled:
        return handler(event, context)

    started_at = datetime.now(timezone.utc)
    started = time.perf_counter()
    response = None
    failure: Optional[BaseException] = None
    try:
        response = handler(event, context)
        return response
    except BaseException as error:
        failure = error
        raise
    finally:
        duration_ms = (time.perf_counter() - started) * 1000
        try:
            _record(
                settings,
                handler=handler,
                event=event_as_received,
                response=response,
                failure=failure,
                started_at=started_at,
                duration_ms=duration_ms,
                request_id=request_id or str(uuid.uuid4()),
                entity=entity,
            )
        except Exception as error:  # noqa: BLE001 - recording must never break the function
            _report_failure(error, function=_function_name(handler), request_id=request_id)


def _record(
    settings: Settings,
    *,
    handler: Callable,
    event: Any,
    response: Any,
    failure: Optional[BaseException],
    started_at: datetime,
    duration_ms: float,
    request_id: str,
    entity: Optional[EntityFinder],
) -> None:
    # Errors are always recorded: they are what a parity run most needs to see.
    if failure is None and not is_error_answer(response) and not sampled(request_id, settings.sample_rate):
        return
    source, route = event_source(event)
    entity_id = entity(event, response if failure is None else None) if entity is not None else None
    redact_in_place(event, settings.redact_paths)
    record = build_record(
        function=_function_name(handler),
        event=event,
        source=source,
        route=route,
        response=response,
        error=failure,
        started_at=started_at,
        duration_ms=duration_ms,
        request_id=request_id,
        scenario=settings.scenario,
        entity=entity_id,
    )
    text = record_text(record)
    if settings.record_file:
        append_line(settings.record_file, text)
    if settings.log:
        lines = log_lines(record, text, max_line_bytes=settings.max_line_bytes, oversize=settings.oversize)
        sys.stdout.write("".join(line + "\n" for line in lines))
        sys.stdout.flush()


def record_invocation(handler: Optional[Callable] = None, *, entity: Optional[EntityFinder] = None) -> Callable:
    """Decorator: records each invocation of a Lambda handler when recording is on.

    ``@record_invocation`` or ``@record_invocation(entity=finder)``, outermost, so the
    record holds the event as Lambda sent it and the answer as Lambda returns it.
    """
    if handler is None:
        return functools.partial(record_invocation, entity=entity)

    @functools.wraps(handler)
    def wrapper(event, context):
        return invoke_recorded(handler, event, context, entity=entity)

    return wrapper
