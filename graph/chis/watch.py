"""CHIS checks after each load: notify the FIB of new candidates, and warn about asking.

The APP requires staff to notify the intelligence unit when someone who is not a CHIS
contacts the police on a repeated basis: when a load takes a source over the threshold
the FIB gets a notification (once per source, with an owner and a state), decided, dated,
scored and cited over what a FIB reviewer may see. And asking a person to obtain
information may be "use" of a CHIS: a report recording a police request to a source who
is a candidate or under assessment carries a warning, kept with the record and returned
with the load's summary. That guard errs on warning: a candidate over every record, or
over what a FIB reviewer may see, is warned about; the warning names no report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from graph.access import AccessPolicy, Principal, Role
from graph.chis.policy import ChisPolicy
from graph.chis.queue import build_queue
from graph.edges import EdgeKind
from graph.nodes import ChisStatus, Source
from graph.notifications import FIB_OWNER, NotificationStore
from graph.store import GraphStore, TraversalFilter

FIB_VIEW = AccessPolicy(Principal(FIB_OWNER, Role.FIB_REVIEWER)).filter
"""What a FIB reviewer may see: the notifications go to the FIB, so whether a source is
notified, and the date, score, indicators and evidence the notification gives, are taken
over this view (as the queue and chronology the reviewer then opens are)."""

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
    queue = build_queue(store, policy, {}, today, sources, records_of, FIB_VIEW)
    for c in queue:
        fired = ", ".join(c.indicators)
        reason = (
            f"source {c.source_id} crossed the CHIS review threshold on "
            f"{(c.first_crossed or '')[:10]} (score {c.score:g}: {fired})"
        )
        evidence = sorted({r for f in c.fired for r in f.evidence})
        if notifications.raise_fib(c.source_id, reason, evidence):
            out.notified.append(c.source_id)
    # A load touches every source it asks, so their FIB-view verdicts are in `queue`.
    asked = sorted(set(requests.values()))
    seen = {c.source_id for c in queue} if set(asked) <= set(sources) else None
    flagged = _flagged(store, policy, asked, today, records_of, seen)
    out.warnings.update(
        {rid: DO_NOT_TASK for rid, sid in sorted(requests.items()) if sid in flagged}
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
    flagged = _flagged(store, policy, every, today, records_of)
    return {
        tid: DO_NOT_TASK_TASKING
        for tid, pid in sorted(taskings.items())
        if set(sources.get(pid, [])) & flagged
    }


def _flagged(
    store: GraphStore,
    policy: ChisPolicy,
    source_ids: list[str],
    today: date,
    records_of: Callable[[str], Iterable[str]] | None,
    seen: set[str] | None = None,
) -> set[str]:
    """Of `source_ids`, those asking must carry the do-not-task warning: candidates over
    what a FIB reviewer may see (`seen`, when the caller has them already) or over every
    record, whoever may see it, and sources under assessment. The guard errs on warning,
    hence both views: a score over fewer reports is usually lower, though not always (the
    acceleration indicator compares gaps). The warning is a fixed text kept with the
    loader's own request or tasking: it cites no report, counts nothing, names no source."""
    if not source_ids:
        return set()
    if seen is None:
        seen = {
            c.source_id
            for c in build_queue(store, policy, {}, today, source_ids, records_of, FIB_VIEW)
        }
    every = {c.source_id for c in build_queue(store, policy, {}, today, source_ids, records_of)}
    assessing = {
        sid
        for sid, n in store.get_nodes(source_ids).items()
        if isinstance(n, Source) and n.chis_status is ChisStatus.UNDER_ASSESSMENT
    }
    return (seen & set(source_ids)) | every | assessing
