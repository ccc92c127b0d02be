"""Read two person records (or a mention and a record) into agreement levels, and score.

Each field is read into an agreement level (see `weights` for the levels, their m/u
guesses and the bits they carry); a pair's score is the posterior probability that the
two records are one person. `score_bits` is the fast path every candidate pair takes: no
notes, fields read cheapest first, and it stops early once the unread fields cannot lift
the pair over a floor. `explanation.compare_prepared` reads the same levels (through the
`read_*` functions here) into the features an analyst sees.

Both take a `Context` (prior and name frequencies of the population, from
`PersonIndex.context()`); without one, the defaults are as if the records sat in an
index of 65,536. Name-pair levels are cached process-wide (bounded), keyed by the
prepared names and by the words of each part, because the same names meet again and
again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein

from ingest.resolution.frequencies import NameFrequencies
from ingest.resolution.nicknames import name_groups
from ingest.resolution.normalise import PreparedAddress, PreparedName, PreparedPerson
from ingest.resolution.weights import LEVELS, PRIOR_BITS

GIVEN = "given name"
FAMILY = "family name"
ORDER = "name order"
DOB = "date of birth"
GENDER = "gender"
PNC = "PNC id"
ADDRESS = "address"

BITS: dict[str, dict[str, float]] = {
    f: {lv: level.bits for lv, level in levels.items()} for f, levels in LEVELS.items()
}
_MAX: dict[str, float] = {f: max(0.0, *b.values()) for f, b in BITS.items()}
_NAME_MAX = _MAX[GIVEN] + _MAX[FAMILY]
_ADDRESS_MAX = _MAX[ADDRESS]
SWAP_BITS = BITS[ORDER]["swapped"]
_GENDER_AGREES, _GENDER_DIFFERS = BITS[GENDER]["agrees"], BITS[GENDER]["differs"]
_PNC_BITS, _DOB_BITS, _ADDRESS_BITS = BITS[PNC], BITS[DOB], BITS[ADDRESS]
FAMILY_AGREES = frozenset({"exact", "part", "similar"})
GIVEN_AGREES = frozenset({"exact", "nickname", "similar", "nickname_typo"})
_ADDRESS_AGREES = frozenset({"same_address", "postcode_only", "same_postcode", "same_address_line"})
_SAME_LINE = 0.85  # token-set similarity for two address lines to be one address
_SAME_LINE_NO_POSTCODE = 0.92  # stricter when the postcodes do not vouch for it


@dataclass(frozen=True, slots=True)
class Context:
    """What a comparison needs from the population it is made in: the prior for its
    size and how common each full name is (None: the default u for every name)."""

    prior: float = PRIOR_BITS
    names: NameFrequencies | None = None
    name_max: float = 0.0  # the most a name can be worth (set from `names`)

    def __post_init__(self) -> None:
        top = _NAME_MAX if self.names is None else max(_NAME_MAX, self.names.max_bits())
        object.__setattr__(self, "name_max", top)


DEFAULT_CONTEXT = Context()


def is_typo(x: str, y: str, jaro_winkler: float, edits: int = -1) -> bool:
    """One slip of the keyboard: an edit (or adjacent swap) in a word of 3+ letters, two
    in a word of 8+, or Jaro-Winkler >= 0.92 (shared start, a letter or two out).
    `edits` is the OSA distance when the caller has it already."""
    shortest = min(len(x), len(y))
    if shortest >= 3:
        if edits < 0:
            edits = OSA.distance(x, y, score_cutoff=2)
        if edits <= 1 or (edits <= 2 and shortest >= 8):
            return True
    return jaro_winkler >= 0.92


@dataclass(frozen=True, slots=True)
class NameReading:
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


def is_two_slips(x: str, y: str, edits: int = -1) -> bool:
    """Two slips apart in words of 5+ letters: one typo in each of two records."""
    if min(len(x), len(y)) < 5:
        return False
    return (edits if edits >= 0 else OSA.distance(x, y, score_cutoff=2)) <= 2


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
    """'Dave' ~ 'Daviid', 'Jsck' ~ 'John': one slip from a name the other is known by."""
    for variants, other in ((a.variants, b.first), (b.variants, a.first)):
        close = variants and len(other) >= 3
        if close and process.extractOne(other, variants, scorer=OSA.distance, score_cutoff=1):
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
    edits = OSA.distance(x, y, score_cutoff=3)
    if is_typo(x, y, sim, edits) or a.first_code == b.first_code:
        return "similar", sim
    if (a.variants or b.variants) and _nickname_with_typo(a, b):
        return "nickname_typo", sim
    if (len(a.given) > 1 or len(b.given) > 1) and (
        any(_token_match(x, t) for t in b.given[1:]) or any(_token_match(y, t) for t in a.given[1:])
    ):
        return "middle", sim  # one record's forename is the other's middle name
    if is_two_slips(x, y, edits):
        return "two_slips", sim
    return "differs", sim


def _family_level(a: PreparedName, b: PreparedName) -> tuple[str | None, float | None]:
    x, y = a.family, b.family
    if not x or not y:
        return None, None
    if x == y:
        return "exact", 1.0
    sim = JaroWinkler.similarity(x, y)
    if len(a.family_tokens) != len(b.family_tokens):
        ta, tb = set(a.family_tokens), set(b.family_tokens)
        if ta < tb or tb < ta:
            return "part", sim
    edits = OSA.distance(x, y, score_cutoff=3)
    if is_typo(x, y, sim, edits):
        return "similar", sim
    if a.family_code == b.family_code:
        return "phonetic", sim
    if is_two_slips(x, y, edits):
        return "two_slips", sim
    return "differs", sim


# Name-pair caches (process-wide, bounded: cleared rather than evicted when full).
_PairLevels = tuple[str | None, float | None, str | None, float | None, float]
_PAIR_CACHE: dict[tuple[int, int], _PairLevels] = {}
_PAIR_CACHE_MAX = 1 << 19
_PartLevel = tuple[str | None, float | None]
_PartKey = tuple[tuple[str, ...], tuple[str, ...]]
_GIVEN_CACHE: dict[_PartKey, _PartLevel] = {}
_FAMILY_CACHE: dict[_PartKey, _PartLevel] = {}


def _cached(cache: dict[_PartKey, _PartLevel], key: _PartKey) -> _PartLevel | None:
    if len(cache) >= _PAIR_CACHE_MAX:
        cache.clear()
    return cache.get(key)


def _pair_levels(left: PreparedName, right: PreparedName) -> _PairLevels:
    """Given and family levels of one name pair, cached by the names' object ids and, a
    level below, by the words of each part: the same names recur across thousands of
    comparisons (every John against every Jon), and a new full name is mostly a new
    combination of a forename and a family name already seen."""
    key = (left.nid, right.nid)
    hit = _PAIR_CACHE.get(key)
    if hit is None:
        gkey = (left.given, right.given)
        given = _cached(_GIVEN_CACHE, gkey)
        if given is None:
            given = _GIVEN_CACHE[gkey] = _given_level(left, right)
        fkey = (left.family_tokens, right.family_tokens)
        family = _cached(_FAMILY_CACHE, fkey)
        if family is None:
            family = _FAMILY_CACHE[fkey] = _family_level(left, right)
        g, f = given[0], family[0]
        bits = (BITS[GIVEN][g] if g else 0.0) + (BITS[FAMILY][f] if f else 0.0)
        hit = (g, given[1], f, family[1], bits)
        if len(_PAIR_CACHE) >= _PAIR_CACHE_MAX:
            _PAIR_CACHE.clear()
        _PAIR_CACHE[key] = hit
    return hit


def _may_be_swapped(a: PreparedName, b: PreparedName) -> bool:
    """Could reading one name the other way round agree better? Only if a forename and
    the other's family name start alike: a cheap test that skips the two swapped
    readings for nearly every pair (it gives up swaps with a typo in both first letters)."""
    ga, fa, gb, fb = a.first[:1], a.family[:1], b.first[:1], b.family[:1]
    return bool((ga and ga == fb) or (fa and fa == gb))


def _bits(levels: _PairLevels, left: PreparedName, names: NameFrequencies | None) -> float:
    """A name pair's bits; an exact forename and family name count as the full name's
    own frequency when the population's name counts are known."""
    if names is not None and levels[0] == "exact" and levels[2] == "exact":
        return names.bits(left.full_key)
    return levels[4]


def read_names(a: PreparedPerson, b: PreparedPerson, ctx: Context) -> NameReading | None:
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
            if levels[4] >= _NAME_MAX or not _may_be_swapped(na, nb):
                continue
            for left, right, flipped in ((na, nb.swapped, False), (nb, na.swapped, True)):
                turned = _pair_levels(left, right)
                bits = _bits(turned, left, freq) + SWAP_BITS
                if bits > best_bits:
                    best_bits = bits
                    best, best_levels = (left, right, na, nb, True, flipped), turned
    if best is None or best_levels is None:
        return None
    left, right, na, nb, swapped, flipped = best
    g, gs, f, fs, _ = best_levels
    return NameReading(left, right, na, nb, swapped, flipped, g, gs, f, fs, best_bits)


def _best_name_bits(
    a: PreparedPerson, b: PreparedPerson, freq: NameFrequencies | None
) -> tuple[float, bool, bool]:
    """As `read_names`, for the fast path: (bits, family names agree, forenames agree)."""
    best: _PairLevels | None = None
    best_bits = -math.inf
    for na in a.names:
        for nb in b.names:
            levels = _pair_levels(na, nb)
            bits = _bits(levels, na, freq)
            if bits > best_bits:
                best_bits, best = bits, levels
            if levels[4] >= _NAME_MAX or not _may_be_swapped(na, nb):
                continue
            for left, right in ((na, nb.swapped), (nb, na.swapped)):
                turned = _pair_levels(left, right)
                bits = _bits(turned, left, freq) + SWAP_BITS
                if bits > best_bits:
                    best_bits, best = bits, turned
    if best is None:
        return 0.0, False, False
    return best_bits, best[2] in FAMILY_AGREES, best[0] in GIVEN_AGREES


def dob_level(a: PreparedPerson, b: PreparedPerson, household: bool) -> str | None:
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
    years = years_apart(x, y)
    if years < 5:
        return "near"
    return "apart" if years < 15 else "far"


def years_apart(x: date, y: date) -> float:
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
class PlaceReading:
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


def read_place(a: PreparedPerson, b: PreparedPerson) -> PlaceReading:
    if not a.has_place or not b.has_place:
        return PlaceReading(None, None, "", None)
    best, lines, street, street_lines = _best_lines(a, b)
    common = a.postcodes & b.postcodes
    if common:
        postcode = min(common)
        if best >= _SAME_LINE:
            return PlaceReading("same_address", best, postcode, lines)
        if lines is None or (street_lines is not None and street >= _SAME_LINE_NO_POSTCODE):
            # no lines to compare, or only a street: the postcode is the evidence
            return PlaceReading("postcode_only", 1.0, postcode, street_lines)
        return PlaceReading("same_postcode", best, postcode, lines)
    if lines is not None and best >= _SAME_LINE_NO_POSTCODE:
        level = "line_postcode_differs" if a.postcodes and b.postcodes else "same_address_line"
        return PlaceReading(level, best, "", lines)
    if street_lines is not None and street >= _SAME_LINE_NO_POSTCODE:
        return PlaceReading("same_street", street, "", street_lines)
    shared_sector = a.sectors & b.sectors
    if shared_sector:
        return PlaceReading("same_sector", best if lines else 0.0, min(shared_sector), lines)
    if (a.postcodes and b.postcodes) or lines is not None:
        return PlaceReading("differs", best if lines else 0.0, "", lines)
    return PlaceReading(None, None, "", None)


def gender_level(a: PreparedPerson, b: PreparedPerson) -> str | None:
    x, y = a.gender, b.gender
    if x is None or y is None or x == "X" or y == "X":
        return None
    return "agrees" if x == y else "differs"


def pnc_level(a: PreparedPerson, b: PreparedPerson) -> str | None:
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

    Fields are read cheapest first (PNC, gender, DOB, address, then names: a new name
    pair is the dearest reading); once the best the unread fields could add cannot lift
    the total to `floor`, the (lower) partial total is returned instead. The household
    discounts only lower the address and an exact DOB, so reading them undiscounted
    first keeps every bound an upper bound.
    """
    total = ctx.prior
    if a.pnc and b.pnc:
        total += _PNC_BITS[pnc_level(a, b) or "differs"]
    ga, gb = a.gender, b.gender
    if ga is not None and gb is not None and ga != "X" and gb != "X":
        total += _GENDER_AGREES if ga == gb else _GENDER_DIFFERS
    dob: str | None = None
    if a.dob is not None and b.dob is not None:
        dob = "exact" if a.dob == b.dob else dob_level(a, b, False)
        total += _DOB_BITS[dob or ""]
    name_max = ctx.name_max
    can_place = a.has_place and b.has_place
    if total + name_max + (_ADDRESS_MAX if can_place else 0.0) < floor:
        return total
    place = read_place(a, b).level if can_place else None
    if place is not None:
        total += _ADDRESS_BITS[place]  # before the household discount: an upper bound
        if total + name_max < floor:
            return total
    name_bits, family_agrees, given_agrees = _best_name_bits(a, b, ctx.names)
    total += name_bits
    if place is not None and family_agrees and place != "differs":
        total += _ADDRESS_BITS[f"{place}_household"] - _ADDRESS_BITS[place]
        if dob == "exact" and place in _ADDRESS_AGREES and not given_agrees:
            total += _DOB_BITS["exact_household"] - _DOB_BITS["exact"]
    return total


def twin_pattern(family_agrees: bool, address: str | None, given_agrees: bool) -> bool:
    """Family name and address agree and the forenames do not: a shared DOB here is
    what twins look like, so it counts as a household's DOB, not a stranger's."""
    return family_agrees and address in _ADDRESS_AGREES and not given_agrees


def max_bits(
    ctx: Context = DEFAULT_CONTEXT,
    *,
    dob: bool = True,
    place: bool = True,
    pnc: bool = True,
    gender: bool = True,
) -> float:
    """The most a record with the fields present could score against any other (for
    mentions: a name alone can never clear the auto-link bar, so is not looked up)."""
    total = ctx.prior + ctx.name_max
    total += (_MAX[DOB] if dob else 0.0) + (_MAX[ADDRESS] if place else 0.0)
    return total + (_MAX[PNC] if pnc else 0.0) + (_MAX[GENDER] if gender else 0.0)


def household_level(level: str, family_agrees: bool) -> str:
    return f"{level}_household" if family_agrees and level != "differs" else level
