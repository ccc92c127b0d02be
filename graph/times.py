"""Times kept as text: what Mosaic writes is `datetime.isoformat()` of a UTC time
(`2026-03-01T05:00:00+00:00`), and answers repeat that text exactly.

`Instant` types such a field so that the OpenAPI schema states it as a `date-time` (RFC
3339) while the text stays as written: a `datetime` field would be serialised again by
pydantic (`...Z` for UTC), changing what clients and tests compare. The validator holds the
schema to its word: text that is not a time with an offset is refused where the model is
built, not sent.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema


def _with_offset(text: str) -> str:
    """The text itself, once it reads as an ISO 8601 time with a UTC offset."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 time") from None
    if "T" not in text or moment.utcoffset() is None:
        raise ValueError(f"{text!r} is not a date and time with a UTC offset")
    return text


Instant = Annotated[
    str,
    AfterValidator(_with_offset),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""A time as Mosaic wrote it: ISO 8601 with its UTC offset (a JSON Schema `date-time`)."""


def utc_today() -> date:
    """Today as Mosaic dates everything (UTC), whatever the server's local zone: a default
    taken from `date.today()` moved with the machine's clock setting, so a request made
    just after midnight UTC was dated the day before on a server west of Greenwich."""
    return datetime.now(UTC).date()
