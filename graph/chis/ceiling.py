"""The highest score a source could reach, from the profile the store aggregated.

Building the queue reads contact rows only for sources whose ceiling reaches the policy
threshold (or who are juvenile or vulnerable and so always escalate). Each indicator
counts towards the ceiling when the profile shows it could fire; every condition here is
implied by the indicator firing in `graph.chis.indicators`, so the ceiling is never below
the real score and skipping a source below it never drops a candidate. A negative weight
(a force marking something as reassuring) adds nothing to a ceiling.
"""

from __future__ import annotations

from datetime import datetime

from graph.chis.policy import ChisPolicy
from graph.store import SourceProfile


def possible(p: SourceProfile, policy: ChisPolicy) -> list[str]:
    """The indicators the profile does not rule out."""
    span = (datetime.fromisoformat(p.last) - datetime.fromisoformat(p.first)).days
    could = {
        "repeated_contact": p.reports >= policy.repeat_contacts,
        "sustained_contact": p.reports >= 2 and span >= policy.span_days,
        "accelerating_contact": p.reports >= 4,
        "same_subject": p.most_about_one >= policy.same_subject_reports,
        "same_household": p.household_reports >= policy.same_subject_reports,
        "same_address": p.most_at_one_place >= policy.same_place_reports,
        "personal_relationship": p.personal_relationship and p.subjects > 0,
        "through_relationship": p.through_relationship > 0,
        "police_request": p.requests > 0,
        "police_initiated": p.police_initiated > 0,
        "increasing_specificity": p.requests > 0 and p.reports >= 2 and p.subjects > 0,
        "rewarded": p.rewarded > 0,
        "juvenile_or_vulnerable": p.juvenile or p.vulnerable,
        "nominal_reporting": p.person_is_nominal and p.subjects > 0,
        "about_nominals": p.about_nominals,
    }
    return [name for name, yes in could.items() if yes]


def ceiling(p: SourceProfile, policy: ChisPolicy) -> float:
    return sum(max(0.0, policy.weight(name)) for name in possible(p, policy))


def may_qualify(p: SourceProfile, policy: ChisPolicy) -> bool:
    """Whether the source's contact rows are worth reading at all."""
    if p.reports < policy.min_contacts:
        return False
    return p.juvenile or p.vulnerable or ceiling(p, policy) >= policy.threshold
