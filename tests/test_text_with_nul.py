"""Names and free text holding NUL (U+0000) come back whole, from ingest to the HTTP API.

JSON carries NUL as `\\u0000` and the models accept it; SQLite's JSON functions, which the
embedded store reads some fields through, end a text at it. The store-level checks, on
both backends, are in `tests/test_store_conformance.py`.
"""

from __future__ import annotations

from pathlib import Path

from graph.access import Role
from graph.audit import AuditEvent, AuditLog, Operation
from tests import wire as w
from tests.support.api_env import api_session, load

GIVEN = "Mar\x00ta"
ASKED = "ask\x00 about the van"
TEXT = "seen at\x00 the flat"


def _world() -> list[w.Record]:
    """A nominal whose given name holds NUL, and a caller the police asked twice."""
    about = [w.ref("N-NUL")]
    return [
        w.nominal("N-NUL", GIVEN, "Quillane"),
        w.person("P-SRC", "Odo", "Vell\x00ery"),
        w.source("S-NUL", "P-SRC"),
        w.report("R-NUL1", source_id="S-NUL", subjects=about, text=TEXT, police_request=ASKED),
        w.report("R-NUL2", day=2, source_id="S-NUL", subjects=about, police_request="\x00"),
    ]


def test_text_holding_nul_round_trips_through_ingest_and_the_api(tmp_path: Path) -> None:
    """Search shows the whole name, the records come back as sent, and a source's
    chronology shows each police request whole (it read 'ask' and '' before)."""
    roles = [Role.ANALYST, Role.FIB_REVIEWER]
    with api_session(tmp_path, roles, "investigation") as (client, headers, _):
        load(client, headers[Role.ANALYST], _world())
        analyst = headers[Role.ANALYST]
        hits = client.get("/persons", params={"q": "Quillane"}, headers=analyst).json()
        assert [(h["id"], h["names"]) for h in hits["items"]] == [("N-NUL", f"{GIVEN} Quillane")]
        person = client.get("/persons/N-NUL", headers=analyst).json()
        assert person["names"] == [{"given": GIVEN, "family": "Quillane"}]
        told = client.get("/reports/R-NUL1", headers=analyst).json()["report"]
        assert (told["text"], told["police_request"]) == (TEXT, ASKED)
        chron = client.get("/sources/S-NUL/chronology", headers=headers[Role.FIB_REVIEWER])
        assert chron.status_code == 200, chron.text
        entries = chron.json()["entries"]
        assert [(e["report_id"], e["police_request"]) for e in entries] == [
            ("R-NUL1", ASKED),
            ("R-NUL2", "\x00"),
        ]


def test_the_audit_trail_of_an_id_holding_nul_is_its_own(tmp_path: Path) -> None:
    """`GET /audit?subject=` (and a subject's trail) reads `audit_subject`. A trigger
    filled it through json_each, which ends text at NUL: an entry about 'P\\x00X' was
    indexed under 'P', on P's trail and missing from its own. The rows are now written
    from the event, and `verify` checks them against the body in Python."""
    log = AuditLog(tmp_path / "gov.db")
    try:
        log.record(
            AuditEvent(
                operation=Operation.CONSULTATION,
                actor="u-analyst",
                role="analyst",
                purpose="investigation",
                action="read person",
                subjects=["P\x00X"],
            )
        )
        assert [e.subjects for e in log.query(subject="P\x00X")] == [["P\x00X"]]
        assert log.query(subject="P") == []
        assert log.verify().ok
    finally:
        log.close()
