"""Text and ids from interchange records (loaded through `POST /ingest`) do not break out
of their context in what Mosaic exports: the Content-Disposition header
of a chart export, the GraphML export, the markdown chronology, and `mosaic entities --csv`.
All names and ids are synthetic."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from graph.access import Role
from graph.config import Settings
from tests import wire as w
from tests.support.api_env import load, role_headers, tmp_settings

NDJSON = {"Content-Type": "application/x-ndjson"}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]], Settings]]:
    settings = tmp_settings(tmp_path)
    headers = role_headers(
        settings.governance_path, (Role.ANALYST, Role.FIB_REVIEWER), "intelligence_review"
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client, headers, settings


# -- Content-Disposition of GET /charts/persons/{id}/export ------------------------------


@pytest.mark.parametrize(
    "person_id",
    [
        'PX";evil=1',  # a quote closes filename="..." and starts a parameter of its own
        "PZ\r\nSet-Cookie: mosaic=1",  # CR LF in a header value
        "P\u0141W",  # not latin-1: the header cannot be encoded at all (500)
    ],
    ids=["quote", "crlf", "non-latin-1"],
)
def test_export_filename_from_person_id_stays_inside_content_disposition(
    api: Any, person_id: str
) -> None:
    client, headers, _ = api
    load(client, headers[Role.ANALYST], [w.person(person_id, "Tamsin", "Vell")])
    response = client.get(
        f"/charts/persons/{quote(person_id, safe='')}/export", headers=headers[Role.ANALYST]
    )
    assert response.status_code == 200, response.text
    value = response.headers["content-disposition"]
    assert "\r" not in value and "\n" not in value
    msg = Message()
    msg["Content-Disposition"] = value
    params = msg.get_params(header="Content-Disposition") or []
    assert params[0][0] == "attachment"
    assert {k for k, _ in params[1:]} <= {"filename", "filename*"}, value


# -- GraphML export --------------------------------------------------------------------


def test_graphml_export_is_well_formed_xml_whatever_a_name_holds(api: Any) -> None:
    client, headers, _ = api
    # A vertical tab pasted from a spreadsheet into a name: not representable in XML 1.0.
    load(client, headers[Role.ANALYST], [w.person("PV", "Nell\x0bBright", "Ashwood")])
    response = client.get("/charts/persons/PV/export?format=graphml", headers=headers[Role.ANALYST])
    assert response.status_code == 200, response.text
    ET.fromstring(response.content)  # raises ParseError: not well-formed (invalid token)


# -- GET /sources/{id}/chronology?format=markdown ---------------------------------------


def _chronology_markdown(api: Any, police_request: str) -> list[str]:
    client, headers, _ = api
    records = [
        w.person("PM", "Orrin", "Hale"),
        w.source("S1", None),
        w.report("R1", source_id="S1", subjects=[w.ref("PM")], police_request=police_request),
    ]
    load(client, headers[Role.ANALYST], records)
    response = client.get(
        "/sources/S1/chronology?format=markdown", headers=headers[Role.FIB_REVIEWER]
    )
    assert response.status_code == 200, response.text
    lines = response.text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|---"))
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        rows.append(line)
    return rows


def test_chronology_markdown_newline_in_police_request_stays_in_its_row(api: Any) -> None:
    rows = _chronology_markdown(api, "ask about the van\n\n# Source deregistered\n\nOK")
    # One contact: one table row, and nothing of the request outside it.
    assert len(rows) == 1, rows
    assert rows[0].endswith("|"), rows


def test_chronology_markdown_pipe_in_police_request_adds_no_cell(api: Any) -> None:
    rows = _chronology_markdown(api, "ask who drives | the blue van")
    cells = rows[0].replace("\\|", "").strip("|").split("|")
    assert len(cells) == 9, rows  # the table has 9 columns


def test_chronology_markdown_carries_no_raw_html(api: Any) -> None:
    client, headers, _ = api
    records = [
        w.source("S2", None),
        w.report("R2", source_id="S2", police_request='<img src=x onerror="alert(1)">'),
    ]
    load(client, headers[Role.ANALYST], records)
    response = client.get(
        "/sources/S2/chronology?format=markdown", headers=headers[Role.FIB_REVIEWER]
    )
    assert response.status_code == 200, response.text
    assert "<img" not in response.text


# -- mosaic entities --csv --------------------------------------------------------------


def test_entities_csv_quotes_ids_and_neutralises_formulas(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, headers, settings = api
    ids = ['=HYPERLINK("http://x.invalid","open")', "PK,extra", 'PQ"uote', "PN\nline"]
    load(
        client, headers[Role.ANALYST], [w.person(i, "Idris", f"Marl{n}") for n, i in enumerate(ids)]
    )
    for name, path in (
        ("MOSAIC_DB_PATH", settings.db_path),
        ("MOSAIC_GOVERNANCE_PATH", settings.governance_path),
        ("MOSAIC_INGEST_PATH", settings.ingest_path),
        ("MOSAIC_ANALYSIS_PATH", settings.analysis_path),
    ):
        monkeypatch.setenv(name, str(path))
    result = CliRunner().invoke(cli, ["entities", "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["person_id", "entity_id"]
    assert all(len(r) == 2 for r in rows), rows
    first = [r[0] for r in rows[1:]]
    assert len(first) == len(ids), rows
    assert not [v for r in rows[1:] for v in r if v[:1] in ("=", "+", "-", "@")], rows
