"""Keyset paging for lists the API computes whole and sorts (the CHIS queue, taskings,
partner requests, MAPP actions, the review due list, disclosure scheme applications, a
nominal's sharing record).

Each item has a position: its sort key as bytes, unique to it. The list is ordered by
position, and a page starts strictly after the `after` of the request, which is the last
position of the page before as hex. So an item that leaves the list between two pages (a
candidate reviewed, a request answered) moves nothing else, and ties in the visible sort
fields are settled by the id fields in the key, never by where an offset happens to fall.
Every string `CURSOR` matches is some position, so a cursor is refused only by the schema.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Annotated, TypeVar

from fastapi import Query

T = TypeVar("T")

PAGE_MAX = 500
"""The largest page these lists serve (`limit` above it is refused, 422)."""

CURSOR = r"^([0-9a-f]{2})+$"
After = Annotated[
    str | None,
    Query(
        max_length=16384,
        pattern=CURSOR,
        description="The `next_after` of the previous page: this page starts strictly after "
        "its last item, so items that left the list meanwhile make it skip nothing. Omit for "
        "the first page.",
    ),
]
Limit = Annotated[int, Query(ge=1, le=PAGE_MAX, description=f"Items a page, at most {PAGE_MAX}.")]
NEXT_AFTER = (
    "Pass as `after` for the next page (the position of this page's last item); null on the "
    "last page."
)

SEPARATOR = b"\x00\x00"  # sorts before any byte of a field: a field that is a prefix comes first
NUL = b"\x00\x01"  # a NUL inside a field (ids may hold one): above the separator, below b"\x01"


def position(*fields: str) -> bytes:
    """A sort key of text fields as bytes, ordered as the tuple of the fields' UTF-8 bytes
    and one to one with it (a NUL in a field is escaped, so no two tuples share a key)."""
    return SEPARATOR.join(f.encode().replace(b"\x00", NUL) for f in fields)


def day(d: date | None, missing: date = date.max) -> str:
    """A date as a key field (ISO text sorts as the dates do); None as `missing`."""
    return (d or missing).isoformat()


def instant(moment: datetime) -> str:
    """A time as a key field: UTC at a fixed width (microseconds always written), so the
    text sorts as the times do."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def number(n: int) -> str:
    """A non-negative whole number (a sequence number) as a key field: fixed width, so the
    text sorts as the numbers do."""
    return f"{n:020d}"


def descending(score: float) -> str:
    """A number as a key field that sorts highest first: the IEEE 754 bits made to order
    as the numbers do, then inverted, as fixed-width hex."""
    (bits,) = struct.unpack(">Q", struct.pack(">d", score))
    ordered = bits ^ 0xFFFFFFFFFFFFFFFF if bits >> 63 else bits | 1 << 63
    return f"{ordered ^ 0xFFFFFFFFFFFFFFFF:016x}"


def page(
    items: Sequence[T], key: Callable[[T], bytes], after: str | None, limit: int
) -> tuple[list[T], str | None]:
    """The `limit` items after the cursor, in key order, and the cursor of the next page
    (None when nothing follows)."""
    start = bytes.fromhex(after) if after else None
    keyed = sorted(((key(i), i) for i in items), key=lambda ki: ki[0])
    rest = [(k, i) for k, i in keyed if start is None or k > start]
    shown = rest[:limit]
    following = shown[-1][0].hex() if len(rest) > limit else None
    return [i for _, i in shown], following
