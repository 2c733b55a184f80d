"""The recorder's cost per invocation: p50 and p99 over N calls of a handler that does
nothing, with a 1 KB API Gateway event, recording off, to a file, and to the log.

    python bench_overhead.py [--invocations 5000] [--event-bytes 1024]

The overhead of a mode is its time per call less the bare handler's (same event, no
decorator). Log mode writes to /dev/null, as the Lambda runtime's pipe would take it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cutover_recorder import record_invocation  # noqa: E402


class Context:
    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())


def event_of(size: int) -> dict:
    """An API Gateway REST proxy event whose JSON is ``size`` bytes (a padded body)."""
    event = {
        "resource": "/orders", "path": "/orders", "httpMethod": "POST",
        "headers": {"Content-Type": "application/json", "Authorization": "Bearer abc", "User-Agent": "bench"},
        "multiValueHeaders": {"Content-Type": ["application/json"], "Authorization": ["Bearer abc"], "User-Agent": ["bench"]},
        "queryStringParameters": None, "pathParameters": None,
        "requestContext": {"resourcePath": "/orders", "httpMethod": "POST", "stage": "prod", "requestId": "r",
                           "identity": {"sourceIp": "203.0.113.7", "apiKey": None}},
        "body": json.dumps({"item": ""}), "isBase64Encoded": False,
    }
    padding = size - len(json.dumps(event))
    event["body"] = json.dumps({"item": "t" * max(0, padding)})
    return event


def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": '{"ok": true}'}


def timings_us(function, event, invocations: int) -> list[float]:
    contexts = [Context() for _ in range(invocations)]
    for context in contexts[:200]:  # warm up
        function(event, context)
    samples = []
    for context in contexts:
        started = time.perf_counter_ns()
        function(event, context)
        samples.append((time.perf_counter_ns() - started) / 1000)
    return samples


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invocations", type=int, default=5000)
    parser.add_argument("--event-bytes", type=int, default=1024)
    arguments = parser.parse_args()
    event = event_of(arguments.event_bytes)
    recorded = record_invocation(handler)
    for name in ("CUTOVER_RECORD_FILE", "CUTOVER_RECORD", "CUTOVER_RECORD_SAMPLE_RATE", "CUTOVER_RECORD_REDACT_PATHS"):
        os.environ.pop(name, None)

    bare = timings_us(handler, event, arguments.invocations)
    results = {}
    results["off"] = timings_us(recorded, event, arguments.invocations)
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["CUTOVER_RECORD_FILE"] = os.path.join(scratch, "records.jsonl")
        results["file"] = timings_us(recorded, event, arguments.invocations)
        del os.environ["CUTOVER_RECORD_FILE"]
    os.environ["CUTOVER_RECORD"] = "log"
    stdout = sys.stdout
    with open(os.devnull, "w") as devnull:
        sys.stdout = devnull
        try:
            results["log"] = timings_us(recorded, event, arguments.invocations)
            os.environ["CUTOVER_RECORD_REDACT_PATHS"] = "$.item,$.card.number"
            results["log+paths"] = timings_us(recorded, event, arguments.invocations)
            del os.environ["CUTOVER_RECORD_REDACT_PATHS"]
            os.environ["CUTOVER_RECORD_SAMPLE_RATE"] = "0.1"
            results["log, 10 % sampled"] = timings_us(recorded, event, arguments.invocations)
        finally:
            sys.stdout = stdout
    del os.environ["CUTOVER_RECORD"]

    bare_p50 = statistics.median(bare)
    print(f"{arguments.invocations} invocations, {len(json.dumps(event))}-byte event, Python {platform.python_version()} "
          f"on {platform.machine()}, {os.cpu_count()} CPUs; bare handler p50 {bare_p50:.1f} µs")
    print(f"{'mode':<20} {'p50 µs':>8} {'p99 µs':>8} {'overhead p50 µs':>16} {'overhead p99 µs':>16}")
    for mode, samples in results.items():
        p50, p99 = percentile(samples, 0.50), percentile(samples, 0.99)
        print(f"{mode:<20} {p50:>8.1f} {p99:>8.1f} {p50 - bare_p50:>16.1f} {p99 - percentile(bare, 0.99):>16.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
