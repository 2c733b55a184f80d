"""The organisation's rules for EKS cluster specs.

``check_spec`` runs every rule, in the order they appear in this file, and returns every
violation it finds; a spec is valid when none of them has severity ``error``. A violation
is a dict ``{"code", "field", "message", "severity"}`` where ``field`` is a dotted path
into the spec (list positions are numbers: ``node_groups.0.min_size``).
"""

from __future__ import annotations

import ipaddress
import re

from pydantic import ValidationError

from cluster_platform.models import ClusterSpec

ERROR = "error"
WARNING = "warning"

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
NAME_MAX_LENGTH = 40
TEAM_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,29}$")
NODE_GROUP_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,62}$")

ALLOWED_REGIONS = ("eu-west-1", "eu-central-1", "eu-north-1", "us-east-1")

# Kubernetes versions each cluster type may run, and those that still run but should be
# upgraded soon (they leave EKS standard support first).
ALLOWED_K8S_VERSIONS = {
    "general": ("1.28", "1.29", "1.30", "1.31"),
    "compute": ("1.29", "1.30", "1.31"),
    "memory": ("1.30", "1.31"),
}
DEPRECATED_K8S_VERSIONS = ("1.28", "1.29")

ALLOWED_INSTANCE_FAMILIES = {
    "general": ("m6i", "m7i"),
    "compute": ("c6i", "c7i"),
    "memory": ("r6i", "r7i"),
}
ALLOWED_INSTANCE_SIZES = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")

# Total nodes over all node groups: the sum of min_size may not go below the first number
# and the sum of max_size may not go above the second.
NODE_COUNT_LIMITS = {"dev": (1, 10), "staging": (2, 30), "prod": (3, 100)}

DISK_SIZE_MIN_GB = 50
DISK_SIZE_MAX_GB = 16384

VPC_PREFIX_RANGE = (16, 24)
PRIVATE_RANGES = tuple(
    ipaddress.ip_network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
MIN_SUBNETS = {"dev": 2, "staging": 2, "prod": 3}
AZ_SUFFIX = re.compile(r"^[a-z]$")

REQUIRED_TAGS = ("cost-center", "owner", "data-classification")
COST_CENTER_PATTERN = re.compile(r"^CC-\d{5}$")
OWNER_PATTERN = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$")
DATA_CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")

KMS_KEY_ARN_PATTERN = re.compile(r"^arn:aws:kms:([a-z0-9-]+):(\d{12}):key/([0-9a-f-]{36}|mrk-[0-9a-f]{32})$")

CONTROL_PLANE_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
REQUIRED_PROD_LOG_TYPES = ("api", "audit", "authenticator")


def violation(code: str, field: str, message: str, severity: str = ERROR) -> dict:
    return {"code": code, "field": field, "message": message, "severity": severity}


def schema_violations(error: ValidationError) -> list[dict]:
    """Turns pydantic's errors into violations, one per error, in pydantic's order."""
    return [
        violation("SCHEMA_INVALID", ".".join(str(part) for part in item["loc"]), item["msg"])
        for item in error.errors()
    ]


def has_errors(violations: list[dict]) -> bool:
    return any(item["severity"] == ERROR for item in violations)


def check_spec(spec: ClusterSpec, org_permission_boundary_arn: str) -> list[dict]:
    violations: list[dict] = []
    violations += _check_naming(spec)
    violations += _check_region_and_version(spec)
    violations += _check_node_groups(spec)
    violations += _check_network(spec)
    violations += _check_tags(spec)
    violations += _check_security(spec, org_permission_boundary_arn)
    return violations


def _check_naming(spec: ClusterSpec) -> list[dict]:
    found = []
    if not NAME_PATTERN.match(spec.name):
        found.append(
            violation(
                "NAME_INVALID",
                "name",
                f"name must start with a lowercase letter and contain only lowercase letters, digits and hyphens, got {spec.name!r}",
            )
        )
    if len(spec.name) > NAME_MAX_LENGTH:
        found.append(
            violation("NAME_TOO_LONG", "name", f"name must be at most {NAME_MAX_LENGTH} characters, got {len(spec.name)}")
        )
    if not TEAM_PATTERN.match(spec.team):
        found.append(
            violation(
                "TEAM_INVALID",
                "team",
                f"team must be 2-30 lowercase letters, digits or hyphens starting with a letter, got {spec.team!r}",
            )
        )
    return found


def _check_region_and_version(spec: ClusterSpec) -> list[dict]:
    found = []
    if spec.region not in ALLOWED_REGIONS:
        found.append(
            violation(
                "REGION_NOT_ALLOWED",
                "region",
                f"region {spec.region!r} is not allowed; use one of {', '.join(ALLOWED_REGIONS)}",
            )
        )
    allowed_versions = ALLOWED_K8S_VERSIONS[spec.cluster_type]
    if spec.kubernetes_version not in allowed_versions:
        found.append(
            violation(
                "K8S_VERSION_UNSUPPORTED",
                "kubernetes_version",
                f"kubernetes version {spec.kubernetes_version!r} is not supported for {spec.cluster_type} clusters; use one of {', '.join(allowed_versions)}",
            )
        )
    elif spec.kubernetes_version in DEPRECATED_K8S_VERSIONS:
        found.append(
            violation(
                "K8S_VERSION_DEPRECATED",
                "kubernetes_version",
                f"kubernetes version {spec.kubernetes_version} leaves standard support soon; prefer {allowed_versions[-1]}",
                WARNING,
            )
        )
    return found


def _check_node_groups(spec: ClusterSpec) -> list[dict]:
    found = []
    if not spec.node_groups:
        found.append(violation("NODE_GROUPS_EMPTY", "node_groups", "at least one node group is required"))
        return found

    families = ALLOWED_INSTANCE_FAMILIES[spec.cluster_type]
    seen_names: set[str] = set()
    for index, group in enumerate(spec.node_groups):
        path = f"node_groups.{index}"
        if not NODE_GROUP_NAME_PATTERN.match(group.name):
            found.append(
                violation(
                    "NODE_GROUP_NAME_INVALID",
                    f"{path}.name",
                    f"node group name must be up to 63 lowercase letters, digits or hyphens starting with a letter, got {group.name!r}",
                )
            )
        if group.name in seen_names:
            found.append(
                violation("NODE_GROUP_NAME_DUPLICATE", f"{path}.name", f"node group name {group.name!r} is used more than once")
            )
        seen_names.add(group.name)

        family, _, size = group.instance_type.partition(".")
        if family not in families or size not in ALLOWED_INSTANCE_SIZES:
            found.append(
                violation(
                    "INSTANCE_TYPE_NOT_ALLOWED",
                    f"{path}.instance_type",
                    f"instance type {group.instance_type!r} is not allowed for {spec.cluster_type} clusters; use the {' or '.join(families)} families",
                )
            )
        if not group.min_size <= group.desired_size <= group.max_size:
            found.append(
                violation(
                    "NODE_SIZE_INCONSISTENT",
                    f"{path}.desired_size",
                    f"sizes must satisfy min_size <= desired_size <= max_size, got {group.min_size} <= {group.desired_size} <= {group.max_size}",
                )
            )
        if group.disk_size_gb < DISK_SIZE_MIN_GB:
            found.append(
                violation(
                    "DISK_SIZE_TOO_SMALL",
                    f"{path}.disk_size_gb",
                    f"disk size must be at least {DISK_SIZE_MIN_GB} GB, got {group.disk_size_gb}",
                )
            )
        elif group.disk_size_gb > DISK_SIZE_MAX_GB:
            found.append(
                violation(
                    "DISK_SIZE_TOO_LARGE",
                    f"{path}.disk_size_gb",
                    f"disk size must be at most {DISK_SIZE_MAX_GB} GB, got {group.disk_size_gb}",
                )
            )

    lowest, highest = NODE_COUNT_LIMITS[spec.environment]
    total_min = sum(group.min_size for group in spec.node_groups)
    total_max = sum(group.max_size for group in spec.node_groups)
    if total_min < lowest or total_max > highest:
        found.append(
            violation(
                "NODE_COUNT_OUT_OF_RANGE",
                "node_groups",
                f"{spec.environment} clusters need between {lowest} and {highest} nodes in total, got min {total_min} and max {total_max}",
            )
        )
    return found


def _check_network(spec: ClusterSpec) -> list[dict]:
    found = []
    network = spec.network
    vpc = None
    try:
        vpc = ipaddress.ip_network(network.vpc_cidr)
    except ValueError as error:
        found.append(violation("VPC_CIDR_INVALID", "network.vpc_cidr", f"vpc_cidr is not a valid CIDR block: {error}"))
    if vpc is not None and vpc.version != 4:
        found.append(violation("VPC_CIDR_INVALID", "network.vpc_cidr", f"vpc_cidr must be an IPv4 CIDR block, got {network.vpc_cidr!r}"))
        vpc = None
    if vpc is not None:
        low, high = VPC_PREFIX_RANGE
        if not low <= vpc.prefixlen <= high:
            found.append(
                violation(
                    "VPC_CIDR_PREFIX_OUT_OF_RANGE",
                    "network.vpc_cidr",
                    f"vpc_cidr prefix must be between /{low} and /{high}, got /{vpc.prefixlen}",
                )
            )
        if not any(vpc.subnet_of(block) for block in PRIVATE_RANGES):
            found.append(
                violation(
                    "VPC_CIDR_NOT_PRIVATE",
                    "network.vpc_cidr",
                    f"vpc_cidr {vpc} is not inside a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)",
                )
            )

    parsed: list[tuple[int, ipaddress.IPv4Network]] = []
    seen_zones: set[str] = set()
    for index, subnet in enumerate(network.subnets):
        path = f"network.subnets.{index}"
        try:
            block = ipaddress.ip_network(subnet.cidr)
            if block.version != 4:
                raise ValueError(f"{subnet.cidr!r} is not an IPv4 network")
        except ValueError as error:
            found.append(violation("SUBNET_CIDR_INVALID", f"{path}.cidr", f"subnet cidr is not a valid CIDR block: {error}"))
            block = None
        if block is not None:
            if vpc is not None and not block.subnet_of(vpc):
                found.append(violation("SUBNET_OUTSIDE_VPC", f"{path}.cidr", f"subnet {block} is not inside the VPC {vpc}"))
            for other_index, other in parsed:
                if block.overlaps(other):
                    found.append(
                        violation(
                            "SUBNET_OVERLAP",
                            f"{path}.cidr",
                            f"subnet {block} overlaps network.subnets.{other_index} ({other})",
                        )
                    )
            parsed.append((index, block))

        zone = subnet.availability_zone
        if zone in seen_zones:
            found.append(
                violation(
                    "SUBNET_AZ_DUPLICATE",
                    f"{path}.availability_zone",
                    f"availability zone {zone!r} already has a subnet; spread subnets over distinct zones",
                )
            )
        seen_zones.add(zone)
        if not (zone.startswith(spec.region) and AZ_SUFFIX.match(zone[len(spec.region):])):
            found.append(
                violation(
                    "SUBNET_AZ_REGION_MISMATCH",
                    f"{path}.availability_zone",
                    f"availability zone {zone!r} is not in region {spec.region}",
                )
            )

    needed = MIN_SUBNETS[spec.environment]
    if len(network.subnets) < needed:
        found.append(
            violation(
                "INSUFFICIENT_SUBNETS",
                "network.subnets",
                f"{spec.environment} clusters need at least {needed} subnets, got {len(network.subnets)}",
            )
        )

    if network.endpoint_public_access:
        if spec.environment == "prod":
            found.append(
                violation(
                    "PUBLIC_ENDPOINT_IN_PROD",
                    "network.endpoint_public_access",
                    "prod clusters must not expose a public API endpoint",
                )
            )
        else:
            found.append(
                violation(
                    "PUBLIC_ENDPOINT_ENABLED",
                    "network.endpoint_public_access",
                    "the cluster API endpoint is public; restrict it unless you need it",
                    WARNING,
                )
            )
    return found


def _check_tags(spec: ClusterSpec) -> list[dict]:
    found = []
    tags = spec.tags
    for key in REQUIRED_TAGS:
        if key not in tags:
            found.append(violation("TAG_MISSING", f"tags.{key}", f"tag {key!r} is required"))
    if "cost-center" in tags and not COST_CENTER_PATTERN.match(tags["cost-center"]):
        found.append(
            violation(
                "TAG_COST_CENTER_FORMAT",
                "tags.cost-center",
                f"cost-center must look like CC-12345, got {tags['cost-center']!r}",
            )
        )
    if "owner" in tags and not OWNER_PATTERN.match(tags["owner"]):
        found.append(
            violation("TAG_OWNER_FORMAT", "tags.owner", f"owner must be a lowercase email address, got {tags['owner']!r}")
        )
    if "data-classification" in tags and tags["data-classification"] not in DATA_CLASSIFICATIONS:
        found.append(
            violation(
                "TAG_DATA_CLASSIFICATION_INVALID",
                "tags.data-classification",
                f"data-classification must be one of {', '.join(DATA_CLASSIFICATIONS)}, got {tags['data-classification']!r}",
            )
        )
    return found


def _check_security(spec: ClusterSpec, org_permission_boundary_arn: str) -> list[dict]:
    found = []
    security = spec.security
    if not security.kms_key_arn:
        if spec.environment != "dev":
            found.append(
                violation(
                    "KMS_KEY_REQUIRED",
                    "security.kms_key_arn",
                    f"{spec.environment} clusters must encrypt secrets with a KMS key",
                )
            )
    else:
        match = KMS_KEY_ARN_PATTERN.match(security.kms_key_arn)
        if match is None:
            found.append(
                violation(
                    "KMS_KEY_ARN_INVALID",
                    "security.kms_key_arn",
                    f"kms_key_arn is not a KMS key ARN: {security.kms_key_arn!r}",
                )
            )
        elif match.group(1) != spec.region:
            found.append(
                violation(
                    "KMS_KEY_REGION_MISMATCH",
                    "security.kms_key_arn",
                    f"the KMS key is in {match.group(1)} but the cluster is in {spec.region}",
                )
            )

    if security.permission_boundary_arn != org_permission_boundary_arn:
        found.append(
            violation(
                "PERMISSION_BOUNDARY_MISMATCH",
                "security.permission_boundary_arn",
                f"permission_boundary_arn must be the organisation's boundary {org_permission_boundary_arn}",
            )
        )

    for index, log_type in enumerate(security.control_plane_logging):
        if log_type not in CONTROL_PLANE_LOG_TYPES:
            found.append(
                violation(
                    "CONTROL_PLANE_LOG_TYPE_INVALID",
                    f"security.control_plane_logging.{index}",
                    f"unknown control-plane log type {log_type!r}; use {', '.join(CONTROL_PLANE_LOG_TYPES)}",
                )
            )
    if spec.environment == "prod":
        missing = [log_type for log_type in REQUIRED_PROD_LOG_TYPES if log_type not in security.control_plane_logging]
        if missing:
            found.append(
                violation(
                    "CONTROL_PLANE_LOGGING_REQUIRED",
                    "security.control_plane_logging",
                    f"prod clusters must enable control-plane logging for {', '.join(missing)}",
                )
            )
    return found
