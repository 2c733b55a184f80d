"""create-cluster: POST /clusters.

Validates the spec (400 when it is not a spec, 422 when it breaks the rules), stores the
cluster as PENDING, puts the spec in the artifact bucket, creates and starts the
``eks-<cluster_id>`` pipeline, records the audit trail and answers 201 with the cluster.
An ``Idempotency-Key`` header makes retries safe: the same key and body get the first
answer again; the same key with another body gets 422.
"""

import os
import secrets
from datetime import datetime, timezone

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, ServiceError
from cutover_recorder import record_invocation

from cluster_platform.audit import AuditTrail
from cluster_platform.http import SpecRejected, caller, json_response, parse_cluster_spec, read_body_text, serialize
from cluster_platform.idempotency import MAX_KEY_LENGTH, IdempotencyStore, request_hash
from cluster_platform.models import PENDING
from cluster_platform.pipeline import build_pipeline, pipeline_name, pipeline_tags, spec_object_key
from cluster_platform.recording import cluster_entity
from cluster_platform.rules import ERROR, check_spec, has_errors
from cluster_platform.store import ClusterStore

ORG_PERMISSION_BOUNDARY_ARN = os.environ["ORG_PERMISSION_BOUNDARY_ARN"]
PIPELINE_ROLE_ARN = os.environ["PIPELINE_ROLE_ARN"]
ARTIFACT_BUCKET = os.environ["ARTIFACT_BUCKET"]

dynamodb = boto3.resource("dynamodb")
s3 = boto3.client("s3")
codepipeline = boto3.client("codepipeline")
clusters = ClusterStore(dynamodb.Table(os.environ["CLUSTERS_TABLE"]))
audit = AuditTrail(dynamodb.Table(os.environ["AUDIT_TABLE"]))
idempotency = IdempotencyStore(dynamodb.Table(os.environ["IDEMPOTENCY_TABLE"]))

logger = Logger(service="cluster-platform")
app = APIGatewayRestResolver()


def _answer(status_code: int, body_text: str, location: str | None, replayed: bool = False) -> Response:
    headers = {}
    if location:
        headers["Location"] = location
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(status_code=status_code, content_type=content_types.APPLICATION_JSON, body=body_text, headers=headers)


@app.post("/clusters")
def create_cluster():
    event = app.current_event
    idempotency_key = event.headers.get("Idempotency-Key")
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= MAX_KEY_LENGTH:
        raise BadRequestError(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")

    try:
        body_text = read_body_text(event)
    except SpecRejected as rejected:
        return json_response(400, {"message": "request body is not a valid cluster spec", "violations": rejected.violations})

    body_hash = request_hash(body_text)
    if idempotency_key:
        previous = idempotency.get(idempotency_key)
        if previous is not None:
            if previous["request_hash"] != body_hash:
                raise ServiceError(422, "Idempotency-Key was already used with a different request body")
            logger.info("replaying the first answer for an idempotency key")
            return _answer(int(previous["status_code"]), previous["response_body"], previous.get("location"), replayed=True)

    try:
        spec = parse_cluster_spec(body_text)
    except SpecRejected as rejected:
        return json_response(400, {"message": "request body is not a valid cluster spec", "violations": rejected.violations})

    violations = check_spec(spec, ORG_PERMISSION_BOUNDARY_ARN)
    now = datetime.now(timezone.utc).isoformat()
    if has_errors(violations):
        logger.info("spec violates the rules", extra={"cluster_name": spec.name, "violations": len(violations)})
        status_code, location = 422, None
        body = serialize({"message": "cluster spec violates the organisation's rules", "violations": violations})
    else:
        status_code, body, location = _create(spec, [item for item in violations if item["severity"] != ERROR], now, caller(event))

    if idempotency_key:
        idempotency.save(idempotency_key, body_hash, status_code, body, now, location)
    return _answer(status_code, body, location)


def _create(spec, warnings: list[dict], now: str, actor: str) -> tuple[int, str, str]:
    cluster_id = f"{spec.name}-{secrets.token_hex(4)}"
    name = pipeline_name(cluster_id)
    item = {
        "cluster_id": cluster_id,
        "name": spec.name,
        "team": spec.team,
        "environment": spec.environment,
        "cluster_type": spec.cluster_type,
        "kubernetes_version": spec.kubernetes_version,
        "region": spec.region,
        "status": PENDING,
        "pipeline_name": name,
        "created_at": now,
        "updated_at": now,
        "created_by": actor,
        "spec": spec.model_dump(),
        "warnings": warnings,
    }
    clusters.put_new(item)
    s3.put_object(
        Bucket=ARTIFACT_BUCKET,
        Key=spec_object_key(cluster_id),
        Body=spec.model_dump_json().encode("utf-8"),
        ContentType="application/json",
    )
    codepipeline.create_pipeline(
        pipeline=build_pipeline(cluster_id, spec, PIPELINE_ROLE_ARN, ARTIFACT_BUCKET),
        tags=pipeline_tags(cluster_id, spec),
    )
    execution_id = codepipeline.start_pipeline_execution(name=name)["pipelineExecutionId"]
    clusters.set_attributes(cluster_id, {"pipeline_execution_id": execution_id})
    item["pipeline_execution_id"] = execution_id

    audit.record(
        cluster_id,
        "CLUSTER_REQUESTED",
        actor,
        {"environment": spec.environment, "cluster_type": spec.cluster_type, "warnings": len(warnings)},
    )
    audit.record(cluster_id, "PIPELINE_STARTED", actor, {"pipeline_name": name, "execution_id": execution_id})
    logger.info("cluster requested", extra={"cluster_id": cluster_id, "pipeline_name": name})
    return 201, serialize(item), f"/clusters/{cluster_id}"


@record_invocation(entity=cluster_entity)
@logger.inject_lambda_context
def handler(event, context):
    return app.resolve(event, context)
