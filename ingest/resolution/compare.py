"""Compare two person records (or a mention and a record) field by field, explainably.

Each field is read into an agreement level (see `weights` for the levels, their m/u
guesses and the bits they carry); the score is the posterior probability that the two
records are one person. Every field appears in `Comparison.features` with the raw
similarity it was read from (None when not comparable: a missing field is never counted
as a disagreement), its weight in bits and a note an analyst can read.

Two entry points share one reading of the fields: `score_bits` is the fast path (no
notes, and it stops early once the remaining fields cannot lift a pair over a floor),
`compare_prepared` builds the full explanation for the pairs that matter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein

from ingest.resolution.frequencies import NameFrequencies
from ingest.resolution.nicknames import name_groups, nickname_variants
from ingest.resolution.normalise import (
    PreparedAddress,
    PreparedName,
    PreparedPerson,
    prepare_person,
)
from ingest.resolution.records import PersonFacts
from ingest.resolution.weights import LEVELS, PRIOR_BITS, probability

GIVEN = "given name"
FAMILY = "family name"
ORDER = "name order"
DOB = "date of birth"
GENDER = "gender"
PNC = "PNC id"
ADDRESS = "address"

_B: dict[str, dict[str, float]] = {
    f: {lv: level.bits for lv, level in levels.items()} for f, levels in LEVELS.items()
}
_MAX: dict[str, float] = {f: max(0.0, *b.values()) for f, b in _B.items()}
_SWAP = _B[ORDER]["swapped"]
_NAME_MAX = _MAX[GIVEN] + _MAX[FAMILY]
_GENDER_AGREES = _B[GENDER]["agrees"]
_GENDER_DIFFERS = _B[GENDER]["differs"]
_FAMILY_AGREES = frozenset({"exact", "part", "similar"})
_GIVEN_AGREES = frozenset({"exact", "nickname", "similar", "nickname_typo"})
_ADDRESS_AGREES = frozenset({"same_address", "postcode_only", "same_postcode", "same_address_line"})
_SAME_LINE = 0.85  # token-set similarity for two address lines to be one address
_SAME_LINE_NO_POSTCODE = 0.92  # stricter when the postcodes do not vouch for it


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


@dataclass(frozen=True, slots=True)
class Context:
    """What a comparison needs from the population it is made in: the prior for its
    size and how common each full name is (None: the default u for every name)."""

    prior: float = PRIOR_BITS
    names: NameFrequencies | None = None

    @property
    def name_max(self) -> float:
        return _NAME_MAX if self.names is None else max(_NAME_MAX, self.names.max_bits())


DEFAULT_CONTEXT = Context()


def is_typo(x: str, y: str, jaro_winkler: float) -> bool:
    """One slip of the keyboard: an edit (or adjacent swap) in a word of 3+ letters, two
    in a word of 8+, or Jaro-Winkler >= 0.92 (shared start, a letter or two out)."""
    shortest = min(len(x), len(y))
    if shortest >= 3:
        edits = OSA.distance(x, y, score_cutoff=2)
        if edits <= 1 or (edits <= 2 and shortest >= 8):
            return True
    return jaro_winkler >= 0.92


@dataclass(frozen=True, slots=True)
class _Names:
    """The best-agreeing name pair and how it agreed.

    `left` and `right` are the names as compared (one of them turned round when
    `swapped`); `flipped` when `left` is b's, so notes put a's side first.
    """

    left: PreparedName
    right: PreparedName
    a_name: PreparedName
    b_name: PreparedName
    swapped: bool
    flipped: bool
    given: str | None
    given_sim: float | None
    family: str | None
    family_sim: float | None
    bits: float


def is_two_slips(x: str, y: str) -> bool:
    """Two slips apart in words of 5+ letters: one typo in each of two records."""
    return min(len(x), len(y)) >= 5 and OSA.distance(x, y, score_cutoff=2) <= 2


def _token_match(x: str, y: str) -> bool:
    """Two given-name words are one name: equal, nicknames, or one slip apart."""
    if x == y:
        return True
    if len(x) < 2 or len(y) < 2:
        return False
    return not name_groups(x).isdisjoint(name_groups(y)) or is_typo(
        x, y, JaroWinkler.similarity(x, y)
    )


def _nickname_with_typo(a: PreparedName, b: PreparedName) -> bool:
    """'Dave' ~ 'Daviid', 'Jsck' ~ 'John': a nickname of one, one slip from the other."""
    for name, other in ((a, b.first), (b, a.first)):
        for formal in name.groups:
            for variant in nickname_variants(formal):
                if variant != other and is_typo(
                    variant, other, JaroWinkler.similarity(variant, other)
                ):
                    return True
    return False


def _given_level(a: PreparedName, b: PreparedName) -> tuple[str | None, float | None]:
    x, y = a.first, b.first
    if not x or not y:
        return None, None
    if x == y:
        return ("initial" if len(x) == 1 else "exact"), 1.0
    if len(x) == 1 or len(y) == 1:
        return ("initial" if x[0] == y[0] else "initial_differs"), 0.0
    sim = JaroWinkler.similarity(x, y)
    if not a.groups.isdisjoint(b.groups):
        return "nickname", sim
    if is_typo(x, y, sim) or a.first_code == b.first_code:
        return "similar", sim
    if _nickname_with_typo(a, b):
        return "nickname_typo", sim
    if any(_token_match(x, t) for t in b.given[1:]) or any(_token_match(y, t) for t in a.given[1:]):
        return "middle", sim  # one record's forename is the other's middle name
    if is_two_slips(x, y):
        return "two_slips", sim
    return "differs", sim


def _family_level(a: PreparedName, b: PreparedName) -> tuple[str | None, float | None]:
    x, y = a.family, b.family
    if not x or not y:
        return None, None
    if x == y:
        return "exact", 1.0
    sim = JaroWinkler.similarity(x, y)
    ta, tb = set(a.family_tokens), set(b.family_tokens)
    if ta < tb or tb < ta:
        return "part", sim
    if is_typo(x, y, sim):
        return "similar", sim
    if a.family_code == b.family_code:
        return "phonetic", sim
    if is_two_slips(x, y):
        return "two_slips", sim
    return "differs", sim


_PairLevels = tuple[str | None, float | None, str | None, float | None, float]
_PAIR_CACHE: dict[tuple[int, int], _PairLevels] = {}
_PAIR_CACHE_MAX = 1 << 19  # about 100 MB at most; cleared, not evicted, when full


def _pair_levels(left: PreparedName, right: PreparedName) -> _PairLevels:
    """Given and family levels of one name pair, cached (by the names' object ids): the
    same name pairs recur across thousands of comparisons (every John against every Jon)."""
    key = (left.nid, right.nid)
    hit = _PAIR_CACHE.get(key)
    if hit is None:
        g, gs = _given_level(left, right)
        f, fs = _family_level(left, right)
        bits = (_B[GIVEN][g] if g else 0.0) + (_B[FAMILY][f] if f else 0.0)
        hit = (g, gs, f, fs, bits)
        if len(_PAIR_CACHE) >= _PAIR_CACHE_MAX:
            _PAIR_CACHE.clear()
        _PAIR_CACHE[key] = hit
    return hit


def _bits(levels: _PairLevels, left: PreparedName, names: NameFrequencies | None) -> float:
    """A name pair's bits; an exact forename and family name count as the full name's
    own frequency when the population's name counts are known."""
    if names is not None and levels[0] == "exact" and levels[2] == "exact":
        return names.bits(left.full_key)
    return levels[4]


def _best_names(a: PreparedPerson, b: PreparedPerson, ctx: Context) -> _Names | None:
    """The best agreement over every pair of names (aliases included), each pair read
    straight and swapped. The swapped order is read both ways round (the given and
    family comparators differ), so that compare(a, b) == compare(b, a)."""
    best_bits = -math.inf
    best: tuple[PreparedName, PreparedName, PreparedName, PreparedName, bool, bool] | None = None
    best_levels: _PairLevels | None = None
    freq = ctx.names
    for na in a.names:
        for nb in b.names:
            levels = _pair_levels(na, nb)
            bits = _bits(levels, na, freq)
            if bits > best_bits:
                best_bits, best, best_levels = bits, (na, nb, na, nb, False, False), levels
            if levels[4] >= _NAME_MAX:
                continue
            for left, right, flipped in ((na, nb.swapped, False), (nb, na.swapped, True)):
                if right is None:
                    continue
                turned = _pair_levels(left, right)
                bits = _bits(turned, left, freq) + _SWAP
                if bits > best_bits:
                    best_bits = bits
                    best, best_levels = (left, right, na, nb, True, flipped), turned
    if best is None or best_levels is None:
        return None
    left, right, na, nb, swapped, flipped = best
    g, gs, f, fs, _ = best_levels
    return _Names(left, right, na, nb, swapped, flipped, g, gs, f, fs, best_bits)


def _best_name_bits(
    a: PreparedPerson, b: PreparedPerson, freq: NameFrequencies | None
) -> tuple[float, bool, bool]:
    """As `_best_names`, for the fast path: (bits, family names agree, forenames agree)."""
    best: _PairLevels | None = None
    best_bits = -math.inf
    for na in a.names:
        for nb in b.names:
            levels = _pair_levels(na, nb)
            bits = _bits(levels, na, freq)
            if bits > best_bits:
                best_bits, best = bits, levels
            if levels[4] >= _NAME_MAX:
                continue
            for left, right in ((na, nb.swapped), (nb, na.swapped)):
                if right is not None:
                    turned = _pair_levels(left, right)
                    bits = _bits(turned, left, freq) + _SWAP
                    if bits > best_bits:
                        best_bits, best = bits, turned
    if best is None:
        return 0.0, False, False
    return best_bits, best[2] in _FAMILY_AGREES, best[0] in _GIVEN_AGREES


def _dob_level(a: PreparedPerson, b: PreparedPerson, household: bool) -> str | None:
    x, y = a.dob, b.dob
    if x is None or y is None:
        return None
    if x == y:
        return "exact_household" if household else "exact"
    if x.year == y.year and x.month == y.day and x.day == y.month:
        return "transposed"
    if x.month == y.month and x.day == y.day and abs(x.year - y.year) == 1:
        return "year_off_by_one"
    if OSA.distance(a.dob_digits, b.dob_digits, score_cutoff=2) == 1:
        return "one_digit"
    if x.year == y.year and x.month == y.month:
        return "same_month"
    years = _years_apart(x, y)
    if years < 5:
        return "near"
    return "apart" if years < 15 else "far"


def _years_apart(x: date, y: date) -> float:
    return abs((x - y).days) / 365.25


def address_similarity(x: PreparedAddress, y: PreparedAddress) -> float:
    """Token-set similarity of two address lines in [0, 1]; 0 when house numbers clash.

    Token-set lets '14 Mill Lane' match '14 Mill Lane, Exampletown'; two lines sharing
    fewer than two words are scored as whole strings, so a bare town name does not match
    every address in that town.
    """
    if x.text == y.text:
        return 1.0
    if x.numbers and y.numbers and x.numbers.isdisjoint(y.numbers):
        return 0.0
    if len(x.words & y.words) < 2:
        return fuzz.ratio(x.text, y.text) / 100.0
    return fuzz.token_set_ratio(x.text, y.text) / 100.0


_Lines = tuple[PreparedAddress, PreparedAddress]


@dataclass(frozen=True, slots=True)
class _Place:
    level: str | None
    similarity: float | None
    postcode: str
    lines: _Lines | None


def _best_lines(
    a: PreparedPerson, b: PreparedPerson
) -> tuple[float, _Lines | None, float, _Lines | None]:
    """Best whole-address agreement, and best street-only agreement (one line without a
    house number, as in 'Mill Lane' against '14 Mill Lane')."""
    best, lines, street, street_lines = 0.0, None, 0.0, None
    for x in a.addresses:
        for y in b.addresses:
            s = address_similarity(x, y)
            if bool(x.numbers) != bool(y.numbers):
                if s > street or street_lines is None:
                    street, street_lines = s, (x, y)
                s = min(s, 0.5)  # a street is not an address
            if s > best or lines is None:
                best, lines = s, (x, y)
    return best, lines, street, street_lines


def _place(a: PreparedPerson, b: PreparedPerson) -> _Place:
    if not a.has_place or not b.has_place:
        return _Place(None, None, "", None)
    best, lines, street, street_lines = _best_lines(a, b)
    common = a.postcodes & b.postcodes
    if common:
        postcode = min(common)
        if lines is None:
            return _Place("postcode_only", 1.0, postcode, None)
        level = "same_address" if best >= _SAME_LINE else "same_postcode"
        return _Place(level, best, postcode, lines)
    if lines is not None and best >= _SAME_LINE_NO_POSTCODE:
        level = "line_postcode_differs" if a.postcodes and b.postcodes else "same_address_line"
        return _Place(level, best, "", lines)
    if street_lines is not None and street >= _SAME_LINE_NO_POSTCODE:
        return _Place("same_street", street, "", street_lines)
    shared_sector = a.sectors & b.sectors
    if shared_sector:
        return _Place("same_sector", best if lines else 0.0, min(shared_sector), lines)
    if (a.postcodes and b.postcodes) or lines is not None:
        return _Place("differs", best if lines else 0.0, "", lines)
    return _Place(None, None, "", None)


def _gender_level(a: PreparedPerson, b: PreparedPerson) -> str | None:
    x, y = a.gender, b.gender
    if x is None or y is None or x == "X" or y == "X":
        return None
    return "agrees" if x == y else "differs"


def _pnc_level(a: PreparedPerson, b: PreparedPerson) -> str | None:
    if not a.pnc or not b.pnc:
        return None
    if a.pnc == b.pnc:
        return "agrees"
    return "one_char" if Levenshtein.distance(a.pnc, b.pnc, score_cutoff=2) == 1 else "differs"


def score_bits(
    a: PreparedPerson,
    b: PreparedPerson,
    floor: float = -math.inf,
    ctx: Context = DEFAULT_CONTEXT,
) -> float:
    """The pair's log2 odds (prior included), without notes.

    Fields are read cheapest first (PNC, gender, DOB, then names, then addresses); once
    the best the unread fields could add cannot lift the total to `floor`, the (lower)
    partial total is returned instead. The household discount only lowers an exact DOB,
    so reading the DOB undiscounted first keeps every bound an upper bound.
    """
    total = ctx.prior
    if a.pnc and b.pnc:
        total += _B[PNC][_pnc_level(a, b) or "differs"]
    ga, gb = a.gender, b.gender
    if ga is not None and gb is not None and ga != "X" and gb != "X":
        total += _GENDER_AGREES if ga == gb else _GENDER_DIFFERS
    dob = _dob_level(a, b, False) if a.dob is not None and b.dob is not None else None
    if dob is not None:
        total += _B[DOB][dob]
    can_place = a.has_place and b.has_place
    address_max = _MAX[ADDRESS] if can_place else 0.0
    if total + ctx.name_max + address_max < floor:
        return total
    name_bits, family_agrees, given_agrees = _best_name_bits(a, b, ctx.names)
    total += name_bits
    if total + address_max < floor or not can_place:
        return total
    place = _place(a, b)
    if place.level is not None:
        total += _B[ADDRESS][_household(place.level, family_agrees)]
        if dob == "exact" and _twin_pattern(family_agrees, place.level, given_agrees):
            total += _B[DOB]["exact_household"] - _B[DOB]["exact"]
    return total


def _twin_pattern(family_agrees: bool, address: str | None, given_agrees: bool) -> bool:
    """Family name and address agree and the forenames do not: a shared DOB here is
    what twins look like, so it counts as a household's DOB, not a stranger's."""
    return family_agrees and address in _ADDRESS_AGREES and not given_agrees


def max_bits(a: PreparedPerson, ctx: Context = DEFAULT_CONTEXT) -> float:
    """The most a record with `a`'s fields could score against any other (for mentions:
    a name alone can never clear the auto-link bar, so it is not worth a look-up)."""
    total = ctx.prior + ctx.name_max
    if a.dob is not None:
        total += _MAX[DOB]
    if a.has_place:
        total += _MAX[ADDRESS]
    if a.pnc:
        total += _MAX[PNC]
    if a.gender in ("M", "F"):
        total += _MAX[GENDER]
    return total


def _household(level: str, family_agrees: bool) -> str:
    return f"{level}_household" if family_agrees and level != "differs" else level


def compare_prepared(
    a: PreparedPerson, b: PreparedPerson, ctx: Context = DEFAULT_CONTEXT
) -> Comparison:
    """The full, explained comparison of two prepared records."""
    features: list[Feature] = []
    names = _best_names(a, b, ctx)
    features += _name_features(names, ctx.names)
    family_agrees = names is not None and names.family in _FAMILY_AGREES
    given_agrees = names is not None and names.given in _GIVEN_AGREES
    place = _place(a, b)
    dob = _dob_level(a, b, _twin_pattern(family_agrees, place.level, given_agrees))
    features.append(_dob_feature(a.dob, b.dob, dob))
    gender = _gender_level(a, b)
    features.append(_gender_feature(a.gender, b.gender, gender))
    pnc = _pnc_level(a, b)
    features.append(_pnc_feature(a.pnc, b.pnc, pnc))
    features.append(_place_feature(place, family_agrees))
    total = ctx.prior + sum(f.weight for f in features)
    return Comparison(probability(total), total, tuple(features), ctx.prior)


def compare(a: PersonFacts, b: PersonFacts) -> Comparison:
    """Compare two person records; see `Comparison.explain()` for the reasons."""
    return compare_prepared(prepare_person(a), prepare_person(b))


# --- notes -------------------------------------------------------------------------------


def _name_features(names: _Names | None, freq: NameFrequencies | None) -> list[Feature]:
    if names is None:
        return [
            Feature(GIVEN, None, 0.0, "a name missing on one record: not compared"),
            Feature(FAMILY, None, 0.0, "a name missing on one record: not compared"),
        ]
    a, b = (names.right, names.left) if names.flipped else (names.left, names.right)
    ga, gb = a.raw_given.strip(), b.raw_given.strip()
    fa, fb = a.raw_family.strip(), b.raw_family.strip()
    given_notes = {
        "exact": f"given names agree ({ga})",
        "nickname": f"given names agree as nicknames ({ga} ~ {gb})",
        "similar": f"given names similar, likely a typo or variant ({ga} ~ {gb})",
        "nickname_typo": f"given names agree as a nickname with a typo ({ga} ~ {gb})",
        "two_slips": f"given names two slips apart, a typo in each? ({ga} ~ {gb})",
        "middle": f"a given name matches a middle name ({ga} ~ {gb})",
        "initial": f"initial agrees ({ga} ~ {gb})",
        "initial_differs": f"initial differs ({ga} vs {gb})",
        "differs": f"given names differ ({ga} vs {gb})",
    }
    if names.given == "exact" and a.given != b.given:
        given_notes["exact"] = f"forenames agree, middle names differ ({ga} ~ {gb})"
    family_notes = {
        "exact": f"family names agree ({fa})",
        "part": f"family name is part of a double-barrelled name ({fa} ~ {fb})",
        "similar": f"family names similar, likely a typo or variant ({fa} ~ {fb})",
        "phonetic": f"family names sound alike ({fa} ~ {fb})",
        "two_slips": f"family names two slips apart, a typo in each? ({fa} ~ {fb})",
        "differs": f"family names differ ({fa} vs {fb})",
    }
    features = [
        _level_feature(GIVEN, names.given, names.given_sim, given_notes, "given name"),
        _level_feature(FAMILY, names.family, names.family_sim, family_notes, "family name"),
    ]
    if freq is not None and names.given == "exact" and names.family == "exact":
        features = _full_name_features(features, names.left, freq)
    if names.swapped:
        features.append(
            Feature(
                ORDER,
                None,
                _SWAP,
                f"given and family names swapped ({names.a_name.display} ~ {names.b_name.display})",
            )
        )
    return features


def _full_name_features(
    features: list[Feature], name: PreparedName, freq: NameFrequencies
) -> list[Feature]:
    """Both parts agree exactly: the full name's own frequency sets their joint weight,
    shared between the two features in the default proportions."""
    total = freq.bits(name.full_key)
    default = features[0].weight + features[1].weight
    held = f"; the name is held by {freq.count(name.full_key):,} of {freq.records:,} records"
    return [
        Feature(f.name, f.similarity, total * f.weight / default, f.note + (held if i else ""))
        for i, f in enumerate(features)
    ]


def _level_feature(
    name: str, level: str | None, sim: float | None, notes: dict[str, str], what: str
) -> Feature:
    if level is None:
        return Feature(name, None, 0.0, f"{what} missing on one record: not compared")
    return Feature(name, sim, _B[name][level], notes[level])


def _dob_feature(x: date | None, y: date | None, level: str | None) -> Feature:
    if level is None or x is None or y is None:
        return Feature(DOB, None, 0.0, "DOB missing on one record: not compared")
    years = _years_apart(x, y)
    sim = max(0.0, 1.0 - years / 20.0)
    notes = {
        "exact": f"DOB agrees ({x})",
        "exact_household": (
            f"DOB agrees ({x}); counted lower because family name and address agree too, "
            "as they do for twins"
        ),
        "transposed": f"DOB day and month transposed ({x} ~ {y})",
        "year_off_by_one": f"DOB year off by one ({x} ~ {y})",
        "one_digit": f"DOB differs by one digit or two adjacent digits swapped ({x} ~ {y})",
        "same_month": f"DOB same year and month, day differs ({x} vs {y})",
        "near": f"DOBs differ ({x} vs {y}, {years:.1f} years apart)",
        "apart": f"DOBs {years:.0f} years apart ({x} vs {y})",
        "far": f"DOBs {years:.0f} years apart ({x} vs {y}): a generation, as parent and child",
    }
    return Feature(DOB, sim, _B[DOB][level], notes[level])


def _gender_feature(x: str | None, y: str | None, level: str | None) -> Feature:
    if level is None:
        why = "gender X on one record" if "X" in (x, y) else "gender missing on one record"
        return Feature(GENDER, None, 0.0, f"{why}: not compared")
    if level == "agrees":
        return Feature(GENDER, 1.0, _B[GENDER][level], f"gender agrees ({x})")
    return Feature(GENDER, 0.0, _B[GENDER][level], f"gender differs ({x} vs {y})")


def _pnc_feature(x: str, y: str, level: str | None) -> Feature:
    if level is None:
        return Feature(PNC, None, 0.0, "PNC id missing on one record: not compared")
    notes = {
        "agrees": f"same PNC id ({x})",
        "one_char": f"PNC ids differ by one character ({x} ~ {y}), maybe mis-keyed: neutral",
        "differs": f"different PNC ids ({x} vs {y}): different people unless PNC is wrong",
    }
    sim = 1.0 if level == "agrees" else Levenshtein.normalized_similarity(x, y)
    return Feature(PNC, sim, _B[PNC][level], notes[level])


def _place_feature(place: _Place, family_agrees: bool) -> Feature:
    if place.level is None:
        return Feature(ADDRESS, None, 0.0, "address missing on one record: not compared")
    line = place.lines[0].raw if place.lines else ""
    other = place.lines[1].raw if place.lines else ""
    notes = {
        "same_address": f"same address ({line}, {place.postcode})",
        "postcode_only": f"same postcode ({place.postcode}); address lines not both known",
        "same_postcode": f"same postcode ({place.postcode}), different address lines "
        f"({line} vs {other})",
        "same_address_line": f"same address line ({line} ~ {other}), a postcode missing",
        "line_postcode_differs": f"same address line ({line} ~ {other}), postcodes differ",
        "same_street": f"same street, house number on one record only ({line} ~ {other})",
        "same_sector": f"same postcode sector ({place.postcode}), different addresses",
        "differs": "no address in common (people move: weak evidence against)",
    }
    level = _household(place.level, family_agrees)
    note = notes[place.level]
    if level != place.level:
        note += "; counted lower because family names agree and relatives share addresses"
    return Feature(ADDRESS, place.similarity, _B[ADDRESS][level], note)
