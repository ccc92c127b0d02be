"""The person-step walks (Neo4j's and SQLite's) give the same associates as the generic
walk, and as each other, on random graphs: ids, steps, paths, intermediates, ties, the
nodes not walked, and the order. The cases include fan-out caps (where a step walk hands
over to the generic walk), hub locations, E-graded-only links and restricted views."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.access import AccessPolicy, Principal, Role
from graph.analysis.associates import AssociateList, associates
from graph.edges import AssociationType, Edge, EdgeKind
from graph.markings import Compartment, Marking
from graph.nodes import LocationType, Node, NodeKind, ObjectEntity, ObjectType
from graph.store import TraversalFilter
from graph.stores.neo4j import Neo4jGraphStore
from graph.stores.sqlite import SqliteGraphStore
from tests.factories import edge, location, person, report

GRAPHS = 10
CASES_PER_GRAPH = 40
PLACES = [LocationType.RESIDENTIAL] * 4 + [LocationType.HOSTEL, LocationType.SCHOOL]
CODES = ["2BP", "1AP", "3CP", "2EP", "3EP", "2BC"]  # E-graded ones are suspected false


def random_graph(seed: int) -> tuple[list[Node], list[Edge]]:
    """One small town; its ids start with `G<seed>-` so that several share a database."""
    rng = random.Random(seed)
    g = f"G{seed}-"
    n_people = rng.randint(8, 22)
    people = [f"{g}P{i:02d}" for i in range(n_people)]
    nodes: list[Node] = []
    for pid in people:
        restricted = rng.random() < 0.15
        marking = Marking(handling_code="2" if restricted else None)
        nodes.append(person(pid, marking=marking))
    places = [location(f"{g}L{i}", rng.choice(PLACES)) for i in range(rng.randint(1, 5))]
    reports = [
        report(f"{g}R{i}", f"2026-0{1 + i % 9}-01T10:00:00Z", rng.choice(CODES))
        for i in range(rng.randint(1, 6))
    ]
    objects = [
        ObjectEntity(id=f"{g}O{i}", object_type=ObjectType.PHONE, value=f"0700{i}")
        for i in range(rng.randint(0, 2))
    ]
    nodes += [*places, *reports, *objects]
    edges: list[Edge] = []
    for k in range(rng.randint(4, 2 * n_people)):
        a, b = rng.sample(people, 2)
        rep = rng.choice(reports)
        mark = Marking(compartment=rng.choice([Compartment.GENERAL] * 4 + [Compartment.SOURCE]))
        kind = rng.choice(list(AssociationType))
        edges.append(
            edge(f"{g}A{k:03d}", EdgeKind.ASSOCIATED_WITH, a, b, via=rep, assoc=kind, marking=mark)
        )
    for k, pid in enumerate(rng.sample(people, min(n_people, 3 * len(places)))):
        edges.append(edge(f"{g}H{k:03d}", EdgeKind.RESIDES_AT, pid, rng.choice(places).id))
    for rep in reports:
        for k, pid in enumerate(rng.sample(people, rng.randint(1, 4))):
            step = EdgeKind.ABOUT if k == 0 else EdgeKind.MENTIONS
            edges.append(edge(f"{step.value[:2]}-{rep.id}-{pid}", step, rep.id, pid, via=rep))
    for obj in objects:
        for pid in rng.sample(people, 2):
            edges.append(edge(f"U-{obj.id}-{pid}", EdgeKind.USED_BY, obj.id, pid))
    return nodes, edges


def key(result: AssociateList) -> tuple[Any, ...]:
    return (
        [
            (
                a.person.id,
                a.steps,
                [e.id for e in a.path],
                a.via,
                [e.id for e in a.ties],
                a.strength.reports,
            )
            for a in result.associates
        ],
        result.high_fanout,
        result.truncated,
    )


def cases(
    towns: list[tuple[list[Node], list[Edge]]],
    seed: int,
    walk: Callable[[random.Random], tuple[int, TraversalFilter, bool]],
) -> Iterator[tuple[str, dict[str, Any]]]:
    """`CASES_PER_GRAPH` random (start person, associates arguments) per town; `walk`
    picks the depth, view and whether hubs are walked."""
    rng = random.Random(seed)
    for nodes, _ in towns:
        people = [n.id for n in nodes if n.kind is NodeKind.PERSON]
        for _ in range(CASES_PER_GRAPH):
            depth, view, hubs = walk(rng)
            args: dict[str, Any] = {
                "depth": depth,
                "flt": view,
                "include_hubs": hubs,
                "max_fanout": rng.choice([None, None, 3, 5, 8]),
                "limit": rng.choice([200, 200, 4]),
            }
            yield rng.choice(people), args


def count_step_walks(
    monkeypatch: pytest.MonkeyPatch, store_class: type[Any], min_depth: int = 1
) -> list[bool]:
    """Record, for each associates call at `min_depth` or more, whether the step walk
    answered (True) or handed over to the generic walk (False)."""
    taken: list[bool] = []
    step_frame = store_class.step_frame

    def counted(self: Any, node_id: str, depth: int, *args: Any) -> Any:
        frame = step_frame(self, node_id, depth, *args)
        if depth >= min_depth:
            taken.append(frame is not None)
        elif frame is not None:
            taken.append(False)  # below min_depth the store should not take the step walk
        return frame

    monkeypatch.setattr(store_class, "step_frame", counted)
    return taken


@pytest.mark.neo4j
def test_step_walk_equals_generic_walk_and_embedded(
    neo4j_store: Neo4jGraphStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taken = count_step_walks(monkeypatch, Neo4jGraphStore)
    everyone = TraversalFilter()
    no_e = TraversalFilter(exclude_suspected_false=True)
    partner = AccessPolicy(Principal("p", Role.PARTNER_AGENCY)).filter
    frontline = AccessPolicy(Principal("f", Role.FRONTLINE)).filter
    # (depth, view, include_hubs): a few combinations, since Neo4j plans each statement
    # (one per combination and cap or no cap) once, at ~0.5 s each.
    combinations = [
        (1, everyone, False),
        (2, everyone, False),
        (3, everyone, True),
        (2, no_e, False),
        (2, partner, False),
        (3, partner, True),
        (1, frontline, True),
        (2, frontline, False),
    ]
    # All the towns in one database, loaded once: reloading would make Neo4j plan every
    # statement again as its statistics change.
    towns = [random_graph(seed) for seed in range(GRAPHS)]
    local = SqliteGraphStore(tmp_path / "towns.db", synchronous="OFF")
    for nodes, edges in towns:
        neo4j_store.upsert(nodes, edges)
        local.upsert(nodes, edges)
    for start, args in cases(towns, 1000, lambda rng: rng.choice(combinations)):
        fast = associates(neo4j_store, start, **args)
        with monkeypatch.context() as m:
            m.setattr(Neo4jGraphStore, "step_frame", lambda *_: None)
            generic = associates(neo4j_store, start, **args)
        local_answer = associates(local, start, **args)
        assert key(fast) == key(generic), (start, args)
        assert key(generic) == key(local_answer), (start, args)
    local.close()
    assert any(taken) and not all(taken)  # both the step walk and the hand-over ran
    assert sum(taken) > len(taken) / 2


def test_embedded_step_walk_equals_embedded_generic_walk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's step walk against SQLite's generic walk: many more cases than on Neo4j,
    since nothing here is planned per statement."""
    taken = count_step_walks(monkeypatch, SqliteGraphStore, min_depth=2)
    views = [
        TraversalFilter(),
        TraversalFilter(exclude_suspected_false=True),
        AccessPolicy(Principal("p", Role.PARTNER_AGENCY)).filter,
        AccessPolicy(Principal("f", Role.FRONTLINE)).filter,
        TraversalFilter(edge_kinds=frozenset({EdgeKind.ASSOCIATED_WITH, EdgeKind.RESIDES_AT})),
    ]
    store = SqliteGraphStore(tmp_path / "towns.db", synchronous="OFF")
    towns = [random_graph(seed) for seed in range(100, 100 + 3 * GRAPHS)]
    for nodes, edges in towns:
        store.upsert(nodes, edges)

    def walk(rng: random.Random) -> tuple[int, TraversalFilter, bool]:
        return rng.choice([1, 2, 3]), rng.choice(views), rng.random() < 0.3

    for start, args in cases(towns, 2000, walk):
        fast = associates(store, start, **args)
        with monkeypatch.context() as m:
            m.setattr(SqliteGraphStore, "step_frame", lambda *_: None)
            generic = associates(store, start, **args)
        assert key(fast) == key(generic), (start, args)
    store.close()
    assert any(taken) and not all(taken)  # both the step walk and the hand-over ran
    assert sum(taken) > len(taken) / 2
