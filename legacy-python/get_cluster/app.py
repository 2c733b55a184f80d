"""get-cluster: GET /clusters/{cluster_id}. 200 with the stored cluster, 404 if unknown."""

import os

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from cutover_recorder import record_invocation

from cluster_platform.http import cluster_view
from cluster_platform.recording import cluster_entity
from cluster_platform.store import ClusterStore

dynamodb = boto3.resource("dynamodb")
clusters = ClusterStore(dynamodb.Table(os.environ["CLUSTERS_TABLE"]))

logger = Logger(service="cluster-platform")
app = APIGatewayRestResolver()


@app.get("/clusters/<cluster_id>")
def get_cluster(cluster_id: str):
    item = clusters.get(cluster_id)
    if item is None:
        raise NotFoundError(f"cluster {cluster_id} not found")
    return cluster_view(item)


@record_invocation(entity=cluster_entity)
@logger.inject_lambda_context
def handler(event, context):
    return app.resolve(event, context)
