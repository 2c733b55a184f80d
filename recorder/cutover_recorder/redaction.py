"""Redaction: secrets are replaced before a record is written anywhere.

Two kinds. The headers every team has (by exact name, or by a word in the name), in
``headers`` and ``multiValueHeaders``, plus the API key and authorizer values of an API
Gateway request context: always. And JSON paths the team names
(``CUTOVER_RECORD_REDACT_PATHS="$.password,$.card.number"``), applied to the event
itself and to the JSON text of its ``body`` (API Gateway, function URLs).
"""

from __future__ import annotations

import copy
import functools
import json
import re
from typing import Any, Iterable, Tuple, Union

REDACTED = "[REDACTED]"
# The parity crate reads these two lists from this file's text (so that its own copy
# follows): keep each a literal of quoted names.
REDACTED_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-amz-security-token"}
)
REDACTED_HEADER_WORDS = ("token", "secret", "password", "api-key")

# A path step: a key (str), an index (int), or any child (None).
Step = Union[str, int, None]
JsonPath = Tuple[Step, ...]

_STEP = re.compile(r"\.(?P<name>[A-Za-z_][A-Za-z0-9_\-]*|\*)|\[(?P<index>\d+|\*)\]|\[(?P<quote>['\"])(?P<quoted>.+?)(?P=quote)\]")


def is_secret_header(name: str) -> bool:
    lowered = name.lower()
    return lowered in REDACTED_HEADERS or any(word in lowered for word in REDACTED_HEADER_WORDS)


def parse_path(text: str) -> JsonPath:
    """``$.card.number``, ``$.items[*].token``, ``$['odd key'][0]``: a path from the root."""
    text = text.strip()
    if not text.startswith("$"):
        raise ValueError(f"redaction path {text!r} must start with $")
    steps: list[Step] = []
    position = 1
    while position < len(text):
        match = _STEP.match(text, position)
        if match is None:
            raise ValueError(f"redaction path {text!r}: cannot read from {text[position:]!r}")
        if match.group("name") is not None:
            name = match.group("name")
            steps.append(None if name == "*" else name)
        elif match.group("index") is not None:
            index = match.group("index")
            steps.append(None if index == "*" else int(index))
        else:
            steps.append(match.group("quoted"))
        position = match.end()
    if not steps:
        raise ValueError("redaction path $ would redact the whole document; name a field")
    return tuple(steps)


@functools.lru_cache(maxsize=32)
def parse_paths(text: str) -> tuple[JsonPath, ...]:
    """A comma-separated list of paths (cached: the environment is read at each invocation)."""
    return tuple(parse_path(part) for part in text.split(",") if part.strip())


def _children(value: Any, step: Step) -> Iterable[tuple[Any, Any]]:
    if isinstance(value, dict):
        if step is None:
            return [(value, key) for key in value]
        return [(value, step)] if isinstance(step, str) and step in value else []
    if isinstance(value, list):
        if step is None:
            return [(value, index) for index in range(len(value))]
        return [(value, step)] if isinstance(step, int) and step < len(value) else []
    return []


def redact_path(document: Any, path: JsonPath) -> bool:
    """Replaces, in place, every non-null value ``path`` reaches; True when one was."""
    changed = False
    for container, key in _children(document, path[0]):
        if len(path) > 1:
            changed = redact_path(container[key], path[1:]) or changed
        elif container[key] is not None and container[key] != REDACTED:
            container[key] = REDACTED
            changed = True
    return changed


def _redact_body(event: dict, paths: tuple[JsonPath, ...]) -> None:
    body = event.get("body")
    if not isinstance(body, str) or event.get("isBase64Encoded") or not body.lstrip().startswith(("{", "[")):
        return
    try:
        document = json.loads(body)
    except ValueError:
        return
    changed = False
    for path in paths:
        changed = redact_path(document, path) or changed
    # An untouched body keeps its exact text; a redacted one is written back as JSON.
    if changed:
        event["body"] = json.dumps(document)


def redact_in_place(event: Any, paths: tuple[JsonPath, ...] = ()) -> None:
    """Redacts ``event`` itself: the secret headers, the request context's API key and
    authorizer values, then each of ``paths`` in the event and in its JSON body."""
    if not isinstance(event, dict):
        for path in paths:
            redact_path(event, path)
        return
    headers = event.get("headers")
    if isinstance(headers, dict):
        for name in headers:
            if is_secret_header(name):
                headers[name] = REDACTED
    multi_headers = event.get("multiValueHeaders")
    if isinstance(multi_headers, dict):
        for name, values in multi_headers.items():
            if is_secret_header(name):
                multi_headers[name] = [REDACTED for _ in values] if isinstance(values, list) else REDACTED
    context = event.get("requestContext")
    if isinstance(context, dict):
        identity = context.get("identity")
        if isinstance(identity, dict) and identity.get("apiKey") is not None:
            identity["apiKey"] = REDACTED
        authorizer = context.get("authorizer")
        if isinstance(authorizer, dict):
            for name in authorizer:
                authorizer[name] = REDACTED
    if paths:
        _redact_body(event, paths)
        for path in paths:
            redact_path(event, path)


def redact_event(event: object, paths: tuple[JsonPath, ...] = ()) -> object:
    """A redacted copy of ``event``; the original is left alone."""
    redacted = copy.deepcopy(event)
    redact_in_place(redacted, paths)
    return redacted
