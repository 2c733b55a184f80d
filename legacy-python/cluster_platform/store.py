"""The clusters table.

Items are keyed by ``cluster_id``; the ``environment-index`` GSI (``environment``,
``created_at``) serves listing by environment. Reads come back the way boto3's resource
layer gives them: every number is a ``Decimal``.
"""

from __future__ import annotations

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

ENVIRONMENT_INDEX = "environment-index"


class StatusConflict(Exception):
    """A conditional status change found the cluster in a status it may not leave that way."""


class ClusterStore:
    def __init__(self, table) -> None:
        self.table = table

    def put_new(self, item: dict) -> None:
        self.table.put_item(Item=item, ConditionExpression=Attr("cluster_id").not_exists())

    def get(self, cluster_id: str) -> dict | None:
        return self.table.get_item(Key={"cluster_id": cluster_id}).get("Item")

    def set_attributes(self, cluster_id: str, attributes: dict) -> None:
        names = {f"#a{index}": name for index, name in enumerate(attributes)}
        values = {f":v{index}": value for index, value in enumerate(attributes.values())}
        assignments = ", ".join(f"#a{index} = :v{index}" for index in range(len(attributes)))
        self.table.update_item(
            Key={"cluster_id": cluster_id},
            UpdateExpression=f"SET {assignments}",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def change_status(self, cluster_id: str, new_status: str, allowed_from: tuple[str, ...], updated_at: str, extra: dict | None = None) -> str:
        """Moves the cluster to ``new_status`` only if its current status is one of
        ``allowed_from`` (a conditional write, so concurrent or repeated changes cannot
        move it backwards). Returns the previous status; raises ``StatusConflict``."""
        attributes = {"status": new_status, "updated_at": updated_at, **(extra or {})}
        names = {f"#a{index}": name for index, name in enumerate(attributes)}
        values = {f":v{index}": value for index, value in enumerate(attributes.values())}
        assignments = ", ".join(f"#a{index} = :v{index}" for index in range(len(attributes)))
        allowed = {f":from{index}": status for index, status in enumerate(allowed_from)}
        try:
            response = self.table.update_item(
                Key={"cluster_id": cluster_id},
                UpdateExpression=f"SET {assignments}",
                ConditionExpression=f"attribute_exists(cluster_id) AND #a0 IN ({', '.join(allowed)})",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={**values, **allowed},
                ReturnValues="UPDATED_OLD",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise StatusConflict(f"cluster {cluster_id} is not in one of {', '.join(allowed_from)}") from error
            raise
        return response["Attributes"]["status"]

    def list(self, *, environment: str | None, team: str | None, status: str | None, limit: int, start_key: dict | None) -> tuple[list[dict], dict | None]:
        """One page of clusters. DynamoDB applies ``Limit`` before the filter, so a page can
        hold fewer than ``limit`` clusters (even none) and still have a next page."""
        kwargs: dict = {"Limit": limit}
        filters = []
        if team is not None:
            filters.append(Attr("team").eq(team))
        if status is not None:
            filters.append(Attr("status").eq(status))
        if filters:
            condition = filters[0]
            for extra in filters[1:]:
                condition = condition & extra
            kwargs["FilterExpression"] = condition
        if start_key is not None:
            kwargs["ExclusiveStartKey"] = start_key
        if environment is not None:
            response = self.table.query(
                IndexName=ENVIRONMENT_INDEX, KeyConditionExpression=Key("environment").eq(environment), **kwargs
            )
        else:
            response = self.table.scan(**kwargs)
        return response.get("Items", []), response.get("LastEvaluatedKey")
