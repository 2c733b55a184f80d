"""The platform's AWS back end on this machine: moto server plus the resources the
functions expect (three DynamoDB tables, the artifact bucket, the pipeline role and the
organisation's permission boundary policy).

As a library::

    with MotoServer() as moto:
        env = create_platform_resources(moto.endpoint)

As a command::

    python tools/local_stack.py create --endpoint http://127.0.0.1:5000   # prints the env as JSON
    python tools/local_stack.py serve                                     # runs moto until SIGTERM
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
from botocore.exceptions import ClientError

REGION = "eu-west-1"
ACCOUNT_ID = "123456789012"
# moto accepts any credentials; these are placeholders, not secrets.
DUMMY_ACCESS_KEY_ID = "testing"
DUMMY_SECRET_ACCESS_KEY = "testing"

PIPELINE_ROLE_NAME = "eks-provisioning-pipeline"
PERMISSION_BOUNDARY_PATH = "/org/"
PERMISSION_BOUNDARY_NAME = "eks-permission-boundary"


class MotoServer:
    """moto server in a child process on a free loopback port."""

    def __init__(self, startup_timeout: float = 30.0) -> None:
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self._log = None

    @property
    def endpoint(self) -> str:
        if self.port is None:
            raise RuntimeError("moto server is not started")
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "MotoServer":
        if self.process is not None:
            raise RuntimeError("moto server is already started")
        self._log = tempfile.TemporaryFile()
        # The server binds port 0 itself and announces the port: no probe-then-bind race.
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("moto_on_free_port.py")), "127.0.0.1"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
        )
        announced: list[str] = []
        reader = threading.Thread(target=lambda: announced.append(self.process.stdout.readline().decode()), daemon=True)
        reader.start()
        reader.join(self.startup_timeout)
        line = announced[0].strip() if announced else ""
        if not line.startswith("PORT "):
            output = self._read_log()
            self.stop()
            raise RuntimeError(f"moto server did not announce its port within {self.startup_timeout} s: {output}")
        self.port = int(line.split()[1])
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self._read_log()
                self.stop()
                raise RuntimeError(f"moto server exited with code {self.process_returncode} before answering: {output}")
            try:
                with urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1):
                    return self
            except urllib.error.HTTPError:
                return self  # it answered, with an error status; good enough
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"moto server did not answer on port {self.port} within {self.startup_timeout} s")

    process_returncode: int | None = None

    def _read_log(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-2000:]

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            self.process_returncode = process.returncode
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> "MotoServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _client(service: str, endpoint: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=DUMMY_ACCESS_KEY_ID,
        aws_secret_access_key=DUMMY_SECRET_ACCESS_KEY,
    )


def _create_table(dynamodb, **definition) -> None:
    try:
        dynamodb.create_table(BillingMode="PAY_PER_REQUEST", **definition)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceInUseException":
            raise


def create_platform_resources(endpoint: str, *, prefix: str = "") -> dict[str, str]:
    """Creates the platform's resources in the moto server at ``endpoint`` and returns the
    environment a function needs to run against them. Idempotent; ``prefix`` gives a
    separate set of tables and bucket (tests use it for isolation)."""
    clusters_table = f"{prefix}eks-clusters"
    audit_table = f"{prefix}eks-cluster-audit"
    idempotency_table = f"{prefix}eks-idempotency"
    artifact_bucket = f"{prefix}eks-pipeline-artifacts-{ACCOUNT_ID}".lower()

    dynamodb = _client("dynamodb", endpoint)
    _create_table(
        dynamodb,
        TableName=clusters_table,
        KeySchema=[{"AttributeName": "cluster_id", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "cluster_id", "AttributeType": "S"},
            {"AttributeName": "environment", "AttributeType": "S"},
            {"AttributeName": "created_at", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "environment-index",
                "KeySchema": [
                    {"AttributeName": "environment", "KeyType": "HASH"},
                    {"AttributeName": "created_at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    _create_table(
        dynamodb,
        TableName=audit_table,
        KeySchema=[
            {"AttributeName": "cluster_id", "KeyType": "HASH"},
            {"AttributeName": "event_key", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "cluster_id", "AttributeType": "S"},
            {"AttributeName": "event_key", "AttributeType": "S"},
        ],
    )
    _create_table(
        dynamodb,
        TableName=idempotency_table,
        KeySchema=[{"AttributeName": "idempotency_key", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "idempotency_key", "AttributeType": "S"}],
    )

    s3 = _client("s3", endpoint)
    try:
        s3.create_bucket(Bucket=artifact_bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise

    iam = _client("iam", endpoint)
    trust_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    try:
        role_arn = iam.create_role(RoleName=PIPELINE_ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust_policy))["Role"]["Arn"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        role_arn = iam.get_role(RoleName=PIPELINE_ROLE_NAME)["Role"]["Arn"]

    boundary_document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["eks:*", "ec2:Describe*", "logs:*"], "Resource": "*"},
            {"Effect": "Deny", "Action": ["iam:CreateUser", "iam:DeleteRolePermissionsBoundary"], "Resource": "*"},
        ],
    }
    boundary_arn = f"arn:aws:iam::{ACCOUNT_ID}:policy{PERMISSION_BOUNDARY_PATH}{PERMISSION_BOUNDARY_NAME}"
    try:
        boundary_arn = iam.create_policy(
            PolicyName=PERMISSION_BOUNDARY_NAME,
            Path=PERMISSION_BOUNDARY_PATH,
            PolicyDocument=json.dumps(boundary_document),
        )["Policy"]["Arn"]
    except ClientError as error:
        if error.response["Error"]["Code"] != "EntityAlreadyExists":
            raise

    return {
        "CLUSTERS_TABLE": clusters_table,
        "AUDIT_TABLE": audit_table,
        "IDEMPOTENCY_TABLE": idempotency_table,
        "PIPELINE_ROLE_ARN": role_arn,
        "ARTIFACT_BUCKET": artifact_bucket,
        "ORG_PERMISSION_BOUNDARY_ARN": boundary_arn,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_ACCESS_KEY,
    }


def _serve(prefix: str) -> int:
    stop_requested = False

    def request_stop(signum, frame):
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with MotoServer() as moto:
        env = create_platform_resources(moto.endpoint, prefix=prefix)
        print(json.dumps(env), flush=True)
        print(f"moto server on {moto.endpoint}; stop with Ctrl-C or SIGTERM", file=sys.stderr, flush=True)
        while not stop_requested:
            if moto.process is None or moto.process.poll() is not None:
                print("moto server exited", file=sys.stderr)
                return 1
            time.sleep(0.2)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The platform's local AWS back end (moto server).")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create the resources in a running moto server and print the env as JSON")
    create.add_argument("--endpoint", required=True, help="moto server URL, e.g. http://127.0.0.1:5000")
    create.add_argument("--prefix", default="", help="prefix for table and bucket names")
    serve = commands.add_parser("serve", help="start moto, create the resources, print the env as JSON, run until stopped")
    serve.add_argument("--prefix", default="", help="prefix for table and bucket names")
    args = parser.parse_args(argv)

    if args.command == "create":
        try:
            env = create_platform_resources(args.endpoint, prefix=args.prefix)
        except Exception as error:  # a CLI: report and exit non-zero rather than print a trace
            print(f"error: could not create the platform resources at {args.endpoint}: {error}", file=sys.stderr)
            return 1
        print(json.dumps(env))
        return 0
    return _serve(args.prefix)


if __name__ == "__main__":
    sys.exit(main())
