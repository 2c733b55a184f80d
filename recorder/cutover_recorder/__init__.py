"""cutover-recorder: one ``cutover.record/v1`` record per Lambda invocation.

A handler wears ``@record_invocation`` (or the Powertools middleware
``cutover_recorder.powertools.record_middleware``) as its outermost decorator. Nothing
happens until the environment, read at each invocation, turns recording on:

- ``CUTOVER_RECORD_FILE=/path/file.jsonl`` appends one JSON line per invocation (local runs);
- ``CUTOVER_RECORD=log`` prints one structured line ``{"cutover_record": {...}}`` on
  stdout for CloudWatch Logs (production); a record over the size of a CloudWatch event
  is split into ``cutover_record_part`` lines, or truncated
  (``CUTOVER_RECORD_MAX_BYTES``, ``CUTOVER_RECORD_OVERSIZE=split|truncate``);
- ``CUTOVER_RECORD_SAMPLE_RATE`` (0 to 1, by request id) records a share; errors always;
- ``CUTOVER_RECORD_REDACT_PATHS`` (``$.password,$.card.number``) redacts JSON paths in
  the event and its JSON body, on top of the secret headers, always redacted;
- ``CUTOVER_RECORD_SCENARIO`` is copied into the record's ``scenario``.

The flow: ``recorder`` (the call, its guard and the failure count) → ``redaction`` →
``record`` (the fields) → ``output`` (file line, log lines, parts). docs/record-format.md
in the cutover repository is the format's reference.
"""

from .output import PART_KEY, PART_SCHEMA, RECORD_KEY, RecordTooLarge, join_parts, split_lines
from .record import SCHEMA, build_record, event_source
from .recorder import FAILURE_KEY, failure_count, invoke_recorded, record_invocation, sampled
from .redaction import REDACTED, REDACTED_HEADER_WORDS, REDACTED_HEADERS, parse_paths, redact_event
from .settings import DEFAULT_MAX_LINE_BYTES, Settings

__all__ = [
    "DEFAULT_MAX_LINE_BYTES",
    "FAILURE_KEY",
    "PART_KEY",
    "PART_SCHEMA",
    "RECORD_KEY",
    "REDACTED",
    "REDACTED_HEADERS",
    "REDACTED_HEADER_WORDS",
    "SCHEMA",
    "RecordTooLarge",
    "Settings",
    "build_record",
    "event_source",
    "failure_count",
    "invoke_recorded",
    "join_parts",
    "parse_paths",
    "record_invocation",
    "redact_event",
    "sampled",
    "split_lines",
]
__version__ = "0.1.0"
