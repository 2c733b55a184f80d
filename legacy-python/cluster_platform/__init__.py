"""The code the platform's Lambda functions share.

- ``models``: the cluster spec (pydantic) and the cluster statuses.
- ``rules``: the organisational validation rules (violation codes).
- ``compliance``: the compliance rules run over a stored cluster.
- ``store``: the clusters table (DynamoDB).
- ``audit``: the audit trail table (DynamoDB).
- ``idempotency``: the create-cluster idempotency records (DynamoDB).
- ``pipeline``: the provisioning CodePipeline definition.
- ``http``: request parsing and paging helpers for the API handlers.
- ``recording``: the cluster an invocation touches, for the recorder (the ``cutover_recorder``
  package, ``recorder/`` at the repository root), which every handler wears, off unless
  switched on.
"""
