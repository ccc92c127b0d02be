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
from datetime import UTC, datetime

from graph.chis.policy import ChisPolicy
from graph.chis.queue import build_queue
from graph.nodes import ChisStatus, Source
from graph.notifications import NotificationStore
from graph.store import GraphStore

DO_NOT_TASK = (
    "police request to a source who is a CHIS candidate or under assessment: asking may "
    "amount to use of a CHIS (RIPA 2000 s26(8)); refer to the FIB before any further request"
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
) -> ChisWatch:
    """Check the sources a load touched; `requests` maps report id -> source id for the
    reports in it that record a police request."""
    out = ChisWatch()
    sources = sorted(set(touched))
    if not sources:
        return out
    today = datetime.now(UTC).date()
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
    out.warnings = {
        rid: DO_NOT_TASK for rid, sid in sorted(requests.items()) if sid in candidates | assessing
    }
    return out
