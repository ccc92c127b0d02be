"""Limits, ranks and counts are taken over what the caller may see. Each test hides some
records (a compartment the caller lacks) and checks the visible answer against what it
would be if the hidden records did not exist, or pins down a deliberate exception.
Real app, real accounts, embedded store.

Ingest never puts persons or reports in a compartment a reading role lacks (persons and
reports are `general`, restricted by handling code only), so these hidden records are made
by re-marking stored nodes, as a future source system or a manual marking would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.accounts import AccountStore
from graph.access import Role
from graph.config import Settings
from graph.markings import Compartment
from tests import wire as w
from tests.support.api_env import api_session, load, remark

ROLES = (Role.ANALYST, Role.FRONTLINE, Role.OFFENDER_MANAGER, Role.SUPERVISOR)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]], Settings]]:
    # A low possible band, so that twelve name-only mentions of one name (each less telling
    # the more there are) are all still possible matches of the nominal.
    with api_session(tmp_path, ROLES, "offender_management", match_possible=0.01) as session:
        yield session


REPORTS = 12
FILLERS = 300
SYLLABLES = ["ka", "lo", "mi", "ren", "su", "tav", "wex", "yor", "zan", "bri", "dul", "fen"]


def _names(n: int, offset: int = 0) -> list[tuple[str, str]]:
    """`n` made-up, distinct names (none like Danny Edwick)."""
    out = []
    for k in range(offset, offset + n):
        a, b, c = k % 12, (k // 12) % 12, (k // 144) % 12
        given = (SYLLABLES[a] + SYLLABLES[b]).capitalize()
        family = (SYLLABLES[c] + SYLLABLES[(a + 5) % 12] + SYLLABLES[(b + 7) % 12]).capitalize()
        out.append((given, family))
    return out


def _mention(i: int) -> dict[str, Any]:
    """A name-only mention of Danny Edwick."""
    return {"name": {"given": "Danny", "family": "Edwick"}, "dob": None, "address": None}


def _possible_world() -> list[w.Record]:
    """P1 is a nominal; each of twelve reports names 'Danny Edwick' (name only) as the
    co-offender of a different person Qi, so each mention is a possible match of P1."""
    records: list[w.Record] = [
        w.location("L1"),
        w.nominal("P1", "Danny", "Edwick", at="L1", dob="1995-12-15"),
        *(
            w.person(f"F{i:03d}", given, family, dob=f"19{50 + i % 40}-0{1 + i % 9}-1{i % 10}")
            for i, (given, family) in enumerate(_names(FILLERS))
        ),
    ]
    for i, (given, family) in enumerate(_names(REPORTS, offset=FILLERS)):
        q = f"Q{i:02d}"
        records.append(w.person(q, given, family, dob=f"19{70 + i}-02-03"))
        records.append(
            w.report(
                f"R{i:02d}",
                subjects=[w.ref(q)],
                mentions=[_mention(i)],
                associations=[
                    {"a": w.ref(q), "b": {"mention": 0}, "type": "co_offender", "note": None}
                ],
            )
        )
    return records


def test_risk_possible_matches_are_cut_after_hidden_ones_are_dropped(api: Any) -> None:
    """`GET /persons/{id}/risk` takes the ten best possible matches and only then drops the
    ones the caller may not see, so hidden records push visible ones out of `possible`."""
    client, headers, settings = api
    load(client, headers[Role.ANALYST], _possible_world())

    def possible(role: Role) -> list[str]:
        response = client.get("/persons/P1/risk", headers=headers[role])
        assert response.status_code == 200, response.text
        return sorted({f["possible_match"] for f in response.json()["possible"]})

    mentions = [f"MEN-R{i:02d}-0" for i in range(REPORTS)]
    # Equal scores, so ranked by id: the first ten fill the cap of ten possible matches.
    assert possible(Role.FRONTLINE) == mentions[:10]
    # Those ten become hidden from frontline (general only); two visible ones remain.
    remark(settings.db_path, set(mentions[:10]), Compartment.CONFIDENTIAL)
    assert possible(Role.ANALYST) == mentions[:10]  # analysts still see the ten
    assert possible(Role.FRONTLINE) == mentions[10:]


def test_a_report_keeps_its_review_group_from_a_nominal_the_reviewer_may_not_see(
    api: Any,
) -> None:
    """A deliberate exception (docs/retention.md). The review group is the record's own
    retention class: a report about a ViSOR nominal keeps the group 1 period whoever
    reviews it, since a shorter one would let it be disposed of early. So the group is
    computed over every subject, seen or not; the hidden nominal itself is not listed."""
    client, headers, settings = api
    records = [
        w.nominal("N1", "Hollis", "Brandt", dob="1981-07-09"),
        w.person("V1", "Tamsin", "Orrell", dob="1992-04-05"),
        w.report("RD", subjects=[w.ref("N1"), w.ref("V1")], received_at="2024-01-10T10:00:00Z"),
        w.report("RC", subjects=[w.ref("V1")], received_at="2024-01-10T10:00:00Z"),
    ]
    load(client, headers[Role.ANALYST], records)

    def due(role: Role) -> dict[str, tuple[str, str]]:
        response = client.get("/reviews/due?within_days=3650", headers=headers[role])
        assert response.status_code == 200, response.text
        return {i["record_id"]: (i["group"], i["due"]) for i in response.json()["items"]}

    before = due(Role.SUPERVISOR)
    assert before["RD"][0] == "public_protection" and before["RC"][0] == "other"
    assert before["RD"][1] > before["RC"][1]
    remark(settings.db_path, {"N1"}, Compartment.SOURCE)  # supervisors do not see `source`
    after = due(Role.SUPERVISOR)
    assert "N1" in before and "N1" not in after
    assert after["RD"] == before["RD"] and after["RC"] == before["RC"]


def test_chis_candidates_count_and_cite_only_reports_the_reviewer_may_see(api: Any) -> None:
    """`GET /chis/candidates` and the chronology are computed over the reports the FIB
    reviewer may see: a report in a compartment they lack (medical) is not counted in
    `contacts`, not scored, not cited by id as evidence and not listed."""
    client, headers, settings = api
    accounts = AccountStore(settings.governance_path)
    fib = {
        "Authorization": f"Bearer {accounts.add('u-fib', Role.FIB_REVIEWER)}",
        "X-Purpose": "intelligence_review",
    }
    accounts.close()
    days = ["2026-01-10T10:00:00Z", "2026-03-10T10:00:00Z", "2026-05-10T10:00:00Z"]
    records = [
        w.nominal("N1", "Hollis", "Brandt", dob="1981-07-09"),
        w.person("PUBP", "Tamsin", "Orrell", dob="1992-04-05"),
        w.source("PUB", "PUBP"),
        *(
            w.report(f"RP{i}", source_id="PUB", subjects=[w.ref("N1")], received_at=day)
            for i, day in enumerate(days)
        ),
    ]
    load(client, headers[Role.ANALYST], records)

    def candidate() -> dict[str, Any]:
        response = client.get("/chis/candidates?status=all", headers=fib)
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = [
            c for c in response.json()["items"] if c["source_id"] == "PUB"
        ]
        assert len(found) == 1
        return found[0]

    def chronology() -> list[str]:
        response = client.get("/sources/PUB/chronology", headers=fib)
        assert response.status_code == 200, response.text
        return [e["report_id"] for e in response.json()["entries"]]

    before = candidate()
    assert before["contacts"] == 3 and chronology() == ["RP0", "RP1", "RP2"]
    remark(settings.db_path, {"RP2"}, Compartment.MEDICAL)  # FIB reviewers do not see medical
    assert client.get("/reports/RP2", headers=fib).status_code == 404
    found = candidate()
    cited = {r for i in found["indicators"] for r in i["evidence"]}
    assert "RP2" not in cited
    assert found["contacts"] == 2 and found["last_contact"].startswith("2026-03-10")
    assert found["score"] < before["score"]  # no longer repeated or sustained
    assert chronology() == ["RP0", "RP1"]
    markdown = client.get("/sources/PUB/chronology?format=markdown", headers=fib).text
    assert "RP1" in markdown and "RP2" not in markdown
