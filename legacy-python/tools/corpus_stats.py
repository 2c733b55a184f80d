"""Print counts per route and outcome for one or more recorded corpora.

    python legacy-python/tools/corpus_stats.py events/corpus.jsonl [--format table|json]

A corpus is JSON Lines (one `cutover.record/v1` record per line) or a JSON array of
records, as docs/record-format.md describes. Every record is checked against that format
first; the first bad one stops the run with its file, line and field and exit code 2.

The outcome of a record is its HTTP status code when the handler returned an API Gateway
proxy response, `raised` when the handler raised (the error type is counted too), and
`returned` for any other return value (EventBridge handlers).

The module is also the reader the corpus tests use: `read_corpus` and `check_record`.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

SCHEMA = "cutover.record/v1"
SOURCES = ("apigateway-rest", "apigateway-http", "eventbridge", "other")

EXIT_OK = 0
EXIT_INPUT_ERROR = 2


class CorpusError(Exception):
    """A corpus file that cannot be read or a record that breaks the format.

    The message starts with `file:line:` so an editor can jump to it.
    """

    def __init__(self, path: str | Path, line: int | None, message: str):
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class LocatedRecord:
    """A record with where it came from (line number in JSONL, array index + 1 in JSON)."""

    path: str
    line: int
    record: dict[str, Any]


def _reject_constant(name: str) -> Any:
    # json.loads accepts NaN and Infinity by default; the format is plain JSON.
    raise ValueError(f"non-standard JSON constant {name}")


def read_corpus(path: str | Path) -> Iterator[LocatedRecord]:
    """Yield every record of one corpus file, checked against the format."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CorpusError(path, None, f"cannot read the file: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise CorpusError(path, None, f"not UTF-8 text: {error}") from error

    seen_ids: dict[str, int] = {}
    if path.suffix == ".json":
        items = _read_json_array(path, text)
    else:
        items = _read_json_lines(path, text)
    for line, record in items:
        try:
            check_record(record)
        except ValueError as error:
            raise CorpusError(path, line, str(error)) from None
        first = seen_ids.setdefault(record["id"], line)
        if first != line:
            raise CorpusError(path, line, f"field `id`: {record['id']!r} already used on line {first}")
        yield LocatedRecord(str(path), line, record)


def _read_json_lines(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line, parse_constant=_reject_constant)
        except ValueError as error:
            raise CorpusError(path, line_number, f"not valid JSON: {error}") from None
        yield line_number, value


def _read_json_array(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except ValueError as error:
        line = getattr(error, "lineno", None)
        raise CorpusError(path, line, f"not valid JSON: {error}") from None
    if not isinstance(value, list):
        raise CorpusError(path, 1, f"a .json corpus must be an array of records, found {type(value).__name__}")
    yield from enumerate(value, start=1)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", dict: "object", list: "array"}.get(type(value), type(value).__name__)


def _require(record: dict[str, Any], field: str, expected: str, allowed: tuple[type, ...]) -> Any:
    if field not in record:
        raise ValueError(f"field `{field}` is missing")
    value = record[field]
    if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
        raise ValueError(f"field `{field}`: expected {expected}, found {_type_name(value)}")
    return value


def check_record(record: Any) -> None:
    """Raise ValueError naming the field when `record` is not a valid `cutover.record/v1`."""
    if not isinstance(record, dict):
        raise ValueError(f"a record must be a JSON object, found {_type_name(record)}")
    schema = _require(record, "schema", "string", (str,))
    if schema != SCHEMA:
        raise ValueError(f"field `schema`: expected {SCHEMA!r}, found {schema!r}")
    for field in ("id", "function"):
        if not _require(record, field, "string", (str,)):
            raise ValueError(f"field `{field}` is empty")
    source = _require(record, "source", "string", (str,))
    if source not in SOURCES:
        raise ValueError(f"field `source`: expected one of {', '.join(SOURCES)}, found {source!r}")
    # The recorder cannot name a route for an event of unknown shape (source `other`).
    if not _require(record, "route", "string", (str,)) and source != "other":
        raise ValueError("field `route` is empty")
    recorded_at = _require(record, "recorded_at", "string", (str,))
    try:
        parsed = datetime.fromisoformat(recorded_at)
    except ValueError:
        raise ValueError(f"field `recorded_at`: not an ISO 8601 timestamp: {recorded_at!r}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"field `recorded_at`: ISO 8601 timestamp without an offset: {recorded_at!r}")
    _require(record, "event", "object", (dict,))
    if "response" not in record:
        raise ValueError("field `response` is missing")
    error = _require(record, "error", "object or null", (dict, type(None)))
    if error is not None:
        for key in ("errorType", "errorMessage"):
            if not isinstance(error.get(key), str):
                raise ValueError(f"field `error.{key}`: expected string, found {_type_name(error.get(key))}")
        if record["response"] is not None:
            raise ValueError("field `response`: must be null when `error` is set")
    duration = _require(record, "duration_ms", "number", (int, float))
    if not math.isfinite(duration) or duration < 0:
        raise ValueError(f"field `duration_ms`: expected a finite number >= 0, found {duration!r}")
    for optional in ("scenario", "entity"):
        if optional in record:
            _require(record, optional, "string or null", (str, type(None)))
    if source.startswith("apigateway") and isinstance(record["response"], dict):
        status = record["response"].get("statusCode")
        if not isinstance(status, int) or isinstance(status, bool):
            raise ValueError(f"field `response.statusCode`: expected integer, found {_type_name(status)}")


def outcome(record: dict[str, Any]) -> str:
    """The status column of the table: HTTP status, `raised` or `returned`."""
    if record["error"] is not None:
        return "raised"
    response = record["response"]
    if isinstance(response, dict) and isinstance(response.get("statusCode"), int):
        return str(response["statusCode"])
    return "returned"


@dataclass(frozen=True)
class CountRow:
    route: str
    status: str
    error_type: str
    count: int


@dataclass(frozen=True)
class CorpusStats:
    files: list[str]
    rows: list[CountRow]
    per_route: dict[str, int]
    per_status: dict[str, int]
    total: int

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "total": self.total,
            "per_route": self.per_route,
            "per_status": self.per_status,
            "rows": [row.__dict__ for row in self.rows],
        }


def _status_key(status: str) -> tuple[int, str]:
    return (0, status.zfill(3)) if status.isdigit() else (1, status)


def compute_stats(paths: Iterable[str | Path]) -> CorpusStats:
    """Read and check every file, then count records per (route, outcome, error type)."""
    paths = [str(path) for path in paths]
    counts: Counter[tuple[str, str, str]] = Counter()
    for path in paths:
        for located in read_corpus(path):
            record = located.record
            error_type = record["error"]["errorType"] if record["error"] else ""
            counts[(record["route"], outcome(record), error_type)] += 1
    ordered = sorted(counts.items(), key=lambda item: (item[0][0], _status_key(item[0][1]), item[0][2]))
    rows = [CountRow(route, status, error_type, count) for (route, status, error_type), count in ordered]
    per_route: Counter[str] = Counter()
    per_status: Counter[str] = Counter()
    for row in rows:
        per_route[row.route] += row.count
        per_status[row.status] += row.count
    return CorpusStats(
        files=paths,
        rows=rows,
        per_route=dict(sorted(per_route.items())),
        per_status=dict(sorted(per_status.items(), key=lambda item: _status_key(item[0]))),
        total=sum(counts.values()),
    )


def render_table(stats: CorpusStats) -> str:
    """A Markdown table: one row per (route, status, error type), then per-route and grand totals."""
    header = ("route", "status", "error type", "count")
    body = [(row.route, row.status, row.error_type, str(row.count)) for row in stats.rows]
    body += [(route, "all", "", str(count)) for route, count in stats.per_route.items()]
    body.append(("total", "all", "", str(stats.total)))
    widths = [max(len(line[column]) for line in [header, *body]) for column in range(4)]

    def format_line(cells: tuple[str, ...]) -> str:
        padded = [
            cell.rjust(width) if column == 3 else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(cells, widths))
        ]
        return "| " + " | ".join(padded) + " |"

    separator = "|" + "|".join("-" * (width + 1) + (":" if column == 3 else "-") for column, width in enumerate(widths)) + "|"
    lines = [format_line(header), separator]
    lines += [format_line(cells) for cells in body[: len(stats.rows)]]
    lines.append(format_line(("**per route**", "", "", "")))
    lines += [format_line(cells) for cells in body[len(stats.rows) :]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="corpus_stats.py",
        description="Count records per route and status in cutover.record/v1 corpora.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="corpus file (.jsonl or .json)")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    arguments = parser.parse_args(argv)
    try:
        stats = compute_stats(arguments.paths)
    except CorpusError as error:
        print(f"corpus_stats: error: {error}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    if arguments.format == "json":
        print(json.dumps(stats.to_json(), indent=2, ensure_ascii=False))
    else:
        print(render_table(stats))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
