"""Person steps walked by SQLite: an associates walk of one statement per person step
instead of two hop levels, returning only the candidate steps.

The generic walk reads every qualifying edge of `2 * depth` hop levels and Python finds
the person steps among them; that includes hops no step needs (the direct links of the
last people reached, and everything beyond them). Here each level asks, for the frontier
people, for their direct links to people and for every pair of edges through a report,
address or object (`x`), as the Neo4j walk does (`person_steps`); `associates` then picks
each person's best step with the same rule, so the answer is the same.

The statement returns, with each two-edge step, every qualifying edge of `x` (including
the one back to the frontier person), so the qualifying degree of each frontier person and
each `x` is counted exactly from the rows. When one is over the fan-out cap the walk
returns None and the caller takes the generic walk, which records what it did not expand.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from functools import lru_cache
from typing import Any

from graph.edges import EDGE_ENDPOINTS
from graph.nodes import NodeKind
from graph.store import EdgeRef, Frame, TraversalFilter
from graph.stores.conditions import SqlRenderer, edge_conditions, node_conditions
from graph.stores.traversal import EDGE_KIND

PERSON = NodeKind.PERSON.value
SIDES = (("src", "dst"), ("dst", "src"))  # (near end, far end) of an edge


@lru_cache(maxsize=256)
def level_sql(walk: TraversalFilter) -> tuple[str, tuple[tuple[Any, ...], ...]]:
    """One person step from the frontier under `walk`: rows of (near person, edge, far
    person) for direct links, and (near person, edge, x, edge, far node, its kind) for
    steps through `x`. Returns the statement and each part's condition parameters; each
    part takes the frontier (a JSON array) before them. The statement does not depend on
    the frontier's size, so SQLite prepares it once. The frontier is joined from
    `json_each` rather than tested with `IN (SELECT ...)`: each IN list built a temporary
    table per part, which doubled the statement's cost."""
    people = walk.model_copy(update={"node_kinds": frozenset({NodeKind.PERSON})})
    if walk.node_kinds is not None and NodeKind.PERSON not in walk.node_kinds:
        people = walk.model_copy(update={"node_kinds": frozenset()})
    parts: list[str] = []
    params: list[tuple[Any, ...]] = []
    for near, far in SIDES:
        sql = SqlRenderer()
        parts.append(
            f"SELECT e.{near}, e.id, e.src, e.dst, e.kind, NULL, NULL, NULL, NULL, NULL, NULL, "
            f"NULL FROM json_each(?) fr CROSS JOIN edges e ON e.{near} = fr.value "
            f"CROSS JOIN nodes n ON n.id = e.{far} WHERE "
            f"{sql.render(edge_conditions(walk), 'e')} AND "
            f"{sql.render(node_conditions(people), 'n')}"
        )
        params.append(tuple(sql.params))
    for near, far in SIDES:
        for x_end, other in SIDES:
            sql = SqlRenderer()
            parts.append(
                f"SELECT e.{near}, e.id, e.src, e.dst, e.kind, x.id, f.id, f.src, f.dst, "
                f"f.kind, n.id, n.kind FROM json_each(?) fr CROSS JOIN edges e ON "
                f"e.{near} = fr.value CROSS JOIN nodes x ON x.id = e.{far} "
                f"CROSS JOIN edges f ON f.{x_end} = x.id CROSS JOIN nodes n ON n.id = "
                f"f.{other} WHERE x.kind <> '{PERSON}' AND "
                f"{sql.render(edge_conditions(walk), 'e')} AND "
                f"{sql.render(node_conditions(walk), 'x')} AND "
                f"{sql.render(edge_conditions(walk), 'f')} AND "
                f"{sql.render(node_conditions(walk), 'n')}"
            )
            params.append(tuple(sql.params))
    return " UNION ALL ".join(parts), tuple(params)


def _arguments(walk: TraversalFilter, frontier: list[str]) -> list[Any]:
    array = json.dumps(frontier)
    out: list[Any] = []
    for part in level_sql(walk)[1]:
        out.append(array)
        out.extend(part)
    return out


def walk_steps(
    conn: sqlite3.Connection,
    start: str,
    start_kind: str,
    depth: int,
    walk: TraversalFilter,
    max_fanout: int | None,
) -> Frame | None:
    """`depth` person steps from `start` as a frame of the candidate steps (edges to people
    not reached before), or None when a node the steps go through is over `max_fanout` or
    a frontier id holds a NUL character (which `json_each` would cut short, losing its
    edges: the caller's hop walk binds ids as they are)."""
    query, _ = level_sql(walk)
    edges: dict[str, EdgeRef] = {}
    seen = {start}
    frontier = [start]
    for _level in range(depth):
        if not frontier:
            break
        if any("\x00" in p for p in frontier):
            return None  # json_each ends a text at NUL: the hop walk handles such an id
        rows = conn.execute(query, _arguments(walk, frontier)).fetchall()
        if max_fanout is not None and _over_cap(rows, max_fanout):
            return None
        reached: set[str] = set()
        for p, eid, src, dst, kind, x, fid, fsrc, fdst, fkind, far, far_kind in rows:
            if x is None:
                q = dst if src == p else src
                if q in seen:
                    continue
                edges.setdefault(eid, EdgeRef(eid, EDGE_KIND[kind], src, dst))
            else:
                q = far
                if far_kind != PERSON or q == p or q in seen:
                    continue
                edges.setdefault(eid, EdgeRef(eid, EDGE_KIND[kind], src, dst))
                edges.setdefault(fid, EdgeRef(fid, EDGE_KIND[fkind], fsrc, fdst))
            reached.add(q)
        seen |= reached
        frontier = sorted(reached)
    kinds: dict[str, NodeKind] = {start: NodeKind(start_kind)}
    for ref in edges.values():
        ends = EDGE_ENDPOINTS[ref.kind]
        kinds.setdefault(ref.src, ends[0])
        kinds.setdefault(ref.dst, ends[1])
    return Frame(start, {}, {}, {}, edges, kinds, {}, {})


def _over_cap(rows: list[Any], cap: int) -> bool:
    """Whether a frontier person or a node between two people has more qualifying edges
    than `cap`: a person's are its direct links and its first edges to an `x`; an `x`'s
    are all the second edges from it (one of them leads back)."""
    degree: dict[str, set[str]] = defaultdict(set)
    for p, eid, _src, _dst, _kind, x, fid, *_ in rows:
        degree[p].add(eid)
        if x is not None:
            degree[x].add(fid)
    return any(len(ids) > cap for ids in degree.values())
