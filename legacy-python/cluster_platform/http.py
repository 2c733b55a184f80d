"""Request parsing and paging helpers the API handlers share.

Errors the client caused are raised as powertools ``ServiceError``s, which the resolver
turns into ``{"statusCode": <code>, "message": "<text>"}`` bodies.
"""

from __future__ import annotations

import base64
import binascii
import json

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.exceptions import BadRequestError
from aws_lambda_powertools.shared.json_encoder import Encoder
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import ValidationError

from cluster_platform.models import ClusterSpec
from cluster_platform.rules import schema_violations, violation


class SpecRejected(Exception):
    """The request body is not a cluster spec; ``violations`` says why."""

    def __init__(self, violations: list[dict]) -> None:
        super().__init__(violations[0]["message"])
        self.violations = violations


def read_body_text(event: APIGatewayProxyEvent) -> str | None:
    """The request body as text, base64-decoded when API Gateway encoded it. Raises
    ``SpecRejected`` for a body that is not valid base64 or not UTF-8."""
    try:
        return event.decoded_body
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise SpecRejected([violation("BODY_NOT_JSON", "", "request body is not valid JSON")]) from None


def parse_cluster_spec(body_text: str | None) -> ClusterSpec:
    """Parses and type-checks a cluster spec, or raises ``SpecRejected``."""
    if body_text is None or body_text == "":
        raise SpecRejected([violation("BODY_MISSING", "", "request body is required")])
    try:
        payload = json.loads(body_text)
    except json.JSONDecodeError:
        raise SpecRejected([violation("BODY_NOT_JSON", "", "request body is not valid JSON")]) from None
    try:
        return ClusterSpec.model_validate(payload)
    except ValidationError as error:
        raise SpecRejected(schema_violations(error)) from None


def json_response(status_code: int, body: object, headers: dict | None = None) -> Response:
    return Response(status_code=status_code, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)


def parse_limit(raw: str | None, *, default: int, maximum: int) -> int:
    if raw is None:
        return default
    try:
        limit = int(raw)
    except ValueError:
        raise BadRequestError(f"limit must be an integer between 1 and {maximum}") from None
    if not 1 <= limit <= maximum:
        raise BadRequestError(f"limit must be an integer between 1 and {maximum}")
    return limit


def encode_next_token(last_evaluated_key: dict | None) -> str | None:
    """DynamoDB's LastEvaluatedKey as an opaque token (URL-safe base64 of its JSON)."""
    if not last_evaluated_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_evaluated_key).encode()).decode()


def decode_next_token(token: str | None, required_keys: tuple[str, ...]) -> dict | None:
    """The ExclusiveStartKey a ``next_token`` stands for; 400 when it is not one of ours."""
    if token is None:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequestError("next_token is invalid") from None
    if (
        not isinstance(key, dict)
        or sorted(key) != sorted(required_keys)
        or not all(isinstance(value, str) and value for value in key.values())
    ):
        raise BadRequestError("next_token is invalid")
    return key


def serialize(body: object) -> str:
    """JSON exactly as the powertools resolver writes it (compact separators, ASCII
    escapes, Decimals as strings), for bodies that must be stored and replayed verbatim."""
    return json.dumps(body, separators=(",", ":"), cls=Encoder)


def caller(event: APIGatewayProxyEvent) -> str:
    """Who made the request, for the audit trail."""
    return event.request_context.identity.user_arn or "anonymous"


def cluster_view(item: dict) -> dict:
    """A stored cluster as the API shows it, in a fixed key order."""
    return {
        "cluster_id": item["cluster_id"],
        "name": item.get("name"),
        "team": item.get("team"),
        "environment": item.get("environment"),
        "cluster_type": item.get("cluster_type"),
        "kubernetes_version": item.get("kubernetes_version"),
        "region": item.get("region"),
        "status": item.get("status"),
        "pipeline_name": item.get("pipeline_name"),
        "pipeline_execution_id": item.get("pipeline_execution_id"),
        "created_at": item.get("created_at"),
        "updated_at": item.get("updated_at"),
        "created_by": item.get("created_by"),
        "spec": item.get("spec"),
        "warnings": item.get("warnings", []),
        "compliance": item.get("compliance"),
    }


def cluster_summary(item: dict) -> dict:
    return {
        "cluster_id": item["cluster_id"],
        "name": item.get("name"),
        "team": item.get("team"),
        "environment": item.get("environment"),
        "cluster_type": item.get("cluster_type"),
        "status": item.get("status"),
        "created_at": item.get("created_at"),
    }
