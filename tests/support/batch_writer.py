"""Child process for the kill test: writes numbered batches to an embedded store forever.

`python -m tests.support.batch_writer DB FIRST` writes batch FIRST, FIRST+1, ... and prints
`begin N` as it starts writing batch N and `committed N` after its commit, until killed.
"""

from __future__ import annotations

import sys

from graph.edges import AssociationType, EdgeKind
from graph.stores.sqlite import SqliteGraphStore
from tests.factories import edge, person

BATCH_NODES = 1500


def batch(i: int) -> tuple[list[object], list[object]]:
    nodes = [person(f"B{i}-{j}") for j in range(BATCH_NODES)]
    edges = [
        edge(
            f"E{i}-{j}",
            EdgeKind.ASSOCIATED_WITH,
            f"B{i}-{j}",
            f"B{i}-{j + 1}",
            assoc=AssociationType.ASSOCIATE,
        )
        for j in range(BATCH_NODES - 1)
    ]
    return nodes, edges  # type: ignore[return-value]


def main() -> None:
    path, first = sys.argv[1], int(sys.argv[2])
    store = SqliteGraphStore(path, synchronous="FULL")
    i = first
    while True:
        nodes, edges = batch(i)
        print(f"begin {i}", flush=True)
        store.upsert(nodes, edges)  # type: ignore[arg-type]
        print(f"committed {i}", flush=True)
        i += 1


if __name__ == "__main__":
    main()
