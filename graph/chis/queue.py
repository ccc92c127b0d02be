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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache

from graph.analysis.associates import HUB_LOCATION_TYPES
from graph.chis.ceiling import ANY, NONE, Merging, may_qualify
from graph.chis.indicators import Fired, SourceContext, evaluate
from graph.chis.policy import PERSONAL_RELATIONSHIPS, ChisPolicy
from graph.chis.reviews import CaseState, Decision, case_state
from graph.edges import EdgeKind
from graph.nodes import Person, Source
from graph.store import Contact, GraphStore, SourceProfile, TraversalFilter

RecordsOf = Callable[[str], Iterable[str]]
"""Every record of a person's entity (`ingest.entities.Resolution.records_of`)."""


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
    return never_reviewed(c.source_type, c.chis_status) or (
        "no person is recorded behind the source" if c.person_id is None else None
    )


def never_reviewed(source_type: str, chis_status: str) -> str | None:
    """Why a source of this type and status is never a CHIS candidate whatever it reported
    (a police officer, an authorised CHIS, an organisation), or None."""
    if source_type == "police_officer":
        return "police officer"
    if chis_status == "authorised":
        return "authorised CHIS"
    if source_type not in CANDIDATE_TYPES:
        return f"{source_type} is an organisation, not an individual"
    return None


def never_a_candidate(source: Source) -> str | None:
    """`never_reviewed` for a stored source: it holds with no report in view."""
    return never_reviewed(source.source_type.value, source.chis_status.value)


def contexts(
    store: GraphStore,
    by_source: dict[str, list[Contact]],
    view: TraversalFilter | None = None,
    records_of: RecordsOf | None = None,
) -> dict[str, SourceContext]:
    """Relationships, nominal subjects and homes around many sources' contacts, in a few
    batched look-ups (each subject decoded once however many sources report on it); only
    the relationships, records and homes `view` shows (the contacts were read through it).

    With `records_of` (entity resolution), a subject is the person behind the record: the
    subject records of one entity are one person (`SourceContext.people`), who is a nominal,
    and lives where, if any record of theirs the view shows says so; the source is a nominal
    if any record of the person behind it is."""
    seen = view or TraversalFilter()
    relationships: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    knows = seen.model_copy(update={"edge_kinds": frozenset({EdgeKind.KNOWS_SUBJECT})})
    ids = [r.id for r in store.incident(by_source, knows) if r.src in by_source]
    for e in store.get_edges(ids).values():
        if e.association_type is not None:
            relationships[e.src][e.dst].add(e.association_type.value)
    subjects = sorted({s for cs in by_source.values() for c in cs for s in c.subjects})
    persons = sorted({cs[0].person_id for cs in by_source.values() if cs[0].person_id})
    known = {k for rel in relationships.values() for k in rel}
    named = {*subjects, *persons, *known}  # read through the view already
    entity = cache(records_of or _alone)
    records = {p: {p, *entity(p)} for p in named}
    others = sorted({r for rs in records.values() for r in rs} - named)
    nodes = store.get_nodes([*sorted(named), *others])
    # A record the view hides tells nothing: not that the person is a nominal, nor a home.
    hidden = {i for i in others if i not in nodes or not seen.shows(nodes[i].marking)}
    every = {p: sorted(rs - hidden) for p, rs in records.items()}
    nominal_records = {i for i, n in nodes.items() if isinstance(n, Person) and n.visor is not None}
    nominal = {p for p, rs in every.items() if nominal_records.intersection(rs)}
    key = {p: rs[0] for p, rs in every.items()}
    homes_of: dict[str, set[str]] = defaultdict(set)
    # A hostel, prison or other hub is not a household: many unrelated people live there.
    at_home = seen.model_copy(
        update={
            "edge_kinds": frozenset({EdgeKind.RESIDES_AT}),
            "exclude_location_types": HUB_LOCATION_TYPES,
        }
    )
    lived = sorted({r for s in subjects for r in every[s]})
    for ref in store.incident(lived, at_home):
        homes_of[ref.src].add(ref.dst)
    homes = {s: frozenset(h for r in every[s] for h in homes_of[r]) for s in subjects}
    out = {}
    for sid, cs in by_source.items():
        mine = {s for c in cs for s in c.subjects}
        rel = relationships.get(sid, {})
        out[sid] = SourceContext(
            relationships={k: frozenset(v) for k, v in rel.items() if v},
            nominals=frozenset(mine & nominal),
            homes={s: homes[s] for s in mine if homes[s]},
            source_is_nominal=(cs[0].person_id or "") in nominal,
            people={s: key[s] for s in mine | set(rel) if key[s] != s},
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


def merging(
    store: GraphStore, entity_of: Mapping[str, str], view: TraversalFilter | None = None
) -> dict[str, Merging]:
    """For each source who is, or reported on, a person record entity resolution joins to
    another (`entity_of`: person -> entity, `Resolution.entity_map`), what counting people
    could add to its profile: a handful of batched look-ups over those records only. Homes
    and ViSOR records are taken whatever the view (more sources read, never fewer)."""
    members: dict[str, set[str]] = defaultdict(set)
    for person, entity in entity_of.items():
        members[entity].add(person)
    shared = sorted(p for p, e in entity_of.items() if len(members[e]) > 1)
    if not shared:
        return {}
    records = set(shared)
    seen = view or TraversalFilter()
    nominal = {
        entity_of[i]
        for i, n in store.get_nodes(shared).items()
        if isinstance(n, Person) and n.visor is not None
    }
    at_home = TraversalFilter(
        edge_kinds=frozenset({EdgeKind.RESIDES_AT}), exclude_location_types=HUB_LOCATION_TYPES
    )
    homes: dict[str, set[str]] = defaultdict(set)
    for ref in store.incident(shared, at_home):
        homes[ref.src].add(ref.dst)
    lives: dict[str, set[str]] = defaultdict(set)
    for r in shared:
        lives[entity_of[r]] |= homes[r]
    rehoused = {r for r in shared if lives[entity_of[r]] - homes[r]}
    linked = seen.model_copy(update={"edge_kinds": frozenset({EdgeKind.ABOUT, EdgeKind.IS_PERSON})})
    about: dict[str, set[str]] = defaultdict(set)  # report -> the shared records it is about
    who: dict[str, set[str]] = defaultdict(set)  # source -> the shared records it is
    for ref in store.incident(shared, linked):
        if ref.dst in records:
            (who if ref.kind is EdgeKind.IS_PERSON else about)[ref.src].add(ref.dst)
    given = seen.model_copy(update={"edge_kinds": frozenset({EdgeKind.PROVIDED_BY})})
    on: dict[str, set[str]] = defaultdict(set)  # source -> the shared records it reported on
    for ref in store.incident(sorted(about), given):
        if ref.src in about:
            on[ref.dst] |= about[ref.src]
    out = {}
    for sid in sorted({*on, *who}):
        named = on.get(sid, set())
        out[sid] = Merging(
            joined=len({entity_of[r] for r in named}) < len(named),
            new_home=bool(named & rehoused),
            nominal=any(entity_of[r] in nominal for r in named),
            self_nominal=any(entity_of[r] in nominal for r in who.get(sid, ())),
        )
    return out


def worth_reading(
    store: GraphStore,
    policy: ChisPolicy,
    view: TraversalFilter | None = None,
    records_of: RecordsOf | None = None,
    entity_of: Mapping[str, str] | None = None,
) -> list[str]:
    """The sources whose contact rows could make a candidate, decided on profiles the
    store aggregates (SQL or Cypher) over the reports `view` shows: the rest never leave
    the store. The profiles count records; with `records_of` the indicators count people,
    which the ceiling allows for by `merging` over `entity_of` (for every source, if it is
    not given)."""
    profiles = store.source_profiles(
        policy.min_contacts, HUB_LOCATION_TYPES, PERSONAL_RELATIONSHIPS, view
    )
    merged: dict[str, Merging] = {}
    if records_of is not None and entity_of is not None:
        merged = merging(store, entity_of, view)
    unknown = records_of is not None and entity_of is None
    return [
        p.source_id
        for p in profiles
        if excluded(p) is None
        and may_qualify(p, policy, ANY if unknown else merged.get(p.source_id, NONE))
    ]


def build_queue(
    store: GraphStore,
    policy: ChisPolicy,
    decisions: dict[str, Decision],
    today: date,
    source_ids: Iterable[str] | None = None,
    records_of: RecordsOf | None = None,
    view: TraversalFilter | None = None,
    entity_of: Mapping[str, str] | None = None,
) -> list[Candidate]:
    """Every candidate, highest score first (then longest drift, then id). `records_of`
    gives every record of a person's entity, so a source reporting on themselves under
    another record is recognised, and reports about one person under several records are
    about one person (`contexts`). `entity_of` (`Resolution.entity_map`, the same
    entities) lets the whole queue's ceiling allow for that only where it can matter
    (`merging`); without it every source's ceiling allows for it. `view` is the caller's
    visible subgraph
    (`AccessPolicy.filter`): everything is counted, scored, ranked and cited over what it
    shows, inside the store's queries, so a report the caller may not see changes nothing
    they get. None: every record, whoever may see it (the do-not-task guard after each
    load, which errs on warning; the FIB's notification takes the FIB reviewer's view)."""
    if source_ids is None:
        source_ids = worth_reading(store, policy, view, records_of, entity_of)
    rows = store.source_contacts(sorted(source_ids), policy.min_contacts, view)
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
    around = contexts(store, kept, view, records_of)
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
                case=case_state(decisions.get(sid), contacts, today),
            )
        )
    out.sort(key=lambda c: (-c.score, -(c.drift_days or 0), c.source_id))
    return out
