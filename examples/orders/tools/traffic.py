"""Sends the example's traffic (traffic.json) to an API Gateway URL, in order, and prints
one line per request: method, path, status. Exit 1 when a request gets no HTTP answer.

    python tools/traffic.py --url http://127.0.0.1:3000
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path


def send(url: str, request: dict) -> int:
    body = request.get("raw_body")
    if body is None and "body" in request:
        body = json.dumps(request["body"])
    data = body.encode() if body is not None else None
    outgoing = urllib.request.Request(url + request["path"], data=data, method=request["method"])
    if data is not None:
        outgoing.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(outgoing, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as answer:
        return answer.code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the API Gateway front, e.g. http://127.0.0.1:3000")
    parser.add_argument("--traffic", default=str(Path(__file__).parent.parent / "traffic.json"))
    arguments = parser.parse_args()
    requests = json.loads(Path(arguments.traffic).read_text())
    for request in requests:
        try:
            status = send(arguments.url.rstrip("/"), request)
        except urllib.error.URLError as error:
            print(f"{request['method']} {request['path']}: no answer: {error.reason}", file=sys.stderr)
            return 1
        print(f"{request['method']} {request['path']} {status}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
