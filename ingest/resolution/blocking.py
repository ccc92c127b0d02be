"""An in-memory blocking index: which records are worth comparing with which.

Comparing every pair is quadratic; instead each record is filed under a handful of keys
and only records sharing a key are compared. Each key is there for a corruption the
others miss, so a true pair needs to survive on only one of them:

- `pnc:` PNC id: records keyed differently in every other respect;
- `ad:` house number + the street word after it ('14:mill'), or a named building's
  first two words ('meadow:lodge'), + a name code: one person at one address, whatever
  the postcode or the town says (used to look up mentions only);
- `dob:` birth year + {day, month} as a set: name changes, day and month transposed;
- `pc:` postcode + Soundex of the forename or of the family name (either order): a
  change or a typo in one name part, or both DOB and name slipped, at one address;
- `nm:` {forename code, family code} as a set, the forename also as its
  nickname-canonical forms and as every middle name, the family name whole and per part:
  DOB missing or mistyped, moves, nicknames (Bill ~ William), swapped given/family,
  middle names, double-barrelled names partly dropped;
- `sx:` {Soundex of forename, Soundex of family name}: typos that change Metaphone;
- `yr:` a name code (forename or family, either order) + birth year: one name part
  mistyped or changed and the DOB slipped within the year;
- `bd:` a name code + {day, month} of birth: one name part mistyped and the birth year
  slipped (off by one, one digit).

Codes are Metaphone unless said otherwise. A key shared by more than `block_cap` records
(default 200) is skipped when candidates are gathered: it says little ('J SMITH' in a
city) and would cost O(n^2); a real duplicate in it still shares a rarer key (DOB,
postcode, PNC). Each skip is counted (`skipped_lookups`, `skipped_candidates`) so a run
can report what was not compared.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from ingest.resolution.comparison import Context
from ingest.resolution.frequencies import NameFrequencies, full_names
from ingest.resolution.normalise import PreparedPerson, prepare_person
from ingest.resolution.records import PersonFacts
from ingest.resolution.weights import model_population, prior_bits

BLOCK_CAP = 200


def address_keys(p: PreparedPerson) -> frozenset[str]:
    """ad: keys (address + a name code). Records are filed under them for mentions to
    find, but two records are not paired by them: pc: keys already pair people at one
    address whose names sound alike."""
    codes = {c for name in p.names for c in name.part_codes}
    return frozenset(f"ad:{a.key}:{c}" for a in p.addresses if a.key for c in codes)


def blocking_keys(p: PreparedPerson, names_alone: bool = True) -> set[str]:
    """The keys that pair a prepared record with others (all but ad:).

    `names_alone=False`, for mentions (see `mention_keys`), leaves out the keys that do
    not carry a name code: nm: and sx: (names only) and dob: (a DOB only).
    """
    keys: set[str] = set()
    if p.pnc:
        keys.add(f"pnc:{p.pnc}")
    dob = p.dob
    if dob is not None:
        lo, hi = (dob.month, dob.day) if dob.month <= dob.day else (dob.day, dob.month)
        if names_alone:
            keys.add(f"dob:{dob.year}-{lo}-{hi}")
    for name in p.names:
        if names_alone:
            keys |= name.name_keys  # nm:, sx: (computed once per name)
        for pc in p.postcodes:
            keys.update(f"pc:{pc}:{sx}" for sx in name.part_soundex)
        if dob is not None:
            for code in name.part_codes:
                keys.add(f"yr:{code}:{dob.year}")
                keys.add(f"bd:{lo}-{hi}:{code}")
    return keys


def mention_keys(p: PreparedPerson) -> set[str]:
    """The keys a mention is looked up under: a name code with a DOB or a place.

    To clear the auto-link bar a mention must agree on a DOB or an address as well as on
    a name, so its candidates share both: every DOB level that can lift it (exact,
    transposed, a year or a digit out) shares a yr: or bd: key with the record, a
    postcode a pc: key and an address line an ad: key, each with a name code (the
    forename's or the family name's, so one mistyped part still finds the record). A
    street without a house number cannot lift a mention and has no key.
    """
    keys = blocking_keys(p, names_alone=False)
    keys.update(address_keys(p))
    return keys


@dataclass(slots=True)
class BlockingCounts:
    """What the index skipped: look-ups that hit an oversized block, and their members."""

    skipped_lookups: int = 0
    skipped_candidates: int = 0


class PersonIndex:
    """Person records by blocking key, for candidate look-ups and incremental resolution."""

    def __init__(self, block_cap: int = BLOCK_CAP) -> None:
        self.block_cap = block_cap
        self.counts = BlockingCounts()
        self._blocks: dict[str, set[str]] = {}
        self._keys: dict[str, frozenset[str]] = {}  # the keys that pair records
        self._filed: dict[str, frozenset[str]] = {}  # every key a record is filed under
        self._facts: dict[str, PersonFacts] = {}
        self._prepared: dict[str, PreparedPerson] = {}
        self.name_frequencies = NameFrequencies()
        self._context: Context | None = None

    def __len__(self) -> int:
        return len(self._facts)

    def __contains__(self, rid: object) -> bool:
        return rid in self._facts

    def ids(self) -> Iterable[str]:
        return self._facts.keys()

    def facts(self, rid: str) -> PersonFacts:
        return self._facts[rid]

    def prepared(self, rid: str) -> PreparedPerson:
        return self._prepared[rid]

    def context(self) -> Context:
        """The prior for this many records (their model population) and their name
        frequencies, for scoring."""
        if self._context is None:
            population = model_population(len(self._facts))
            self._context = Context(prior_bits(population), self.name_frequencies)
        return self._context

    def prepared_records(self) -> Mapping[str, PreparedPerson]:
        """Every indexed record, prepared, by id (a read-only view for the scorers)."""
        return self._prepared

    def add(self, facts: PersonFacts) -> None:
        """File a record; a record with the same id is replaced (a changed record)."""
        if facts.id in self._facts:
            self.remove(facts.id)
        prepared = prepare_person(facts)
        keys = frozenset(blocking_keys(prepared))
        filed = keys | address_keys(prepared)
        self._facts[facts.id] = facts
        self._prepared[facts.id] = prepared
        self.name_frequencies.add(prepared)
        self._context = None
        self._keys[facts.id] = keys
        self._filed[facts.id] = filed
        for key in filed:
            block = self._blocks.get(key)
            if block is None:
                self._blocks[key] = {facts.id}
            else:
                block.add(facts.id)

    def remove(self, rid: str) -> None:
        """Forget a record (unknown ids are ignored)."""
        self._keys.pop(rid, None)
        keys = self._filed.pop(rid, frozenset())
        self._facts.pop(rid, None)
        prepared = self._prepared.pop(rid, None)
        if prepared is not None:
            self.name_frequencies.remove(prepared)
            self._context = None
        for key in keys:
            block = self._blocks.get(key)
            if block is not None:
                block.discard(rid)
                if not block:
                    del self._blocks[key]

    def _gather(self, keys: Iterable[str], exclude: str) -> set[str]:
        found: set[str] = set()
        cap = self.block_cap
        for key in keys:
            block = self._blocks.get(key)
            if not block:
                continue
            if len(block) > cap:
                self.counts.skipped_lookups += 1
                self.counts.skipped_candidates += len(block)
                continue
            found |= block
        found.discard(exclude)
        return found

    def candidates(self, facts: PersonFacts) -> set[str]:
        """Ids of indexed records sharing a (not oversized) key with `facts`, not itself."""
        return self._gather(blocking_keys(prepare_person(facts)), facts.id)

    def candidates_prepared(self, prepared: PreparedPerson) -> set[str]:
        """As `candidates`, for a prepared record."""
        return self._gather(blocking_keys(prepared), prepared.id)

    def mention_candidates(self, mention: PreparedPerson) -> set[str]:
        """Records a prepared mention could match (see `mention_keys`)."""
        return self._gather(mention_keys(mention), "")

    def pairs_for(self, ids: Iterable[str]) -> Iterator[tuple[str, str]]:
        """Each candidate pair (a < b) with at least one end in `ids`, once.

        After a load, pass the new and changed ids: only pairs touching them need scoring.
        Ids not in the index are skipped.
        """
        wanted = {rid for rid in ids if rid in self._keys}
        for rid in sorted(wanted):
            for other in sorted(self._gather(self._keys[rid], rid)):
                if other in wanted and other < rid:
                    continue  # yielded when `other` was visited
                yield (rid, other) if rid < other else (other, rid)

    def oversized_blocks(self) -> set[str]:
        """The pairing keys (not ad:) held by more than `block_cap` records: records
        sharing only these are not candidates."""
        cap = self.block_cap
        return {
            key
            for key, block in self._blocks.items()
            if len(block) > cap and not key.startswith("ad:")
        }

    def block_members(self, keys: Iterable[str]) -> set[str]:
        """Every record filed under any of `keys`."""
        found: set[str] = set()
        for key in keys:
            found |= self._blocks.get(key, set())
        return found

    def holding_names(self, full_keys: Iterable[str]) -> set[str]:
        """Every record holding one of these full names (see `frequencies.full_names`)."""
        wanted = set(full_keys)
        if not wanted:
            return set()
        return {rid for rid, p in self._prepared.items() if full_names(p) & wanted}

    def block_sizes(self) -> dict[str, int]:
        """Size of every block, for diagnostics (oversized ones are > `block_cap`)."""
        return {key: len(block) for key, block in self._blocks.items()}
