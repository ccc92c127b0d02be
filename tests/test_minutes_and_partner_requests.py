"""MAPP meeting minutes and partner-agency requests (issue 9, parts 2 and 4): valid and
invalid records through ingest on both backends, the overdue lists, access (minutes only
for those who manage the case), and answers audited as disclosures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from graph.access import AccessPolicy, Principal, Role
from graph.analysis.events import events_of_type
from graph.audit import AuditLog, Operation
from graph.nodes import EventType
from graph.store import GraphStore
from ingest.loader import Actor
from ingest.pipeline import ingest
from ingest.reader import stream_lines
from ingest.state import IngestState
from tests import wire as w
from tests.test_sharing_and_figures_edges import decision

NOMINAL = w.nominal("NM", "Tavis", "Example")
MINUTES = w.event(
    "EV-MAPP",
    "NM",
    "mapp_meeting",
    "2026-02-01",
    meeting_level=2,
    chair="DI Chair (synthetic)",
    attendees=["police", "probation", "children's social care"],
    decisions=["share address with the school (sharing decision 1)"],
    actions=[
        {"action": "home visit", "owner": "DC Example", "due_on": "2026-02-15"},
        {
            "action": "update ViSOR",
            "owner": "PS Example",
            "due_on": "2026-02-10",
            "done_on": "2026-02-09",
        },
        {"action": "review in three months", "owner": "DI Chair", "due_on": "2099-05-01"},
    ],
    sharing_decisions=[1],
)
OPEN_REQUEST = w.event(
    "EV-REQ1",
    "NM",
    "partner_request",
    "2026-03-01",
    agency="housing",
    requester="Housing Officer (synthetic)",
    purpose="tenancy allocation near a school",
    due_on="2026-03-15",
)
ANSWERED = w.event(
    "EV-REQ2",
    "NM",
    "partner_request",
    "2026-04-01",
    agency="children's social care",
    requester="Social Worker (synthetic)",
    purpose="child protection enquiry",
    checked="ViSOR, local intelligence",
    answer="conviction history and licence conditions",
    due_on="2026-04-10",
    answered_on="2026-04-08",
    sharing_decision=1,
)


def load(store: GraphStore, tmp: Path, lines: list[Any], audit: AuditLog | None = None) -> Any:
    with IngestState(tmp / "i.db") as state:
        data = stream_lines(w.dumps(lines).encode().splitlines(), "events.jsonl")
        return ingest(
            store, state, [data], actor=Actor("t", "admin", "offender_management"), audit=audit
        )


@pytest.mark.parametrize(
    ("bad", "code", "says"),
    [
        ({**MINUTES, "id": "B1", "chair": None}, "rule_broken", "chair"),
        ({**MINUTES, "id": "B2", "meeting_level": 1}, "bad_value", "meeting_level"),
        (
            {**MINUTES, "id": "B3", "actions": [{"action": "x", "due_on": "2026-01-01"}]},
            "missing_field",
            "owner",
        ),
        ({**OPEN_REQUEST, "id": "B4", "due_on": None}, "rule_broken", "due_on"),
        ({**ANSWERED, "id": "B5", "sharing_decision": None}, "rule_broken", "sharing_decision"),
        ({**OPEN_REQUEST, "id": "B6", "answered_on": "2026-03-02"}, "rule_broken", "answer"),
    ],
)
def test_invalid_records_are_quarantined_with_their_reason(
    store: GraphStore, tmp_path: Path, bad: dict[str, Any], code: str, says: str
) -> None:
    summary = load(store, tmp_path, [NOMINAL, bad]).load
    assert (summary.accepted, summary.quarantined) == (1, 1)
    [rejection] = summary.rejections
    assert (rejection.record_id, rejection.code) == (bad["id"], code)
    assert says in rejection.reason


def test_minutes_are_only_for_those_managing_the_case(store: GraphStore, tmp_path: Path) -> None:
    load(store, tmp_path, [NOMINAL, MINUTES, OPEN_REQUEST, ANSWERED])
    for role, sees_minutes, sees_requests in (
        (Role.OFFENDER_MANAGER, True, True),
        (Role.SUPERVISOR, True, True),
        (Role.ANALYST, False, True),
        (Role.FIB_REVIEWER, False, True),
        (Role.FRONTLINE, False, False),
        (Role.PARTNER_AGENCY, False, False),
    ):
        flt = AccessPolicy(Principal("x", role)).filter
        minutes = events_of_type(store, flt, {EventType.MAPP_MEETING})
        requests = events_of_type(store, flt, {EventType.PARTNER_REQUEST})
        assert bool(minutes) is sees_minutes, role
        assert [e.id for e, _ in requests] == (["EV-REQ1", "EV-REQ2"] if sees_requests else [])


def test_over_http_lists_overdue_and_audit(tmp_path: Path) -> None:
    from tests.support.scenario_api import scenario_api

    roles = (Role.OFFENDER_MANAGER, Role.ANALYST, Role.SUPERVISOR)
    with scenario_api(tmp_path, roles, "offender_management") as (client, auth, settings):
        # the answer rests on sharing decision 1, which must name the agency (checked at
        # ingest: tests/test_sharing_and_figures_edges.py has the refusals)
        client.post(
            "/ingest",
            content=w.dumps([NOMINAL]),
            headers={**auth(Role.SUPERVISOR), "Content-Type": "application/x-ndjson"},
        )
        to_share = decision("NM", with_whom=["Children's Social Care"])
        made = client.post("/sharing-decisions", json=to_share, headers=auth(Role.OFFENDER_MANAGER))
        assert made.status_code == 201 and made.json()["seq"] == 1, made.text
        # answered today: cover is judged on answered_on, after the decision just recorded
        answered = {**ANSWERED, "answered_on": datetime.now(UTC).date().isoformat()}
        posted = client.post(
            "/ingest",
            content=w.dumps([NOMINAL, MINUTES, OPEN_REQUEST, answered]),
            headers={**auth(Role.SUPERVISOR), "Content-Type": "application/x-ndjson"},
        )
        assert posted.status_code == 200 and posted.json()["quarantined"] == 0, posted.text
        om = auth(Role.OFFENDER_MANAGER)
        minutes = client.get("/persons/NM/mapp-minutes", headers=om).json()["items"]
        assert [m["event_id"] for m in minutes] == ["EV-MAPP"] and minutes[0]["level"] == 2
        assert client.get("/persons/NM/mapp-minutes", headers=auth(Role.ANALYST)).status_code == 403
        actions = client.get("/mapp/actions?overdue=true", headers=om).json()["items"]
        assert [a["action"] for a in actions] == ["home visit"]  # done and future ones are not
        every = client.get("/mapp/actions", headers=auth(Role.SUPERVISOR)).json()["items"]
        assert [a["action"] for a in every] == [
            "home visit",
            "review in three months",
            "update ViSOR",
        ]
        late = client.get("/partner-requests?overdue=true", headers=auth(Role.ANALYST)).json()
        assert [r["event_id"] for r in late["items"]] == ["EV-REQ1"]
        all_requests = client.get("/partner-requests", headers=om).json()["items"]
        assert [r["event_id"] for r in all_requests] == ["EV-REQ1", "EV-REQ2"]
        analyst_line = client.get("/persons/NM/timeline", headers=auth(Role.ANALYST)).json()
        kinds = {e["kind"] for e in analyst_line["events"]}
        assert "partner_request" in kinds and "mapp_meeting" not in kinds
    log = AuditLog(settings.governance_path)
    [answer] = [
        e for e in log.query(subject="NM", limit=100) if e.operation is Operation.DISCLOSURE
    ]
    log.close()
    assert answer.recipients == ["children's social care: Social Worker (synthetic)"]
    assert answer.returned == ["EV-REQ2"] and answer.details["sharing_decision"] == 1
