"""MAPPA figures from event records loaded through ingest, against counts computed
independently here, on both backends; the CSV export; access; and event records'
validation and quarantine."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from graph.access import Role
from graph.analysis.mappa import mappa_figures
from graph.store import GraphStore
from ingest.loader import Actor
from ingest.pipeline import ingest
from ingest.reader import stream_lines
from ingest.state import IngestState
from tests import wire as w

START, END = date(2025, 4, 1), date(2026, 3, 31)
TYPES = (
    "serious_further_offence",
    "licence_breach",
    "notification_breach",
    "preventive_order_breach",
)


def world(seed: int = 4) -> tuple[list[dict[str, Any]], dict[str, int], list[dict[str, Any]]]:
    """Nominals of each category, custody histories and events around the period."""
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    category: dict[str, int] = {}
    events: list[dict[str, Any]] = []
    for i in range(40):
        cat = rng.choice((1, 1, 1, 2, 2, 3))
        pid = f"N{i}"
        kind = "RSO" if cat == 1 else "VIOLENT_OFFENDER" if cat == 2 else "OTHER_DANGEROUS"
        rec = w.nominal(pid, f"Given{i}", "Example")
        rec["visor"] = {**rec["visor"], "nominal_type": kind, "mappa_category": cat}
        records.append(rec)
        category[pid] = cat
        day = date(2024, 1, 1)
        for j in range(rng.randrange(0, 7)):
            day += timedelta(days=rng.randrange(20, 200))
            kind_of = rng.choice((*TYPES, "custody_start", "custody_end"))
            events.append(w.event(f"E{i}-{j}", pid, kind_of, day.isoformat()))
    records.append(w.person("NOT-NOMINAL"))
    events.append(w.event("E-X", "NOT-NOMINAL", "licence_breach", "2025-06-01"))
    return records, category, events


def expected(category: dict[str, int], events: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures, counted plainly from the records."""
    latest: dict[str, tuple[str, str, str]] = {}
    counts = dict.fromkeys(TYPES, 0)
    by_cat: dict[str, dict[int, int]] = {t: {} for t in TYPES}
    for e in events:
        pid, day, kind = e["person_id"], e["occurred_on"], e["event_type"]
        if pid not in category:
            continue
        if kind.startswith("custody") and day <= END.isoformat():
            if pid not in latest or (day, e["id"]) > latest[pid][:2]:
                latest[pid] = (day, e["id"], kind)
        elif kind in TYPES and START.isoformat() <= day <= END.isoformat():
            counts[kind] += 1
            by_cat[kind][category[pid]] = by_cat[kind].get(category[pid], 0) + 1
    inside = {c: 0 for c in (1, 2, 3)}
    for pid, c in category.items():
        if not (pid in latest and latest[pid][2] == "custody_start"):
            inside[c] += 1
    return {"in_community": inside, "events": counts, "by_category": by_cat}


def load(store: GraphStore, tmp_path: Path, lines: list[Any]) -> Any:
    with IngestState(tmp_path / "i.db") as state:
        data = stream_lines(w.dumps(lines).encode().splitlines(), "events.jsonl")
        return ingest(store, state, [data], actor=Actor("t", "admin"), audit=None)


def test_figures_match_an_independent_count(store: GraphStore, tmp_path: Path) -> None:
    records, category, events = world()
    load(store, tmp_path, [*records, *events])
    got = mappa_figures(store, START, END)
    want = expected(category, events)
    assert got.in_community == want["in_community"]
    assert got.events == want["events"]
    for kind in TYPES:
        assert got.events_by_category[kind] == {
            c: n for c, n in sorted(want["by_category"][kind].items())
        }
    assert sum(got.in_community.values()) < len(category)  # some are in custody
    assert sum(got.events.values()) > 0


def test_csv_export_and_access(tmp_path: Path) -> None:
    from tests.support.scenario_api import scenario_api

    records, category, events = world(9)
    roles = (Role.SUPERVISOR, Role.ANALYST, Role.FRONTLINE)
    with scenario_api(tmp_path, roles, "offender_management") as (client, auth, _):
        # load the events through the API, as a feed would
        body = w.dumps([*records, *events])
        posted = client.post(
            "/ingest",
            content=body,
            headers={**auth(Role.SUPERVISOR), "Content-Type": "application/x-ndjson"},
        )
        assert posted.status_code == 200, posted.text
        query = f"/kpis/mappa?from={START}&to={END}"
        figures = client.get(query, headers=auth(Role.ANALYST)).json()
        want = expected(category, events)
        # the scenario's own nominal P1 (category 1, no custody events) is in the community
        want["in_community"][1] += 1
        assert {int(k): v for k, v in figures["in_community"].items()} == want["in_community"]
        assert figures["events"] == want["events"]
        exported = client.get(query + "&format=csv", headers=auth(Role.SUPERVISOR))
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        sfo = [
            r for r in rows if r["measure"] == "serious further offence" and r["category"] == "all"
        ]
        assert int(sfo[0]["value"]) == want["events"]["serious_further_offence"]
        assert rows[0]["period_start"] == START.isoformat()
        assert client.get(query, headers=auth(Role.FRONTLINE)).status_code == 403
        backwards = client.get(f"/kpis/mappa?from={END}&to={START}", headers=auth(Role.ANALYST))
        assert backwards.json() == figures  # the same period, given backwards


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (w.event("EB1", "N0", "parking_ticket", "2025-05-01"), "bad_value"),
        (w.event("EB2", "NOBODY", "licence_breach", "2025-05-01"), "unresolved_reference"),
        (
            {**w.event("EB3", "N0", "licence_breach", "2025-05-01"), "occurred_on": "soon"},
            "bad_value",
        ),
    ],
)
def test_bad_event_records_are_quarantined(
    store: GraphStore, tmp_path: Path, bad: dict[str, Any], reason: str
) -> None:
    records, _, _ = world()
    summary = load(store, tmp_path, [records[0], bad]).load
    assert (summary.lines_read, summary.accepted, summary.quarantined) == (2, 1, 1)
    [rejection] = summary.rejections
    assert rejection.record_id == bad["id"] and rejection.line == 2
    assert rejection.code == reason and rejection.reason
    assert store.get_node(bad["id"]) is None
