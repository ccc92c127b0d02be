"""Nothing is lost: for any lines at all, accepted + quarantined = lines read."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.stores.sqlite import SqliteGraphStore
from ingest.loader import Actor, Loader
from ingest.reader import stream_lines
from ingest.state import IngestState
from tests import wire as w

VALID = [
    w.location("L1"),
    w.person("P1", at="L1"),
    w.person("P2"),
    w.source("S1", "P1"),
    w.report("R1", subjects=[w.ref("P1")], source_id="S1"),
    w.report("R2", subjects=[w.ref("P9")]),
    w.association("A1", "P1", "P2"),
    w.obj("O1"),
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid record with a field dropped, replaced or added, or arbitrary bytes."""
    choice = draw(st.integers(0, 4))
    if choice == 0:
        return draw(st.binary(max_size=40))
    record = dict(draw(st.sampled_from(VALID)))
    key = draw(st.sampled_from(sorted(record)))
    if choice == 1:
        record.pop(key)
    elif choice == 2:
        record[key] = draw(json_values)
    elif choice == 3:
        record[draw(st.text(max_size=6))] = draw(json_values)
    return json.dumps(record).encode()


lines = st.lists(st.sampled_from([json.dumps(r).encode() for r in VALID]) | mutated(), max_size=25)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=lines)
def test_accepted_plus_quarantined_equals_lines_read(
    tmp_path_factory: object, batch: list[bytes]
) -> None:
    tmp = Path(str(tmp_path_factory.mktemp("inv")))  # type: ignore[attr-defined]
    data = b"\n".join(line.replace(b"\n", b" ").replace(b"\r", b" ") for line in batch)
    expected = sum(1 for raw in data.split(b"\n") if raw.strip())
    with (
        SqliteGraphStore(tmp / "g.db", synchronous="OFF") as store,
        IngestState(tmp / "i.db") as state,
    ):
        for _ in range(2):  # and loading twice keeps the books balanced
            summary = Loader(store, state, actor=Actor("t", "admin"), batch_size=4).load(
                [stream_lines(data.splitlines(keepends=True), "fuzz.jsonl")]
            )
            assert summary.lines_read == expected
            assert summary.accepted + summary.quarantined == expected
            assert summary.quarantined == sum(summary.by_reason.values())
            assert len(state.quarantined()) <= expected
