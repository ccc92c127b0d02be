"""The highest score a source could reach, from the profile the store aggregated.

Building the queue reads contact rows only for sources whose ceiling reaches the policy
threshold (or who are juvenile or vulnerable and so always escalate). Each indicator
counts towards the ceiling when the profile shows it could fire; every condition here is
implied by the indicator firing in `graph.chis.indicators`, so the ceiling is never below
the real score and skipping a source below it never drops a candidate. A negative weight
(a force marking something as reassuring) adds nothing to a ceiling.

The profile counts person records; entity resolution may hold one person under several,
and the indicators count people (`graph.chis.indicators.SourceContext.people`). What that
can add to a source's score beyond its profile is in its `Merging` (`queue.merging`):
spans are counted between calendar days (UTC), as the indicators count them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from graph.chis.policy import ChisPolicy
from graph.store import SourceProfile


@dataclass(frozen=True)
class Merging:
    """What counting people rather than records could add for one source; each flag is
    implied by the effect, so a ceiling that allows for it stays a ceiling."""

    joined: bool = False  # it reported on two or more records of one person
    new_home: bool = False  # ...on a record whose person lives where that record does not say
    nominal: bool = False  # ...on a record whose person has a ViSOR record
    self_nominal: bool = False  # the person behind it has a ViSOR record under another record


NONE = Merging()
ANY = Merging(True, True, True, True)
"""For a source whose merging is unknown (no entity map given): allow for all of it."""


def _day(text: str) -> date:
    return datetime.fromisoformat(text).astimezone(UTC).date()


def possible(p: SourceProfile, policy: ChisPolicy, merging: Merging = NONE) -> list[str]:
    """The indicators the profile (and, counting people, `merging`) does not rule out."""
    span = (_day(p.last) - _day(p.first)).days
    # both need two subject records (of one person; of two people) and enough reports
    two = p.subjects >= 2 and p.reports >= policy.same_subject_reports
    joined = merging.joined and two
    rehoused = merging.new_home and two  # a home only another record of a subject says
    could = {
        "repeated_contact": p.reports >= policy.repeat_contacts,
        "sustained_contact": p.reports >= 2 and span >= policy.span_days,
        "accelerating_contact": p.reports >= 4,
        "same_subject": p.most_about_one >= policy.same_subject_reports or joined,
        "same_household": p.household_reports >= policy.same_subject_reports or rehoused,
        "same_address": p.most_at_one_place >= policy.same_place_reports,
        "personal_relationship": p.personal_relationship and p.subjects > 0,
        "through_relationship": p.through_relationship > 0,
        "police_request": p.requests > 0,
        "police_initiated": p.police_initiated > 0,
        "increasing_specificity": p.requests > 0 and p.reports >= 2 and p.subjects > 0,
        "rewarded": p.rewarded > 0,
        "juvenile_or_vulnerable": p.juvenile or p.vulnerable,
        "nominal_reporting": (p.person_is_nominal or merging.self_nominal) and p.subjects > 0,
        "about_nominals": p.about_nominals or (merging.nominal and p.subjects > 0),
    }
    return [name for name, yes in could.items() if yes]


def ceiling(p: SourceProfile, policy: ChisPolicy, merging: Merging = NONE) -> float:
    return sum(max(0.0, policy.weight(name)) for name in possible(p, policy, merging))


def may_qualify(p: SourceProfile, policy: ChisPolicy, merging: Merging = NONE) -> bool:
    """Whether the source's contact rows are worth reading at all."""
    if p.reports < policy.min_contacts:
        return False
    return p.juvenile or p.vulnerable or ceiling(p, policy, merging) >= policy.threshold
