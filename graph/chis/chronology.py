"""A source's contact chronology: every report they gave, in time order, with what the
FIB needs to judge it (channel, who initiated, what police asked, how they knew, who it
was about and the source's own relationship to them) and where it went afterwards."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date

from pydantic import BaseModel, Field

from graph.edges import EdgeKind
from graph.errors import NotFound
from graph.nodes import Report, Source, Tasking
from graph.notifications import Notification, NotificationStore, as_seen
from graph.store import GraphStore, TraversalFilter
from graph.times import Instant


class Subject(BaseModel):
    person_id: str
    relationship: list[str]  # the source's own relationship to them, if recorded


class Entry(BaseModel):
    report_id: str
    received_at: Instant
    channel: str
    initiated_by: str
    police_request: str | None
    how_obtained: str
    rewarded: bool
    grading: str
    subjects: list[Subject]
    went_to: list[str] = Field(default_factory=list)  # notifications raised from it
    warnings: list[str] = Field(default_factory=list)  # e.g. the do-not-task warning


class TaskingEntry(BaseModel):
    """A tasking directed at the person behind the source (police asking them to find out
    something, outside a report)."""

    tasking_id: str
    opened_on: date
    title: str
    owner: str
    state: str
    warnings: list[str] = Field(default_factory=list)


class Chronology(BaseModel):
    """Also the API's response body (`GET /sources/{id}/chronology`)."""

    source_id: str
    source_type: str
    chis_status: str
    juvenile: bool
    vulnerable: bool
    person_id: str | None
    entries: list[Entry]
    taskings: list[TaskingEntry] = Field(default_factory=list)


def chronology(
    store: GraphStore,
    source_id: str,
    notifications: NotificationStore | None = None,
    warnings: Callable[[list[str]], dict[str, list[str]]] | None = None,
    view: TraversalFilter | None = None,
) -> Chronology:
    """The chronology of one source (NotFound if there is no such source); `warnings`
    looks up what is kept with the records (`IngestState.warnings`). `view` is the
    caller's visible subgraph (`AccessPolicy.filter`): a report, subject, relationship or
    tasking it hides is not listed, and a hidden source is not found."""
    seen = view or TraversalFilter()
    source = store.get_node(source_id)
    if not isinstance(source, Source):
        raise NotFound(f"source {source_id!r} not found")
    linked = seen.model_copy(
        update={"edge_kinds": frozenset({EdgeKind.KNOWS_SUBJECT, EdgeKind.IS_PERSON})}
    )
    try:
        around = store.neighbours(source_id, 1, linked, None)
    except NotFound:  # a source the caller may not see is, to them, no source at all
        raise NotFound(f"source {source_id!r} not found") from None
    knows: dict[str, list[str]] = {}
    person_id = None
    for e in sorted(around.edges, key=lambda e: e.id):
        if e.kind is EdgeKind.IS_PERSON:
            person_id = person_id or e.dst
        elif e.association_type is not None:
            knows.setdefault(e.dst, []).append(e.association_type.value)
    contacts = store.source_contacts([source_id], min_reports=1, view=view)
    reports = {r.id: r for r in store.reports_by_source(source_id)}
    kept = warnings([c.report_id for c in contacts]) if warnings else {}
    # Notifications about each contact's subjects, as the caller may see them now (the
    # rule every notification read uses), checked in one read for the whole chronology.
    about: dict[str, list[Notification]] = {}
    if notifications is not None:
        raised = [
            n
            for subject in sorted({s for c in contacts for s in c.subjects})
            for n in notifications.about(subject)
        ]
        for n in as_seen(store, seen, raised):
            about.setdefault(n.nominal_id, []).append(n)
    entries = []
    for c in contacts:
        report = reports.get(c.report_id)
        grading = report.grading.code if isinstance(report, Report) else ""
        went = [
            f"notification {n.id} to {n.owner} ({n.state}): {n.reason}"
            for s in c.subjects
            for n in about.get(s, [])
            if c.report_id in n.evidence
        ]
        entries.append(
            Entry(
                report_id=c.report_id,
                received_at=c.received_at,
                channel=c.channel,
                initiated_by=c.initiated_by,
                police_request=c.police_request,
                how_obtained=c.how_obtained,
                rewarded=c.rewarded,
                grading=grading,
                subjects=[
                    Subject(person_id=s, relationship=sorted(knows.get(s, []))) for s in c.subjects
                ],
                went_to=went,
                warnings=kept.get(c.report_id, []),
            )
        )
    return Chronology(
        source_id=source_id,
        source_type=source.source_type.value,
        chis_status=source.chis_status.value,
        juvenile=source.juvenile,
        vulnerable=source.vulnerable,
        person_id=person_id,
        entries=entries,
        taskings=_taskings(store, person_id, warnings, seen) if person_id else [],
    )


def _taskings(
    store: GraphStore,
    person_id: str,
    warnings: Callable[[list[str]], dict[str, list[str]]] | None,
    view: TraversalFilter,
) -> list[TaskingEntry]:
    directed = view.model_copy(update={"edge_kinds": frozenset({EdgeKind.DIRECTED_AT})})
    ids = sorted(r.src for r in store.incident([person_id], directed) if r.dst == person_id)
    nodes = store.get_nodes(ids)
    kept = warnings(ids) if warnings and ids else {}
    found = [n for n in nodes.values() if isinstance(n, Tasking)]
    return [
        TaskingEntry(
            tasking_id=t.id,
            opened_on=t.opened_on,
            title=t.title,
            owner=t.owner,
            state=t.state,
            warnings=kept.get(t.id, []),
        )
        for t in sorted(found, key=lambda t: (t.opened_on, t.id))
    ]


def _md(value: object) -> str:
    """A value as inert markdown text on one line: no line break can leave its row or
    list item, `|` adds no cell, and HTML is shown, never run."""
    text = " ".join(str(value).split())
    text = html.escape(text, quote=False)
    return text.replace("\\", "\\\\").replace("|", "\\|")


def as_markdown(chron: Chronology, classification: str = "OFFICIAL-SENSITIVE") -> str:
    """The chronology as a document a reviewer attaches to a source-unit referral."""
    lines = [
        classification,
        "",
        f"# Contact chronology: source {_md(chron.source_id)}",
        "",
        f"- source type: {_md(chron.source_type)}; CHIS status: {_md(chron.chis_status)}",
        f"- person: {_md(chron.person_id or 'not recorded')}; juvenile: {chron.juvenile}; "
        f"vulnerable: {chron.vulnerable}",
        f"- contacts: {len(chron.entries)}",
        "",
        "| received | report | grading | channel | initiated by | police request | "
        "how obtained | about (relationship) | went to |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for e in chron.entries:
        about = "; ".join(
            s.person_id + (f" ({'/'.join(s.relationship)})" if s.relationship else "")
            for s in e.subjects
        )
        went = "; ".join([*e.went_to, *(f"WARNING: {w}" for w in e.warnings)])
        cells = [
            e.received_at,
            e.report_id,
            e.grading,
            e.channel,
            e.initiated_by,
            e.police_request or "",
            f"{e.how_obtained}{' (rewarded)' if e.rewarded else ''}",
            about,
            went,
        ]
        lines.append("| " + " | ".join(_md(c) for c in cells) + " |")
    if chron.taskings:
        lines += ["", "Taskings directed at this person:", ""]
        for t in chron.taskings:
            warned = "".join(f" WARNING: {w}" for w in t.warnings)
            lines.append(
                _md(f"- {t.opened_on} {t.tasking_id} ({t.state}, {t.owner}): {t.title}{warned}")
            )
    lines += ["", classification, ""]
    return "\n".join(lines)
