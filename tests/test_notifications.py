"""New intelligence about a ViSOR nominal reaches their offender manager, once, with its
evidence; states and actions are kept; only owners and supervisors see them."""

from __future__ import annotations

import re
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
from graph.handles import Handles
from graph.markings import Compartment, Marking
from graph.notifications import NotificationStore
from graph.store import GraphStore
from tests import wire as w
from tests.support.api_env import (
    api_session,
    audit_entries,
    load,
    remark,
    role_headers,
    tmp_settings,
)

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
    url = f"/notifications/{note['id']}"
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
    assert [n["id"] for n in actioned["items"]] == [note["id"]]
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


# -- what a reader may see now: need to know, decided at read time --------------------------

MANAGER = "u-offender_manager"  # the account `api_session` makes for the role
READERS = (Role.OFFENDER_MANAGER, Role.SUPERVISOR, Role.ANALYST, Role.FIB_REVIEWER)
Session = tuple[TestClient, dict[Role, dict[str, str]], Settings]


def _managed_nominal(pid: str) -> w.Record:
    nominal = w.nominal(pid, "Arlo", "Penn")
    return {**nominal, "visor": {**nominal["visor"], "offender_manager": MANAGER}}


def _partner_link(rid: str, day: int, **kw: Any) -> w.Record:
    """A report about X1 that says X1 is N1's partner (one support of the N1-X1 link)."""
    pair = {"a": w.ref("N1"), "b": w.ref("X1"), "type": "partner", "note": None}
    return w.report(rid, day=day, subjects=[w.ref("X1")], associations=[pair], **kw)


@pytest.fixture
def managed(tmp_path: Path) -> Iterator[Session]:
    """N1's offender manager is notified of the N1-X1 partner link (citing R2 and R3), then
    of report R1 about N1: two notifications, the link's first."""
    with api_session(tmp_path, READERS, "offender_management") as session:
        client, h, _ = session
        first = [_managed_nominal("N1"), w.person("X1"), _partner_link("R2", 2)]
        load(client, h[Role.ANALYST], [*first, _partner_link("R3", 3)])
        load(client, h[Role.ANALYST], [w.report("R1", day=4, subjects=[w.ref("N1")])])
        yield session


def _number(settings: Settings, handle: str) -> str:
    """The stored number behind a handle, as the audit log names a notification."""
    kept = NotificationStore(settings.governance_path)
    try:
        return str(kept.seq_of(handle))
    finally:
        kept.close()


def _items(session: Session, role: Role, query: str = "") -> list[dict[str, Any]]:
    client, h, _ = session
    response = client.get(f"/notifications{query}", headers=h[role])
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _link(items: list[dict[str, Any]]) -> dict[str, Any] | None:
    found = [n for n in items if n["kind"] == "ASSOCIATED_WITH"]
    assert len(found) <= 1, items
    return found[0] if found else None


def test_the_managed_world_notifies_the_link_then_the_report(managed: Session) -> None:
    """The fixture's premise: the link cites both its reports and comes first."""
    items = _items(managed, Role.OFFENDER_MANAGER)
    assert [(n["kind"], sorted(n["evidence"])) for n in items] == [
        ("ASSOCIATED_WITH", ["R2", "R3"]),
        ("ABOUT", ["R1"]),
    ]


def test_a_cited_report_the_reader_may_not_see_now_is_left_out(managed: Session) -> None:
    """R3 re-marked into `source` after the link was notified: neither the offender manager
    nor a supervisor is told that R3 exists; the link, still resting on R2, is shown. The
    stored notification keeps citing R3 (a record of what was sent)."""
    client, h, settings = managed
    remark(settings.db_path, {"R3"}, Compartment.SOURCE)
    for role in (Role.OFFENDER_MANAGER, Role.SUPERVISOR):
        response = client.get("/notifications", headers=h[role])
        link = _link(response.json()["items"])
        assert link is not None and link["evidence"] == ["R2"], response.text
        assert "R3" not in response.text
    kept = NotificationStore(settings.governance_path)
    try:
        stored = [n for n in kept.listing(owner=MANAGER) if n.kind == "ASSOCIATED_WITH"]
    finally:
        kept.close()
    assert [sorted(n.evidence) for n in stored] == [["R2", "R3"]]


def test_the_audit_names_what_was_returned_not_what_was_stored(managed: Session) -> None:
    """The consultation names the notifications shown, the reports they cite as shown and
    the link's other end named in a reason; never the hidden report."""
    _, _, settings = managed
    remark(settings.db_path, {"R3"}, Compartment.SOURCE)
    items = _items(managed, Role.OFFENDER_MANAGER)
    (entry,) = [e for e in audit_entries(settings) if e.action == "read notifications"]
    assert entry.actor == MANAGER and entry.subjects == ["N1"]
    shown = {_number(settings, n["id"]) for n in items} | {r for n in items for r in n["evidence"]}
    assert set(entry.returned) == shown | {"X1"}, entry.returned
    assert "R3" not in entry.returned


def test_a_notification_whose_every_cited_report_is_hidden_is_not_shown(
    managed: Session,
) -> None:
    """Both reports behind the link re-marked out of view: the link's notification is not
    listed, not paged over (the first page of one is the report's, with nothing to say a
    notification was left out), not changeable (404, as a missing one) and not recorded
    as read; it is kept as it was written."""
    client, h, settings = managed
    link = _link(_items(managed, Role.OFFENDER_MANAGER))
    assert link is not None
    remark(settings.db_path, {"R2", "R3"}, Compartment.SOURCE)
    for role in (Role.OFFENDER_MANAGER, Role.SUPERVISOR):
        assert [n["kind"] for n in _items(managed, role)] == ["ABOUT"]
        page = client.get("/notifications?limit=1", headers=h[role]).json()
        assert [n["kind"] for n in page["items"]] == ["ABOUT"], page
        after = client.get(f"/notifications?after={page['next_after']}", headers=h[role])
        assert after.json()["items"] == [], after.text
    changed = client.post(
        f"/notifications/{link['id']}", json={"state": "seen"}, headers=h[Role.OFFENDER_MANAGER]
    )
    assert changed.status_code == 404, changed.text
    reads = [e for e in audit_entries(settings) if e.action == "read notifications"]
    number = _number(settings, link["id"])
    assert reads and all(number not in e.returned for e in reads[1:])
    kept = NotificationStore(settings.governance_path)
    try:
        stored = kept.find(link["id"])
    finally:
        kept.close()
    assert sorted(stored.evidence) == ["R2", "R3"] and stored.state == "new"


def test_a_notification_naming_a_hidden_person_is_not_shown(managed: Session) -> None:
    """X1 (the link's other end, named in the reason and the edge id) re-marked out of
    view: the link's notification goes from the list and the timeline, with no trace of
    X1; N1 itself out of view: nothing about N1 is listed."""
    client, h, settings = managed
    link = _link(_items(managed, Role.OFFENDER_MANAGER))
    assert link is not None
    remark(settings.db_path, {"X1"}, Compartment.SOURCE)
    for role in (Role.OFFENDER_MANAGER, Role.SUPERVISOR):
        response = client.get("/notifications", headers=h[role])
        assert [n["kind"] for n in response.json()["items"]] == ["ABOUT"], response.text
        assert "X1" not in response.text
        line = client.get("/persons/N1/timeline", headers=h[role])
        notes = [e for e in line.json()["events"] if e["kind"] == "notification"]
        assert [e["edge_id"] for e in notes] != [] and link["edge_id"] not in line.text
        assert "X1" not in line.text
    remark(settings.db_path, {"N1"}, Compartment.SOURCE)
    for role in (Role.OFFENDER_MANAGER, Role.SUPERVISOR):
        assert _items(managed, role) == []


def test_travel_routed_to_the_spoc_is_shown_only_while_the_event_may_be_seen(
    tmp_path: Path,
) -> None:
    """A border alert re-marked out of the SPOC's view is not listed in `/travel` or
    `/notifications`, and the read's audit entry does not name it."""
    with api_session(tmp_path, READERS, "offender_management") as (client, h, settings):
        accounts = AccountStore(settings.governance_path)
        spoc = {
            "Authorization": f"Bearer {accounts.add(settings.mosovo_spoc, Role.OFFENDER_MANAGER)}",
            "X-Purpose": "offender_management",
        }
        accounts.close()
        travel = [
            w.event(
                "EV-TRV",
                "N1",
                "travel_notification",
                "2026-11-20",
                destination="Exampleland",
                depart_on="2026-12-01",
            ),
            w.event("EV-BOR", "N1", "border_alert", "2026-11-25", port="Example Port"),
        ]
        load(client, h[Role.ANALYST], [_managed_nominal("N1"), *travel])
        listed = client.get("/travel", headers=spoc).json()["items"]
        assert [i["kind"] for i in listed] == ["travel_notification", "border_alert"]
        # the SPOC's list skips every other owner's: a handle, not the shared number
        assert all(HANDLE.fullmatch(i["notification"]) for i in listed), listed
        alert = listed[1]["notification"]
        remark(settings.db_path, {"EV-BOR"}, Compartment.SOURCE)
        after = client.get("/travel", headers=spoc)
        assert [i["kind"] for i in after.json()["items"]] == ["travel_notification"]
        assert "Example Port" not in after.text
        mine = client.get("/notifications", headers=spoc).json()["items"]
        assert [n["kind"] for n in mine] == ["travel_notification"]
        last = [e for e in audit_entries(settings) if e.action == "foreign travel"][-1]
        assert _number(settings, alert) not in last.returned and "EV-BOR" not in last.returned
        assert {_number(settings, listed[0]["notification"]), "EV-TRV"} <= set(last.returned)


def _source_world() -> list[w.Record]:
    """Source PUB reports on N1 three times, far enough apart to cross the CHIS review
    threshold; RP1 and RP2 both say X1 is N1's partner."""
    days = ["2026-01-10T10:00:00Z", "2026-03-10T10:00:00Z", "2026-05-10T10:00:00Z"]
    pair = {"a": w.ref("N1"), "b": w.ref("X1"), "type": "partner", "note": None}
    return [
        _managed_nominal("N1"),
        w.person("X1"),
        w.person("PUBP", "Tamsin", "Orrell", dob="1992-04-05"),
        w.source("PUB", "PUBP"),
        *(
            w.report(
                f"RP{i}",
                source_id="PUB",
                subjects=[w.ref("N1")],
                received_at=day,
                associations=[pair] if i else [],
            )
            for i, day in enumerate(days)
        ),
    ]


def test_the_fib_and_the_chronology_see_notifications_over_what_they_may_see_now(
    tmp_path: Path,
) -> None:
    """One rule for every reader: RP2 re-marked into `medical` (FIB reviewers lack it) is
    left out of the FIB's CHIS notification, and the chronology still says where RP1 went
    (the link's notification, which now rests on RP1 alone for the FIB). Every cited
    report hidden: the FIB's notification is not listed."""
    with api_session(tmp_path, READERS, "intelligence_review") as (client, h, settings):
        load(client, h[Role.ANALYST], _source_world())
        fib = h[Role.FIB_REVIEWER]
        (notice,) = client.get("/notifications", headers=fib).json()["items"]
        assert notice["nominal_id"] == "PUB" and "RP2" in notice["evidence"], notice
        assert "(score " in notice["reason"], notice  # worked out over RP2 among others
        chron = client.get("/sources/PUB/chronology", headers=fib).json()
        went = {e["report_id"]: e["went_to"] for e in chron["entries"]}
        assert any("partner X1" in line for line in went["RP1"]), went
        remark(settings.db_path, {"RP2"}, Compartment.MEDICAL)
        response = client.get("/notifications", headers=fib)
        (notice,) = response.json()["items"]
        assert "RP2" not in response.text and notice["evidence"], notice
        # the stored date and score rest partly on RP2: not shown while RP2 is hidden
        assert "(score " not in notice["reason"] and "chronology" in notice["reason"], notice
        chron = client.get("/sources/PUB/chronology", headers=fib).json()
        went = {e["report_id"]: e["went_to"] for e in chron["entries"]}
        assert set(went) == {"RP0", "RP1"}
        assert any("partner X1" in line for line in went["RP1"]), went
        remark(settings.db_path, set(notice["evidence"]), Compartment.MEDICAL)
        assert client.get("/notifications", headers=fib).json()["items"] == []


@pytest.mark.neo4j
def test_notifications_are_decided_over_current_markings_on_neo4j(
    tmp_path: Path, neo4j_store: GraphStore
) -> None:
    """The same rule over the production backend: markings are read from Neo4j."""
    settings = tmp_settings(tmp_path, store="neo4j")
    h = role_headers(settings.governance_path, READERS, "offender_management")
    with TestClient(create_app(settings, store=neo4j_store)) as client:
        first = [_managed_nominal("N1"), w.person("X1"), _partner_link("R2", 2)]
        load(client, h[Role.ANALYST], [*first, _partner_link("R3", 3)])
        load(client, h[Role.ANALYST], [w.report("R1", day=4, subjects=[w.ref("N1")])])
        session = (client, h, settings)
        link = _link(_items(session, Role.OFFENDER_MANAGER))
        assert link is not None and sorted(link["evidence"]) == ["R2", "R3"]
        _remark(neo4j_store, {"R3"}, Compartment.SOURCE)
        link = _link(_items(session, Role.OFFENDER_MANAGER))
        assert link is not None and link["evidence"] == ["R2"]
        _remark(neo4j_store, {"R2"}, Compartment.SOURCE)
        assert [n["kind"] for n in _items(session, Role.OFFENDER_MANAGER)] == ["ABOUT"]
        _remark(neo4j_store, {"N1"}, Compartment.SOURCE)
        assert _items(session, Role.SUPERVISOR) == []


def _remark(store: GraphStore, ids: set[str], compartment: Compartment) -> None:
    """`remark` on any backend: re-mark stored nodes as a hand-set marking would."""
    nodes = store.get_nodes(sorted(ids))
    assert set(nodes) == ids
    marking = Marking(compartment=compartment)
    store.upsert([n.model_copy(update={"marking": marking}) for n in nodes.values()])


# -- identifiers that count nothing hidden ----------------------------------------------------

HANDLE = re.compile(r"[0-9a-f]{48}")


def test_the_identifiers_a_reader_is_shown_do_not_count_what_others_were_sent(api: Any) -> None:
    """Notifications are numbered by one sequence for every owner. Shown those numbers, an
    offender manager with notifications 1 and 3 would know one went to someone else between
    them (and, from the times, when): so each is shown, paged past and changed by an opaque
    handle, which still addresses it for its owner only."""
    client, h, _ = api
    elsewhere = w.person(
        "N2", "Cato", "Rell", source_system="visor", visor={"ref": "V-N2", "nominal_type": "RSO",
        "mappa_category": 1, "mappa_level": 1, "offender_manager": "DC 0099 Else"}
    )  # fmt: skip
    _load(client, h["analyst"], world())  # R1 about N1: to OM
    _load(client, h["analyst"], [elsewhere, w.report("R2", day=5, subjects=[w.ref("N2")])])
    _load(client, h["analyst"], [w.report("R3", day=6, subjects=[w.ref("N1")])])  # to OM
    first = client.get("/notifications?limit=1", headers=h["om"]).json()
    rest = client.get(f"/notifications?after={first['next_after']}", headers=h["om"]).json()
    mine = first["items"] + rest["items"]
    assert [n["evidence"] for n in mine] == [["R1"], ["R3"]]
    shown = [first["next_after"], *(n.get("id", n.get("seq")) for n in mine)]
    assert not any(str(s).isdigit() for s in shown), f"numbers count the others': {shown}"
    assert all(HANDLE.fullmatch(str(s)) for s in shown), shown
    url = f"/notifications/{mine[1]['id']}"
    assert client.post(url, json={"state": "seen"}, headers=h["other_om"]).status_code == 404
    seen = client.post(url, json={"state": "seen"}, headers=h["om"])
    assert seen.status_code == 200 and seen.json()["id"] == mine[1]["id"], seen.text
    made_up = "0" * 48  # the schema's form, but no handle this deployment made
    assert (
        client.post(
            f"/notifications/{made_up}", json={"state": "seen"}, headers=h["om"]
        ).status_code
        == 404
    )
    assert client.get(f"/notifications?after={made_up}", headers=h["om"]).status_code == 404


def test_a_handle_opens_only_under_its_deployments_key_and_kind() -> None:
    """Equal numbers, equal handles (a caller can page and come back); a handle opens to
    its number only under the key and kind that made it, and a changed one does not open."""
    key, other = b"k" * 32, b"o" * 32
    notes = Handles(key, "notification")
    made = [notes.of(n) for n in (1, 2, 3, 2**63)]
    assert [notes.number(h) for h in made] == [1, 2, 3, 2**63]
    assert made[0] == Handles(key, "notification").of(1) and len(set(made)) == 4
    assert all(HANDLE.fullmatch(h) for h in made)
    assert Handles(other, "notification").number(made[0]) is None
    assert Handles(key, "scheme application").number(made[0]) is None
    flipped = made[0][:-1] + ("0" if made[0][-1] != "0" else "1")
    assert notes.number(flipped) is None and notes.number("0" * 48) is None
    assert notes.number(made[0].upper()) is None and notes.number(made[0] + "\n") is None
