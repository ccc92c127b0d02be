"""`mosaic chis`: the FIB's candidate queue and a source's chronology from the shell.

The same code as `/chis/candidates` and `/sources/{id}/chronology`; the operator reads as
a FIB reviewer, with a purpose, and every read is audited as a consultation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from api.cli import DbOption, _consulted, _reader, _settings, console, plain
from api.disclosed import candidates_returned, chronology_returned
from graph.access import AccessPolicy, Role
from graph.audit import AuditLog
from graph.chis.chronology import as_markdown, chronology
from graph.chis.policy import ChisPolicy, load_policy
from graph.chis.queue import build_queue
from graph.chis.reviews import ReviewStore
from graph.errors import NotFound
from graph.notifications import NotificationStore
from graph.store import GraphStore
from graph.stores import open_store
from ingest.entities import Resolution
from ingest.state import IngestState

chis = typer.Typer(help="CHIS candidate review (FIB): the queue and contact chronologies.")
Purpose = Annotated[str, typer.Option(help="Why (recorded in the audit log).")]


class CaseFilter(StrEnum):
    """Which candidates `mosaic chis candidates` lists: a choice, so a misspelt value is a
    usage error listing these rather than a silent "pending"."""

    PENDING = "pending"
    REVIEWED = "reviewed"
    ALL = "all"


@contextmanager
def _fib_session(
    db: Path | None, purpose: str
) -> Iterator[
    tuple[
        AccessPolicy, ChisPolicy, GraphStore, ReviewStore, AuditLog, NotificationStore, Resolution
    ]
]:
    """The operator as a FIB reviewer (after the purpose check), with what a read needs."""
    settings = _settings(db)
    reader = _reader(settings, purpose, Role.FIB_REVIEWER)
    policy = load_policy(settings.chis_policy)
    with (
        open_store(settings) as store,
        closing(ReviewStore(settings.governance_path)) as reviews,
        closing(NotificationStore(settings.governance_path)) as notes,
        closing(AuditLog(settings.governance_path)) as log,
        IngestState(settings.ingest_path) as state,
    ):
        yield reader, policy, store, reviews, log, notes, Resolution(state)


@chis.command("candidates")
def candidates_command(
    purpose: Purpose,
    status: Annotated[
        CaseFilter, typer.Option(help="Not yet reviewed, reviewed, or all.")
    ] = CaseFilter.PENDING,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    db: DbOption = None,
) -> None:
    """Sources over the policy threshold, highest score first, with their drift."""
    with _fib_session(db, purpose) as (reader, policy, store, reviews, log, _notes, entities):
        today = datetime.now(UTC).date()
        entity_of = entities.entity_map()  # one person under several records counts once
        queue = build_queue(
            store,
            policy,
            reviews.latest(),
            today,
            None,
            entities.records_of,
            reader.filter,
            entity_of,
        )
        queue = [
            c
            for c in queue
            if status is CaseFilter.ALL
            or (status is CaseFilter.REVIEWED) == (c.case.status == "reviewed")
        ][:limit]
        _consulted(log, reader, purpose, "chis candidates", [], candidates_returned(queue))
    if as_json:
        rows = [
            {
                "source_id": c.source_id,
                "person_id": c.person_id,
                "score": c.score,
                "indicators": c.indicators,
                "contacts": c.contacts,
                "first_crossed": c.first_crossed,
                "drift_days": c.drift_days,
                "escalated": c.escalated,
                "case": c.case.status,
            }
            for c in queue
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title=f"CHIS candidates ({status.value})")
    for col in ("source", "person", "score", "contacts", "drift (days)", "case", "indicators"):
        table.add_column(col)
    for c in queue:
        table.add_row(
            *plain(
                c.source_id,
                c.person_id or "",
                f"{c.score:g}",
                c.contacts,
                c.drift_days,
                c.case.status,
                ", ".join(c.indicators),
            )
        )
    console.print(table)


@chis.command("show")
def show_command(
    source_id: str,
    purpose: Purpose,
    export: Annotated[
        Path | None, typer.Option(help="Write the chronology (markdown) for a referral.")
    ] = None,
    db: DbOption = None,
) -> None:
    """One source's contact chronology and, if a candidate, the indicators that fired."""
    with _fib_session(db, purpose) as (reader, policy, store, reviews, log, notes, entities):
        try:
            chron = chronology(store, source_id, notes, entities.state.warnings, reader.filter)
        except NotFound as exc:
            console.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(1) from exc
        today = datetime.now(UTC).date()
        found = build_queue(
            store, policy, reviews.latest(), today, [source_id], entities.records_of, reader.filter
        )
        returned = chronology_returned(chron)
        _consulted(log, reader, purpose, "chis chronology", [source_id], returned)
    text = as_markdown(chron)
    if export is not None:
        export.write_text(text)
        console.print(f"wrote {export}")
    else:
        typer.echo(text)
    # Reasons quote what sources and officers wrote (a police request, ids): shown as they
    # are, never read as console markup (`[/b]` in a request would stop the command).
    for c in found:
        console.print(
            f"candidate: score {c.score:g} (threshold {policy.threshold:g}), case {c.case.status}"
            f" ({escape(c.case.reason)}), first crossed {c.first_crossed}, drift {c.drift_days}"
            " days"
        )
        for f in c.fired:
            console.print(f"  {f.weight:+5.1f}  {f.indicator}: {escape(f.reason)}")
