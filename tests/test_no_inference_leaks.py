"""Property tests: for every role, what the store answers under the caller's policy equals
the answer computed on the caller's visible subgraph alone.

Random graphs with random markings are generated (hypothesis). For each role, the visible
subgraph is worked out here independently from the role table; neighbourhoods (with and
without a fan-out cap), edges between nodes, degrees and counts from the projection must
match a reference computed with networkx on that subgraph only. A hidden node or edge must
never show as a hop, a count, a degree or a capped fan-out.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.access import ROLE_RULES, AccessPolicy, Principal, Role
from graph.edges import AssociationType, Edge, EdgeKind
from graph.errors import NotFound
from graph.markings import Classification, Compartment, Marking
from graph.nodes import Event, EventType, LocationType, Node
from graph.store import GraphStore
from graph.stores.sqlite import SqliteGraphStore
from tests.factories import edge, location, person

HANDLING = [None, "P", "C", "1", "2", "4"]


@st.composite
def markings(draw: st.DrawFn) -> Marking:
    code = draw(st.sampled_from(HANDLING))
    return Marking(
        classification=draw(st.sampled_from(list(Classification))),
        compartment=draw(
            st.sampled_from([Compartment.GENERAL] * 3 + [*Compartment])  # mostly general
        ),
        handling_code=code,
        handling_conditions="originator consent" if code == "C" else None,
    )


@dataclass
class RandomGraph:
    nodes: list[Node]
    edges: list[Edge]


@st.composite
def graphs(draw: st.DrawFn) -> RandomGraph:
    n_people = draw(st.integers(3, 14))
    n_places = draw(st.integers(0, 3))
    people = [person(f"P{i:02d}", marking=draw(markings())) for i in range(n_people)]
    places = [
        location(f"L{i}", LocationType.HOSTEL, marking=draw(markings())) for i in range(n_places)
    ]
    pairs = draw(
        st.sets(st.tuples(st.integers(0, n_people - 1), st.integers(0, n_people - 1)), max_size=30)
    )
    edges = [
        edge(
            f"E{k:03d}",
            EdgeKind.ASSOCIATED_WITH,
            f"P{a:02d}",
            f"P{b:02d}",
            assoc=AssociationType.ASSOCIATE,
            marking=draw(markings()),
        )
        for k, (a, b) in enumerate(sorted(pairs))
        if a != b
    ]
    if places:
        stays = draw(
            st.sets(
                st.tuples(st.integers(0, n_people - 1), st.integers(0, n_places - 1)), max_size=12
            )
        )
        edges += [
            edge(f"H{k:03d}", EdgeKind.RESIDES_AT, f"P{a:02d}", f"L{b}", marking=draw(markings()))
            for k, (a, b) in enumerate(sorted(stays))
        ]
    # management events (licences, minutes, travel) hang off people with markings of their own
    n_events = draw(st.integers(0, 3))
    events = [
        Event(
            id=f"EV{i}",
            event_type=draw(st.sampled_from(list(EventType))),
            occurred_on=date(2026, 1, 1 + i),
            marking=draw(markings()),
        )
        for i in range(n_events)
    ]
    edges += [
        edge(
            f"C{i}",
            EdgeKind.CONCERNS,
            f"EV{i}",
            f"P{draw(st.integers(0, n_people - 1)):02d}",
            marking=draw(markings()),
        )
        for i in range(n_events)
    ]
    return RandomGraph([*people, *places, *events], edges)


def visible_to(role: Role, marking: Marking) -> bool:
    """The role table read directly: compartment allowed, and the handling code allowed."""
    rule = ROLE_RULES[role]
    codes = rule.handling_codes
    return marking.compartment in rule.compartments and (
        codes is None or marking.handling_code is None or marking.handling_code in codes
    )


def visible_graph(g: RandomGraph, role: Role) -> nx.MultiGraph:
    ref = nx.MultiGraph()
    ref.add_nodes_from(n.id for n in g.nodes if visible_to(role, n.marking))
    for e in g.edges:
        if visible_to(role, e.marking) and e.src in ref and e.dst in ref:
            ref.add_edge(e.src, e.dst, key=e.id)
    return ref


def reference_bfs(
    ref: nx.MultiGraph, start: str, depth: int, cap: int | None
) -> tuple[dict[str, int], dict[str, int]]:
    """Levels and capped degrees, by the contract's definition, on the visible graph only."""
    level, capped, frontier = {start: 0}, {}, [start]
    for d in range(1, depth + 1):
        nxt: set[str] = set()
        for node in frontier:
            degree = ref.degree(node)
            if cap is not None and degree > cap:
                capped[node] = degree
                continue
            nxt.update(nb for nb in ref.neighbors(node) if nb not in level)
        for node in nxt:
            level[node] = d
        frontier = sorted(nxt)
    return level, capped


ROLES = list(Role)


def check_role(store: GraphStore, g: RandomGraph, role: Role) -> None:
    policy = AccessPolicy(Principal(name="t", role=role))
    ref = visible_graph(g, role)
    flt = policy.filter
    projection = store.projection(flt)
    assert set(projection.nodes) == set(ref.nodes)
    assert projection.number_of_edges() == ref.number_of_edges()
    assert dict(projection.degree()) == dict(ref.degree())
    all_ids = [n.id for n in g.nodes]
    assert sorted(e.id for e in store.edges_between(all_ids, flt)) == sorted(
        k for _, _, k in ref.edges(keys=True)
    )
    for start in all_ids[:4]:
        if start not in ref:
            with pytest.raises(NotFound):
                store.neighbours(start, 2, flt)
            continue
        for cap in (None, 2):
            hood = store.neighbours(start, 2, flt, max_fanout=cap)
            level, capped = reference_bfs(ref, start, 2, cap)
            assert hood.depth == level
            assert hood.capped == capped
            assert {e.id for e in hood.edges} <= {k for _, _, k in ref.edges(keys=True)}


@contextmanager
def fresh_embedded() -> Iterator[SqliteGraphStore]:
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteGraphStore(Path(tmp) / "g.db", synchronous="OFF")
        try:
            yield store
        finally:
            store.close()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_embedded_results_equal_visible_subgraph_results(g: RandomGraph) -> None:
    with fresh_embedded() as store:
        store.upsert(g.nodes, g.edges)
        for role in ROLES:
            check_role(store, g, role)


@pytest.mark.neo4j
def test_neo4j_results_equal_visible_subgraph_results(
    neo4j_store: GraphStore, neo4j_wipe: Callable[[], None]
) -> None:
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(graphs())
    def run(g: RandomGraph) -> None:
        neo4j_wipe()
        neo4j_store.upsert(g.nodes, g.edges)
        for role in ROLES:
            check_role(neo4j_store, g, role)

    run()
