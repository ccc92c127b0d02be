"""Force policy for CHIS review: which indicators count, how much, and from when.

No statute sets a number for "repeated", so every threshold and weight is policy, read
from a TOML file (`MOSAIC_CHIS_POLICY`) over the documented defaults below. A force that
writes `[weights] police_initiated = 8` changes only that weight.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

IndicatorName = Literal[
    "repeated_contact",
    "sustained_contact",
    "accelerating_contact",
    "same_subject",
    "same_household",
    "same_address",
    "personal_relationship",
    "through_relationship",
    "police_request",
    "police_initiated",
    "increasing_specificity",
    "rewarded",
    "juvenile_or_vulnerable",
    "nominal_reporting",
    "about_nominals",
]
DEFAULT_WEIGHTS: dict[str, float] = {
    # Volume alone says little (people report what they see); focus says more.
    "repeated_contact": 2.0,  # at least `repeat_contacts` contacts inside one window
    "sustained_contact": 1.0,  # contacts spread over at least `span_days`
    "accelerating_contact": 0.5,  # the gaps between contacts are shrinking
    "same_subject": 8.0,  # repeat reports about the same person: the APP's core concern
    "same_household": 5.0,  # reports about different members of one household
    "same_address": 2.0,  # repeat reports placing events at the same location
    "personal_relationship": 3.0,  # family, partner, ex-partner, neighbour, co-worker
    "through_relationship": 3.0,  # information obtained through that relationship
    "police_request": 4.0,  # police asked them to do or find out something: possible "use"
    "police_initiated": 2.0,  # police approached them (an enquiry), with no request
    "increasing_specificity": 4.0,  # a later report answers an earlier police request
    "rewarded": 4.0,  # a reward or payment is recorded
    "juvenile_or_vulnerable": 10.0,  # always escalates, whatever else fires
    "nominal_reporting": 2.0,  # the source is a ViSOR nominal reporting on another person
    "about_nominals": 2.0,  # the reports are about ViSOR nominals
}
assert tuple(DEFAULT_WEIGHTS) == get_args(IndicatorName)
PERSONAL_RELATIONSHIPS = frozenset(
    {"family", "partner", "ex_partner", "parent_of", "child_of", "neighbour", "co_worker"}
)


class ChisPolicy(BaseModel):
    """Thresholds and weights; every field documented in docs/chis-review.md."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: float = Field(default=10.0, gt=0)
    # "Repeated" is the precondition: fewer contacts than this never make a candidate;
    # a juvenile or vulnerable source who reaches it always does (escalated).
    min_contacts: int = Field(default=2, ge=1)
    window_days: int = Field(default=365, ge=1)
    repeat_contacts: int = Field(default=3, ge=2)
    span_days: int = Field(default=90, ge=1)
    acceleration_ratio: float = Field(default=0.5, gt=0, lt=1)
    same_subject_reports: int = Field(default=2, ge=2)
    same_place_reports: int = Field(default=2, ge=2)
    rereview_days: int = Field(default=180, ge=1)
    weights: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_WEIGHTS))

    def weight(self, indicator: str) -> float:
        return self.weights.get(indicator, DEFAULT_WEIGHTS[indicator])


def load_policy(path: Path | None) -> ChisPolicy:
    """The policy in `path` (TOML) over the defaults; the defaults when no file is set."""
    if path is None:
        return ChisPolicy()
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    weights = DEFAULT_WEIGHTS | data.pop("weights", {})
    unknown = set(weights) - set(DEFAULT_WEIGHTS)
    if unknown:
        raise ValueError(f"{path}: unknown indicator weights: {', '.join(sorted(unknown))}")
    return ChisPolicy(**data, weights=weights)
