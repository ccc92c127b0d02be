"""What the resolver compares: plain, storage-free facts about people.

The loader builds these from interchange records (joining a person's location refs to
their address and postcode), so the matcher never sees the store or the wire format.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """One person record, from any source system."""

    id: str
    source_system: str | None
    names: tuple[tuple[str, str], ...]  # (given, family); first is primary, rest aliases
    dob: date | None
    gender: str | None  # 'M' / 'F' / 'X' / None
    pnc_id: str | None
    postcodes: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()  # free-text address lines


@dataclass(frozen=True, slots=True)
class MentionFacts:
    """A person named in a report but not identified: '<report id>#<mention index>'."""

    key: str
    name: tuple[str, str]
    dob: date | None
    address: str | None
    postcode: str | None
