"""What a response discloses, for its s62 consultation entry.

An edge in a response carries its provenance: the reports that support it, by id, with
their grading and dates. Those reports are disclosed as much as the edge is, so the entry
names them too, and an auditor searching the log for a report finds every answer that
cited it (`GET /audit?subject=`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from graph.analysis.associates import Associate
from graph.analysis.risk import RiskAssessment
from graph.charts.model import Chart
from graph.chis.chronology import Chronology
from graph.chis.queue import Candidate
from graph.edges import Edge
from ingest.entities import Resolution
from ingest.resolution import Outcome, ScoredPair, cluster


def with_cited_reports(edges: Iterable[Edge]) -> list[str]:
    """Each edge's id, its two ends (`src` and `dst` are in the response with it: a risk
    finding's evidence can end at a place no finding names) and the ids of the reports its
    provenance cites, sorted, once each."""
    ids: set[str] = set()
    for edge in edges:
        ids.update((edge.id, edge.src, edge.dst))
        ids.update(s.report_id for s in edge.provenance.supports if s.report_id)
    return sorted(ids)


def shown_entity_id(visible_members: Iterable[str]) -> str:
    """An entity's id as the caller may see it. Stored ids are named after the entity's
    smallest member (`ENT-<id>`), which may be a record hidden from this caller: the id
    shown is named the same way after the smallest member they may see, so it is the
    stored id whenever that member is visible, and never names a hidden record."""
    return f"ENT-{min(visible_members)}"


def entity_as_seen(
    resolution: Resolution, person_id: str, members: Sequence[str], visible: Collection[str]
) -> list[str]:
    """The records of `person_id`'s entity (`members`, as kept) that it is joined to by
    links between records the caller may see (`visible`), in id order. Entities are
    clustered over every record, so a record hidden from the caller can be the only link
    between two they see (a mention in a law-enforcement-only report matching both): kept
    together, the two would tell the caller what the hidden record says, and its findings
    would count in their risk. Their own links (auto links, `same` judgements) decide
    instead, within the kept entity: hidden material can split what the caller sees,
    never join it."""
    kept = sorted({m for m in members if m in visible} | {person_id})
    if len(kept) == len(set(members)):
        return kept  # nothing hidden: the entity as kept
    among = set(kept)
    links = [
        ScoredPair(a, b, score, Outcome(outcome))
        for a, b, score, outcome in resolution.state.scored_pairs_among(kept)
    ]
    judged = {(j.a, j.b) for m in kept for j in resolution.judgements(m) if {j.a, j.b} <= among}
    verdicts = {p: v for p in sorted(judged) if (v := resolution.verdict_in_force(*p))}
    entity_of = cluster(kept, links, verdicts)
    return [m for m in kept if entity_of[m] == entity_of[person_id]]


def associates_returned(found: Iterable[Associate]) -> list[str]:
    """The associates, their evidence edges with the reports those cite, and each step's
    `via` (the shared report, address or object)."""
    found = list(found)
    evidence = with_cited_reports(e for a in found for e in a.path)
    via = {x for a in found for x in a.via} - set(evidence)
    return [a.person.id for a in found] + evidence + sorted(via)


def assessment_returned(result: RiskAssessment) -> list[str]:
    """Who and what an assessment's findings name: related people, possible-match records,
    evidence edges and the reports those cite."""
    shown = [*result.findings, *result.not_raising, *result.possible]
    named = {f.related for f in shown} | {f.possible_match for f in shown if f.possible_match}
    return sorted(named | set(with_cited_reports(e for f in shown for e in f.evidence)))


def chart_returned(chart: Chart) -> list[str]:
    """A chart's nodes, its edges and the reports its edges cite (not all are nodes)."""
    cited = {r for e in chart.edges for r in e.reports}
    return [n.id for n in chart.nodes] + sorted({e.id for e in chart.edges} | cited)


def candidates_returned(candidates: Iterable[Candidate]) -> list[str]:
    """Each CHIS candidate's source and person, the people its reports were about, and the
    reports behind each indicator."""
    ids: set[str] = set()
    for c in candidates:
        ids.update(x for x in (c.source_id, c.person_id) if x)
        ids.update(c.subjects)
        ids.update(r for f in c.fired for r in f.evidence)
    return sorted(ids)


def chronology_returned(chron: Chronology) -> list[str]:
    """A source's reports, the person behind it, the people each report was about and the
    taskings directed at that person."""
    about = {s.person_id for e in chron.entries for s in e.subjects}
    if chron.person_id:
        about.add(chron.person_id)
    taskings = [t.tasking_id for t in chron.taskings]
    return [e.report_id for e in chron.entries] + sorted(about) + taskings
