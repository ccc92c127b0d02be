"""Write-path benchmark: Mosaic's `upsert` against a plain baseline measured in the same run.

    python -m bench.bench_upsert [--nodes N] [--edges M] [--neo4j-sample K] [--skip-neo4j]

Every figure that matters is a ratio against a baseline run on the same machine, in the same
process, on the same data, so it means something on a noisy shared machine. Nothing here
asserts an absolute speed; the targets are printed next to the ratios, not enforced.

* Embedded: `SqliteGraphStore(synchronous="FULL")`, batches of 10,000 (nodes, then edges),
  against raw `sqlite3.executemany` of the same number of `(id, data)` rows into one plain
  table, same pragmas, one commit per 10,000 rows. `data` is the very JSON the store keeps
  for the record (the `data` column of `node_row`/`edge_row`, which started as
  `model_dump_json()`), computed before timing, so both sides write the same record bytes.
  A second load of the same batches (which must write nothing) is timed too. For context
  the raw load is also timed with `model_dump_json()` inside the loop, and with the store's
  own tuning pragmas (page size, cache size, checkpoint interval) copied onto the baseline.
* Neo4j: `Neo4jGraphStore.upsert` in batches of 5,000 against one transaction per record
  (`MERGE` of a node, `MATCH`/`MATCH`/`MERGE` of a relationship) with the same properties
  (the node statement also sets the kind label, as the store does, so both sides maintain
  the same indexes), on a sample whose edges only join nodes of the sample. Both paths are
  first run once, untimed, on other data; the batched load is then timed `--neo4j-repeat`
  times and the median compared (its first runs still pay for JIT and page-cache warm-up,
  which the 20,000 per-record transactions absorb in their first moments).

The data is synthetic and deterministic (`random.Random(seed)`): areas of about 1,000 nodes
(people, places, reports graded 3x5x2, objects, sources) with edges inside their area, so a
sample of whole areas keeps every edge's endpoints. Every name is invented.

On a shared machine a ratio is read with its context: each measurement shows how many cores
other processes used meanwhile (from /proc/stat, less this process and the Neo4j server it
started), and the report names the commit measured and warns if `graph/` changed in git
during the run.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import platform
import pstats
import random
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from graph.edges import (
    EDGE_ENDPOINTS,
    AssociationType,
    CreatedBy,
    CreatorKind,
    Edge,
    EdgeKind,
    Provenance,
    Support,
)
from graph.markings import Classification, Compartment, Grading3x5x2, Marking
from graph.nodes import (
    Channel,
    ChisStatus,
    ConfidentialBlock,
    HowObtained,
    Initiator,
    Location,
    LocationType,
    MedicalBlock,
    Name,
    Node,
    NodeKind,
    NominalType,
    ObjectEntity,
    ObjectType,
    Person,
    Report,
    RiskIndicator,
    RiskLevel,
    Source,
    SourceType,
    Visor,
)
from graph.store import GraphStore
from graph.stores.neo4j import Neo4jGraphStore
from graph.stores.rows import edge_row, node_row
from graph.stores.sqlite import SqliteGraphStore

if TYPE_CHECKING:
    from neo4j import Driver, ManagedTransaction

T = TypeVar("T")

RESULTS_PATH = Path(__file__).resolve().parent / "RESULTS.md"
EMBEDDED_BATCH = 10_000
NEO4J_BATCH = 5_000
EMBEDDED_TARGET = 0.25
NEO4J_TARGET = 20.0
AREA_NODES = 1_000

# -- synthetic data -------------------------------------------------------------------------

NODE_MIX: tuple[tuple[NodeKind, float], ...] = (
    (NodeKind.PERSON, 0.60),
    (NodeKind.LOCATION, 0.12),
    (NodeKind.REPORT, 0.20),
    (NodeKind.OBJECT, 0.06),
    (NodeKind.SOURCE, 0.02),
)
EDGE_MIX: tuple[tuple[EdgeKind, float], ...] = (
    (EdgeKind.ASSOCIATED_WITH, 0.30),
    (EdgeKind.RESIDES_AT, 0.17),
    (EdgeKind.ABOUT, 0.10),
    (EdgeKind.MENTIONS, 0.13),
    (EdgeKind.AT_LOCATION, 0.07),
    (EdgeKind.INVOLVES, 0.03),
    (EdgeKind.PROVIDED_BY, 0.07),
    (EdgeKind.USED_BY, 0.08),
    (EdgeKind.KNOWS_SUBJECT, 0.03),
    (EdgeKind.IS_PERSON, 0.02),
)
ID_PREFIX = {
    NodeKind.PERSON: "per",
    NodeKind.LOCATION: "loc",
    NodeKind.REPORT: "rep",
    NodeKind.OBJECT: "obj",
    NodeKind.SOURCE: "src",
}

SE: tuple[Literal["1", "2", "3"], ...] = ("1", "2", "3")
SE_W = (0.2, 0.5, 0.3)
IA: tuple[Literal["A", "B", "C", "D", "E"], ...] = ("A", "B", "C", "D", "E")
IA_W = (0.10, 0.35, 0.35, 0.15, 0.05)
GENDERS: tuple[Literal["M", "F", "X"], ...] = ("M", "F", "X")
MAPPA_CATEGORIES: tuple[Literal[2, 3, 4], ...] = (2, 3, 4)
MAPPA_LEVELS: tuple[Literal[1, 2, 3], ...] = (1, 2, 3)
BASES: tuple[Literal["fact", "assessment"], ...] = ("fact", "assessment")
PERSON_ASSOCIATIONS = tuple(
    a
    for a in AssociationType
    if a not in (AssociationType.NEIGHBOUR, AssociationType.CO_WORKER, AssociationType.NONE)
)
VISOR_TYPES = tuple(t for t in NominalType if t is not NominalType.NONE)

# Invented syllables: the names they make are nobody's.
GIVEN_HEAD = ("Bry", "Tal", "Zen", "Quor", "Mel", "Vask", "Orl", "Fen", "Jas", "Kiv", "Dra", "Syl")
GIVEN_TAIL = ("vyn", "anor", "eth", "ika", "ric", "ello", "ast", "imo", "ara", "un", "osk", "elle")
FAMILY_HEAD = ("Ash", "Brack", "Corm", "Dunn", "Eld", "Fal", "Grim", "Hol", "Ivel", "Quill", "Vell")
FAMILY_TAIL = ("ow", "ridge", "mere", "by", "wick", "stead", "ley", "combe", "thorpe", "holm")
STREETS = ("Fernbrook Lane", "Copper Row", "Mill Close", "Larkspur Way", "Tannery Street")
TOWNS = ("Exampleton", "Testbury", "Sampleford", "Mockley", "Fictonby", "Dummerston")
_TEXT = (
    "subject seen near address with unknown male vehicle parked outside late evening caller "
    "states regular visitors children present concerns raised neighbour reports shouting "
    "arrived left around midnight believed staying phone number given account used to contact "
    "previously warned appears intoxicated no further details available officer attended"
)
WORDS = tuple(_TEXT.split(" "))
ROLES_AT = ("incident", "sighting", "address given", "meeting place")
ROLES_INVOLVES = ("vehicle used", "phone number", "contact email", "online account")
STRUCTURED = ("visor", "pnd", "niche", "probation-case")
INGEST = CreatedBy(kind=CreatorKind.INGEST, name="bench-loader", version="1")
MATCHER = CreatedBy(kind=CreatorKind.MATCHER, name="mention-matcher", version="0.3")
EPOCH = datetime(2019, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 7 * 365 * 86_400


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` by `weights` into integers that sum to it (largest remainder)."""
    scale = sum(weights)
    exact = [total * w / scale for w in weights]
    out = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - out[i], reverse=True)
    for i in by_remainder[: total - sum(out)]:
        out[i] += 1
    return out


@dataclass
class Area:
    """One locality: its node ids by kind and its reports (for support and grading)."""

    ids: dict[NodeKind, list[str]] = field(default_factory=dict)
    reports: dict[str, Report] = field(default_factory=dict)


@dataclass
class Dataset:
    nodes: list[Node]
    edges: list[Edge]
    node_area: list[int]
    edge_area: list[int]

    def node_kinds(self) -> Counter[str]:
        return Counter(n.kind.value for n in self.nodes)

    def edge_kinds(self) -> Counter[str]:
        return Counter(e.kind.value for e in self.edges)

    def sample(self, max_nodes: int, max_edges: int) -> tuple[list[Node], list[Edge]]:
        """The first `max_nodes` nodes (whole areas first) and up to `max_edges` edges whose
        two ends are among them."""
        nodes = self.nodes[:max_nodes]
        last_area = self.node_area[len(nodes) - 1] if nodes else -1
        keep = {n.id for n in nodes}
        edges: list[Edge] = []
        for edge, area in zip(self.edges, self.edge_area, strict=True):
            if area > last_area or len(edges) >= max_edges:
                break
            if edge.src in keep and edge.dst in keep:
                edges.append(edge)
        return nodes, edges


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def uid(self, prefix: str) -> str:
        return f"{prefix}-{uuid.UUID(int=self.rng.getrandbits(128), version=4)}"

    def moment(self) -> datetime:
        return EPOCH + timedelta(seconds=self.rng.randrange(SPAN_SECONDS))

    def day(self) -> date:
        return self.moment().date()

    def name(self) -> Name:
        r = self.rng
        return Name(
            given=r.choice(GIVEN_HEAD) + r.choice(GIVEN_TAIL),
            family=r.choice(FAMILY_HEAD) + r.choice(FAMILY_TAIL),
        )

    def words(self, low: int, high: int) -> str:
        return " ".join(self.rng.choices(WORDS, k=self.rng.randint(low, high))).capitalize() + "."

    def grading(self) -> Grading3x5x2:
        r = self.rng
        code_c = r.random() < 0.15
        return Grading3x5x2(
            source_evaluation=r.choices(SE, SE_W)[0],
            intelligence_assessment=r.choices(IA, IA_W)[0],
            handling_code="C" if code_c else "P",
            handling_conditions="originator consent before onward sharing" if code_c else None,
        )

    # -- nodes ----------------------------------------------------------------------------

    def person(self, pid: str) -> Person:
        r = self.rng
        names = [self.name()]
        if r.random() < 0.15:
            names.append(Name(given=names[0].given, family=self.name().family))
        visor = None
        if r.random() < 0.08:
            nominal = r.choice(VISOR_TYPES)
            category: Literal[1, 2, 3, 4] | None
            if nominal is NominalType.RSO:
                category = 1
            elif nominal is NominalType.PDP:
                category = None
            else:
                category = r.choice(MAPPA_CATEGORIES)
            visor = Visor(
                ref=f"VIS-{r.randrange(10**7):07d}",
                nominal_type=nominal,
                mappa_category=category,
                mappa_level=r.choice(MAPPA_LEVELS) if category else None,
                offender_manager=f"OM {r.randrange(10_000):04d}",
                risk_level=r.choice(list(RiskLevel)),
                next_review=self.day(),
                risk_factors=[self.words(2, 5) for _ in range(r.randint(0, 3))],
                licence_conditions=[self.words(3, 8) for _ in range(r.randint(0, 2))],
            )
        return Person(
            id=pid,
            names=names,
            dob=date(1950, 1, 1) + timedelta(days=r.randrange(60 * 365)),
            gender=r.choice(GENDERS),
            pnc_id=self.pnc_id() if r.random() < 0.4 else None,
            vulnerable=r.random() < 0.05,
            visor=visor,
            medical=MedicalBlock(notes=self.words(4, 12)) if r.random() < 0.03 else None,
            source_system=r.choice(STRUCTURED),
            source_record_id=f"R{r.randrange(10**9)}",
        )

    def pnc_id(self) -> str:
        return f"{self.rng.randint(1990, 2025)}/{self.rng.randrange(10**7):07d}X"

    def postcode(self) -> str:
        r = self.rng
        return f"ZZ{r.randint(1, 99)} {r.randint(1, 9)}{r.choice('ABDEFGHJ')}{r.choice('LNPQ')}"

    def location(self, lid: str) -> Location:
        r = self.rng
        return Location(
            id=lid,
            address=f"{r.randint(1, 250)} {r.choice(STREETS)}, {r.choice(TOWNS)}",
            postcode=self.postcode(),
            lat=round(50 + r.random() * 5, 6),
            lon=round(-5 + r.random() * 6, 6),
            location_type=r.choices(list(LocationType), [40] + [5] * 12)[0],
        )

    def object(self, oid: str) -> ObjectEntity:
        r = self.rng
        kind = r.choice(list(ObjectType))
        values = {
            ObjectType.VEHICLE: f"EX{r.randint(10, 99)} {r.choice('ABCDEFG')}{r.choice('HJKLM')}Z",
            ObjectType.PHONE: f"07700 900{r.randrange(1000):03d}",
            ObjectType.EMAIL: f"user{r.randrange(10**6)}@example.org",
            ObjectType.ONLINE_ACCOUNT: f"@handle_{r.randrange(10**6)}",
            ObjectType.ORGANISATION: f"{r.choice(FAMILY_HEAD)} Holdings Ltd",
        }
        return ObjectEntity(id=oid, object_type=kind, value=values[kind])

    def source(self, sid: str) -> Source:
        r = self.rng
        kind = r.choice(list(SourceType))
        chis = kind is SourceType.CHIS
        return Source(
            id=sid,
            source_type=kind,
            chis_status=ChisStatus.AUTHORISED if chis else ChisStatus.NONE,
            juvenile=r.random() < 0.02,
            vulnerable=r.random() < 0.05,
            marking=Marking(compartment=Compartment.SOURCE) if chis else Marking(),
        )

    def report(self, rid: str) -> Report:
        r = self.rng
        grading = self.grading()
        received = self.moment()
        confidential = None
        if r.random() < 0.1:
            confidential = ConfidentialBlock(third_party_info=self.words(5, 15))
        return Report(
            id=rid,
            received_at=received,
            recorded_at=received + timedelta(minutes=r.randint(5, 600)),
            recorded_by=f"PC {r.randrange(10_000):04d}",
            channel=r.choice(list(Channel)),
            initiated_by=r.choice(list(Initiator)),
            how_obtained=r.choice(list(HowObtained)),
            grading=grading,
            text=self.words(20, 90),
            risk_indicators=r.sample(list(RiskIndicator), k=r.choice((0, 0, 1, 1, 2))),
            confidential=confidential,
            marking=Marking.from_grading(
                grading,
                classification=Classification.OFFICIAL_SENSITIVE,
            ),
            source_system="niche",
            source_record_id=f"IR{r.randrange(10**8):08d}",
        )

    def node(self, kind: NodeKind, nid: str) -> Node:
        match kind:
            case NodeKind.PERSON:
                return self.person(nid)
            case NodeKind.LOCATION:
                return self.location(nid)
            case NodeKind.OBJECT:
                return self.object(nid)
            case NodeKind.SOURCE:
                return self.source(nid)
            case NodeKind.REPORT:
                return self.report(nid)
        raise AssertionError(kind)

    # -- edges ----------------------------------------------------------------------------

    def edge(self, kind: EdgeKind, area: Area) -> Edge:
        r = self.rng
        src_kind, dst_kind = EDGE_ENDPOINTS[kind]
        src = r.choice(area.ids[src_kind])
        dst = r.choice(area.ids[dst_kind])
        while dst == src:
            dst = r.choice(area.ids[dst_kind])
        marking = Marking()
        created_by = INGEST
        first: date | None
        last: date | None
        if src_kind is NodeKind.REPORT:
            rep = area.reports[src]
            seen = rep.received_at.date()
            supports = [Support(report_id=rep.id, grading=rep.grading, observed_on=seen)]
            first = last = seen
            marking = rep.marking
            if kind is EdgeKind.MENTIONS:
                created_by = MATCHER
        elif r.random() < 0.55:
            reports = r.sample(list(area.reports.values()), k=r.randint(1, 3))
            days = [rep.received_at.date() for rep in reports]
            supports = [
                Support(report_id=rep.id, grading=rep.grading, basis=r.choice(BASES), observed_on=d)
                for rep, d in zip(reports, days, strict=True)
            ]
            first, last = min(days), max(days)
            marking = reports[0].marking
        else:
            record = f"S{r.randrange(10**9)}"
            supports = [Support(source_system=r.choice(STRUCTURED), source_record_id=record)]
            first = self.day() if r.random() < 0.5 else None
            last = first
        assoc = None
        role = None
        valid_from = valid_to = None
        if kind is EdgeKind.ASSOCIATED_WITH:
            assoc = r.choice(PERSON_ASSOCIATIONS)
            if r.random() < 0.2:
                created_by = CreatedBy(kind=CreatorKind.ANALYST, name=f"analyst-{r.randrange(100)}")
        elif kind is EdgeKind.KNOWS_SUBJECT:
            assoc = r.choice(list(AssociationType))
        elif kind is EdgeKind.RESIDES_AT:
            valid_from = self.day()
            if r.random() < 0.4:
                valid_to = valid_from + timedelta(days=r.randint(30, 900))
        elif kind is EdgeKind.AT_LOCATION:
            role = r.choice(ROLES_AT)
        elif kind is EdgeKind.INVOLVES:
            role = r.choice(ROLES_INVOLVES)
        if kind in (EdgeKind.IS_PERSON, EdgeKind.KNOWS_SUBJECT):
            marking = Marking(compartment=Compartment.SOURCE)
        return Edge(
            id=self.uid("edg"),
            kind=kind,
            src=src,
            dst=dst,
            association_type=assoc,
            role=role,
            valid_from=valid_from,
            valid_to=valid_to,
            marking=marking,
            provenance=Provenance(
                supports=supports, first_seen=first, last_seen=last, created_by=created_by
            ),
        )


def area_sizes(n_nodes: int) -> list[int]:
    whole, rest = divmod(n_nodes, AREA_NODES)
    if whole == 0:
        return [n_nodes]
    sizes = [AREA_NODES] * whole
    sizes[-1] += rest
    return sizes


def generate(n_nodes: int, n_edges: int, seed: int) -> Dataset:
    gen = Generator(seed)
    sizes = area_sizes(n_nodes)
    edge_counts = apportion(n_edges, sizes)
    edge_kinds = [k for k, _ in EDGE_MIX]
    edge_cum = list(_cumulative([w for _, w in EDGE_MIX]))
    ds = Dataset([], [], [], [])
    for index, (size, m) in enumerate(zip(sizes, edge_counts, strict=True)):
        area = Area()
        planned: list[tuple[NodeKind, str]] = []
        node_counts = apportion(size, [w for _, w in NODE_MIX])
        for (node_kind, _), count in zip(NODE_MIX, node_counts, strict=True):
            ids = [gen.uid(ID_PREFIX[node_kind]) for _ in range(count)]
            area.ids[node_kind] = ids
            planned += [(node_kind, i) for i in ids]
        gen.rng.shuffle(planned)
        for node_kind, nid in planned:
            node = gen.node(node_kind, nid)
            if isinstance(node, Report):
                area.reports[nid] = node
            ds.nodes.append(node)
            ds.node_area.append(index)
        for kind in gen.rng.choices(edge_kinds, cum_weights=edge_cum, k=m):
            ds.edges.append(gen.edge(kind, area))
            ds.edge_area.append(index)
    return ds


def _cumulative(weights: Sequence[float]) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


def batches(items: Sequence[T], size: int) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


# -- measurements ---------------------------------------------------------------------------


# Processes of this run besides this one (the Neo4j server started here): their CPU is ours.
HELPER_PIDS: list[int] = []
_BUSY_FIELDS = (0, 1, 2, 5, 6, 7)  # user nice system irq softirq steal, in /proc/stat


def _ticks() -> float:
    return float(os.sysconf("SC_CLK_TCK"))


def _cpu_sample() -> tuple[float, float, float] | None:
    """(wall, busy CPU seconds of the machine, CPU seconds of this run), None off Linux."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        busy = sum(int(fields[i]) for i in _BUSY_FIELDS) / _ticks()
        times = os.times()
        own = times.user + times.system
        for pid in HELPER_PIDS:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            own += (int(stat[11]) + int(stat[12])) / _ticks()  # utime, stime
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    return time.perf_counter(), busy, own


class CpuWatch:
    """How busy other processes kept the machine while something was timed (in cores)."""

    def __init__(self) -> None:
        self._start = _cpu_sample()

    def others(self) -> float | None:
        end = _cpu_sample()
        if self._start is None or end is None or end[0] <= self._start[0]:
            return None
        busy, own = end[1] - self._start[1], end[2] - self._start[2]
        return max(0.0, (busy - own) / (end[0] - self._start[0]))


@dataclass
class Timing:
    label: str
    rows: int
    seconds: float
    others: float | None = None
    """Average cores other processes used meanwhile (the machine has os.cpu_count())."""

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


@dataclass
class Load:
    """One batched load through a store: nodes, then edges."""

    node_seconds: float
    edge_seconds: float
    outcome: Counter[str]
    node_others: float | None
    edge_others: float | None

    @property
    def seconds(self) -> float:
        return self.node_seconds + self.edge_seconds

    @property
    def others(self) -> float | None:
        if self.node_others is None or self.edge_others is None or self.seconds <= 0:
            return None
        weighted = self.node_others * self.node_seconds + self.edge_others * self.edge_seconds
        return weighted / self.seconds


@dataclass
class EmbeddedResults:
    raw: list[Timing]
    raw_serialising: Timing
    raw_tuned: Timing
    tuning: list[str]
    mosaic: Timing
    mosaic_nodes: Timing
    mosaic_edges: Timing
    reload: Timing
    db_bytes: int
    raw_bytes: int
    payload_mean: float
    model_dump_mean: float

    @property
    def baseline(self) -> Timing:
        """The faster raw run: the ratio is then the conservative one."""
        return max(self.raw, key=lambda t: t.rate)

    @property
    def ratio(self) -> float:
        return self.mosaic.rate / self.baseline.rate


@dataclass
class Neo4jResults:
    nodes: int
    edges: int
    batched_runs: list[Timing]
    per_record: Timing
    server: str
    warmup_rows: int = 0
    full: Timing | None = None
    full_complete: bool = False

    @property
    def batched(self) -> Timing:
        """The median batched run: the first ones still warm the JIT and the page cache."""
        return sorted(self.batched_runs, key=lambda t: t.rate)[len(self.batched_runs) // 2]

    @property
    def ratio(self) -> float:
        return self.batched.rate / self.per_record.rate


def _db_size(path: Path) -> int:
    return sum(
        p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()
    )


TUNING_PRAGMAS = ("page_size", "cache_size", "wal_autocheckpoint")


def store_tuning(path: Path) -> list[str]:
    """The tuning pragmas a fresh `SqliteGraphStore` runs with, as statements to repeat."""
    store = SqliteGraphStore(path, synchronous="FULL")
    try:
        conn = store._conn  # read-only look at the store's own connection settings
        values = [conn.execute(f"PRAGMA {name}").fetchone()[0] for name in TUNING_PRAGMAS]
    finally:
        store.close()
    return [f"PRAGMA {name}={value}" for name, value in zip(TUNING_PRAGMAS, values, strict=True)]


def _open_raw(path: Path, tuning: Sequence[str] = ()) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in tuning:  # page_size must come before the first table
        conn.execute(statement)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE records (id TEXT PRIMARY KEY, data TEXT)")
    return conn


def raw_sqlite(
    path: Path, payloads: Sequence[tuple[str, str]], label: str, tuning: Sequence[str] = ()
) -> tuple[Timing, int]:
    """The baseline: plain `(id, data)` rows, `executemany`, one commit per batch."""
    conn = _open_raw(path, tuning)
    watch = CpuWatch()
    start = time.perf_counter()
    for batch in batches(payloads, EMBEDDED_BATCH):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO records (id, data) VALUES (?, ?)", batch)
        conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    others = watch.others()
    (count,) = conn.execute("SELECT count(*) FROM records").fetchone()
    conn.close()
    if count != len(payloads):
        raise RuntimeError(f"raw baseline stored {count} rows, expected {len(payloads)}")
    return Timing(label, len(payloads), seconds, others), _db_size(path)


def raw_sqlite_serialising(path: Path, nodes: Sequence[Node], edges: Sequence[Edge]) -> Timing:
    """The baseline again, with `model_dump_json()` inside the timed loop (for context)."""
    conn = _open_raw(path)
    records: list[Node | Edge] = [*nodes, *edges]
    watch = CpuWatch()
    start = time.perf_counter()
    for batch in batches(records, EMBEDDED_BATCH):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO records (id, data) VALUES (?, ?)",
            [(r.id, r.model_dump_json()) for r in batch],
        )
        conn.execute("COMMIT")
    seconds = time.perf_counter() - start
    others = watch.others()
    conn.close()
    return Timing("raw sqlite3 + model_dump_json", len(records), seconds, others)


def mosaic_load(store: GraphStore, nodes: Sequence[Node], edges: Sequence[Edge], size: int) -> Load:
    """Upsert nodes then edges in batches; seconds for each phase and what the store said."""
    outcome: Counter[str] = Counter()
    watch = CpuWatch()
    start = time.perf_counter()
    for node_batch in batches(nodes, size):
        result = store.upsert(nodes=node_batch)
        outcome.update(created=len(result.created), updated=len(result.updated))
        outcome["unchanged"] += result.unchanged
    middle = time.perf_counter()
    node_others = watch.others()
    watch = CpuWatch()
    for edge_batch in batches(edges, size):
        result = store.upsert(edges=edge_batch)
        outcome.update(created=len(result.created), updated=len(result.updated))
        outcome["unchanged"] += result.unchanged
    end = time.perf_counter()
    return Load(middle - start, end - middle, outcome, node_others, watch.others())


def bench_embedded(ds: Dataset, workdir: Path) -> EmbeddedResults:
    total = len(ds.nodes) + len(ds.edges)
    # The record JSON exactly as the store keeps it, so both sides write the same bytes.
    payloads = [(n.id, str(node_row(n)["data"])) for n in ds.nodes]
    payloads += [(e.id, str(edge_row(e)["data"])) for e in ds.edges]
    model_dump = sum(len(r.model_dump_json()) for r in [*ds.nodes, *ds.edges])

    print("  raw sqlite3 baseline (1/2) ...", flush=True)
    raw1, raw_bytes = raw_sqlite(workdir / "raw1.db", payloads, "raw sqlite3 (before)")

    print("  Mosaic SqliteGraphStore.upsert ...", flush=True)
    path = workdir / "mosaic.db"
    store = SqliteGraphStore(path, synchronous="FULL")
    first = mosaic_load(store, ds.nodes, ds.edges, EMBEDDED_BATCH)
    if first.outcome["created"] != total:
        raise RuntimeError(f"first load created only part of {total}: {first.outcome}")
    print("  Mosaic re-load of the same batches ...", flush=True)
    again = mosaic_load(store, ds.nodes, ds.edges, EMBEDDED_BATCH)
    if again.outcome["unchanged"] != total:
        raise RuntimeError(f"re-load was not a no-op: {again.outcome}")
    counts = store.counts()
    store.close()
    if (counts.total_nodes, counts.total_edges) != (len(ds.nodes), len(ds.edges)):
        raise RuntimeError(f"store holds {counts}, expected {len(ds.nodes)}/{len(ds.edges)}")
    db_bytes = _db_size(path)

    print("  raw sqlite3 baseline (2/2) ...", flush=True)
    raw2, _ = raw_sqlite(workdir / "raw2.db", payloads, "raw sqlite3 (after)")
    tuning = store_tuning(workdir / "tuning.db")
    print("  raw sqlite3 with the store's tuning pragmas (context) ...", flush=True)
    tuned, _ = raw_sqlite(workdir / "raw4.db", payloads, "raw sqlite3, store's tuning", tuning)
    print("  raw sqlite3 + model_dump_json (context) ...", flush=True)
    serialising = raw_sqlite_serialising(workdir / "raw3.db", ds.nodes, ds.edges)
    return EmbeddedResults(
        raw=[raw1, raw2],
        raw_serialising=serialising,
        raw_tuned=tuned,
        tuning=tuning,
        mosaic=Timing("Mosaic upsert (embedded)", total, first.seconds, first.others),
        mosaic_nodes=Timing(
            "  of which nodes", len(ds.nodes), first.node_seconds, first.node_others
        ),
        mosaic_edges=Timing(
            "  of which edges", len(ds.edges), first.edge_seconds, first.edge_others
        ),
        reload=Timing("Mosaic re-load (no-op)", total, again.seconds, again.others),
        db_bytes=db_bytes,
        raw_bytes=raw_bytes,
        payload_mean=sum(len(d) for _, d in payloads) / total,
        model_dump_mean=model_dump / total,
    )


def profile_embedded(ds: Dataset, workdir: Path, top: int = 30) -> str:
    """cProfile of the Mosaic load on a fresh file (not timed: profiling slows it down)."""
    store = SqliteGraphStore(workdir / "profile.db", synchronous="FULL")
    profiler = cProfile.Profile()
    profiler.enable()
    mosaic_load(store, ds.nodes, ds.edges, EMBEDDED_BATCH)
    profiler.disable()
    store.close()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


# -- Neo4j ----------------------------------------------------------------------------------


def _wipe(driver: Driver) -> None:
    with driver.session(database="neo4j") as session:
        session.run("MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS").consume()


def _graph_size(driver: Driver) -> tuple[int, int]:
    with driver.session(database="neo4j") as session:
        nodes = session.run("MATCH (n:Node) RETURN count(n) AS c").single(strict=True)["c"]
        rels = session.run("MATCH ()-[r]->() RETURN count(r) AS c").single(strict=True)["c"]
    return int(nodes), int(rels)


def _run_one(tx: ManagedTransaction, query: str, params: dict[str, Any]) -> None:
    tx.run(query, params).consume()


def _node_statement(kind: str) -> str:
    # The kind label is set as the store sets it, so both sides maintain the same indexes.
    return f"MERGE (n:Node {{id: $id}}) SET n:{NodeKind(kind).value}, n += $props"


def _edge_statement(kind: str) -> str:
    return (
        "MATCH (a:Node {id: $src}) MATCH (b:Node {id: $dst}) "
        f"MERGE (a)-[e:{EdgeKind(kind).value} {{id: $id}}]->(b) SET e += $props"
    )


def per_record(driver: Driver, nodes: Sequence[Node], edges: Sequence[Edge]) -> Timing:
    """The baseline: one `execute_write` transaction per node and per edge."""
    node_params = []
    for node in nodes:
        row = node_row(node)
        node_params.append((_node_statement(row["kind"]), {"id": row["id"], "props": row}))
    edge_params = []
    for edge in edges:
        row = edge_row(edge)
        props = {k: v for k, v in row.items() if k not in ("src", "dst")}
        params = {"src": row["src"], "dst": row["dst"], "id": row["id"], "props": props}
        edge_params.append((_edge_statement(row["kind"]), params))
    watch = CpuWatch()
    start = time.perf_counter()
    with driver.session(database="neo4j") as session:
        for query, params in [*node_params, *edge_params]:
            session.execute_write(_run_one, query, params)
    seconds = time.perf_counter() - start
    rows = len(nodes) + len(edges)
    return Timing("one transaction per record", rows, seconds, watch.others())


def bench_neo4j(
    driver: Driver,
    ds: Dataset,
    sample_nodes: int,
    sample_edges: int,
    full: bool,
    full_budget: float,
    warmup: Dataset | None,
    repeat: int,
) -> Neo4jResults:
    nodes, edges = ds.sample(sample_nodes, sample_edges)
    with driver.session(database="neo4j") as session:
        rec = session.run(
            "CALL dbms.components() YIELD name, versions, edition "
            "RETURN name + ' ' + versions[0] + ' ' + edition AS v"
        ).single(strict=True)
        server = str(rec["v"])
    _wipe(driver)
    store = Neo4jGraphStore(driver, database="neo4j", owns_driver=False)
    if warmup is not None:
        # Both paths once on other data, so that neither pays for a cold JVM or query cache.
        rows = len(warmup.nodes) + len(warmup.edges)
        print(f"  warm-up of both paths on {rows} other rows (untimed) ...", flush=True)
        mosaic_load(store, warmup.nodes, warmup.edges, NEO4J_BATCH)
        _wipe(driver)
        per_record(driver, warmup.nodes, warmup.edges)
        _wipe(driver)
    runs: list[Timing] = []
    for run in range(1, repeat + 1):
        print(
            f"  Neo4jGraphStore.upsert, {len(nodes)} nodes + {len(edges)} edges "
            f"(run {run}/{repeat}) ...",
            flush=True,
        )
        load = mosaic_load(store, nodes, edges, NEO4J_BATCH)
        stored = _graph_size(driver)
        created = load.outcome["created"]
        if created != len(nodes) + len(edges) or stored != (len(nodes), len(edges)):
            raise RuntimeError(f"batched Neo4j load is incomplete: {load.outcome}, {stored}")
        label = f"Neo4jGraphStore.upsert, run {run}/{repeat}"
        runs.append(Timing(label, len(nodes) + len(edges), load.seconds, load.others))
        _wipe(driver)
    print("  one transaction per record ...", flush=True)
    single = per_record(driver, nodes, edges)
    if _graph_size(driver) != (len(nodes), len(edges)):
        raise RuntimeError(f"per-record Neo4j load is incomplete: {_graph_size(driver)}")
    results = Neo4jResults(len(nodes), len(edges), runs, single, server)
    results.warmup_rows = len(warmup.nodes) + len(warmup.edges) if warmup else 0
    if full:
        _wipe(driver)
        results.full, results.full_complete = neo4j_full(store, ds, full_budget)
    _wipe(driver)
    store.close()
    return results


def neo4j_full(store: GraphStore, ds: Dataset, budget: float) -> tuple[Timing, bool]:
    """The whole data set through `Neo4jGraphStore.upsert`, stopping after `budget` seconds."""
    print(f"  full load through Neo4jGraphStore.upsert (budget {budget:.0f}s) ...", flush=True)
    work: list[tuple[Sequence[Node], Sequence[Edge]]] = [
        (b, ()) for b in batches(ds.nodes, NEO4J_BATCH)
    ]
    work += [((), b) for b in batches(ds.edges, NEO4J_BATCH)]
    done = 0
    watch = CpuWatch()
    start = time.perf_counter()
    for node_batch, edge_batch in work:
        store.upsert(nodes=node_batch, edges=edge_batch)
        done += len(node_batch) + len(edge_batch)
        if time.perf_counter() - start > budget:
            break
    seconds = time.perf_counter() - start
    complete = done == len(ds.nodes) + len(ds.edges)
    label = "full load (batched)" if complete else f"full load, stopped at {done} rows"
    return Timing(label, done, seconds, watch.others()), complete


def neo4j_driver() -> tuple[Driver, Callable[[], None]]:
    """A driver to `NEO4J_URI` if set, else to a test server started here; and its cleanup."""
    from neo4j import GraphDatabase

    uri = os.environ.get("NEO4J_URI")
    server = None
    if uri:
        print(f"  using NEO4J_URI={uri} (its 'neo4j' database is wiped)", flush=True)
    else:
        from tests.support.neo4j_testserver import start

        print("  starting the Neo4j test server ...", flush=True)
        server = start()
        HELPER_PIDS.append(server.process.pid)
        uri = server.uri
    user, password = os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD")
    driver = GraphDatabase.driver(
        uri, auth=(user, password) if password else None, notifications_min_severity="OFF"
    )
    driver.verify_connectivity()

    def cleanup() -> None:
        driver.close()
        if server is not None:
            server.stop()

    return driver, cleanup


# -- reporting ------------------------------------------------------------------------------


def _fmt_rate(rate: float) -> str:
    return f"{rate:,.0f}"


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, row in enumerate(rows):
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in pairs]
        out.append("| " + " | ".join(cells) + " |")
        if n == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return out


def timing_row(t: Timing) -> list[str]:
    others = "n/a" if t.others is None else f"{t.others:.2f}"
    return [t.label, f"{t.rows:,}", f"{t.seconds:.2f}", _fmt_rate(t.rate), others]


def report_lines(
    emb: EmbeddedResults | None, neo: Neo4jResults | None, skipped_neo4j: str | None
) -> list[str]:
    lines: list[str] = []
    header = ["measurement", "rows", "seconds", "rows/s", "others' CPU"]
    if emb is not None:
        rows = [header]
        rows += [timing_row(t) for t in (*emb.raw, emb.mosaic, emb.mosaic_nodes, emb.mosaic_edges)]
        rows += [timing_row(emb.reload), timing_row(emb.raw_serialising)]
        rows += [timing_row(emb.raw_tuned)]
        lines += ["Embedded (SQLite, WAL, synchronous=FULL, 10,000 rows per batch):", ""]
        lines += table(rows)
        verdict = "meets" if emb.ratio >= EMBEDDED_TARGET else "BELOW"
        context = emb.mosaic.rate / emb.raw_serialising.rate
        lines += [
            "",
            f"- ratio Mosaic / raw sqlite3 (faster raw run): **{emb.ratio:.3f}** "
            f"(target >= {EMBEDDED_TARGET}: {verdict} target)",
            f"- ratio Mosaic / raw sqlite3 with serialisation timed: {context:.3f} (context only)",
            f"- ratio Mosaic / raw sqlite3 with the store's tuning too "
            f"({', '.join(t.removeprefix('PRAGMA ') for t in emb.tuning)}): "
            f"{emb.mosaic.rate / emb.raw_tuned.rate:.3f} (stricter; context only)",
            f"- re-load (no-op) vs first load: {emb.reload.rate / emb.mosaic.rate:.2f}x as fast",
            f"- file size: Mosaic {emb.db_bytes / 2**20:,.0f} MiB, "
            f"raw {emb.raw_bytes / 2**20:,.0f} MiB",
            f"- record JSON written by both (the store's `data`): {emb.payload_mean:,.0f} bytes "
            f"on average; `model_dump_json()` would be {emb.model_dump_mean:,.0f}",
        ]
    if neo is not None:
        rows = [header, *map(timing_row, neo.batched_runs), timing_row(neo.per_record)]
        if neo.full is not None:
            rows.append(timing_row(neo.full))
        sample = f"sample {neo.nodes:,} nodes + {neo.edges:,} edges"
        if neo.warmup_rows:
            sample += f", after an untimed warm-up of both paths on {neo.warmup_rows:,} other rows"
        lines += ["", f"Neo4j ({neo.server}; {sample}):", ""]
        lines += table(rows)
        verdict = "meets" if neo.ratio >= NEO4J_TARGET else "BELOW"
        lines += [
            "",
            f"- ratio batched (median run, {neo.batched.label}) / per-record: "
            f"**{neo.ratio:.1f}x** (target >= {NEO4J_TARGET:.0f}x: {verdict} target)",
            "- ratio of each batched run / per-record: "
            + ", ".join(f"{t.rate / neo.per_record.rate:.1f}x" for t in neo.batched_runs),
        ]
        if neo.full is not None and not neo.full_complete:
            lines.append("- full load stopped at its time budget; its rate is of the part done")
    elif skipped_neo4j:
        lines += ["", f"Neo4j: skipped ({skipped_neo4j})"]
    return lines


def code_version(dirs: tuple[str, ...] = ("graph",)) -> str:
    """The commit measured, and whether `dirs` differ from it (others edit this repo)."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=True
        )
        return done.stdout.strip()

    try:
        head = git("log", "-1", "--format=%h %s")
        dirty = git("status", "--porcelain", "--", *dirs)
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    where = " and ".join(f"{d}/" for d in dirs)
    return f"{head}; {where} " + ("has uncommitted changes" if dirty else "as committed")


def machine_lines(
    command: str,
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
    version: str,
) -> list[str]:
    import neo4j
    import pydantic

    return [
        f"- command: `{command}`",
        f"- code: {version}",
        f"- machine: {os.cpu_count()} cores, {platform.machine()}, {platform.platform()}",
        "- load average (1/5/15 min) at start: "
        + " / ".join(f"{x:.2f}" for x in load_before)
        + ", at end: "
        + " / ".join(f"{x:.2f}" for x in load_after)
        + " (the machine is shared)",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, pydantic "
        f"{pydantic.VERSION}, neo4j driver {neo4j.__version__}",
    ]


def write_results(path: Path, lines: Sequence[str], data_lines: Sequence[str]) -> None:
    header = [
        "# Write-path benchmark results",
        "",
        "Produced by `python -m bench.bench_upsert --write-results`. Every figure that matters is",
        "a **ratio against a baseline measured in the same run** (raw `sqlite3.executemany` for",
        "the embedded store, one transaction per record for Neo4j), on a shared 2-core machine",
        "where other work runs at the same time: absolute rows/s vary from run to run and are",
        "given only to show what the ratios are made of. Targets: embedded >= 0.25 of raw",
        "SQLite, Neo4j batched >= 20x per-record.",
        "",
    ]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = ["", f"## {stamp}", "", *data_lines, "", *lines, ""]
    existing = path.read_text(encoding="utf-8") if path.exists() else "\n".join(header)
    path.write_text(existing.rstrip("\n") + "\n" + "\n".join(section), encoding="utf-8")


# -- entry point ----------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bench_upsert",
        description="Time Mosaic's write path against baselines measured in the same run.",
    )
    parser.add_argument("--nodes", type=int, default=100_000, help="nodes (default 100000)")
    parser.add_argument("--edges", type=int, default=300_000, help="edges (default 300000)")
    parser.add_argument("--seed", type=int, default=20_260_301, help="random seed")
    parser.add_argument(
        "--neo4j-sample", type=int, default=5_000, help="nodes in the Neo4j sample (default 5000)"
    )
    parser.add_argument(
        "--neo4j-sample-edges", type=int, default=None, help="edges in it (default 3x nodes)"
    )
    parser.add_argument(
        "--neo4j-warmup",
        type=int,
        default=300,
        help="nodes (and 3x edges) of other data loaded both ways before timing (0: none)",
    )
    parser.add_argument(
        "--neo4j-repeat",
        type=int,
        default=5,
        help="batched Neo4j runs; the median is compared (default 5)",
    )
    parser.add_argument("--skip-neo4j", action="store_true", help="embedded only")
    parser.add_argument("--skip-embedded", action="store_true", help="Neo4j only")
    parser.add_argument(
        "--neo4j-full", action="store_true", help="also load everything into Neo4j (optional)"
    )
    parser.add_argument(
        "--neo4j-full-budget", type=float, default=180.0, help="seconds allowed for --neo4j-full"
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the embedded load (extra, untimed run)"
    )
    parser.add_argument(
        "--write-results", action="store_true", help=f"append a dated section to {RESULTS_PATH}"
    )
    args = parser.parse_args(argv)
    if args.nodes < 100 or args.edges < 1 or args.neo4j_sample < 10:
        parser.error("need --nodes >= 100, --edges >= 1 and --neo4j-sample >= 10")
    if args.neo4j_repeat < 1:
        parser.error("--neo4j-repeat is at least 1")
    if 0 < args.neo4j_warmup < 100:
        parser.error("--neo4j-warmup is 0 or >= 100")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    raw_argv = list(sys.argv[1:] if argv is None else argv)
    command = " ".join(["python -m bench.bench_upsert", *map(shlex.quote, raw_argv)])
    load_before = os.getloadavg()
    version = code_version()

    print(f"Generating {args.nodes:,} nodes + {args.edges:,} edges (seed {args.seed}) ...")
    start = time.perf_counter()
    ds = generate(args.nodes, args.edges, args.seed)
    print(f"  built in {time.perf_counter() - start:.1f}s")
    print("  nodes: " + ", ".join(f"{k} {v:,}" for k, v in sorted(ds.node_kinds().items())))
    print("  edges: " + ", ".join(f"{k} {v:,}" for k, v in sorted(ds.edge_kinds().items())))
    # The data set is held for the whole run; keep the collector from rescanning it.
    gc.collect()
    gc.freeze()

    emb = neo = None
    skipped = None
    profile = None
    with tempfile.TemporaryDirectory(prefix="mosaic-bench-") as tmp:
        workdir = Path(tmp)
        if not args.skip_embedded:
            print("Embedded store:")
            emb = bench_embedded(ds, workdir)
            if args.profile:
                print("  profiling the Mosaic load (untimed) ...", flush=True)
                profile = profile_embedded(ds, workdir)
    if args.skip_neo4j:
        skipped = "--skip-neo4j"
    else:
        print("Neo4j:")
        driver, cleanup = neo4j_driver()
        try:
            sample_edges = args.neo4j_sample_edges or 3 * args.neo4j_sample
            warmup = None
            if args.neo4j_warmup > 0:
                warmup = generate(args.neo4j_warmup, 3 * args.neo4j_warmup, args.seed + 1)
            neo = bench_neo4j(
                driver,
                ds,
                args.neo4j_sample,
                sample_edges,
                args.neo4j_full,
                args.neo4j_full_budget,
                warmup,
                args.neo4j_repeat,
            )
        finally:
            cleanup()

    data_lines = [
        f"- data: {len(ds.nodes):,} nodes ("
        + ", ".join(f"{k} {v:,}" for k, v in sorted(ds.node_kinds().items()))
        + f"), {len(ds.edges):,} edges, seed {args.seed}",
    ]
    lines = report_lines(emb, neo, skipped)
    machine = machine_lines(command, load_before, os.getloadavg(), version)
    if code_version() != version:
        machine.append(
            "- WARNING: git state of graph/ changed while this ran (now: "
            f"{code_version()}); every module was imported at the start, check what changed"
        )
    print()
    print("\n".join([*machine, *data_lines, "", *lines]))
    if profile:
        print("\ncProfile of the embedded Mosaic load:\n")
        print(profile)
    if args.write_results:
        write_results(RESULTS_PATH, lines, [*machine, *data_lines])
        print(f"\nappended to {RESULTS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
