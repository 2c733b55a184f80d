"""check-compliance: POST /clusters/{cluster_id}/compliance.

Runs the compliance guardrails over the stored spec, stores a summary on the cluster
(``compliance``), audits the check and answers 200 with every finding; 404 if unknown.
"""

import os
from datetime import datetime, timezone

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from cutover_recorder import record_invocation

from cluster_platform.audit import AuditTrail
from cluster_platform.compliance import FAIL, PASS, check_compliance, is_compliant
from cluster_platform.http import caller
from cluster_platform.recording import cluster_entity
from cluster_platform.store import ClusterStore

ORG_PERMISSION_BOUNDARY_ARN = os.environ["ORG_PERMISSION_BOUNDARY_ARN"]

dynamodb = boto3.resource("dynamodb")
clusters = ClusterStore(dynamodb.Table(os.environ["CLUSTERS_TABLE"]))
audit = AuditTrail(dynamodb.Table(os.environ["AUDIT_TABLE"]))

logger = Logger(service="cluster-platform")
app = APIGatewayRestResolver()


@app.post("/clusters/<cluster_id>/compliance")
def run_compliance_check(cluster_id: str):
    item = clusters.get(cluster_id)
    if item is None:
        raise NotFoundError(f"cluster {cluster_id} not found")

    findings = check_compliance(item.get("spec") or {}, ORG_PERMISSION_BOUNDARY_ARN)
    checked_at = datetime.now(timezone.utc).isoformat()
    summary = {
        "compliant": is_compliant(findings),
        "passed": sum(1 for finding in findings if finding["status"] == PASS),
        "failed": sum(1 for finding in findings if finding["status"] == FAIL),
        "failed_rules": [finding["rule_id"] for finding in findings if finding["status"] == FAIL],
        "checked_at": checked_at,
    }
    clusters.set_attributes(cluster_id, {"compliance": summary})
    audit.record(
        cluster_id,
        "COMPLIANCE_CHECKED",
        caller(app.current_event),
        {"compliant": summary["compliant"], "failed_rules": summary["failed_rules"]},
    )
    logger.info("compliance checked", extra={"cluster_id": cluster_id, "compliant": summary["compliant"]})
    return {"cluster_id": cluster_id, **summary, "findings": findings}


@record_invocation(entity=cluster_entity)
@logger.inject_lambda_context
def handler(event, context):
    return app.resolve(event, context)
