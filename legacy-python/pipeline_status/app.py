"""pipeline-status: EventBridge "CodePipeline Pipeline Execution State Change".

Maps pipeline ``eks-<cluster_id>`` to its cluster and moves the status with a
conditional write, so a repeated or out-of-order event never moves a cluster backwards:

    STARTED             -> PROVISIONING  (from PENDING)
    SUCCEEDED           -> ACTIVE        (from PENDING, PROVISIONING)
    FAILED, STOPPED     -> FAILED        (from PENDING, PROVISIONING)

Other states, other pipelines and unknown clusters are logged and ignored. Each real
transition is audited. Returns a small summary of what it did.
"""

import os
from datetime import datetime, timezone

import boto3
from aws_lambda_powertools import Logger
from cutover_recorder import record_invocation

from cluster_platform.audit import AuditTrail
from cluster_platform.models import ACTIVE, FAILED, PENDING, PROVISIONING
from cluster_platform.pipeline import cluster_id_from_pipeline
from cluster_platform.recording import cluster_entity
from cluster_platform.store import ClusterStore, StatusConflict

TRANSITIONS = {
    "STARTED": (PROVISIONING, (PENDING,)),
    "SUCCEEDED": (ACTIVE, (PENDING, PROVISIONING)),
    "FAILED": (FAILED, (PENDING, PROVISIONING)),
    "STOPPED": (FAILED, (PENDING, PROVISIONING)),
}
ACTOR = "codepipeline"

dynamodb = boto3.resource("dynamodb")
clusters = ClusterStore(dynamodb.Table(os.environ["CLUSTERS_TABLE"]))
audit = AuditTrail(dynamodb.Table(os.environ["AUDIT_TABLE"]))

logger = Logger(service="cluster-platform")


def _ignored(pipeline: str, state: str, reason: str) -> dict:
    logger.info("pipeline event ignored", extra={"pipeline": pipeline, "state": state, "reason": reason})
    return {"pipeline": pipeline, "state": state, "result": "ignored", "reason": reason}


@record_invocation(entity=cluster_entity)
@logger.inject_lambda_context
def handler(event, context):
    detail = event.get("detail") or {}
    pipeline = detail.get("pipeline", "")
    state = detail.get("state", "")

    cluster_id = cluster_id_from_pipeline(pipeline)
    if cluster_id is None:
        return _ignored(pipeline, state, "not a cluster pipeline")
    if state not in TRANSITIONS:
        return _ignored(pipeline, state, f"state {state} does not change the cluster status")
    item = clusters.get(cluster_id)
    if item is None:
        return _ignored(pipeline, state, "unknown cluster")

    new_status, allowed_from = TRANSITIONS[state]
    now = datetime.now(timezone.utc).isoformat()
    try:
        previous = clusters.change_status(cluster_id, new_status, allowed_from, now, {"last_pipeline_state": state})
    except StatusConflict:
        logger.info(
            "status not changed",
            extra={"cluster_id": cluster_id, "state": state, "current_status": item["status"]},
        )
        return {"cluster_id": cluster_id, "state": state, "result": "unchanged", "status": item["status"]}

    audit.record(
        cluster_id,
        "STATUS_CHANGED",
        ACTOR,
        {
            "from": previous,
            "to": new_status,
            "pipeline_state": state,
            "execution_id": detail.get("execution-id"),
            "event_id": event.get("id"),
        },
    )
    logger.info("status changed", extra={"cluster_id": cluster_id, "from": previous, "to": new_status})
    return {"cluster_id": cluster_id, "state": state, "result": "changed", "status": new_status, "previous_status": previous}
