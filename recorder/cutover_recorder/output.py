"""Where records go: a line appended to a file, or log lines on stdout.

A log line must fit one CloudWatch Logs event. A record whose line does not is either
split into parts (``cutover_record_part`` lines that a puller joins back into the exact
record text) or, when the team prefers, written with its ``response``, then its
``event``, replaced by null and a ``truncated`` field saying so. It is never dropped
without a word: what cannot be written at all raises, and the recorder counts it.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from .settings import SPLIT

RECORD_KEY = "cutover_record"
PART_KEY = "cutover_record_part"
PART_SCHEMA = "cutover.record-part/v1"


class RecordTooLarge(ValueError):
    """A record that does not fit a log line even truncated."""


def record_text(record: dict[str, Any]) -> str:
    # ASCII only (json's default), so a line's length in characters is its size in bytes.
    return json.dumps(record, default=str)


def append_line(path: str, line: str) -> None:
    """One write(2) of a whole line on an O_APPEND descriptor: lines from concurrent
    processes never interleave."""
    data = (line + "\n").encode("utf-8")
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        written = os.write(descriptor, data)
    finally:
        os.close(descriptor)
    if written != len(data):
        raise OSError(f"short write to {path}: {written} of {len(data)} bytes")


def log_lines(record: dict[str, Any], text: str, *, max_line_bytes: int, oversize: str) -> list[str]:
    """The log lines for one record: one ``{"cutover_record": ...}`` line when it fits."""
    line = '{"' + RECORD_KEY + '": ' + text + "}"
    if len(line) <= max_line_bytes:
        return [line]
    if oversize == SPLIT:
        return split_lines(str(record.get("id")), text, max_line_bytes)
    return [truncated_line(record, len(line), max_line_bytes)]


def _part_line(record_id: str, digest: str, index: int, count: int, chunk: str) -> str:
    part = {"schema": PART_SCHEMA, "id": record_id, "sha256": digest, "index": index, "count": count, "chunk": chunk}
    return json.dumps({PART_KEY: part})


def split_lines(record_id: str, text: str, max_line_bytes: int) -> list[str]:
    """``text`` cut into chunks, each in a part line of at most ``max_line_bytes``.

    A chunk is a piece of the record's JSON text, JSON-escaped in its line: quotes and
    backslashes take two bytes there, everything else one (the text is ASCII). Joining
    the chunks in index order gives ``text`` back byte for byte; ``sha256`` is its
    digest, so a joined record can be checked, and two records with one request id (a
    retried asynchronous invocation) told apart.
    """
    digest = hashlib.sha256(text.encode("ascii")).hexdigest()
    # The line around an empty chunk, with the widest index and count a record can need.
    widest = len(text)
    budget = max_line_bytes - len(_part_line(record_id, digest, widest, widest, ""))
    if budget < 2:
        raise RecordTooLarge(f"CUTOVER_RECORD_MAX_BYTES={max_line_bytes} leaves no room for a part of record {record_id}")
    chunks: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + budget)
        while True:
            chunk = text[start:end]
            cost = len(chunk) + chunk.count('"') + chunk.count("\\")
            if cost <= budget:
                break
            end -= max(1, (cost - budget + 1) // 2)
        chunks.append(chunk)
        start = end
    return [_part_line(record_id, digest, index, len(chunks), chunk) for index, chunk in enumerate(chunks)]


def join_parts(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The record that part objects (the values of ``cutover_record_part``) were cut from:
    what a puller does, here for tests and for Python tools."""
    if not parts:
        raise ValueError("no parts to join")
    ordered = sorted(parts, key=lambda part: part["index"])
    count = ordered[0]["count"]
    if [part["index"] for part in ordered] != list(range(count)) or any(part["count"] != count for part in ordered):
        raise ValueError(f"record {ordered[0]['id']}: parts {[part['index'] for part in ordered]} of {count}")
    text = "".join(part["chunk"] for part in ordered)
    if hashlib.sha256(text.encode("ascii")).hexdigest() != ordered[0]["sha256"]:
        raise ValueError(f"record {ordered[0]['id']}: the joined parts do not match their sha256")
    return json.loads(text)


def truncated_line(record: dict[str, Any], original_bytes: int, max_line_bytes: int) -> str:
    """The record with ``response``, then ``event``, set to null (and, last, the error
    message shortened) until its line fits; ``truncated`` says what was cut."""
    shrunk = dict(record)
    fields: list[str] = []
    shrunk["truncated"] = {"bytes": original_bytes, "fields": fields}
    for field in ("response", "event"):
        if shrunk.get(field) is None:
            continue
        shrunk[field] = None
        fields.append(field)
        line = json.dumps({RECORD_KEY: shrunk}, default=str)
        if len(line) <= max_line_bytes:
            return line
    error = shrunk.get("error")
    if isinstance(error, dict) and isinstance(error.get("errorMessage"), str):
        fields.append("error.errorMessage")
        message = error["errorMessage"]
        shrunk["error"] = dict(error, errorMessage="")
        room = max_line_bytes - len(json.dumps({RECORD_KEY: shrunk}, default=str))
        # Escapes can make a character take up to six bytes in the line.
        kept = message[: max(0, room // 6)]
        shrunk["error"] = dict(error, errorMessage=kept)
        line = json.dumps({RECORD_KEY: shrunk}, default=str)
        if len(line) <= max_line_bytes:
            return line
    raise RecordTooLarge(
        f"record {record.get('id')} is {original_bytes} bytes and still over {max_line_bytes} without its event and response"
    )
