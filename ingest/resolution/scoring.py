"""Score candidate pairs into outcomes, and resolve report mentions to person records.

Thresholds are on the score, the posterior probability that two records are one person
(see `weights`); scoring through an index uses the prior for the index's size and its
name frequencies. Linking is worth doing when P(same) * cost of a missed link exceeds
(1 - P(same)) * cost of a wrong link, i.e. above C_wrong / (C_wrong + C_missed). The
defaults take a wrong link to cost about six missed ones (it puts one person's history
on another; a missed one leaves two records an analyst can still find and join):

- auto_link at 0.85 (odds of about 6 to 1) and above: linked without a human. Every auto
  link carries its explanation and a 'not_same' judgement undoes it for good;
- review from 0.5 (even odds) up to 0.85: queued for an analyst;
- possible from 0.2 (odds of 1 to 4) up to 0.5: kept apart and never queued, but kept as
  a *possible match* so a nominal's risk assessment can show what the records it may be
  say (unscored: a name-only mention of a nominal is the usual case, and a name alone
  can never reach review);
- keep_apart below 0.2.

Both are policy, not physics: `bench/bench_resolution.py` prints precision and recall at
other auto-link thresholds for choosing them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial

from ingest.resolution.blocking import PersonIndex
from ingest.resolution.comparison import max_bits, score_bits
from ingest.resolution.explanation import Comparison, Feature, compare_prepared
from ingest.resolution.normalise import prepare_mention
from ingest.resolution.records import MentionFacts, PersonFacts
from ingest.resolution.weights import odds_bits, probability


class Outcome(StrEnum):
    AUTO_LINK = "auto_link"
    REVIEW = "review"
    POSSIBLE = "possible"
    KEEP_APART = "keep_apart"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Score cut-offs: >= auto_link links without a human, >= review is queued, >= possible
    is kept (apart) as a possible match."""

    auto_link: float = 0.85
    review: float = 0.5
    possible: float = 0.2

    def __post_init__(self) -> None:
        if not 0.0 < self.possible <= self.review <= self.auto_link <= 1.0:
            raise ValueError(f"need 0 < possible <= review <= auto_link <= 1, got {self}")

    def outcome(self, score: float) -> Outcome:
        if score >= self.auto_link:
            return Outcome.AUTO_LINK
        if score >= self.review:
            return Outcome.REVIEW
        if score >= self.possible:
            return Outcome.POSSIBLE
        return Outcome.KEEP_APART


@dataclass(frozen=True, slots=True)
class ScoredPair:
    """A scored candidate pair, ends in id order (a < b)."""

    a: str
    b: str
    score: float
    outcome: Outcome
    features: tuple[Feature, ...] = ()

    def __post_init__(self) -> None:
        if not self.a < self.b:
            raise ValueError(f"pair ends must be in id order: {self.a!r}, {self.b!r}")


class MentionMatch:
    """The person record a mention resolved to; `also_above` lists other records that
    cleared the threshold too (duplicates of one person, or an ambiguity to look at).

    `comparison` (the explanation) is built when first read, not while resolving: most
    callers store the match and only an analyst opening it needs the reasons. It reads
    the index's name counts as they are then; `score` is the one the decision used.
    """

    __slots__ = ("_comparison", "_explain", "also_above", "key", "person_id", "score")

    def __init__(
        self,
        key: str,
        person_id: str,
        score: float,
        explain: Callable[[], Comparison],
        also_above: tuple[str, ...] = (),
    ) -> None:
        self.key, self.person_id, self.score = key, person_id, score
        self.also_above = also_above
        self._explain = explain
        self._comparison: Comparison | None = None

    @property
    def comparison(self) -> Comparison:
        if self._comparison is None:
            self._comparison = self._explain()
        return self._comparison

    def __repr__(self) -> str:
        return f"MentionMatch({self.key!r} -> {self.person_id!r}, score={self.score:.3f})"


@dataclass(slots=True)
class ResolutionStats:
    """Work done by a run: candidate pairs read, pairs scored in full (with notes)."""

    candidate_pairs: int = 0
    explained: int = 0
    outcomes: dict[Outcome, int] = field(default_factory=lambda: dict.fromkeys(Outcome, 0))


def score_pairs(
    index: PersonIndex,
    ids: Iterable[str],
    thresholds: Thresholds | None = None,
    stats: ResolutionStats | None = None,
) -> list[ScoredPair]:
    """Score every candidate pair touching `ids`; return those at possible or above.

    The answer is complete for `ids`: a candidate pair touching them that is not
    returned is keep_apart, so a caller holding earlier links for these ids should
    replace them with this answer. Pairs come back in id order.
    """
    limits = thresholds or Thresholds()
    stats = stats if stats is not None else ResolutionStats()
    floor = odds_bits(limits.possible)
    review = odds_bits(limits.review)
    ctx = index.context()
    out: list[ScoredPair] = []
    records = index.prepared_records()
    for a, b in index.pairs_for(ids):
        stats.candidate_pairs += 1
        pa, pb = records[a], records[b]
        bits = score_bits(pa, pb, floor, ctx)
        if bits < floor - 1e-9:
            stats.outcomes[Outcome.KEEP_APART] += 1
            continue
        if bits < review - 1e-9:
            # A possible match keeps its score only: there are many, nobody reviews them,
            # and `compare` explains one on demand (the bits are the full comparison's).
            stats.outcomes[Outcome.POSSIBLE] += 1
            out.append(ScoredPair(a, b, probability(bits), Outcome.POSSIBLE))
            continue
        comparison = compare_prepared(pa, pb, ctx)
        stats.explained += 1
        outcome = limits.outcome(comparison.score)
        stats.outcomes[outcome] += 1
        if outcome is not Outcome.KEEP_APART:
            out.append(ScoredPair(a, b, comparison.score, outcome, comparison.features))
    return out


def resolve_all(
    records: Iterable[PersonFacts],
    thresholds: Thresholds | None = None,
    stats: ResolutionStats | None = None,
    index: PersonIndex | None = None,
) -> list[ScoredPair]:
    """Resolve a whole set of records: index them all, score every candidate pair.

    Returns the auto_link, review and possible pairs (keep_apart pairs are counted in `stats`,
    not returned: there are many and nothing is done with them). Pass `index` to keep
    it for later incremental runs and mention matching.
    """
    index = index if index is not None else PersonIndex()
    for record in records:
        index.add(record)
    return score_pairs(index, list(index.ids()), thresholds, stats)


def match_mention(
    index: PersonIndex,
    mention: MentionFacts,
    thresholds: Thresholds | None = None,
    judged: Mapping[tuple[str, str], str] | None = None,
) -> MentionMatch | None:
    """The best person record for a report mention if it scores auto_link, else None.

    A mention is compared on what it has: the name always, DOB and address when given
    (missing is not comparable, never a disagreement). Only candidates sharing a name
    code and a DOB or place key are scored (a name alone cannot clear the bar, so such a
    mention is answered before any look-up), through the early-exit fast path; the
    winner's explanation is built when read. When
    another record also clears the bar and the two records are themselves keep_apart
    (father and son, both 'John Smith' at one address, and a mention without a DOB), the
    mention is ambiguous and None is returned: a wrong attribution is worse than none.
    Human judgements (`judged`: pair in id order -> verdict) win over those scores: two
    records judged not_same are two people, so a mention fitting both is ambiguous; two
    judged same are one.
    """
    limits = thresholds or Thresholds()
    floor = odds_bits(limits.auto_link)
    ctx = index.context()
    place = bool(mention.address or mention.postcode)
    if max_bits(ctx, dob=mention.dob is not None, place=place, pnc=False, gender=False) < floor:
        return None  # e.g. a name alone: no record could reach the bar
    prepared = prepare_mention(mention)
    best_id, best_bits = "", -math.inf
    above: list[str] = []
    records = index.prepared_records()
    for rid in index.mention_candidates(prepared):
        bits = score_bits(prepared, records[rid], floor, ctx)
        if bits >= floor:
            above.append(rid)
        if bits > best_bits or (bits == best_bits and rid < best_id):
            best_id, best_bits = rid, bits
    if best_bits < floor:
        return None
    others = tuple(sorted(r for r in above if r != best_id))
    apart = odds_bits(limits.review)
    best = records[best_id]
    for other in others:
        verdict = (judged or {}).get((best_id, other) if best_id < other else (other, best_id))
        if verdict == "not_same":
            return None  # a human said these are two people: ambiguous
        if verdict == "same":
            continue
        if score_bits(best, records[other], apart, ctx) < apart:
            return None  # two records clear the bar and are not one person: ambiguous
    return MentionMatch(
        mention.key,
        best_id,
        probability(best_bits),
        partial(compare_prepared, prepared, best, ctx),
        others,
    )
