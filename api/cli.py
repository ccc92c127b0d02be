"""The `mosaic` command line (typer + rich)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from graph.config import Settings
from graph.stores import open_store
from ingest.demo_seed import seed_demo

app = typer.Typer(help="Mosaic: graph-based intelligence linking for public protection.")
console = Console()

DbOption = Annotated[
    Path | None, typer.Option("--db", help="Embedded store file (default: MOSAIC_DB_PATH).")
]


def _settings(db: Path | None) -> Settings:
    settings = Settings()
    if db is not None:
        settings = settings.model_copy(update={"db_path": db, "store": "embedded"})
    return settings


@app.command()
def serve(
    db: DbOption = None,
    demo: Annotated[bool, typer.Option(help="Load the synthetic demo world first.")] = False,
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
) -> None:
    """Run the API on the configured store."""
    import uvicorn

    from api.app import create_app

    settings = _settings(db)
    if demo:
        with open_store(settings) as store:
            result = seed_demo(store)
        console.print(f"demo data: {len(result.created)} created, {result.unchanged} unchanged")
    console.print(f"store: {settings.store} ({_where(settings)})")
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port)


@app.command()
def status(db: DbOption = None) -> None:
    """Print node and edge counts by kind."""
    settings = _settings(db)
    with open_store(settings) as store:
        counts = store.counts()
    table = Table(title=f"Mosaic store: {settings.store} ({_where(settings)})")
    table.add_column("kind")
    table.add_column("count", justify="right")
    for kind, n in counts.nodes.items():
        table.add_row(f"node {kind}", str(n))
    for kind, n in counts.edges.items():
        table.add_row(f"edge {kind}", str(n))
    table.add_row("total nodes", str(counts.total_nodes), style="bold")
    table.add_row("total edges", str(counts.total_edges), style="bold")
    console.print(table)


@app.command("seed-demo")
def seed_demo_command(db: DbOption = None) -> None:
    """Load the small synthetic demo world (idempotent)."""
    with open_store(_settings(db)) as store:
        result = seed_demo(store)
    console.print(
        f"created {len(result.created)}, updated {len(result.updated)}, "
        f"unchanged {result.unchanged}"
    )


def _where(settings: Settings) -> str:
    return str(settings.db_path) if settings.store == "embedded" else settings.neo4j_uri
