"""Every organisational rule, one case per violation code, plus the validate handler."""

from __future__ import annotations

import base64
import json

import pytest
from conftest import ORG_BOUNDARY, valid_spec

from cluster_platform.models import ClusterSpec
from cluster_platform.rules import check_spec, has_errors


def violations_of(spec: dict) -> list[dict]:
    return check_spec(ClusterSpec.model_validate(spec), ORG_BOUNDARY)


def with_changes(change) -> dict:
    spec = valid_spec()
    change(spec)
    return spec


def set_in(path: str, value):
    def change(spec):
        target = spec
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return change


def delete(path: str):
    def change(spec):
        *parents, last = path.split(".")
        target = spec
        for part in parents:
            target = target[part]
        del target[last]

    return change


def two(*changes):
    def change(spec):
        for item in changes:
            item(spec)

    return change


SUBNETS_2 = [
    {"cidr": "10.20.0.0/20", "availability_zone": "eu-west-1a"},
    {"cidr": "10.20.16.0/20", "availability_zone": "eu-west-1b"},
]

CASES = [
    ("NAME_INVALID", "name", set_in("name", "Payments_Prod")),
    ("NAME_INVALID", "name", set_in("name", "zahlungen-prüf")),
    ("NAME_TOO_LONG", "name", set_in("name", "p" * 41)),
    ("TEAM_INVALID", "team", set_in("team", "Payments Team")),
    ("REGION_NOT_ALLOWED", "region", two(set_in("region", "ap-south-1"), set_in("security.kms_key_arn", None))),
    ("K8S_VERSION_UNSUPPORTED", "kubernetes_version", set_in("kubernetes_version", "1.25")),
    ("K8S_VERSION_UNSUPPORTED", "kubernetes_version", two(set_in("cluster_type", "memory"), set_in("kubernetes_version", "1.29"),
                                                          set_in("node_groups.0.instance_type", "r6i.large"))),
    ("K8S_VERSION_DEPRECATED", "kubernetes_version", set_in("kubernetes_version", "1.28")),
    ("NODE_GROUPS_EMPTY", "node_groups", set_in("node_groups", [])),
    ("NODE_GROUP_NAME_INVALID", "node_groups.0.name", set_in("node_groups.0.name", "System Pool")),
    ("NODE_GROUP_NAME_DUPLICATE", "node_groups.1.name",
     lambda spec: spec["node_groups"].append(dict(spec["node_groups"][0], min_size=0, desired_size=0, max_size=2))),
    ("INSTANCE_TYPE_NOT_ALLOWED", "node_groups.0.instance_type", set_in("node_groups.0.instance_type", "c6i.large")),
    ("INSTANCE_TYPE_NOT_ALLOWED", "node_groups.0.instance_type", set_in("node_groups.0.instance_type", "m6i.nano")),
    ("NODE_SIZE_INCONSISTENT", "node_groups.0.desired_size", set_in("node_groups.0.desired_size", 9)),
    ("DISK_SIZE_TOO_SMALL", "node_groups.0.disk_size_gb", set_in("node_groups.0.disk_size_gb", 20)),
    ("DISK_SIZE_TOO_LARGE", "node_groups.0.disk_size_gb", set_in("node_groups.0.disk_size_gb", 10**30)),
    ("NODE_COUNT_OUT_OF_RANGE", "node_groups", two(set_in("node_groups.0.min_size", 2), set_in("node_groups.0.desired_size", 2))),
    ("NODE_COUNT_OUT_OF_RANGE", "node_groups", set_in("node_groups.0.max_size", 10**40)),
    ("VPC_CIDR_INVALID", "network.vpc_cidr", set_in("network.vpc_cidr", "10.20.0.1/16")),
    ("VPC_CIDR_INVALID", "network.vpc_cidr", set_in("network.vpc_cidr", "fd00::/48")),
    ("VPC_CIDR_PREFIX_OUT_OF_RANGE", "network.vpc_cidr", set_in("network.vpc_cidr", "10.0.0.0/8")),
    ("VPC_CIDR_NOT_PRIVATE", "network.vpc_cidr", set_in("network.vpc_cidr", "100.20.0.0/16")),
    ("SUBNET_CIDR_INVALID", "network.subnets.1.cidr", set_in("network.subnets.1.cidr", "10.20.16.0/33")),
    ("SUBNET_OUTSIDE_VPC", "network.subnets.2.cidr", set_in("network.subnets.2.cidr", "10.21.0.0/20")),
    ("SUBNET_OVERLAP", "network.subnets.2.cidr", set_in("network.subnets.2.cidr", "10.20.8.0/21")),
    ("SUBNET_AZ_DUPLICATE", "network.subnets.2.availability_zone", set_in("network.subnets.2.availability_zone", "eu-west-1a")),
    ("SUBNET_AZ_REGION_MISMATCH", "network.subnets.0.availability_zone", set_in("network.subnets.0.availability_zone", "eu-central-1a")),
    ("INSUFFICIENT_SUBNETS", "network.subnets", set_in("network.subnets", SUBNETS_2)),
    ("PUBLIC_ENDPOINT_IN_PROD", "network.endpoint_public_access", set_in("network.endpoint_public_access", True)),
    ("PUBLIC_ENDPOINT_ENABLED", "network.endpoint_public_access",
     two(set_in("environment", "staging"), set_in("network.endpoint_public_access", True))),
    ("TAG_MISSING", "tags.owner", delete("tags.owner")),
    ("TAG_COST_CENTER_FORMAT", "tags.cost-center", set_in("tags.cost-center", "12345")),
    ("TAG_OWNER_FORMAT", "tags.owner", set_in("tags.owner", "Jane Doe")),
    ("TAG_DATA_CLASSIFICATION_INVALID", "tags.data-classification", set_in("tags.data-classification", "secret")),
    ("KMS_KEY_REQUIRED", "security.kms_key_arn", set_in("security.kms_key_arn", None)),
    ("KMS_KEY_ARN_INVALID", "security.kms_key_arn", set_in("security.kms_key_arn", "alias/eks")),
    ("KMS_KEY_REGION_MISMATCH", "security.kms_key_arn",
     set_in("security.kms_key_arn", "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0")),
    ("PERMISSION_BOUNDARY_MISMATCH", "security.permission_boundary_arn",
     set_in("security.permission_boundary_arn", "arn:aws:iam::123456789012:policy/admin")),
    ("CONTROL_PLANE_LOGGING_REQUIRED", "security.control_plane_logging", set_in("security.control_plane_logging", ["api"])),
    ("CONTROL_PLANE_LOG_TYPE_INVALID", "security.control_plane_logging.3",
     set_in("security.control_plane_logging", ["api", "audit", "authenticator", "kubelet"])),
]


def test_the_valid_spec_has_no_violations():
    assert violations_of(valid_spec()) == []


@pytest.mark.parametrize("code, field, change", CASES, ids=[f"{case[0]}-{index}" for index, case in enumerate(CASES)])
def test_each_rule_reports_its_code_at_its_field(code, field, change):
    found = violations_of(with_changes(change))
    assert any(item["code"] == code and item["field"] == field for item in found), found
    assert all(set(item) == {"code", "field", "message", "severity"} for item in found)


def test_every_rule_code_has_a_case():
    import cluster_platform.rules as rules_module
    import re

    source = open(rules_module.__file__, encoding="utf-8").read()
    codes = set(re.findall(r'"([A-Z][A-Z0-9_]+)",\n\s+f?"', source)) | set(re.findall(r'violation\("([A-Z0-9_]+)"', source))
    codes -= {"SCHEMA_INVALID"}
    assert len(codes) >= 20
    assert codes <= {case[0] for case in CASES}, codes - {case[0] for case in CASES}


def test_warnings_do_not_make_a_spec_invalid():
    found = violations_of(valid_spec(kubernetes_version="1.29"))
    assert [item["code"] for item in found] == ["K8S_VERSION_DEPRECATED"]
    assert found[0]["severity"] == "warning"
    assert not has_errors(found)


def test_dev_clusters_need_no_kms_key_and_two_subnets():
    spec = valid_spec(environment="dev", network=dict(valid_spec()["network"], subnets=SUBNETS_2))
    spec["node_groups"][0].update(min_size=1, desired_size=1, max_size=3)
    spec["security"]["kms_key_arn"] = None
    spec["security"]["control_plane_logging"] = []
    assert violations_of(spec) == []


def test_every_violation_is_returned_in_rule_order():
    spec = valid_spec(name="Bad Name", region="ap-south-1")
    spec["tags"] = {}
    spec["network"]["endpoint_public_access"] = True
    codes = [item["code"] for item in violations_of(spec)]
    assert codes == [
        "NAME_INVALID",
        "REGION_NOT_ALLOWED",
        "SUBNET_AZ_REGION_MISMATCH",
        "SUBNET_AZ_REGION_MISMATCH",
        "SUBNET_AZ_REGION_MISMATCH",
        "PUBLIC_ENDPOINT_IN_PROD",
        "TAG_MISSING",
        "TAG_MISSING",
        "TAG_MISSING",
        "KMS_KEY_REGION_MISMATCH",
    ]


def test_overlap_message_names_the_earlier_subnet():
    found = violations_of(with_changes(set_in("network.subnets.2.cidr", "10.20.8.0/21")))
    overlap = next(item for item in found if item["code"] == "SUBNET_OVERLAP")
    assert overlap["message"] == "subnet 10.20.8.0/21 overlaps network.subnets.0 (10.20.0.0/20)"


# The handler: 200 for a spec, 400 for what is not one.

def test_validate_answers_200_with_the_verdict(api):
    reply = api.validate(valid_spec())
    assert reply.status == 200
    assert reply.text == '{"valid":true,"violations":[]}'
    assert reply.headers["Content-Type"] == "application/json"

    reply = api.validate(valid_spec(kubernetes_version="1.25"))
    assert reply.status == 200
    assert reply.body["valid"] is False
    assert [item["code"] for item in reply.body["violations"]] == ["K8S_VERSION_UNSUPPORTED"]


def test_validate_escapes_non_ascii_like_json_dumps(api):
    reply = api.validate(valid_spec(name="zahlungen-prüf"))
    assert "\\u00fc" in reply.text and "ü" not in reply.text


@pytest.mark.parametrize(
    "body, code, field, message",
    [
        (None, "BODY_MISSING", "", "request body is required"),
        ("", "BODY_MISSING", "", "request body is required"),
        ("{not json", "BODY_NOT_JSON", "", "request body is not valid JSON"),
        ("[]", "SCHEMA_INVALID", "", "Input should be a valid dictionary or instance of ClusterSpec"),
        ("null", "SCHEMA_INVALID", "", "Input should be a valid dictionary or instance of ClusterSpec"),
    ],
)
def test_validate_rejects_what_is_not_a_spec(api, body, code, field, message):
    reply = api.validate(body)
    assert reply.status == 400
    assert reply.body["valid"] is False
    assert reply.body["violations"][0] == {"code": code, "field": field, "message": message, "severity": "error"}


def test_schema_errors_become_violations_with_dotted_paths(api):
    spec = valid_spec(environment="production")
    spec["node_groups"][0]["min_size"] = "three"
    spec["node_groups"][0]["max_size"] = -1
    spec["network"]["subnets"][1]["cidr"] = None
    spec["extra"] = True
    del spec["team"]
    reply = api.validate(spec)
    assert reply.status == 400
    assert [(item["code"], item["field"], item["message"]) for item in reply.body["violations"]] == [
        ("SCHEMA_INVALID", "team", "Field required"),
        ("SCHEMA_INVALID", "environment", "Input should be 'dev', 'staging' or 'prod'"),
        ("SCHEMA_INVALID", "node_groups.0.min_size", "Input should be a valid integer, unable to parse string as an integer"),
        ("SCHEMA_INVALID", "node_groups.0.max_size", "Input should be greater than or equal to 0"),
        ("SCHEMA_INVALID", "network.subnets.1.cidr", "Input should be a valid string"),
        ("SCHEMA_INVALID", "extra", "Extra inputs are not permitted"),
    ]


def test_validate_reads_base64_bodies(api):
    encoded = base64.b64encode(json.dumps(valid_spec()).encode()).decode()
    reply = api.validate(encoded, is_base64=True)
    assert reply.status == 200 and reply.body["valid"] is True

    reply = api.validate("%%%not-base64", is_base64=True)
    assert reply.status == 400
    assert reply.body["violations"][0]["code"] == "BODY_NOT_JSON"


def test_validate_handles_a_one_megabyte_body(api):
    spec = valid_spec()
    spec["tags"]["notes"] = "x" * (1024 * 1024)
    reply = api.validate(spec)
    assert reply.status == 200
    assert reply.body["valid"] is True


def test_unknown_routes_and_methods_get_powertools_404(api):
    reply = api.request("validate_cluster_spec", "GET", "/clusters/validate", "/clusters/validate")
    assert reply.status == 404
    assert reply.text == '{"statusCode":404,"message":"Not found"}'
