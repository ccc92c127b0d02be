"""How common each full name is among the indexed records: the u of an exact agreement.

The default u of an exact name agreement (1 in 80 forenames times 1 in 250 family names)
is an average; 'John Smith' is far commoner than 'Okonkwo Entwistle'. Counting full
names (forename + family name) in the index gives each name its own u, from the data
and never from labels (Fellegi-Sunter term-frequency adjustment). Full names rather than
each part on its own because the parts are not independent: families share a family
name and often a forename (father and son).

u(name) = (others holding the name + k * u0) / (N + k): the count excludes the record
itself (at least one other is assumed), k = 1,000 pseudo-records of the default u0 keep
counts from over-trusting themselves, and N is the index's model population (at least
`MIN_POPULATION`: a small index is a slice of a larger population, as for the prior; and
in steps: see `weights.model_population`).
"""

from __future__ import annotations

import math
from collections import Counter

from ingest.resolution.normalise import PreparedPerson
from ingest.resolution.weights import LEVELS, model_population

SMOOTHING_RECORDS = 1000
_GIVEN, _FAMILY = LEVELS["given name"]["exact"], LEVELS["family name"]["exact"]
M_EXACT = _GIVEN.m * _FAMILY.m
U_DEFAULT = _GIVEN.u * _FAMILY.u
DEFAULT_BITS = math.log2(M_EXACT / U_DEFAULT)


def full_names(p: PreparedPerson) -> set[str]:
    """The full-name keys a record is counted under (each name with both parts)."""
    return {n.full_key for n in p.names if n.first and n.family}


class NameFrequencies:
    """Counts of full names over the records of an index, kept up to date by it."""

    def __init__(self, smoothing: int = SMOOTHING_RECORDS) -> None:
        self.smoothing = smoothing
        self.records = 0
        self._counts: Counter[str] = Counter()
        self._bits: dict[str, float] = {}

    def add(self, p: PreparedPerson) -> None:
        self.records += 1
        self._counts.update(full_names(p))
        self._bits.clear()

    def remove(self, p: PreparedPerson) -> None:
        self.records -= 1
        self._counts.subtract(full_names(p))
        self._bits.clear()

    def count(self, full_key: str) -> int:
        return max(0, self._counts.get(full_key, 0))

    def counts(self) -> dict[str, int]:
        """Every full name held by at least one record, and by how many."""
        return {key: n for key, n in self._counts.items() if n > 0}

    def _population(self) -> int:
        return model_population(self.records) + self.smoothing

    def u(self, full_key: str) -> float:
        others = max(self.count(full_key) - 1, 1)
        return (others + self.smoothing * U_DEFAULT) / self._population()

    def bits(self, full_key: str) -> float:
        """Bits of an exact agreement on this full name (forename and family together)."""
        found = self._bits.get(full_key)
        if found is None:
            found = self._bits[full_key] = math.log2(M_EXACT / self.u(full_key))
        return found

    def max_bits(self) -> float:
        """The most any exact name agreement can be worth here (for early exits)."""
        rarest = (1 + self.smoothing * U_DEFAULT) / self._population()
        return max(DEFAULT_BITS, math.log2(M_EXACT / rarest))
