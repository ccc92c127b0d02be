"""Licence, recall and re-assessment, and foreign travel (issue 9): each event kind valid
and invalid through ingest on both backends, what every officer sees on the person, the
routing of travel to the MOSOVO single point of contact and the overdue alerts, and
access to travel (confidential)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from graph.access import AccessPolicy, Principal, Role
from graph.analysis.management import management_status
from graph.analysis.mappa import mappa_figures
from graph.analysis.timeline import timeline
from graph.nodes import Person, RiskLevel
from graph.notifications import NotificationStore
from graph.store import GraphStore
from ingest.loader import Actor
from ingest.pipeline import ingest
from ingest.reader import stream_lines
from ingest.state import IngestState
from tests import wire as w

TODAY = date(2026, 11, 30)
NOMINAL = w.nominal("NL", "Corin", "Example")
EVENTS = [
    w.event(
        "EV-LIC",
        "NL",
        "licence_start",
        "2026-01-05",
        licence_end_on="2027-06-30",
        conditions=["no contact with under 18s", "reside at approved premises"],
        probation_offender_manager="PO A Example (synthetic)",
    ),
    w.event("EV-BRE", "NL", "licence_breach", "2026-05-01", details="missed appointments"),
    w.event("EV-REC", "NL", "recall", "2026-06-01", details="breach of licence"),
    w.event(
        "EV-RISK",
        "NL",
        "risk_reassessment",
        "2026-06-10",
        risk_level="very_high",
        details="re-assessed on recall",
    ),
    w.event(
        "EV-TRV",
        "NL",
        "travel_notification",
        "2026-11-20",
        destination="Exampleland",
        depart_on="2026-12-01",
        return_on="2026-12-08",
    ),
    w.event("EV-BOR", "NL", "border_alert", "2026-11-25", port="Example Port"),
]
FRONTLINE = AccessPolicy(Principal("f", Role.FRONTLINE))
MANAGER = AccessPolicy(Principal("om", Role.OFFENDER_MANAGER))


def load(
    store: GraphStore, tmp: Path, lines: list[Any], notes: NotificationStore | None = None
) -> Any:
    with IngestState(tmp / "i.db") as state:
        data = stream_lines(w.dumps(lines).encode().splitlines(), "events.jsonl")
        return ingest(
            store,
            state,
            [data],
            actor=Actor("t", "admin"),
            audit=None,
            notifications=notes,
            travel_owner="mosovo",
        )


@pytest.mark.parametrize(
    ("bad", "code", "says"),
    [
        (w.event("B1", "NL", "licence_start", "2026-01-05"), "rule_broken", "licence_end_on"),
        (
            w.event(
                "B2",
                "NL",
                "licence_start",
                "2026-01-05",
                licence_end_on="2025-01-01",
                probation_offender_manager="PO",
            ),
            "rule_broken",
            "before the licence started",
        ),
        (w.event("B3", "NL", "risk_reassessment", "2026-01-05"), "rule_broken", "risk_level"),
        (
            w.event("B4", "NL", "travel_notification", "2026-01-05", destination="X"),
            "rule_broken",
            "depart_on",
        ),
        (
            w.event(
                "B5",
                "NL",
                "travel_notification",
                "2026-01-05",
                destination="X",
                depart_on="2026-02-01",
                return_on="2026-01-01",
            ),
            "rule_broken",
            "return_on",
        ),
        (w.event("B6", "NL", "border_alert", "2026-01-05"), "rule_broken", "port"),
        (
            w.event("B7", "NL", "risk_reassessment", "2026-01-05", risk_level="dire"),
            "bad_value",
            "risk_level",
        ),
        (w.event("B8", "GHOST", "recall", "2026-01-05"), "unresolved_reference", "GHOST"),
    ],
)
def test_each_invalid_event_is_quarantined_with_its_reason(
    store: GraphStore, tmp_path: Path, bad: dict[str, Any], code: str, says: str
) -> None:
    summary = load(store, tmp_path, [NOMINAL, bad]).load
    assert (summary.lines_read, summary.accepted, summary.quarantined) == (2, 1, 1)
    [rejection] = summary.rejections
    assert (rejection.record_id, rejection.code) == (bad["id"], code)
    assert says in rejection.reason


def test_what_every_officer_sees_on_the_person(store: GraphStore, tmp_path: Path) -> None:
    summary = load(store, tmp_path, [NOMINAL, *EVENTS]).load
    assert summary.accepted == 1 + len(EVENTS) and summary.quarantined == 0
    again = load(store, tmp_path, [NOMINAL, *EVENTS]).load  # loading twice changes nothing
    assert again.unchanged == 1 + len(EVENTS) and again.created == again.updated == 0
    person = store.get_node("NL")
    assert isinstance(person, Person)
    seen = management_status(store, person, FRONTLINE.filter, TODAY)
    assert seen.mappa_eligible and seen.mappa_category == 1
    assert seen.on_licence and seen.licence_end_on == date(2027, 6, 30)
    assert seen.licence_conditions == ["no contact with under 18s", "reside at approved premises"]
    assert seen.probation_offender_manager == "PO A Example (synthetic)"
    assert seen.in_custody and seen.risk_level is RiskLevel.VERY_HIGH
    front = [c.event_id for c in seen.recent_changes]
    assert front == ["EV-RISK", "EV-REC", "EV-BRE", "EV-LIC"]  # travel is not for frontline
    managed = management_status(store, person, MANAGER.filter, TODAY)
    assert [c.event_id for c in managed.recent_changes][:2] == ["EV-BOR", "EV-TRV"]
    lines = {e.kind: e.summary for e in timeline(store, "NL", FRONTLINE.filter)}
    assert "released on licence until 2027-06-30" in lines["licence_start"]
    assert "border_alert" not in lines and "recall" in lines
    # a recall is a start of custody for the MAPPA figures; the breach is counted
    figures = mappa_figures(store, date(2026, 4, 1), date(2027, 3, 31))
    assert figures.in_community[1] == 0 and figures.events["licence_breach"] == 1


def test_travel_is_routed_once_and_unevaluated_alerts_go_overdue(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import graph.notifications as notifications

    notes = NotificationStore(tmp_path / "gov.db")
    monkeypatch.setattr(notifications, "_now", lambda: "2026-11-25T08:00:00+00:00")
    load(store, tmp_path, [NOMINAL, *EVENTS], notes)
    load(store, tmp_path, [NOMINAL, *EVENTS], notes)  # again: nothing new is routed
    routed = notes.listing(owner="mosovo")
    assert [(n.nominal_id, n.kind) for n in routed] == [
        ("NL", "travel_notification"),
        ("NL", "border_alert"),
    ]
    assert "Example Port" in routed[1].reason
    notes.close()


def test_over_http_travel_list_overdue_and_access(tmp_path: Path) -> None:
    from api.accounts import AccountStore
    from tests.support.scenario_api import scenario_api

    roles = (Role.OFFENDER_MANAGER, Role.FRONTLINE, Role.ANALYST)
    with scenario_api(tmp_path, roles, "offender_management") as (client, auth, settings):
        accounts = AccountStore(settings.governance_path)
        spoc = accounts.add("mosovo", Role.OFFENDER_MANAGER)
        accounts.close()
        as_spoc = {"Authorization": f"Bearer {spoc}", "X-Purpose": "offender_management"}
        body = w.dumps([NOMINAL, *EVENTS])
        posted = client.post(
            "/ingest",
            content=body,
            headers={**as_spoc, "Content-Type": "application/x-ndjson"},
        )
        assert posted.status_code == 200
        listing = client.get("/travel", headers=as_spoc).json()
        assert [i["kind"] for i in listing["items"]] == ["travel_notification", "border_alert"]
        assert not any(i["overdue"] for i in listing["items"])  # just raised
        # a page at a time, oldest first; a filter applies before the page is cut
        first = client.get("/travel?limit=1", headers=as_spoc).json()
        assert [i["kind"] for i in first["items"]] == ["travel_notification"]
        rest = client.get(f"/travel?limit=1&after={first['next_after']}", headers=as_spoc)
        assert [i["kind"] for i in rest.json()["items"]] == ["border_alert"]
        end = client.get(f"/travel?after={rest.json()['next_after']}", headers=as_spoc).json()
        assert end["items"] == [] and end["next_after"] is None
        late = client.get("/travel?overdue=true&limit=1", headers=as_spoc).json()
        assert late["items"] == [] and late["next_after"] is None
        assert client.get("/travel", headers=auth(Role.FRONTLINE)).status_code == 403
        assert client.get("/travel", headers=auth(Role.ANALYST)).status_code == 403
        alert = listing["items"][1]["notification"]
        done = client.post(
            f"/notifications/{alert}",
            json={"state": "actioned", "action": "confirmed with the port: travel not notified"},
            headers=as_spoc,
        )
        assert done.status_code == 200
        status = client.get("/persons/NL/management", headers=auth(Role.FRONTLINE)).json()
        assert status["on_licence"] and status["in_custody"] and status["mappa_eligible"]
        assert status["probation_offender_manager"] == "PO A Example (synthetic)"
        kinds = {c["event_type"] for c in status["recent_changes"]}
        assert "border_alert" not in kinds and "licence_start" in kinds
        line = client.get("/persons/NL/timeline", headers=auth(Role.OFFENDER_MANAGER)).json()
        assert {"licence_start", "recall", "border_alert"} <= {e["kind"] for e in line["events"]}
    from graph.audit import AuditLog, Operation

    log = AuditLog(settings.governance_path)
    reads = {
        (e.actor, e.action, e.outcome)
        for e in log.query(operation=Operation.CONSULTATION, limit=1000)
    }
    log.close()
    assert {
        ("mosovo", "foreign travel", "ok"),
        ("frontline", "management status", "ok"),
        ("frontline", "GET /travel", "denied"),
        ("analyst", "GET /travel", "denied"),
    } <= reads
