"""Streaming JSON Lines reader and per-line validation with reasons a person can act on.

Files are read line by line (bounded memory whatever their size). Each line becomes either
a validated record or a `Rejection` naming the file, the line, the record id when one can
be read, a reason code for the summary, and a sentence saying what is wrong and where.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ingest.interchange import KINDS, RECORD_ADAPTER, Record
from ingest.state import Rejection

# Reason codes, as counted in load summaries and documented in docs/ingest.md.
BROKEN_JSON = "broken_json"
NOT_AN_OBJECT = "not_an_object"
UNKNOWN_KIND = "unknown_kind"
MISSING_FIELD = "missing_field"
BAD_VALUE = "bad_value"
RULE_BROKEN = "rule_broken"
DUPLICATE_ID = "duplicate_id"
UNRESOLVED_REFERENCE = "unresolved_reference"
KIND_CONFLICT = "kind_conflict"
NOT_UTF8 = "not_utf8"
DISPOSED = "disposed"
NO_SHARING_DECISION = "no_sharing_decision"
REASON_CODES = (
    BROKEN_JSON,
    NOT_AN_OBJECT,
    UNKNOWN_KIND,
    MISSING_FIELD,
    BAD_VALUE,
    RULE_BROKEN,
    DUPLICATE_ID,
    UNRESOLVED_REFERENCE,
    KIND_CONFLICT,
    NOT_UTF8,
    DISPOSED,
    NO_SHARING_DECISION,
)


_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class Line:
    """One non-blank line of an input file."""

    file: str
    number: int
    raw: bytes


@dataclass(frozen=True)
class Parsed:
    line: Line
    record: Record


def read_lines(path: Path, name: str | None = None) -> Iterator[Line]:
    with path.open("rb") as handle:
        yield from stream_lines(handle, name or str(path))


def stream_lines(handle: BinaryIO | Iterable[bytes], name: str) -> Iterator[Line]:
    """Non-blank lines with their 1-based line numbers (blank lines are not records)."""
    for number, raw in enumerate(handle, start=1):
        stripped = raw.strip()
        if stripped:
            yield Line(name, number, stripped)


def parse(line: Line) -> Parsed | Rejection:
    """Validate one line. The fast path is pydantic-core's JSON parser; the slow path, taken
    only for bad lines, reads the JSON again to name the record and explain the problem."""
    try:
        return Parsed(line, RECORD_ADAPTER.validate_json(line.raw))
    except ValidationError as exc:
        return _explain(line, exc)


def _reject(line: Line, code: str, reason: str, obj: Any = None) -> Rejection:
    record_id = obj.get("id") if isinstance(obj, dict) else None
    kind = obj.get("kind") if isinstance(obj, dict) else None
    return Rejection(
        file=line.file,
        line=line.number,
        # An id with a replaced byte in it names no record that could ever be accepted.
        record_id=record_id if isinstance(record_id, str) and "\ufffd" not in record_id else None,
        kind=kind if isinstance(kind, str) and kind in KINDS else None,
        code=code,
        reason=reason,
        raw=line.raw.decode("utf-8", errors="replace"),
    )


def _readable_fields(text: str) -> dict[str, Any]:
    """The top-level fields of a broken object, read up to the break: a pair is kept only
    when it is whole (its value followed by ',' or '}'), so a value cut or spoilt by the
    break is never guessed at. An entry for a broken line then still names its record (kind
    and id) when they come before the break, and the record accepted later, fixed, closes
    the entry as it closes any other."""
    fields: dict[str, Any] = {}
    pos = _skip_space(text, 0)
    if text[pos : pos + 1] != "{":
        return fields
    pos += 1
    while True:
        try:
            key, pos = _DECODER.raw_decode(text, _skip_space(text, pos))
            pos = _skip_space(text, pos)
            if not isinstance(key, str) or text[pos : pos + 1] != ":":
                return fields
            value, pos = _DECODER.raw_decode(text, _skip_space(text, pos + 1))
        except (json.JSONDecodeError, RecursionError):
            return fields
        pos = _skip_space(text, pos)
        if text[pos : pos + 1] not in (",", "}"):
            return fields
        fields[key] = value  # a repeated key: the last one, as a JSON parser reads it
        if text[pos] == "}":
            return fields
        pos += 1


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _explain(line: Line, exc: ValidationError) -> Rejection:
    try:
        text = line.raw.decode("utf-8")
    except UnicodeDecodeError as err:
        fields = _readable_fields(line.raw.decode("utf-8", errors="replace"))
        return _reject(line, NOT_UTF8, f"not UTF-8 text (bad byte at position {err.start})", fields)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        reason = f"not valid JSON: {err.msg} at column {err.colno}"
        return _reject(line, BROKEN_JSON, reason, _readable_fields(text))
    except RecursionError:  # deeper than Python's parser goes; pydantic's stops at 200
        reason = "not valid JSON: nested too deeply to read"
        return _reject(line, BROKEN_JSON, reason, _readable_fields(text))
    if not isinstance(obj, dict):
        return _reject(line, NOT_AN_OBJECT, f"a record is a JSON object, got {type(obj).__name__}")
    kind = obj.get("kind")
    if kind not in KINDS:
        expected = ", ".join(KINDS)
        if kind is None:
            return _reject(line, MISSING_FIELD, f"no 'kind' (expected one of {expected})", obj)
        return _reject(
            line, UNKNOWN_KIND, f"unknown kind {kind!r} (expected one of {expected})", obj
        )
    errors = exc.errors(include_url=False)
    code = _code(errors[0])
    details = "; ".join(_sentence(e) for e in errors[:5])
    if len(errors) > 5:
        details += f"; and {len(errors) - 5} more"
    who = f"{kind} {obj['id']!r}" if isinstance(obj.get("id"), str) else kind
    return _reject(line, code, f"{who}: {details}", obj)


def _code(error: ErrorDetails) -> str:
    if error["type"] == "missing":
        return MISSING_FIELD
    if error["type"] in ("value_error", "assertion_error"):
        return RULE_BROKEN
    return BAD_VALUE


def _where(error: ErrorDetails) -> str:
    # The first element is the union tag (the kind); the rest is the path in the record.
    parts = list(error["loc"][1:])
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _sentence(error: ErrorDetails) -> str:
    where = _where(error)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        return f"required field {where!r} is missing"
    if error["type"] in ("value_error", "assertion_error"):
        return f"{where}: {message}" if where else message
    value = error.get("input")
    shown = json.dumps(value)[:60] if not isinstance(value, dict | list) else type(value).__name__
    return f"{where or 'record'}: {message} (got {shown})"
