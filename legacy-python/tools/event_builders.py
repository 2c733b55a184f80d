"""Builders for the events the platform's Lambda functions receive.

The shapes follow what AWS really sends, field for field, so a recorded corpus made
from them can be replayed against any implementation:

- ``apigw_rest_event``: an API Gateway REST API (v1) Lambda proxy integration event.
- ``pipeline_state_change_event``: an EventBridge "CodePipeline Pipeline Execution State
  Change" event.

Everything a real event carries that is not a parameter here (trace ids, the API id,
the source IP) is derived deterministically from the parameters, so the same call gives
the same event every time.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

ACCOUNT_ID = "123456789012"
API_ID = "a1b2c3d4e5"
REGION = "eu-west-1"
SOURCE_IP = "198.51.100.24"
USER_AGENT = "cluster-portal/2.4.1 python-requests/2.32.3"
HOST = f"{API_ID}.execute-api.{REGION}.amazonaws.com"

# A spec that passes every rule in prod, and the organisation's permission boundary it
# names: the tests and the odd-event generator start from the same one.
ORG_BOUNDARY = "arn:aws:iam::123456789012:policy/org/eks-permission-boundary"

VALID_SPEC = {
    "name": "payments-prod-1",
    "team": "payments",
    "environment": "prod",
    "cluster_type": "general",
    "kubernetes_version": "1.30",
    "region": "eu-west-1",
    "node_groups": [
        {"name": "system", "instance_type": "m6i.large", "min_size": 3, "max_size": 6, "desired_size": 3, "disk_size_gb": 100}
    ],
    "network": {
        "vpc_cidr": "10.20.0.0/16",
        "subnets": [
            {"cidr": "10.20.0.0/20", "availability_zone": "eu-west-1a"},
            {"cidr": "10.20.16.0/20", "availability_zone": "eu-west-1b"},
            {"cidr": "10.20.32.0/20", "availability_zone": "eu-west-1c"},
        ],
        "endpoint_public_access": False,
    },
    "security": {
        "kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
        "permission_boundary_arn": ORG_BOUNDARY,
        "control_plane_logging": ["api", "audit", "authenticator"],
    },
    "tags": {"cost-center": "CC-12345", "owner": "jane.doe@example.com", "data-classification": "confidential"},
}


def _digest(*parts: object, length: int = 24) -> str:
    text = "|".join(str(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def _request_time(epoch_ms: int) -> str:
    # API Gateway's requestTime is the CLF format: "27/Nov/2026:05:12:41 +0000".
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc)
    return moment.strftime("%d/%b/%Y:%H:%M:%S +0000")


def _multi(values: dict | None) -> dict[str, list[str]]:
    """Normalises a mapping whose values are a string or a list of strings to lists."""
    result: dict[str, list[str]] = {}
    for name, value in (values or {}).items():
        result[name] = list(value) if isinstance(value, (list, tuple)) else [value]
    return result


def apigw_rest_event(
    method: str,
    resource: str,
    path: str,
    *,
    path_parameters: dict | None = None,
    query: dict | None = None,
    multi_query: dict | None = None,
    headers: dict | None = None,
    body: str | None = None,
    is_base64: bool = False,
    request_id: str,
    request_time_epoch_ms: int,
    stage: str = "prod",
) -> dict:
    """An API Gateway REST (v1) proxy event.

    ``headers`` values may be strings or lists of strings (a repeated header); the single
    value map carries the last value, as API Gateway does. The gateway's own headers
    (Host, X-Forwarded-*, X-Amzn-Trace-Id, ...) are added unless the caller sets them.
    ``query`` gives single values, ``multi_query`` repeated ones; both maps are ``None``
    when the request has no query string, as API Gateway sends them.
    """
    method = method.upper()
    trace_id = f"Root=1-{request_time_epoch_ms // 1000:08x}-{_digest(request_id)}"
    gateway_headers = {
        "Accept": "application/json",
        "CloudFront-Forwarded-Proto": "https",
        "CloudFront-Is-Desktop-Viewer": "true",
        "CloudFront-Is-Mobile-Viewer": "false",
        "CloudFront-Viewer-Country": "IE",
        "Host": HOST,
        "User-Agent": USER_AGENT,
        "Via": f"1.1 {_digest('via', request_id, length=32)}.cloudfront.net (CloudFront)",
        "X-Amz-Cf-Id": _digest("cf", request_id, length=56),
        "X-Amzn-Trace-Id": trace_id,
        "X-Forwarded-For": f"{SOURCE_IP}, 130.176.98.{int(_digest('hop', request_id, length=2), 16) % 250 + 1}",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    caller_headers = _multi(headers)
    lowered = {name.lower() for name in caller_headers}
    multi_headers = {name: [value] for name, value in gateway_headers.items() if name.lower() not in lowered}
    multi_headers.update(caller_headers)
    single_headers = {name: values[-1] for name, values in multi_headers.items() if values}

    multi_query_values = _multi(query)
    multi_query_values.update(_multi(multi_query))
    single_query = {name: values[-1] for name, values in multi_query_values.items() if values}

    user_agent = next((value for name, value in single_headers.items() if name.lower() == "user-agent"), None)

    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": single_headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": single_query or None,
        "multiValueQueryStringParameters": multi_query_values or None,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": _digest("resource", resource, length=6),
            "resourcePath": resource,
            "httpMethod": method,
            "extendedRequestId": _digest("extended", request_id, length=16) + "=",
            "requestTime": _request_time(request_time_epoch_ms),
            "path": f"/{stage}{path}",
            "accountId": ACCOUNT_ID,
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": API_ID,
            "requestTimeEpoch": request_time_epoch_ms,
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": SOURCE_IP,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": user_agent,
                "user": None,
            },
            "domainName": HOST,
            "deploymentId": _digest("deployment", stage, length=6),
            "apiId": API_ID,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def pipeline_state_change_event(
    pipeline: str,
    execution_id: str,
    state: str,
    *,
    event_id: str,
    time: str,
    region: str = "eu-west-1",
    account: str = "123456789012",
) -> dict:
    """An EventBridge "CodePipeline Pipeline Execution State Change" event."""
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "CodePipeline Pipeline Execution State Change",
        "source": "aws.codepipeline",
        "account": account,
        "time": time,
        "region": region,
        "resources": [f"arn:aws:codepipeline:{region}:{account}:{pipeline}"],
        "detail": {
            "pipeline": pipeline,
            "execution-id": execution_id,
            "execution-trigger": {
                "trigger-type": "StartPipelineExecution",
                "trigger-detail": f"arn:aws:sts::{account}:assumed-role/create-cluster/create-cluster",
            },
            "state": state,
            "version": 1,
        },
    }
