"""The domain model refuses what the APP's rules forbid, with a reason a person can act on."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from graph.edges import AssociationType, EdgeKind, Support
from graph.markings import Grading3x5x2, Grading5x5x5, Marking
from graph.nodes import Name, NominalType, Visor
from tests.factories import edge, grade, legacy


def test_handling_code_c_requires_conditions() -> None:
    with pytest.raises(ValidationError, match="handling code C requires handling_conditions"):
        Grading3x5x2.parse("2BC")
    with pytest.raises(ValidationError, match="handling code C requires"):
        Marking(handling_code="C", handling_conditions="  ")
    assert Grading3x5x2.parse("2BC", "no disclosure to subject").code == "2BC"


@pytest.mark.parametrize("code", ["4BP", "2FP", "2BX", "2B"])
def test_bad_3x5x2_codes_are_refused(code: str) -> None:
    with pytest.raises(ValidationError if len(code) == 3 else ValueError):
        Grading3x5x2.parse(code)


def test_legacy_grading_kept_as_recorded() -> None:
    g = legacy("B25")
    assert isinstance(g, Grading5x5x5) and g.code == "B25" and not g.suspected_false
    assert legacy("C51").suspected_false


def test_mappa_consistency() -> None:
    with pytest.raises(ValidationError, match="RSO must be MAPPA category 1"):
        Visor(ref="V", nominal_type=NominalType.RSO, mappa_category=2)
    with pytest.raises(ValidationError, match="PDP is not managed under MAPPA"):
        Visor(ref="V", nominal_type=NominalType.PDP, mappa_category=3)
    assert Visor(ref="V", nominal_type=NominalType.PDP).mappa_category is None


def test_names_need_a_part() -> None:
    with pytest.raises(ValidationError, match="given or a family"):
        Name(given=" ", family="")


def test_edge_rules() -> None:
    with pytest.raises(ValidationError, match="association_type is required"):
        edge("X", EdgeKind.ASSOCIATED_WITH, "a", "b")
    with pytest.raises(ValidationError, match="association_type is required"):
        edge("X", EdgeKind.RESIDES_AT, "a", "b", assoc=AssociationType.FRIEND)
    with pytest.raises(ValidationError, match="two different nodes"):
        edge("X", EdgeKind.ASSOCIATED_WITH, "a", "a", assoc=AssociationType.FRIEND)
    with pytest.raises(ValidationError, match="first_seen is after last_seen"):
        edge("X", EdgeKind.RESIDES_AT, "a", "b", first=date(2026, 2, 1), last=date(2026, 1, 1))
    with pytest.raises(ValidationError, match="report_id or a source_system"):
        Support()


def test_suspected_false_only_and_best_grades() -> None:
    e_only = edge(
        "X",
        EdgeKind.ASSOCIATED_WITH,
        "a",
        "b",
        assoc=AssociationType.ASSOCIATE,
        supports=[
            Support(report_id="R1", grading=grade("3EP")),
            Support(report_id="R2", grading=grade("2EP")),
        ],
    )
    assert e_only.suspected_false_only and e_only.best_source_evaluation == "2"
    mixed = e_only.model_copy(
        update={
            "provenance": e_only.provenance.model_copy(
                update={
                    "supports": [
                        *e_only.provenance.supports,
                        Support(report_id="R3", grading=grade("3BP")),
                    ]
                }
            )
        }
    )
    assert not mixed.suspected_false_only and mixed.best_intelligence_assessment == "B"
    assert mixed.report_ids == ["R1", "R2", "R3"]
    structured = edge("Y", EdgeKind.RESIDES_AT, "a", "b")
    assert not structured.suspected_false_only and structured.best_source_evaluation is None
