"""Regenerates the odd-events golden file: what the Python handlers answer, or which
exception escapes them, for events nobody wrote on purpose, and what they left in the
tables by then.

The Python originals are the contract, crashes included: an escaped exception is a
Lambda function error whose ``errorType`` is the exception class and whose
``errorMessage`` is ``str(exception)``. The table below is built by class, not by
case: every field a handler reads is removed and replaced by a value of each JSON
type, every event is also sent in the shapes of the other API Gateway kinds (HTTP API
v2, ALB, function URL, WebSocket, a Lambda authorizer's context), and stored items miss
the attributes the answers index directly. Each case runs against a fresh moto with the
same seed items, and the tables are dumped after it, so a Rust test can assert the same
writes happened before the same failure.

Volatile values (timestamps, random hex, UUIDs, TTL epochs) are masked here and masked
the same way by the Rust test (``functions/cluster-adapters/tests/adapters/odd_events.rs``).

Run from the repository root:

    .venv/bin/python legacy-python/tools/generate_odd_events.py [output.json]

The default output is ``functions/cluster-adapters/tests/fixtures/odd_events.json``.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import pathlib
import re
import sys
import urllib.request
from decimal import Decimal

TOOLS = pathlib.Path(__file__).resolve().parent
ROOT = TOOLS.parents[1]
sys.path.insert(0, str(TOOLS))
sys.path.insert(0, str(ROOT / "legacy-python"))

import boto3  # noqa: E402

from event_builders import ORG_BOUNDARY, VALID_SPEC, apigw_rest_event, pipeline_state_change_event  # noqa: E402
from lambda_context import FakeLambdaContext  # noqa: E402
from local_stack import MotoServer, create_platform_resources  # noqa: E402

DEFAULT_OUTPUT = ROOT / "functions" / "cluster-adapters" / "tests" / "fixtures" / "odd_events.json"
CALLER_ARN = "arn:aws:iam::123456789012:user/ops"
SPEC_TEXT = json.dumps(VALID_SPEC)


def stored_cluster(cluster_id: str, status: str | None = "ACTIVE", **extra) -> dict:
    item = {
        "cluster_id": cluster_id,
        "name": "payments-prod-1",
        "team": "payments",
        "environment": "prod",
        "cluster_type": "general",
        "kubernetes_version": "1.30",
        "region": "eu-west-1",
        "status": status,
        "pipeline_name": f"eks-{cluster_id}",
        "pipeline_execution_id": "exec-0001",
        "created_at": "2026-11-27T05:12:41.000001+00:00",
        "updated_at": "2026-11-27T05:12:41.000001+00:00",
        "created_by": CALLER_ARN,
        "spec": VALID_SPEC,
        "warnings": [],
    }
    if status is None:
        del item["status"]
    item.update(extra)
    return item


def audit_event(cluster_id: str, number: int, **extra) -> dict:
    item = {
        "cluster_id": cluster_id,
        "event_key": f"2026-11-27T05:12:4{number}.000000+00:00#0000000{number}",
        "event_type": "CLUSTER_REQUESTED",
        "occurred_at": f"2026-11-27T05:12:4{number}.000000+00:00",
        "actor": CALLER_ARN,
        "details": {"warnings": number},
    }
    item.update(extra)
    return {key: value for key, value in item.items() if value is not DROP}


DROP = object()

# One value of each JSON type (and the falsy ones, since Python's `or` and `if` read them).
ODD_VALUES = [None, 0, 5, 1.5, True, False, "", "text", [], ["ab"], [["Idempotency-Key", "k-9"]], [1], {}, {"a": 1}]


# The fields of a REST event's request context kept in the golden file: the rest (trace
# ids, CloudFront headers, the deployment id) is read by nobody and would only make the
# file larger.
KEPT_CONTEXT = ("resourcePath", "httpMethod", "path", "stage", "requestId", "identity")
KEPT_HEADERS = ("Accept", "Host", "Content-Type", "Idempotency-Key")


def rest_event(method: str, path: str, *, resource: str, path_parameters=None, query=None, headers=None, body=None) -> dict:
    headers = {"Content-Type": "application/json", **(headers or {})}
    event = apigw_rest_event(
        method, resource, path, path_parameters=path_parameters, query=query, headers=headers, body=body,
        request_id="req-odd", request_time_epoch_ms=1795756361000,
    )
    event["headers"] = {name: value for name, value in event["headers"].items() if name in KEPT_HEADERS}
    event["multiValueHeaders"] = {name: value for name, value in event["multiValueHeaders"].items() if name in KEPT_HEADERS}
    event["requestContext"] = {name: value for name, value in event["requestContext"].items() if name in KEPT_CONTEXT}
    event["requestContext"]["identity"] = {"sourceIp": event["requestContext"]["identity"]["sourceIp"], "userArn": CALLER_ARN}
    return event


def http_api_v2_event(method: str, path: str, *, route_key: str, body=None, query=None) -> dict:
    return {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": "&".join(f"{name}={value}" for name, value in (query or {}).items()),
        "headers": {"content-type": "application/json", "host": "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"},
        "queryStringParameters": query,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "a1b2c3d4e5",
            "domainName": "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "a1b2c3d4e5",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "198.51.100.24", "userAgent": "curl/8.5.0"},
            "requestId": "req-odd",
            "routeKey": route_key,
            "stage": "$default",
            "time": "27/Nov/2026:05:12:41 +0000",
            "timeEpoch": 1795756361000,
        },
        "body": body,
        "isBase64Encoded": False,
    }


def function_url_event(method: str, path: str, *, body=None) -> dict:
    event = http_api_v2_event(method, path, route_key="$default", body=body)
    event["requestContext"]["domainName"] = "abcdefghij.lambda-url.eu-west-1.on.aws"
    event["requestContext"]["authorizer"] = {"iam": {"userArn": CALLER_ARN, "accountId": "123456789012"}}
    return event


def alb_event(method: str, path: str, *, body=None, query=None) -> dict:
    return {
        "requestContext": {"elb": {"targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/eks/0123456789abcdef"}},
        "httpMethod": method,
        "path": path,
        "queryStringParameters": query or {},
        "headers": {"content-type": "application/json", "host": "eks.internal.example.com"},
        "body": body if body is not None else "",
        "isBase64Encoded": False,
    }


def websocket_event(body=None) -> dict:
    return {
        "requestContext": {
            "routeKey": "$default",
            "eventType": "MESSAGE",
            "messageId": "abc=",
            "connectionId": "conn=",
            "domainName": "ws.example.com",
            "stage": "prod",
            "requestId": "req-odd",
            "apiId": "a1b2c3d4e5",
            "identity": {"sourceIp": "198.51.100.24"},
        },
        "body": body,
        "isBase64Encoded": False,
    }


def authorizer_event(base: dict) -> dict:
    """A REST event whose request context carries a Lambda authorizer's context and no
    ``identity`` (what a custom authorizer integration test sends)."""
    event = copy.deepcopy(base)
    event["requestContext"].pop("identity")
    event["requestContext"]["authorizer"] = {"principalId": "user-1", "integrationLatency": 12, "team": "payments"}
    return event


# The API functions: a base event that reaches the handler's route, the seed items, and
# the route's method and path for the other event shapes.
API_FUNCTIONS = {
    "validate-cluster-spec": dict(
        method="POST", path="/clusters/validate", resource="/clusters/validate", body=SPEC_TEXT, seed={},
    ),
    "create-cluster": dict(
        method="POST", path="/clusters", resource="/clusters", body=SPEC_TEXT, headers={"Idempotency-Key": "k-1"}, seed={},
    ),
    "get-cluster": dict(
        method="GET", path="/clusters/c-1", resource="/clusters/{cluster_id}", path_parameters={"cluster_id": "c-1"},
        seed={"clusters": [stored_cluster("c-1")]},
    ),
    "list-clusters": dict(
        method="GET", path="/clusters", resource="/clusters", query={"limit": "1"},
        seed={"clusters": [stored_cluster("c-1"), stored_cluster("c-2", created_at="2026-11-27T05:12:42.000001+00:00")]},
    ),
    "decommission-cluster": dict(
        method="DELETE", path="/clusters/c-1", resource="/clusters/{cluster_id}", path_parameters={"cluster_id": "c-1"},
        seed={"clusters": [stored_cluster("c-1")]},
    ),
    "check-compliance": dict(
        method="POST", path="/clusters/c-1/compliance", resource="/clusters/{cluster_id}/compliance",
        path_parameters={"cluster_id": "c-1"}, seed={"clusters": [stored_cluster("c-1")]},
    ),
    "get-cluster-events": dict(
        method="GET", path="/clusters/c-1/events", resource="/clusters/{cluster_id}/events",
        path_parameters={"cluster_id": "c-1"}, query={"limit": "1"},
        seed={"clusters": [stored_cluster("c-1")], "audit": [audit_event("c-1", 1), audit_event("c-1", 2)]},
    ),
}

# Fields of a REST event, as paths of keys, that a handler or powertools reads.
REST_FIELDS = [
    ("httpMethod",),
    ("path",),
    ("headers",),
    ("multiValueHeaders",),
    ("body",),
    ("isBase64Encoded",),
    ("queryStringParameters",),
    ("requestContext",),
    ("requestContext", "identity"),
    ("requestContext", "identity", "userArn"),
]
# Fields nothing reads on these routes; dropping them must change nothing.
UNREAD_FIELDS = [("resource",), ("pathParameters",), ("multiValueQueryStringParameters",), ("stageVariables",)]


def base_event(function: str) -> dict:
    spec = API_FUNCTIONS[function]
    return rest_event(
        spec["method"], spec["path"], resource=spec["resource"], path_parameters=spec.get("path_parameters"),
        query=spec.get("query"), headers=spec.get("headers"), body=spec.get("body"),
    )


def with_field(event: dict, path: tuple, value) -> dict:
    event = copy.deepcopy(event)
    target = event
    for key in path[:-1]:
        target = target[key]
    if value is DROP:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = copy.deepcopy(value)
    return event


def label(value) -> str:
    return "missing" if value is DROP else json.dumps(value)


def api_cases() -> list[dict]:
    cases = []
    for function, spec in API_FUNCTIONS.items():
        base = base_event(function)
        seed = spec["seed"]

        def add(name, event, case_seed=None):
            cases.append({"id": f"{function}/{name}", "function": function, "seed": case_seed if case_seed is not None else seed, "event": event})

        add("base", base)
        for value in [[], ["x"], "text", 5, 1.5, None, True, {}]:
            add(f"event={label(value)}", value)
        for path in REST_FIELDS:
            for value in [DROP, *ODD_VALUES]:
                add(f"{'.'.join(path)}={label(value)}", with_field(base, path, value))
        for path in UNREAD_FIELDS:
            add(f"{'.'.join(path)}=missing", with_field(base, path, DROP))
        for method in ["get", "post", "delete", "PUT"]:
            add(f"httpMethod={method}", with_field(base, ("httpMethod",), method))
        # The route's own body in the encodings and types API Gateway can send.
        for is_base64, body in [(True, "e30="), (True, "not base64!"), (True, "//4AZ2FyYmFnZQ=="), ("yes", SPEC_TEXT), (1, SPEC_TEXT)]:
            event = with_field(with_field(base, ("body",), body), ("isBase64Encoded",), is_base64)
            add(f"body={label(body)[:20]},isBase64Encoded={label(is_base64)}", event)
        for body in [0, 5, 1.5, True, False, [], [1], {}, VALID_SPEC]:
            for is_base64 in [True, False]:
                event = with_field(with_field(base, ("body",), body), ("isBase64Encoded",), is_base64)
                add(f"body={label(body)[:20]},isBase64Encoded={label(is_base64)}", event)
        # Other API Gateway kinds' event shapes.
        query = spec.get("query")
        body = spec.get("body")
        add("shape=http-api-v2", http_api_v2_event(spec["method"], spec["path"], route_key=f"{spec['method']} {spec['resource']}", body=body, query=query))
        add("shape=function-url", function_url_event(spec["method"], spec["path"], body=body))
        add("shape=alb", alb_event(spec["method"], spec["path"], body=body, query=query))
        add("shape=websocket", websocket_event(body=body))
        add("shape=lambda-authorizer", authorizer_event(base))
        # Header values of every type, under a name nobody reads and under the one
        # powertools reads while building the answer.
        for name in ["X-Odd", "Accept-Encoding"]:
            for value in ODD_VALUES:
                event = copy.deepcopy(base)
                event["headers"][name] = copy.deepcopy(value)
                event["multiValueHeaders"][name] = copy.deepcopy(value)
                add(f"headers.{name}={label(value)}", event)
    return cases


def create_cluster_cases() -> list[dict]:
    cases = []
    base = base_event("create-cluster")
    # A non-empty list or object as the key reaches DynamoDB, where moto answers 500
    # (AWS: ValidationException); neither is a contract worth pinning, so they are left out.
    keys = [value for value in ODD_VALUES if not (isinstance(value, (list, dict)) and value)]
    for value in [*keys, "x" * 256, "x" * 255, "k-" + "é" * 200]:
        event = with_field(base, ("headers", "Idempotency-Key"), value)
        name = label(value) if len(label(value)) <= 30 else f"{label(value)[:12]}... ({len(value)} characters)"
        cases.append({"id": f"create-cluster/headers.Idempotency-Key={name}", "function": "create-cluster", "seed": {}, "event": event})
    # The key read case-insensitively, the later spelling winning.
    event = copy.deepcopy(base)
    event["headers"]["idempotency-key"] = 7
    cases.append({"id": "create-cluster/headers.idempotency-key=7 after a string", "function": "create-cluster", "seed": {}, "event": event})
    # A replay of a stored answer.
    for value in [None, 5, []]:
        event = with_field(base, ("requestContext", "identity"), value)
        cases.append({
            "id": f"create-cluster/replay,identity={label(value)}", "function": "create-cluster", "event": event,
            "seed": {"idempotency": [{
                "idempotency_key": "k-1", "request_hash": __import__("hashlib").sha256(SPEC_TEXT.encode()).hexdigest(),
                "status_code": 201, "response_body": "{\"cluster_id\":\"c-1\"}", "location": "/clusters/c-1",
                "created_at": "2026-11-27T05:12:41.000001+00:00", "expires_at": 1795842761,
            }]},
        })
    # Rule errors (422) with an odd caller: the caller is only read to create a cluster.
    bad_spec = dict(VALID_SPEC, kubernetes_version="1.10")
    for value in [DROP, None, 5]:
        event = with_field(with_field(base, ("body",), json.dumps(bad_spec)), ("requestContext", "identity"), value)
        cases.append({"id": f"create-cluster/422,identity={label(value)}", "function": "create-cluster", "seed": {}, "event": event})
    return cases


def query_cases() -> list[dict]:
    cases = []
    values = [None, 0, 5, 1.5, True, False, "", [], ["5"], {}, {"a": 1}, 1e300]
    for function, names in [("list-clusters", ["limit", "environment", "team", "status", "next_token"]), ("get-cluster-events", ["limit", "next_token"])]:
        base = base_event(function)
        for name in names:
            for value in values:
                event = with_field(base, ("queryStringParameters", name), value)
                cases.append({"id": f"{function}/query.{name}={label(value)}", "function": function, "seed": API_FUNCTIONS[function]["seed"], "event": event})
    # A team filter of another type, with and without the environment index.
    base = base_event("list-clusters")
    for query in [{"team": 5, "environment": "prod"}, {"team": True}, {"team": ["payments"]}, {"team": {"a": "b"}}, {"team": 1.5}, {"team": [1.5]}]:
        event = with_field(base, ("queryStringParameters",), query)
        cases.append({"id": f"list-clusters/query={json.dumps(query)}", "function": "list-clusters", "seed": API_FUNCTIONS["list-clusters"]["seed"], "event": event})
    return cases


def stored_item_cases() -> list[dict]:
    """Stored items without the attributes the answers index directly."""
    cases = []
    for attribute in ["status", "name", "spec", "warnings", "created_at", "team"]:
        item = stored_cluster("c-1")
        item.pop(attribute)
        for function in ["get-cluster", "list-clusters", "decommission-cluster", "check-compliance"]:
            seed = {"clusters": [item]}
            cases.append({"id": f"{function}/stored item without {attribute}", "function": function, "seed": seed, "event": base_event(function)})
    bare = {"cluster_id": "c-1"}
    for function in ["get-cluster", "list-clusters", "decommission-cluster", "check-compliance", "get-cluster-events"]:
        cases.append({"id": f"{function}/stored item with only its key", "function": function, "seed": {"clusters": [bare]}, "event": base_event(function)})
    for attribute in ["event_type", "occurred_at", "actor", "details"]:
        seed = {"clusters": [stored_cluster("c-1")], "audit": [audit_event("c-1", 1, **{attribute: DROP})]}
        cases.append({"id": f"get-cluster-events/stored event without {attribute}", "function": "get-cluster-events", "seed": seed, "event": base_event("get-cluster-events")})
    return cases


def pipeline_event() -> dict:
    return pipeline_state_change_event("eks-c-1", "exec-0002", "STARTED", event_id="evt-odd", time="2026-11-27T05:12:41Z")


def pipeline_cases() -> list[dict]:
    cases = []
    pending = {"clusters": [stored_cluster("c-1", "PENDING")]}

    def add(name, event, seed=None):
        cases.append({"id": f"pipeline-status/{name}", "function": "pipeline-status", "seed": pending if seed is None else seed, "event": event})

    base = pipeline_event()
    add("base", base)
    for value in [[], ["x"], "text", 5, 1.5, None, True, False, 0, {}]:
        add(f"event={label(value)}", value)
    for path in [("detail",), ("detail", "pipeline"), ("detail", "state"), ("detail", "execution-id"), ("id",)]:
        for value in [DROP, *ODD_VALUES]:
            add(f"{'.'.join(path)}={label(value)}", with_field(base, path, value))
    for state in ["SUCCEEDED", "FAILED", "STOPPED", "RESUMED", "started"]:
        add(f"detail.state={state}", with_field(base, ("detail", "state"), state))
    for pipeline in ["eks-", "eks-c-2", "EKS-c-1", "other"]:
        add(f"detail.pipeline={pipeline}", with_field(base, ("detail", "pipeline"), pipeline))
    for status in [None, "ACTIVE", "DECOMMISSIONING"]:
        for state in ["STARTED", "SUCCEEDED"]:
            seed = {"clusters": [stored_cluster("c-1", status)]}
            add(f"stored status={label(status if status is not None else DROP)},state={state}", with_field(base, ("detail", "state"), state), seed)
    add("stored item with only its key", base, {"clusters": [{"cluster_id": "c-1"}]})
    return cases


# --- running the cases ---------------------------------------------------------------

MASKS = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<UUID>"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?"), "<TS>"),
    (re.compile(r"#[0-9a-f]{8}\b"), "#<HEX>"),
    (re.compile(r"-[0-9a-f]{8}\b"), "-<HEX>"),
    (re.compile(r"\"expires_at\": ?\d+"), "\"expires_at\": \"<EPOCH>\""),
]


def mask(text: str) -> str:
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text


def plain(value):
    """A DynamoDB item as JSON: Decimals back to ints or floats."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted(plain(item) for item in value)
    return value


TABLE_KEYS = {"clusters": ("cluster_id",), "audit": ("cluster_id", "event_key"), "idempotency": ("idempotency_key",)}


def sorted_table(name: str, items: list) -> list:
    return sorted(items, key=lambda item: tuple(str(item.get(key)) for key in TABLE_KEYS[name]))


class Stack:
    def __init__(self, server: MotoServer) -> None:
        self.server = server
        self.env = create_platform_resources(server.endpoint)
        os.environ.update(self.env)
        for name in ("CUTOVER_RECORD_FILE", "CUTOVER_RECORD", "CUTOVER_RECORD_SCENARIO", "AWS_LAMBDA_FUNCTION_NAME"):
            os.environ.pop(name, None)
        os.environ["ORG_PERMISSION_BOUNDARY_ARN"] = ORG_BOUNDARY
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "CRITICAL")
        session = boto3.Session(
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"], region_name=self.env["AWS_REGION"]
        )
        self.dynamodb = session.resource("dynamodb", endpoint_url=server.endpoint)
        self.s3 = session.client("s3", endpoint_url=server.endpoint)
        self.codepipeline = session.client("codepipeline", endpoint_url=server.endpoint)
        self.tables = {
            "clusters": self.dynamodb.Table(self.env["CLUSTERS_TABLE"]),
            "audit": self.dynamodb.Table(self.env["AUDIT_TABLE"]),
            "idempotency": self.dynamodb.Table(self.env["IDEMPOTENCY_TABLE"]),
        }

    def reset(self, seed: dict) -> None:
        request = urllib.request.Request(f"{self.server.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass
        create_platform_resources(self.server.endpoint)
        for table, items in seed.items():
            for item in items:
                self.tables[table].put_item(Item=json.loads(json.dumps(item), parse_float=Decimal))

    def contents(self) -> dict:
        tables = {}
        for name, table in self.tables.items():
            tables[name] = sorted_table(name, [plain(item) for item in table.scan()["Items"]])
        tables["objects"] = len(self.s3.list_objects_v2(Bucket=self.env["ARTIFACT_BUCKET"]).get("Contents", []))
        tables["pipelines"] = len(self.codepipeline.list_pipelines()["pipelines"])
        return tables


def seed_name(seeds: dict, seed: dict) -> str:
    """The name of ``seed`` in the file's table of seeds (each distinct seed stored once)."""
    for name, known in seeds.items():
        if known == seed:
            return name
    name = f"seed-{len(seeds) + 1}"
    seeds[name] = copy.deepcopy(seed)
    return name


def writes(before: dict, after: dict) -> dict:
    """The tables whose contents differ from the seed (in full), and the object and
    pipeline counts when not zero: what the case wrote."""
    changed = {}
    for table in ("clusters", "audit", "idempotency"):
        if after[table] != sorted_table(table, before.get(table, [])):
            changed[table] = after[table]
    for counter in ("objects", "pipelines"):
        if after[counter]:
            changed[counter] = after[counter]
    return changed


def run(stack: Stack, case: dict, seeds: dict) -> dict:
    stack.reset(case["seed"])
    module = importlib.import_module(f"{case['function'].replace('-', '_')}.app")
    context = FakeLambdaContext(function_name=case["function"], aws_request_id="00000000-0000-4000-8000-000000000000")
    try:
        response = module.handler(copy.deepcopy(case["event"]), context)
        outcome = {"response": json.loads(mask(json.dumps(response, ensure_ascii=False)))}
    except Exception as error:  # noqa: BLE001 - every escaped exception is the contract
        outcome = {"error": {"errorType": type(error).__name__, "errorMessage": mask(str(error))}}
    tables = json.loads(mask(json.dumps(stack.contents(), ensure_ascii=False)))
    seeded = json.loads(mask(json.dumps(plain(json.loads(json.dumps(case["seed"]), parse_float=Decimal)), ensure_ascii=False)))
    return {**case, "seed": seed_name(seeds, case["seed"]), **outcome, "writes": writes(seeded, tables)}


def all_cases() -> list[dict]:
    cases = api_cases() + create_cluster_cases() + query_cases() + stored_item_cases() + pipeline_cases()
    seen = set()
    for case in cases:
        if case["id"] in seen:
            raise SystemExit(f"duplicate case id {case['id']}")
        seen.add(case["id"])
    return cases


def main() -> None:
    output = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT
    seeds: dict = {}
    with MotoServer() as server:
        stack = Stack(server)
        results = [run(stack, case, seeds) for case in all_cases()]
    # One case a line, so a regenerated file diffs case by case.
    compact = lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":"))  # noqa: E731
    lines = [
        "{",
        f'"about":{compact("Generated by legacy-python/tools/generate_odd_events.py; do not edit by hand.")},',
        f'"org_permission_boundary_arn":{compact(ORG_BOUNDARY)},',
        f'"seeds":{compact(seeds)},',
        '"cases":[',
        ",\n".join(compact(result) for result in results),
        "]}",
    ]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(results)} cases written to {output}", file=sys.stderr)


if __name__ == "__main__":
    main()
