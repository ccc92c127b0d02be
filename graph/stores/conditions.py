"""A `TraversalFilter` as a tiny condition tree, rendered to SQL or to Cypher.

One translation of the filter's meaning, two renderings: the backends cannot drift apart on
what "since" or "min grade" means, and the filter is applied inside the database rather
than by pulling rows into Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from graph.edges import TYPED_KINDS
from graph.nodes import NodeKind
from graph.store import TraversalFilter


@dataclass(frozen=True)
class Cmp:
    col: str
    op: Literal["=", "<=", ">=", "<>"]
    value: Any


@dataclass(frozen=True)
class In:
    col: str
    values: tuple[Any, ...]
    negate: bool = False


@dataclass(frozen=True)
class IsNull:
    col: str


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Cond, ...]


Cond = Cmp | In | IsNull | AnyOf


def _values(items: frozenset[Any]) -> tuple[Any, ...]:
    return tuple(sorted(getattr(i, "value", i) for i in items))


def edge_conditions(flt: TraversalFilter) -> list[Cond]:
    """Conditions on an edge row (columns of `graph.stores.rows.edge_row`)."""
    conds: list[Cond] = []
    if flt.edge_kinds is not None:
        conds.append(In("kind", _values(flt.edge_kinds)))
    if flt.association_types is not None:
        typed = _values(frozenset(TYPED_KINDS))
        conds.append(
            AnyOf((In("kind", typed, negate=True), In("subtype", _values(flt.association_types))))
        )
    if flt.since is not None:
        conds.append(AnyOf((IsNull("last_seen"), Cmp("last_seen", ">=", flt.since.isoformat()))))
    if flt.until is not None:
        conds.append(AnyOf((IsNull("first_seen"), Cmp("first_seen", "<=", flt.until.isoformat()))))
    if flt.max_source_evaluation is not None:
        conds.append(
            AnyOf((Cmp("ungraded", "=", True), Cmp("best_se", "<=", flt.max_source_evaluation)))
        )
    if flt.min_intelligence_assessment is not None:
        conds.append(
            AnyOf(
                (Cmp("ungraded", "=", True), Cmp("best_ia", "<=", flt.min_intelligence_assessment))
            )
        )
    if flt.exclude_suspected_false:
        conds.append(Cmp("e_only", "=", False))
    conds.extend(marking_conditions(flt))
    return conds


def node_conditions(flt: TraversalFilter) -> list[Cond]:
    """Conditions on a node row (columns of `graph.stores.rows.node_row`)."""
    conds: list[Cond] = []
    if flt.node_kinds is not None:
        conds.append(In("kind", _values(flt.node_kinds)))
    if flt.exclude_location_types:
        conds.append(
            AnyOf(
                (
                    Cmp("kind", "<>", NodeKind.LOCATION.value),
                    In("subtype", _values(flt.exclude_location_types), negate=True),
                )
            )
        )
    conds.extend(marking_conditions(flt))
    return conds


def marking_conditions(flt: TraversalFilter) -> list[Cond]:
    """Only the filter's markings (compartment, classification, handling code): what a
    caller may see, for queries that are not walks (CHIS contact rows and profiles)."""
    conds: list[Cond] = []
    if flt.compartments is not None:
        conds.append(In("compartment", _values(flt.compartments)))
    if flt.classifications is not None:
        conds.append(In("classification", _values(flt.classifications)))
    if flt.handling_codes is not None:
        conds.append(
            AnyOf((IsNull("handling_code"), In("handling_code", _values(flt.handling_codes))))
        )
    return conds


class SqlRenderer:
    """Renders conditions as SQLite with positional parameters, or with named ones
    (`:v0`, `:v1`, ...) given a `prefix`."""

    def __init__(self, prefix: str | None = None) -> None:
        self.params: list[Any] = []
        self._prefix = prefix

    def _mark(self, value: Any) -> str:
        self.params.append(int(value) if isinstance(value, bool) else value)
        return f":{self._prefix}{len(self.params) - 1}" if self._prefix else "?"

    def named(self) -> dict[str, Any]:
        return {f"{self._prefix}{i}": v for i, v in enumerate(self.params)}

    def render(self, conds: list[Cond], alias: str) -> str:
        return " AND ".join(self._one(c, alias) for c in conds) or "1"

    def _one(self, cond: Cond, alias: str) -> str:
        match cond:
            case Cmp(col, op, value):
                return f"{alias}.{col} {op} {self._mark(value)}"
            case In(col, values, negate):
                if not values:
                    return "1" if negate else "0"
                marks = ",".join(self._mark(v) for v in values)
                # NULL NOT IN (...) is NULL in SQL; a missing value is "not in the set".
                if negate:
                    return f"({alias}.{col} IS NULL OR {alias}.{col} NOT IN ({marks}))"
                return f"{alias}.{col} IN ({marks})"
            case IsNull(col):
                return f"{alias}.{col} IS NULL"
            case AnyOf(parts):
                return "(" + " OR ".join(self._one(p, alias) for p in parts) + ")"
        raise TypeError(cond)


class CypherRenderer:
    """Renders conditions as Cypher with named parameters."""

    def __init__(self, prefix: str = "p") -> None:
        self.params: dict[str, Any] = {}
        self._prefix = prefix

    def _param(self, value: Any) -> str:
        name = f"{self._prefix}{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def render(self, conds: list[Cond], var: str) -> str:
        return " AND ".join(self._one(c, var) for c in conds) or "true"

    def _one(self, cond: Cond, var: str) -> str:
        match cond:
            case Cmp(col, op, value):
                return f"{var}.{col} {op} {self._param(value)}"
            case In(col, values, negate):
                ref = self._param(list(values))
                if negate:
                    return f"({var}.{col} IS NULL OR NOT {var}.{col} IN {ref})"
                return f"{var}.{col} IN {ref}"
            case IsNull(col):
                return f"{var}.{col} IS NULL"
            case AnyOf(parts):
                return "(" + " OR ".join(self._one(p, var) for p in parts) + ")"
        raise TypeError(cond)


@dataclass(frozen=True)
class View:
    """What a caller may see (a filter's markings only), as a condition on any node or
    edge alias in a statement. Every copy uses the same named parameters (`$v0` / `:v0`,
    ...), so one set of them serves the whole statement."""

    conds: tuple[Cond, ...] = ()

    @classmethod
    def of(cls, flt: TraversalFilter | None) -> View:
        return cls(tuple(marking_conditions(flt))) if flt is not None else cls()

    @property
    def restricts(self) -> bool:
        return bool(self.conds)

    def sql(self, *aliases: str) -> str:
        return " AND ".join(SqlRenderer("v").render(list(self.conds), a) for a in aliases)

    def sql_params(self) -> dict[str, Any]:
        sql = SqlRenderer("v")
        sql.render(list(self.conds), "x")
        return sql.named()

    def cypher(self, *names: str) -> str:
        return " AND ".join(CypherRenderer("v").render(list(self.conds), n) for n in names)

    def cypher_params(self) -> dict[str, Any]:
        cy = CypherRenderer("v")
        cy.render(list(self.conds), "x")
        return cy.params
