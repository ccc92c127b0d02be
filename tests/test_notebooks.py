"""The notebooks run, headless, against the embedded store: so they never rot.

Each notebook is executed with nbclient in a temporary directory (its `var/` goes there)
and must finish without an error; the analyst walkthrough must draw its chart.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def run(name: str, where: Path) -> nbformat.NotebookNode:
    shutil.copy(NOTEBOOKS / name, where / name)
    book: nbformat.NotebookNode = nbformat.read(  # type: ignore[no-untyped-call]
        where / name, as_version=4
    )
    NotebookClient(
        book, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(where)}}
    ).execute()
    errors = [
        o
        for c in book.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    assert errors == []
    return book


def outputs(book: nbformat.NotebookNode, kind: str) -> list[str]:
    found = []
    for cell in book.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                found.append(out.text if kind == "text" else "")
            elif kind in out.get("data", {}):
                found.append(out["data"][kind])
    return found


@pytest.mark.slow
def test_analyst_walkthrough_runs_and_draws_its_chart(tmp_path: Path) -> None:
    book = run("analyst-walkthrough.ipynb", tmp_path)
    html = "".join(outputs(book, "text/html"))
    assert "<iframe srcdoc=" in html and "vis.Network" in html and "OFFICIAL-SENSITIVE" in html
    text = "".join(outputs(book, "text"))
    assert "DEMO-P2" in text and "score" in text
    page = (tmp_path / "var" / "analyst-walkthrough" / "chart-DEMO-P1.html").read_text()
    assert page.count('class="banner"') == 2 and "synthetic restricted medical note" not in page


@pytest.mark.slow
def test_fib_walkthrough_runs_and_records_a_decision(tmp_path: Path) -> None:
    book = run("fib-review-walkthrough.ipynb", tmp_path)
    text = "".join(outputs(book, "text"))
    assert "candidates" in text and "case now: reviewed" in text
    assert "# Contact chronology: source" in text
