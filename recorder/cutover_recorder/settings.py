"""The recorder's settings, read from the environment at each invocation (so a function's
configuration change, or a test's, takes effect without a new sandbox)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping, Optional

from .redaction import JsonPath, parse_paths

# A CloudWatch Logs event holds 262,144 bytes, 26 of which are the event's own overhead
# (PutLogEvents' quota), so one log line carries at most 262,118 bytes of message.
CLOUDWATCH_EVENT_BYTES = 262_144
CLOUDWATCH_EVENT_OVERHEAD_BYTES = 26
DEFAULT_MAX_LINE_BYTES = CLOUDWATCH_EVENT_BYTES - CLOUDWATCH_EVENT_OVERHEAD_BYTES
# Below this a part would carry too little of the record to be worth a line.
MIN_MAX_LINE_BYTES = 1024

SPLIT = "split"
TRUNCATE = "truncate"


@dataclass(frozen=True)
class Settings:
    """What to record and where; ``enabled`` is false unless a destination is set."""

    record_file: Optional[str] = None
    log: bool = False
    scenario: Optional[str] = None
    sample_rate: float = 1.0
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    oversize: str = SPLIT
    redact_paths: tuple[JsonPath, ...] = ()

    @property
    def enabled(self) -> bool:
        return bool(self.record_file) or self.log

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        """Reads ``CUTOVER_RECORD*``; a bad value raises ValueError naming the variable."""
        record_file = environ.get("CUTOVER_RECORD_FILE") or None
        log = environ.get("CUTOVER_RECORD") == "log"
        if not record_file and not log:
            return DISABLED
        return cls(
            record_file=record_file,
            log=log,
            scenario=environ.get("CUTOVER_RECORD_SCENARIO") or None,
            sample_rate=_sample_rate(environ.get("CUTOVER_RECORD_SAMPLE_RATE")),
            max_line_bytes=_max_line_bytes(environ.get("CUTOVER_RECORD_MAX_BYTES")),
            oversize=_oversize(environ.get("CUTOVER_RECORD_OVERSIZE")),
            redact_paths=parse_paths(environ.get("CUTOVER_RECORD_REDACT_PATHS") or ""),
        )


DISABLED = Settings()


def _sample_rate(text: Optional[str]) -> float:
    if text is None or not text.strip():
        return 1.0
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"CUTOVER_RECORD_SAMPLE_RATE must be a number from 0 to 1, not {text!r}")
    return rate


def _max_line_bytes(text: Optional[str]) -> int:
    if text is None or not text.strip():
        return DEFAULT_MAX_LINE_BYTES
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < MIN_MAX_LINE_BYTES:
        raise ValueError(f"CUTOVER_RECORD_MAX_BYTES must be a whole number of at least {MIN_MAX_LINE_BYTES}, not {text!r}")
    return value


def _oversize(text: Optional[str]) -> str:
    if text is None or not text.strip():
        return SPLIT
    if text not in (SPLIT, TRUNCATE):
        raise ValueError(f"CUTOVER_RECORD_OVERSIZE must be {SPLIT} or {TRUNCATE}, not {text!r}")
    return text
