"""A person's associates: who is linked to them, by what evidence, and how strongly.

An associate is a person one or more **person steps** away. A step is a direct
association (`ASSOCIATED_WITH`, one edge) or two people tied to the same report (`ABOUT` /
`MENTIONS`), the same address (`RESIDES_AT`) or the same object (`USED_BY`): two edges
through that node. So `depth` person steps are at most `2 * depth` graph hops, and the
store is asked for exactly that neighbourhood, with the caller's visible subgraph and
filters pushed into it; nothing here can see more than the caller may.

Hub locations (custody suites, hospitals, hostels, prisons, transport hubs, public
places) join people who merely passed through, so they are not traversed unless asked.
A node whose qualifying degree is above the fan-out cap is not expanded and is reported
instead, so one busy report or address cannot flood the list.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from graph.edges import Edge, EdgeKind
from graph.markings import Grading3x5x2
from graph.nodes import LocationType, NodeKind, NominalType, Person
from graph.store import DEFAULT_MAX_FANOUT, Frame, GraphStore, TraversalFilter
from graph.stores.traversal import read_edges, read_nodes
from graph.times import utc_today

HUB_LOCATION_TYPES = frozenset(
    {
        LocationType.CUSTODY_SUITE,
        LocationType.HOSPITAL,
        LocationType.HOSTEL,
        LocationType.PRISON,
        LocationType.TRANSPORT_HUB,
        LocationType.PUBLIC_PLACE,
    }
)
STEP_EDGE_KINDS = frozenset(
    {
        EdgeKind.ASSOCIATED_WITH,
        EdgeKind.ABOUT,
        EdgeKind.MENTIONS,
        EdgeKind.RESIDES_AT,
        EdgeKind.USED_BY,
    }
)
MAX_PERSON_DEPTH = 3


@dataclass(frozen=True)
class Strength:
    """How well a link is evidenced: distinct supporting reports, their best grading, when."""

    reports: int
    structured_records: int
    best_source_evaluation: str | None
    best_intelligence_assessment: str | None
    suspected_false_link: bool  # some step rests only on E-graded (suspected false) material
    first_seen: date | None
    last_seen: date | None


@dataclass(frozen=True)
class Associate:
    person: Person
    steps: int
    path: list[Edge]  # from the subject to the associate, in order
    via: list[str]  # intermediate node ids (persons, reports, addresses, objects)
    strength: Strength
    nominal_type: NominalType | None
    child: bool
    vulnerable: bool
    ties: list[Edge] = field(default_factory=list)  # every direct association with the
    # person before them on the path (two people can be partners and co-offenders at once)


@dataclass
class AssociateList:
    subject: str
    depth: int
    associates: list[Associate] = field(default_factory=list)
    high_fanout: dict[str, int] = field(default_factory=dict)  # node id -> degree (not expanded)
    truncated: bool = False


def step_filter(
    flt: TraversalFilter, include_hubs: bool, steps: frozenset[EdgeKind] = STEP_EDGE_KINDS
) -> TraversalFilter:
    """The caller's filter narrowed to the edges that make person steps, hubs left out."""
    kinds = steps if flt.edge_kinds is None else steps & flt.edge_kinds
    hubs = frozenset() if include_hubs else HUB_LOCATION_TYPES
    return flt.model_copy(
        update={
            "edge_kinds": frozenset(kinds),
            "node_kinds": frozenset(
                {NodeKind.PERSON, NodeKind.REPORT, NodeKind.LOCATION, NodeKind.OBJECT}
            )
            & (flt.node_kinds or frozenset(NodeKind)),
            "exclude_location_types": flt.exclude_location_types | hubs,
        }
    )


def is_child(person: Person, on: date) -> bool:
    dob = person.dob
    if dob is None:
        return False
    years = on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))
    return years < 18


def associates(
    store: GraphStore,
    person_id: str,
    *,
    depth: int = 1,
    flt: TraversalFilter | None = None,
    include_hubs: bool = False,
    max_fanout: int | None = DEFAULT_MAX_FANOUT,
    limit: int = 200,
    today: date | None = None,
    steps: frozenset[EdgeKind] = STEP_EDGE_KINDS,
) -> AssociateList:
    """Associates of `person_id` within `depth` person steps, nearest and best evidenced
    first (then by id), at most `limit` of them. `steps` narrows which links make a step
    (the risk rules use only close ones: associations and shared addresses)."""
    if not 1 <= depth <= MAX_PERSON_DEPTH:
        raise ValueError(f"depth must be between 1 and {MAX_PERSON_DEPTH}, got {depth}")
    with store.reading():  # one snapshot (and on Neo4j one session) for the walk
        walk = step_filter(flt or TraversalFilter(), include_hubs, steps)
        # The last hop can only complete a step by reaching a person: ask for nothing else.
        only = frozenset({NodeKind.PERSON}) & (walk.node_kinds or frozenset(NodeKind))
        persons = walk.model_copy(update={"node_kinds": only})
        frame = store.step_frame(person_id, depth, walk, max_fanout) or store.frame(
            person_id, 2 * depth, walk, max_fanout, last=persons
        )
        links = _person_links(frame)
        reached, parent = _person_bfs(person_id, links, depth)
        out = AssociateList(
            subject=person_id, depth=depth, high_fanout=_not_walked(frame, reached, depth)
        )
        direct: dict[frozenset[str], list[str]] = defaultdict(list)
        for ref in sorted(frame.edges.values(), key=lambda e: e.id):
            if ref.kind is EdgeKind.ASSOCIATED_WITH:
                direct[frozenset((ref.src, ref.dst))].append(ref.id)
        others = [pid for pid in reached if pid != person_id]
        # Only what the answer shows is read and decoded: the associates, their paths, ties.
        tie_ids = {pid: direct.get(frozenset((pid, parent[pid][0])), []) for pid in others}
        needs = {pid: [*_path_ids(pid, person_id, parent), *tie_ids[pid]] for pid in others}
        wanted = {e for ids in needs.values() for e in ids}
        edges = read_edges(store, frame, wanted)
        people = read_nodes(store, frame, others)
    day = today or utc_today()
    found: list[Associate] = []
    for pid in others:
        person = people.get(pid)
        if not isinstance(person, Person) or not all(e in edges for e in needs[pid]):
            continue  # changed since the walk (a concurrent disposal): leave it out
        path, via = _path_to(pid, person_id, parent, edges)
        found.append(
            Associate(
                person=person,
                steps=reached[pid],
                path=path,
                via=via,
                strength=_strength(path),
                nominal_type=person.visor.nominal_type if person.visor else None,
                child=is_child(person, day),
                vulnerable=person.vulnerable,
                ties=[edges[e] for e in tie_ids[pid]],
            )
        )
    found.sort(key=lambda a: (a.steps, -a.strength.reports, a.person.id))
    out.truncated = len(found) > limit
    out.associates = found[:limit]
    return out


def _not_walked(frame: Frame, reached: dict[str, int], depth: int) -> dict[str, int]:
    """The capped nodes a person step would have gone through: a person short of `depth`
    steps, or a report, address or object touching one. (A walk of `2 * depth` hops can
    also cap nodes off every person step, such as the last people reached; those change
    nothing here, and the two backends' walks need not agree on them.)"""
    if not frame.capped:
        return {}
    near = {pid for pid, steps in reached.items() if steps < depth}
    kept = {n for n in frame.capped if n in near}
    between = {n for n in frame.capped if frame.kinds.get(n) is not NodeKind.PERSON}
    for ref in frame.edges.values():
        if ref.src in near and ref.dst in between:
            kept.add(ref.dst)
        elif ref.dst in near and ref.src in between:
            kept.add(ref.src)
    return {n: frame.capped[n] for n in sorted(kept)}


@dataclass(frozen=True)
class _Link:
    """One person step: the edges taken (one, or two through `via`)."""

    edges: tuple[str, ...]
    via: str | None


def _person_links(frame: Frame) -> dict[str, dict[str, _Link]]:
    """Person -> person -> the best (smallest edge ids) step between them."""
    kinds, capped = frame.kinds, frame.capped
    by_node: dict[str, list[tuple[str, str]]] = defaultdict(list)  # node -> (edge, person)
    links: dict[str, dict[str, _Link]] = defaultdict(dict)

    def offer(a: str, b: str, link: _Link) -> None:
        best = links[a].get(b)
        if best is None or (len(link.edges), link.edges) < (len(best.edges), best.edges):
            links[a][b] = link  # a direct association beats a shared report or address

    person = NodeKind.PERSON
    for eid in sorted(frame.edges):
        edge = frame.edges[eid]
        src, dst = kinds.get(edge.src), kinds.get(edge.dst)
        if src is None or dst is None:
            continue
        if src is person and dst is person:
            offer(edge.src, edge.dst, _Link((eid,), None))
            offer(edge.dst, edge.src, _Link((eid,), None))
        elif dst is person and edge.src not in capped:
            by_node[edge.src].append((eid, edge.dst))
        elif src is person and edge.dst not in capped:
            by_node[edge.dst].append((eid, edge.src))
    for node_id, touching in by_node.items():
        for e1, p1 in touching:
            for e2, p2 in touching:
                if p1 != p2:
                    offer(p1, p2, _Link((e1, e2), node_id))
    return links


def _person_bfs(
    start: str, links: dict[str, dict[str, _Link]], depth: int
) -> tuple[dict[str, int], dict[str, tuple[str, _Link]]]:
    steps = {start: 0}
    parent: dict[str, tuple[str, _Link]] = {}
    frontier = [start]
    for level in range(1, depth + 1):
        reached: dict[str, tuple[str, _Link]] = {}
        for person in sorted(frontier):
            for other, link in sorted(links.get(person, {}).items()):
                if other in steps:
                    continue
                best = reached.get(other)
                rank = (len(link.edges), link.edges, person)
                if best is None or rank < (len(best[1].edges), best[1].edges, best[0]):
                    reached[other] = (person, link)
        for person, via in reached.items():
            steps[person] = level
            parent[person] = via
        frontier = sorted(reached)
    return steps, parent


def _path_ids(pid: str, start: str, parent: dict[str, tuple[str, _Link]]) -> list[str]:
    ids: list[str] = []
    current = pid
    while current != start:
        previous, link = parent[current]
        ids.extend(link.edges)
        current = previous
    return ids


def _path_to(
    pid: str, start: str, parent: dict[str, tuple[str, _Link]], edges: dict[str, Edge]
) -> tuple[list[Edge], list[str]]:
    path: list[Edge] = []
    via: list[str] = []
    current = pid
    while current != start:
        previous, link = parent[current]
        path = [edges[e] for e in link.edges] + path
        via = ([previous] if previous != start else []) + ([link.via] if link.via else []) + via
        current = previous
    return path, via


def _strength(path: list[Edge]) -> Strength:
    """One pass over the path's supports (this runs once per associate)."""
    reports: set[str] = set()
    structured: set[tuple[str | None, str | None]] = set()
    best_se: str | None = None
    best_ia: str | None = None
    firsts, lasts = [], []
    weak = False
    for e in path:
        prov = e.provenance
        all_e = True
        for s in prov.supports:
            if s.report_id is None:
                structured.add((s.source_system, s.source_record_id))
            else:
                reports.add(s.report_id)
            g = s.grading
            if isinstance(g, Grading3x5x2):
                se, ia = g.source_evaluation, g.intelligence_assessment
                best_se = se if best_se is None or se < best_se else best_se
                best_ia = ia if best_ia is None or ia < best_ia else best_ia
            all_e = all_e and s.suspected_false
        weak = weak or all_e
        if prov.first_seen:
            firsts.append(prov.first_seen)
        if prov.last_seen:
            lasts.append(prov.last_seen)
    return Strength(
        reports=len(reports),
        structured_records=len(structured),
        best_source_evaluation=best_se,
        best_intelligence_assessment=best_ia,
        suspected_false_link=weak,
        first_seen=min(firsts, default=None),
        last_seen=max(lasts, default=None),
    )
