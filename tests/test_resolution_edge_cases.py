"""Entity resolution and human judgements: edge cases found by review (docs/ingest.md).

Every test runs real parts: loads through `ingest.pipeline.ingest` into the embedded store
(and a real Neo4j 5.26 where the backend matters), the ingest state file, the audit log,
the FastAPI app through its TestClient and the typer CLI. The invariant checked is usually
"the same as from scratch": the resolution kept after a sequence of loads, judgements and
disposals must equal a full re-scoring and re-clustering of what is there now. Every
person here is invented.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from graph.access import Role
from graph.audit import AuditLog, Operation
from graph.config import Settings
from graph.edges import EdgeKind
from graph.errors import ValidationFailed
from graph.markings import Compartment
from graph.store import GraphStore
from graph.stores.sqlite import SqliteGraphStore
from ingest.entities import (
    QUEUE_CURSOR,
    Judgement,
    JudgementConflict,
    QueuePosition,
    Resolution,
)
from ingest.loader import Actor
from ingest.pipeline import IngestOutcome, ingest
from ingest.reader import read_lines
from ingest.resolution import Thresholds, weights
from ingest.state import IngestState
from tests import wire as w
from tests.support.api_env import (
    api_session,
    cli_env,
    dispose,
    load,
    remark,
    role_headers,
    tmp_settings,
)
from tests.support.sqlite_locks import write_lock_is_free

# Distinct invented family names (no two alike enough to be matched with each other).
FAMILIES = [
    f"{a}{b}{c}"
    for a in ("Brack", "Dunn", "Fyfe", "Gorst", "Hesk", "Jopp", "Kell", "Lusk", "Mabb")
    for b in ("an", "er", "ow", "ith", "ul")
    for c in ("by", "ford", "ham", "ley", "wick")
]


Pairs = dict[tuple[str, str], tuple[float, str, list[dict[str, Any]]]]


def stored_pairs(state: IngestState) -> Pairs:
    """Every stored scored pair with its score, outcome and explanation."""
    with state.reading() as conn:
        rows = conn.execute("SELECT a, b, score, outcome, features FROM match_pairs")
        return {(a, b): (s, o, json.loads(f)) for a, b, s, o, f in rows}


class World:
    """A store, its ingest state and audit log, loaded as `mosaic ingest` loads a file."""

    def __init__(self, root: Path, store: GraphStore | None = None) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.store = store or SqliteGraphStore(root / "mosaic.db", synchronous="NORMAL")
        self.state = IngestState(root / "ingest.db")
        self.audit = AuditLog(root / "governance.db")
        self.loads = 0

    def load(self, records: Iterable[w.Record], thresholds: Thresholds | None = None) -> Any:
        self.loads += 1
        name = f"load{self.loads}.jsonl"
        path = w.write(self.root / name, list(records))
        outcome: IngestOutcome = ingest(
            self.store,
            self.state,
            [read_lines(path, name)],
            actor=Actor("test:resolution", "admin"),
            audit=self.audit,
            thresholds=thresholds,
        )
        assert outcome.load.quarantined == 0, outcome.load.as_dict()
        return outcome

    def resolution(self, thresholds: Thresholds | None = None) -> Resolution:
        return Resolution(self.state, thresholds, self.audit)

    def judge(self, a: str, b: str, verdict: str) -> None:
        self.resolution().judge(a, b, verdict, actor="u-analyst", role="analyst")

    def pairs(self) -> Pairs:
        return stored_pairs(self.state)

    def entities(self) -> dict[str, str]:
        return self.resolution().entity_map()

    def kept(self) -> tuple[Pairs, dict[str, str]]:
        return self.pairs(), self.entities()

    def from_scratch(self, thresholds: Thresholds | None = None) -> tuple[Pairs, dict[str, str]]:
        """Re-score every pair and re-cluster (`mosaic resolve`), and what that keeps."""
        self.resolution(thresholds).resolve(None)
        return self.kept()

    def close(self) -> None:
        self.store.close()
        self.state.close()
        self.audit.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    made = World(tmp_path / "world")
    yield made
    made.close()


def _differences(kept: dict[Any, Any], scratch: dict[Any, Any]) -> dict[Any, Any]:
    return {
        k: (kept.get(k), scratch.get(k))
        for k in kept.keys() | scratch.keys()
        if kept.get(k) != scratch.get(k)
    }


# -- incremental resolution equals resolution from scratch ------------------------------------


def test_a_dropped_mention_person_leaves_no_entity_named_after_it(world: World) -> None:
    """A mention that matched nobody became MEN-R1-0; a record arriving later was linked to
    it, so their entity is ENT-MEN-R1-0. R1 is then changed to drop the mention: the load
    removes MEN-R1-0 but changes no person, so nothing re-clustered and PA stayed in an
    entity named after a record that no longer exists (from scratch: ENT-PA)."""
    mention = {
        "name": {"given": "Orla", "family": "Penhallow"},
        "dob": "1985-02-03",
        "address": "1 Test Street, Sampletown",
        "postcode": "SX1 1AA",
    }
    r1 = w.report("R1", mentions=[mention])
    world.load([r1])
    world.load([w.person("PA", "Orla", "Penhallow", dob="1985-02-03", gender="F")])
    assert world.entities() == {"MEN-R1-0": "ENT-MEN-R1-0", "PA": "ENT-MEN-R1-0"}
    world.load([{**r1, "mentions": []}])
    kept = world.kept()
    assert kept[1] == {"PA": "ENT-PA"}
    assert kept == world.from_scratch()
    combos = world.audit.query(subject="PA", operation=Operation.COMBINATION, limit=1000)
    assert combos[-1].details["entities"] == {"ENT-PA": ["PA"]}  # the change is audited


def _ada(pid: str, **kw: Any) -> w.Record:
    return w.person(pid, "Ada", "Morrow", gender="F", **kw)


def test_incremental_equals_from_scratch_when_a_name_grows_common(world: World) -> None:
    """A pair agreeing on the full name scores by how common that name is among the
    records. Thirty more (different) Ada Morrows make the name common: from scratch the
    pair X1 ~ X2 falls from auto link to review, but an incremental run re-scored only the
    new records' pairs and kept the old score, the old link and the old explanation."""
    world.load(
        [w.location("L1"), _ada("X1", dob="1990-01-01", at="L1"), _ada("X2", dob=None, at="L1")]
    )
    assert world.entities()["X2"] == "ENT-X1"
    world.load([_ada(f"Y{i:02d}", dob=f"{1940 + i}-03-{1 + i % 9:02d}") for i in range(30)])
    kept = world.kept()
    assert _differences(kept[0], world.from_scratch()[0]) == {}
    assert kept[1] == world.entities()
    assert kept[1]["X2"] == "ENT-X2"  # from scratch: review, so kept apart


def test_incremental_equals_from_scratch_when_a_block_grows_past_the_cap(world: World) -> None:
    """X1 and X2 (a surname change) share only keys made of a forename, a DOB and a
    postcode. 205 more records sharing those keys make every one of those blocks oversized:
    from scratch the pair is no longer a candidate at all, incrementally it stayed linked."""
    world.load(
        [
            w.location("L1"),
            _ada("X1", dob="1990-01-01", at="L1"),
            w.person("X2", "Ada", "Quill", gender="F", dob="1990-01-01", at="L1"),
        ]
    )
    assert world.entities()["X2"] == "ENT-X1"
    crowd = [
        w.person(f"Y{i:03d}", "Ada", family, gender="F", dob="1990-01-01", at="L1")
        for i, family in enumerate(FAMILIES[:205])
    ]
    world.load(crowd)
    kept = world.kept()
    assert _differences(kept[0], world.from_scratch()[0]) == {}
    assert kept[1] == world.entities()


def test_incremental_equals_from_scratch_after_the_thresholds_change(world: World) -> None:
    """Outcomes are stored with the pairs: a load under new thresholds (a changed
    MOSAIC_MATCH_AUTO_LINK) re-classified only the new records' pairs."""
    world.load(
        [w.location("L1"), _ada("X1", dob="1990-01-01", at="L1"), _ada("X2", dob=None, at="L1")]
    )
    assert world.entities()["X2"] == "ENT-X1"
    strict = Thresholds(auto_link=0.999, review=0.5)
    world.load([w.person("Z1", "Bryn", "Tallow", dob="1971-02-03")], thresholds=strict)
    kept = world.kept()
    assert _differences(kept[0], world.from_scratch(strict)[0]) == {}
    assert kept[1] == world.entities()
    assert kept[1]["X2"] == "ENT-X2"


def test_incremental_equals_from_scratch_as_the_population_grows(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above `MIN_POPULATION` records the prior, and every name's frequency, depend on how
    many records there are: every pair's score moves a little with every record added, so
    an incremental run (re-scoring only the new records' pairs) drifted from a full one.
    A force passes MIN_POPULATION (20,000) for real; here it is lowered to 4."""
    monkeypatch.setattr(weights, "MIN_POPULATION", 4)
    world.load(
        [w.location("L1"), _ada("X1", dob="1990-01-01", at="L1"), _ada("X2", dob=None, at="L1")]
    )
    for start in range(0, 24, 6):
        world.load(
            [
                w.person(f"Z{i:02d}", "Bryn", FAMILIES[i], dob=f"{1950 + i}-04-05")
                for i in range(start, start + 6)
            ]
        )
        kept = world.kept()
        assert _differences(kept[0], world.from_scratch()[0]) == {}
        assert kept[1] == world.entities()


def test_an_incremental_run_still_rescores_only_what_moved(world: World) -> None:
    """Keeping incremental runs exact must not make every run a full one: a new record
    with a name of its own re-scores its own pairs only."""
    world.load(
        [w.location("L1"), _ada("X1", dob="1990-01-01", at="L1"), _ada("X2", dob=None, at="L1")]
    )
    outcome = world.load([w.person("Z1", "Bryn", "Tallow", dob="1971-02-03")])
    assert outcome.resolution.scored_pairs == 0  # Z1 shares no block with the Ada Morrows
    outcome = world.load([_ada("X3", dob="1990-01-01")])
    assert outcome.resolution.scored_pairs == 3  # X1 ~ X2 again: their name is commoner now


def test_the_model_population_grows_in_steps() -> None:
    steps = [weights.model_population(n) for n in range(0, 200_000, 997)]
    assert steps == sorted(steps) and len(set(steps)) == 15
    for n in (1, 20_000, 20_001, 25_000, 199_999):
        population = weights.model_population(n)
        assert max(n, weights.MIN_POPULATION) <= population < 1.19 * max(n, 20_000) + 1
    assert weights.model_population(23_784) == 23_784


# -- judgements --------------------------------------------------------------------------------


def _twins() -> list[w.Record]:
    """PA and PB: one PNC id, so linked without a human; PC: the same name, no PNC id."""
    carver = {"dob": "1975-03-04", "pnc_id": "75/000001X"}
    return [
        w.person("PA", "Wilmot", "Carver", source_system="visor", **carver),
        w.person("PB", "Wilmot", "Carver", source_system="pnc", **carver),
        w.person("PC", "Hester", "Dunmore", dob="1961-07-08"),
        w.person("PD", "Ivo", "Santry", dob="1959-01-02"),
    ]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]], Settings]]:
    settings = tmp_settings(tmp_path)
    headers = role_headers(
        settings.governance_path, (Role.ANALYST, Role.SUPERVISOR), "intelligence_review"
    )
    with TestClient(create_app(settings)) as client:
        yield client, headers, settings


def _judge(client: TestClient, headers: dict[str, str], a: str, b: str, verdict: str) -> Any:
    body = {"a": a, "b": b, "verdict": verdict, "reason": "checked custody photographs"}
    return client.post("/resolution/judgements", json=body, headers=headers)


def _message(response: Any) -> str:
    return json.dumps(response.json()["detail"])


def _entity(client: TestClient, headers: dict[str, str], pid: str) -> str:
    found = client.get(f"/persons/{pid}/entity", headers=headers)
    assert found.status_code == 200, found.text
    return str(found.json()["entity_id"])


def test_undo_restores_the_judgement_it_replaced(api: Any) -> None:
    """PA ~ PB judged not_same, then (wrongly) same, and that same undone: the not_same
    must be in force again. `withdrawn` dropped every judgement on the pair instead, so
    the matcher's auto link joined two records a human had judged apart."""
    client, headers, _ = api
    h = headers[Role.ANALYST]
    load(client, h, _twins())
    assert _entity(client, h, "PB") == "ENT-PA"
    assert _judge(client, h, "PA", "PB", "not_same").status_code == 200
    assert _entity(client, h, "PB") == "ENT-PB"
    assert _judge(client, h, "PA", "PB", "same").status_code == 200
    assert _entity(client, h, "PB") == "ENT-PA"
    undone = _judge(client, h, "PA", "PB", "withdrawn")
    assert undone.status_code == 200, undone.text
    assert _entity(client, h, "PB") == "ENT-PB"  # the not_same is back
    assert _judge(client, h, "PA", "PB", "withdrawn").status_code == 200  # and undone too
    assert _entity(client, h, "PB") == "ENT-PA"  # the matcher's link, as before any
    assert _judge(client, h, "PA", "PB", "withdrawn").status_code == 422  # nothing left


def test_judging_a_pair_again_the_same_way_records_nothing(api: Any) -> None:
    """A second identical verdict (a retried request, a second reviewer agreeing) was
    stored again, so one undo left the same verdict in force: it now records nothing and
    answers with the judgement in force. Bad pairs get clear errors."""
    client, headers, _ = api
    h = headers[Role.ANALYST]
    load(client, h, _twins())
    first = _judge(client, h, "PA", "PC", "same")
    assert first.status_code == 200 and first.json()["repeated"] is False
    again = _judge(client, h, "PC", "PA", "same")
    assert again.status_code == 200, again.text
    assert again.json()["repeated"] is True and again.json()["seq"] == first.json()["seq"]
    self_pair = _judge(client, h, "PA", "PA", "not_same")
    assert self_pair.status_code == 422 and "two different" in _message(self_pair)
    assert _judge(client, h, "PA", "NOBODY", "same").status_code == 404
    assert _judge(client, h, "PA", "PC", "withdrawn").status_code == 200
    assert _entity(client, h, "PC") == "ENT-PC"  # one undo takes the one judgement back
    assert _judge(client, h, "PA", "PC", "withdrawn").status_code == 422


def test_a_same_that_contradicts_a_not_same_is_refused_not_silently_dropped(api: Any) -> None:
    """PA same PC and PC not_same PD are in force; PA same PD would put PC and PD in one
    entity. It was stored and answered 200 but never applied; now it is refused, saying
    which not_same judgement stands in the way, and nothing is stored."""
    client, headers, settings = api
    h = headers[Role.ANALYST]
    load(client, h, _twins())
    assert _judge(client, h, "PA", "PC", "same").status_code == 200
    assert _judge(client, h, "PC", "PD", "not_same").status_code == 200
    refused = _judge(client, h, "PA", "PD", "same")
    assert refused.status_code == 422, refused.text
    assert "PC and PD, judged not_same" in _message(refused)
    with IngestState(settings.ingest_path) as state:
        assert [j.verdict for j in Resolution(state).judgements("PD")] == ["not_same"]
    # An earlier 'same' must not be displaced by a new one either (same judgements are
    # applied in id order, so PA same PC would be dropped for PA same PB's sake).
    assert _judge(client, h, "PC", "PB", "not_same").status_code == 200
    assert _judge(client, h, "PA", "PB", "same").status_code == 422
    assert _entity(client, h, "PC") == "ENT-PA"


def test_a_refused_same_does_not_name_a_record_the_caller_may_not_see(tmp_path: Path) -> None:
    """An offender manager, who sees health-held records, judged PA same PB and PB not_same
    PC, PB being one an analyst may not see. The analyst's PA same PC is refused without
    naming PB."""
    settings = tmp_settings(tmp_path)
    roles = (Role.ANALYST, Role.OFFENDER_MANAGER)
    headers = role_headers(settings.governance_path, roles, "intelligence_review")
    with TestClient(create_app(settings)) as client:
        load(client, headers[Role.ANALYST], _twins())
        remark(settings.db_path, {"PB"}, Compartment.MEDICAL)
        om, analyst = headers[Role.OFFENDER_MANAGER], headers[Role.ANALYST]
        assert _judge(client, om, "PA", "PB", "same").status_code == 200
        assert _judge(client, om, "PB", "PC", "not_same").status_code == 200
        refused = _judge(client, analyst, "PA", "PC", "same")
        assert refused.status_code == 422, refused.text
        assert "PB" not in refused.text and "judged not_same" in _message(refused)
        named = _judge(client, om, "PA", "PC", "same")
        assert named.status_code == 422 and "PB and PC, judged not_same" in _message(named)


def _orlas() -> list[w.Record]:
    """Two records alike in every field: the matcher takes them for one person."""
    orla = {"dob": "1985-02-03", "gender": "F", "at": "L1"}
    return [
        w.location("L1"),
        w.person("P1", "Orla", "Penhallow", source_system="visor", **orla),
        w.person("P2", "Orla", "Penhallow", source_system="pnc", **orla),
    ]


def _orla_mentioned() -> w.Record:
    mention = {
        "name": {"given": "Orla", "family": "Penhallow"},
        "dob": "1985-02-03",
        "address": "1 Test Street, Sampletown",
        "postcode": "SX1 1AA",
    }
    return w.report("R1", mentions=[mention])


def _mentioned(world: World) -> list[str]:
    return sorted(e.dst for e in world.store.incident(["R1"]) if e.kind is EdgeKind.MENTIONS)


def test_a_mention_fitting_two_records_judged_not_same_is_not_given_to_either(
    world: World,
) -> None:
    """P1 and P2 score as one person, but a human judged them two. A mention fitting both
    went to P1 anyway (the matcher took the two for duplicates): it is ambiguous."""
    world.load(_orlas())
    world.judge("P1", "P2", "not_same")
    world.load([_orla_mentioned()])
    assert _mentioned(world) == ["MEN-R1-0"]


@pytest.mark.xfail(
    strict=True,
    reason="a mention's attribution is decided when its report is loaded; a judgement "
    "made later does not revisit it (docs/ingest.md, known gaps)",
)
def test_a_not_same_made_after_the_load_revisits_the_mention(world: World) -> None:
    world.load([*_orlas(), _orla_mentioned()])
    assert _mentioned(world) == ["P1"]
    world.judge("P1", "P2", "not_same")
    assert _mentioned(world) == ["MEN-R1-0"]  # as loading after the judgement gives


def test_a_split_is_audited_under_every_record_it_moves_or_leaves(world: World) -> None:
    """PA and PB were one entity; a not_same splits them. The membership entry named only
    PB (whose entity id changed), so the log searched for PA found no change to PA's entity.
    A judgement entry names the matcher and what it scored the pair."""
    world.load(_twins())
    assert world.entities()["PB"] == "ENT-PA"
    world.judge("PA", "PB", "not_same")
    combos = world.audit.query(subject="PA", operation=Operation.COMBINATION, limit=1000)
    judged = [e for e in combos if e.action == "match judgement"]
    assert judged and judged[-1].details["matcher"] and judged[-1].details["score"] > 0.99
    membership = [e for e in combos if e.action.startswith("entity resolution")]
    assert membership and membership[-1].seq > judged[-1].seq
    assert membership[-1].details["entities"] == {"ENT-PA": ["PA"], "ENT-PB": ["PB"]}


def _mentioned_by(rid: str, given: str, family: str) -> w.Record:
    mention = {"name": {"given": given, "family": family}, "dob": None, "address": None}
    return w.report(rid, mentions=[mention])


def test_disposal_erases_judgements_about_the_person_it_removes(api: Any) -> None:
    """MEN-R1-0 (known only from R1) was judged not_same as PA, with a reason. Disposing
    of R1 erases MEN-R1-0 and everything the ingest state kept about it, except the
    judgement: its id and the reason given stayed in the state file."""
    client, headers, settings = api
    sup = headers[Role.SUPERVISOR]
    load(client, sup, [*_twins(), _mentioned_by("R1", "Zebulon", "Quarrie")])
    assert _judge(client, sup, "MEN-R1-0", "PA", "not_same").status_code == 200
    dispose(client, sup, "R1")
    with IngestState(settings.ingest_path) as state:
        assert Resolution(state).judgements("MEN-R1-0") == []
        with state.reading() as conn:
            tables = [
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            left = [
                (t, row)
                for t in tables
                for row in conn.execute(f"SELECT * FROM {t}")
                if "MEN-R1-0" in repr(row) or "custody photographs" in repr(row)
            ]
    assert left == []


def test_disposal_leaves_the_resolution_a_full_run_would_make(api: Any) -> None:
    """Disposing of R1 removes MEN-R1-0, one of three Ada Morrows: the other two's pair
    now scores as a rarer name. Only re-clustering after the disposal kept the old score."""
    client, headers, settings = api
    sup = headers[Role.SUPERVISOR]
    records = [
        w.location("L1"),
        _ada("X1", dob="1990-01-01", at="L1"),
        _ada("X2", dob=None, at="L1"),
    ]
    load(client, sup, [*records, _mentioned_by("R1", "Ada", "Morrow")])
    dispose(client, sup, "R1")
    with IngestState(settings.ingest_path) as state:
        before = stored_pairs(state), Resolution(state).entity_map()
        Resolution(state).resolve(None)
        after = stored_pairs(state), Resolution(state).entity_map()
    assert _differences(before[0], after[0]) == {}
    assert before[1] == after[1]


def test_cli_judge_says_a_repeated_verdict_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli_env(monkeypatch, tmp_settings(tmp_path))
    runner = CliRunner()
    records = w.write(tmp_path / "p.jsonl", _twins())
    assert runner.invoke(cli, ["ingest", str(records)]).exit_code == 0
    assert runner.invoke(cli, ["judge", "PA", "PC", "not_same"]).exit_code == 0
    again = runner.invoke(cli, ["judge", "PC", "PA", "not_same"])
    assert again.exit_code == 0 and "already judged not_same" in again.output
    assert "nothing recorded" in again.output
    with IngestState(tmp_path / "ingest.db") as state:
        assert len(Resolution(state).judgements("PA")) == 1
    self_pair = runner.invoke(cli, ["judge", "PA", "PA", "same"])
    assert self_pair.exit_code == 2 and "two different" in self_pair.output
    unknown = runner.invoke(cli, ["judge", "PA", "NOBODY", "same"])
    assert unknown.exit_code == 2 and "NOBODY" in unknown.output
    conflict = runner.invoke(cli, ["judge", "PA", "PD", "same"])
    assert conflict.exit_code == 0
    refused = runner.invoke(cli, ["judge", "PD", "PC", "same"])
    assert refused.exit_code == 2 and "judged not_same" in refused.output


PEOPLE = ["PA", "PB", "PC", "PD", "X1", "X2", "X3"]


@pytest.fixture(scope="module")
def judged_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A loaded ingest state (PA ~ PB and the Ada Morrows linked by the matcher) to copy."""
    made = World(tmp_path_factory.mktemp("judged") / "world")
    made.load(
        [
            *_twins(),
            w.location("L1"),
            _ada("X1", dob="1990-01-01", at="L1"),
            _ada("X2", dob=None, at="L1"),
            _ada("X3", dob="1990-01-01"),
        ]
    )
    made.close()
    return made.root / "ingest.db"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(PEOPLE),
            st.sampled_from(PEOPLE),
            st.sampled_from(["same", "not_same", "unsure", "withdrawn"]),
        ),
        max_size=12,
    )
)
def test_any_sequence_of_judgements_keeps_not_same_and_every_undo_is_exact(
    judged_world: Path, tmp_path_factory: pytest.TempPathFactory, steps: list[Any]
) -> None:
    """Whatever judgements are made, in whatever order: no not_same pair in force shares
    an entity, and undoing any judgement at once restores the entities exactly."""
    path = tmp_path_factory.mktemp("judging") / "ingest.db"
    shutil.copy(judged_world, path)
    with IngestState(path) as state:
        resolution = Resolution(state)
        for a, b, verdict in steps:
            before = resolution.entity_map()
            try:
                done, _ = resolution.judge(a, b, verdict, actor="u-analyst", role="analyst")
            except ValidationFailed:
                assert resolution.entity_map() == before  # refused: nothing changed
                continue
            after = resolution.entity_map()
            for (x, y), v in resolution.judgements_in_force().items():
                assert v != "not_same" or after[x] != after[y], (x, y)
            if verdict == "withdrawn" or done.repeated:
                continue
            resolution.judge(a, b, "withdrawn", actor="u-analyst", role="analyst")
            assert resolution.entity_map() == before
            redone, _ = resolution.judge(a, b, verdict, actor="u-analyst", role="analyst")
            assert resolution.entity_map() == after and not redone.repeated


# -- the review queue: keyset paging, pairs already one entity ---------------------------------

QUEUE_THRESHOLDS = Thresholds(auto_link=0.995, review=0.5, possible=0.2)
QUEUE_MATCH = {"match_auto_link": 0.995, "match_review": 0.5}


def _carvers() -> list[w.Record]:
    """Six records of one man at one address, no DOB: 15 review pairs at three scores,
    with ties (so a page can end inside a tie), none linked without a human."""
    return [
        w.location("L1"),
        *(w.person(f"PW{i}", "Will", "Carver", dob=None, at="L1") for i in range(4)),
        w.person("PV1", "Wil", "Carver", dob=None, at="L1"),
        w.person("PV2", "William", "Carver", dob=None, gender=None, at="L1"),
    ]


def _page(
    client: TestClient, headers: dict[str, str], limit: int, after: str | None = None
) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit}
    if after is not None:
        params["after"] = after
    got = client.get("/resolution/queue", params=params, headers=headers)
    assert got.status_code == 200, got.text
    body: dict[str, Any] = got.json()
    return body


def _pairs(page: dict[str, Any]) -> list[tuple[str, str]]:
    return [(q["a"]["id"], q["b"]["id"]) for q in page["items"]]


def test_judging_a_page_never_makes_the_next_page_skip_a_pair(tmp_path: Path) -> None:
    """A reviewer judges every pair of a page, then asks for the next one. With `after` an
    offset into the queue as it is now, the judged pairs left it and the next page skipped
    as many unjudged pairs as the page held. The cursor names the last pair returned."""
    with api_session(tmp_path, (Role.ANALYST,), "intelligence_review", **QUEUE_MATCH) as (
        client,
        headers,
        _,
    ):
        h = headers[Role.ANALYST]
        load(client, h, _carvers())
        everything = _pairs(_page(client, h, 200))
        assert len(everything) == 15
        seen: list[tuple[str, str]] = []
        after: str | None = None
        pages = 0
        while True:
            page = _page(client, h, 4, after)
            pages += 1
            seen += _pairs(page)
            for a, b in _pairs(page):
                assert _judge(client, h, a, b, "not_same").status_code == 200
            after = page["next_after"]
            if after is None:
                break
        assert seen == everything and pages == 4
        assert _page(client, h, 200) == {"items": [], "limit": 200, "next_after": None}


def test_the_queue_is_ordered_by_score_then_pair_and_the_cursor_names_the_last_pair(
    tmp_path: Path,
) -> None:
    """Highest score first, ties by the pair's ids; `next_after` is the position of the last pair
    returned (null on the last page), and any position the schema allows is accepted, a
    pair or not: the page starts strictly after it."""
    with api_session(tmp_path, (Role.ANALYST,), "intelligence_review", **QUEUE_MATCH) as (
        client,
        headers,
        _,
    ):
        h = headers[Role.ANALYST]
        load(client, h, _carvers())
        whole = _page(client, h, 200)
        assert whole["next_after"] is None
        keys = [(-q["score"], q["a"]["id"], q["b"]["id"]) for q in whole["items"]]
        assert keys == sorted(keys) and len({k[0] for k in keys}) == 3  # ties included
        first = _page(client, h, 2)  # the page ends inside a tie
        last = whole["items"][1]
        assert (
            first["next_after"]
            == QueuePosition(
                last["score"], last["a"]["id"].encode(), last["b"]["id"].encode()
            ).token()
        )
        assert _pairs(_page(client, h, 200, first["next_after"])) == _pairs(whole)[2:]
        # A position between two pairs (no pair has it), and one past every score.
        place = (-last["score"], last["a"]["id"].encode(), b"\xff")
        between = QueuePosition(last["score"], place[1], place[2]).token()
        assert _pairs(_page(client, h, 200, between)) == [
            (a, b) for s, a, b in keys if (s, a.encode(), b.encode()) > place
        ]
        assert _page(client, h, 200, "0.0_00_00")["items"] == []
        assert _pairs(_page(client, h, 200, "1e999_00_00")) == _pairs(whole)


def test_a_malformed_or_offset_cursor_is_refused_as_the_schema_says(tmp_path: Path) -> None:
    """The old offset (`after=4`) and anything else that is not a position are refused with
    422 by the schema's pattern, which schema-driven clients and the fuzz test can read."""
    with api_session(tmp_path, (Role.ANALYST,), "intelligence_review", **QUEUE_MATCH) as (
        client,
        headers,
        _,
    ):
        h = headers[Role.ANALYST]
        load(client, h, _carvers())
        for bad in ("4", "0.9_zz_00", "0.9_0_00", "0.9__00", "-1_00_00", "nan_00_00"):
            got = client.get("/resolution/queue", params={"after": bad}, headers=h)
            assert got.status_code == 422, (bad, got.text)
        params = client.app.openapi()["paths"]["/resolution/queue"]["get"]["parameters"]  # type: ignore[attr-defined]
        after = next(p for p in params if p["name"] == "after")
        assert after["schema"]["anyOf"][0]["pattern"] == QUEUE_CURSOR
        for token in ("0.5_41_42", "1e-05_c3a9_ff00"):  # not UTF-8 ids: still a position
            assert re.fullmatch(QUEUE_CURSOR, token)
            assert QueuePosition.parse(token).token() == token


def test_a_pair_whose_records_are_already_one_entity_is_not_queued(world: World) -> None:
    """PW0 ~ PW1 and PW1 ~ PW2 are judged same, so PW0 and PW2 are one entity: their own
    pair has nothing left to decide and leaves the queue. It comes back whenever the two
    are apart again: an unsure or not_same on a link of the chain, or an undo."""
    world.load(_carvers(), thresholds=QUEUE_THRESHOLDS)
    resolution = world.resolution(QUEUE_THRESHOLDS)

    def queued(person: str | None = None) -> set[tuple[str, str]]:
        return {(q.a, q.b) for q in resolution.queue(100, person=person)}

    def judge(a: str, b: str, verdict: str) -> None:
        resolution.judge(a, b, verdict, actor="u-analyst", role="analyst")

    assert ("PW0", "PW2") in queued()
    judge("PW0", "PW1", "same")
    judge("PW1", "PW2", "same")
    assert world.entities()["PW2"] == world.entities()["PW0"]
    assert ("PW0", "PW2") not in queued() and ("PW0", "PW2") not in queued("PW2")
    assert ("PW0", "PW3") in queued() and ("PW2", "PW3") in queued()  # others stay
    assert len(queued()) == 15 - 3
    judge("PW1", "PW2", "unsure")  # replaces the same: a review pair, unlinked
    assert ("PW0", "PW2") in queued()
    judge("PW1", "PW2", "withdrawn")  # the same is in force again
    assert ("PW0", "PW2") not in queued()
    judge("PW1", "PW2", "not_same")
    assert world.entities()["PW2"] != world.entities()["PW0"]
    assert ("PW0", "PW2") in queued()
    # A not_same on the pair itself splits the chain (its latest same stops applying):
    # the pair is judged, so it is not queued, and the records are apart.
    judge("PW1", "PW2", "withdrawn")
    judge("PW0", "PW2", "not_same")
    assert world.entities()["PW2"] != world.entities()["PW0"]
    assert ("PW0", "PW2") not in queued()


# -- writers in different processes -------------------------------------------------------------


class _PausingResolution(Resolution):
    """A real Resolution that calls `meanwhile` once it has checked a judgement and before
    it writes it: where a writer in another process could slip in."""

    meanwhile: Callable[[], None] | None = None

    def judgements_in_force(self) -> dict[tuple[str, str], str]:
        found = super().judgements_in_force()
        hook, self.meanwhile = self.meanwhile, None
        if hook is not None:
            hook()
        return found


def _race(world: World, mine: tuple[str, str, str], theirs: tuple[str, str, str]) -> list[Any]:
    """Judge `mine` through one connection to the ingest state; while it is checked, judge
    `theirs` through another (as the CLI and the API server do, each its own process).
    What each call returned or raised, mine first; and whether the write lock was held."""
    path = world.state.path
    outcomes: list[Any] = [None, None]
    with IngestState(path) as one, IngestState(path) as two:
        first, second = _PausingResolution(one), Resolution(two)

        def other() -> None:
            try:
                outcomes[1] = second.judge(*theirs, actor="u-cli", role="admin")[0]
            except ValidationFailed as exc:
                outcomes[1] = exc

        thread = threading.Thread(target=other)
        held: list[bool] = []

        def meanwhile() -> None:
            held.append(not write_lock_is_free(path))
            thread.start()
            thread.join(timeout=0.5)  # unserialised, the other write lands here

        first.meanwhile = meanwhile
        try:
            outcomes[0] = first.judge(*mine, actor="u-analyst", role="analyst")[0]
        except ValidationFailed as exc:
            outcomes[0] = exc
        thread.join()
    return [*outcomes, held == [True]]


def test_two_processes_judging_one_pair_record_it_once(world: World) -> None:
    """The CLI and the API judge PA ~ PC same at the same moment. Each checked there was no
    verdict in force before either wrote, so two were stored and one undo left the pair
    judged same. The second must see the first's write and record nothing."""
    world.load(_twins())
    mine, theirs, held = _race(world, ("PA", "PC", "same"), ("PC", "PA", "same"))
    assert held  # the check ran inside the write transaction
    assert isinstance(mine, Judgement) and not mine.repeated
    assert isinstance(theirs, Judgement) and theirs.repeated and theirs.seq == mine.seq
    assert [j.verdict for j in world.resolution().judgements("PC")] == ["same"]


def test_a_same_racing_a_contradicting_not_same_is_never_stored_after_it(world: World) -> None:
    """PA same PC is in force. One process judges PA same PD while another judges PC
    not_same PD. The same was checked before the not_same was stored and written after it:
    a same stored after a not_same it contradicts (silently never applied), which the
    check exists to refuse. Serialised, either the same comes first (and the not_same,
    never refused, then drops it as the latest of its chain) or it is refused."""
    world.load(_twins())
    world.judge("PA", "PC", "same")
    mine, theirs, held = _race(world, ("PA", "PD", "same"), ("PC", "PD", "not_same"))
    assert held
    assert isinstance(theirs, Judgement) and theirs.verdict == "not_same"
    stored = [(j.a, j.b, j.verdict) for j in world.resolution().judgements()]
    if isinstance(mine, JudgementConflict):
        assert stored == [("PA", "PC", "same"), ("PC", "PD", "not_same")]
    else:
        assert isinstance(mine, Judgement)
        assert stored == [("PA", "PC", "same"), ("PA", "PD", "same"), ("PC", "PD", "not_same")]
    entities = world.entities()
    assert entities["PC"] != entities["PD"]  # the not_same holds


# -- order independence and backends -----------------------------------------------------------


def _scenario(world: World, order: str) -> None:
    """The same records and judgements in two orders: judgements between loads, or all
    after the last load."""
    first = [w.location("L1"), _ada("X1", dob="1990-01-01", at="L1"), _ada("X2", dob=None, at="L1")]
    second = [
        *_twins(),
        _ada("X3", dob="1990-01-01", pnc_id="90/000002Y"),
        _mentioned_by("R1", "Ada", "Morrow"),
    ]
    if order == "interleaved":
        world.load(first)
        world.judge("X1", "X2", "not_same")
        world.load(second)
        world.judge("PA", "PC", "same")
        world.judge("PA", "PC", "withdrawn")
        world.judge("X2", "X3", "same")
    else:
        world.load([*first, *second])
        world.judge("X2", "X3", "same")
        world.judge("X1", "X2", "not_same")


def test_order_of_loads_and_judgements_does_not_change_the_entities(tmp_path: Path) -> None:
    worlds = {order: World(tmp_path / order) for order in ("interleaved", "at_once")}
    try:
        for order, made in worlds.items():
            _scenario(made, order)
        interleaved, at_once = (m.kept() for m in worlds.values())
        assert interleaved[1] == at_once[1]
        assert interleaved[1]["X1"] != interleaved[1]["X2"]  # not_same holds
        assert interleaved[1]["X3"] == interleaved[1]["X2"]
        assert interleaved == worlds["interleaved"].from_scratch()
    finally:
        for made in worlds.values():
            made.close()


def test_both_backends_resolve_alike(store: GraphStore, tmp_path: Path) -> None:
    """The same loads and judgements on the embedded store and on Neo4j keep the same
    pairs and entities (the graph store decides which mention persons are removed)."""
    reference = World(tmp_path / "reference")
    under_test = World(tmp_path / "under-test", store)
    try:
        for made in (reference, under_test):
            _scenario(made, "interleaved")
            made.load([{**_mentioned_by("R1", "Ada", "Morrow"), "mentions": []}])
        assert under_test.kept() == reference.kept()
        assert "MEN-R1-0" not in under_test.entities()
    finally:
        reference.close()
        under_test.state.close()
        under_test.audit.close()


class _SlowResolution(Resolution):
    """A real Resolution that calls `meanwhile` once it has read the persons it will score
    and before it writes: where a load in another process slips in during a long run."""

    meanwhile: Callable[[], None] | None = None

    def build_index(self) -> Any:
        index = super().build_index()
        hook, self.meanwhile = self.meanwhile, None
        if hook is not None:
            hook()
        return index


@pytest.mark.parametrize("changed", ["all", "since_last_run"])
def test_a_resolve_keeps_what_a_load_in_another_process_resolved_meanwhile(
    world: World, changed: str
) -> None:
    """`mosaic resolve` scores every person, then writes. A load in another process while
    it scored added PB (PA's twin, linked through the PNC id) and a changed PC, and
    resolved them. The run then deleted every pair and re-clustered only the persons it had
    read: PB's link and entity were lost (entity null), PC's pairs went back to those of its
    old record. What the run keeps must be what a run from scratch keeps."""
    world.load([p for p in _twins() if p["id"] != "PB"])
    slow = _SlowResolution(world.state, audit=world.audit)
    other = World(world.root)

    def meanwhile() -> None:
        other.load(
            [
                next(p for p in _twins() if p["id"] == "PB"),
                w.person("PC", "Wilmot", "Carver", dob="1975-03-04", pnc_id="75/000001X"),
            ]
        )

    slow.meanwhile = meanwhile
    try:
        slow.resolve(None if changed == "all" else [])
        kept = world.kept()
        assert kept[1]["PB"] == kept[1]["PA"] == kept[1]["PC"]
        assert _differences(kept[0], world.from_scratch()[0]) == {}
        assert kept[1] == world.entities()
    finally:
        other.close()
