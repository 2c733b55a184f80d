"""The orders API of a team that is not the platform: one Lambda function behind an API
Gateway REST API (proxy integration), one DynamoDB table.

    GET  /orders/{order_id}   200 with the order, 404 when there is none
    POST /orders              201 with the order stored, 400 for a bad body, 409 when the
                              order id is taken

The table's name comes from ``ORDERS_TABLE``. The handler wears the cutover recorder, which
does nothing until ``CUTOVER_RECORD=log`` (or ``CUTOVER_RECORD_FILE``) tells it where to
write.
"""

from __future__ import annotations

import json
import os

import boto3
from botocore.exceptions import ClientError
from cutover_recorder import record_invocation

_table = None


def table():
    # Created on first use, once per sandbox, as Lambda functions usually do.
    global _table
    if _table is None:
        _table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])
    return _table


def answer(status: int, body: dict) -> dict:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


def order_entity(event, response):
    """The order an invocation touches, so that a replay keeps each order's calls in order."""
    order_id = (event.get("pathParameters") or {}).get("order_id")
    if order_id is None:
        try:
            order_id = json.loads(event.get("body") or "").get("order_id")
        except (ValueError, AttributeError):
            return None
    return order_id if isinstance(order_id, str) else None


def is_positive_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def parse_order(body: dict):
    """The order a POST describes, or the message of its first bad field."""
    order_id = body.get("order_id")
    if not isinstance(order_id, str) or not order_id:
        return None, "order_id must be a non-empty string"
    item = body.get("item")
    if not isinstance(item, str) or not item:
        return None, "item must be a non-empty string"
    quantity = body.get("quantity")
    if not is_positive_int(quantity):
        return None, "quantity must be a positive integer"
    unit_price_cents = body.get("unit_price_cents")
    if not is_positive_int(unit_price_cents):
        return None, "unit_price_cents must be a positive integer"
    order = {
        "order_id": order_id,
        "item": item,
        "quantity": quantity,
        "unit_price_cents": unit_price_cents,
        "total_cents": quantity * unit_price_cents,
        "status": "placed",
    }
    return order, None


def get_order(order_id: str) -> dict:
    stored = table().get_item(Key={"order_id": order_id}).get("Item")
    if stored is None:
        return answer(404, {"message": "order not found", "order_id": order_id})
    # DynamoDB numbers come back as Decimal; the answer lists the fields in a fixed order.
    return answer(
        200,
        {
            "order_id": stored["order_id"],
            "item": stored["item"],
            "quantity": int(stored["quantity"]),
            "unit_price_cents": int(stored["unit_price_cents"]),
            "total_cents": int(stored["total_cents"]),
            "status": stored["status"],
        },
    )


def create_order(raw_body) -> dict:
    try:
        body = json.loads(raw_body or "")
    except ValueError:
        return answer(400, {"message": "body is not JSON"})
    if not isinstance(body, dict):
        return answer(400, {"message": "body must be a JSON object"})
    order, problem = parse_order(body)
    if problem is not None:
        return answer(400, {"message": problem})
    try:
        table().put_item(Item=order, ConditionExpression="attribute_not_exists(order_id)")
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return answer(409, {"message": "order already exists", "order_id": order["order_id"]})
        raise
    return answer(201, order)


@record_invocation(entity=order_entity)
def handler(event, context):
    method = event.get("httpMethod")
    resource = event.get("resource")
    if method == "GET" and resource == "/orders/{order_id}":
        return get_order(event["pathParameters"]["order_id"])
    if method == "POST" and resource == "/orders":
        return create_order(event.get("body"))
    return answer(404, {"message": "no such route", "route": f"{method} {resource}"})
