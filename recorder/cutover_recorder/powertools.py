"""The recorder as a Powertools for AWS Lambda middleware.

    from cutover_recorder.powertools import record_middleware

    @record_middleware                   # or @record_middleware(entity=finder)
    @logger.inject_lambda_context
    def handler(event, context): ...

Importing this module imports ``aws_lambda_powertools``; the rest of the package never
does, so functions without Powertools install nothing more.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from aws_lambda_powertools.middleware_factory import lambda_handler_decorator

from .recorder import EntityFinder, invoke_recorded


@lambda_handler_decorator
def record_middleware(handler: Callable, event: Any, context: Any, entity: Optional[EntityFinder] = None) -> Any:
    return invoke_recorded(handler, event, context, entity=entity)
