"""Source profiles aggregated inside each store: SQL for SQLite, Cypher for Neo4j.

CHIS review needs, per source, a handful of counts to know whether the source could reach
the policy threshold at all (`graph.chis.ceiling`). Counting them where the data lives
means a source that cannot qualify never has its reports read out of the store. The
queries here and the contact rows (`CONTACTS_SQL`, `CONTACTS_CYPHER`) read the same
fields, so a count here is never below what the indicators find in the rows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from graph.store import SourceProfile
from graph.stores.conditions import View

REWARDED_SQL = (
    "CASE json_type(r.data, '$.extra.reward') "
    "WHEN 'array' THEN json_array_length(r.data, '$.extra.reward') > 0 "
    "WHEN 'object' THEN (SELECT count(*) FROM json_each(r.data, '$.extra.reward')) > 0 "
    "WHEN 'text' THEN (r.data -> '$.extra.reward') <> '\"\"' "
    "ELSE coalesce(json_extract(r.data, '$.extra.reward'), 0) NOT IN (0, '') END"
)
"""Whether report `r` records a reward, as Python's truth of `extra["reward"]` (what Neo4j
keeps as `rewarded`, `rows.contact_props`): json_extract gives an empty list or object
as text ('[]', '{}'), which would be true, and a text only up to a NUL character ('\x00'
would be ''), so a text is compared as JSON with the empty string's '""'."""

_SQL_SOURCES = """
WITH kept AS (
    SELECT s.id, s.subtype, s.data,
        (SELECT count(*) FROM edges p WHERE p.dst = s.id AND p.kind = 'PROVIDED_BY') AS n,
        (SELECT min(ip.dst) FROM edges ip WHERE ip.src = s.id AND ip.kind = 'IS_PERSON') AS pid
    FROM nodes s WHERE s.kind = 'Source' AND {seen_s}
)
"""
"""Sources in view, with every report they gave counted by the `edges_dst` index: a source
under the bar even so is never read further."""

SQL_PROFILE = (
    _SQL_SOURCES
    + """
SELECT s.id, s.subtype, json_extract(s.data, '$.chis_status'),
    json_extract(s.data, '$.juvenile'), json_extract(s.data, '$.vulnerable'), s.pid,
    (SELECT pn.subtype IS NOT NULL FROM nodes pn WHERE pn.id = s.pid), count(*),
    min(r.received_at), max(r.received_at),
    sum(json_extract(r.data, '$.police_request') IS NOT NULL),
    sum(json_extract(r.data, '$.initiated_by') = 'police'),
    sum(json_extract(r.data, '$.how_obtained') = 'through_relationship'),
    sum("""
    + REWARDED_SQL
    + """),
    EXISTS (SELECT 1 FROM edges k WHERE k.src = s.id AND k.kind = 'KNOWS_SUBJECT'
        AND k.subtype IN (SELECT value FROM json_each(:personal)))
FROM kept s
JOIN edges p ON p.dst = s.id AND p.kind = 'PROVIDED_BY'
JOIN nodes r ON r.id = p.src
WHERE s.n >= :min AND {seen_pr}
GROUP BY s.id
HAVING count(*) >= :min
ORDER BY s.id
"""
)
"""One row per source over the bar (its reports in view): who it is and what they say."""

SQL_SUBJECTS = (
    _SQL_SOURCES
    + """
SELECT p.dst, count(*), max(k), max(nominal) FROM (
    SELECT p.dst, a.dst AS subject, count(DISTINCT a.src) AS k,
        (SELECT sn.subtype IS NOT NULL FROM nodes sn WHERE sn.id = a.dst) AS nominal
    FROM kept s
    JOIN edges p ON p.dst = s.id AND p.kind = 'PROVIDED_BY'
    JOIN edges a ON a.src = p.src AND a.kind = 'ABOUT'
    WHERE s.n >= :min
    GROUP BY p.dst, a.dst
) p GROUP BY p.dst
"""
)
"""Per source: distinct subjects, the most reports about one, and whether any is a
nominal."""

SQL_PLACES = (
    _SQL_SOURCES
    + """
SELECT sid, max(k) FROM (
    SELECT p.dst AS sid, count(DISTINCT l.src) AS k
    FROM kept s
    JOIN edges p ON p.dst = s.id AND p.kind = 'PROVIDED_BY'
    JOIN edges l ON l.src = p.src AND l.kind = 'AT_LOCATION'
    WHERE s.n >= :min
    GROUP BY p.dst, l.dst
) GROUP BY sid
"""
)
"""Per source: the most reports placing events at one location."""

SQL_HOUSEHOLDS = (
    _SQL_SOURCES
    + """
SELECT sid, max(reps) FROM (
    SELECT p.dst AS sid, count(DISTINCT a.dst) AS people, count(DISTINCT a.src) AS reps
    FROM kept s
    JOIN edges p ON p.dst = s.id AND p.kind = 'PROVIDED_BY'
    JOIN edges a ON a.src = p.src AND a.kind = 'ABOUT'
    JOIN edges h ON h.src = a.dst AND h.kind = 'RESIDES_AT'
    JOIN nodes home ON home.id = h.dst
    WHERE s.n >= :min AND coalesce(home.subtype, '') NOT IN (SELECT value FROM json_each(:hubs))
    GROUP BY p.dst, h.dst
    HAVING people >= 2
) GROUP BY sid
"""
)
"""Per source: the most reports about two or more people who share one home (hubs are
not homes)."""


def sqlite_statements(view: View) -> tuple[str, str, str, str]:
    """The four SQLite statements seen through `view`: only the sources it shows are
    profiled, and the bar and the first statement's counts are over the reports it shows
    (with their PROVIDED_BY edges). Subjects, places and homes are counted over every
    report of the source, shown or not: that can only raise the ceiling (the contact rows
    the queue scores leave hidden ones out), and spares a report look-up each."""
    return (
        SQL_PROFILE.format(seen_s=view.sql("s"), seen_pr=view.sql("p", "r")),
        SQL_SUBJECTS.format(seen_s=view.sql("s")),
        SQL_PLACES.format(seen_s=view.sql("s")),
        SQL_HOUSEHOLDS.format(seen_s=view.sql("s")),
    )


CYPHER_PROFILE = """
MATCH (s:Source) WHERE {seen_s}
WITH s, COUNT {{ (s)<-[:PROVIDED_BY]-(:Report) }} AS n
WHERE n >= $min AND n > 0
{seen_bar}
WITH s, n, COLLECT {{ MATCH (s)-[:IS_PERSON]->(p:Person) RETURN p ORDER BY p.id LIMIT 1 }} AS who
CALL (s) {{
  MATCH (s)<-[pb:PROVIDED_BY]-(r:Report) WHERE {seen_pr}
  RETURN min(r.received_at) AS first, max(r.received_at) AS last,
    count(r.police_request) AS requests,
    sum(CASE WHEN r.initiated_by = 'police' THEN 1 ELSE 0 END) AS initiated,
    sum(CASE WHEN r.how_obtained = 'through_relationship' THEN 1 ELSE 0 END) AS through,
    sum(CASE WHEN r.rewarded THEN 1 ELSE 0 END) AS rewarded
}}
CALL (s) {{
  OPTIONAL MATCH (s)<-[:PROVIDED_BY]-(r:Report)-[:ABOUT]->(p:Person)
  WITH p, count(DISTINCT r) AS k
  RETURN count(p) AS subjects, coalesce(max(k), 0) AS most_about_one,
    coalesce(max(CASE WHEN p.subtype IS NOT NULL THEN 1 ELSE 0 END), 0) AS nominal
}}
CALL (s) {{
  OPTIONAL MATCH (s)<-[:PROVIDED_BY]-(r:Report)-[:AT_LOCATION]->(l:Location)
  WITH l, count(DISTINCT r) AS k
  RETURN coalesce(max(k), 0) AS most_at_one_place
}}
CALL (s) {{
  OPTIONAL MATCH (s)<-[:PROVIDED_BY]-(r:Report)-[:ABOUT]->(p:Person)-[:RESIDES_AT]->(h:Location)
  WHERE NOT coalesce(h.subtype, '') IN $hubs
  WITH h, count(DISTINCT p) AS people, count(DISTINCT r) AS reps
  WHERE people >= 2
  RETURN coalesce(max(reps), 0) AS household
}}
RETURN s.id AS sid, s.subtype AS stype, s.chis_status AS status, s.juvenile AS juvenile,
  s.vulnerable AS vulnerable, head(who).id AS pid,
  coalesce(head(who).subtype IS NOT NULL, false) AS pid_nominal, n, first, last,
  subjects, most_about_one, nominal, most_at_one_place, household, requests, initiated,
  through, rewarded,
  EXISTS {{ (s)-[k:KNOWS_SUBJECT]->() WHERE k.subtype IN $personal }} AS personal
ORDER BY sid
"""
"""Every profile in one statement: the counting runs in Cypher, per source, seen through a
view as `sqlite_statements` says."""

SEEN_BAR_CYPHER = """
WITH s, COUNT {{ (s)<-[pb:PROVIDED_BY]-(r:Report) WHERE {seen_pr} }} AS n
WHERE n >= $min AND n > 0
"""
"""With a view, the bar again over the reports in it, for the sources over it by degree."""


def cypher_statement(view: View) -> str:
    """`CYPHER_PROFILE` seen through `view`: the bar again over the reports it shows (for
    the sources over it by degree) only when it hides anything."""
    seen_pr = view.cypher("pb", "r")
    bar = SEEN_BAR_CYPHER.format(seen_pr=seen_pr) if view.restricts else ""
    return CYPHER_PROFILE.format(seen_s=view.cypher("s"), seen_bar=bar, seen_pr=seen_pr)


def from_sqlite(
    sources: Sequence[Sequence[Any]],
    subjects: Sequence[Sequence[Any]],
    places: Sequence[Sequence[Any]],
    households: Sequence[Sequence[Any]],
) -> list[SourceProfile]:
    """Profiles from the four SQLite result sets (each keyed by source id)."""
    about = {r[0]: (int(r[1]), int(r[2]), bool(r[3])) for r in subjects}
    at = {r[0]: int(r[1]) for r in places}
    home = {r[0]: int(r[1]) for r in households}
    out = []
    for r in sources:
        sid = r[0]
        n_subjects, most, nominal = about.get(sid, (0, 0, False))
        out.append(
            SourceProfile(
                source_id=sid,
                source_type=r[1],
                chis_status=r[2] or "none",
                juvenile=bool(r[3]),
                vulnerable=bool(r[4]),
                person_id=r[5],
                person_is_nominal=bool(r[6]),
                reports=int(r[7]),
                first=r[8],
                last=r[9],
                most_about_one=most,
                subjects=n_subjects,
                about_nominals=nominal,
                most_at_one_place=at.get(sid, 0),
                household_reports=home.get(sid, 0),
                requests=int(r[10]),
                police_initiated=int(r[11]),
                through_relationship=int(r[12]),
                rewarded=int(r[13]),
                personal_relationship=bool(r[14]),
            )
        )
    return out


def from_neo4j(records: Sequence[Any]) -> list[SourceProfile]:
    return [
        SourceProfile(
            source_id=r["sid"],
            source_type=r["stype"],
            chis_status=r["status"] or "none",
            juvenile=bool(r["juvenile"]),
            vulnerable=bool(r["vulnerable"]),
            person_id=r["pid"],
            person_is_nominal=bool(r["pid_nominal"]),
            reports=int(r["n"]),
            first=r["first"],
            last=r["last"],
            most_about_one=int(r["most_about_one"]),
            subjects=int(r["subjects"]),
            about_nominals=bool(r["nominal"]),
            most_at_one_place=int(r["most_at_one_place"]),
            household_reports=int(r["household"]),
            requests=int(r["requests"]),
            police_initiated=int(r["initiated"]),
            through_relationship=int(r["through"]),
            rewarded=int(r["rewarded"]),
            personal_relationship=bool(r["personal"]),
        )
        for r in records
    ]


def as_list(values: Collection[str]) -> list[str]:
    return sorted(str(v) for v in values)
