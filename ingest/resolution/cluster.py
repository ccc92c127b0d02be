"""Records into entities: matcher links and human judgements, with not_same inviolable.

Human judgements win over the matcher: 'same' links a pair whatever it scored,
'not_same' keeps it apart whatever it scored, 'unsure' leaves the matcher's outcome.
A not_same pair never ends up in one entity, through any chain of links: 'same'
judgements are applied first, then auto links from the highest score down (ties by ids),
and any union that would put a not_same pair in one component is refused and reported.
So a strong link is never lost to a weaker one, and a human's 'same' is never lost to
the matcher. Entity ids are 'ENT-' + the smallest member id: deterministic, and stable
while that record stays in the entity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from ingest.resolution.scoring import Outcome, ScoredPair


class Verdict(StrEnum):
    SAME = "same"
    NOT_SAME = "not_same"
    UNSURE = "unsure"


@dataclass(frozen=True, slots=True)
class RefusedLink:
    """A link that was not applied, and why (`conflict`: the not_same pair it would join)."""

    a: str
    b: str
    score: float | None  # None for a human 'same' judgement
    reason: str
    conflict: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Clustering:
    entity_of: dict[str, str]
    refused: tuple[RefusedLink, ...]


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


class _Components:
    """Union-find that keeps, per component, its members and their not_same partners."""

    def __init__(self, ids: Iterable[str], apart: Iterable[tuple[str, str]]) -> None:
        self.parent: dict[str, str] = {i: i for i in ids}
        self.members: dict[str, set[str]] = {i: {i} for i in self.parent}
        self.forbidden: dict[str, dict[str, str]] = {i: {} for i in self.parent}
        for a, b in apart:
            self.forbidden[a][b] = a  # partner -> the member that was judged apart from it
            self.forbidden[b][a] = b

    def find(self, x: str) -> str:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def conflict(self, ra: str, rb: str) -> tuple[str, str] | None:
        """A not_same pair split across the two components, if any."""
        forbidden, members = self.forbidden[ra], self.members[rb]
        if len(forbidden) > len(members):
            forbidden, members = self.forbidden[rb], self.members[ra]
        hits = forbidden.keys() & members
        if not hits:
            return None
        partner = min(hits)
        return _pair(partner, forbidden[partner])

    def union(self, ra: str, rb: str) -> None:
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra] |= self.members.pop(rb)
        self.forbidden[ra].update(self.forbidden.pop(rb))


def _normalise(judgements: Mapping[tuple[str, str], str]) -> dict[tuple[str, str], Verdict]:
    """One verdict a pair; a pair given in both orders keeps the more cautious verdict
    (not_same over same over unsure: keeping apart is the safe reading of a conflict)."""
    rank = {Verdict.UNSURE: 0, Verdict.SAME: 1, Verdict.NOT_SAME: 2}
    out: dict[tuple[str, str], Verdict] = {}
    for (a, b), verdict in judgements.items():
        if a == b:
            continue
        pair, v = _pair(a, b), Verdict(verdict)
        if pair not in out or rank[v] > rank[out[pair]]:
            out[pair] = v
    return out


def cluster_explained(
    ids: Iterable[str],
    links: Iterable[ScoredPair],
    judgements: Mapping[tuple[str, str], str] | None = None,
) -> Clustering:
    """Entities for `ids`, with every refused link and the reason.

    `links` are matcher pairs; only auto_link ones are applied (a review pair becomes a
    link only by a 'same' judgement). `judgements` maps a pair (either order) to 'same',
    'not_same' or 'unsure'. Pairs naming an id not in `ids` are refused.
    """
    universe = sorted(set(ids))
    known = set(universe)
    verdicts = _normalise(judgements or {})
    refused: list[RefusedLink] = []
    apart = [p for p, v in verdicts.items() if v is Verdict.NOT_SAME]
    for a, b in apart:
        if a not in known or b not in known:
            refused.append(RefusedLink(a, b, None, "not_same judgement names an unknown record"))
    comps = _Components(universe, [(a, b) for a, b in apart if a in known and b in known])

    def join(a: str, b: str, score: float | None, what: str) -> None:
        if a not in known or b not in known:
            refused.append(RefusedLink(a, b, score, f"{what} names an unknown record"))
            return
        ra, rb = comps.find(a), comps.find(b)
        if ra == rb:
            return
        clash = comps.conflict(ra, rb)
        if clash is not None:
            reason = f"{what} would put {clash[0]} and {clash[1]}, judged not_same, in one entity"
            refused.append(RefusedLink(a, b, score, reason, clash))
            return
        comps.union(ra, rb)

    for a, b in sorted(p for p, v in verdicts.items() if v is Verdict.SAME):
        join(a, b, None, "'same' judgement")
    auto = sorted(
        (p for p in links if p.outcome is Outcome.AUTO_LINK),
        key=lambda p: (-p.score, *_pair(p.a, p.b)),
    )
    for link in auto:
        a, b = _pair(link.a, link.b)
        verdict = verdicts.get((a, b))
        if verdict is Verdict.NOT_SAME:
            refused.append(RefusedLink(a, b, link.score, "judged not_same", (a, b)))
            continue
        if verdict is Verdict.SAME:
            continue  # applied above
        join(a, b, link.score, "auto link")

    smallest: dict[str, str] = {}
    for rid in universe:  # ascending, so the first member seen is the smallest
        smallest.setdefault(comps.find(rid), rid)
    entity_of = {rid: f"ENT-{smallest[comps.find(rid)]}" for rid in universe}
    return Clustering(entity_of, tuple(refused))


def cluster(
    ids: Iterable[str],
    links: Iterable[ScoredPair],
    judgements: Mapping[tuple[str, str], str] | None = None,
) -> dict[str, str]:
    """Map every person id to its entity id ('ENT-' + smallest member id).

    See `cluster_explained` for the rules and for the links that were refused.
    """
    return cluster_explained(ids, links, judgements).entity_of
