"""The `mosaic` command line (typer + rich)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.accounts import AccountStore
from graph.access import Permission, Role
from graph.audit import AuditEvent, AuditLog, Operation
from graph.config import Settings
from graph.errors import ValidationFailed
from graph.store import UpsertResult
from graph.stores import open_store
from ingest.demo_seed import seed_demo

app = typer.Typer(help="Mosaic: graph-based intelligence linking for public protection.")
users = typer.Typer(help="User and service accounts (bearer tokens).")
audit = typer.Typer(help="The s62 audit log.")
app.add_typer(users, name="users")
app.add_typer(audit, name="audit")
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
        result = _seed_and_audit(settings)
        console.print(f"demo data: {len(result.created)} created, {result.unchanged} unchanged")
        _demo_accounts(settings)
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
    result = _seed_and_audit(_settings(db))
    console.print(
        f"created {len(result.created)}, updated {len(result.updated)}, "
        f"unchanged {result.unchanged}"
    )


def _seed_and_audit(settings: Settings) -> UpsertResult:
    """Load the demo world and log what it collected or altered (s62)."""
    with open_store(settings) as store:
        result = seed_demo(store)
    log = AuditLog(settings.governance_path)
    try:
        for operation, ids in (
            (Operation.COLLECTION, result.created),
            (Operation.ALTERATION, result.updated),
        ):
            if ids:
                log.record(
                    AuditEvent(
                        operation=operation,
                        actor="cli:seed-demo",
                        role="admin",
                        purpose="demonstration",
                        action="seed demo data",
                        subjects=ids,
                        details={"count": len(ids), "source": "ingest.demo_seed"},
                    )
                )
    finally:
        log.close()
    return result


DEMO_ROLES = (Role.ANALYST, Role.FIB_REVIEWER, Role.FRONTLINE, Role.AUDITOR)


def _demo_accounts(settings: Settings) -> None:
    """Make one demo account per common role, once; their tokens go to a private file."""
    tokens_file = settings.governance_path.with_name("demo-tokens.txt")
    accounts = AccountStore(settings.governance_path)
    try:
        existing = {a.name for a in accounts.list()}
        made = {
            f"demo-{role.value}": accounts.add(f"demo-{role.value}", role)
            for role in DEMO_ROLES
            if f"demo-{role.value}" not in existing
        }
    finally:
        accounts.close()
    if made:
        tokens_file.touch(mode=0o600, exist_ok=True)
        with tokens_file.open("a") as out:
            out.writelines(f"{name} {token}\n" for name, token in made.items())
    console.print(
        f"demo accounts: tokens in {tokens_file} (use as 'Authorization: Bearer TOKEN' "
        "with an 'X-Purpose' header, e.g. investigation)"
    )


def _where(settings: Settings) -> str:
    return str(settings.db_path) if settings.store == "embedded" else settings.neo4j_uri


@users.command("add")
def users_add(
    name: str,
    role: Annotated[Role, typer.Option(help="The account's role.")],
    scope: Annotated[
        list[Permission] | None, typer.Option(help="For role 'service': a permission (repeat).")
    ] = None,
) -> None:
    """Create an account and print its token once (only a hash of it is kept)."""
    accounts = AccountStore(Settings().governance_path)
    try:
        token = accounts.add(name, role, frozenset(scope or []))
    except ValidationFailed as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    finally:
        accounts.close()
    console.print(f"account {name!r} ({role.value}) created; its token, shown only now:")
    print(token)


@users.command("revoke")
def users_revoke(name: str) -> None:
    """Revoke an account's token at once."""
    accounts = AccountStore(Settings().governance_path)
    try:
        done = accounts.revoke(name)
    finally:
        accounts.close()
    if not done:
        console.print(f"[red]no live account named {name!r}[/red]")
        raise typer.Exit(1)
    console.print(f"account {name!r} revoked")


@users.command("list")
def users_list() -> None:
    """List accounts (never their tokens)."""
    accounts = AccountStore(Settings().governance_path)
    try:
        rows = accounts.list()
    finally:
        accounts.close()
    table = Table("name", "role", "scopes", "created", "revoked")
    for a in rows:
        table.add_row(
            a.name,
            a.role.value,
            ",".join(a.scopes),
            a.created_at.isoformat(timespec="seconds"),
            a.revoked_at.isoformat(timespec="seconds") if a.revoked_at else "",
        )
    console.print(table)


@audit.command("verify")
def audit_verify(
    expect_head: Annotated[
        str | None, typer.Option(help="SEQ:HASH witnessed earlier, to detect truncation.")
    ] = None,
) -> None:
    """Recompute the hash chain and name the first broken entry (exit 1 if broken)."""
    log = AuditLog(Settings().governance_path)
    try:
        head = None
        if expect_head:
            seq, _, digest = expect_head.partition(":")
            head = (int(seq), digest)
        report = log.verify(expect_head=head)
    finally:
        log.close()
    if report.ok:
        console.print(f"audit chain intact: {report.entries} entries")
        return
    console.print(f"[red]audit chain broken at entry {report.first_broken}: {report.reason}[/red]")
    raise typer.Exit(1)


@audit.command("head")
def audit_head() -> None:
    """Print SEQ:HASH of the last entry, to witness elsewhere (detects truncation)."""
    log = AuditLog(Settings().governance_path)
    try:
        seq, digest = log.head()
    finally:
        log.close()
    print(f"{seq}:{digest}")
