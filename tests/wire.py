"""Builders for interchange-v1 records (plain dicts, as other systems send them)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

Record = dict[str, Any]


def location(
    lid: str, address: str = "1 Test Street, Sampletown", postcode: str = "SX1 1AA", **kw: Any
) -> Record:
    return {
        "kind": "location",
        "id": lid,
        "address": address,
        "postcode": postcode,
        "location_type": "residential",
        **kw,
    }


def obj(oid: str, value: str = "SX11 AAA", **kw: Any) -> Record:
    return {"kind": "object", "id": oid, "object_type": "vehicle", "value": value, **kw}


def person(
    pid: str, given: str = "Alden", family: str = "Quarry", *, at: str | None = None, **kw: Any
) -> Record:
    record: Record = {
        "kind": "person",
        "id": pid,
        "source_system": "local_intel",
        "source_record_id": f"LI-{pid}",
        "names": [{"given": given, "family": family}],
        "dob": "1980-05-06",
        "gender": "M",
        "addresses": [{"location_id": at, "from": "2025-01-01", "to": None}] if at else [],
    }
    return {**record, **kw}


def nominal(pid: str, given: str, family: str, **kw: Any) -> Record:
    visor = {
        "ref": f"V-{pid}",
        "nominal_type": "RSO",
        "mappa_category": 1,
        "mappa_level": 1,
        "risk_level": "high",
        "modus_operandi": "synthetic",
        "risk_factors": [],
        "licence_conditions": [],
        "individuals_at_risk": [],
    }
    return person(pid, given, family, source_system="visor", visor=visor, **kw)


def source(sid: str, person_id: str | None = None, **kw: Any) -> Record:
    return {
        "kind": "source",
        "id": sid,
        "source_type": "member_of_public",
        "person_id": person_id,
        **kw,
    }


def report(rid: str, *, day: int = 1, grade: str = "2BP", **kw: Any) -> Record:
    record: Record = {
        "kind": "report",
        "id": rid,
        "received_at": f"2026-03-{day:02d}T10:00:00Z",
        "recorded_by": "PC 0001",
        "channel": "phone",
        "initiated_by": "source",
        "how_obtained": "witnessed",
        "grading": {
            "scheme": "3x5x2",
            "source_evaluation": grade[0],
            "intelligence_assessment": grade[1],
            "handling_code": grade[2],
            "handling_conditions": "originator consent before action" if grade[2] == "C" else None,
        },
        "text": "synthetic report text",
        "subjects": [],
        "mentions": [],
        "locations": [],
        "objects": [],
        "associations": [],
        "source_relationship": [],
        "risk_indicators": [],
    }
    return {**record, **kw}


def ref(person_id: str) -> Record:
    return {"person_id": person_id}


def association(aid: str, a: str, b: str, kind: str = "associate", **kw: Any) -> Record:
    return {
        "kind": "association",
        "id": aid,
        "a": a,
        "b": b,
        "type": kind,
        "source_system": "visor",
        **kw,
    }


def event(eid: str, person_id: str, event_type: str, occurred_on: str, **kw: Any) -> Record:
    return {
        "kind": "event",
        "id": eid,
        "event_type": event_type,
        "person_id": person_id,
        "occurred_on": occurred_on,
        "source_system": "probation",
        **kw,
    }


def tasking(tid: str, **kw: Any) -> Record:
    return {
        "kind": "tasking",
        "id": tid,
        "level": "force",
        "requirement": "general",
        "title": "synthetic requirement",
        "owner": "DI Example",
        "opened_on": "2026-02-01",
        **kw,
    }


def dumps(records: Iterable[Record | str]) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def write(path: Path, records: Iterable[Record | str]) -> Path:
    path.write_text(dumps(records))
    return path


def small_world(persons: int = 40, reports: int = 240, seed: int = 3) -> list[Record]:
    """A deterministic world with accumulating claims, mentions and forward references
    (a tenth of the reports come before the persons they are about)."""
    import random

    rng = random.Random(seed)
    places = [
        location(f"L{i}", f"{i} Test Street, Sampletown", f"SX{i % 9} {i}AB") for i in range(10)
    ]
    people = [
        person(f"P{i}", f"Given{i}", f"Family{i % 7}", at=f"L{i % 10}") for i in range(persons)
    ]
    sources = [source(f"S{i}", f"P{i}") for i in range(5)]
    links = [
        association(f"A{i}", f"P{i}", f"P{(i + 1) % persons}", "friend")
        for i in range(0, persons, 4)
    ]
    kinds = ["partner", "friend", "associate", "co_offender", "parent_of"]
    made: list[Record] = []
    for r in range(reports):
        a, b = rng.sample(range(persons), 2)
        mention = {
            "name": {"given": f"Named{r % 13}", "family": "Other"},
            "dob": None,
            "address": None,
            "postcode": None,
        }
        made.append(
            report(
                f"R{r}",
                day=1 + r % 28,
                grade=rng.choice(["2BP", "1AP", "3EP", "2CC"]),
                source_id=f"S{r % 5}",
                subjects=[ref(f"P{a}")],
                mentions=[mention] if r % 3 == 0 else [],
                locations=[{"location_id": f"L{r % 10}", "role": "event"}],
                associations=[
                    {"a": ref(f"P{a}"), "b": ref(f"P{b}"), "type": rng.choice(kinds), "note": None}
                ],
                source_relationship=[{"ref": ref(f"P{a}"), "type": "neighbour"}],
            )
        )
    early = made[: reports // 10]
    return [*early, *places, *people, *sources, *links, *made[reports // 10 :]]
