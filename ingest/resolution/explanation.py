"""Explain a comparison: every field as a feature an analyst can read.

A `Feature` is one field's reading: the raw similarity it was read from (None when not
comparable: a missing field is never a disagreement), its weight in bits and a short
note ('given names agree as nicknames (Bill ~ William)', 'DOB day and month
transposed'). A `Comparison` is the score with every feature; `explain()` prints it.
The levels come from `comparison`, so an explanation always adds up to the score the
fast path decided on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rapidfuzz.distance import Levenshtein

from ingest.resolution.comparison import (
    ADDRESS,
    BITS,
    DEFAULT_CONTEXT,
    DOB,
    FAMILY,
    FAMILY_AGREES,
    GENDER,
    GIVEN,
    GIVEN_AGREES,
    ORDER,
    PNC,
    SWAP_BITS,
    Context,
    NameReading,
    PlaceReading,
    dob_level,
    gender_level,
    household_level,
    pnc_level,
    read_names,
    read_place,
    twin_pattern,
    years_apart,
)
from ingest.resolution.frequencies import NameFrequencies
from ingest.resolution.normalise import PreparedName, PreparedPerson, prepare_person
from ingest.resolution.records import PersonFacts
from ingest.resolution.weights import PRIOR_BITS, probability


@dataclass(frozen=True, slots=True)
class Feature:
    """One field's contribution: `weight` is in bits of log-likelihood ratio (+ for one
    person, - against); `similarity` the raw measure read (None: not comparable)."""

    name: str
    similarity: float | None
    weight: float
    note: str


@dataclass(frozen=True, slots=True)
class Comparison:
    """Why a pair scored as it did. `score` = P(same person); `bits` its log2 odds."""

    score: float
    bits: float
    features: tuple[Feature, ...]
    prior: float = PRIOR_BITS

    def feature(self, name: str) -> Feature | None:
        return next((f for f in self.features if f.name == name), None)

    def explain(self) -> str:
        lines = [f"score {self.score:.3f} ({self.bits:+.1f} bits, prior {self.prior:+.1f})"]
        lines += [f"  {f.weight:+6.1f}  {f.name}: {f.note}" for f in self.features]
        return "\n".join(lines)


def compare_prepared(
    a: PreparedPerson, b: PreparedPerson, ctx: Context = DEFAULT_CONTEXT
) -> Comparison:
    """The full, explained comparison of two prepared records."""
    features: list[Feature] = []
    names = read_names(a, b, ctx)
    features += _name_features(names, ctx.names)
    family_agrees = names is not None and names.family in FAMILY_AGREES
    given_agrees = names is not None and names.given in GIVEN_AGREES
    place = read_place(a, b)
    dob = dob_level(a, b, twin_pattern(family_agrees, place.level, given_agrees))
    features.append(_dob_feature(a.dob, b.dob, dob))
    gender = gender_level(a, b)
    features.append(_gender_feature(a.gender, b.gender, gender))
    pnc = pnc_level(a, b)
    features.append(_pnc_feature(a.pnc, b.pnc, pnc))
    features.append(_place_feature(place, family_agrees))
    total = ctx.prior + sum(f.weight for f in features)
    return Comparison(probability(total), total, tuple(features), ctx.prior)


def compare(a: PersonFacts, b: PersonFacts) -> Comparison:
    """Compare two person records; see `Comparison.explain()` for the reasons."""
    return compare_prepared(prepare_person(a), prepare_person(b))


# --- notes -------------------------------------------------------------------------------


_GIVEN_NOTES = {
    "exact": "given names agree ({a})",
    "exact_middle": "forenames agree, middle names differ ({a} ~ {b})",
    "nickname": "given names agree as nicknames ({a} ~ {b})",
    "similar": "given names similar, likely a typo or variant ({a} ~ {b})",
    "nickname_typo": "given names agree as a nickname with a typo ({a} ~ {b})",
    "two_slips": "given names two slips apart, a typo in each? ({a} ~ {b})",
    "middle": "a given name matches a middle name ({a} ~ {b})",
    "initial": "initial agrees ({a} ~ {b})",
    "initial_differs": "initial differs ({a} vs {b})",
    "differs": "given names differ ({a} vs {b})",
}
_FAMILY_NOTES = {
    "exact": "family names agree ({a})",
    "part": "family name is part of a double-barrelled name ({a} ~ {b})",
    "similar": "family names similar, likely a typo or variant ({a} ~ {b})",
    "phonetic": "family names sound alike ({a} ~ {b})",
    "two_slips": "family names two slips apart, a typo in each? ({a} ~ {b})",
    "differs": "family names differ ({a} vs {b})",
}
_DOB_NOTES = {
    "exact": "DOB agrees ({x})",
    "exact_household": "DOB agrees ({x}); counted lower because family name and address "
    "agree and the forenames do not, as for twins",
    "transposed": "DOB day and month transposed ({x} ~ {y})",
    "year_off_by_one": "DOB year off by one ({x} ~ {y})",
    "one_digit": "DOB differs by one digit or two adjacent digits swapped ({x} ~ {y})",
    "same_month": "DOB same year and month, day differs ({x} vs {y})",
    "near": "DOBs differ ({x} vs {y}, {years:.1f} years apart)",
    "apart": "DOBs {years:.0f} years apart ({x} vs {y})",
    "far": "DOBs {years:.0f} years apart ({x} vs {y}): a generation, as parent and child",
}
_PNC_NOTES = {
    "agrees": "same PNC id ({x})",
    "one_char": "PNC ids differ by one character ({x} ~ {y}), maybe mis-keyed: neutral",
    "differs": "different PNC ids ({x} vs {y}): different people unless PNC is wrong",
}
_PLACE_NOTES = {
    "same_address": "same address ({line}, {postcode})",
    "postcode_only": "same postcode ({postcode}); house not known on both records",
    "same_postcode": "same postcode ({postcode}), different address lines ({line} vs {other})",
    "same_address_line": "same address line ({line} ~ {other}), a postcode missing",
    "line_postcode_differs": "same address line ({line} ~ {other}), postcodes differ",
    "same_street": "same street, house number on one record only ({line} ~ {other})",
    "same_sector": "same postcode sector ({postcode}), different addresses",
    "differs": "no address in common (people move: weak evidence against)",
}
_HOUSEHOLD_NOTE = "; counted lower because family names agree and relatives share addresses"


def _name_features(names: NameReading | None, freq: NameFrequencies | None) -> list[Feature]:
    if names is None:
        return [
            Feature(GIVEN, None, 0.0, "a name missing on one record: not compared"),
            Feature(FAMILY, None, 0.0, "a name missing on one record: not compared"),
        ]
    a, b = (names.right, names.left) if names.flipped else (names.left, names.right)
    given_note = names.given
    if given_note == "exact" and a.given != b.given:
        given_note = "exact_middle"
    features = [
        _level_feature(
            GIVEN, names.given, names.given_sim, _GIVEN_NOTES.get(given_note or ""), a, b, True
        ),
        _level_feature(
            FAMILY,
            names.family,
            names.family_sim,
            _FAMILY_NOTES.get(names.family or ""),
            a,
            b,
            False,
        ),
    ]
    if freq is not None and names.given == "exact" and names.family == "exact":
        features = _full_name_features(features, names.left, freq)
    if names.swapped:
        note = f"given and family names swapped ({names.a_name.display} ~ {names.b_name.display})"
        features.append(Feature(ORDER, None, SWAP_BITS, note))
    return features


def _full_name_features(
    features: list[Feature], name: PreparedName, freq: NameFrequencies
) -> list[Feature]:
    """Both parts agree exactly: the full name's own frequency sets their joint weight,
    shared between the two features in the default proportions."""
    total = freq.bits(name.full_key)
    given, family = features
    share = given.weight / (given.weight + family.weight)
    # The count of the name only: the total changes with every record loaded, and a
    # pair's explanation must not (it would differ between incremental and full runs).
    held = f"; the name is held by {freq.count(name.full_key):,} records"
    return [
        Feature(given.name, given.similarity, total * share, given.note),
        Feature(family.name, family.similarity, total * (1 - share), family.note + held),
    ]


def _level_feature(
    name: str,
    level: str | None,
    sim: float | None,
    template: str | None,
    a: PreparedName,
    b: PreparedName,
    given: bool,
) -> Feature:
    if level is None or template is None:
        what = "given name" if given else "family name"
        return Feature(name, None, 0.0, f"{what} missing on one record: not compared")
    if given:
        note = template.format(a=a.raw_given.strip(), b=b.raw_given.strip())
    else:
        note = template.format(a=a.raw_family.strip(), b=b.raw_family.strip())
    return Feature(name, sim, BITS[name][level], note)


def _dob_feature(x: date | None, y: date | None, level: str | None) -> Feature:
    if level is None or x is None or y is None:
        return Feature(DOB, None, 0.0, "DOB missing on one record: not compared")
    years = years_apart(x, y)
    note = _DOB_NOTES[level].format(x=x, y=y, years=years)
    return Feature(DOB, max(0.0, 1.0 - years / 20.0), BITS[DOB][level], note)


def _gender_feature(x: str | None, y: str | None, level: str | None) -> Feature:
    if level is None:
        why = "gender X on one record" if "X" in (x, y) else "gender missing on one record"
        return Feature(GENDER, None, 0.0, f"{why}: not compared")
    if level == "agrees":
        return Feature(GENDER, 1.0, BITS[GENDER][level], f"gender agrees ({x})")
    return Feature(GENDER, 0.0, BITS[GENDER][level], f"gender differs ({x} vs {y})")


def _pnc_feature(x: str, y: str, level: str | None) -> Feature:
    if level is None:
        return Feature(PNC, None, 0.0, "PNC id missing on one record: not compared")
    sim = 1.0 if level == "agrees" else Levenshtein.normalized_similarity(x, y)
    return Feature(PNC, sim, BITS[PNC][level], _PNC_NOTES[level].format(x=x, y=y))


def _place_feature(place: PlaceReading, family_agrees: bool) -> Feature:
    if place.level is None:
        return Feature(ADDRESS, None, 0.0, "address missing on one record: not compared")
    line = place.lines[0].raw if place.lines else ""
    other = place.lines[1].raw if place.lines else ""
    note = _PLACE_NOTES[place.level].format(line=line, other=other, postcode=place.postcode)
    level = household_level(place.level, family_agrees)
    if level != place.level:
        note += _HOUSEHOLD_NOTE
    return Feature(ADDRESS, place.similarity, BITS[ADDRESS][level], note)
