"""The candidate queue: sources over the policy threshold, ranked, with their drift.

A candidate is a person who is a source (a member of the public, an offender reporting,
or a CHIS record not yet authorised), has contacted the police at least `min_contacts`
times (or is juvenile or vulnerable: always escalated) and scores at least the threshold.
Police officers and authorised CHIS are never candidates; a source under assessment is
listed with that status. `first_crossed` is the contact at which the score first reached
the threshold, so `drift_days` is how long the force has been receiving information from
them without a review.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from graph.analysis.associates import HUB_LOCATION_TYPES
from graph.chis.ceiling import may_qualify
from graph.chis.indicators import Fired, SourceContext, evaluate
from graph.chis.policy import PERSONAL_RELATIONSHIPS, ChisPolicy
from graph.chis.reviews import CaseState, Decision, case_state
from graph.edges import EdgeKind
from graph.nodes import Person
from graph.store import Contact, GraphStore, SourceProfile, TraversalFilter


def _alone(person_id: str) -> list[str]:
    return [person_id]


CANDIDATE_TYPES = frozenset({"member_of_public", "offender_self_report", "chis"})
"""Source types that are individuals who could drift into being a CHIS."""


@dataclass(frozen=True)
class Candidate:
    source_id: str
    person_id: str | None
    source_type: str
    chis_status: str
    score: float
    fired: list[Fired]
    contacts: int
    first_contact: str
    last_contact: str
    first_crossed: str | None
    drift_days: int | None
    escalated: bool
    subjects: list[str]
    case: CaseState

    @property
    def indicators(self) -> list[str]:
        return [f.indicator for f in self.fired]


def excluded(c: Contact | SourceProfile) -> str | None:
    """Why a source is never a candidate, or None."""
    if c.source_type == "police_officer":
        return "police officer"
    if c.chis_status == "authorised":
        return "authorised CHIS"
    if c.source_type not in CANDIDATE_TYPES:
        return f"{c.source_type} is an organisation, not an individual"
    if c.person_id is None:
        return "no person is recorded behind the source"
    return None


def contexts(
    store: GraphStore, by_source: dict[str, list[Contact]], view: TraversalFilter | None = None
) -> dict[str, SourceContext]:
    """Relationships, nominal subjects and homes around many sources' contacts, in three
    batched look-ups (each subject decoded once however many sources report on it); only
    the relationships and homes `view` shows (the contacts were read through it)."""
    seen = view or TraversalFilter()
    relationships: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    knows = seen.model_copy(update={"edge_kinds": frozenset({EdgeKind.KNOWS_SUBJECT})})
    ids = [r.id for r in store.incident(by_source, knows) if r.src in by_source]
    for e in store.get_edges(ids).values():
        if e.association_type is not None:
            relationships[e.src][e.dst].add(e.association_type.value)
    subjects = sorted({s for cs in by_source.values() for c in cs for s in c.subjects})
    persons = sorted({cs[0].person_id for cs in by_source.values() if cs[0].person_id})
    nodes = store.get_nodes([*subjects, *persons])
    nominal = {i for i, n in nodes.items() if isinstance(n, Person) and n.visor is not None}
    homes: dict[str, set[str]] = defaultdict(set)
    # A hostel, prison or other hub is not a household: many unrelated people live there.
    at_home = seen.model_copy(
        update={
            "edge_kinds": frozenset({EdgeKind.RESIDES_AT}),
            "exclude_location_types": HUB_LOCATION_TYPES,
        }
    )
    for ref in store.incident(subjects, at_home):
        homes[ref.src].add(ref.dst)
    out = {}
    for sid, cs in by_source.items():
        mine = {s for c in cs for s in c.subjects}
        out[sid] = SourceContext(
            relationships={k: frozenset(v) for k, v in relationships.get(sid, {}).items() if v},
            nominals=frozenset(mine & nominal),
            homes={s: frozenset(homes[s]) for s in mine if s in homes},
            source_is_nominal=(cs[0].person_id or "") in nominal,
        )
    return out


def assess(
    contacts: Sequence[Contact], ctx: SourceContext, policy: ChisPolicy
) -> tuple[list[Fired], float, str | None]:
    """Indicators over all contacts, the score, and the contact at which it first crossed."""
    fired = evaluate(contacts, ctx, policy)
    score = sum(f.weight for f in fired)
    first: str | None = None
    escalated = any(f.indicator == "juvenile_or_vulnerable" for f in fired)
    if len(contacts) < policy.min_contacts or not (escalated or score >= policy.threshold):
        return fired, score, None  # not a candidate now: when it might have been is moot
    for end in range(policy.min_contacts, len(contacts) + 1):
        prefix = contacts[:end]
        so_far = evaluate(prefix, ctx, policy)
        escalated = any(f.indicator == "juvenile_or_vulnerable" for f in so_far)
        if escalated or sum(f.weight for f in so_far) >= policy.threshold:
            first = prefix[-1].received_at
            break
    return fired, score, first


def without_self(contacts: Sequence[Contact], own: frozenset[str]) -> list[Contact]:
    """The contacts about other people: a report only about the source's own records (an
    offender reporting on their own lifestyle) is not information about anyone else."""
    out = []
    for c in contacts:
        others = tuple(s for s in c.subjects if s not in own)
        if c.subjects and not others:
            continue
        out.append(replace(c, subjects=others) if others != c.subjects else c)
    return out


def worth_reading(
    store: GraphStore, policy: ChisPolicy, view: TraversalFilter | None = None
) -> list[str]:
    """The sources whose contact rows could make a candidate, decided on profiles the
    store aggregates (SQL or Cypher) over the reports `view` shows: the rest never leave
    the store."""
    profiles = store.source_profiles(
        policy.min_contacts, HUB_LOCATION_TYPES, PERSONAL_RELATIONSHIPS, view
    )
    return [p.source_id for p in profiles if excluded(p) is None and may_qualify(p, policy)]


def build_queue(
    store: GraphStore,
    policy: ChisPolicy,
    decisions: dict[str, Decision],
    today: date,
    source_ids: Iterable[str] | None = None,
    records_of: Callable[[str], Iterable[str]] | None = None,
    view: TraversalFilter | None = None,
) -> list[Candidate]:
    """Every candidate, highest score first (then longest drift, then id). `records_of`
    gives every record of a person's entity, so a source reporting on themselves under
    another record is recognised. `view` is the caller's visible subgraph
    (`AccessPolicy.filter`): everything is counted, scored, ranked and cited over what it
    shows, inside the store's queries, so a report the caller may not see changes nothing
    they get. None: every record, whoever may see it (the do-not-task guard after each
    load, which errs on warning; the FIB's notification takes the FIB reviewer's view)."""
    rows = store.source_contacts(
        sorted(source_ids) if source_ids is not None else worth_reading(store, policy, view),
        policy.min_contacts,
        view,
    )
    by_source: dict[str, list[Contact]] = defaultdict(list)
    for row in rows:
        by_source[row.source_id].append(row)
    kept: dict[str, list[Contact]] = {}
    for sid, rows_of_source in sorted(by_source.items()):
        first_row = rows_of_source[0]
        if excluded(first_row) is not None:
            continue
        own = frozenset(
            [first_row.person_id or "", *(records_of or _alone)(first_row.person_id or "")]
        )
        contacts = without_self(rows_of_source, own)
        if len(contacts) >= policy.min_contacts:
            kept[sid] = contacts
    around = contexts(store, kept, view)
    out: list[Candidate] = []
    for sid, contacts in kept.items():
        fired, score, first = assess(contacts, around[sid], policy)
        if first is None:
            continue
        out.append(
            Candidate(
                source_id=sid,
                person_id=contacts[0].person_id,
                source_type=contacts[0].source_type,
                chis_status=contacts[0].chis_status,
                score=score,
                fired=fired,
                contacts=len(contacts),
                first_contact=contacts[0].received_at,
                last_contact=contacts[-1].received_at,
                first_crossed=first,
                drift_days=(today - datetime.fromisoformat(first).date()).days,
                escalated=any(f.indicator == "juvenile_or_vulnerable" for f in fired),
                subjects=sorted({s for c in contacts for s in c.subjects}),
                case=case_state(decisions.get(sid), [c.received_at for c in contacts], today),
            )
        )
    out.sort(key=lambda c: (-c.score, -(c.drift_days or 0), c.source_id))
    return out
