"""validate-cluster-spec: POST /clusters/validate.

200 ``{"valid": bool, "violations": [...]}`` for any well-formed spec (valid is false
when a violation has severity ``error``); 400 with the same shape when the body is
missing, not JSON, or not shaped like a spec.
"""

import os

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from cutover_recorder import record_invocation

from cluster_platform.http import SpecRejected, json_response, parse_cluster_spec, read_body_text
from cluster_platform.recording import cluster_entity
from cluster_platform.rules import check_spec, has_errors

ORG_PERMISSION_BOUNDARY_ARN = os.environ["ORG_PERMISSION_BOUNDARY_ARN"]

logger = Logger(service="cluster-platform")
app = APIGatewayRestResolver()


@app.post("/clusters/validate")
def validate_cluster_spec():
    try:
        spec = parse_cluster_spec(read_body_text(app.current_event))
    except SpecRejected as rejected:
        logger.info("spec rejected", extra={"violations": len(rejected.violations)})
        return json_response(400, {"valid": False, "violations": rejected.violations})
    violations = check_spec(spec, ORG_PERMISSION_BOUNDARY_ARN)
    logger.info("spec validated", extra={"cluster_name": spec.name, "violations": len(violations)})
    return {"valid": not has_errors(violations), "violations": violations}


@record_invocation(entity=cluster_entity)
@logger.inject_lambda_context
def handler(event, context):
    return app.resolve(event, context)
