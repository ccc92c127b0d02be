"""Sharing decisions and disclosures: every question the APP asks before public protection
information about a nominal is shared, the MAPPA principles, and who may decide.

A decision answers all twelve questions (why share; an information sharing agreement;
how sharing reduces risk; a less intrusive alternative; the legal basis; the risk of
violence or disorder; whether the offender could be driven underground; the effect on
victims, on the offender's family and on their ability to live a normal life; exactly what
is shared and with whom; whether the offender was consulted) and attests the five MAPPA
principles (lawful, necessary, proportionate, secure, accountable) before anything is
shared. The decision maker follows the nominal's MAPPA management: a category 1 offender
at level 1 needs a superintendent or a recorded delegation; levels 2 and 3 need the MAPP
meeting chair with the minute reference. `problems` names everything missing or wrong, so
the caller can fix all of it at once. Who decided also bounds what a decision covers: once
the nominal is at level 2 or 3, only the chair's does (`graph.sharing.store`).

The API takes one body per case (`SharingDecisionRequest`: to share or not, under an
agreement or not, by which kind of decision maker), whose schema states every rule that does
not depend on the nominal's record; `problems` enforces the same rules for every caller, and
those that do (who decides at the nominal's MAPPA category and level) only it can.

A disclosure records what was then shared: when, the content, the recipient (one of those
the decision named), the purpose, what the recipient already knew, and what they were told
to do and not to do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from graph.nodes import Person

TEXT = Field(default="", max_length=4000)


SAYS_SOMETHING = r"[^\s\x1c-\x1f\x85]"
r"""A character that is not blank for Python's `str.strip` under either regex dialect:
JSON Schema patterns are ECMA-262, whose `\s` leaves out five characters Python strips
(the information separators U+001C-U+001F and NEL, U+0085)."""


def said(max_length: int, description: str | None = None) -> Any:
    """A required text that says something. The schema states the rule (a character
    `str.strip` keeps) so clients know it and a body the schema accepts is not refused for
    it; the code behind each body (here a validator or `problems`; the review, scheme and
    notification stores) enforces it with a message that names the blank field."""
    return Field(
        min_length=1,
        max_length=max_length,
        description=description,
        json_schema_extra={"pattern": SAYS_SOMETHING},
    )


class SharingOutcome(StrEnum):
    SHARE = "share"
    SHARE_LIMITED = "share_limited"
    DO_NOT_SHARE = "do_not_share"


class DeciderRole(StrEnum):
    SUPERINTENDENT = "superintendent"
    DELEGATE = "delegate"  # acting for a superintendent under a recorded delegation
    MAPP_CHAIR = "mapp_chair"
    OTHER = "other"  # e.g. an inspector, where MAPPA does not require a higher rank


class Answers(BaseModel):
    """The APP's questions, in its order. Free text must say something."""

    model_config = ConfigDict(extra="forbid")

    why_share: str = TEXT
    isa_in_place: bool | None = None
    isa_reference: str | None = Field(default=None, max_length=200)
    how_sharing_reduces_risk: str = TEXT
    less_intrusive_alternative: str = TEXT
    legal_basis: str = TEXT
    risk_of_violence_or_disorder: str = TEXT
    risk_driven_underground: str = TEXT
    effect_on_victims: str = TEXT
    effect_on_family: str = TEXT
    effect_on_normal_life: str = TEXT
    what_is_shared: str = TEXT
    with_whom: list[str] = Field(default_factory=list, max_length=50)
    offender_consulted: bool | None = None
    consultation_note: str = TEXT  # what they said, or why they were not consulted


class Principles(BaseModel):
    """The five MAPPA principles, each attested by the decision maker."""

    model_config = ConfigDict(extra="forbid")

    lawful: bool = False
    necessary: bool = False
    proportionate: bool = False
    secure: bool = False
    accountable: bool = False


class DecisionMaker(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=200)
    role: DeciderRole = DeciderRole.OTHER
    delegation_ref: str | None = Field(default=None, max_length=200)
    minute_ref: str | None = Field(default=None, max_length=200)


class SharingDecisionIn(BaseModel):
    """A decision's content, as the log keeps it and `SharingStore.decide` checks it
    (`problems`). The API's request body is the stricter `SharingDecisionRequest`."""

    model_config = ConfigDict(extra="forbid")

    nominal_id: str = Field(min_length=1, max_length=200)
    outcome: SharingOutcome
    answers: Answers
    principles: Principles = Field(default_factory=Principles)
    decision_maker: DecisionMaker
    rationale: str = TEXT


class SharingDecision(SharingDecisionIn):
    """A recorded decision (append-only)."""

    seq: int
    recorded_by: str
    recorded_at: datetime
    mappa_category: int | None
    mappa_level: int | None


# -- the request body, one shape per case ----------------------------------------------------


class _Questions(BaseModel):
    """The APP's questions every decision answers, whatever its outcome."""

    model_config = ConfigDict(extra="forbid")

    why_share: str = said(4000)
    how_sharing_reduces_risk: str = said(4000)
    less_intrusive_alternative: str = said(4000)
    legal_basis: str = said(4000)
    risk_of_violence_or_disorder: str = said(4000)
    risk_driven_underground: str = said(4000)
    effect_on_victims: str = said(4000)
    effect_on_family: str = said(4000)
    effect_on_normal_life: str = said(4000)
    what_is_shared: str = said(4000)
    offender_consulted: bool
    consultation_note: str = said(4000, "What they said, or why they were not consulted.")


class _UnderAgreement(BaseModel):
    isa_in_place: Literal[True] = Field(description="An information sharing agreement is in place.")
    isa_reference: str = said(200, "The agreement's reference.")


class _NoAgreement(BaseModel):
    isa_in_place: Literal[False] = Field(description="No information sharing agreement.")
    isa_reference: str | None = Field(default=None, max_length=200)


class _Recipients(BaseModel):
    with_whom: list[str] = Field(
        min_length=1,
        max_length=50,
        description="Who it is shared with: at least one name that says something.",
        json_schema_extra={"contains": {"type": "string", "pattern": SAYS_SOMETHING}},
    )


class _Refused(BaseModel):
    with_whom: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Who it is not to be shared with; none named: not with anyone.",
    )


class ToShareUnderAgreement(_Recipients, _UnderAgreement, _Questions):
    """Answers to a decision to share, under an information sharing agreement."""


class ToShareWithoutAgreement(_Recipients, _NoAgreement, _Questions):
    """Answers to a decision to share, with no information sharing agreement."""


class NotToShareUnderAgreement(_Refused, _UnderAgreement, _Questions):
    """Answers to a decision not to share, under an information sharing agreement."""


class NotToShareWithoutAgreement(_Refused, _NoAgreement, _Questions):
    """Answers to a decision not to share, with no information sharing agreement."""


def _agreement(value: Any) -> str | None:
    """The answers' case: whether an agreement is in place (None: not said, refused)."""
    given = (
        value.get("isa_in_place")
        if isinstance(value, dict)
        else getattr(value, "isa_in_place", None)
    )
    return (
        {True: "agreement", False: "no_agreement"}.get(given) if isinstance(given, bool) else None
    )


AGREEMENT = Discriminator(
    _agreement,
    custom_error_type="isa_in_place",
    custom_error_message="answers.isa_in_place is required: true or false (is an information "
    "sharing agreement in place?)",
)
ShareAnswers = Annotated[
    Annotated[ToShareUnderAgreement, Tag("agreement")]
    | Annotated[ToShareWithoutAgreement, Tag("no_agreement")],
    AGREEMENT,
]
RefusalAnswers = Annotated[
    Annotated[NotToShareUnderAgreement, Tag("agreement")]
    | Annotated[NotToShareWithoutAgreement, Tag("no_agreement")],
    AGREEMENT,
]


class AttestedPrinciples(BaseModel):
    """The five MAPPA principles, each attested before anything is shared."""

    model_config = ConfigDict(extra="forbid")

    lawful: Literal[True]
    necessary: Literal[True]
    proportionate: Literal[True]
    secure: Literal[True]
    accountable: Literal[True]


class _Maker(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = said(200, "Who decided.")
    delegation_ref: str | None = Field(default=None, max_length=200)
    minute_ref: str | None = Field(default=None, max_length=200)


class Superintendent(_Maker):
    role: Literal[DeciderRole.SUPERINTENDENT]


class Delegate(_Maker):
    """Acting for a superintendent under a recorded delegation."""

    role: Literal[DeciderRole.DELEGATE]
    delegation_ref: str = said(200, "The recorded delegation.")


class MappChair(_Maker):
    """The MAPP meeting chair, deciding at the meeting."""

    role: Literal[DeciderRole.MAPP_CHAIR]
    minute_ref: str = said(200, "The MAPP meeting minute.")


class OtherOfficer(_Maker):
    """Any other named officer (where MAPPA does not require a higher rank)."""

    role: Literal[DeciderRole.OTHER] = DeciderRole.OTHER


def case_of(field: str, default: str) -> Callable[[Any], Any]:
    """A discriminator for a body with one shape per case: the case is `field` (`default`
    when left out, as before the field was asked for), from raw input or a built model."""

    def case(value: Any) -> Any:
        if isinstance(value, dict):
            return value.get(field, default)
        return getattr(value, field, None)

    return case


DeciderIn = Annotated[
    Annotated[Superintendent, Tag(DeciderRole.SUPERINTENDENT.value)]
    | Annotated[Delegate, Tag(DeciderRole.DELEGATE.value)]
    | Annotated[MappChair, Tag(DeciderRole.MAPP_CHAIR.value)]
    | Annotated[OtherOfficer, Tag(DeciderRole.OTHER.value)],
    Discriminator(case_of("role", DeciderRole.OTHER.value)),
]
"""Who decided, one shape per role: each with the reference that role decides under. Whether
the role may decide for this nominal follows its record (`problems`)."""


class _Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nominal_id: str = Field(min_length=1, max_length=200)
    decision_maker: DeciderIn
    rationale: str = said(4000)

    def content(self) -> SharingDecisionIn:
        """The decision as the log keeps it."""
        return SharingDecisionIn.model_validate(self.model_dump())


class DecisionToShare(_Decision):
    """To share, in full or limited: with whom, and the five principles attested."""

    outcome: Literal[SharingOutcome.SHARE, SharingOutcome.SHARE_LIMITED]
    answers: ShareAnswers
    principles: AttestedPrinciples


class DecisionNotToShare(_Decision):
    """Not to share: with those named (none named: not with anyone)."""

    outcome: Literal[SharingOutcome.DO_NOT_SHARE]
    answers: RefusalAnswers
    principles: Principles = Field(default_factory=Principles)


SharingDecisionRequest = Annotated[
    DecisionToShare | DecisionNotToShare, Field(discriminator="outcome")
]
"""`POST /sharing-decisions`: one body per outcome, each with its own answers per agreement
and decision maker per role, so that a body the schema accepts is refused only for what the
nominal's record decides (`problems`)."""


class DisclosureIn(BaseModel):
    """What was shared under a decision (`POST /sharing-decisions/{seq}/disclosures`)."""

    model_config = ConfigDict(extra="forbid")

    shared_at: AwareDatetime = Field(
        description=(
            "When it was shared: not in the future, and not before the decision it rests on "
            "was recorded (a refusal recorded after it does not withdraw its cover)."
        )
    )
    content: str = said(8000)
    recipient: str = said(200)
    purpose: str = said(2000)
    recipient_already_knew: str = said(4000)
    told_to_do: str = said(4000)
    told_not_to_do: str = said(4000)
    mappa_level_when_shared: Literal[1, 2, 3] | None = Field(
        default=None,
        description=(
            "The nominal's MAPPA level when this was shared, stated by whoever records it, "
            "for a disclosure recorded after the case moved level (Mosaic holds only ViSOR's "
            "level now). Cover is then judged at this level; it is kept with the disclosure "
            "and in its audit entry. Left out: ViSOR's level now."
        ),
    )

    @model_validator(mode="after")
    def _says_something(self) -> DisclosureIn:
        """Every text says something: whitespace alone is not an answer."""
        blank = [
            name
            for name in (
                "content",
                "recipient",
                "purpose",
                "recipient_already_knew",
                "told_to_do",
                "told_not_to_do",
            )
            if not getattr(self, name).strip()
        ]
        if blank:
            raise ValueError(f"{', '.join(blank)} must say something")
        return self


class Disclosure(DisclosureIn):
    seq: int
    decision_seq: int
    nominal_id: str
    recorded_by: str
    recorded_at: datetime


FREE_TEXT = (
    "why_share",
    "how_sharing_reduces_risk",
    "less_intrusive_alternative",
    "legal_basis",
    "risk_of_violence_or_disorder",
    "risk_driven_underground",
    "effect_on_victims",
    "effect_on_family",
    "effect_on_normal_life",
    "what_is_shared",
    "consultation_note",
)


def required_decider(category: int | None, level: int | None) -> str | None:
    """Who must decide for this MAPPA management, in words (None: any named officer)."""
    if level in (2, 3):
        return f"the MAPP meeting chair (level {level}), with the minute reference"
    if category == 1 and level in (1, None):
        return "a superintendent, or a delegate with the delegation recorded (category 1, level 1)"
    return None


def problems(decision: SharingDecisionIn, nominal: Person) -> list[str]:
    """Every missing answer and every rule broken, named; empty when the decision stands."""
    found: list[str] = []
    a = decision.answers
    for name in FREE_TEXT:
        if not getattr(a, name).strip():
            found.append(f"answers.{name} is required")
    if a.isa_in_place is None:
        found.append(
            "answers.isa_in_place is required (is an information sharing agreement in place?)"
        )
    elif a.isa_in_place and not (a.isa_reference or "").strip():
        found.append("answers.isa_reference is required when an agreement is in place")
    if a.offender_consulted is None:
        found.append("answers.offender_consulted is required (was the offender consulted?)")
    sharing = decision.outcome is not SharingOutcome.DO_NOT_SHARE
    recipients = [w for w in a.with_whom if w.strip()]
    if sharing and not recipients:
        found.append("answers.with_whom must name who the information is shared with")
    if sharing:
        missing = [p for p, ok in decision.principles.model_dump().items() if not ok]
        found += [f"principles.{p} must be attested before sharing" for p in missing]
    if not decision.rationale.strip():
        found.append("rationale is required")
    found += _decider_problems(decision.decision_maker, nominal)
    return found


def _decider_problems(maker: DecisionMaker, nominal: Person) -> list[str]:
    """The decision maker's own rules (a name, and the reference their role decides under:
    `DeciderIn` states them), then whether that role decides for this nominal, which only
    the nominal's ViSOR record tells."""
    out = []
    if not maker.name.strip():
        out.append("decision_maker.name is required")
    if maker.role is DeciderRole.MAPP_CHAIR and not (maker.minute_ref or "").strip():
        out.append("decision_maker.minute_ref is required from the MAPP meeting chair")
    if maker.role is DeciderRole.DELEGATE and not (maker.delegation_ref or "").strip():
        out.append("decision_maker.delegation_ref is required for a delegate")
    visor = nominal.visor
    category = visor.mappa_category if visor else None
    level = visor.mappa_level if visor else None
    if level in (2, 3):
        if maker.role is not DeciderRole.MAPP_CHAIR:
            out.append(
                f"decision_maker.role must be mapp_chair: {nominal.id} is managed at MAPPA "
                f"level {level}"
            )
    elif category == 1 and maker.role not in (DeciderRole.SUPERINTENDENT, DeciderRole.DELEGATE):
        out.append(
            f"decision_maker.role must be superintendent (or delegate with a recorded "
            f"delegation): {nominal.id} is a category 1 offender at level 1"
        )
    return out
