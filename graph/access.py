"""Need-to-know access policy: who may see which node, edge and field.

The policy is declared as data (`ROLE_RULES`) so it can be read, printed and reviewed. It is
expressed as a `TraversalFilter`, so the store computes neighbourhoods, paths, counts and
projections over the caller's visible subgraph only: hidden material never shows up as a
gap, a count, a hop or a changed ranking, because it is never in the computation.

A service account is a `service` principal whose scopes name what it may call; it sees the
`general` compartment only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from graph.markings import Classification, Compartment, Marking
from graph.nodes import Node, Person, Report
from graph.store import TraversalFilter


class Role(StrEnum):
    FRONTLINE = "frontline"
    OFFENDER_MANAGER = "offender_manager"
    ANALYST = "analyst"
    FIB_REVIEWER = "fib_reviewer"
    SUPERVISOR = "supervisor"
    PARTNER_AGENCY = "partner_agency"
    AUDITOR = "auditor"
    ADMIN = "admin"
    SERVICE = "service"


class Permission(StrEnum):
    """What a caller may do; roles grant sets of these, service accounts get them as scopes."""

    READ_PERSONAL = "personal:read"  # persons, reports, associates, paths, charts
    WRITE_INTEL = "intel:write"  # ingest, links, judgements
    CHIS_REVIEW = "chis:review"
    RECORD_SHARING = "sharing:record"  # sharing decisions and disclosures about nominals
    REVIEW_RECORDS = "records:review"  # review, retention and disposal
    SUBJECT_ACCESS = "sar:produce"  # subject access packs and their restrictions
    READ_AUDIT = "audit:read"
    ADMIN_STORE = "store:admin"


ALL_CLASSIFICATIONS = frozenset(Classification)
PARTNER_HANDLING_CODES = frozenset({"P", "C", "2"})
"""3x5x2 P and C (C with its conditions attached), and legacy 5x5x5 code 2 (UK partners)."""


@dataclass(frozen=True)
class RoleRule:
    """What one role may see and do, and why it needs to."""

    compartments: frozenset[Compartment]
    permissions: frozenset[Permission]
    handling_codes: frozenset[str] | None = None  # None: any handling code
    why: str = ""


def _c(*items: Compartment) -> frozenset[Compartment]:
    return frozenset(items)


def _p(*items: Permission) -> frozenset[Permission]:
    return frozenset(items)


G, M, CONF, SRC, MGMT = (
    Compartment.GENERAL,
    Compartment.MEDICAL,
    Compartment.CONFIDENTIAL,
    Compartment.SOURCE,
    Compartment.MANAGEMENT,
)
READ, WRITE = Permission.READ_PERSONAL, Permission.WRITE_INTEL

ROLE_RULES: dict[Role, RoleRule] = {
    Role.FRONTLINE: RoleRule(
        _c(G), _p(READ), why="MO, risk factors, licence conditions, individuals at risk"
    ),
    Role.OFFENDER_MANAGER: RoleRule(
        _c(G, M, CONF, MGMT),
        _p(READ, WRITE, Permission.RECORD_SHARING, Permission.REVIEW_RECORDS),
        why="manages the nominal: medical and victim detail; sharing decisions; reviews",
    ),
    Role.ANALYST: RoleRule(
        _c(G, CONF), _p(READ, WRITE), why="pieces intelligence together; no medical, no sources"
    ),
    Role.FIB_REVIEWER: RoleRule(
        _c(G, CONF, SRC),
        _p(READ, WRITE, Permission.CHIS_REVIEW),
        why="manages sources and CHIS review: the only role that sees who a source is",
    ),
    Role.SUPERVISOR: RoleRule(
        _c(G, M, CONF, MGMT),
        _p(
            READ,
            WRITE,
            Permission.RECORD_SHARING,
            Permission.REVIEW_RECORDS,
            Permission.SUBJECT_ACCESS,
        ),
        why="verifies reviews and notification settings; sharing decisions; subject access",
    ),
    Role.PARTNER_AGENCY: RoleRule(
        _c(G),
        _p(READ),
        handling_codes=PARTNER_HANDLING_CODES,
        why="only what handling codes allow, with the conditions attached",
    ),
    Role.AUDITOR: RoleRule(_c(), _p(Permission.READ_AUDIT), why="the audit log, not the data"),
    Role.ADMIN: RoleRule(
        _c(), _p(Permission.ADMIN_STORE), why="accounts and the service, not the data"
    ),
    Role.SERVICE: RoleRule(_c(G), _p(), why="API consumers: permissions come from scopes"),
}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    name: str
    role: Role
    scopes: frozenset[Permission] = field(default_factory=frozenset)

    @property
    def rule(self) -> RoleRule:
        return ROLE_RULES[self.role]

    @property
    def permissions(self) -> frozenset[Permission]:
        if self.role is Role.SERVICE:
            return self.scopes
        return self.rule.permissions

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


class AccessPolicy:
    """Decisions for one principal: visible subgraph, visible fields, redactions."""

    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.rule = principal.rule

    def sees(self, marking: Marking) -> bool:
        if marking.compartment not in self.rule.compartments:
            return False
        codes = self.rule.handling_codes
        return codes is None or marking.handling_code is None or marking.handling_code in codes

    @property
    def filter(self) -> TraversalFilter:
        """The visible subgraph as a store filter (nodes and edges alike)."""
        return TraversalFilter(
            compartments=self.rule.compartments,
            classifications=ALL_CLASSIFICATIONS,
            handling_codes=self.rule.handling_codes,
        )

    def node_view(self, node: Node) -> Node | None:
        """The node as this caller may see it, or None when the node itself is hidden."""
        if not self.sees(node.marking):
            return None
        if isinstance(node, Person) and node.medical and not self.sees(node.medical.marking):
            return node.model_copy(update={"medical": None})
        if (
            isinstance(node, Report)
            and node.confidential
            and not self.sees(node.confidential.marking)
        ):
            return node.model_copy(update={"confidential": None})
        return node
