"""Where benchmark sections go: printed, and appended to `bench/RESULTS.md` when asked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

RESULTS_PATH = Path(__file__).resolve().parent / "RESULTS.md"


def publish(lines: Sequence[str], write: bool) -> None:
    """Print a results section; with `write`, append it to RESULTS.md as well."""
    print("\n".join(lines))
    if write:
        with RESULTS_PATH.open("a") as out:
            out.write("\n" + "\n".join(lines) + "\n")
