"""Review groups and their periods (configurable; defaults documented in docs/retention.md).

Following the MoPI review groups the APP refers to: material about ViSOR nominals is
"certain public protection matters" (group 1: about any record of a person who has a
ViSOR record, `graph.retention.service`), material recording sexual, violent or other
risk indicators is group 2, and the rest group 3. A record's review date is its own date
(a report's received time; a nominal's ViSOR next review date when set) or its last
review, plus its group's period.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from graph.nodes import Report


class ReviewGroup(StrEnum):
    PUBLIC_PROTECTION = "public_protection"  # MoPI group 1: about ViSOR nominals
    SERIOUS = "serious"  # group 2: risk indicators recorded
    OTHER = "other"  # group 3


class RetentionPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    periods_days: dict[ReviewGroup, int] = Field(
        default_factory=lambda: {
            ReviewGroup.PUBLIC_PROTECTION: 3650,
            ReviewGroup.SERIOUS: 3650,
            ReviewGroup.OTHER: 2190,
        }
    )

    def period(self, group: ReviewGroup) -> timedelta:
        return timedelta(days=self.periods_days.get(group, 2190))

    @property
    def shortest(self) -> timedelta:
        return min(self.period(g) for g in ReviewGroup)


def policy_from(periods_days: Mapping[str, int]) -> RetentionPolicy:
    """The policy configured as `MOSAIC_REVIEW_PERIODS_DAYS` (group name -> days), for
    every caller that works out a review date (the API's reviews and subject access, the
    CLI's pack): one reading of the setting, so they all agree."""
    return RetentionPolicy(periods_days={ReviewGroup(k): v for k, v in periods_days.items()})


def report_group(report: Report, about_nominal: bool) -> ReviewGroup:
    if about_nominal:
        return ReviewGroup.PUBLIC_PROTECTION
    if report.risk_indicators:
        return ReviewGroup.SERIOUS
    return ReviewGroup.OTHER


def first_due(received_at: datetime, group: ReviewGroup, policy: RetentionPolicy) -> date:
    return (received_at + policy.period(group)).date()
