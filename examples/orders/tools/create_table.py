"""The `[local.moto] setup` hook of examples/orders/cutover.toml: creates the orders table
in the local back end and prints the variables the function needs, as one JSON object.

    python tools/create_table.py --endpoint http://127.0.0.1:5000
"""

from __future__ import annotations

import argparse
import json

import boto3

TABLE = "orders"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="the back end's URL (moto server)")
    parser.add_argument("--region", default="eu-west-1")
    arguments = parser.parse_args()
    # moto accepts any credentials; these are placeholders, not secrets.
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=arguments.endpoint,
        region_name=arguments.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    print(json.dumps({"ORDERS_TABLE": TABLE}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
