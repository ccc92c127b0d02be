"""The `mosaic` command line (typer + rich)."""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from api.accounts import AccountStore
from api.csv_out import write_csv
from api.disclosed import assessment_returned, associates_returned, entity_as_seen
from graph.access import AccessPolicy, Permission, Principal, Role
from graph.audit import AuditEvent, AuditLog, Operation
from graph.chis.policy import load_policy
from graph.config import Settings
from graph.edges import handling_conditions
from graph.errors import NotFound, ValidationFailed
from graph.nodes import Person
from graph.notifications import NotificationStore
from graph.sharing.store import SharingStore
from graph.store import GraphStore, UpsertResult
from graph.stores import open_store
from ingest.demo_seed import seed_demo
from ingest.entities import Resolution
from ingest.loader import Actor, LoadSummary
from ingest.pipeline import IngestOutcome, thresholds_from
from ingest.pipeline import ingest as run_ingest
from ingest.reader import read_lines
from ingest.state import IngestState, QuarantineEntry

if TYPE_CHECKING:
    from graph.analysis.associates import Associate
    from graph.analysis.measures import MeasureRun  # networkx: imported when analysing

app = typer.Typer(help="Mosaic: graph-based intelligence linking for public protection.")
users = typer.Typer(help="User and service accounts (bearer tokens).")
audit = typer.Typer(help="The s62 audit log.")
app.add_typer(users, name="users")
app.add_typer(audit, name="audit")
console = Console()


def plain(*values: object) -> list[Text]:
    """Table cells shown as they are: ids, names and reasons come from outside, and a `[`
    in them must not be read as console markup (it could restyle the output or stop it)."""
    return [Text(str(v)) for v in values]


DbOption = Annotated[
    Path | None, typer.Option("--db", help="Embedded store file (default: MOSAIC_DB_PATH).")
]


def _settings(db: Path | None) -> Settings:
    settings = Settings()
    if db is not None:
        settings = settings.model_copy(update={"db_path": db, "store": "embedded"})
    return settings


DEMO_PURPOSE = "intelligence_review"
"""The purpose the demo loads record: loading records is a collection like any feed, and
`mosaic ingest` collects for `intelligence_review` unless told otherwise."""


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
        _check_purpose(settings, DEMO_PURPOSE)
        result = _seed_and_audit(settings, DEMO_PURPOSE)
        console.print(f"demo data: {len(result.created)} created, {result.unchanged} unchanged")
        _demo_world(settings, DEMO_PURPOSE)
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
def seed_demo_command(
    db: DbOption = None,
    purpose: Annotated[
        str, typer.Option(help="Purpose recorded in the audit log (a configured purpose).")
    ] = DEMO_PURPOSE,
) -> None:
    """Load the small synthetic demo world (idempotent)."""
    settings = _settings(db)
    _check_purpose(settings, purpose)
    result = _seed_and_audit(settings, purpose)
    console.print(
        f"created {len(result.created)}, updated {len(result.updated)}, "
        f"unchanged {result.unchanged}"
    )


def _seed_and_audit(settings: Settings, purpose: str) -> UpsertResult:
    """Load the demo world and log what it collected or altered (s62), for `purpose` (a
    configured one: the caller checks it)."""
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
                        purpose=purpose,
                        action="seed demo data",
                        subjects=ids,
                        details={"count": len(ids), "source": "ingest.demo_seed"},
                    )
                )
    finally:
        log.close()
    return result


DEMO_WORLD = (800, 2500, 1)  # persons, reports, seed


def _demo_world(settings: Settings, purpose: str) -> None:
    """Generate the synthetic force-shaped world once and load it through ingest, as a
    feed would arrive (idempotent: a second start finds everything unchanged), then analyse
    it; both audited for `purpose` (a configured one: the caller checks it)."""
    from ingest.generator import GeneratorConfig, write_demo_data

    world = settings.ingest_path.with_name("demo-world.jsonl")
    if not world.exists():
        persons, reports, seed = DEMO_WORLD
        write_demo_data(GeneratorConfig(persons=persons, reports=reports, seed=seed), world)
    actor = Actor("cli:demo", "admin", purpose)
    with (
        open_store(settings) as store,
        IngestState(settings.ingest_path) as state,
        closing(AuditLog(settings.governance_path)) as log,
        closing(NotificationStore(settings.governance_path)) as notices,
    ):
        outcome = run_ingest(
            store,
            state,
            [read_lines(world)],
            actor=actor,
            audit=log,
            thresholds=thresholds_from(settings),
            notifications=notices,
            chis=load_policy(settings.chis_policy),
            travel_owner=settings.mosovo_spoc,
        )
        _analyse_and_audit(settings, store, actor)
    s = outcome.load
    console.print(
        f"demo world ({world}): {s.accepted:,} accepted ({s.created:,} new), "
        f"{s.quarantined:,} quarantined; network measures computed"
    )


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
        # Private even when the file was already there with a wider mode.
        fd = os.open(tokens_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "a") as out:
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
        console.print(f"[red]{escape(str(exc))}[/red]")
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
            *plain(
                a.name,
                a.role.value,
                ",".join(a.scopes),
                a.created_at.isoformat(timespec="seconds"),
                a.revoked_at.isoformat(timespec="seconds") if a.revoked_at else "",
            )
        )
    console.print(table)


@audit.command("verify")
def audit_verify(
    expect_head: Annotated[
        str | None, typer.Option(help="SEQ:HASH witnessed earlier, to detect truncation.")
    ] = None,
) -> None:
    """Recompute the hash chain and name the first broken entry (exit 1 if broken)."""
    head = None
    if expect_head:
        seq, _, digest = expect_head.partition(":")
        if not (seq.isdigit() and len(digest) == 64):
            console.print("[red]--expect-head takes SEQ:HASH, as `mosaic audit head` prints[/red]")
            raise typer.Exit(2)
        head = (int(seq), digest)
    log = AuditLog(Settings().governance_path)
    try:
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


# -- ingest and entity resolution ----------------------------------------------------------

quarantine = typer.Typer(help="Records ingest refused, with the reason, until fixed.")
app.add_typer(quarantine, name="quarantine")


def _count_lines(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                total += block.count(b"\n")
    return total


def _cli_actor(purpose: str) -> Actor:
    return Actor(name=f"cli:{getpass.getuser()}", role="admin", purpose=purpose)


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Interchange-v1 JSON Lines files.")],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    resolve: Annotated[bool, typer.Option(help="Run entity resolution after the load.")] = True,
    notify: Annotated[
        bool, typer.Option(help="Notify offender managers (off for an initial migration).")
    ] = True,
    purpose: Annotated[str, typer.Option(help="Purpose recorded in the audit log.")] = (
        "intelligence_review"
    ),
) -> None:
    """Load interchange files: validate, quarantine bad lines, write the graph, resolve."""
    settings = _settings(db)
    _check_purpose(settings, purpose)
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        console.print(f"[red]no such file: {', '.join(missing)}[/red]")
        raise typer.Exit(2)
    total = _count_lines(files)
    with (
        open_store(settings) as store,
        IngestState(settings.ingest_path) as state,
        closing(AuditLog(settings.governance_path)) as log,
        closing(NotificationStore(settings.governance_path)) as notices,
        closing(SharingStore(settings.governance_path)) as sharing,
        Progress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} records/s"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            disable=as_json,
        ) as progress,
    ):
        task = progress.add_task("ingest", total=total, rate="-")

        def tick(summary: LoadSummary) -> None:
            rate = f"{summary.records_per_second:,.0f}"
            progress.update(task, completed=summary.lines_read, rate=rate)

        outcome = run_ingest(
            store,
            state,
            [read_lines(f) for f in files],
            actor=_cli_actor(purpose),
            audit=log,
            thresholds=thresholds_from(settings),
            resolve=resolve,
            batch_size=settings.ingest_batch_size,
            progress=tick,
            notifications=notices if notify else None,
            chis=load_policy(settings.chis_policy),
            travel_owner=settings.mosovo_spoc,
            sharing=sharing.cover_problem,
        )
        progress.update(task, completed=outcome.load.lines_read)
    if as_json:
        print(json.dumps(outcome.as_dict(), indent=2))
    else:
        _print_ingest(outcome)
    if outcome.load.accepted + outcome.load.quarantined != outcome.load.lines_read:
        raise typer.Exit(3)  # never expected: the books must balance


def _print_ingest(outcome: IngestOutcome) -> None:
    s = outcome.load
    table = Table(title=f"ingest: {s.lines_read:,} lines in {s.seconds:.1f} s")
    table.add_column("")
    table.add_column("records", justify="right")
    for label, n in (
        ("accepted", s.accepted),
        ("  created", s.created),
        ("  updated (alterations logged)", s.updated),
        ("  unchanged", s.unchanged),
        ("quarantined", s.quarantined),
    ):
        table.add_row(label, f"{n:,}")
    for reason, n in sorted(s.by_reason.items()):
        table.add_row(f"  {reason}", f"{n:,}")
    table.add_row("mentions matched to a person", f"{s.mentions_matched:,}")
    table.add_row("mentions that became new persons", f"{s.mentions_new:,}")
    table.add_row("notifications to offender managers", f"{s.notifications:,}")
    if outcome.resolution:
        r = outcome.resolution
        table.add_row("entities (after resolution)", f"{r.entities:,}")
        table.add_row("  auto links / review queue", f"{r.auto_links:,} / {r.review:,}")
        table.add_row("  possible matches (kept apart)", f"{r.possible:,}")
    if outcome.chis:
        table.add_row("sources newly notified to the FIB", f"{len(outcome.chis.notified):,}")
    console.print(table)
    for rid, warning in sorted(s.warnings.items())[:20]:
        console.print(f"[yellow]warning[/yellow] {escape(rid)}: {escape(warning)}")
    if len(s.warnings) > 20:
        console.print(f"... and {len(s.warnings) - 20:,} more warnings: see `--json`")
    for rid, warning in (outcome.chis.warnings if outcome.chis else {}).items():
        console.print(f"[red]warning[/red] {escape(rid)}: {escape(warning)}")
    for rej in s.rejections[:20]:
        console.print(
            f"[yellow]{rej.file}:{rej.line}[/yellow] {rej.record_id or '-'}: {rej.reason}"
        )
    if s.quarantined > 20:
        console.print(f"... and {s.quarantined - 20:,} more: see `mosaic quarantine list`")


ResolutionPurpose = Annotated[
    str, typer.Option(help="Why (recorded in the audit log); one of the configured purposes.")
]


def _quarantine_read(purpose: str, action: str, include_resolved: bool) -> list[QuarantineEntry]:
    """Quarantined lines are unvalidated records that may hold personal data of any
    compartment: reading them is an audited consultation made for a purpose."""
    settings = Settings()
    policy = _reader(settings, purpose, Role.ADMIN)
    with (
        IngestState(settings.ingest_path) as state,
        closing(AuditLog(settings.governance_path)) as log,
    ):
        entries = state.quarantined(include_resolved=include_resolved)
        returned = [f"quarantine:{e.seq}" for e in entries] + sorted(
            {e.record_id for e in entries if e.record_id}
        )
        _consulted(log, policy, purpose, action, [], returned)
    return entries


@quarantine.command("list")
def quarantine_list(
    include_resolved: Annotated[bool, typer.Option("--all", help="Include fixed ones.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    purpose: ResolutionPurpose = "intelligence_review",
) -> None:
    """List quarantined lines with file, line, record id and reason (audited)."""
    entries = _quarantine_read(purpose, "quarantine listing", include_resolved)
    if as_json:
        print(json.dumps([e.__dict__ for e in entries], indent=2))
        return
    table = Table("seq", "file:line", "record", "reason code", "reason", "fixed")
    for e in entries:
        table.add_row(
            *plain(
                e.seq,
                f"{e.file}:{e.line}",
                e.record_id or "-",
                e.code,
                e.reason,
                e.resolved_at or "",
            )
        )
    console.print(table)


@quarantine.command("export")
def quarantine_export(
    out: Annotated[Path, typer.Argument(help="Write the quarantined lines here, to fix.")],
    purpose: ResolutionPurpose = "intelligence_review",
) -> None:
    """Write open quarantined lines as JSON Lines: fix them and `mosaic ingest` the file
    (audited: the raw lines may hold personal data)."""
    entries = _quarantine_read(purpose, "quarantine export", False)
    out.write_text("".join(e.raw + "\n" for e in entries))
    console.print(f"{len(entries)} line(s) written to {out}")


@app.command()
def resolve(
    full: Annotated[bool, typer.Option(help="Re-score every candidate pair.")] = True,
    purpose: ResolutionPurpose = "intelligence_review",
) -> None:
    """Run entity resolution over every person and re-cluster entities (membership changes
    audited as combinations for the purpose)."""
    settings = Settings()
    _check_purpose(settings, purpose)
    with (
        IngestState(settings.ingest_path) as state,
        closing(AuditLog(settings.governance_path)) as log,
    ):
        resolution = Resolution(state, thresholds_from(settings), log)
        summary = resolution.resolve(
            None if full else [], actor=_cli_actor(purpose).name, role="admin", purpose=purpose
        )
    console.print(summary.as_dict())


@app.command()
def entities(
    csv: Annotated[
        bool, typer.Option("--csv", help="person_id,entity_id for every person.")
    ] = False,
    purpose: ResolutionPurpose = "intelligence_review",
) -> None:
    """Print the entity of every person record (audited as a consultation of them all)."""
    settings = Settings()
    policy = _reader(settings, purpose, Role.ADMIN)
    with (
        IngestState(settings.ingest_path) as state,
        closing(AuditLog(settings.governance_path)) as log,
    ):
        mapping = Resolution(state).entity_map()
        _consulted(log, policy, purpose, "entity listing", [], sorted(mapping))
    if csv:
        write_csv(
            sys.stdout, ["person_id", "entity_id"], ([p, mapping[p]] for p in sorted(mapping))
        )
        return
    members: dict[str, list[str]] = {}
    for pid, eid in mapping.items():
        members.setdefault(eid, []).append(pid)
    joined = {e: m for e, m in members.items() if len(m) > 1}
    console.print(f"{len(mapping):,} person records in {len(members):,} entities")
    for eid in sorted(joined)[:50]:
        console.print(f"{eid}: {', '.join(sorted(joined[eid]))}")


@app.command()
def judge(
    a: str,
    b: str,
    verdict: Annotated[str, typer.Argument(help="same, not_same, unsure, or withdrawn (undo)")],
    reason: Annotated[str | None, typer.Option(help="Why, for the record.")] = None,
    purpose: ResolutionPurpose = "intelligence_review",
) -> None:
    """Record a human judgement on a pair of person records (it wins over the matcher)."""
    settings = Settings()
    _reader(settings, purpose, Role.ADMIN)  # a purpose the force allows
    with (
        IngestState(settings.ingest_path) as state,
        closing(AuditLog(settings.governance_path)) as log,
    ):
        try:
            done, summary = Resolution(state, thresholds_from(settings), log).judge(
                a,
                b,
                verdict,
                actor=_cli_actor(purpose).name,
                role="admin",
                purpose=purpose,
                reason=reason,
            )
        except (ValidationFailed, NotFound) as exc:
            console.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(2) from exc
    if done.repeated:
        console.print(
            f"{done.a} ~ {done.b} is already judged {done.verdict} (judgement {done.seq} by "
            f"{escape(done.actor)}): nothing recorded"
        )
        return
    console.print(
        f"judgement {done.seq}: {done.a} ~ {done.b} {done.verdict}; {summary.entities:,} entities"
    )


@app.command("demo-data")
def demo_data(
    out: Annotated[Path, typer.Option(help="Interchange JSON Lines file to write.")],
    persons: Annotated[
        int, typer.Option(min=1, help="Person records (duplicates included).")
    ] = 2000,
    reports: Annotated[int, typer.Option(min=0, help="Reports.")] = 5000,
    seed: Annotated[int, typer.Option(help="Same seed, same file.")] = 1,
    truth: Annotated[
        Path | None, typer.Option(help="Ground truth (default OUT.truth.json).")
    ] = None,
) -> None:
    """Write a synthetic, force-shaped world and its ground truth (for tests and demos)."""
    from ingest.generator import GeneratorConfig, write_demo_data

    summary = write_demo_data(
        GeneratorConfig(persons=persons, reports=reports, seed=seed), out, truth
    )
    console.print(summary)


def _analyse_and_audit(settings: Settings, store: GraphStore, actor: Actor) -> list[MeasureRun]:
    """Compute and keep every role view's network measures and communities, then log the
    run (s62): deriving each person's centrality and community from the records is a
    combination of personal data. The entry names the method and what each view held, not
    every person: a run covers everyone in every view, and whose measures were later shown
    to whom is on each person's trail (`GET /analysis/measures` is a consultation)."""
    import networkx as nx

    from graph.analysis.measures import (
        EXACT_BETWEENNESS_MAX,
        MEASURES,
        MEASURES_VERSION,
        SAMPLE_PIVOTS,
        SEED,
        MeasureStore,
        analyse,
        role_views,
    )

    kept = MeasureStore(settings.analysis_path)
    try:
        runs = analyse(store, kept, role_views())
        views = {
            run.view: {
                "computed_at": run.computed_at,
                "nodes": run.nodes,
                "edges": run.edges,
                "by_kind": kept.kinds(run.view),
                "method": run.notes,
            }
            for run in runs
        }
    finally:
        kept.close()
    with closing(AuditLog(settings.governance_path)) as log:
        log.record(
            AuditEvent(
                operation=Operation.COMBINATION,
                actor=actor.name,
                role=actor.role,
                purpose=actor.purpose,
                action="network measures and communities computed",
                details={
                    "version": MEASURES_VERSION,
                    "measures": [*MEASURES, "community"],
                    "views": views,
                    "method": {
                        "exact_betweenness_max": EXACT_BETWEENNESS_MAX,
                        "sample_pivots": SAMPLE_PIVOTS,
                        "seed": SEED,
                        "networkx": nx.__version__,
                    },
                },
            )
        )
    return runs


def _consulted(
    log: AuditLog,
    policy: AccessPolicy,
    purpose: str,
    action: str,
    subjects: list[str],
    returned: list[str],
) -> None:
    """The s62 consultation entry for a CLI read, written before anything is printed."""
    log.record(
        AuditEvent(
            operation=Operation.CONSULTATION,
            actor=policy.principal.name,
            role=policy.principal.role.value,
            purpose=purpose,
            action=action,
            subjects=subjects,
            returned=returned,
        )
    )


def _check_purpose(settings: Settings, purpose: str) -> None:
    """Exit 2 unless `purpose` is one the force allows (as the API's 400)."""
    if purpose not in settings.purposes:
        console.print(
            f"[red]unknown purpose {escape(repr(purpose))}; "
            f"one of {escape(', '.join(settings.purposes))}[/red]"
        )
        raise typer.Exit(2)


def _reader(settings: Settings, purpose: str, role: Role) -> AccessPolicy:
    """The view a CLI read applies (a role's), once its purpose is one the force allows."""
    _check_purpose(settings, purpose)
    return AccessPolicy(Principal(_cli_actor(purpose).name, role))


def _person_or_exit(store: GraphStore, policy: AccessPolicy, person_id: str) -> None:
    """Exit 1 unless `person_id` is a person the view shows, with the same words for a
    record that is missing, hidden or of another kind (as the API's 404): a report's id
    would otherwise be answered as a person with no associates, and existence never leaks."""
    node = store.get_node(person_id)
    if node is None or not isinstance(policy.node_view(node), Person):
        console.print(f"[red]person {escape(repr(person_id))} not found[/red]")
        raise typer.Exit(1)


def _conditions(a: Associate) -> list[str]:
    """The handling conditions an associate row carries: the person record's own and those
    of the links on its evidence path (as the API's person and edges carry them)."""
    own = a.person.marking.handling_conditions
    return sorted({*handling_conditions(a.path), *([own] if own else [])})


def _day(value: str) -> date:
    """A YYYY-MM-DD option value; anything else is a usage error (exit 2) naming the
    option, not a traceback."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a day: give YYYY-MM-DD") from exc


@app.command("associates")
def associates_command(
    person_id: str,
    purpose: Annotated[str, typer.Option(help="Why (recorded in the audit log).")],
    depth: Annotated[int, typer.Option(min=1, max=3, help="Person steps.")] = 1,
    role: Annotated[Role, typer.Option(help="Whose view to apply.")] = Role.ANALYST,
    include_hubs: Annotated[bool, typer.Option(help="Traverse custody, hostels, ...")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    db: DbOption = None,
) -> None:
    """A person's associates with the evidence for each (audited as consultation)."""
    from graph.analysis.associates import associates

    settings = _settings(db)
    policy = _reader(settings, purpose, role)
    with open_store(settings) as store, closing(AuditLog(settings.governance_path)) as log:
        _person_or_exit(store, policy, person_id)
        found = associates(
            store, person_id, depth=depth, flt=policy.filter, include_hubs=include_hubs
        )
        returned = associates_returned(found.associates)
        _consulted(log, policy, purpose, "associates", [person_id], returned)
    if as_json:
        rows = [
            {
                "id": a.person.id,
                "name": a.person.primary_name.full,
                "steps": a.steps,
                "path": [e.id for e in a.path],
                "via": a.via,
                "reports": a.strength.reports,
                "nominal_type": a.nominal_type,
                "child": a.child,
                "vulnerable": a.vulnerable,
                "handling_conditions": _conditions(a),
            }
            for a in found.associates
        ]
        print(
            json.dumps(
                {"subject": person_id, "associates": rows, "high_fanout": found.high_fanout},
                indent=2,
            )
        )
        return
    table = Table(
        "associate",
        "name",
        "steps",
        "via",
        "evidence",
        "reports",
        "best grade",
        "flags",
        "handling conditions",
    )
    for a in found.associates:
        s = a.strength
        grade = f"{s.best_source_evaluation or '-'}{s.best_intelligence_assessment or '-'}"
        flags = [
            str(a.nominal_type.value) if a.nominal_type else "",
            "child" if a.child else "",
            "vulnerable" if a.vulnerable else "",
            "E-only link" if s.suspected_false_link else "",
        ]
        table.add_row(
            *plain(
                a.person.id,
                a.person.primary_name.full,
                a.steps,
                " > ".join(a.via) or "direct",
                ", ".join(e.id for e in a.path),
                s.reports,
                grade,
                " ".join(f for f in flags if f),
                "; ".join(_conditions(a)),
            )
        )
    console.print(table)
    for node, degree in found.high_fanout.items():
        console.print(
            f"[yellow]{escape(node)}[/yellow] has {degree} links: not expanded (over the cap)"
        )


@app.command("risk")
def risk_command(
    person_id: str,
    purpose: Annotated[str, typer.Option(help="Why (recorded in the audit log).")],
    role: Annotated[Role, typer.Option(help="Whose view to apply.")] = Role.OFFENDER_MANAGER,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    db: DbOption = None,
) -> None:
    """What raises a nominal's risk, with reasons and evidence (audited as consultation)."""
    from graph.analysis.risk import assess, visible_possible

    settings = _settings(db)
    policy = _reader(settings, purpose, role)
    with (
        open_store(settings) as store,
        IngestState(settings.ingest_path) as state,
        closing(AuditLog(settings.governance_path)) as log,
    ):
        _person_or_exit(store, policy, person_id)
        resolution = Resolution(state)
        entity = resolution.entity_of(person_id)
        members = store.get_nodes(entity[1] if entity else [person_id])
        seen = {i for i, n in members.items() if policy.node_view(n) is not None}
        records = entity_as_seen(resolution, person_id, entity[1], seen) if entity else [person_id]
        matches = [(m.record, m.score) for m in resolution.possible_matches(records, limit=None)]
        possible = visible_possible(store, policy, matches)
        result = assess(store, person_id, records=records, flt=policy.filter, possible=possible)
        findings = [*result.findings, *result.not_raising, *result.possible]
        returned = assessment_returned(result)
        _consulted(log, policy, purpose, "risk assessment", records, returned)
    if as_json:
        rows = [
            {
                "rule": f.rule,
                "question": f.question.value,
                "weight": f.weight,
                "reason": f.reason,
                "related": f.related,
                "evidence": [e.id for e in f.evidence],
                "raises": f in result.findings,
                "possible_match": f.possible_match,
                "match_score": f.match_score,
                "handling_conditions": handling_conditions(f.evidence),
            }
            for f in findings
        ]
        print(
            json.dumps({"person_id": person_id, "score": result.score, "findings": rows}, indent=2)
        )
        return
    console.print(
        f"{person_id} ({result.nominal_type or 'not a ViSOR nominal'}): score {result.score:g}"
    )
    table = Table("rule", "question", "weight", "reason", "evidence", "handling conditions")
    groups = (
        (result.findings, None, None),
        (result.not_raising, "0 (E-graded only)", "dim"),
        (result.possible, "0 (possible match)", "yellow"),
    )
    for group, weight, style in groups:
        for f in group:
            evidence = ", ".join(e.id for e in f.evidence)
            shown = weight or f"{f.weight:g}"
            conditions = "; ".join(handling_conditions(f.evidence))
            row = plain(f.rule, f.question.value, shown, f.reason, evidence, conditions)
            table.add_row(*row, style=style)
    console.print(table)


@app.command("analyse")
def analyse_command(
    purpose: Annotated[
        str, typer.Option(help="Why (recorded in the audit log); one of the configured purposes.")
    ],
    db: DbOption = None,
) -> None:
    """Compute network measures and communities for every role's view, and keep them
    (audited as a combination)."""
    settings = _settings(db)
    _check_purpose(settings, purpose)
    with open_store(settings) as store:
        runs = _analyse_and_audit(settings, store, _cli_actor(purpose))
    table = Table("view", "computed at", "nodes", "edges", "method")
    for run in runs:
        table.add_row(run.view, run.computed_at, f"{run.nodes:,}", f"{run.edges:,}", run.notes)
    console.print(table)


from api.cli_charts import chart_command  # noqa: E402  (uses the helpers above)
from api.cli_chis import chis  # noqa: E402
from api.cli_governance import kpis_command, sar_command  # noqa: E402

app.add_typer(chis, name="chis")
app.command("chart")(chart_command)
app.command("sar")(sar_command)
app.command("kpis")(kpis_command)
