"""The indicators a FIB reviewer needs, each computed with its evidence (report ids).

Every function takes one source's contacts in time order and what is known around them
(`SourceContext`), and says whether its indicator fires and why. Thresholds and weights
come from `ChisPolicy`; nothing here decides a status.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import pairwise

from graph.chis.policy import PERSONAL_RELATIONSHIPS, ChisPolicy
from graph.store import Contact


@dataclass(frozen=True)
class SourceContext:
    """What the indicators need beyond the contacts themselves. Information about one
    human arrives under several person records (entity resolution joins them): `people`
    says which subject records are one person, so two reports about him under two records
    are about the same subject, and he is one member of his household, not two."""

    relationships: dict[str, frozenset[str]] = field(default_factory=dict)  # subject -> types
    nominals: frozenset[str] = frozenset()  # subjects who are (a record of) ViSOR nominals
    homes: dict[str, frozenset[str]] = field(default_factory=dict)  # subject -> home ids
    source_is_nominal: bool = False
    people: dict[str, str] = field(default_factory=dict)  # subject -> its person (entity) key

    def who(self, subject: str) -> str:
        """The person a subject record is (its own id when no other record joins it)."""
        return self.people.get(subject, subject)

    def persons(self, c: Contact) -> list[str]:
        """The people a report is about, each once however many of their records it names."""
        return list(dict.fromkeys(self.who(s) for s in c.subjects))


@dataclass(frozen=True)
class Fired:
    indicator: str
    weight: float
    reason: str
    evidence: tuple[str, ...]  # report ids


Check = Callable[[Sequence[Contact], SourceContext, ChisPolicy], "Fired | None"]


def when(c: Contact) -> datetime:
    return _parsed(c.received_at)


def day(c: Contact) -> date:
    """The contact's calendar day (UTC, as every date Mosaic shows): windows and spans are
    counted in days between calendar days, so whether a call came in the morning or the
    evening never moves a contact across an edge."""
    return when(c).astimezone(UTC).date()


@lru_cache(maxsize=1 << 16)
def _parsed(text: str) -> datetime:
    """Each timestamp parsed once: the indicators and the first-crossing scan ask often."""
    return datetime.fromisoformat(text)


def _fired(policy: ChisPolicy, name: str, reason: str, contacts: Sequence[Contact]) -> Fired:
    ids = tuple(dict.fromkeys(c.report_id for c in contacts))
    return Fired(name, policy.weight(name), reason, ids)


def repeated_contact(cs: Sequence[Contact], _: SourceContext, p: ChisPolicy) -> Fired | None:
    """The most contacts inside any window of `window_days` calendar days."""
    best: Sequence[Contact] = ()
    start = 0
    for end in range(len(cs)):
        while (day(cs[end]) - day(cs[start])).days >= p.window_days:
            start += 1
        if end - start + 1 > len(best):
            best = cs[start : end + 1]
    if len(best) < p.repeat_contacts:
        return None
    reason = f"{len(best)} contacts within {p.window_days} days"
    return _fired(p, "repeated_contact", reason, best)


def sustained_contact(cs: Sequence[Contact], _: SourceContext, p: ChisPolicy) -> Fired | None:
    if len(cs) < 2:
        return None
    days = (day(cs[-1]) - day(cs[0])).days
    if days < p.span_days:
        return None
    reason = f"contacts over {days} days ({cs[0].received_at[:10]} to {cs[-1].received_at[:10]})"
    return _fired(p, "sustained_contact", reason, [cs[0], cs[-1]])


def accelerating_contact(cs: Sequence[Contact], _: SourceContext, p: ChisPolicy) -> Fired | None:
    """The later gaps between contacts are under `acceleration_ratio` of the earlier ones."""
    if len(cs) < 4:
        return None
    gaps = [(when(b) - when(a)).total_seconds() for a, b in pairwise(cs)]
    half = len(gaps) // 2
    early, late = sum(gaps[:half]) / half, sum(gaps[-half:]) / half
    if early <= 0 or late >= p.acceleration_ratio * early:
        return None
    reason = f"mean gap fell from {early / 86400:.0f} to {late / 86400:.0f} days"
    return _fired(p, "accelerating_contact", reason, cs[-half - 1 :])


def _most(groups: dict[str, dict[str, Contact]]) -> tuple[str, list[Contact]]:
    """The group with the most distinct reports (each report once however often it names
    the group), ties to the first by key."""
    key, reports = max(sorted(groups.items()), key=lambda kv: len(kv[1]))
    return key, list(reports.values())


def _named(records: dict[str, set[str]]) -> str:
    """People by the records the reports named: `P1` or `P1/P1b` (one person, two records)."""
    return ", ".join(sorted("/".join(sorted(r)) for r in records.values()))


def same_subject(cs: Sequence[Contact], ctx: SourceContext, p: ChisPolicy) -> Fired | None:
    """Repeat reports about one person, under whichever of their records."""
    about: dict[str, dict[str, Contact]] = defaultdict(dict)
    records: dict[str, set[str]] = defaultdict(set)
    for c in cs:
        for s in c.subjects:
            about[ctx.who(s)][c.report_id] = c
            records[ctx.who(s)].add(s)
    if not about:
        return None
    person, reports = _most(about)
    if len(reports) < p.same_subject_reports:
        return None
    reason = f"{len(reports)} reports about {_named({person: records[person]})}"
    return _fired(p, "same_subject", reason, reports)


def same_household(cs: Sequence[Contact], ctx: SourceContext, p: ChisPolicy) -> Fired | None:
    """Reports about different people (not different records of one) who share a home."""
    by_home: dict[str, dict[str, Contact]] = defaultdict(dict)
    people: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for c in cs:
        for s in c.subjects:
            for home in ctx.homes.get(s, ()):
                by_home[home][c.report_id] = c
                people[home][ctx.who(s)].add(s)
    homes = {h: r for h, r in by_home.items() if len(people[h]) >= 2}
    if not homes:
        return None
    home, reports = _most(homes)
    if len(reports) < p.same_subject_reports:
        return None
    who = _named(people[home])
    reason = f"reports about {len(people[home])} members of household {home} ({who})"
    return _fired(p, "same_household", reason, reports)


def same_address(cs: Sequence[Contact], _: SourceContext, p: ChisPolicy) -> Fired | None:
    at: dict[str, dict[str, Contact]] = defaultdict(dict)
    for c in cs:
        for loc in c.locations:
            at[loc][c.report_id] = c
    if not at:
        return None
    place, reports = _most(at)
    if len(reports) < p.same_place_reports:
        return None
    return _fired(p, "same_address", f"{len(reports)} reports at {place}", reports)


def personal_relationship(cs: Sequence[Contact], ctx: SourceContext, p: ChisPolicy) -> Fired | None:
    """The source knows a subject personally (under any of the subject's records)."""
    related = {
        s: sorted(types & PERSONAL_RELATIONSHIPS)
        for s, types in ctx.relationships.items()
        if types & PERSONAL_RELATIONSHIPS
    }
    known = {ctx.who(s) for s in related}
    reports = [c for c in cs if any(person in known for person in ctx.persons(c))]
    if not reports:
        return None
    named = "; ".join(f"{'/'.join(t)} of {s}" for s, t in sorted(related.items()))
    return _fired(p, "personal_relationship", f"the source is {named}", reports)


def through_relationship(cs: Sequence[Contact], _: SourceContext, p: ChisPolicy) -> Fired | None:
    reports = [c for c in cs if c.how_obtained == "through_relationship"]
    if not reports:
        return None
    reason = f"{len(reports)} reports obtained through a relationship"
    return _fired(p, "through_relationship", reason, reports)


def police_request(cs: Sequence[Contact], _: SourceContext, p: ChisPolicy) -> Fired | None:
    """Police asked the source to do or find out something: asking can be "use"."""
    reports = [c for c in cs if c.police_request]
    if not reports:
        return None
    reason = f"{len(reports)} police requests (last: {reports[-1].police_request!r})"
    return _fired(p, "police_request", reason, reports)


def police_initiated(cs: Sequence[Contact], _: SourceContext, p: ChisPolicy) -> Fired | None:
    """Police approached the source (an enquiry) without a recorded request."""
    reports = [c for c in cs if c.initiated_by == "police" and not c.police_request]
    if not reports:
        return None
    return _fired(p, "police_initiated", f"{len(reports)} contacts initiated by police", reports)


def increasing_specificity(
    cs: Sequence[Contact], ctx: SourceContext, p: ChisPolicy
) -> Fired | None:
    """A later report about someone the police earlier asked this source about."""
    asked: dict[str, Contact] = {}
    for c in cs:
        answering = [asked[s] for s in ctx.persons(c) if s in asked]
        if answering:
            reason = f"{c.report_id} follows the police request in {answering[0].report_id}"
            return _fired(p, "increasing_specificity", reason, [answering[0], c])
        if c.police_request:
            for s in ctx.persons(c):
                asked.setdefault(s, c)
    return None


def rewarded(cs: Sequence[Contact], _: SourceContext, p: ChisPolicy) -> Fired | None:
    reports = [c for c in cs if c.rewarded]
    if not reports:
        return None
    return _fired(p, "rewarded", f"a reward is recorded on {len(reports)} reports", reports)


def juvenile_or_vulnerable(cs: Sequence[Contact], _: SourceContext, p: ChisPolicy) -> Fired | None:
    if not cs or not (cs[0].juvenile or cs[0].vulnerable):
        return None
    what = " and ".join(
        w for w, f in (("juvenile", cs[0].juvenile), ("vulnerable", cs[0].vulnerable)) if f
    )
    return _fired(p, "juvenile_or_vulnerable", f"the source is {what}: always escalate", cs)


def nominal_reporting(cs: Sequence[Contact], ctx: SourceContext, p: ChisPolicy) -> Fired | None:
    if not ctx.source_is_nominal:
        return None
    reports = [c for c in cs if any(s != c.person_id for s in c.subjects)]
    if not reports:
        return None
    reason = "the source is a ViSOR nominal reporting on other people"
    return _fired(p, "nominal_reporting", reason, reports)


def about_nominals(cs: Sequence[Contact], ctx: SourceContext, p: ChisPolicy) -> Fired | None:
    reports = [c for c in cs if any(s in ctx.nominals for s in c.subjects)]
    if not reports:
        return None
    who: dict[str, set[str]] = defaultdict(set)
    for s in (s for c in reports for s in c.subjects if s in ctx.nominals):
        who[ctx.who(s)].add(s)
    return _fired(p, "about_nominals", f"reports about ViSOR nominals {_named(who)}", reports)


CHECKS: tuple[Check, ...] = (
    repeated_contact,
    sustained_contact,
    accelerating_contact,
    same_subject,
    same_household,
    same_address,
    personal_relationship,
    through_relationship,
    police_request,
    police_initiated,
    increasing_specificity,
    rewarded,
    juvenile_or_vulnerable,
    nominal_reporting,
    about_nominals,
)


def evaluate(cs: Sequence[Contact], ctx: SourceContext, policy: ChisPolicy) -> list[Fired]:
    """Every indicator that fires on these contacts, in the order above."""
    return [f for check in CHECKS if (f := check(cs, ctx, policy)) is not None]
