"""list-clusters: GET /clusters?environment=&team=&status=&limit=&next_token=.

With ``environment`` it queries the environment index, otherwise it scans. ``limit``
(1-100, default 20) is DynamoDB's Limit, applied before the team/status filter, so a
page may hold fewer clusters than ``limit`` and still carry a ``next_token``.
"""

import os

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.exceptions import BadRequestError
from cutover_recorder import record_invocation

from cluster_platform.http import cluster_summary, decode_next_token, encode_next_token, parse_limit
from cluster_platform.models import ENVIRONMENTS, STATUSES
from cluster_platform.recording import cluster_entity
from cluster_platform.store import ClusterStore

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

dynamodb = boto3.resource("dynamodb")
clusters = ClusterStore(dynamodb.Table(os.environ["CLUSTERS_TABLE"]))

logger = Logger(service="cluster-platform")
app = APIGatewayRestResolver()


@app.get("/clusters")
def list_clusters():
    event = app.current_event
    environment = event.get_query_string_value("environment")
    team = event.get_query_string_value("team")
    status = event.get_query_string_value("status")
    limit = parse_limit(event.get_query_string_value("limit"), default=DEFAULT_LIMIT, maximum=MAX_LIMIT)

    if environment is not None and environment not in ENVIRONMENTS:
        raise BadRequestError(f"environment must be one of {', '.join(ENVIRONMENTS)}")
    if status is not None and status not in STATUSES:
        raise BadRequestError(f"status must be one of {', '.join(STATUSES)}")

    key_names = ("cluster_id", "environment", "created_at") if environment is not None else ("cluster_id",)
    start_key = decode_next_token(event.get_query_string_value("next_token"), key_names)
    if start_key is not None and environment is not None and start_key["environment"] != environment:
        raise BadRequestError("next_token is invalid")

    items, last_key = clusters.list(environment=environment, team=team, status=status, limit=limit, start_key=start_key)
    logger.info("clusters listed", extra={"count": len(items), "more": last_key is not None})
    return {
        "clusters": [cluster_summary(item) for item in items],
        "count": len(items),
        "next_token": encode_next_token(last_key),
    }


@record_invocation(entity=cluster_entity)
@logger.inject_lambda_context
def handler(event, context):
    return app.resolve(event, context)
