"""The audit trail: one item per event, keyed by ``cluster_id`` and ``event_key``.

``event_key`` is ``<occurred_at>#<8 hex>``: ISO 8601 timestamps sort as strings, so a
query on the key returns a cluster's events oldest first; the random suffix keeps two
events of the same microsecond apart.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

from boto3.dynamodb.conditions import Key


class AuditTrail:
    def __init__(self, table) -> None:
        self.table = table

    def record(self, cluster_id: str, event_type: str, actor: str, details: dict) -> dict:
        occurred_at = datetime.now(timezone.utc).isoformat()
        item = {
            "cluster_id": cluster_id,
            "event_key": f"{occurred_at}#{secrets.token_hex(4)}",
            "event_type": event_type,
            "occurred_at": occurred_at,
            "actor": actor,
            "details": details,
        }
        self.table.put_item(Item=item)
        return item

    def page(self, cluster_id: str, limit: int, start_key: dict | None) -> tuple[list[dict], dict | None]:
        kwargs: dict = {"KeyConditionExpression": Key("cluster_id").eq(cluster_id), "ScanIndexForward": True, "Limit": limit}
        if start_key is not None:
            kwargs["ExclusiveStartKey"] = start_key
        response = self.table.query(**kwargs)
        return response.get("Items", []), response.get("LastEvaluatedKey")
