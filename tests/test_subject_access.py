"""Subject access: the pack holds what Mosaic has about the person and none of the
confidential, source-identifying or restricted content planted beside it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from graph.access import Role
from graph.audit import AuditLog, Operation
from graph.edges import EdgeKind
from graph.nodes import ConfidentialBlock
from graph.retention.policy import RetentionPolicy
from graph.retention.reviews import ReviewLog
from graph.sharing.store import SharingStore
from graph.store import GraphStore
from graph.subject_access import RestrictionStore, add_months, subject_access
from tests import scenario as sc
from tests.factories import edge, report
from tests.support.scenario_api import scenario_api

RESTRICTED_TEXT = "restricted planted text: an ongoing covert operation (synthetic)"
RX = report("RX", "2026-04-01T09:00:00Z", text=RESTRICTED_TEXT)
RC = report(
    "RC",
    "2026-04-02T09:00:00Z",
    text="Subject seen outside a school gate (synthetic).",
    confidential=ConfidentialBlock(
        victim_info="planted victim detail", police_tactics="planted tactic"
    ),
)
MORE = (
    [RX, RC],
    [
        edge("RX-about", EdgeKind.ABOUT, "RX", "P1", via=RX),
        edge("RC-about", EdgeKind.ABOUT, "RC", "P1", via=RC),
    ],
)
NEVER = (
    RESTRICTED_TEXT,
    "planted victim detail",
    "planted tactic",
    "caller fears reprisals",  # R1's confidential section
    "Joanne",  # the person behind source S1
    '"S1"',
    '"P4"',
    "PB1",
    "SP1",
)


def test_one_calendar_month_and_its_extension() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 31), 3) == date(2026, 4, 30)
    assert add_months(date(2026, 11, 30), 1) == date(2026, 12, 30)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


def test_the_pack_holds_theirs_and_nothing_withheld(store: GraphStore, tmp_path: Path) -> None:
    store.upsert([*sc.NODES, *MORE[0]], [*sc.EDGES, *MORE[1]])
    gov = tmp_path / "gov.db"
    restrictions, sharing, reviews = RestrictionStore(gov), SharingStore(gov), ReviewLog(gov)
    audit = AuditLog(gov)
    restrictions.restrict("P1", "RX", "DPA 2018 s45(4)(b): would prejudice an investigation", "sup")
    pack, applied = subject_access(
        store,
        "P1",
        records_of=lambda p: [p],
        requested_on=date(2026, 1, 31),
        restrictions=restrictions,
        sharing=sharing,
        audit=audit,
        reviews=reviews,
        policy=RetentionPolicy(),
    )
    text = pack.model_dump_json()
    for planted in NEVER:
        assert planted not in text, planted
    assert [r.record_id for r in pack.records] == ["P1"]
    assert pack.records[0].details["medical"]  # their own health data is theirs
    assert [r.report_id for r in pack.reports] == ["R3", "R1", "R2", "RC"]  # time order
    assert {r.source_category for r in pack.reports} >= {"member_of_public"}
    assert "Subject seen outside a school gate (synthetic)." in text  # the report itself
    assert [link.link_id for link in pack.links] == [
        f"link-{n}" for n in range(1, len(pack.links) + 1)
    ]
    assert (
        len(pack.links) >= 4
    )  # A1, A3, H1 and U1 among them, numbered: an id can name a third party
    assert "visor" in pack.sources_of_information
    assert pack.due_on == date(2026, 2, 28) and pack.extended_due_on == date(2026, 4, 30)
    assert [(r.record_id, r.ground) for r in applied] == [
        ("RX", "DPA 2018 s45(4)(b): would prejudice an investigation")
    ]
    for kept in (restrictions, sharing, reviews, audit):
        kept.close()


def test_over_http_for_supervisors_audited_with_the_grounds(tmp_path: Path) -> None:
    roles = (Role.SUPERVISOR, Role.ANALYST, Role.OFFENDER_MANAGER)
    with scenario_api(tmp_path, roles, "offender_management", MORE) as (client, auth, settings):
        sup = auth(Role.SUPERVISOR)
        ground = {"record_id": "RX", "ground": "DPA 2018 s45(4)(b)"}
        assert (
            client.post("/persons/P1/sar-restrictions", json=ground, headers=sup).status_code == 201
        )
        assert (
            client.post("/persons/P1/sar-restrictions", json=ground, headers=auth(Role.ANALYST))
        ).status_code == 403
        pack = client.get("/persons/P1/subject-access?requested_on=2026-11-30", headers=sup)
        assert pack.status_code == 200
        body = pack.text
        for planted in NEVER:
            assert planted not in body, planted
        assert pack.json()["due_on"] == "2026-12-30"
        for role in (Role.ANALYST, Role.OFFENDER_MANAGER):
            assert client.get("/persons/P1/subject-access", headers=auth(role)).status_code == 403
    log = AuditLog(settings.governance_path)
    [made] = [e for e in log.query(subject="P1", limit=100) if e.action == "subject access"]
    log.close()
    assert made.operation is Operation.DISCLOSURE and made.recipients == ["data subject P1"]
    assert made.details["restrictions_applied"] == [
        {"record": "RX", "ground": "DPA 2018 s45(4)(b)"}
    ]
    assert made.at <= datetime.now(UTC)


@pytest.mark.parametrize("ground", ["", "   "])
def test_a_restriction_needs_its_ground(tmp_path: Path, ground: str) -> None:
    from graph.errors import ValidationFailed

    kept = RestrictionStore(tmp_path / "gov.db")
    with pytest.raises(ValidationFailed, match="ground"):
        kept.restrict("P1", "RX", ground, "sup")
    kept.close()


def test_cli_writes_the_pack(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from api.cli import app
    from graph.stores.sqlite import SqliteGraphStore

    db = tmp_path / "g.db"
    with SqliteGraphStore(db) as s:
        s.upsert([*sc.NODES, *MORE[0]], [*sc.EDGES, *MORE[1]])
    env = {
        "MOSAIC_GOVERNANCE_PATH": str(tmp_path / "gov.db"),
        "MOSAIC_INGEST_PATH": str(tmp_path / "i.db"),
    }
    out = tmp_path / "sar.json"
    args = ["sar", "P1", "--purpose", "offender_management", "-o", str(out), "--db", str(db)]
    result = CliRunner().invoke(app, [*args, "--requested-on", "2026-11-30"], env=env)
    assert result.exit_code == 0, result.output
    pack = json.loads(out.read_text())
    assert pack["due_on"] == "2026-12-30" and pack["records"][0]["record_id"] == "P1"
    assert all(planted not in out.read_text() for planted in NEVER if planted != RESTRICTED_TEXT)


@pytest.fixture
def server_off_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[date]:
    """The process's local zone set so that its date differs from today's UTC date (behind
    Greenwich before noon UTC, ahead of it after); yields the UTC date."""
    import time

    now = datetime.now(UTC)
    monkeypatch.setenv("TZ", "Etc/GMT+12" if now.hour < 12 else "Etc/GMT-14")
    time.tzset()
    try:
        assert date.today() != now.date()  # the local date really differs
        yield now.date()
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_request_without_a_date_is_dated_today_in_utc(
    tmp_path: Path, server_off_utc: date
) -> None:
    """`requested_on` defaults to today. It was the server's local date: on a server west
    of Greenwich a request made just after midnight UTC was dated the day before, and its
    one-month due date with it, unlike every other date Mosaic gives (UTC)."""
    with scenario_api(tmp_path, (Role.SUPERVISOR,), "offender_management", MORE) as (
        client,
        auth,
        _,
    ):
        pack = client.get("/persons/P1/subject-access", headers=auth(Role.SUPERVISOR))
        assert pack.status_code == 200, pack.text
        assert pack.json()["requested_on"] == server_off_utc.isoformat()
        assert pack.json()["due_on"] == add_months(server_off_utc, 1).isoformat()
