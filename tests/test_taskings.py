"""Taskings (issue 9, part 1): records valid and invalid through ingest on both backends,
the reports answering each and what is unanswered, the do-not-task guard on a member of
the public who is a CHIS candidate, their chronology, and who sees whom."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from graph.access import AccessPolicy, Principal, Role
from graph.analysis.taskings import taskings_with_answers
from graph.chis.chronology import chronology
from graph.chis.policy import ChisPolicy
from graph.chis.watch import DO_NOT_TASK_TASKING
from graph.notifications import NotificationStore
from graph.store import GraphStore
from ingest.loader import Actor
from ingest.pipeline import ingest
from ingest.reader import stream_lines
from ingest.state import IngestState
from tests import wire as w

NOMINAL = w.nominal("NT", "Alden", "Example")
CALLER = w.person("PM", "Robin", "Neighbour")
SOURCE = w.source("SM", "PM")
# three reports from the caller about the nominal: a CHIS candidate (same subject, repeated)
CALLS = [
    w.report(f"RM{i}", day=d, source_id="SM", subjects=[w.ref("NT")])
    for i, d in enumerate((2, 9, 20))
]
GENERAL = w.tasking("TK-GEN", title="who supplies the estate", due_on="2026-03-01")
SPECIFIC = w.tasking(
    "TK-SPEC",
    requirement="specific",
    subject_id="NT",
    title="where does NT live",
    due_on="2099-01-01",
)
OF_CALLER = w.tasking(
    "TK-MOP",
    directed_at="member_of_public",
    directed_person_id="PM",
    title="ask the neighbour to note visitors",
)
ANSWER = w.report("RA", day=25, subjects=[w.ref("NT")], answers_taskings=["TK-SPEC"])
WORLD = [NOMINAL, CALLER, SOURCE, *CALLS, GENERAL, SPECIFIC, OF_CALLER, ANSWER]


def load(
    store: GraphStore, tmp: Path, lines: list[Any]
) -> tuple[Any, IngestState, NotificationStore]:
    state = IngestState(tmp / "i.db")
    notes = NotificationStore(tmp / "gov.db")
    data = stream_lines(w.dumps(lines).encode().splitlines(), "taskings.jsonl")
    outcome = ingest(
        store,
        state,
        [data],
        actor=Actor("t", "admin"),
        audit=None,
        notifications=notes,
        chis=ChisPolicy(),
    )
    return outcome, state, notes


@pytest.mark.parametrize(
    ("bad", "code", "says"),
    [
        (w.tasking("B1", requirement="specific"), "rule_broken", "subject_id"),
        (w.tasking("B2", directed_at="member_of_public"), "rule_broken", "directed_person_id"),
        (w.tasking("B3", directed_person_id="NT"), "rule_broken", "only for a tasking"),
        (w.tasking("B4", level="galactic"), "bad_value", "level"),
        (w.tasking("B5", due_on="2026-01-01"), "rule_broken", "due_on"),
        (w.report("B6", answers_taskings=["NO-SUCH"]), "unresolved_reference", "NO-SUCH"),
    ],
)
def test_invalid_records_are_quarantined_with_their_reason(
    store: GraphStore, tmp_path: Path, bad: dict[str, Any], code: str, says: str
) -> None:
    outcome, state, notes = load(store, tmp_path, [NOMINAL, bad])
    summary = outcome.load
    assert (summary.accepted, summary.quarantined) == (1, 1)
    [rejection] = summary.rejections
    assert (rejection.record_id, rejection.code) == (bad["id"], code)
    assert says in rejection.reason
    state.close()
    notes.close()


def test_answers_unanswered_guard_and_chronology(store: GraphStore, tmp_path: Path) -> None:
    outcome, state, notes = load(store, tmp_path, WORLD)
    assert outcome.load.quarantined == 0
    # the guard: the caller is a CHIS candidate, so tasking them carries the warning
    assert outcome.chis.warnings == {"TK-MOP": DO_NOT_TASK_TASKING}
    assert state.warnings(["TK-MOP"]) == {"TK-MOP": [DO_NOT_TASK_TASKING]}
    fib = AccessPolicy(Principal("f", Role.FIB_REVIEWER)).filter
    analyst = AccessPolicy(Principal("a", Role.ANALYST)).filter
    seen = {s.tasking.id: s for s in taskings_with_answers(store, fib)}
    assert list(seen) == ["TK-GEN", "TK-MOP", "TK-SPEC"]  # opened the same day: by id
    assert seen["TK-SPEC"].subject_id == "NT"
    assert [r for r, _ in seen["TK-SPEC"].answered_by] == ["RA"]
    assert seen["TK-GEN"].answered_by == [] and seen["TK-MOP"].directed_person_id == "PM"
    hidden = {s.tasking.id: s for s in taskings_with_answers(store, analyst)}
    assert hidden["TK-MOP"].directed_person_id is None  # who was tasked: the FIB's alone
    chron = chronology(store, "SM", warnings=state.warnings)
    assert [t.tasking_id for t in chron.taskings] == ["TK-MOP"]
    assert chron.taskings[0].warnings == [DO_NOT_TASK_TASKING]
    state.close()
    notes.close()


def test_a_tasking_of_someone_not_a_candidate_is_not_warned(
    store: GraphStore, tmp_path: Path
) -> None:
    once = [NOMINAL, CALLER, SOURCE, CALLS[0], OF_CALLER]  # one call: not repeated
    outcome, state, notes = load(store, tmp_path, once)
    assert outcome.chis.warnings == {}
    state.close()
    notes.close()


def test_over_http_taskings_list(tmp_path: Path) -> None:
    from tests.support.scenario_api import scenario_api

    roles = (Role.ANALYST, Role.FIB_REVIEWER, Role.SUPERVISOR)
    with scenario_api(tmp_path, roles, "intelligence_review") as (client, auth, settings):
        posted = client.post(
            "/ingest",
            content=w.dumps(WORLD),
            headers={**auth(Role.SUPERVISOR), "Content-Type": "application/x-ndjson"},
        )
        assert posted.status_code == 200
        assert posted.json()["chis"]["warnings"] == {"TK-MOP": DO_NOT_TASK_TASKING}
        body = client.get("/taskings", headers=auth(Role.ANALYST)).json()
        views = {t["tasking_id"]: t for t in body["items"]}
        assert views["TK-SPEC"]["answered_by"][0]["report_id"] == "RA"
        assert views["TK-GEN"]["unanswered"] and views["TK-GEN"]["overdue"]
        assert not views["TK-SPEC"]["unanswered"]
        assert views["TK-MOP"]["directed_person_id"] is None
        fib = client.get("/taskings?unanswered=true", headers=auth(Role.FIB_REVIEWER)).json()
        assert {t["tasking_id"] for t in fib["items"]} == {"TK-GEN", "TK-MOP"}
        assert [t["directed_person_id"] for t in fib["items"] if t["tasking_id"] == "TK-MOP"] == [
            "PM"
        ]
        # `level` is the enum the records carry: an unknown one is refused, not an empty list.
        force = client.get("/taskings?level=force", headers=auth(Role.ANALYST)).json()
        assert {t["tasking_id"] for t in force["items"]} == set(views)
        assert client.get("/taskings?level=bcu", headers=auth(Role.ANALYST)).json()["items"] == []
        unknown = client.get("/taskings?level=galactic", headers=auth(Role.ANALYST))
        assert unknown.status_code == 422 and "level" in unknown.text
        chron = client.get("/sources/SM/chronology", headers=auth(Role.FIB_REVIEWER)).json()
        assert chron["taskings"][0]["warnings"] == [DO_NOT_TASK_TASKING]
    from graph.audit import AuditLog, Operation

    log = AuditLog(settings.governance_path)
    reads = [
        e for e in log.query(operation=Operation.CONSULTATION, limit=1000) if e.action == "taskings"
    ]
    log.close()
    assert {e.actor for e in reads} == {"analyst", "fib_reviewer"}
    assert [bool(e.returned) for e in reads].count(False) == 1  # level=bcu showed nothing
    assert all("TK-GEN" in e.returned for e in reads if e.returned)
