"""Entity resolution: which person records (and report mentions) are one human.

Pure and storage-free: the caller loads facts, persists judgements, queue and entities.

- `compare(a, b)` -> `Comparison` (score in [0, 1], explained per field)
- `PersonIndex` (blocking: add / remove / candidates / pairs_for)
- `score_pairs(index, ids, thresholds)`, `resolve_all(records, thresholds)` -> `ScoredPair`s
- `cluster(ids, links, judgements)` -> {person id: entity id}; `cluster_explained` also
  says which links were refused and why
- `match_mention(index, mention, thresholds)` -> `MentionMatch | None`

The scoring model and its m/u guesses are in `weights`; blocking keys in `blocking`;
field levels and the fast score in `comparison`; the analyst's features in
`explanation`.
"""

from ingest.resolution.blocking import BLOCK_CAP, BlockingCounts, PersonIndex, blocking_keys
from ingest.resolution.cluster import Clustering, RefusedLink, Verdict, cluster, cluster_explained
from ingest.resolution.comparison import DEFAULT_CONTEXT, Context, score_bits
from ingest.resolution.explanation import Comparison, Feature, compare, compare_prepared
from ingest.resolution.frequencies import NameFrequencies
from ingest.resolution.normalise import PreparedPerson, prepare_mention, prepare_person
from ingest.resolution.records import MentionFacts, PersonFacts
from ingest.resolution.scoring import (
    MentionMatch,
    Outcome,
    ResolutionStats,
    ScoredPair,
    Thresholds,
    match_mention,
    resolve_all,
    score_pairs,
)

__all__ = [
    "BLOCK_CAP",
    "DEFAULT_CONTEXT",
    "BlockingCounts",
    "Clustering",
    "Comparison",
    "Context",
    "Feature",
    "MentionFacts",
    "MentionMatch",
    "NameFrequencies",
    "Outcome",
    "PersonFacts",
    "PersonIndex",
    "PreparedPerson",
    "RefusedLink",
    "ResolutionStats",
    "ScoredPair",
    "Thresholds",
    "Verdict",
    "blocking_keys",
    "cluster",
    "cluster_explained",
    "compare",
    "compare_prepared",
    "match_mention",
    "prepare_mention",
    "prepare_person",
    "resolve_all",
    "score_bits",
    "score_pairs",
]
