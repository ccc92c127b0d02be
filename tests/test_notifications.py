"""New intelligence about a ViSOR nominal reaches their offender manager, once, with its
evidence; states and actions are kept; only owners and supervisors see them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.accounts import AccountStore
from api.app import create_app
from graph.access import Role
from graph.audit import AuditLog, Operation
from graph.config import Settings
from tests import wire as w
from tests.support.api_env import tmp_settings

OM = "DC 0042 Example"


def world() -> list[w.Record]:
    visor = {
        "ref": "V-N1",
        "nominal_type": "RSO",
        "mappa_category": 1,
        "mappa_level": 1,
        "offender_manager": OM,
    }
    return [
        w.location("L1"),
        w.person("N1", "Arlo", "Penn", source_system="visor", visor=visor),
        w.person("X1", "Bea", "Lund"),
        w.report("R1", subjects=[w.ref("N1")]),
    ]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], Settings]]:
    settings = tmp_settings(tmp_path)
    accounts = AccountStore(settings.governance_path)
    callers = {
        "om": accounts.add(OM, Role.OFFENDER_MANAGER),
        "other_om": accounts.add("DC 0099 Else", Role.OFFENDER_MANAGER),
        "supervisor": accounts.add("sup", Role.SUPERVISOR),
        "analyst": accounts.add("ana", Role.ANALYST),
    }
    accounts.close()
    headers = {
        k: {"Authorization": f"Bearer {t}", "X-Purpose": "offender_management"}
        for k, t in callers.items()
    }
    with TestClient(create_app(settings)) as client:
        yield client, headers, settings


def _load(client: TestClient, headers: dict[str, str], records: list[Any]) -> Any:
    ndjson = {**headers, "Content-Type": "application/x-ndjson"}
    return client.post("/ingest", content=w.dumps(records), headers=ndjson).json()


def test_new_report_association_and_address_notify_the_owner_once(api: Any) -> None:
    client, h, _ = api
    first = _load(client, h["analyst"], world())
    assert first["notifications_raised"] == 1  # the report about N1
    later = [
        w.report(
            "R2",
            day=9,
            subjects=[w.ref("X1")],
            associations=[{"a": w.ref("N1"), "b": w.ref("X1"), "type": "partner", "note": None}],
        ),
        w.association("A1", "N1", "X1", "partner"),  # same claim: no second notification
        w.person(
            "N1",
            "Arlo",
            "Penn",
            source_system="visor",
            at="L1",
            visor={
                "ref": "V-N1",
                "nominal_type": "RSO",
                "mappa_category": 1,
                "offender_manager": OM,
            },
        ),
    ]
    second = _load(client, h["analyst"], later)
    assert second["notifications_raised"] == 2  # the partner link and the new address
    assert _load(client, h["analyst"], [*world(), *later])["notifications_raised"] == 0
    mine = client.get("/notifications", headers=h["om"]).json()["items"]
    assert [(n["kind"], n["state"]) for n in mine] == [
        ("ABOUT", "new"),
        ("ASSOCIATED_WITH", "new"),
        ("RESIDES_AT", "new"),
    ]
    assert mine[1]["evidence"] == ["R2"] and "partner X1" in mine[1]["reason"]
    assert client.get("/notifications", headers=h["other_om"]).json()["items"] == []
    assert len(client.get("/notifications", headers=h["supervisor"]).json()["items"]) == 3
    assert client.get("/notifications", headers=h["analyst"]).status_code == 403


def test_states_and_actions_are_kept_and_audited(api: Any) -> None:
    client, h, settings = api
    _load(client, h["analyst"], world())
    (note,) = client.get("/notifications", headers=h["om"]).json()["items"]
    seq = note["seq"]
    url = f"/notifications/{seq}"
    assert client.post(url, json={"state": "seen"}, headers=h["om"]).json()["state"] == "seen"
    refused = client.post(url, json={"state": "actioned"}, headers=h["om"])
    assert refused.status_code == 422  # say what was done
    done = client.post(
        url, json={"state": "actioned", "action": "home visit booked"}, headers=h["om"]
    ).json()
    assert [(e["state"], e["action"]) for e in done["history"]] == [
        ("seen", None),
        ("actioned", "home visit booked"),
    ]
    assert client.post(url, json={"state": "seen"}, headers=h["other_om"]).status_code == 404
    actioned = client.get("/notifications?state=actioned", headers=h["supervisor"]).json()
    assert [n["seq"] for n in actioned["items"]] == [seq]
    log = AuditLog(settings.governance_path)
    try:
        altered = log.query(operation=Operation.ALTERATION, actor=OM)
    finally:
        log.close()
    assert [e.action for e in altered] == ["notification seen", "notification actioned"]


def test_notifications_join_the_owners_timeline(api: Any) -> None:
    client, h, _ = api
    _load(client, h["analyst"], world())
    events = client.get("/persons/N1/timeline", headers=h["om"]).json()["events"]
    assert [e["kind"] for e in events] == ["report_about", "notification"]
    others = client.get("/persons/N1/timeline", headers=h["analyst"]).json()["events"]
    assert [e["kind"] for e in others] == ["report_about"]  # not the analyst's notifications
