"""The scoring model: Fellegi-Sunter log-likelihood ratios from reasoned m/u guesses.

For each field the comparator reads an agreement *level* (exact, nickname, typo, ...).
Each level has two probabilities, guessed from how records are made, never fitted to
labelled pairs:

- m: how often two records **of the same person** show this level (data-entry error,
  nicknames, people moving, a DOB keyed wrongly);
- u: how often two records **of different people** picked at random show it (roughly
  the chance of a coincidence: about 1 in 250 pairs share a family name, 1 in 80 a
  forename, 1 in 25,000 a date of birth, 1 in 10,000 an address).

A level contributes log2(m/u) bits: positive is evidence for one person, negative
against. A pair's score is the posterior probability that the two records are one
person: sigmoid of (prior + sum of the bits), with the prior the chance that two records
picked at random are one person: 2r/N for N records with r = 0.5 duplicate pairs a
record (people of interest appear in several of the five source systems), so -14.6
bits for 25,000 records, -16 for the 65,536 `compare` assumes without an index (see
`prior_bits`; an index counts its records in steps, see `model_population`). A missing
field contributes nothing: it is not comparable, not a disagreement.

Fields are not independent within a family, and the model says so instead of pretending
(the independence assumption is what makes naive matchers link twins). Relatives share a
family name and an address, and twins a DOB too, so when the family names agree the
address uses a *household* u (among different people with one family name, about 1 in
200 share an address) and when family name and address both agree an exact DOB uses a
household u (among household members, about 1 in 50 pairs share a DOB: twins) unless
the forenames agree (twins share a DOB, never a forename). What tells relatives apart is
the forename and the DOB, which is why an outright different forename (after nicknames,
typos, initials, middle names and swapped order are allowed for) and DOBs 15+ years
apart weigh heavily.

Two values come from the population being matched rather than from this table, both
counted without labels: the prior (from the number of records) and, when forename and
family name both agree exactly, the full name's own u (how many records hold it: see
`frequencies`), so 'John Smith' counts for less than a rare name.

| field | level | m | u | bits | why |
|---|---|---|---|---|---|
| given name | exact | 0.86 | 0.012 | +6.16 | about 1 in 80 strangers share a forename |
| given name | nickname | 0.05 | 0.002 | +4.64 | Bill ~ William: people are recorded under both |
| given name | similar | 0.04 | 0.005 | +3.00 | one typo or a spelling variant (Jon ~ John) |
| given name | nickname_typo | 0.01 | 0.002 | +2.32 | a nickname, one slip out (Dave ~ Daviid) |
| given name | middle | 0.03 | 0.003 | +3.32 | a middle name used as the forename |
| given name | initial | 0.98 | 0.07 | +3.81 | one side is an initial and it agrees |
| given name | initial_differs | 0.02 | 0.93 | -5.54 | one side is an initial and it differs |
| given name | two_slips | 0.01 | 0.004 | +1.32 | two slips apart: a typo in each record? |
| given name | differs | 0.002 | 0.97 | -8.92 | after nicknames, typos, initials: another person |
| family name | exact | 0.88 | 0.004 | +7.78 | about 1 in 250 strangers share a family name |
| family name | part | 0.03 | 0.0004 | +6.23 | one part of a double-barrelled name dropped |
| family name | similar | 0.05 | 0.002 | +4.64 | one typo or a spelling variant (Smtih ~ Smith) |
| family name | phonetic | 0.01 | 0.004 | +1.32 | sound alike only (Thomson ~ Thompson) |
| family name | two_slips | 0.01 | 0.003 | +1.74 | two slips apart: a typo in each record? |
| family name | differs | 0.03 | 0.99 | -5.04 | marriage, divorce and aliases change family names |
| name order | swapped | 0.5 | 1 | -1.00 | two orders tried: twice the chance of a fluke |
| date of birth | exact | 0.88 | 4e-05 | +14.43 | about 1 in 25,000 strangers share a DOB |
| date of birth | exact_household | 0.88 | 0.02 | +5.46 | same family and address: twins |
| date of birth | transposed | 0.015 | 4e-05 | +8.55 | day and month keyed the wrong way round |
| date of birth | year_off_by_one | 0.015 | 8e-05 | +7.55 | day and month agree, year one out |
| date of birth | one_digit | 0.03 | 0.0012 | +4.64 | a digit wrong or two adjacent swapped |
| date of birth | same_month | 0.005 | 0.0012 | +2.06 | same year and month, day differs |
| date of birth | near | 0.008 | 0.12 | -3.91 | under 5 years apart, no typo pattern |
| date of birth | apart | 0.004 | 0.3 | -6.23 | 5 to 15 years apart |
| date of birth | far | 0.001 | 0.55 | -9.10 | 15+ years apart: parent and child, not a typo |
| gender | agrees | 0.97 | 0.5 | +0.96 | half of strangers share a gender |
| gender | differs | 0.01 | 0.5 | -5.64 | recorded gender rarely changes between systems |
| PNC id | agrees | 0.98 | 1e-07 | +23.22 | a PNC id belongs to one person |
| PNC id | one_char | 0.02 | 0.02 | +0.00 | one character out: maybe mis-keyed |
| PNC id | differs | 1e-05 | 1 | -16.61 | two PNC ids: two people, unless PNC errs |
| address | same_address | 0.5 | 0.0001 | +12.29 | 1 in 10,000: households, hostels, flats |
| address | same_address_household | 0.5 | 0.005 | +6.64 | relatives share an address |
| address | postcode_only | 0.5 | 0.001 | +8.97 | postcode agrees, address lines not both known |
| address | postcode_only_household | 0.5 | 0.008 | +5.97 | relatives share a postcode |
| address | same_postcode | 0.03 | 0.001 | +4.91 | same postcode, different address lines |
| address | same_postcode_household | 0.03 | 0.005 | +2.58 | relatives nearby |
| address | same_address_line | 0.5 | 0.0003 | +10.70 | address lines agree, a postcode missing |
| address | same_address_line_household | 0.5 | 0.006 | +6.38 | relatives share an address |
| address | line_postcode_differs | 0.01 | 0.0003 | +5.06 | lines agree, postcodes differ |
| address | line_postcode_differs_household | 0.01 | 0.005 | +1.00 | relatives share a street |
| address | same_street | 0.05 | 0.002 | +4.64 | same street, one side has no house number |
| address | same_street_household | 0.05 | 0.02 | +1.32 | relatives live on one street |
| address | same_sector | 0.06 | 0.004 | +3.91 | same postcode sector (a few streets) |
| address | same_sector_household | 0.06 | 0.02 | +1.58 | relatives live nearby |
| address | differs | 0.36 | 0.996 | -1.47 | nothing in common: people move, weak evidence |
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Level:
    """One agreement level: m and u guesses and why."""

    m: float
    u: float
    why: str

    @property
    def bits(self) -> float:
        return math.log2(self.m / self.u)


DUPLICATES_PER_RECORD = 0.5  # people appear in several of five source systems
MIN_POPULATION = 20_000  # a smaller index is a slice of a larger population
DEFAULT_POPULATION = 65_536


def prior_bits(population: int = DEFAULT_POPULATION) -> float:
    """log2 prior odds that two records picked at random are one person.

    With r duplicate pairs per record among N records, a random pair is a duplicate
    with probability 2r/N: the more people indexed, the more chance of a coincidence,
    so the prior tightens as the index grows (-14.6 bits at 25,000 records, -16 at
    65,536, -17.6 at 200,000).
    """
    return math.log2(2 * DUPLICATES_PER_RECORD / max(population, MIN_POPULATION))


PRIOR_BITS = prior_bits()
POPULATION_STEPS_PER_DOUBLING = 4


def model_population(records: int) -> int:
    """The population an index of `records` records is scored in: at least
    `MIN_POPULATION`, and above it rounded *up* to the next quarter of a doubling
    (20,000, 23,784, 28,284, 33,636, 40,000, ...).

    The prior and every name's frequency depend on the population, so every stored score
    would drift a little with every record added, and a resolution kept up incrementally
    (re-scoring only the pairs of the records a load changed) would differ from one made
    from scratch. In steps, the population changes only every ~19% of growth, and a run
    that finds it changed re-scores every pair (`ingest.entities`): amortised, still
    about linear. Rounding up keeps the prior at most 0.25 bits tighter than the exact
    count's, never looser.
    """
    floor = MIN_POPULATION
    if records <= floor:
        return floor
    step = 1
    while (population := round(floor * 2 ** (step / POPULATION_STEPS_PER_DOUBLING))) < records:
        step += 1
    return population


LEVELS: dict[str, dict[str, Level]] = {
    "given name": {
        "exact": Level(0.86, 0.012, "about 1 in 80 strangers share a forename"),
        "nickname": Level(0.05, 0.002, "Bill ~ William: people are recorded under both"),
        "similar": Level(0.04, 0.005, "one typo or a spelling variant (Jon ~ John)"),
        "nickname_typo": Level(0.01, 0.002, "a nickname, one slip out (Dave ~ Daviid)"),
        "middle": Level(0.03, 0.003, "a middle name used as the forename"),
        "initial": Level(0.98, 0.07, "one side is an initial and it agrees"),
        "initial_differs": Level(0.02, 0.93, "one side is an initial and it differs"),
        "two_slips": Level(0.01, 0.004, "two slips apart: a typo in each record?"),
        "differs": Level(0.002, 0.97, "after nicknames, typos, initials: another person"),
    },
    "family name": {
        "exact": Level(0.88, 0.004, "about 1 in 250 strangers share a family name"),
        "part": Level(0.03, 0.0004, "one part of a double-barrelled name dropped"),
        "similar": Level(0.05, 0.002, "one typo or a spelling variant (Smtih ~ Smith)"),
        "phonetic": Level(0.01, 0.004, "sound alike only (Thomson ~ Thompson)"),
        "two_slips": Level(0.01, 0.003, "two slips apart: a typo in each record?"),
        "differs": Level(0.03, 0.99, "marriage, divorce and aliases change family names"),
    },
    "name order": {
        "swapped": Level(0.5, 1.0, "two orders tried: twice the chance of a fluke"),
    },
    "date of birth": {
        "exact": Level(0.88, 4e-5, "about 1 in 25,000 strangers share a DOB"),
        "exact_household": Level(0.88, 0.02, "same family and address: twins"),
        "transposed": Level(0.015, 4e-5, "day and month keyed the wrong way round"),
        "year_off_by_one": Level(0.015, 8e-5, "day and month agree, year one out"),
        "one_digit": Level(0.03, 1.2e-3, "a digit wrong or two adjacent swapped"),
        "same_month": Level(0.005, 0.0012, "same year and month, day differs"),
        "near": Level(0.008, 0.12, "under 5 years apart, no typo pattern"),
        "apart": Level(0.004, 0.3, "5 to 15 years apart"),
        "far": Level(0.001, 0.55, "15+ years apart: parent and child, not a typo"),
    },
    "gender": {
        "agrees": Level(0.97, 0.5, "half of strangers share a gender"),
        "differs": Level(0.01, 0.5, "recorded gender rarely changes between systems"),
    },
    "PNC id": {
        "agrees": Level(0.98, 1e-7, "a PNC id belongs to one person"),
        "one_char": Level(0.02, 0.02, "one character out: maybe mis-keyed"),
        "differs": Level(1e-5, 1.0, "two PNC ids: two people, unless PNC errs"),
    },
    "address": {
        "same_address": Level(0.5, 1e-4, "1 in 10,000: households, hostels, flats"),
        "same_address_household": Level(0.5, 0.005, "relatives share an address"),
        "postcode_only": Level(0.5, 1e-3, "postcode agrees, address lines not both known"),
        "postcode_only_household": Level(0.5, 0.008, "relatives share a postcode"),
        "same_postcode": Level(0.03, 1e-3, "same postcode, different address lines"),
        "same_postcode_household": Level(0.03, 0.005, "relatives nearby"),
        "same_address_line": Level(0.5, 3e-4, "address lines agree, a postcode missing"),
        "same_address_line_household": Level(0.5, 0.006, "relatives share an address"),
        "line_postcode_differs": Level(0.01, 3e-4, "lines agree, postcodes differ"),
        "line_postcode_differs_household": Level(0.01, 0.005, "relatives share a street"),
        "same_street": Level(0.05, 0.002, "same street, one side has no house number"),
        "same_street_household": Level(0.05, 0.02, "relatives live on one street"),
        "same_sector": Level(0.06, 0.004, "same postcode sector (a few streets)"),
        "same_sector_household": Level(0.06, 0.02, "relatives live nearby"),
        "differs": Level(0.36, 0.996, "nothing in common: people move, weak evidence"),
    },
}


def bits(field: str, level: str) -> float:
    return LEVELS[field][level].bits


def weight_table() -> str:
    """The m/u table as Markdown, for the docs and for analysts."""
    rows = ["| field | level | m | u | bits | why |", "|---|---|---|---|---|---|"]
    for field, levels in LEVELS.items():
        for name, lv in levels.items():
            rows.append(f"| {field} | {name} | {lv.m:g} | {lv.u:g} | {lv.bits:+.2f} | {lv.why} |")
    return "\n".join(rows)


def probability(total_bits: float) -> float:
    """Posterior probability from log2 odds (prior included)."""
    if total_bits >= 60:
        return 1.0
    if total_bits <= -60:
        return 0.0
    return 1.0 / (1.0 + math.exp2(-total_bits))


def odds_bits(p: float) -> float:
    """log2 odds of a probability: the threshold in the units the weights are in."""
    if p <= 0.0:
        return -math.inf
    if p >= 1.0:
        return math.inf
    return math.log2(p / (1.0 - p))
