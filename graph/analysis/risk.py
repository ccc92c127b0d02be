"""The associations and facts that raise a nominal's risk, each tied to one of the APP's six
questions for establishing significance, with its evidence.

Rules are data (`RULES`: name, description, question, weight) so a force can read and tune
them. Each finding names the evidence edges; a finding whose evidence rests only on
E-graded (suspected false) material never raises risk: it is listed under `not_raising`
so the analyst still sees it. Records that only *may* be the same human (a name-only
mention of the nominal, a pair awaiting review: `possible`) are assessed too, and what
they say is listed under `possible`, never scored: an unconfirmed identity must not move a
ranking, but an analyst must not miss it either. Everything is computed over the caller's
visible subgraph, and over every record of the person's entity when the caller passes
them (information about one human often arrives under several records).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from graph.access import AccessPolicy
from graph.analysis.associates import Associate, associates
from graph.edges import AssociationType, Edge, EdgeKind
from graph.nodes import Location as LocationNode
from graph.nodes import (
    LocationType,
    Node,
    NodeKind,
    NominalType,
    ObjectEntity,
    ObjectType,
    Person,
    Report,
    RiskIndicator,
    RiskLevel,
)
from graph.store import GraphStore, TraversalFilter


@dataclass(frozen=True)
class RiskRule:
    """`counted` caps how many distinct concerns (people, places, employers) of this rule add
    to the score: the tenth indirect link to an offender says less than the first, and must
    not outweigh a child in the household. A rule read off reports counts once however many
    reports repeat it (all are still shown as evidence)."""

    name: str
    question: RiskIndicator
    weight: float
    description: str
    counted: int = 3


Q = RiskIndicator
RULES: dict[str, RiskRule] = {
    r.name: r
    for r in (
        RiskRule(
            "child_in_household",
            Q.CHILDREN_OR_VULNERABLE_ADULTS,
            5.0,
            "A registered sexual offender lives with, or is family to, a child; or is the "
            "partner of someone with children.",
        ),
        RiskRule(
            "child_contact",
            Q.CHILDREN_OR_VULNERABLE_ADULTS,
            4.0,
            "A registered sexual offender is directly associated with a child outside the "
            "household (a friend, associate or online contact).",
        ),
        RiskRule(
            "sighted_near_children",
            Q.CHILDREN_OR_VULNERABLE_ADULTS,
            4.0,
            "A report places the nominal at a school, nursery, playground or youth club.",
            counted=1,
        ),
        RiskRule(
            "potential_victim",
            Q.CHILDREN_OR_VULNERABLE_ADULTS,
            4.0,
            "A potentially dangerous person is associated with a vulnerable adult or a child.",
        ),
        RiskRule(
            "vulnerable_associate",
            Q.CHILDREN_OR_VULNERABLE_ADULTS,
            3.0,
            "The nominal is directly associated with, or lives with, a vulnerable adult.",
        ),
        RiskRule(
            "position_of_trust",
            Q.BREACH_OF_TRUST,
            4.0,
            "A report records the nominal working or volunteering where children are (a "
            "workplace that is a school, nursery, playground or youth club), or flags their "
            "employer or workplace as a breach-of-trust concern.",
            counted=2,
        ),
        RiskRule(
            "co_offender",
            Q.SERIOUS_HARM_CAPACITY,
            3.0,
            "The nominal associates with a co-offender, directly or in a co-offending group.",
        ),
        RiskRule(
            "linked_to_offender",
            Q.LINKS_OR_ASSOCIATIONS,
            3.0,
            "The nominal is directly linked (association or shared address) to another "
            "ViSOR nominal.",
        ),
        RiskRule(
            "linked_to_offender_indirect",
            Q.LINKS_OR_ASSOCIATIONS,
            1.5,
            "The nominal is linked to another ViSOR nominal through one intermediary.",
            counted=2,
        ),
        RiskRule(
            "new_since_review",
            Q.LINKS_OR_ASSOCIATIONS,
            2.0,
            "A new association or address first seen since the last ViSOR review (taken as "
            "the next review date less the review interval for the risk level).",
            counted=2,
        ),
        RiskRule(
            "substance_misuse",
            Q.SUBSTANCE_MISUSE,
            1.0,
            "A report about the nominal indicates substance misuse.",
            counted=1,
        ),
        RiskRule(
            "mental_state",
            Q.MENTAL_STATE,
            1.0,
            "A report about the nominal indicates a concern about mental state.",
            counted=1,
        ),
    )
}
CHILD_PLACES = frozenset(
    {LocationType.SCHOOL, LocationType.NURSERY, LocationType.PLAYGROUND, LocationType.YOUTH_CLUB}
)
HOUSEHOLD = frozenset({AssociationType.PARTNER, AssociationType.CO_RESIDENT})
FAMILY = HOUSEHOLD | {
    AssociationType.FAMILY,
    AssociationType.PARENT_OF,
    AssociationType.CHILD_OF,
}
CLOSE_LINKS = frozenset({EdgeKind.ASSOCIATED_WITH, EdgeKind.RESIDES_AT})
WORK_ROLES = frozenset({"workplace", "employer", "employee"})


@dataclass(frozen=True)
class Finding:
    rule: str
    question: RiskIndicator
    weight: float
    reason: str
    related: str  # the other person, or the report
    evidence: list[Edge]
    possible_match: str | None = None  # the record it is about, when only possibly theirs
    match_score: float | None = None  # that record's match score with the person


@dataclass
class RiskAssessment:
    person_id: str
    records: list[str]
    nominal_type: NominalType | None
    findings: list[Finding] = field(default_factory=list)
    not_raising: list[Finding] = field(default_factory=list)
    possible: list[Finding] = field(default_factory=list)

    @property
    def score(self) -> float:
        """Each rule's weight once per distinct concern, up to the rule's `counted`."""
        concerns: dict[str, set[str]] = {}
        for f in self.findings:
            concerns.setdefault(f.rule, set()).add(f.related)
        return sum(RULES[r].weight * min(len(c), RULES[r].counted) for r, c in concerns.items())


def assess(
    store: GraphStore,
    person_id: str,
    *,
    records: list[str] | None = None,
    flt: TraversalFilter | None = None,
    today: date | None = None,
    possible: Sequence[tuple[str, float]] = (),
) -> RiskAssessment:
    """Risk-raising findings for a person (and the other records of their entity), and
    unscored findings through `possible` (record id, match score): records that may be the
    same human. The caller passes only records the caller may see."""
    members = sorted(set(records or []) | {person_id})
    nodes = store.get_nodes(members)
    nominal = next(
        (n.visor.nominal_type for n in nodes.values() if isinstance(n, Person) and n.visor), None
    )
    result = RiskAssessment(person_id, members, nominal)
    if nominal is None:
        return result
    visor = next(n.visor for n in nodes.values() if isinstance(n, Person) and n.visor)
    since = last_review(visor.next_review, visor.risk_level)
    present = [m for m in members if m in nodes]
    # What raises risk is what the rules find with E-graded-only links left out of the
    # graph: a claim resting only on suspected-false material can neither qualify a finding
    # (a partner or co-offender tie that is not its evidence) nor hide a reliable one (an
    # E-only edge taking the shortest path). What E-only links add is shown, unscored.
    base = flt or TraversalFilter()
    reliable = base.model_copy(update={"exclude_suspected_false": True})
    raising = _findings(store, present, members, nominal, since, reliable, today)
    found = _findings(store, present, members, nominal, since, base, today)
    order = sorted(found.items(), key=lambda kv: (-kv[1].weight, kv[1].rule, kv[1].related))
    result.findings = sorted(raising.values(), key=lambda f: (-f.weight, f.rule, f.related))
    result.not_raising = [f for key, f in order if key not in raising]
    known = set(found) | set(raising)
    result.possible = _possible_findings(store, members, nominal, possible, known, flt, today)
    return result


def _findings(
    store: GraphStore,
    present: list[str],
    members: list[str],
    nominal: NominalType,
    since: date | None,
    flt: TraversalFilter,
    today: date | None,
) -> dict[tuple[str, str], Finding]:
    """Every rule over every record of the person, first finding per (rule, related)."""
    found: dict[tuple[str, str], Finding] = {}
    for member in present:
        if since is not None:
            for finding in _new_since(store, member, members, since, flt):
                found.setdefault((finding.rule, finding.related), finding)
        for finding in _close_findings(store, member, members, nominal, flt, today):
            found.setdefault((finding.rule, finding.related), finding)
        for finding in _report_findings(store, member, flt):
            found.setdefault((finding.rule, finding.related), finding)
    return found


MAX_POSSIBLE_MATCHES = 10
"""Possible-match records an assessment looks through (the best-scored ones)."""


def visible_possible(
    store: GraphStore,
    policy: AccessPolicy,
    candidates: Sequence[tuple[str, float]],
    limit: int = MAX_POSSIBLE_MATCHES,
) -> list[tuple[str, float]]:
    """The first `limit` (record, match score) candidates, best first, whose record the
    caller may see: a hidden record is neither assessed nor named, and takes no place that
    a visible one would have had (so pass every candidate, not an already-cut list)."""
    nodes = store.get_nodes([record for record, _ in candidates])
    return [
        (record, score)
        for record, score in candidates
        if record in nodes and policy.node_view(nodes[record]) is not None
    ][:limit]


def _possible_findings(
    store: GraphStore,
    members: list[str],
    nominal: NominalType,
    possible: Sequence[tuple[str, float]],
    known: set[tuple[str, str]],
    flt: TraversalFilter | None,
    today: date | None,
) -> list[Finding]:
    """What the rules find through each possible record, as if it were the nominal's; a
    finding the nominal's own records already give is not repeated."""
    out: dict[tuple[str, str], Finding] = {}
    stored = store.get_nodes([record for record, _ in possible])
    for record, score in possible:
        if record in members or record not in stored:
            continue
        own = [*members, record]
        for f in [
            *_close_findings(store, record, own, nominal, flt, today),
            *_report_findings(store, record, flt),
        ]:
            if (f.rule, f.related) in known or (f.rule, f.related) in out:
                continue
            reason = f"possible match {record} (score {score:.2f}, not confirmed): {f.reason}"
            out[(f.rule, f.related)] = replace(
                f, reason=reason, possible_match=record, match_score=round(score, 3)
            )
    return sorted(out.values(), key=lambda f: (-(f.match_score or 0), -f.weight, f.rule, f.related))


# Months between ViSOR risk reviews by risk level (MAPPA guidance gives the minimum
# frequency; a force can change these). Unknown level: a year.
REVIEW_MONTHS = {
    RiskLevel.VERY_HIGH: 3,
    RiskLevel.HIGH: 6,
    RiskLevel.MEDIUM: 9,
    RiskLevel.LOW: 12,
}


def last_review(next_review: date | None, level: RiskLevel | None) -> date | None:
    """When the last review was, from the next one and the interval for the risk level."""
    if next_review is None:
        return None
    months = REVIEW_MONTHS.get(level, 12) if level else 12
    year, month = divmod(next_review.year * 12 + next_review.month - 1 - months, 12)
    return date(year, month + 1, min(next_review.day, 28))


def _new_since(
    store: GraphStore,
    member: str,
    members: list[str],
    since: date,
    flt: TraversalFilter | None,
) -> list[Finding]:
    base = flt or TraversalFilter()
    kinds = frozenset({EdgeKind.ASSOCIATED_WITH, EdgeKind.RESIDES_AT})
    hood = store.neighbours(member, 1, base.model_copy(update={"edge_kinds": kinds}), None)
    out = []
    for edge in hood.edges:
        other = edge.dst if edge.src == member else edge.src
        if other in members:
            continue
        start = edge.valid_from or edge.provenance.first_seen
        if start is not None and start > since:
            what = "address" if edge.kind is EdgeKind.RESIDES_AT else "association"
            reason = (
                f"new {what} ({other}) first seen {start.isoformat()}, "
                f"after the review of {since.isoformat()}"
            )
            out.append(_finding("new_since_review", other, reason, [edge]))
    return out


def _finding(rule: str, related: str, reason: str, evidence: list[Edge]) -> Finding:
    r = RULES[rule]
    return Finding(rule, r.question, r.weight, reason, related, evidence)


def _close(
    store: GraphStore, person_id: str, flt: TraversalFilter | None, today: date | None
) -> list[Associate]:
    """People one close step away: a direct association or a shared address."""
    found = associates(
        store, person_id, depth=1, flt=flt, today=today, limit=10_000, steps=CLOSE_LINKS
    )
    return found.associates


def _close_findings(
    store: GraphStore,
    member: str,
    members: list[str],
    nominal: NominalType,
    flt: TraversalFilter | None,
    today: date | None,
) -> list[Finding]:
    """Rules over the nominal's close associates, and over theirs (one intermediary). A
    child already close to the nominal is not counted again through the partner."""
    out: list[Finding] = []
    close = _close(store, member, flt, today)
    direct = {a.person.id for a in close}
    for a in close:
        if a.person.id in members:
            continue
        out += _direct_findings(nominal, a)
        household = [
            e
            for e in [*a.path, *a.ties]
            if e.kind is EdgeKind.RESIDES_AT or e.association_type in HOUSEHOLD
        ]
        for c in _close(store, a.person.id, flt, today):
            if c.person.id in members or c.person.id == a.person.id:
                continue
            path = [*a.path, *c.path]
            name = c.person.primary_name.full
            if nominal is NominalType.RSO and household and c.child and c.person.id not in direct:
                reason = f"shares a household with {a.person.id}, who has a child ({name})"
                evidence = _with(path, household)
                out.append(_finding("child_in_household", a.person.id, reason, evidence))
            if all(_has(x, AssociationType.CO_OFFENDER) for x in (a, c)):
                reason = f"co-offending group: {name}, through co-offender {a.person.id}"
                ties = [_co_offending(a), _co_offending(c)]
                evidence = _with(path, [e for t in ties for e in t])
                out.append(_finding("co_offender", c.person.id, reason, evidence))
            if c.nominal_type is not None:
                reason = f"linked through {a.person.id} to {c.nominal_type.value} nominal {name}"
                out.append(_finding("linked_to_offender_indirect", c.person.id, reason, path))
    return out


def _with(path: list[Edge], claims: list[Edge]) -> list[Edge]:
    """The path, then the edges a finding rests on that the path did not take (the partner
    tie behind a household, say): each is evidence, so an E-graded one shows as such."""
    taken = {e.id for e in path}
    extra = {e.id: e for e in claims if e.id not in taken}
    return [*path, *(extra[i] for i in sorted(extra))]


def _co_offending(a: Associate) -> list[Edge]:
    return [e for e in [*a.path, *a.ties] if e.association_type is AssociationType.CO_OFFENDER]


def _has(a: Associate, kind: AssociationType) -> bool:
    """Any direct association of this type with the person before them (not only the one
    edge the shortest path happened to use)."""
    return any(e.association_type is kind for e in [*a.path, *a.ties])


def _direct_findings(nominal: NominalType, a: Associate) -> list[Finding]:
    out: list[Finding] = []
    name = a.person.primary_name.full
    if nominal is NominalType.RSO and a.child:
        if any(e.kind is EdgeKind.RESIDES_AT or e.association_type in FAMILY for e in a.path):
            reason = f"lives with or is family to a child ({name})"
            out.append(_finding("child_in_household", a.person.id, reason, a.path))
        else:
            types = sorted({e.association_type.value for e in a.path if e.association_type})
            reason = f"associated with a child ({name}): {', '.join(types)}"
            out.append(_finding("child_contact", a.person.id, reason, a.path))
    if nominal is NominalType.PDP and (a.vulnerable or a.child):
        reason = f"associated with {name}, vulnerable or a child"
        out.append(_finding("potential_victim", a.person.id, reason, a.path))
    elif a.vulnerable and not a.child:
        reason = f"associated with a vulnerable adult ({name})"
        out.append(_finding("vulnerable_associate", a.person.id, reason, a.path))
    if _has(a, AssociationType.CO_OFFENDER):
        evidence = [e for e in a.ties if e.association_type is AssociationType.CO_OFFENDER]
        out.append(_finding("co_offender", a.person.id, f"co-offender: {name}", evidence or a.path))
    if a.nominal_type is not None:
        reason = f"linked to {a.nominal_type.value} nominal {name}"
        out.append(_finding("linked_to_offender", a.person.id, reason, a.path))
    return out


def _report_findings(
    store: GraphStore, person_id: str, flt: TraversalFilter | None
) -> list[Finding]:
    """Rules over the reports about the person: where they put them, what they flag, and
    where the person works."""
    base = flt or TraversalFilter()
    hood = store.neighbours(
        person_id,
        2,
        base.model_copy(
            update={
                "edge_kinds": frozenset({EdgeKind.ABOUT, EdgeKind.AT_LOCATION, EdgeKind.INVOLVES}),
                "node_kinds": frozenset(
                    {NodeKind.PERSON, NodeKind.REPORT, NodeKind.LOCATION, NodeKind.OBJECT}
                ),
            }
        ),
        None,
    )
    nodes = {n.id: n for n in hood.nodes}
    about = {e.src: e for e in hood.edges if e.kind is EdgeKind.ABOUT and e.dst == person_id}
    out: list[Finding] = []
    for edge in hood.edges:
        if edge.src in about and edge.kind in (EdgeKind.AT_LOCATION, EdgeKind.INVOLVES):
            out += _place_findings(edge, nodes, about[edge.src])
    for rid, edge in about.items():
        report = nodes.get(rid)
        if not isinstance(report, Report):
            continue
        for indicator, rule in (
            (RiskIndicator.SUBSTANCE_MISUSE, "substance_misuse"),
            (RiskIndicator.MENTAL_STATE, "mental_state"),
        ):
            if indicator in report.risk_indicators:
                out.append(_finding(rule, rid, f"report {rid} ({report.grading.code})", [edge]))
    return out


def _place_findings(edge: Edge, nodes: dict[str, Node], about: Edge) -> list[Finding]:
    """A report's location or object seen from the subject: a sighting near children, or
    a position of trust (a workplace where children are, or an employer the report flags
    as a breach-of-trust concern)."""
    report, target = nodes.get(edge.src), nodes.get(edge.dst)
    at_work = edge.role in WORK_ROLES
    flagged = isinstance(report, Report) and RiskIndicator.BREACH_OF_TRUST in (
        report.risk_indicators
    )
    evidence = [about, edge]
    if isinstance(target, LocationNode) and target.location_type in CHILD_PLACES:
        kind = target.location_type.value
        if at_work:
            reason = f"report {edge.src} records them working at {kind} {target.id}"
            return [_finding("position_of_trust", target.id, reason, evidence)]
        reason = f"report {edge.src} places them at {kind} {target.id}"
        return [_finding("sighted_near_children", edge.src, reason, evidence)]
    employer = (
        isinstance(target, ObjectEntity) and target.object_type is ObjectType.ORGANISATION
    ) or isinstance(target, LocationNode)
    if at_work and flagged and employer and target is not None:
        name = target.value if isinstance(target, ObjectEntity) else target.id
        reason = f"report {edge.src} flags a breach-of-trust concern about their work at {name}"
        return [_finding("position_of_trust", edge.dst, reason, evidence)]
    return []
