"""Review, retention and disposal: due and overdue dates by review group, review records,
the supervisor's trigger check, and disposal that keeps what other material supports, on
both backends; over HTTP, access and an erasure entry that holds none of the erased data."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from graph.access import AccessPolicy, Principal, Role
from graph.audit import AuditLog, Operation
from graph.edges import AssociationType, Edge, EdgeKind
from graph.errors import ValidationFailed
from graph.nodes import Node, Person, RiskIndicator
from graph.retention.policy import RetentionPolicy, ReviewGroup
from graph.retention.reviews import ReviewLog, ReviewOutcome
from graph.retention.service import alone, due_reviews, review
from graph.store import GraphStore
from tests import scenario as sc
from tests.factories import edge, from_report, report
from tests.support.scenario_api import scenario_api

TODAY = date(2026, 11, 30)
POLICY = RetentionPolicy()
SECRET = "planted erasable text about a synthetic person"
ROLD = report("ROLD", "2019-01-01T10:00:00Z")  # about P5, no indicators: group 3, six years
RPP = report("RPP", "2016-06-01T10:00:00Z", text=SECRET)  # about nominal P1: group 1, ten years
RRISK = report(
    "RRISK", "2017-02-01T10:00:00Z", risk_indicators=[RiskIndicator.CHILDREN_OR_VULNERABLE_ADULTS]
)
RNEW = report("RNEW", "2025-05-01T10:00:00Z")
MORE_NODES: list[Node] = [ROLD, RPP, RRISK, RNEW]
MORE_EDGES: list[Edge] = [
    edge("ROLD-about", EdgeKind.ABOUT, "ROLD", "P5", via=ROLD),
    edge("RPP-about", EdgeKind.ABOUT, "RPP", "P1", via=RPP),
    edge("RRISK-about", EdgeKind.ABOUT, "RRISK", "P6", via=RRISK),
    edge("RNEW-about", EdgeKind.ABOUT, "RNEW", "P6", via=RNEW),
    # only RPP supports this link; RPP and R2 both support the next
    edge("ONLY", EdgeKind.ASSOCIATED_WITH, "P5", "P6", assoc=AssociationType.FRIEND, via=RPP),
    edge(
        "BOTH",
        EdgeKind.ASSOCIATED_WITH,
        "P2",
        "P6",
        assoc=AssociationType.ASSOCIATE,
        supports=[from_report(RPP), from_report(sc.R2)],
    ),
]
ANALYST = AccessPolicy(Principal("a", Role.ANALYST))
SUPERVISOR = AccessPolicy(Principal("sup", Role.SUPERVISOR))


@pytest.fixture
def loaded(store: GraphStore) -> GraphStore:
    store.upsert([*sc.NODES, *MORE_NODES], [*sc.EDGES, *MORE_EDGES])
    return store


def test_due_and_overdue_by_review_group(loaded: GraphStore, tmp_path: Path) -> None:
    log = ReviewLog(tmp_path / "gov.db")
    due = due_reviews(loaded, log, POLICY, TODAY, 30, SUPERVISOR.filter, records_of=alone)
    got = [(d.record_id, d.group, d.due, d.overdue) for d in due]
    assert got == [
        ("ROLD", ReviewGroup.OTHER, date(2019, 1, 1) + timedelta(days=2190), True),
        ("RPP", ReviewGroup.PUBLIC_PROTECTION, date(2016, 6, 1) + timedelta(days=3650), True),
        ("P1", ReviewGroup.PUBLIC_PROTECTION, TODAY, False),  # a nominal with no date yet
    ]
    assert due[-1].note == "no review date recorded"
    later = due_reviews(loaded, log, POLICY, TODAY, 90, SUPERVISOR.filter, records_of=alone)
    assert ("RRISK", ReviewGroup.SERIOUS) in [(d.record_id, d.group) for d in later]
    # retained: due again a period after the review, so off the list
    made, disposed = review(
        loaded,
        log,
        POLICY,
        record_id="ROLD",
        outcome=ReviewOutcome.RETAIN,
        reviewer="om",
        reviewer_role="offender_manager",
        rationale="still relevant to a live risk (synthetic)",
        triggers_verified=False,
        viewer=SUPERVISOR,
        records_of=alone,
        at=datetime(2026, 11, 30, tzinfo=UTC),
    )
    assert disposed is None and made.next_review == TODAY + timedelta(days=2190)
    after = [
        d.record_id
        for d in due_reviews(loaded, log, POLICY, TODAY, 30, SUPERVISOR.filter, records_of=alone)
    ]
    assert "ROLD" not in after and "RPP" in after
    log.close()


def test_nominal_reviews_need_a_supervisor_who_checks_the_triggers(
    loaded: GraphStore, tmp_path: Path
) -> None:
    log = ReviewLog(tmp_path / "gov.db")
    common: dict[str, Any] = {
        "record_id": "P1",
        "outcome": ReviewOutcome.RETAIN,
        "rationale": "MAPPA level 2",
    }
    with pytest.raises(ValidationFailed, match="supervisor"):
        review(
            loaded,
            log,
            POLICY,
            reviewer="om",
            reviewer_role="offender_manager",
            triggers_verified=True,
            viewer=SUPERVISOR,
            records_of=alone,
            **common,
        )
    with pytest.raises(ValidationFailed, match="notification-trigger"):
        review(
            loaded,
            log,
            POLICY,
            reviewer="sup",
            reviewer_role="supervisor",
            triggers_verified=False,
            viewer=SUPERVISOR,
            records_of=alone,
            **common,
        )
    made, _ = review(
        loaded,
        log,
        POLICY,
        reviewer="sup",
        reviewer_role="supervisor",
        triggers_verified=True,
        viewer=SUPERVISOR,
        records_of=alone,
        **common,
    )
    assert made.triggers_verified and made.group == "public_protection"
    with pytest.raises(ValidationFailed, match="not disposed of here"):
        review(
            loaded,
            log,
            POLICY,
            record_id="P1",
            outcome=ReviewOutcome.DISPOSE,
            rationale="x",
            reviewer="sup",
            reviewer_role="supervisor",
            triggers_verified=True,
            viewer=SUPERVISOR,
            records_of=alone,
        )
    assert [r.seq for r in log.history("P1")] == [1]
    log.close()


def test_disposal_keeps_links_other_material_supports(loaded: GraphStore, tmp_path: Path) -> None:
    log = ReviewLog(tmp_path / "gov.db")
    made, disposed = review(
        loaded,
        log,
        POLICY,
        record_id="RPP",
        outcome=ReviewOutcome.DISPOSE,
        reviewer="sup",
        reviewer_role="supervisor",
        rationale="no longer necessary (synthetic)",
        triggers_verified=False,
        viewer=SUPERVISOR,
        records_of=alone,
    )
    assert made.next_review is None and disposed is not None
    assert disposed.deleted_nodes == ["RPP"]
    assert set(disposed.deleted_edges) == {"RPP-about", "ONLY"}
    assert disposed.updated_edges == ["BOTH"]
    assert loaded.get_node("RPP") is None and loaded.get_edge("ONLY") is None
    both = loaded.get_edge("BOTH")
    assert both is not None and [s.report_id for s in both.provenance.supports] == ["R2"]
    log.close()


def test_hidden_records_cannot_be_reviewed(loaded: GraphStore, tmp_path: Path) -> None:
    from graph.errors import NotFound

    log = ReviewLog(tmp_path / "gov.db")
    with pytest.raises(NotFound):
        review(
            loaded,
            log,
            POLICY,
            record_id="S1",
            outcome=ReviewOutcome.RETAIN,
            reviewer="a",
            reviewer_role="supervisor",
            rationale="x",
            triggers_verified=True,
            viewer=SUPERVISOR,
            records_of=alone,
        )
    log.close()


def test_over_http_access_and_an_erasure_entry_without_the_data(tmp_path: Path) -> None:
    roles = (Role.OFFENDER_MANAGER, Role.SUPERVISOR, Role.ANALYST)
    with scenario_api(tmp_path, roles, "offender_management", (MORE_NODES, MORE_EDGES)) as (
        client,
        auth,
        settings,
    ):
        due = client.get("/reviews/due?within_days=30", headers=auth(Role.OFFENDER_MANAGER))
        assert due.status_code == 200
        body = due.json()
        ids = [i["record_id"] for i in body["items"]]
        assert {"ROLD", "RPP", "P1"} <= set(ids) and body["overdue"] >= 2
        assert client.get("/reviews/due", headers=auth(Role.ANALYST)).status_code == 403
        gone = client.post(
            "/reviews",
            json={"record_id": "RPP", "outcome": "dispose", "rationale": "no longer needed"},
            headers=auth(Role.SUPERVISOR),
        )
        assert gone.status_code == 201
        assert gone.json()["disposal"]["updated_edges"] == ["BOTH"]
        nominal = {
            "record_id": "P1",
            "record_kind": "nominal",
            "outcome": "retain",
            "rationale": "x",
            "triggers_verified": True,
        }
        refused = client.post("/reviews", json=nominal, headers=auth(Role.OFFENDER_MANAGER))
        assert refused.status_code == 403 and "supervisor" in refused.json()["detail"]
        made = client.post("/reviews", json=nominal, headers=auth(Role.SUPERVISOR))
        assert made.status_code == 201, made.text
    log = AuditLog(settings.governance_path)
    [erased] = log.query(operation=Operation.ERASURE, limit=10)
    everything = log.query(limit=1000)
    log.close()
    assert erased.subjects == ["RPP"] and erased.details["edges_removed"] == 2
    assert all(SECRET not in json.dumps(e.model_dump(mode="json")) for e in everything)


def test_a_review_on_or_after_visors_date_takes_the_nominal_off_the_list(
    loaded: GraphStore, tmp_path: Path
) -> None:
    """A nominal is due on the earlier of ViSOR's next review date and a period after its
    last review here, but a supervisor's review on the ViSOR date (or after it) did not
    answer that date: the nominal stayed overdue on every list after it was reviewed.
    ViSOR's date stands until a review reaches it, and a later one ViSOR sets is due."""
    p1 = loaded.get_node("P1")
    assert isinstance(p1, Person) and p1.visor is not None

    def visor_date(day: date) -> None:
        visor = p1.visor.model_copy(update={"next_review": day})  # type: ignore[union-attr]
        loaded.upsert([p1.model_copy(update={"visor": visor})])

    def listed(within: int = 30) -> list[tuple[str, date, bool, str]]:
        due = due_reviews(loaded, log, POLICY, TODAY, within, SUPERVISOR.filter, records_of=alone)
        return [(d.record_id, d.due, d.overdue, d.note) for d in due if d.record_id == "P1"]

    def supervisor_review(at: datetime) -> None:
        review(
            loaded,
            log,
            POLICY,
            record_id="P1",
            outcome=ReviewOutcome.RETAIN,
            reviewer="sup",
            reviewer_role="supervisor",
            rationale="risk management plan still fits (synthetic)",
            triggers_verified=True,
            viewer=SUPERVISOR,
            records_of=alone,
            at=at,
        )

    log = ReviewLog(tmp_path / "gov.db")
    visor_date(date(2026, 10, 1))
    overdue = [("P1", date(2026, 10, 1), True, "ViSOR next review date")]
    assert listed() == overdue
    supervisor_review(datetime(2026, 9, 1, 12, tzinfo=UTC))  # before the date: it still stands
    assert listed() == overdue
    supervisor_review(datetime(2026, 11, 30, 9, tzinfo=UTC))
    assert listed() == []
    again = date(2026, 11, 30) + POLICY.period(ReviewGroup.PUBLIC_PROTECTION)
    assert listed(3650) == [("P1", again, False, "last reviewed 2026-11-30")]
    visor_date(date(2027, 2, 1))  # ViSOR sets the next one after the review
    assert listed(90) == [("P1", date(2027, 2, 1), False, "ViSOR next review date")]
    log.close()
