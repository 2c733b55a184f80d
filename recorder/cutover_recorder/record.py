"""One ``cutover.record/v1`` record: what the function was sent, what it answered."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

SCHEMA = "cutover.record/v1"


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


def is_error_answer(response: object) -> bool:
    """An API Gateway answer with a 5xx status: the handler caught its own error."""
    if not isinstance(response, dict):
        return False
    status = response.get("statusCode")
    return isinstance(status, int) and status >= 500


def build_record(
    *,
    function: str,
    event: object,
    source: str,
    route: str,
    response: object,
    error: Optional[BaseException],
    started_at: datetime,
    duration_ms: float,
    request_id: str,
    scenario: Optional[str] = None,
    entity: Optional[str] = None,
) -> dict[str, Any]:
    """The record, fields in the documented order; ``event`` is already redacted."""
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "id": request_id,
        "function": function,
        "source": source,
        "route": route,
        "recorded_at": started_at.isoformat(),
        "event": event,
        "response": None if error is not None else response,
        "error": None if error is None else {"errorType": type(error).__name__, "errorMessage": str(error)},
        "duration_ms": round(duration_ms, 3),
    }
    if scenario:
        record["scenario"] = scenario
    if entity is not None:
        record["entity"] = entity
    return record
