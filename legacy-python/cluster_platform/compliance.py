"""Compliance guardrails run over a stored cluster's spec.

Unlike the validation rules (which decide whether a request is accepted), these report on
what a cluster is now: every rule gives a finding with status PASS or FAIL. A cluster is
compliant when no rule of severity ``high`` fails. The spec comes from DynamoDB, as a
plain dict.
"""

from __future__ import annotations

from cluster_platform.rules import COST_CENTER_PATTERN, CONTROL_PLANE_LOG_TYPES, DATA_CLASSIFICATIONS, OWNER_PATTERN, REQUIRED_PROD_LOG_TYPES, REQUIRED_TAGS

PASS = "PASS"
FAIL = "FAIL"


def _finding(rule_id: str, title: str, passed: bool, severity: str, detail: str) -> dict:
    return {"rule_id": rule_id, "title": title, "status": PASS if passed else FAIL, "severity": severity, "detail": detail}


def check_compliance(spec: dict, org_permission_boundary_arn: str) -> list[dict]:
    environment = spec.get("environment")
    tags = spec.get("tags") or {}
    security = spec.get("security") or {}
    network = spec.get("network") or {}
    logging_enabled = security.get("control_plane_logging") or []

    missing_tags = [key for key in REQUIRED_TAGS if not tags.get(key)]
    tag_formats_ok = (
        COST_CENTER_PATTERN.match(tags.get("cost-center", "")) is not None
        and OWNER_PATTERN.match(tags.get("owner", "")) is not None
        and tags.get("data-classification") in DATA_CLASSIFICATIONS
    )
    missing_required_logs = [log_type for log_type in REQUIRED_PROD_LOG_TYPES if log_type not in logging_enabled]
    missing_any_logs = [log_type for log_type in CONTROL_PLANE_LOG_TYPES if log_type not in logging_enabled]
    zones = {subnet.get("availability_zone") for subnet in network.get("subnets") or []}

    return [
        _finding(
            "TAG-001",
            "required tags are present",
            not missing_tags,
            "high",
            "all required tags present" if not missing_tags else f"missing tags: {', '.join(missing_tags)}",
        ),
        _finding(
            "TAG-002",
            "tag values follow the tagging standard",
            tag_formats_ok,
            "medium",
            "tag values are well formed" if tag_formats_ok else "cost-center, owner or data-classification is malformed",
        ),
        _finding(
            "ENC-001",
            "secrets are encrypted with a customer managed KMS key",
            bool(security.get("kms_key_arn")),
            "low" if environment == "dev" else "high",
            "KMS key configured" if security.get("kms_key_arn") else "no KMS key for secrets encryption",
        ),
        _finding(
            "IAM-001",
            "roles use the organisation's permission boundary",
            security.get("permission_boundary_arn") == org_permission_boundary_arn,
            "high",
            f"expected {org_permission_boundary_arn}, found {security.get('permission_boundary_arn')}",
        ),
        _finding(
            "LOG-001",
            "api, audit and authenticator control-plane logs are enabled",
            not missing_required_logs,
            "high" if environment == "prod" else "medium",
            "required log types enabled" if not missing_required_logs else f"missing log types: {', '.join(missing_required_logs)}",
        ),
        _finding(
            "LOG-002",
            "all control-plane log types are enabled",
            not missing_any_logs,
            "low",
            "all log types enabled" if not missing_any_logs else f"missing log types: {', '.join(missing_any_logs)}",
        ),
        _finding(
            "NET-001",
            "the cluster API endpoint is private",
            not network.get("endpoint_public_access"),
            "high" if environment == "prod" else "medium",
            "endpoint is private" if not network.get("endpoint_public_access") else "endpoint is publicly accessible",
        ),
        _finding(
            "NET-002",
            "subnets span at least three availability zones",
            len(zones) >= 3,
            "medium",
            f"subnets span {len(zones)} availability zones",
        ),
    ]


def is_compliant(findings: list[dict]) -> bool:
    return not any(finding["status"] == FAIL and finding["severity"] == "high" for finding in findings)
