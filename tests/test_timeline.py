"""A person's timeline on the hand-built scenario, both backends, with restricted views."""

from __future__ import annotations

import pytest

from graph.access import AccessPolicy, Principal, Role
from graph.analysis.timeline import timeline
from graph.store import GraphStore
from tests import scenario as sc


@pytest.fixture
def loaded(store: GraphStore) -> GraphStore:
    store.upsert(sc.NODES, sc.EDGES)
    return store


def test_timeline_in_time_order(loaded: GraphStore) -> None:
    events = timeline(loaded, "P1")
    assert [(e.kind, e.node_id) for e in events] == [
        ("address_from", "L1"),  # 2025-01-10
        ("association_first_seen", "P2"),  # 2026-03-01, the day of R1
        ("report_about", "R3"),  # 2026-03-01 13:30 UTC (15:30+02:00)
        ("report_about", "R1"),  # 2026-03-01 14:05 UTC
        ("association_first_seen", "P5"),  # 2026-03-02
        ("report_about", "R2"),  # 2026-03-02 08:00 UTC (09:00+01:00)
    ]
    r1 = next(e for e in events if e.node_id == "R1")
    assert "2BC" in r1.summary and "children_or_vulnerable_adults" in r1.summary


def test_undated_facts_come_last_and_mentions_are_marked(loaded: GraphStore) -> None:
    events = timeline(loaded, "P2")
    assert [(e.kind, e.node_id) for e in events] == [
        ("association_first_seen", "P1"),
        ("mentioned_in_report", "R1"),
        ("address_undated", "L1"),
        ("association_undated", "P3"),
    ]


def test_hidden_reports_are_not_on_the_timeline(loaded: GraphStore) -> None:
    partner = AccessPolicy(Principal("p", Role.PARTNER_AGENCY)).filter
    assert "R3" not in {e.node_id for e in timeline(loaded, "P1", partner)}
    assert "R3" in {e.node_id for e in timeline(loaded, "P1")}
