"""Find a person by name (fuzzy) or id, among the persons the caller may see.

An exact id comes first; then names scored with rapidfuzz's WRatio (token order and
partial matches count, so "hume darrel" and "Darel Hume" both find "Darrel Hume").
Hidden persons are never scored, so a search cannot reveal that someone exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from graph.nodes import NodeKind
from graph.store import GraphStore, TraversalFilter

MIN_SCORE = 60.0
MAX_RESULTS = 50


@dataclass(frozen=True)
class Found:
    person_id: str
    names: str
    score: float


def find_persons(
    store: GraphStore, query: str, flt: TraversalFilter, limit: int = 20
) -> list[Found]:
    """Best matches first (then by id); at most `limit`."""
    text = query.strip()
    if not text:
        return []
    persons = flt.model_copy(update={"node_kinds": frozenset({NodeKind.PERSON})})
    names = dict(store.person_names(persons))
    out: list[Found] = []
    exact = [pid for pid in names if pid.lower() == text.lower()]
    out += [Found(pid, names[pid], 100.0) for pid in exact]
    scored = process.extract(
        text,
        names,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=None,
        score_cutoff=MIN_SCORE,
    )
    ranked = sorted(
        ((float(score), pid) for _, score, pid in scored if pid not in exact),
        key=lambda x: (-x[0], x[1]),
    )
    out += [Found(pid, names[pid], round(score, 1)) for score, pid in ranked]
    return out[:limit]
