"""get-cluster-events: GET /clusters/{cluster_id}/events?limit=&next_token=.

The cluster's audit trail, oldest first, ``limit`` (1-100, default 50) events a page;
404 if the cluster is unknown, 400 for a bad limit or token.
"""

import os

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError
from cutover_recorder import record_invocation

from cluster_platform.audit import AuditTrail
from cluster_platform.http import decode_next_token, encode_next_token, parse_limit
from cluster_platform.recording import cluster_entity
from cluster_platform.store import ClusterStore

DEFAULT_LIMIT = 50
MAX_LIMIT = 100

dynamodb = boto3.resource("dynamodb")
clusters = ClusterStore(dynamodb.Table(os.environ["CLUSTERS_TABLE"]))
audit = AuditTrail(dynamodb.Table(os.environ["AUDIT_TABLE"]))

logger = Logger(service="cluster-platform")
app = APIGatewayRestResolver()


@app.get("/clusters/<cluster_id>/events")
def get_cluster_events(cluster_id: str):
    event = app.current_event
    limit = parse_limit(event.get_query_string_value("limit"), default=DEFAULT_LIMIT, maximum=MAX_LIMIT)
    start_key = decode_next_token(event.get_query_string_value("next_token"), ("cluster_id", "event_key"))
    if start_key is not None and start_key["cluster_id"] != cluster_id:
        raise BadRequestError("next_token is invalid")
    if clusters.get(cluster_id) is None:
        raise NotFoundError(f"cluster {cluster_id} not found")

    items, last_key = audit.page(cluster_id, limit, start_key)
    events = [
        {
            "event_id": item["event_key"],
            "event_type": item["event_type"],
            "occurred_at": item["occurred_at"],
            "actor": item["actor"],
            "details": item.get("details", {}),
        }
        for item in items
    ]
    return {"cluster_id": cluster_id, "events": events, "next_token": encode_next_token(last_key)}


@record_invocation(entity=cluster_entity)
@logger.inject_lambda_context
def handler(event, context):
    return app.resolve(event, context)
