"""Normalised, cached forms of the facts the comparator and the blocking index read.

Everything the matcher needs per record (name tokens, nickname groups, phonetic codes,
postcode sectors, address tokens, the DOB as digits) is computed once, when a record is
prepared, so that comparing a pair costs dictionary look-ups and a few rapidfuzz calls.
Names and places are cached by their raw text because the same names and addresses recur
across thousands of records and mentions.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import jellyfish

from ingest.resolution.nicknames import name_groups, nickname_variants
from ingest.resolution.records import MentionFacts, PersonFacts

_NAME_IDS = itertools.count(1)
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "rev", "sir", "master", "prof"})
# Generational suffixes are dropped from names (DOB tells father from son far better).
_SUFFIXES = frozenset({"jr", "jnr", "junior", "snr", "sr", "senior", "ii", "iii"})
_NON_LETTER = re.compile(r"[^a-z]+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_HOUSE_NUMBER = re.compile(r"^\d+[a-z]?$")  # '14', '14a'; not postcode halves like 'ex1'
_PNC = re.compile(r"^(\d{2}|\d{4})/?0*(\d{1,7})([A-Z])$")
_NOT_UPPER_ALNUM = re.compile(r"[^A-Z0-9]+")
_SPACE = re.compile(r"\s+")
_STREET_WORDS = {
    "rd": "road",
    "st": "street",
    "str": "street",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "cl": "close",
    "cres": "crescent",
    "cr": "crescent",
    "dr": "drive",
    "ct": "court",
    "pl": "place",
    "gdns": "gardens",
    "gdn": "garden",
    "sq": "square",
    "tce": "terrace",
    "ter": "terrace",
    "hse": "house",
    "apt": "flat",
    "apartment": "flat",
    "pk": "park",
    "wy": "way",
    "grn": "green",
    "gr": "grove",
    "mt": "mount",
    "hts": "heights",
}


def ascii_lower(text: str) -> str:
    """Lower case without accents: 'Zoë' and 'Zoe' are one spelling."""
    folded = unicodedata.normalize("NFKD", text)
    return folded.encode("ascii", "ignore").decode("ascii").lower()


def name_tokens(text: str) -> tuple[str, ...]:
    """Words of a name part: apostrophes joined (O'Brien), hyphens split, titles dropped."""
    cleaned = _NON_LETTER.sub(" ", ascii_lower(text).replace("'", "").replace("\u2019", ""))
    return tuple(t for t in cleaned.split() if t not in _TITLES and t not in _SUFFIXES)


@lru_cache(maxsize=1 << 16)
def normalise_postcode(text: str | None) -> str:
    """'ex1 4ml' -> 'EX14ML' (spaces dropped); '' when empty."""
    if not text:
        return ""
    return _NOT_UPPER_ALNUM.sub("", text.upper())


@lru_cache(maxsize=1 << 16)
def metaphone(token: str) -> str:
    """Metaphone of one word, falling back to the word when the code is empty."""
    return jellyfish.metaphone(token) or token.upper()


@lru_cache(maxsize=1 << 16)
def soundex(token: str) -> str:
    return jellyfish.soundex(token)


@dataclass(frozen=True, slots=True)
class PreparedName:
    """One (given, family) name, tokenised, with the codes blocking and comparison use.

    `first` is the forename (the first given token); `groups` the formal names it may
    stand for (nicknames); `family` the joined family tokens ('smithjones'), so that
    'Smith-Jones' and 'Smith Jones' agree.
    """

    raw_given: str
    raw_family: str
    given: tuple[str, ...]
    family_tokens: tuple[str, ...]
    first: str
    family: str
    groups: frozenset[str]
    first_code: str
    family_code: str
    family_soundex: str
    part_codes: frozenset[str]  # Metaphone of the forename and of the family name (parts)
    part_soundex: frozenset[str]  # Soundex of the forename and of the family name
    full_key: str  # 'forename family' as words: what name frequencies are counted by
    variants: tuple[str, ...]  # other names the forename's formal names are recorded as
    nid: int = field(default=0, compare=False)  # unique per object: a cheap cache key
    # Built when first needed (most names are never read swapped, mentions need no keys).
    _swapped: PreparedName | None = field(default=None, compare=False, repr=False)
    _keys: frozenset[str] | None = field(default=None, compare=False, repr=False)

    @property
    def display(self) -> str:
        return " ".join(p for p in (self.raw_given.strip(), self.raw_family.strip()) if p)

    @property
    def swapped(self) -> PreparedName:
        """The same name read the other way round, for records keyed family-first."""
        turned = self._swapped
        if turned is None:
            turned = _build_name(self.raw_family, self.raw_given, self.family_tokens, self.given)
            object.__setattr__(turned, "_swapped", self)
            object.__setattr__(self, "_swapped", turned)
        return turned

    @property
    def name_keys(self) -> frozenset[str]:
        """The blocking keys made of the name alone (nm:, sx:; see `blocking`)."""
        keys = self._keys
        if keys is None:
            keys = _name_keys(self)
            object.__setattr__(self, "_keys", keys)
        return keys


def _unordered(x: str, y: str) -> str:
    return f"{x}|{y}" if x <= y else f"{y}|{x}"


def _name_keys(name: PreparedName) -> frozenset[str]:
    """{forename code, family code} pairs, the forename also as its formal names and its
    middle names, the family name whole and per part; and the Soundex pair."""
    first, given = name.first, name.given
    given_codes: set[str] = set()
    if first:
        given_codes.add(name.first_code)
        if len(first) > 1:
            given_codes.update(metaphone(g) for g in name.groups)
        given_codes.update(metaphone(t) for t in given[1:] if len(t) > 1)
    family_codes = name.part_codes - {name.first_code} if first else name.part_codes
    if name.family:
        family_codes = family_codes | {name.family_code}
    keys = {f"nm:{_unordered(g, f)}" for g in given_codes for f in family_codes}
    if first and name.family:
        keys.add(f"sx:{_unordered(soundex(first), name.family_soundex)}")
    return frozenset(keys)


def _build_name(
    raw_given: str, raw_family: str, given: tuple[str, ...], fam: tuple[str, ...]
) -> PreparedName:
    first = given[0] if given else ""
    family = "".join(fam)
    groups = name_groups(first) if first else _NO_GROUPS
    first_code = metaphone(first) if first else ""
    family_code = metaphone(family) if family else ""
    parts = {first_code} if first else set()
    if family:
        parts.add(family_code)
        if len(fam) > 1:
            parts.update(metaphone(t) for t in fam)
    return PreparedName(
        raw_given=raw_given,
        raw_family=raw_family,
        given=given,
        family_tokens=fam,
        first=first,
        family=family,
        groups=groups,
        first_code=first_code,
        family_code=family_code,
        family_soundex=soundex(family) if family else "",
        part_codes=frozenset(parts),
        part_soundex=frozenset(soundex(w) for w in (first, family) if w),
        full_key=f"{first} {family}",
        variants=_variants(first, groups),
        nid=next(_NAME_IDS),
    )


_NO_GROUPS: frozenset[str] = frozenset()


@lru_cache(maxsize=1 << 14)
def _variants(first: str, groups: frozenset[str]) -> tuple[str, ...]:
    found = {v for g in groups for v in nickname_variants(g) if v != first and len(v) >= 3}
    return tuple(sorted(found))


@lru_cache(maxsize=1 << 17)
def prepare_name(raw_given: str, raw_family: str) -> PreparedName:
    """Tokenise a name; a full name put in the given field ('John Smith', '') is split."""
    given = name_tokens(raw_given)
    fam = name_tokens(raw_family)
    if not fam and len(given) >= 2:
        given, fam = given[:-1], given[-1:]
    return _build_name(raw_given, raw_family, given, fam)


def postcode_sector(postcode: str) -> str:
    """'EX14ML' -> 'EX14' (outward code plus the inward digit): a few streets."""
    return postcode[:-2] if len(postcode) >= 5 else ""


def normalise_pnc(text: str | None) -> str:
    """'79/0123456X', '1979/123456x' -> '79/123456X'; other shapes upper-cased alphanumerics."""
    if not text:
        return ""
    upper = _SPACE.sub("", text.upper())
    found = _PNC.match(upper)
    if found:
        year, number, check = found.groups()
        return f"{year[-2:]}/{int(number)}{check}"
    return _NOT_UPPER_ALNUM.sub("", upper)


@dataclass(frozen=True, slots=True)
class PreparedAddress:
    """An address line as words (street abbreviations expanded) and its house numbers."""

    raw: str
    text: str
    words: frozenset[str]
    numbers: frozenset[str]
    key: str  # house number + the street word after it ('14:mill'), or a named
    # building's first two words ('meadow:lodge'); '' for a bare street with no number


@lru_cache(maxsize=1 << 17)
def prepare_address(raw: str) -> PreparedAddress | None:
    words = _NON_ALNUM.sub(" ", ascii_lower(raw)).split()
    if not words:
        return None
    words = [_STREET_WORDS.get(w, w) for w in words]
    numbers = frozenset(w for w in words if _HOUSE_NUMBER.match(w))
    key = f"{words[0]}:{words[1]}" if not numbers and len(words) >= 2 else ""
    for before, word in itertools.pairwise(words):
        if before in numbers and word not in numbers:
            key = f"{before}:{word}"
            break
    return PreparedAddress(raw, " ".join(words), frozenset(words), numbers, key)


@dataclass(frozen=True, slots=True)
class PreparedPerson:
    """A person record (or a mention) in the form the comparator reads."""

    id: str
    names: tuple[PreparedName, ...]
    dob: date | None
    dob_digits: str
    gender: str | None
    pnc: str
    postcodes: frozenset[str]
    sectors: frozenset[str]
    addresses: tuple[PreparedAddress, ...]
    has_place: bool  # a postcode or an address line to compare


def _gender(value: str | None) -> str | None:
    if not value:
        return None
    g = value.strip().upper()[:1]
    return g if g in ("M", "F", "X") else None


def _prepare(
    rid: str,
    names: tuple[tuple[str, str], ...],
    dob: date | None,
    gender: str | None,
    pnc: str | None,
    postcodes: tuple[str, ...],
    addresses: tuple[str, ...],
) -> PreparedPerson:
    prepared_names: dict[tuple[tuple[str, ...], tuple[str, ...]], PreparedName] = {}
    for given, family in names:
        name = prepare_name(given or "", family or "")
        if name.first or name.family:
            prepared_names.setdefault((name.given, name.family_tokens), name)
    codes = frozenset(p for p in (normalise_postcode(pc) for pc in postcodes) if p)
    lines = tuple(a for a in (prepare_address(raw) for raw in addresses if raw) if a is not None)
    return PreparedPerson(
        id=rid,
        names=tuple(prepared_names.values()),
        dob=dob,
        dob_digits=f"{dob.year:04d}{dob.month:02d}{dob.day:02d}" if dob else "",
        gender=_gender(gender),
        pnc=normalise_pnc(pnc),
        postcodes=codes,
        sectors=frozenset(s for s in (postcode_sector(p) for p in codes) if s),
        addresses=lines,
        has_place=bool(codes or lines),
    )


def prepare_person(facts: PersonFacts) -> PreparedPerson:
    return _prepare(
        facts.id,
        facts.names,
        facts.dob,
        facts.gender,
        facts.pnc_id,
        facts.postcodes,
        facts.addresses,
    )


def prepare_mention(mention: MentionFacts) -> PreparedPerson:
    """A mention as a record with one name and no gender or PNC (those are not compared)."""
    return _prepare_mention_cached(mention.name, mention.dob, mention.address, mention.postcode)


@lru_cache(maxsize=1 << 15)
def _prepare_mention_cached(
    name: tuple[str, str], dob: date | None, address: str | None, postcode: str | None
) -> PreparedPerson:
    return _prepare(
        "",
        (name,),
        dob,
        None,
        None,
        (postcode,) if postcode else (),
        (address,) if address else (),
    )
