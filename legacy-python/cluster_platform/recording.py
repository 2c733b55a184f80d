"""What the platform tells the recorder (``cutover_recorder``): the cluster an invocation
touches, so that replays keep each cluster's requests in order."""

from __future__ import annotations

import json


def cluster_entity(event: object, response: object) -> str | None:
    """The cluster id an invocation touches, when it can be told: the path parameter, the
    pipeline an EventBridge event is about, or the id a 201 answer created."""
    if not isinstance(event, dict):
        return None
    path_parameters = event.get("pathParameters")
    if isinstance(path_parameters, dict) and path_parameters.get("cluster_id"):
        return path_parameters["cluster_id"]
    detail = event.get("detail")
    if isinstance(detail, dict) and isinstance(detail.get("pipeline"), str) and detail["pipeline"].startswith("eks-"):
        return detail["pipeline"][len("eks-"):]
    if isinstance(response, dict) and response.get("statusCode") == 201 and isinstance(response.get("body"), str):
        try:
            body = json.loads(response["body"])
        except ValueError:
            return None
        if isinstance(body, dict) and isinstance(body.get("cluster_id"), str):
            return body["cluster_id"]
    return None
