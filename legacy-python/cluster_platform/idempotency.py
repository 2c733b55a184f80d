"""Idempotency records for create-cluster.

A client that sends an ``Idempotency-Key`` header gets the first answer again, status
and body byte for byte, for as long as the record lives (24 hours, by DynamoDB TTL on
``expires_at``). The request is identified by the SHA-256 of its body text; the same key
with a different body is refused.
"""

from __future__ import annotations

import hashlib
import time

from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

RECORD_TTL_SECONDS = 24 * 60 * 60
MAX_KEY_LENGTH = 255


def request_hash(body_text: str | None) -> str:
    return hashlib.sha256((body_text or "").encode("utf-8")).hexdigest()


class IdempotencyStore:
    def __init__(self, table) -> None:
        self.table = table

    def get(self, key: str) -> dict | None:
        return self.table.get_item(Key={"idempotency_key": key}).get("Item")

    def save(self, key: str, body_hash: str, status_code: int, body: str, created_at: str, location: str | None) -> None:
        try:
            self.table.put_item(
                Item={
                    "idempotency_key": key,
                    "request_hash": body_hash,
                    "status_code": status_code,
                    "response_body": body,
                    "location": location,
                    "created_at": created_at,
                    "expires_at": int(time.time()) + RECORD_TTL_SECONDS,
                },
                ConditionExpression=Attr("idempotency_key").not_exists(),
            )
        except ClientError as error:
            # A concurrent request with the same key got there first; its record stands.
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
