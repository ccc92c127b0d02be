"""`mosaic sar PERSON_ID`: a subject access pack from the shell (as a supervisor), written
as JSON, audited as a disclosure to the data subject with the restriction grounds applied.
"""

from __future__ import annotations

from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from api.cli import DbOption, _day, _person_or_exit, _reader, _settings, console
from graph.access import Role
from graph.audit import AuditEvent, AuditLog, Operation
from graph.retention.policy import policy_from
from graph.retention.reviews import ReviewLog
from graph.sharing.store import SharingStore
from graph.stores import open_store
from graph.subject_access import RestrictionStore, subject_access
from graph.times import utc_today
from ingest.entities import Resolution
from ingest.state import IngestState


def sar_command(
    person_id: str,
    purpose: Annotated[str, typer.Option(help="Why (recorded in the audit log).")],
    out: Annotated[Path, typer.Option("-o", "--out", help="JSON file to write.")],
    requested_on: Annotated[
        date | None,
        typer.Option(parser=_day, help="Date of the request, YYYY-MM-DD (default: today)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """What Mosaic holds about a person, for their subject access request."""
    settings = _settings(db)
    policy = _reader(settings, purpose, Role.SUPERVISOR)
    asked = requested_on or utc_today()
    gov = settings.governance_path
    with (
        open_store(settings) as store,
        IngestState(settings.ingest_path) as state,
        closing(AuditLog(gov)) as log,
        closing(RestrictionStore(gov)) as restrictions,
        closing(SharingStore(gov)) as sharing,
        closing(ReviewLog(gov)) as reviews,
    ):
        _person_or_exit(store, policy, person_id)
        pack, applied = subject_access(
            store,
            person_id,
            records_of=Resolution(state).records_of,
            requested_on=asked,
            restrictions=restrictions,
            sharing=sharing,
            audit=log,
            reviews=reviews,
            policy=policy_from(settings.review_periods_days),
        )
        log.record(
            AuditEvent(
                operation=Operation.DISCLOSURE,
                actor=policy.principal.name,
                role=policy.principal.role.value,
                purpose=purpose,
                action="subject access",
                subjects=[person_id],
                returned=[r.record_id for r in pack.records] + [r.report_id for r in pack.reports],
                recipients=[f"data subject {person_id}"],
                details={
                    "due_on": pack.due_on.isoformat(),
                    "restrictions_applied": [
                        {"record": r.record_id, "ground": r.ground} for r in applied
                    ],
                },
            )
        )
    out.write_text(pack.model_dump_json(indent=2), encoding="utf-8")
    console.print(
        f"wrote {out}: {len(pack.records)} records, {len(pack.reports)} reports, "
        f"{len(pack.links)} links; due {pack.due_on} (extendable to {pack.extended_due_on}); "
        f"{len(applied)} restrictions applied"
    )


def kpis_command(
    purpose: Annotated[str, typer.Option(help="Why (recorded in the audit log).")],
    start: Annotated[date, typer.Option("--from", parser=_day, help="First day, YYYY-MM-DD.")],
    end: Annotated[date, typer.Option("--to", parser=_day, help="Last day, YYYY-MM-DD.")],
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV on stdout.")] = False,
    db: DbOption = None,
) -> None:
    """The MAPPA annual figures for a period (a supervisor's view; audited)."""
    from rich.table import Table

    from api.cli import _consulted
    from graph.analysis.mappa import mappa_figures

    settings = _settings(db)
    policy = _reader(settings, purpose, Role.SUPERVISOR)
    first, last = min(start, end), max(start, end)  # a period given backwards is the same
    with open_store(settings) as store, closing(AuditLog(settings.governance_path)) as log:
        figures = mappa_figures(store, first, last, policy.filter)
        _consulted(log, policy, purpose, "mappa figures", [], [])
    if as_csv:
        print(figures.csv(), end="")
        return
    table = Table("measure", "category", "value", title=f"MAPPA figures {first} to {last}")
    for measure, category, value in figures.rows():
        table.add_row(measure, category, str(value))
    console.print(table)
