"""CHIS checks after each load: notify the FIB of new candidates, and warn about asking.

The APP requires staff to notify the intelligence unit when someone who is not a CHIS
contacts the police on a repeated basis: when a load takes a source over the threshold
the FIB gets a notification (once per source, with an owner and a state). And asking a
person to obtain information may be "use" of a CHIS: a report recording a police request
to a source who is a candidate or under assessment carries a warning, kept with the
record and returned with the load's summary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from graph.chis.policy import ChisPolicy
from graph.chis.queue import build_queue
from graph.edges import EdgeKind
from graph.nodes import ChisStatus, Source
from graph.notifications import NotificationStore
from graph.store import GraphStore, TraversalFilter

DO_NOT_TASK = (
    "police request to a source who is a CHIS candidate or under assessment: asking may "
    "amount to use of a CHIS (RIPA 2000 s26(8)); refer to the FIB before any further request"
)
DO_NOT_TASK_TASKING = (
    "tasking directed at a member of the public who is a CHIS candidate or under "
    "assessment: tasking them may amount to use of a CHIS (RIPA 2000 s26(8)); refer to the "
    "FIB before it is given"
)


@dataclass
class ChisWatch:
    notified: list[str] = field(default_factory=list)  # sources newly notified to the FIB
    warnings: dict[str, str] = field(default_factory=dict)  # report id -> warning

    def as_dict(self) -> dict[str, object]:
        """What the uploader is told: the warnings on their own reports. Who was notified
        to the FIB stays with the FIB (not even a count)."""
        return {"warnings": self.warnings}


def after_load(
    store: GraphStore,
    notifications: NotificationStore,
    policy: ChisPolicy,
    touched: Iterable[str],
    requests: dict[str, str],
    records_of: Callable[[str], Iterable[str]] | None = None,
    taskings: dict[str, str] | None = None,
) -> ChisWatch:
    """Check the sources a load touched; `requests` maps report id -> source id for the
    reports in it that record a police request; `taskings` maps tasking id -> the member of
    the public it is directed at."""
    out = ChisWatch()
    today = datetime.now(UTC).date()
    if taskings:
        out.warnings.update(_tasking_guard(store, policy, taskings, today, records_of))
    sources = sorted(set(touched))
    if not sources:
        return out
    queue = build_queue(store, policy, {}, today, sources, records_of)
    for c in queue:
        fired = ", ".join(c.indicators)
        reason = (
            f"source {c.source_id} crossed the CHIS review threshold on "
            f"{(c.first_crossed or '')[:10]} (score {c.score:g}: {fired})"
        )
        evidence = sorted({r for f in c.fired for r in f.evidence})
        if notifications.raise_fib(c.source_id, reason, evidence):
            out.notified.append(c.source_id)
    candidates = {c.source_id for c in queue}
    asked = set(requests.values())
    nodes = store.get_nodes(asked)
    assessing = {
        sid
        for sid, n in nodes.items()
        if isinstance(n, Source) and n.chis_status is ChisStatus.UNDER_ASSESSMENT
    }
    out.warnings.update(
        {rid: DO_NOT_TASK for rid, sid in sorted(requests.items()) if sid in candidates | assessing}
    )
    return out


def sources_of(store: GraphStore, person_ids: Iterable[str]) -> dict[str, list[str]]:
    """Person id -> the sources that are that person (IS_PERSON), by id."""
    is_person = TraversalFilter(edge_kinds=frozenset({EdgeKind.IS_PERSON}))
    out: dict[str, list[str]] = {}
    for ref in store.incident(sorted(set(person_ids)), is_person):
        out.setdefault(ref.dst, []).append(ref.src)
    return {p: sorted(s) for p, s in out.items()}


def _tasking_guard(
    store: GraphStore,
    policy: ChisPolicy,
    taskings: dict[str, str],
    today: date,
    records_of: Callable[[str], Iterable[str]] | None,
) -> dict[str, str]:
    """Taskings of a person who, as a source, is a candidate or under assessment."""
    sources = sources_of(store, taskings.values())
    every = sorted({s for ss in sources.values() for s in ss})
    if not every:
        return {}
    flagged = {c.source_id for c in build_queue(store, policy, {}, today, every, records_of)}
    nodes = store.get_nodes(every)
    flagged |= {
        sid
        for sid, n in nodes.items()
        if isinstance(n, Source) and n.chis_status is ChisStatus.UNDER_ASSESSMENT
    }
    return {
        tid: DO_NOT_TASK_TASKING
        for tid, pid in sorted(taskings.items())
        if set(sources.get(pid, [])) & flagged
    }
