"""Entity-resolution benchmark: pairwise precision/recall/F1 against generator truth.

    python -m bench.bench_resolution --data FILE --truth FILE [--write-results]
                                     [--show-errors N]
    python -m bench.bench_resolution --generate 25000,20000,7 --data FILE --truth FILE

Reads an interchange v1 JSONL file (persons joined to their locations' address and
postcode) and a truth JSON `{"person_entity": {id: human}, "mention_entity":
{"<report>#<i>": human}}`; runs `resolve_all` + `cluster` (no human judgements) and
reports pairwise precision, recall and F1 (pairs of records in one predicted entity vs
pairs of records of one true human), the review-queue size, records/s, comparisons, how
many true pairs blocking never offered, the same scores re-cut at other auto-link
thresholds, and mention resolution: time per mention on a first pass (caches cold) and a
second, and accuracy (right when matched to a record of its true human, or left
unmatched when its human has no record), overall and split into mentions with a name
only and with a DOB or an address. Target: F1 >= 0.97 on >= 20k records.

`--generate P,R,S` first writes the data and truth with the project generator
(`ingest.generator.write_demo_data`). `--show-errors N` prints N missed and N wrong
links with their explanations (to see which feature is missing, not to fit weights).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ingest.resolution import (
    MentionFacts,
    MentionMatch,
    Outcome,
    PersonFacts,
    PersonIndex,
    ResolutionStats,
    ScoredPair,
    Thresholds,
    cluster,
    cluster_explained,
    compare_prepared,
    match_mention,
    resolve_all,
)

RESULTS = Path(__file__).with_name("RESULTS.md")
SWEEP = (0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99)


@dataclass(slots=True)
class Dataset:
    persons: list[PersonFacts] = field(default_factory=list)
    mentions: list[MentionFacts] = field(default_factory=list)


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _name(raw: Any) -> tuple[str, str]:
    raw = raw or {}
    return (str(raw.get("given") or ""), str(raw.get("family") or ""))


def read_interchange(path: Path) -> Dataset:
    """Persons (with their locations joined in) and report mentions from a JSONL file."""
    locations: dict[str, tuple[str, str]] = {}
    persons: list[dict[str, Any]] = []
    data = Dataset()
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            record = json.loads(line)
            kind = record.get("kind")
            if kind == "location":
                locations[record["id"]] = (
                    record.get("address") or "",
                    record.get("postcode") or "",
                )
            elif kind == "person":
                persons.append(record)
            elif kind == "report":
                for i, m in enumerate(record.get("mentions") or []):
                    data.mentions.append(
                        MentionFacts(
                            key=f"{record['id']}#{i}",
                            name=_name(m.get("name")),
                            dob=_date(m.get("dob")),
                            address=m.get("address") or None,
                            postcode=m.get("postcode") or None,
                        )
                    )
    for record in persons:
        places = [
            locations[a["location_id"]]
            for a in record.get("addresses") or []
            if a.get("location_id") in locations
        ]
        data.persons.append(
            PersonFacts(
                id=record["id"],
                source_system=record.get("source_system"),
                names=tuple(_name(n) for n in record.get("names") or []),
                dob=_date(record.get("dob")),
                gender=record.get("gender"),
                pnc_id=record.get("pnc_id"),
                postcodes=tuple(dict.fromkeys(pc for _, pc in places if pc)),
                addresses=tuple(dict.fromkeys(addr for addr, _ in places if addr)),
            )
        )
    return data


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


@dataclass(frozen=True, slots=True)
class PairwiseScores:
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def pairwise(predicted: dict[str, str], truth: dict[str, str]) -> PairwiseScores:
    """Pairwise scores over the records present in both mappings."""
    ids = [i for i in predicted if i in truth]
    by_pred = Counter(predicted[i] for i in ids)
    by_true = Counter(truth[i] for i in ids)
    by_both = Counter((predicted[i], truth[i]) for i in ids)
    return PairwiseScores(
        true_pairs=sum(_pairs(n) for n in by_true.values()),
        predicted_pairs=sum(_pairs(n) for n in by_pred.values()),
        correct_pairs=sum(_pairs(n) for n in by_both.values()),
    )


def _true_pairs(truth: dict[str, str], ids: Iterable[str]) -> list[tuple[str, str]]:
    groups: dict[str, list[str]] = {}
    for rid in ids:
        if rid in truth:
            groups.setdefault(truth[rid], []).append(rid)
    out = []
    for members in groups.values():
        members.sort()
        out += [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
    return out


@dataclass(slots=True)
class MentionScores:
    total: int = 0
    matched_right: int = 0
    matched_wrong: int = 0
    unmatched_right: int = 0  # its human has no record
    unmatched_missed: int = 0  # its human has a record
    seconds: float = 0.0

    @property
    def accuracy(self) -> float:
        return (self.matched_right + self.unmatched_right) / self.total if self.total else 1.0


def _git_line() -> str:
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "log", "-1", "--format=%h %s"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "ingest/resolution"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    state = (
        "ingest/resolution has uncommitted changes" if dirty else "ingest/resolution as committed"
    )
    return f"{head}; {state}"


def _score_mentions(
    results: Sequence[tuple[MentionFacts, MentionMatch | None]],
    mention_truth: dict[str, str],
    person_truth: dict[str, str],
    humans_with_records: set[str],
) -> dict[str, MentionScores]:
    """Mention outcomes overall and split by what the mention carries."""
    by: dict[str, MentionScores] = {"all": MentionScores()}
    for mention, match in results:
        human = mention_truth.get(mention.key)
        if human is None:
            continue
        kind = "with DOB or address" if _has_more_than_name(mention) else "name only"
        for scores in (by["all"], by.setdefault(kind, MentionScores())):
            scores.total += 1
            if match is None:
                if human in humans_with_records:
                    scores.unmatched_missed += 1
                else:
                    scores.unmatched_right += 1
            elif person_truth.get(match.person_id) == human:
                scores.matched_right += 1
            else:
                scores.matched_wrong += 1
    return by


def _has_more_than_name(m: MentionFacts) -> bool:
    return bool(m.dob or m.address or m.postcode)


def _timed_mentions(
    index: PersonIndex, mentions: Sequence[MentionFacts], thresholds: Thresholds
) -> tuple[list[tuple[MentionFacts, MentionMatch | None]], float]:
    t0 = time.perf_counter()
    results = [(m, match_mention(index, m, thresholds)) for m in mentions]
    return results, time.perf_counter() - t0


def _sweep(
    ids: list[str], scored: Sequence[ScoredPair], truth: dict[str, str]
) -> list[tuple[str, str]]:
    """Precision/recall/F1 if auto-link were set elsewhere (the same scores re-cut)."""
    rows = []
    for cut in SWEEP:
        links = [
            ScoredPair(p.a, p.b, p.score, Outcome.AUTO_LINK if p.score >= cut else Outcome.REVIEW)
            for p in scored
        ]
        s = pairwise(cluster(ids, links, {}), truth)
        rows.append(
            (f"auto_link >= {cut}", f"P {s.precision:.4f}, R {s.recall:.4f}, F1 {s.f1:.4f}")
        )
    return rows


def run(args: argparse.Namespace) -> list[str]:
    data_path, truth_path = Path(args.data), Path(args.truth)
    if args.generate:
        persons, reports, seed = (int(x) for x in args.generate.split(","))
        _generate(persons, reports, seed, data_path, truth_path)
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    data = read_interchange(data_path)
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    person_truth: dict[str, str] = truth.get("person_entity", {})
    mention_truth: dict[str, str] = truth.get("mention_entity", {})
    read_s = time.perf_counter() - t0

    thresholds = Thresholds()
    stats = ResolutionStats()
    index = PersonIndex()
    t0 = time.perf_counter()
    scored = resolve_all(data.persons, thresholds, stats, index=index)
    resolve_s = time.perf_counter() - t0
    ids = [p.id for p in data.persons]
    t0 = time.perf_counter()
    clustering = cluster_explained(ids, scored, {})
    cluster_s = time.perf_counter() - t0
    scores = pairwise(clustering.entity_of, person_truth)
    review = [p for p in scored if p.outcome is Outcome.REVIEW]
    review_true = sum(1 for p in review if _same(person_truth, p.a, p.b))
    possible = [p for p in scored if p.outcome is Outcome.POSSIBLE]
    possible_true = sum(1 for p in possible if _same(person_truth, p.a, p.b))
    auto = [p for p in scored if p.outcome is Outcome.AUTO_LINK]
    auto_true = sum(1 for p in auto if _same(person_truth, p.a, p.b))
    truth_pairs = _true_pairs(person_truth, ids)
    offered = sum(1 for a, b in truth_pairs if b in index.candidates(index.facts(a)))

    humans_with_records = {person_truth[i] for i in ids if i in person_truth}
    results, first_s = _timed_mentions(index, data.mentions, thresholds)
    _, again_s = _timed_mentions(index, data.mentions, thresholds)
    by_kind = _score_mentions(results, mention_truth, person_truth, humans_with_records)

    if args.show_errors:
        _show_errors(
            args.show_errors,
            index,
            clustering.entity_of,
            person_truth,
            truth_pairs,
            auto,
            results,
            mention_truth,
            humans_with_records,
        )

    n = len(data.persons)
    humans = len({person_truth.get(i, i) for i in ids})
    verdict = "met" if scores.f1 >= 0.97 else "BELOW target"
    skipped = index.counts
    rows = [
        ("read + join JSONL", f"{read_s:.2f} s"),
        ("resolve_all (index + score)", f"{resolve_s:.2f} s, {n / resolve_s:,.0f} records/s"),
        (
            "candidate pairs compared",
            f"{stats.candidate_pairs:,} ({stats.candidate_pairs / n:.1f} a record)",
        ),
        ("pairs explained in full (>= review)", f"{stats.explained:,}"),
        (
            "oversized-block look-ups skipped",
            f"{skipped.skipped_lookups:,} ({skipped.skipped_candidates:,} members)",
        ),
        (
            "true pairs blocking offered",
            f"{offered:,} / {len(truth_pairs):,} ({offered / max(1, len(truth_pairs)):.4f})",
        ),
        ("cluster", f"{cluster_s:.2f} s, {len(clustering.refused)} links refused"),
        ("auto links", f"{len(auto):,} ({auto_true:,} true)"),
        ("review queue pairs", f"{len(review):,} ({review_true:,} true)"),
        ("possible-match pairs (kept apart)", f"{len(possible):,} ({possible_true:,} true)"),
        (
            "pairwise precision",
            f"**{scores.precision:.4f}** ({scores.correct_pairs:,} / {scores.predicted_pairs:,})",
        ),
        (
            "pairwise recall",
            f"**{scores.recall:.4f}** ({scores.correct_pairs:,} / {scores.true_pairs:,})",
        ),
        ("pairwise F1", f"**{scores.f1:.4f}** (target >= 0.97: {verdict})"),
    ]
    judged, violated, after = _reviewer_splits(ids, scored, clustering.entity_of, person_truth)
    rows += [
        (
            "a reviewer judges wrong links not_same",
            f"{judged:,} judgements on auto links joining two humans; re-clustered: "
            f"**{violated} violated** (target 0); P {after.precision:.4f}, "
            f"R {after.recall:.4f}, F1 {after.f1:.4f}",
        )
    ]
    if data.mentions:
        m = len(data.mentions)
        rows.append(
            (
                "mentions resolved",
                f"{m:,}: first pass {first_s:.2f} s, {first_s / m * 1e6:.1f} µs each; "
                f"again (caches warm) {again_s / m * 1e6:.1f} µs each",
            )
        )
    for kind, ms in by_kind.items():
        if ms.total:
            rows.append(
                (
                    f"mention accuracy, {kind}",
                    f"**{ms.accuracy:.4f}** of {ms.total:,} (matched right {ms.matched_right:,}, "
                    f"wrong {ms.matched_wrong:,}; unmatched right {ms.unmatched_right:,}, "
                    f"missed {ms.unmatched_missed:,})",
                )
            )
    made_by = truth.get("config")
    lines = [
        f"- data: {data_path.name}: {n:,} person records of {humans:,} humans, "
        f"{len(truth_pairs):,} true pairs; {len(data.mentions):,} report mentions"
        + (f"; generator config {json.dumps(made_by)}" if made_by else ""),
        f"- thresholds: auto_link >= {thresholds.auto_link}, review >= {thresholds.review}, "
        f"possible >= {thresholds.possible}; "
        f"block cap {index.block_cap}",
        f"- load average at start (1/5/15 min): {load0[0]:.2f} / {load0[1]:.2f} / {load0[2]:.2f}",
        "",
        "| measurement | value |",
        "|---|---|",
        *(f"| {label} | {value} |" for label, value in rows),
        "",
        "Other auto-link thresholds, the same scores re-cut (review pairs >= "
        f"{thresholds.review} available to link):",
        "",
        "| threshold | pairwise |",
        "|---|---|",
        *(f"| {label} | {value} |" for label, value in _sweep(ids, scored, person_truth)),
    ]
    return lines


def _reviewer_splits(
    ids: list[str],
    scored: Sequence[ScoredPair],
    entity_of: dict[str, str],
    truth: dict[str, str],
) -> tuple[int, int, PairwiseScores]:
    """A reviewer marks every auto link between two different humans `not_same` (the
    matcher's own mistakes, the hardest case for transitivity); re-cluster and count any
    entity that still holds a judged pair. Truth is used only to play the reviewer."""
    wrong = [
        (p.a, p.b)
        for p in scored
        if p.outcome is Outcome.AUTO_LINK
        and entity_of[p.a] == entity_of[p.b]
        and not _same(truth, p.a, p.b)
    ]
    judgements = {pair: "not_same" for pair in wrong}
    after = cluster(ids, scored, judgements)
    violated = sum(1 for a, b in wrong if after[a] == after[b])
    return len(wrong), violated, pairwise(after, truth)


def _same(truth: dict[str, str], a: str, b: str) -> bool:
    return a in truth and truth.get(a) == truth.get(b)


def _show_errors(
    n: int,
    index: PersonIndex,
    entity_of: dict[str, str],
    truth: dict[str, str],
    truth_pairs: Sequence[tuple[str, str]],
    auto: Sequence[ScoredPair],
    mention_results: Sequence[tuple[MentionFacts, MentionMatch | None]],
    mention_truth: dict[str, str],
    humans_with_records: set[str],
) -> None:
    def show(a: str, b: str) -> None:
        fa, fb = index.facts(a), index.facts(b)
        print(f"\n{a}: {fa.names} {fa.dob} {fa.gender} {fa.pnc_id} {fa.postcodes} {fa.addresses}")
        print(f"{b}: {fb.names} {fb.dob} {fb.gender} {fb.pnc_id} {fb.postcodes} {fb.addresses}")
        print(compare_prepared(index.prepared(a), index.prepared(b)).explain())

    missed = [(a, b) for a, b in truth_pairs if entity_of[a] != entity_of[b]]
    print(f"\n=== {len(missed)} missed true pairs (first {n}) ===")
    for a, b in missed[:n]:
        show(a, b)
    wrong = [p for p in auto if not _same(truth, p.a, p.b)]
    print(f"\n=== {len(wrong)} wrong auto links (first {n}) ===")
    for p in wrong[:n]:
        show(p.a, p.b)
    print(f"\n=== mention errors (first {n}) ===")
    shown = 0
    for mention, match in mention_results:
        human = mention_truth.get(mention.key)
        if human is None or shown >= n:
            continue
        if match is None and human in humans_with_records:
            records = [i for i, h in truth.items() if h == human]
            print(f"\nMISSED {mention} -> records {records}")
            for rid in records[:2]:
                print(index.facts(rid))
            shown += 1
        elif match is not None and truth.get(match.person_id) != human:
            print(f"\nWRONG {mention} -> {match.person_id} {index.facts(match.person_id)}")
            print(match.comparison.explain())
            shown += 1


def _generate(persons: int, reports: int, seed: int, data: Path, truth: Path) -> None:
    from ingest.generator import GeneratorConfig, write_demo_data

    config = GeneratorConfig(persons=persons, reports=reports, seed=seed)
    data.parent.mkdir(parents=True, exist_ok=True)
    write_demo_data(config, data, truth)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="interchange v1 JSONL file")
    parser.add_argument("--truth", required=True, help="truth JSON file")
    parser.add_argument("--generate", help="PERSONS,REPORTS,SEED: write the data first")
    parser.add_argument("--show-errors", type=int, default=0, metavar="N")
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args(argv)
    started = datetime.now(UTC)
    command = list(sys.argv[1:] if argv is None else argv)
    lines = run(args)
    header = [
        f"## Entity resolution: {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- command: `python -m bench.bench_resolution {' '.join(command)}`",
        f"- code: {_git_line()}",
        f"- machine: {os.cpu_count()} cores, {platform.machine()}, {platform.platform()}",
        f"- Python {platform.python_version()}",
    ]
    text = "\n".join([*header, *lines])
    print(text)
    if args.write_results:
        existing = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
        with RESULTS.open("a", encoding="utf-8") as out:  # others append too: only append
            out.write(
                ("\n" if existing and not existing.endswith("\n") else "") + "\n" + text + "\n"
            )
        print(f"\nappended to {RESULTS}")


if __name__ == "__main__":
    main()
