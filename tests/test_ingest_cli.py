"""`mosaic ingest`, `quarantine`, `entities`, `judge` and `demo-data` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from tests import wire as w

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "examples-v1.jsonl"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MOSAIC_DB_PATH", str(tmp_path / "g.db"))
    monkeypatch.setenv("MOSAIC_GOVERNANCE_PATH", str(tmp_path / "gov.db"))
    monkeypatch.setenv("MOSAIC_INGEST_PATH", str(tmp_path / "ingest.db"))
    return tmp_path


def test_ingest_the_documented_examples_twice(env: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["ingest", str(FIXTURE), "--json"])
    assert first.exit_code == 0, first.output
    summary = json.loads(first.output)
    assert summary["lines_read"] == summary["created"] == 13 and summary["quarantined"] == 0
    assert summary["mentions_matched"] == 1  # "Kerry Mason, 14 Mill Lane" is P-2
    second = json.loads(runner.invoke(cli, ["ingest", str(FIXTURE), "--json"]).output)
    assert second["unchanged"] == 13 and second["created"] == 0
    table = runner.invoke(cli, ["ingest", str(FIXTURE)])
    assert table.exit_code == 0 and "unchanged" in table.output and "13" in table.output
    entities = runner.invoke(cli, ["entities", "--csv"]).output.splitlines()
    assert entities[0] == "person_id,entity_id"
    assert {line.split(",")[0] for line in entities[1:]} == {"P-1", "P-2", "P-3", "P-4"}


def test_quarantine_round_trip(env: Path) -> None:
    runner = CliRunner()
    bad = w.write(env / "bad.jsonl", [w.location("L1"), w.person("P1", dob="1980-02-30", at="L1")])
    out = json.loads(runner.invoke(cli, ["ingest", str(bad), "--json"]).output)
    assert out["quarantined"] == 1 and out["rejections"][0]["line"] == 2
    listed = json.loads(runner.invoke(cli, ["quarantine", "list", "--json"]).output)
    assert [e["record_id"] for e in listed] == ["P1"]
    fix = env / "fix.jsonl"
    assert runner.invoke(cli, ["quarantine", "export", str(fix)]).exit_code == 0
    fix.write_text(fix.read_text().replace("1980-02-30", "1980-02-28"))
    fixed = json.loads(runner.invoke(cli, ["ingest", str(fix), "--json"]).output)
    assert fixed["created"] == 1
    assert json.loads(runner.invoke(cli, ["quarantine", "list", "--json"]).output) == []


def test_judge_from_the_command_line(env: Path) -> None:
    runner = CliRunner()
    records = [w.person("PA", "Ada", "Morrow"), w.person("PB", "Ada", "Morrow")]
    runner.invoke(cli, ["ingest", str(w.write(env / "p.jsonl", records))])
    before = runner.invoke(cli, ["entities", "--csv"]).output
    assert "PB,ENT-PA" in before
    done = runner.invoke(cli, ["judge", "PA", "PB", "not_same", "--reason", "different people"])
    assert done.exit_code == 0, done.output
    assert "PB,ENT-PB" in runner.invoke(cli, ["entities", "--csv"]).output
    assert runner.invoke(cli, ["judge", "PA", "PB", "maybe"]).exit_code == 2


def test_entities_and_judge_carry_a_purpose_into_the_audit_log(env: Path) -> None:
    """Listing entities consults every person record; a judgement is a combination made
    for a purpose. Both record the purpose, and an unknown one is refused."""
    from graph.audit import AuditLog, Operation

    runner = CliRunner()
    records = [w.person("PA", "Ada", "Morrow"), w.person("PB", "Ada", "Morrow")]
    runner.invoke(cli, ["ingest", str(w.write(env / "p.jsonl", records))])
    listed = runner.invoke(cli, ["entities", "--csv", "--purpose", "investigation"])
    assert listed.exit_code == 0, listed.output
    judged = runner.invoke(cli, ["judge", "PA", "PB", "unsure", "--purpose", "investigation"])
    assert judged.exit_code == 0, judged.output
    assert runner.invoke(cli, ["entities", "--purpose", "curiosity"]).exit_code == 2
    assert (
        runner.invoke(cli, ["judge", "PA", "PB", "same", "--purpose", "curiosity"]).exit_code == 2
    )
    log = AuditLog(env / "gov.db")
    try:
        [listing] = [e for e in log.query(operation=Operation.CONSULTATION)]
        judgements = [
            e for e in log.query(operation=Operation.COMBINATION) if e.action == "match judgement"
        ]
    finally:
        log.close()
    assert (listing.action, listing.purpose, listing.returned) == (
        "entity listing",
        "investigation",
        ["PA", "PB"],
    )
    assert [(j.purpose, j.details["verdict"]) for j in judgements] == [("investigation", "unsure")]


def test_missing_file_is_a_clear_error(env: Path) -> None:
    result = CliRunner().invoke(cli, ["ingest", str(env / "nope.jsonl")])
    assert result.exit_code == 2 and "no such file" in result.output


def test_demo_data_is_deterministic(env: Path) -> None:
    runner = CliRunner()
    for name in ("a", "b"):
        args = ["demo-data", "--persons", "200", "--reports", "300", "--seed", "5"]
        assert runner.invoke(cli, [*args, "--out", str(env / f"{name}.jsonl")]).exit_code == 0
    assert (env / "a.jsonl").read_bytes() == (env / "b.jsonl").read_bytes()
    truth = json.loads((env / "a.truth.json").read_text())
    assert len(truth["person_entity"]) == 200
    loaded = json.loads(runner.invoke(cli, ["ingest", str(env / "a.jsonl"), "--json"]).output)
    assert loaded["quarantined"] == 0 and loaded["lines_read"] == loaded["created"]


def test_ingest_refuses_an_answer_without_its_sharing_decision(env: Path) -> None:
    """`mosaic ingest` checks a partner answer's sharing_decision against the sharing log
    in the governance file: decision 1 was never recorded there."""
    answered = w.event(
        "PR1",
        "N1",
        "partner_request",
        "2026-05-01",
        agency="housing",
        requester="Officer 101 (synthetic)",
        purpose="tenancy allocation",
        due_on="2026-05-15",
        answer="relevant convictions (synthetic)",
        answered_on="2026-05-02",
        sharing_decision=1,
    )
    data = env / "answers.jsonl"
    data.write_text(w.dumps([w.nominal("N1", "Quill", "Example"), answered]))
    result = CliRunner().invoke(cli, ["ingest", str(data), "--json", "--no-resolve"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["accepted"], out["quarantined"]) == (1, 1)
    [rejection] = out["rejections"]
    assert rejection["code"] == "no_sharing_decision" and "PR1" in rejection["reason"]
    assert "sharing decision 1 is not in the sharing log" in rejection["reason"]


@pytest.mark.parametrize(
    ("seed", "persons", "reports"), [(2, 200, 300), (7, 150, 100), (23, 120, 60)]
)
def test_a_generated_world_loads_with_nothing_quarantined(
    env: Path, seed: int, persons: int, reports: int
) -> None:
    """`mosaic demo-data` then `mosaic ingest` (which checks partner answers against the
    sharing log): every line is accepted, and the truth file names exactly the person
    records and mentions written. The generator answered partner requests under
    `sharing_decision: 1`, which a fresh sharing log does not hold (seeds 2 and 7)."""
    runner = CliRunner()
    data = env / "world.jsonl"
    args = ["--persons", str(persons), "--reports", str(reports), "--seed", str(seed)]
    assert runner.invoke(cli, ["demo-data", *args, "--out", str(data)]).exit_code == 0
    result = runner.invoke(cli, ["ingest", str(data), "--json", "--no-resolve"])
    assert result.exit_code == 0, result.output
    loaded = json.loads(result.output)
    assert loaded["quarantined"] == 0, loaded["rejections"]
    assert loaded["accepted"] == loaded["lines_read"] == len(data.read_text().splitlines())
    records = [json.loads(line) for line in data.read_text().splitlines()]
    truth = json.loads((env / "world.truth.json").read_text())
    assert set(truth["person_entity"]) == {r["id"] for r in records if r["kind"] == "person"}
    mentions = {
        f"{r['id']}#{i}"
        for r in records
        if r["kind"] == "report"
        for i in range(len(r["mentions"]))
    }
    assert set(truth["mention_entity"]) == mentions
