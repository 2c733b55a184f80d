"""decommission-cluster: DELETE /clusters/{cluster_id}.

202 and status DECOMMISSIONING from PENDING, ACTIVE or FAILED; 409 from any other status
(a cluster being provisioned, or already being decommissioned); 404 if unknown.
"""

import os
from datetime import datetime, timezone

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from cutover_recorder import record_invocation

from cluster_platform.audit import AuditTrail
from cluster_platform.http import caller, json_response
from cluster_platform.models import ACTIVE, DECOMMISSIONING, FAILED, PENDING
from cluster_platform.recording import cluster_entity
from cluster_platform.store import ClusterStore, StatusConflict

DECOMMISSIONABLE = (PENDING, ACTIVE, FAILED)

dynamodb = boto3.resource("dynamodb")
clusters = ClusterStore(dynamodb.Table(os.environ["CLUSTERS_TABLE"]))
audit = AuditTrail(dynamodb.Table(os.environ["AUDIT_TABLE"]))

logger = Logger(service="cluster-platform")
app = APIGatewayRestResolver()


@app.delete("/clusters/<cluster_id>")
def decommission_cluster(cluster_id: str):
    item = clusters.get(cluster_id)
    if item is None:
        raise NotFoundError(f"cluster {cluster_id} not found")
    if item["status"] not in DECOMMISSIONABLE:
        raise ServiceError(409, f"cluster {cluster_id} cannot be decommissioned from status {item['status']}")

    now = datetime.now(timezone.utc).isoformat()
    try:
        previous = clusters.change_status(cluster_id, DECOMMISSIONING, DECOMMISSIONABLE, now, {"decommission_requested_at": now})
    except StatusConflict:
        # Another request changed the status between the read and the write.
        raise ServiceError(409, f"cluster {cluster_id} changed status while decommissioning; retry") from None

    audit.record(cluster_id, "DECOMMISSION_REQUESTED", caller(app.current_event), {"from": previous, "to": DECOMMISSIONING})
    logger.info("decommission requested", extra={"cluster_id": cluster_id, "previous_status": previous})
    return json_response(
        202,
        {"cluster_id": cluster_id, "status": DECOMMISSIONING, "previous_status": previous, "requested_at": now},
    )


@record_invocation(entity=cluster_entity)
@logger.inject_lambda_context
def handler(event, context):
    return app.resolve(event, context)
