"""The traffic scenario behind the recorded corpus (`events/corpus.jsonl`).

`run(traffic)` sends, in a fixed order, everything a few weeks of a busy platform would
see, squeezed into one run:

- `lifecycle/...`: whole lives of clusters in every environment and cluster type:
  create, pipeline events (started, succeeded or failed, repeated and out of order),
  get, compliance, the audit trail paged, decommission twice (the second one is refused);
- `list/...`: listing with every filter, limits, and paging through `next_token`;
- `validate/...`: one spec per violation code, plus valid specs of every kind;
- `bad-input/...`: bodies that are not JSON, wrong types, nulls, huge numbers, unicode,
  base64-encoded bodies, a 1 MB body, unknown ids, routes and methods, bad paging input;
- `idempotency/...`: repeated creates with one `Idempotency-Key`, and the key reused
  with another body;
- every request carries an `Authorization` header and some carry cookies and API keys,
  so the corpus shows they are redacted.

The inputs are fixed: the only randomness comes from `random.Random(SEED)`. The answers
(cluster ids, timestamps, paging tokens) differ between runs; later steps use what
earlier steps returned.

This module has no side effects at import time: the corpus tests import it for the
secret values it sends, to check none of them reached the corpus.
"""

from __future__ import annotations

import base64
import json
import os
import random
import uuid
from typing import Any

SEED = 20260302
REGION = "eu-west-1"
ACCOUNT = "123456789012"

# Placeholder credentials the scenario sends so the corpus shows they are redacted. They
# are not real secrets; the corpus tests check that none of them reached the file.
SECRET_BEARER_TOKEN = "Bearer eyJhbGciOiJIUzI1NiJ9.c2NlbmFyaW8tb25seQ.cutover-scenario-token-7f3a9c"
SECRET_COOKIE = "portal_session=cutover-scenario-session-4b1d8e; csrftoken=cutover-scenario-csrf-9a2c"
SECRET_API_KEY = "cutover-scenario-api-key-2e6f0d51c8"
SECRET_SECURITY_TOKEN = "cutover-scenario-sts-token-IQoJb3JpZ2luX2Vj"
SECRET_CUSTOM_TOKEN = "cutover-scenario-custom-token-55aa"
SECRET_VALUES = (
    SECRET_BEARER_TOKEN,
    SECRET_COOKIE,
    SECRET_API_KEY,
    SECRET_SECURITY_TOKEN,
    SECRET_CUSTOM_TOKEN,
    # parts that would betray a partial leak
    "cutover-scenario-token-7f3a9c",
    "cutover-scenario-session-4b1d8e",
    "cutover-scenario-csrf-9a2c",
)

PIPELINE_DETAIL_TYPE = "CodePipeline Pipeline Execution State Change"

ENVIRONMENTS = ("dev", "staging", "prod")
CLUSTER_TYPES = ("general", "compute", "memory")
TEAMS = ("payments", "search", "identity", "ml-platform", "data-eng", "observability")
CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")
INSTANCE_FAMILY = {"general": "m6i", "compute": "c6i", "memory": "r6i"}
K8S_VERSION = {"general": "1.31", "compute": "1.30", "memory": "1.31"}

ONE_MEGABYTE = 1024 * 1024


class ScenarioError(RuntimeError):
    """The scenario could not go on: a step did not get the answer later steps need."""


def auth_headers(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the cluster portal sends with every call: a bearer token."""
    return {"Authorization": SECRET_BEARER_TOKEN, **(extra or {})}


def kms_key_arn(label: str, region: str = REGION) -> str:
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/{uuid.uuid5(uuid.NAMESPACE_URL, 'kms/' + label)}"


def valid_spec(name: str, team: str, environment: str, cluster_type: str, *, network_index: int = 1, rng: random.Random | None = None) -> dict[str, Any]:
    """A spec every rule accepts (some get warnings in dev: a public endpoint)."""
    rng = rng or random.Random(f"{SEED}/{name}")
    family = INSTANCE_FAMILY[cluster_type]
    zones = "abc" if environment == "prod" or rng.random() < 0.5 else "ab"
    groups_per_env = {"dev": [(1, 3, 2)], "staging": [(2, 6, 3)], "prod": [(3, 12, 3), (2, 9, 2)]}
    node_groups = []
    for index, (minimum, maximum, desired) in enumerate(groups_per_env[environment]):
        node_groups.append(
            {
                "name": "system" if index == 0 else "workers",
                "instance_type": f"{family}.{rng.choice(('large', 'xlarge', '2xlarge'))}",
                "min_size": minimum,
                "max_size": maximum,
                "desired_size": desired,
                "disk_size_gb": rng.choice((50, 100, 200)),
            }
        )
    security: dict[str, Any] = {
        "permission_boundary_arn": os.environ.get(
            "ORG_PERMISSION_BOUNDARY_ARN", f"arn:aws:iam::{ACCOUNT}:policy/org/eks-permission-boundary"
        ),
        "control_plane_logging": ["api", "audit", "authenticator"] if environment == "prod" else ["api"],
    }
    if environment != "dev" or rng.random() < 0.5:
        security["kms_key_arn"] = kms_key_arn(name)
    return {
        "name": name,
        "team": team,
        "environment": environment,
        "cluster_type": cluster_type,
        "kubernetes_version": K8S_VERSION[cluster_type],
        "region": REGION,
        "node_groups": node_groups,
        "network": {
            "vpc_cidr": f"10.{network_index}.0.0/16",
            "subnets": [
                {"cidr": f"10.{network_index}.{position * 16}.0/20", "availability_zone": f"{REGION}{zone}"}
                for position, zone in enumerate(zones)
            ],
            "endpoint_public_access": environment == "dev" and rng.random() < 0.3,
        },
        "security": security,
        "tags": {
            "cost-center": f"CC-{rng.randint(10000, 99999)}",
            "owner": f"{team}@example.com",
            "data-classification": rng.choice(CLASSIFICATIONS),
        },
    }


def json_of(response) -> Any:
    try:
        return response.json()
    except Exception:  # noqa: BLE001 - bodies of error answers may be anything
        return None


def _require_cluster_id(step: str, response) -> str:
    body = json_of(response)
    if response.status != 201 or not isinstance(body, dict) or not isinstance(body.get("cluster_id"), str):
        raise ScenarioError(f"{step}: expected 201 with a cluster_id, got {response.status}: {response.body[:300]}")
    return body["cluster_id"]


def _execution_id(body: Any, cluster_id: str) -> str:
    """The pipeline execution id create-cluster reported, wherever it put it."""
    if isinstance(body, dict):
        for key in ("pipeline_execution_id", "execution_id"):
            if isinstance(body.get(key), str):
                return body[key]
        pipeline = body.get("pipeline")
        if isinstance(pipeline, dict) and isinstance(pipeline.get("execution_id"), str):
            return pipeline["execution_id"]
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"execution/{cluster_id}"))


# Pipeline event plans: the states pipeline-status sees for one execution, in the order
# they arrive. Repeated and late events must never move a cluster backwards.
PIPELINE_PLANS = {
    "succeeds": ("STARTED", "SUCCEEDED"),
    "succeeds-with-repeats": ("STARTED", "STARTED", "SUCCEEDED", "SUCCEEDED"),
    "fails": ("STARTED", "FAILED"),
    "late-started": ("STARTED", "SUCCEEDED", "STARTED"),
    "out-of-order": ("SUCCEEDED", "STARTED"),
    "fails-then-late-success": ("STARTED", "FAILED", "SUCCEEDED"),
    "still-provisioning": ("STARTED",),
    "never-started": (),
    "other-states": ("STARTED", "RESUMED", "SUPERSEDED", "CANCELED", "STOPPING", "STOPPED"),
}


def run(traffic) -> None:
    rng = random.Random(SEED)
    clusters = lifecycles(traffic, rng)
    listing(traffic, "list", clusters)
    for cluster in clusters:
        decommission(traffic, cluster)
    listing_after_decommission(traffic)
    validation(traffic, rng)
    bad_input(traffic, clusters)
    idempotency(traffic)
    secrets(traffic, clusters)


def lifecycles(traffic, rng: random.Random) -> list[dict[str, Any]]:
    """Create clusters in every environment and type, drive them through the pipeline,
    read them, check compliance and walk the audit trail."""
    plans = list(PIPELINE_PLANS)
    created: list[dict[str, Any]] = []
    number = 0
    for environment in ENVIRONMENTS:
        for cluster_type in CLUSTER_TYPES:
            for copy in (1, 2):
                number += 1
                team = TEAMS[(number - 1) % len(TEAMS)]
                name = f"{team}-{environment}-{cluster_type}-{copy}"
                label = f"lifecycle/{environment}-{cluster_type}-{copy}"
                spec = valid_spec(name, team, environment, cluster_type, network_index=number, rng=rng)
                headers = auth_headers()
                if number % 3 == 0:
                    headers["Idempotency-Key"] = f"create-{name}"
                response = traffic.api(f"{label}/create", "POST", "/clusters", "/clusters", json_body=spec, headers=headers)
                cluster_id = _require_cluster_id(f"{label}/create", response)
                created.append(
                    {
                        "cluster_id": cluster_id,
                        "label": label,
                        "environment": environment,
                        "team": team,
                        "plan": plans[(number - 1) % len(plans)],
                        "execution_id": _execution_id(json_of(response), cluster_id),
                    }
                )
    for cluster in created:
        drive_pipeline(traffic, cluster)
    for cluster in created:
        read_back(traffic, cluster)
    return created


def drive_pipeline(traffic, cluster: dict[str, Any]) -> None:
    label, cluster_id = cluster["label"], cluster["cluster_id"]
    for step, state in enumerate(PIPELINE_PLANS[cluster["plan"]], start=1):
        traffic.pipeline_event(
            f"{label}/pipeline/{cluster['plan']}/{step}-{state.lower()}",
            f"eks-{cluster_id}",
            cluster["execution_id"],
            state,
            entity=cluster_id,
        )


def cluster_path(cluster_id: str, suffix: str = "") -> str:
    return f"/clusters/{cluster_id}{suffix}"


def read_back(traffic, cluster: dict[str, Any]) -> None:
    label, cluster_id = cluster["label"], cluster["cluster_id"]
    params = {"cluster_id": cluster_id}
    traffic.api(f"{label}/get", "GET", "/clusters/{cluster_id}", cluster_path(cluster_id),
                path_parameters=params, headers=auth_headers(), entity=cluster_id)
    traffic.api(f"{label}/compliance", "POST", "/clusters/{cluster_id}/compliance", cluster_path(cluster_id, "/compliance"),
                path_parameters=params, headers=auth_headers(), entity=cluster_id)
    # Prod audit trails are read one event per page, the others two per page.
    walk_events(traffic, f"{label}/events", cluster_id, limit=1 if cluster["environment"] == "prod" else 2)


def decommission(traffic, cluster: dict[str, Any]) -> None:
    """Decommission twice (the second is refused), then read the cluster and its trail."""
    label, cluster_id = cluster["label"], cluster["cluster_id"]
    if cluster["plan"] == "never-started":
        # Left PENDING, so listing by status finds some after the decommissions.
        return
    params = {"cluster_id": cluster_id}
    traffic.api(f"{label}/decommission", "DELETE", "/clusters/{cluster_id}", cluster_path(cluster_id),
                path_parameters=params, headers=auth_headers(), entity=cluster_id)
    traffic.api(f"{label}/decommission-again", "DELETE", "/clusters/{cluster_id}", cluster_path(cluster_id),
                path_parameters=params, headers=auth_headers(), entity=cluster_id)
    traffic.api(f"{label}/get-after-decommission", "GET", "/clusters/{cluster_id}", cluster_path(cluster_id),
                path_parameters=params, headers=auth_headers(), entity=cluster_id)
    traffic.api(f"{label}/events-after-decommission", "GET", "/clusters/{cluster_id}/events", cluster_path(cluster_id, "/events"),
                path_parameters=params, query={"limit": "50"}, headers=auth_headers(), entity=cluster_id)


MAX_PAGES = 12


def walk_events(traffic, label: str, cluster_id: str, *, limit: int) -> None:
    """Reads a cluster's audit trail page by page, following next_token."""
    token = None
    for page in range(1, MAX_PAGES + 1):
        query = {"limit": str(limit)}
        if token:
            query["next_token"] = token
        response = traffic.api(f"{label}/page-{page}", "GET", "/clusters/{cluster_id}/events", cluster_path(cluster_id, "/events"),
                               path_parameters={"cluster_id": cluster_id}, query=query, headers=auth_headers(), entity=cluster_id)
        token = _next_token(response)
        if not token:
            return


def _next_token(response) -> str | None:
    body = json_of(response)
    if response.status == 200 and isinstance(body, dict) and isinstance(body.get("next_token"), str):
        return body["next_token"]
    return None


def walk_list(traffic, label: str, query: dict[str, str]) -> None:
    token = None
    for page in range(1, MAX_PAGES + 1):
        page_query = dict(query)
        if token:
            page_query["next_token"] = token
        response = traffic.api(f"{label}/page-{page}", "GET", "/clusters", "/clusters",
                               query=page_query or None, headers=auth_headers())
        token = _next_token(response)
        if not token:
            return


def listing(traffic, label: str, clusters: list[dict[str, Any]]) -> None:
    """Lists with every filter, alone and combined, paged, while clusters are in every status."""
    traffic.api(f"{label}/all-default-limit", "GET", "/clusters", "/clusters", headers=auth_headers())
    walk_list(traffic, f"{label}/all-by-5", {"limit": "5"})
    for environment in ENVIRONMENTS:
        walk_list(traffic, f"{label}/environment-{environment}", {"environment": environment, "limit": "4"})
    for team in TEAMS:
        walk_list(traffic, f"{label}/team-{team}", {"team": team, "limit": "25"})
    for status in ("PENDING", "PROVISIONING", "ACTIVE", "FAILED", "DECOMMISSIONING"):
        traffic.api(f"{label}/status-{status.lower()}", "GET", "/clusters", "/clusters",
                    query={"status": status, "limit": "100"}, headers=auth_headers())
    # DynamoDB filters after the limit: pages can be empty and still have a next page.
    walk_list(traffic, f"{label}/prod-payments-active", {"environment": "prod", "team": "payments", "status": "ACTIVE", "limit": "2"})
    traffic.api(f"{label}/staging-active", "GET", "/clusters", "/clusters",
                query={"environment": "staging", "status": "ACTIVE"}, headers=auth_headers())
    traffic.api(f"{label}/limit-1", "GET", "/clusters", "/clusters", query={"limit": "1"}, headers=auth_headers())
    traffic.api(f"{label}/limit-max", "GET", "/clusters", "/clusters", query={"limit": "100"}, headers=auth_headers())
    traffic.api(f"{label}/unknown-team", "GET", "/clusters", "/clusters", query={"team": "no-such-team"}, headers=auth_headers())
    traffic.api(f"{label}/repeated-query-parameter", "GET", "/clusters", "/clusters",
                multi_query={"environment": ["dev", "prod"]}, headers=auth_headers())


def listing_after_decommission(traffic) -> None:
    for status in ("PENDING", "DECOMMISSIONING"):
        traffic.api(f"list-after-decommission/status-{status.lower()}", "GET", "/clusters", "/clusters",
                    query={"status": status}, headers=auth_headers())
    walk_list(traffic, "list-after-decommission/prod-decommissioning", {"environment": "prod", "status": "DECOMMISSIONING", "limit": "3"})


def validation(traffic, rng: random.Random) -> None:
    """Valid specs of every kind, then one spec per violation code."""
    for environment in ENVIRONMENTS:
        for cluster_type in CLUSTER_TYPES:
            spec = valid_spec(f"valid-{environment}-{cluster_type}", "platform", environment, cluster_type, network_index=100, rng=rng)
            traffic.api(f"validate/valid/{environment}-{cluster_type}", "POST", "/clusters/validate", "/clusters/validate",
                        json_body=spec, headers=auth_headers())
    for code, spec in violation_cases():
        traffic.api(f"validate/violation/{code}", "POST", "/clusters/validate", "/clusters/validate",
                    json_body=spec, headers=auth_headers())


def _base(environment: str = "prod", cluster_type: str = "general", name: str = "rules-check") -> dict[str, Any]:
    return valid_spec(name, "platform", environment, cluster_type, network_index=200, rng=random.Random(f"{SEED}/rules"))


def violation_cases() -> list[tuple[str, dict[str, Any]]]:
    """(violation code, spec) pairs: each spec breaks the rule named by the code (and, for
    a few, one or two more on purpose)."""
    cases: list[tuple[str, dict[str, Any]]] = []

    def case(code: str, change, *, environment: str = "prod", cluster_type: str = "general") -> None:
        spec = _base(environment, cluster_type)
        change(spec)
        cases.append((code, spec))

    def put(path: str, value):
        def change(spec):
            target = spec
            parts = path.split(".")
            for part in parts[:-1]:
                target = target[int(part)] if isinstance(target, list) else target[part]
            last = parts[-1]
            if isinstance(target, list):
                target[int(last)] = value
            else:
                target[last] = value
        return change

    case("NAME_INVALID", put("name", "Payments_Prod"))
    case("NAME_TOO_LONG", put("name", "payments-prod-" + "x" * 40))
    case("TEAM_INVALID", put("team", "Payments Team"))
    case("REGION_NOT_ALLOWED", put("region", "ap-southeast-2"))
    case("K8S_VERSION_UNSUPPORTED", put("kubernetes_version", "1.25"))
    case("K8S_VERSION_DEPRECATED", put("kubernetes_version", "1.28"))
    case("NODE_GROUPS_EMPTY", put("node_groups", []))
    case("NODE_GROUP_NAME_INVALID", put("node_groups.0.name", "System_Pool"))
    case("NODE_GROUP_NAME_DUPLICATE", put("node_groups.1.name", "system"))
    case("INSTANCE_TYPE_NOT_ALLOWED", put("node_groups.0.instance_type", "t3.micro"))
    case("INSTANCE_TYPE_NOT_ALLOWED/wrong-family-for-type", put("node_groups.0.instance_type", "m6i.large"), cluster_type="memory")
    case("NODE_SIZE_INCONSISTENT", put("node_groups.0.desired_size", 20))
    case("DISK_SIZE_TOO_SMALL", put("node_groups.0.disk_size_gb", 20))
    case("DISK_SIZE_TOO_LARGE", put("node_groups.0.disk_size_gb", 20000))
    case("NODE_COUNT_OUT_OF_RANGE", put("node_groups.0.max_size", 95))
    case("NODE_COUNT_OUT_OF_RANGE/dev-too-many", put("node_groups.0.max_size", 11), environment="dev")
    case("VPC_CIDR_INVALID", put("network.vpc_cidr", "10.300.0.0/16"))
    case("VPC_CIDR_INVALID/ipv6", put("network.vpc_cidr", "fd00::/48"))
    case("VPC_CIDR_PREFIX_OUT_OF_RANGE", put("network.vpc_cidr", "10.0.0.0/8"))
    case("VPC_CIDR_NOT_PRIVATE", put("network.vpc_cidr", "52.16.0.0/16"))
    case("SUBNET_CIDR_INVALID", put("network.subnets.0.cidr", "10.200.0.0/33"))
    case("SUBNET_OUTSIDE_VPC", put("network.subnets.2.cidr", "10.201.0.0/20"))
    case("SUBNET_OVERLAP", put("network.subnets.1.cidr", "10.200.8.0/24"))
    case("SUBNET_AZ_DUPLICATE", put("network.subnets.2.availability_zone", f"{REGION}a"))
    case("SUBNET_AZ_REGION_MISMATCH", put("network.subnets.2.availability_zone", "us-east-1c"))
    case("INSUFFICIENT_SUBNETS", lambda spec: spec["network"]["subnets"].pop())
    case("PUBLIC_ENDPOINT_IN_PROD", put("network.endpoint_public_access", True))
    case("PUBLIC_ENDPOINT_ENABLED", put("network.endpoint_public_access", True), environment="staging")
    case("TAG_MISSING", lambda spec: spec["tags"].pop("owner"))
    case("TAG_MISSING/no-tags", put("tags", {}))
    case("TAG_COST_CENTER_FORMAT", put("tags.cost-center", "1234"))
    case("TAG_OWNER_FORMAT", put("tags.owner", "Platform Team"))
    case("TAG_DATA_CLASSIFICATION_INVALID", put("tags.data-classification", "secret"))
    case("KMS_KEY_REQUIRED", lambda spec: spec["security"].pop("kms_key_arn"), environment="staging")
    case("KMS_KEY_ARN_INVALID", put("security.kms_key_arn", "alias/eks-secrets"))
    case("KMS_KEY_REGION_MISMATCH", put("security.kms_key_arn", kms_key_arn("rules-check", "us-east-1")))
    case("PERMISSION_BOUNDARY_MISMATCH", put("security.permission_boundary_arn", f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess"))
    case("PERMISSION_BOUNDARY_MISMATCH/missing", lambda spec: spec["security"].pop("permission_boundary_arn"))
    case("CONTROL_PLANE_LOG_TYPE_INVALID", put("security.control_plane_logging", ["api", "audit", "authenticator", "kubelet"]))
    case("CONTROL_PLANE_LOGGING_REQUIRED", put("security.control_plane_logging", ["api"]))
    case("SCHEMA_INVALID", put("node_groups.0.min_size", "three"))
    case("SCHEMA_INVALID/unknown-field", put("owner_team", "payments"))

    def everything_wrong(spec):
        spec.update(name="X", team="?", region="mars-1", kubernetes_version="0.1")
        spec["network"].update(vpc_cidr="8.8.8.0/28", endpoint_public_access=True)
        spec["tags"] = {"cost-center": "cc", "data-classification": "top-secret"}
        spec["security"] = {"kms_key_arn": "not-an-arn", "control_plane_logging": ["everything"]}

    case("many-at-once", everything_wrong)
    return cases


def _bad_body(traffic, label: str, body: str | None, *, route: str = "validate", is_base64: bool = False, headers: dict | None = None):
    resource = "/clusters/validate" if route == "validate" else "/clusters"
    return traffic.api(f"bad-input/{route}/{label}", "POST", resource, resource, body=body, is_base64=is_base64,
                       headers=auth_headers(headers))


def bad_input(traffic, clusters: list[dict[str, Any]]) -> None:
    good = valid_spec("bad-input-base", "platform", "staging", "compute", network_index=210)
    good_text = json.dumps(good)

    for route in ("validate", "create"):
        _bad_body(traffic, "missing-body", None, route=route)
        _bad_body(traffic, "empty-body", "", route=route)
        _bad_body(traffic, "invalid-json-truncated", good_text[: len(good_text) // 2], route=route)
        _bad_body(traffic, "invalid-json-text", "name=payments&environment=prod", route=route)
        _bad_body(traffic, "json-null", "null", route=route)
        _bad_body(traffic, "json-empty-object", "{}", route=route)
        _bad_body(traffic, "json-array", json.dumps([good]), route=route)
        _bad_body(traffic, "json-string", json.dumps(good_text), route=route)
        _bad_body(traffic, "wrong-types", json.dumps({**good, "node_groups": "three", "network": [], "tags": ["a"]}), route=route)
        _bad_body(traffic, "numbers-as-strings", json.dumps({**good, "node_groups": [{**good["node_groups"][0], "min_size": "2", "max_size": "6"}]}), route=route)
        _bad_body(traffic, "nulls", json.dumps({**good, "name": None, "security": None, "tags": {"owner": None}}), route=route)
        _bad_body(traffic, "null-node-group", json.dumps({**good, "node_groups": [None]}), route=route)
        _bad_body(traffic, "huge-float", json.dumps({**good, "node_groups": [{**good["node_groups"][0], "max_size": 1e308}]}), route=route)
        _bad_body(traffic, "huge-integer", json.dumps({**good, "node_groups": [{**good["node_groups"][0], "disk_size_gb": 2**70}]}), route=route)
        _bad_body(traffic, "negative-and-fraction", json.dumps({**good, "node_groups": [{**good["node_groups"][0], "min_size": -1, "desired_size": 2.5}]}), route=route)
        _bad_body(traffic, "nan-literal", good_text.replace('"min_size": 2', '"min_size": NaN'), route=route)
        _bad_body(traffic, "infinity-literal", good_text.replace('"min_size": 2', '"min_size": Infinity'), route=route)
        _bad_body(traffic, "boolean-as-number", json.dumps({**good, "node_groups": [{**good["node_groups"][0], "min_size": True}]}), route=route)
        _bad_body(traffic, "unicode-name", json.dumps({**good, "name": "zahlungs-clüster-π"}), route=route)
        _bad_body(traffic, "unicode-name-raw-utf8", json.dumps({**good, "name": "支付集群"}, ensure_ascii=False), route=route)
        _bad_body(traffic, "emoji-name", json.dumps({**good, "name": "rocket-🚀-cluster"}), route=route)
        _bad_body(traffic, "base64-valid-spec", base64.b64encode(good_text.encode()).decode(), route=route, is_base64=True)
        _bad_body(traffic, "base64-not-base64", "this is not base64!!", route=route, is_base64=True)
        _bad_body(traffic, "base64-not-utf8", base64.b64encode(b"\xff\xfe\x00garbage").decode(), route=route, is_base64=True)
        _bad_body(traffic, "wrong-content-type", good_text, route=route, headers={"Content-Type": "text/plain"})

    # Unicode that is allowed: tag values and node group names the rules do not constrain.
    unicode_spec = valid_spec("unicode-tags", "platform", "dev", "general", network_index=211)
    unicode_spec["tags"].update({"description": "Équipe paiements — zone Ω 🚀", "team-name-ja": "決済チーム", "emoji": "🔥💾☁️"})
    response = traffic.api("bad-input/create/unicode-tag-values", "POST", "/clusters", "/clusters",
                           body=json.dumps(unicode_spec, ensure_ascii=False), headers=auth_headers())
    unicode_id = _require_cluster_id("bad-input/create/unicode-tag-values", response)
    traffic.api("bad-input/get/unicode-tag-values", "GET", "/clusters/{cluster_id}", cluster_path(unicode_id),
                path_parameters={"cluster_id": unicode_id}, headers=auth_headers(), entity=unicode_id)
    traffic.api("bad-input/compliance/unicode-tag-values", "POST", "/clusters/{cluster_id}/compliance", cluster_path(unicode_id, "/compliance"),
                path_parameters={"cluster_id": unicode_id}, headers=auth_headers(), entity=unicode_id)

    # A base64-encoded create that succeeds.
    base64_spec = valid_spec("base64-create", "platform", "dev", "memory", network_index=212)
    traffic.api("bad-input/create/base64-encoded-spec", "POST", "/clusters", "/clusters",
                body=base64.b64encode(json.dumps(base64_spec).encode()).decode(), is_base64=True, headers=auth_headers())

    # One body of 1 MB: a valid spec with a very long tag value.
    big = valid_spec("one-megabyte", "platform", "dev", "general", network_index=213)
    big["tags"]["notes"] = ""
    padding = ONE_MEGABYTE - len(json.dumps(big))
    big["tags"]["notes"] = "".join(random.Random(SEED).choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(padding))
    traffic.api("bad-input/validate/one-megabyte-body", "POST", "/clusters/validate", "/clusters/validate",
                body=json.dumps(big), headers=auth_headers())

    # Unknown ids on every route that takes one.
    for unknown in ("00000000-0000-4000-8000-000000000000", "does-not-exist", "ünïcødé-id", "x" * 300):
        short = unknown[:24]
        params = {"cluster_id": unknown}
        traffic.api(f"bad-input/unknown-id/{short}/get", "GET", "/clusters/{cluster_id}", cluster_path(unknown),
                    path_parameters=params, headers=auth_headers(), entity=unknown)
        traffic.api(f"bad-input/unknown-id/{short}/events", "GET", "/clusters/{cluster_id}/events", cluster_path(unknown, "/events"),
                    path_parameters=params, headers=auth_headers(), entity=unknown)
        traffic.api(f"bad-input/unknown-id/{short}/compliance", "POST", "/clusters/{cluster_id}/compliance", cluster_path(unknown, "/compliance"),
                    path_parameters=params, headers=auth_headers(), entity=unknown)
        traffic.api(f"bad-input/unknown-id/{short}/decommission", "DELETE", "/clusters/{cluster_id}", cluster_path(unknown),
                    path_parameters=params, headers=auth_headers(), entity=unknown)

    # Paging input the API must refuse.
    some_cluster = clusters[0]["cluster_id"]
    for label, query in (
        ("limit-zero", {"limit": "0"}),
        ("limit-negative", {"limit": "-5"}),
        ("limit-text", {"limit": "ten"}),
        ("limit-too-big", {"limit": "1000"}),
        ("limit-fraction", {"limit": "2.5"}),
        ("limit-huge", {"limit": str(2**70)}),
        ("next-token-garbage", {"next_token": "not-a-token"}),
        ("next-token-not-json", {"next_token": base64.urlsafe_b64encode(b"plain text").decode()}),
        ("next-token-wrong-keys", {"next_token": base64.urlsafe_b64encode(b'{"other": "key"}').decode()}),
        ("next-token-empty", {"next_token": ""}),
        ("status-unknown", {"status": "EXPLODED"}),
        ("environment-unknown", {"environment": "qa"}),
    ):
        traffic.api(f"bad-input/list/{label}", "GET", "/clusters", "/clusters", query=query, headers=auth_headers())
    for label, query in (
        ("limit-zero", {"limit": "0"}),
        ("limit-text", {"limit": "many"}),
        ("next-token-garbage", {"next_token": "%%%"}),
        ("next-token-other-cluster", {"next_token": base64.urlsafe_b64encode(json.dumps({"cluster_id": "other", "event_key": "2026"}).encode()).decode()}),
    ):
        traffic.api(f"bad-input/events/{label}", "GET", "/clusters/{cluster_id}/events", cluster_path(some_cluster, "/events"),
                    path_parameters={"cluster_id": some_cluster}, query=query, headers=auth_headers(), entity=some_cluster)

    # Routes and methods the functions do not serve (a catch-all API mapping sends them on).
    traffic.api("bad-input/route/put-cluster", "PUT", "/clusters/{cluster_id}", cluster_path(some_cluster),
                function="get-cluster", path_parameters={"cluster_id": some_cluster}, json_body={"name": "renamed"},
                headers=auth_headers(), entity=some_cluster)
    traffic.api("bad-input/route/patch-clusters", "PATCH", "/clusters", "/clusters", function="list-clusters",
                json_body={}, headers=auth_headers())
    traffic.api("bad-input/route/get-validate", "GET", "/clusters/validate", "/clusters/validate",
                function="validate-cluster-spec", headers=auth_headers())
    traffic.api("bad-input/route/restart", "POST", "/clusters/{cluster_id}/restart", cluster_path(some_cluster, "/restart"),
                function="check-compliance", path_parameters={"cluster_id": some_cluster}, headers=auth_headers(), entity=some_cluster)
    traffic.api("bad-input/route/delete-all", "DELETE", "/clusters", "/clusters", function="decommission-cluster",
                headers=auth_headers())

    # Pipeline events the platform must tolerate.
    traffic.pipeline_event("bad-input/pipeline/unknown-cluster", "eks-00000000-0000-4000-8000-00000000abcd",
                           str(uuid.uuid5(uuid.NAMESPACE_URL, "unknown-execution")), "SUCCEEDED")
    traffic.pipeline_event("bad-input/pipeline/not-our-pipeline", "billing-nightly-export",
                           str(uuid.uuid5(uuid.NAMESPACE_URL, "foreign-execution")), "STARTED")
    traffic.pipeline_event("bad-input/pipeline/unknown-state", f"eks-{some_cluster}",
                           clusters[0]["execution_id"], "EXPLODED", entity=some_cluster)
    traffic.pipeline_event("bad-input/pipeline/detail-null", f"eks-{some_cluster}", clusters[0]["execution_id"], "SUCCEEDED",
                           tamper=lambda event: event.update(detail=None))
    traffic.pipeline_event("bad-input/pipeline/detail-missing-state", f"eks-{some_cluster}", clusters[0]["execution_id"], "SUCCEEDED",
                           tamper=lambda event: event["detail"].pop("state"), entity=some_cluster)
    # A detail that is not an object makes the handler raise: the record carries the error.
    traffic.pipeline_event("bad-input/pipeline/detail-not-an-object", f"eks-{some_cluster}", clusters[0]["execution_id"], "SUCCEEDED",
                           tamper=lambda event: event.update(detail="SUCCEEDED"))
    traffic.pipeline_event("bad-input/pipeline/decommissioned-cluster-succeeds", f"eks-{some_cluster}",
                           clusters[0]["execution_id"], "SUCCEEDED", entity=some_cluster)


def idempotency(traffic) -> None:
    """The same Idempotency-Key: same answer, nothing created twice; with another body: refused."""
    spec = valid_spec("idempotent-payments", "idempotency", "staging", "general", network_index=220)
    headers = auth_headers({"Idempotency-Key": "portal-request-8c41f0"})
    first = traffic.api("idempotency/first", "POST", "/clusters", "/clusters", json_body=spec, headers=headers)
    cluster_id = _require_cluster_id("idempotency/first", first)
    traffic.api("idempotency/replay-1", "POST", "/clusters", "/clusters", json_body=spec, headers=headers, entity=cluster_id)
    traffic.api("idempotency/replay-2", "POST", "/clusters", "/clusters", json_body=spec, headers=headers, entity=cluster_id)
    other = {**spec, "name": "idempotent-payments-2"}
    traffic.api("idempotency/same-key-other-body", "POST", "/clusters", "/clusters", json_body=other, headers=headers, entity=cluster_id)
    traffic.api("idempotency/list-shows-one", "GET", "/clusters", "/clusters", query={"team": "idempotency"}, headers=auth_headers())
    # HTTP header names are case-insensitive; the corpus shows what the platform makes of a
    # lower-case idempotency-key header.
    traffic.api("idempotency/header-lowercase", "POST", "/clusters", "/clusters", json_body=spec,
                headers=auth_headers({"idempotency-key": "portal-request-8c41f0"}))
    # A rejected spec under a key: the key remembers the rejection too (or not; the corpus says).
    bad = {**spec, "name": "Bad_Name"}
    bad_headers = auth_headers({"Idempotency-Key": "portal-request-bad-1"})
    traffic.api("idempotency/rejected-first", "POST", "/clusters", "/clusters", json_body=bad, headers=bad_headers)
    traffic.api("idempotency/rejected-replay", "POST", "/clusters", "/clusters", json_body=bad, headers=bad_headers)
    traffic.api("idempotency/key-too-long", "POST", "/clusters", "/clusters", json_body={**spec, "name": "idempotent-long-key"},
                headers=auth_headers({"Idempotency-Key": "k" * 300}))
    traffic.api("idempotency/key-empty", "POST", "/clusters", "/clusters", json_body={**spec, "name": "idempotent-empty-key"},
                headers=auth_headers({"Idempotency-Key": ""}))


def secrets(traffic, clusters: list[dict[str, Any]]) -> None:
    """Requests carrying every kind of secret header the recorder must redact."""
    cluster_id = clusters[1]["cluster_id"]
    params = {"cluster_id": cluster_id}
    traffic.api("secrets/cookie-and-api-key", "GET", "/clusters/{cluster_id}", cluster_path(cluster_id), path_parameters=params,
                headers=auth_headers({"Cookie": SECRET_COOKIE, "X-Api-Key": SECRET_API_KEY}), entity=cluster_id)
    traffic.api("secrets/lowercase-names", "GET", "/clusters", "/clusters",
                headers={"authorization": SECRET_BEARER_TOKEN, "cookie": SECRET_COOKIE, "x-api-key": SECRET_API_KEY})
    traffic.api("secrets/security-token-and-custom", "POST", "/clusters/{cluster_id}/compliance", cluster_path(cluster_id, "/compliance"),
                path_parameters=params, entity=cluster_id,
                headers=auth_headers({"X-Amz-Security-Token": SECRET_SECURITY_TOKEN, "X-Portal-Refresh-Token": SECRET_CUSTOM_TOKEN,
                                      "Proxy-Authorization": SECRET_BEARER_TOKEN}))
    traffic.api("secrets/repeated-cookie-headers", "GET", "/clusters/{cluster_id}/events", cluster_path(cluster_id, "/events"),
                path_parameters=params, entity=cluster_id,
                headers=auth_headers({"Cookie": [SECRET_COOKIE, "portal_theme=dark"]}))
