"""Markings and intelligence grading carried by every node and edge.

Markings are what the access policy decides on, so they are validated where they are
made: a handling code `C` without its conditions would let restricted material travel
without the instructions that must go with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Classification(StrEnum):
    """Government Security Classification tiers used for public protection material."""

    OFFICIAL = "OFFICIAL"
    OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE"


class Compartment(StrEnum):
    """Need-to-know compartments; everything outside `general` is restricted."""

    GENERAL = "general"
    MEDICAL = "medical"
    CONFIDENTIAL = "confidential"
    SOURCE = "source"
    MANAGEMENT = "management"  # MAPP meeting minutes: for those who manage the case


class Frozen(BaseModel):
    """Base for value objects: immutable, unknown fields rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Grading3x5x2(Frozen):
    """The current national intelligence grading (source, intelligence, handling)."""

    scheme: Literal["3x5x2"] = "3x5x2"
    source_evaluation: Literal["1", "2", "3"]
    intelligence_assessment: Literal["A", "B", "C", "D", "E"]
    handling_code: Literal["P", "C"]
    handling_conditions: str | None = None

    @model_validator(mode="after")
    def _conditions_with_code_c(self) -> Grading3x5x2:
        if self.handling_code == "C" and not (self.handling_conditions or "").strip():
            raise ValueError("handling code C requires handling_conditions")
        return self

    @classmethod
    def parse(cls, code: str, conditions: str | None = None) -> Grading3x5x2:
        """`Grading3x5x2.parse("2BC", "...")`: the three-character form analysts write."""
        if len(code) != 3:
            raise ValueError(f"a 3x5x2 grading is three characters, got {code!r}")
        return cls.model_validate(
            {
                "source_evaluation": code[0],
                "intelligence_assessment": code[1],
                "handling_code": code[2],
                "handling_conditions": conditions,
            }
        )

    @property
    def suspected_false(self) -> bool:
        """E: suspected to be false or malicious; never raises risk on its own."""
        return self.intelligence_assessment == "E"

    @property
    def code(self) -> str:
        return f"{self.source_evaluation}{self.intelligence_assessment}{self.handling_code}"


class Grading5x5x5(Frozen):
    """Legacy grading, stored and shown as recorded and never converted."""

    scheme: Literal["5x5x5"] = "5x5x5"
    source_evaluation: Literal["A", "B", "C", "D", "E"]
    intelligence_assessment: Literal["1", "2", "3", "4", "5"]
    handling_code: Literal["1", "2", "3", "4", "5"]
    handling_conditions: str | None = None

    @property
    def suspected_false(self) -> bool:
        """Legacy 5 means 'suspected to be false'."""
        return self.intelligence_assessment == "5"

    @property
    def code(self) -> str:
        return f"{self.source_evaluation}{self.intelligence_assessment}{self.handling_code}"


Grading = Annotated[Grading3x5x2 | Grading5x5x5, Field(discriminator="scheme")]


class Marking(Frozen):
    """Security marking of one node, edge or restricted block."""

    classification: Classification = Classification.OFFICIAL_SENSITIVE
    compartment: Compartment = Compartment.GENERAL
    handling_code: str | None = None
    handling_conditions: str | None = None

    @model_validator(mode="after")
    def _conditions_with_code_c(self) -> Marking:
        if self.handling_code == "C" and not (self.handling_conditions or "").strip():
            raise ValueError("handling code C requires handling_conditions")
        return self

    @classmethod
    def from_grading(
        cls,
        grading: Grading3x5x2 | Grading5x5x5,
        *,
        classification: Classification = Classification.OFFICIAL_SENSITIVE,
        compartment: Compartment = Compartment.GENERAL,
    ) -> Marking:
        """The marking a report's grading imposes on what is derived from it."""
        return cls(
            classification=classification,
            compartment=compartment,
            handling_code=grading.handling_code,
            handling_conditions=grading.handling_conditions,
        )


HANDLING_CODE_RANK = {"P": 0, "C": 1, "2": 2, "3": 3, "1": 4, "4": 5, "5": 6}
"""Handling codes from the most to the least open: 3x5x2 P (lawful sharing), C (with
conditions); legacy 5x5x5 2 (UK partners too), 3 (foreign law enforcement), 1 (UK law
enforcement only), 4 (the originating agency only), 5 (refer to the originator). An unknown
code counts as the most restrictive. Every role's set of allowed codes is a prefix of this
order (tested), so a claim is visible under the combined code exactly when every one of
its supports is."""


def strictest_code(codes: Iterable[str | None]) -> str | None:
    """The most restrictive of several handling codes (None: no code at all)."""
    present = [c for c in codes if c]
    unknown = len(HANDLING_CODE_RANK)
    return max(present, key=lambda c: HANDLING_CODE_RANK.get(c, unknown)) if present else None
