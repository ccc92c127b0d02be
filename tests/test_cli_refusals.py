"""The `mosaic` CLI refuses what it cannot answer, plainly and with a non-zero exit: an id
that is not a person it may show (the same words for a record that is missing, hidden or
of another kind), a date that is not one (exit 2, naming the option), and a value outside
an option's choices (exit 2, listing them). Run through typer's CliRunner on real files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from api.cli import app as cli
from graph.markings import Compartment
from graph.stores.sqlite import SqliteGraphStore
from tests import scenario as sc
from tests.support.api_env import audit_entries, cli_env, remark, tmp_settings


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The scenario on disk, P5 moved into the source compartment (hidden from analysts and
    offender managers); the CLI pointed at it. Yields the tmp directory."""
    settings = tmp_settings(tmp_path)
    with SqliteGraphStore(settings.db_path) as store:
        store.upsert(sc.NODES, sc.EDGES)
    remark(settings.db_path, {"P5"}, Compartment.SOURCE)
    cli_env(monkeypatch, settings)
    monkeypatch.setenv("COLUMNS", "400")  # usage errors on one line each
    yield tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize(
    ("command", "purpose"),
    [("associates", "investigation"), ("risk", "offender_management")],
)
def test_a_non_person_id_is_not_found_like_a_missing_or_hidden_one(
    files: Path, command: str, purpose: str
) -> None:
    """R1 is a report: it answered an empty list (associates) or "score 0" (risk)."""
    for node_id in ("R1", "L1", "NOBODY", "P5"):
        out = run(command, node_id, "--purpose", purpose)
        assert out.exit_code == 1, (node_id, out.output)
        assert out.output == f"person '{node_id}' not found\n"
    assert run(command, "P1", "--purpose", purpose).exit_code == 0
    consulted = [e.subjects for e in audit_entries(tmp_settings(files))]
    assert consulted and all(s[:1] == ["P1"] for s in consulted)  # the refusals read nothing


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("kpis", "--from", "bad", "--to", "2026-03-31"), "--from"),
        (("kpis", "--from", "2025-04-01", "--to", "2026-02-30"), "--to"),
        (("sar", "P1", "-o", "x.json", "--requested-on", "1/2"), "--requested-on"),
    ],
    ids=["kpis-from", "kpis-to-no-such-day", "sar-requested-on"],
)
def test_a_bad_date_is_a_usage_error_naming_the_option(
    files: Path, args: tuple[str, ...], option: str
) -> None:
    """Each ended in `date.fromisoformat`'s ValueError traceback (exit 1)."""
    out = run(*args, "--purpose", "offender_management")
    assert out.exit_code == 2, out.output
    assert isinstance(out.exception, SystemExit)  # not a traceback
    assert f"'{option}'" in out.output and "YYYY-MM-DD" in out.output
    assert not (files / "x.json").exists()


def test_kpis_still_take_good_dates(files: Path) -> None:
    out = run(
        "kpis",
        "--purpose",
        "offender_management",
        "--from",
        "2025-04-01",
        "--to",
        "2026-03-31",
        "--csv",
    )
    assert out.exit_code == 0, out.output
    assert out.output.startswith("period_start,period_end,measure,category,value\n")


def test_chis_candidates_refuse_an_unknown_status_listing_the_accepted(files: Path) -> None:
    """Any unknown `--status` used to be read as "pending"."""
    out = run("chis", "candidates", "--purpose", "intelligence_review", "--status", "reviwed")
    assert out.exit_code == 2, out.output
    assert "reviwed" in out.output
    assert all(f"'{s}'" in out.output for s in ("pending", "reviewed", "all"))
    ok = run("chis", "candidates", "--purpose", "intelligence_review", "--status", "all", "--json")
    assert ok.exit_code == 0, ok.output


def test_demo_data_refuses_sizes_it_cannot_make(files: Path) -> None:
    """`--persons 0` ended in the generator's ValueError traceback."""
    out = run("demo-data", "--out", str(files / "w.jsonl"), "--persons", "0")
    assert out.exit_code == 2, out.output
    assert "'--persons'" in out.output
    assert run("demo-data", "--out", str(files / "w.jsonl"), "--reports", "-1").exit_code == 2
    assert not (files / "w.jsonl").exists()
