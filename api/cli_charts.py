"""`mosaic chart ID -o FILE`: a person's link chart from the shell, as a self-contained
HTML page (chart, evidence table, banners) or GraphML.

Same code as `/charts/persons/{id}`. Writing a chart is a consultation; writing one for
someone else (`--for`) is a disclosure, recorded with the recipient before the file is
written.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from api.cli import DbOption, _person_or_exit, _reader, _settings, console
from api.disclosed import chart_returned
from graph.access import Role
from graph.audit import AuditEvent, AuditLog, Operation
from graph.charts.build import build_chart
from graph.charts.export import ExportFormat, export_chart
from graph.charts.model import MAX_CHART_DEPTH, MAX_NODE_CAP
from graph.stores import open_store


def chart_command(
    person_id: str,
    purpose: Annotated[str, typer.Option(help="Why (recorded in the audit log).")],
    out: Annotated[Path, typer.Option("-o", "--out", help="File to write.")],
    depth: Annotated[int, typer.Option(min=1, max=MAX_CHART_DEPTH, help="Hops.")] = 2,
    role: Annotated[Role, typer.Option(help="Whose view to apply.")] = Role.ANALYST,
    cap: Annotated[int | None, typer.Option(min=1, max=MAX_NODE_CAP, help="Nodes.")] = None,
    include_hubs: Annotated[bool, typer.Option(help="Walk custody, hostels, ...")] = False,
    fmt: Annotated[str, typer.Option("--format", help="html or graphml.")] = "html",
    recipient: Annotated[
        str | None, typer.Option("--for", help="Who it is for (a disclosure).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Write a person's link chart (audited; a disclosure when it is for someone else)."""
    if fmt not in ("html", "graphml"):
        console.print(f"[red]--format must be html or graphml, not {fmt!r}[/red]")
        raise typer.Exit(2)
    settings = _settings(db)
    policy = _reader(settings, purpose, role)
    with open_store(settings) as store, closing(AuditLog(settings.governance_path)) as log:
        _person_or_exit(store, policy, person_id)
        chart = build_chart(
            store,
            person_id,
            policy,
            depth=depth,
            include_hubs=include_hubs,
            cap=cap or settings.chart_node_cap,
        )
        export_fmt: ExportFormat = "graphml" if fmt == "graphml" else "html"
        body = export_chart(chart, export_fmt, title=f"Link chart: {person_id}")
        log.record(
            AuditEvent(
                operation=Operation.DISCLOSURE if recipient else Operation.CONSULTATION,
                actor=policy.principal.name,
                role=policy.principal.role.value,
                purpose=purpose,
                action=f"link chart export ({fmt})",
                subjects=[person_id],
                returned=chart_returned(chart),
                recipients=[recipient] if recipient else [],
                details={"file": out.name},
            )
        )
    out.write_text(body, encoding="utf-8")
    console.print(
        f"{chart.classification}: wrote {out} ({len(chart.nodes)} nodes, {len(chart.edges)} "
        f"links; {chart.left_out} left out over the cap)"
    )
    for condition in chart.handling_conditions:
        console.print(f"[yellow]handling condition:[/yellow] {escape(condition)}")
