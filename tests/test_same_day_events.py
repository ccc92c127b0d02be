"""Events on one day are read in the documented order of the day (licence ends, custody
starts, custody ends, licence starts, breaches, recall, re-assessment), never by how their
ids sort: each case's ids are chosen so that id order gives the wrong answer. Loaded
through ingest, on both backends, for the management status and the MAPPA figures."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from graph.access import AccessPolicy, Principal, Role
from graph.analysis.management import management_status
from graph.analysis.mappa import mappa_figures
from graph.analysis.timeline import timeline
from graph.nodes import Person
from graph.store import GraphStore
from ingest.loader import Actor
from ingest.pipeline import ingest
from ingest.reader import stream_lines
from ingest.state import IngestState
from tests import wire as w

TODAY = date(2026, 11, 30)
DAY = "2026-03-02"
FRONTLINE = AccessPolicy(Principal("f", Role.FRONTLINE)).filter
KIND = {1: "RSO", 2: "VIOLENT_OFFENDER", 3: "OTHER_DANGEROUS"}


def nominal(pid: str, category: int) -> dict[str, Any]:
    record = w.nominal(pid, "Given", f"Example{pid}")
    record["visor"] = {
        **record["visor"],
        "nominal_type": KIND[category],
        "mappa_category": category,
    }
    return record


RECORDS = [
    # Remanded in January; sentenced to time already served and released at court on DAY.
    nominal("SD-SERVED", 1),
    w.event("SD-A-REMAND", "SD-SERVED", "custody_start", "2026-01-10"),
    w.event("SD-Z-SENTENCE", "SD-SERVED", "custody_start", DAY, details="sentenced"),
    w.event("SD-B-RELEASE", "SD-SERVED", "custody_end", DAY, details="time served"),
    # Released on DAY and recalled the same day (did not arrive at approved premises).
    nominal("SD-RECALLED", 2),
    w.event("SD-C-CUSTODY", "SD-RECALLED", "custody_start", "2025-01-10"),
    w.event("SD-Z-RELEASE", "SD-RECALLED", "custody_end", DAY),
    w.event("SD-A-RECALL", "SD-RECALLED", "recall", DAY, details="failed to arrive"),
    # An old licence ends on DAY and a new one, with new conditions, starts that day.
    nominal("SD-RELICENSED", 3),
    w.event(
        "SD-M-OLD",
        "SD-RELICENSED",
        "licence_start",
        "2025-06-01",
        licence_end_on="2027-01-01",
        conditions=["old condition"],
        probation_offender_manager="PO Old (synthetic)",
    ),
    w.event("SD-Z-END", "SD-RELICENSED", "licence_end", DAY),
    w.event(
        "SD-A-NEW",
        "SD-RELICENSED",
        "licence_start",
        DAY,
        licence_end_on="2028-01-01",
        conditions=["new condition"],
        probation_offender_manager="PO New (synthetic)",
    ),
]


def load(store: GraphStore, tmp_path: Path) -> None:
    with IngestState(tmp_path / "i.db") as state:
        data = stream_lines(w.dumps(RECORDS).encode().splitlines(), "events.jsonl")
        outcome = ingest(store, state, [data], actor=Actor("t", "admin"), audit=None)
    assert outcome.load.quarantined == 0, outcome.load.rejections


def status(store: GraphStore, pid: str) -> Any:
    person = store.get_node(pid)
    assert isinstance(person, Person)
    return management_status(store, person, FRONTLINE, TODAY)


def test_sentenced_and_released_the_same_day_is_in_the_community(
    store: GraphStore, tmp_path: Path
) -> None:
    load(store, tmp_path)
    seen = status(store, "SD-SERVED")
    assert not seen.in_custody
    assert [c.event_id for c in seen.recent_changes][:2] == ["SD-B-RELEASE", "SD-Z-SENTENCE"]
    assert "SD-B-RELEASE" in seen.based_on


def test_released_and_recalled_the_same_day_is_in_custody(
    store: GraphStore, tmp_path: Path
) -> None:
    load(store, tmp_path)
    seen = status(store, "SD-RECALLED")
    assert seen.in_custody
    assert [c.event_id for c in seen.recent_changes][:2] == ["SD-A-RECALL", "SD-Z-RELEASE"]
    assert "SD-A-RECALL" in seen.based_on


def test_a_licence_ending_the_day_a_new_one_starts_leaves_the_new_one(
    store: GraphStore, tmp_path: Path
) -> None:
    load(store, tmp_path)
    seen = status(store, "SD-RELICENSED")
    assert seen.on_licence
    assert seen.licence_end_on == date(2028, 1, 1)
    assert seen.licence_conditions == ["new condition"]
    assert seen.probation_offender_manager == "PO New (synthetic)"


def test_mappa_figures_read_the_day_in_the_same_order(store: GraphStore, tmp_path: Path) -> None:
    load(store, tmp_path)
    figures = mappa_figures(store, date(2025, 4, 1), date(2026, 3, 31), FRONTLINE)
    # released at court: in the community; recalled after release: in custody
    assert figures.in_community == {1: 1, 2: 0, 3: 1}


def test_the_timeline_shows_the_day_in_the_same_order(store: GraphStore, tmp_path: Path) -> None:
    """Alphabetically `custody_end` comes before `custody_start` and `recall` after
    `custody_end`: the timeline sorts the day as the management status reads it."""
    load(store, tmp_path)

    def day(pid: str) -> list[str]:
        line = timeline(store, pid, FRONTLINE)
        return [e.kind for e in line if e.when is not None and e.when.date().isoformat() == DAY]

    assert day("SD-SERVED") == ["custody_start", "custody_end"]
    assert day("SD-RECALLED") == ["custody_end", "recall"]
    assert day("SD-RELICENSED") == ["licence_end", "licence_start"]
