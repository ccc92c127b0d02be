"""Notifications to offender managers: new intelligence linked to a ViSOR nominal.

When a load adds a report about or naming a nominal, a new association, or a new address,
a notification is routed to the nominal's offender manager (the `offender_manager` on the
ViSOR record) with the reason and the evidence. It has an owner and a state (`new`,
`seen`, `actioned`); every change of state and every action is recorded with who did it
and when, and never overwritten.

One notification per (nominal, edge): loading the same file again, or a second report
strengthening the same association, does not notify twice.

A notification is stored as it was written (a record of what was sent); what a reader is
shown of it is decided when it is read, from the current markings (`as_seen`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from graph.edges import Edge, EdgeKind
from graph.errors import NotFound, ValidationFailed
from graph.handles import Handles, kept_key
from graph.nodes import Person
from graph.sqlite_files import open_sqlite, write_transaction
from graph.store import GraphStore, TraversalFilter

State = Literal["new", "seen", "actioned"]
STATES: tuple[State, ...] = ("new", "seen", "actioned")
NOTIFYING = {
    EdgeKind.ABOUT: "new report about the nominal",
    EdgeKind.MENTIONS: "new report naming the nominal",
    EdgeKind.ASSOCIATED_WITH: "new association",
    EdgeKind.RESIDES_AT: "new address",
}
UNASSIGNED = "unassigned"
SELECT = "SELECT seq, nominal_id, edge_id, owner, kind, reason, evidence, created_at "
FIB_OWNER = "fib"  # the intelligence unit: CHIS review notifications
CHIS_KEY = "chis-threshold"
CHIS_THRESHOLD = "chis_threshold"  # the kind of a FIB notification that a source crossed
OWNERS_NOT_ACCOUNTS = frozenset({FIB_OWNER, UNASSIGNED})
"""Owners that are not accounts; no offender manager is called these (`api.accounts`)."""


def names_an_owner_not_an_account(name: str) -> bool:
    """Whether `name`, as a ViSOR record may spell it (any case, spaces around), is `fib`
    or `unassigned` rather than an offender manager."""
    return name.strip().casefold() in OWNERS_NOT_ACCOUNTS


def owner_of(person: Person) -> str:
    """Who a nominal's notifications go to: the account named as the ViSOR record's
    offender manager, else the unassigned pile (no offender manager, or a name that is an
    owner and not an account: it must not route a nominal to the FIB)."""
    manager = person.visor.offender_manager if person.visor else None
    if not manager or names_an_owner_not_an_account(manager):
        return UNASSIGNED
    return manager


SCHEMA = """
CREATE TABLE IF NOT EXISTS notifications (
    seq INTEGER PRIMARY KEY,
    nominal_id TEXT NOT NULL,
    edge_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    evidence TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (nominal_id, edge_id)
);
CREATE INDEX IF NOT EXISTS notifications_owner ON notifications(owner, seq);
CREATE TABLE IF NOT EXISTS notification_events (
    seq INTEGER PRIMARY KEY,
    notification INTEGER NOT NULL REFERENCES notifications(seq),
    state TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notification_events_of ON notification_events(notification, seq);
CREATE TRIGGER IF NOT EXISTS notification_events_append_only BEFORE UPDATE ON notification_events
BEGIN SELECT RAISE(ABORT, 'notification history is append-only'); END;
"""


@dataclass(frozen=True)
class NotificationEvent:
    state: str
    actor: str
    action: str | None
    at: str


@dataclass(frozen=True)
class Notification:
    seq: int  # one sequence for every owner: kept and audited, never shown (`id` is)
    id: str  # the opaque handle callers see and address it by (`graph.handles`)
    nominal_id: str
    edge_id: str
    owner: str
    kind: str
    reason: str
    evidence: list[str]  # report ids (or structured records) behind the new link
    created_at: str
    state: str
    history: list[NotificationEvent]


Narrowing = Callable[[list[Notification]], list[Notification]]
"""What one reader may see of some notifications (`as_seen` bound to a store and view)."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _key_names(key: str) -> set[str]:
    """Every id a notification's key may name: the key itself (a record, e.g. a travel
    event) and each run of an edge id's `:`-separated parts (`KIND:SRC:DST...`, and ids
    may hold `:`), for a link that no longer exists to say which its ends were."""
    parts = key.split(":")
    return {":".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)}


def as_seen(
    store: GraphStore, view: TraversalFilter, raised: Sequence[Notification]
) -> list[Notification]:
    """The notifications as a reader with `view` (their `AccessPolicy.filter`) may see them
    now, from the current markings: the one rule for every way notifications are read.

    A cited record the reader may not see is left out of the evidence (even its id tells
    that it exists and concerns the nominal). A notification whose basis they may not see
    is left out whole, never shown with a gap: its link (an edge id names both ends, the
    reason the other end), either end of it, its nominal (who must still exist), a record
    its key names, or every record it cites. Evidence that is not a node (a structured
    record's key) names no one hidden. The stored notification is not changed."""
    if not raised:
        return []
    edges = store.get_edges(sorted({n.edge_id for n in raised}))
    named = {i for e in edges.values() for i in (e.src, e.dst)}
    for n in raised:
        named |= {n.nominal_id, *n.evidence}
        if n.edge_id not in edges:
            named |= _key_names(n.edge_id)
    nodes = store.get_nodes(sorted(named))

    def shows(node_id: str) -> bool:
        return node_id in nodes and view.shows(nodes[node_id].marking)

    def seen(n: Notification) -> Notification | None:
        edge = edges.get(n.edge_id)
        if edge is not None:
            if not (view.shows(edge.marking) and shows(edge.src) and shows(edge.dst)):
                return None
        elif not all(shows(i) for i in _key_names(n.edge_id) if i in nodes):
            return None
        if not shows(n.nominal_id):
            return None
        evidence = [e for e in n.evidence if e not in nodes or shows(e)]
        if n.evidence and not evidence:
            return None
        if evidence == n.evidence:
            return n
        if n.kind == CHIS_THRESHOLD:
            # Its date, score and indicators were worked out over every report it cited:
            # with one hidden, they would tell what the hidden report added.
            return replace(n, evidence=evidence, reason=_narrowed_chis_reason(n.nominal_id))
        return replace(n, evidence=evidence)

    return [shown for n in raised if (shown := seen(n)) is not None]


def _narrowed_chis_reason(source_id: str) -> str:
    return (
        f"source {source_id} crossed the CHIS review threshold (the date, score and "
        "indicators it was raised with rest partly on reports you may not see now: see the "
        "source's chronology for them over what you may see)"
    )


def named_by(store: GraphStore, shown: Sequence[Notification]) -> list[str]:
    """The ids notifications (as `as_seen` gave them) name besides their nominal, for the
    audit entry of the read: the records they cite and their link's other end (named in
    the reason)."""
    edges = store.get_edges(sorted({n.edge_id for n in shown}))
    ends = {
        i
        for n in shown
        if (e := edges.get(n.edge_id)) is not None
        for i in (e.src, e.dst)
        if i != n.nominal_id
    }
    return sorted(ends | {r for n in shown for r in n.evidence})


def notifications_for(
    edges: Iterable[Edge], persons: dict[str, Person]
) -> list[tuple[Person, Edge]]:
    """(nominal, edge) for every new edge that links new intelligence to a ViSOR nominal."""
    out = []
    for edge in edges:
        if edge.kind not in NOTIFYING:
            continue
        for end in (edge.src, edge.dst):
            person = persons.get(end)
            if person is not None and person.visor is not None:
                out.append((person, edge))
    return out


class NotificationStore:
    """Notifications and their append-only history, in a SQLite file."""

    def __init__(self, path: Path) -> None:
        self._conn = open_sqlite(path, "notifications")
        self._conn.executescript(SCHEMA)
        self._lock = threading.Lock()
        self._handles = Handles(kept_key(self._conn, self._lock, "notifications"), "notification")

    def close(self) -> None:
        self._conn.close()

    def forget(self, report_ids: Sequence[str], edge_ids: Sequence[str]) -> int:
        """After a disposal: notifications about an erased link go, with their history;
        others stop citing the erased reports. Returns how many were removed."""
        gone_reports, gone_edges = set(report_ids), set(edge_ids)
        with self._lock:
            rows = self._conn.execute("SELECT seq, edge_id, evidence FROM notifications").fetchall()
            doomed = [seq for seq, edge, _ in rows if edge in gone_edges]
            narrowed = [
                (json.dumps(kept), seq)
                for seq, edge, evidence in rows
                if edge not in gone_edges
                and (kept := [e for e in json.loads(evidence) if e not in gone_reports])
                != json.loads(evidence)
            ]
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for seq in doomed:
                    self._conn.execute(
                        "DELETE FROM notification_events WHERE notification = ?", (seq,)
                    )
                    self._conn.execute("DELETE FROM notifications WHERE seq = ?", (seq,))
                self._conn.executemany(
                    "UPDATE notifications SET evidence = ? WHERE seq = ?", narrowed
                )
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        return len(doomed)

    def raise_for(self, pairs: Sequence[tuple[Person, Edge]]) -> int:
        """Record one notification per (nominal, edge); returns how many were new."""
        if not pairs:
            return 0
        at = _now()
        rows = []
        for person, edge in pairs:
            assert person.visor is not None
            other = edge.dst if edge.src == person.id else edge.src
            what = NOTIFYING[edge.kind]
            detail = edge.association_type.value if edge.association_type else edge.kind.value
            evidence = edge.report_ids or [
                f"{s.source_system}:{s.source_record_id}" for s in edge.provenance.supports
            ]
            rows.append(
                (
                    person.id,
                    edge.id,
                    owner_of(person),
                    edge.kind.value,
                    f"{what}: {detail} {other}",
                    json.dumps(evidence),
                    at,
                )
            )
        with write_transaction(self._conn, self._lock) as conn:
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO notifications (nominal_id, edge_id, owner, kind, reason, "
                "evidence, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            return conn.total_changes - before

    def raise_fib(self, source_id: str, reason: str, evidence: Sequence[str]) -> bool:
        """Notify the FIB that a source crossed the CHIS review threshold (the APP duty to
        notify the intelligence unit); once per source. True if it is new."""
        with write_transaction(self._conn, self._lock) as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO notifications (nominal_id, edge_id, owner, kind, reason, "
                "evidence, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    source_id,
                    CHIS_KEY,
                    FIB_OWNER,
                    CHIS_THRESHOLD,
                    reason,
                    json.dumps(list(evidence)),
                    _now(),
                ),
            )
            return cur.rowcount == 1

    def raise_to(
        self, owner: str, nominal_id: str, key: str, kind: str, reason: str, evidence: Sequence[str]
    ) -> bool:
        """A notification for a named owner (e.g. the force's MOSOVO single point of
        contact), once per nominal and key. True if it is new."""
        with write_transaction(self._conn, self._lock) as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO notifications (nominal_id, edge_id, owner, kind, reason, "
                "evidence, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (nominal_id, key, owner, kind, reason, json.dumps(list(evidence)), _now()),
            )
            return cur.rowcount == 1

    def listing(
        self,
        owner: str | None = None,
        state: str | None = None,
        limit: int = 100,
        after: int = 0,
        seen: Narrowing | None = None,
    ) -> list[Notification]:
        """Oldest first; `owner=None` for every offender manager's (supervisors): the FIB's
        CHIS notifications stay with the FIB, who alone may see who a source is. `seen`
        narrows them to what the reader may see before `limit` is counted, so a page is
        full whenever more may be seen and nothing hidden shows as a gap or a count."""
        sql = SELECT + "FROM notifications WHERE seq > ?"
        params: list[object] = [after]
        if owner is not None:
            sql += " AND owner = ?"
            params.append(owner)
        else:
            sql += " AND owner <> ?"
            params.append(FIB_OWNER)
        sql += " ORDER BY seq"
        with self._lock:
            rows = self._conn.execute(sql, params).fetchall()
        out: list[Notification] = []
        for start in range(0, len(rows), limit):
            batch = [self._with_history(row) for row in rows[start : start + limit]]
            batch = [n for n in batch if state is None or n.state == state]
            out += seen(batch) if seen is not None else batch
            if len(out) >= limit:
                break
        return out[:limit]

    def about(self, nominal_id: str, owner: str | None = None) -> list[Notification]:
        """Every notification about one nominal (only `owner`'s unless None), oldest first."""
        sql = SELECT + "FROM notifications WHERE nominal_id = ?"
        params: list[object] = [nominal_id]
        if owner is not None:
            sql += " AND owner = ?"
            params.append(owner)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY seq", params).fetchall()
        return [self._with_history(row) for row in rows]

    def seq_of(self, handle: str) -> int:
        """The number behind a handle a caller gave; `NotFound` for one not made here, as
        for a notification that does not exist."""
        seq = self._handles.number(handle)
        if seq is None:
            raise NotFound(f"notification {handle} not found")
        return seq

    def find(self, handle: str) -> Notification:
        """The notification a caller addresses by its handle (`NotFound` naming the handle,
        never the number)."""
        try:
            return self.get(self.seq_of(handle))
        except NotFound:
            raise NotFound(f"notification {handle} not found") from None

    def get(self, seq: int) -> Notification:
        with self._lock:
            row = self._conn.execute(
                SELECT + "FROM notifications WHERE seq = ?",
                (seq,),
            ).fetchone()
        if row is None:
            raise NotFound(f"notification {seq} not found")
        return self._with_history(row)

    def _with_history(self, row: tuple[object, ...]) -> Notification:
        with self._lock:
            events = [
                NotificationEvent(*e)
                for e in self._conn.execute(
                    "SELECT state, actor, action, at FROM notification_events "
                    "WHERE notification = ? ORDER BY seq",
                    (row[0],),
                )
            ]
        state = events[-1].state if events else "new"
        seq, nominal, edge, owner, kind, reason, evidence, created = row
        number = int(str(seq))
        return Notification(
            number,
            self._handles.of(number),
            str(nominal),
            str(edge),
            str(owner),
            str(kind),
            str(reason),
            json.loads(str(evidence)),
            str(created),
            state,
            events,
        )

    def record(self, seq: int, state: str, actor: str, action: str | None = None) -> Notification:
        """Move a notification to `state` (an action taken can be noted); kept in history."""
        if state not in STATES:
            raise ValidationFailed(f"state must be one of {', '.join(STATES)}, got {state!r}")
        if state == "actioned" and not (action or "").strip():
            raise ValidationFailed("say what was done: an actioned notification needs an action")
        self.get(seq)
        with write_transaction(self._conn, self._lock) as conn:
            conn.execute(
                "INSERT INTO notification_events (notification, state, actor, action, at) "
                "VALUES (?, ?, ?, ?, ?)",
                (seq, state, actor, action, _now()),
            )
        return self.get(seq)
