"""Entity resolution: corruptions link, hard negatives stay apart, not_same is inviolable.

Every person here is invented. Each case checks the outcome *and* that the explanation
names the feature responsible, because an analyst has to be able to read why.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.resolution import (
    BLOCK_CAP,
    DEFAULT_CONTEXT,
    MentionFacts,
    Outcome,
    PersonFacts,
    PersonIndex,
    ResolutionStats,
    ScoredPair,
    Thresholds,
    cluster,
    cluster_explained,
    compare,
    compare_prepared,
    match_mention,
    prepare_person,
    resolve_all,
    score_bits,
    score_pairs,
    weights,
)
from ingest.resolution.nicknames import name_groups, nickname_pair_count
from tests.factories import STRANGERS

HOME = ("EX1 4ML", "14 Mill Lane, Exampletown")
ELSEWHERE = ("AC3 9QT", "7 Rowan Close, Ashcombe")


def person(
    pid: str,
    given_name: str = "William",
    family: str = "Holt",
    dob: date | None = date(1979, 6, 2),
    gender: str | None = "M",
    pnc: str | None = None,
    home: tuple[str, str] | None = HOME,
    aliases: tuple[tuple[str, str], ...] = (),
) -> PersonFacts:
    return PersonFacts(
        id=pid,
        source_system="test",
        names=((given_name, family), *aliases),
        dob=dob,
        gender=gender,
        pnc_id=pnc,
        postcodes=(home[0],) if home else (),
        addresses=(home[1],) if home else (),
    )


BASE = person("P-base")
THRESHOLDS = Thresholds()
# Kept apart: never linked, never queued (a possible match is still apart, only shown).
APART = (Outcome.KEEP_APART, Outcome.POSSIBLE)
LINKED_OR_QUEUED = (Outcome.AUTO_LINK, Outcome.REVIEW)


def outcome(a: PersonFacts, b: PersonFacts) -> Outcome:
    return THRESHOLDS.outcome(compare(a, b).score)


def note(a: PersonFacts, b: PersonFacts, feature: str) -> str:
    found = compare(a, b).feature(feature)
    assert found is not None, feature
    return found.note


# --- corruptions: each links (or reaches review), with the right feature named --------------

NICKNAMES = [
    ("William", "Bill"),
    ("Robert", "Bob"),
    ("Elizabeth", "Liz"),
    ("Darren", "Daz"),
    ("Catherine", "Kate"),
    ("James", "Jim"),
    ("Anthony", "Tony"),
    ("Michael", "Mick"),
    ("Susan", "Sue"),
    ("Rebecca", "Becky"),
    ("Katherine", "Kathy"),
    ("Margaret", "Peggy"),
]


@pytest.mark.parametrize(("formal", "nick"), NICKNAMES)
def test_nicknames_link_after_a_move(formal: str, nick: str) -> None:
    a = person("P-a", formal, "Holt")
    b = person("P-b", nick, "Holt", home=ELSEWHERE)
    assert outcome(a, b) is Outcome.AUTO_LINK
    assert f"agree as nicknames ({formal} ~ {nick})" in note(a, b, "given name")
    moved = compare(a, b).feature("address")
    assert moved is not None and -3 < moved.weight < 0  # moved: weak evidence against


CORRUPTIONS: dict[str, tuple[PersonFacts, str, str]] = {
    "given typo": (person("P-b", "Wiliam"), "given name", "likely a typo"),
    "family typo": (person("P-b", family="Hlot", home=None), "family name", "likely a typo"),
    "swapped given/family": (person("P-b", "Holt", "William", home=None), "name order", "swapped"),
    "middle name added": (person("P-b", "William James", home=None), "given name", "middle names"),
    "uses middle name": (
        person("P-b", "James", home=None, aliases=()),
        "given name",
        "middle name",
    ),
    "double-barrelled part dropped": (
        person("P-b", family="Holt-Sykes", home=None),
        "family name",
        "double-barrelled",
    ),
    "DOB missing": (person("P-b", dob=None), "date of birth", "not compared"),
    "DOB day/month transposed": (
        person("P-b", dob=date(1979, 2, 6), home=None),
        "date of birth",
        "day and month transposed",
    ),
    "DOB year off by one": (
        person("P-b", dob=date(1980, 6, 2), home=None),
        "date of birth",
        "year off by one",
    ),
    "DOB one-digit typo": (
        person("P-b", dob=date(1979, 6, 8), home=None),
        "date of birth",
        "one digit",
    ),
    "address moved": (person("P-b", home=ELSEWHERE), "address", "no address in common"),
    "initial only": (person("P-b", "W", home=None), "given name", "initial agrees"),
    "same PNC, little else": (
        person("P-b", "Bill", dob=None, gender=None, pnc="1979/0123456X", home=None),
        "PNC id",
        "same PNC id",
    ),
}


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_corruptions_link_or_reach_review(case: str) -> None:
    other, feature, words = CORRUPTIONS[case]
    a = BASE
    if case == "uses middle name":
        a = person("P-base", "William James")
    if case == "same PNC, little else":
        a = replace(BASE, pnc_id="79/123456X")
    result = compare(a, other)
    assert THRESHOLDS.outcome(result.score) in LINKED_OR_QUEUED, result.explain()
    assert words in note(a, other, feature), result.explain()


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_blocking_offers_each_corruption(case: str) -> None:
    other, _, _ = CORRUPTIONS[case]
    base = person("P-base", "William James") if case == "uses middle name" else BASE
    if case == "same PNC, little else":
        base = replace(BASE, pnc_id="79/123456X")
    index = PersonIndex()
    index.add(base)
    index.add(other)
    assert index.candidates(base) == {other.id}
    assert list(index.pairs_for([other.id])) == [("P-b", "P-base")]


def test_corruptions_that_keep_most_fields_auto_link() -> None:
    for case in ("given typo", "swapped given/family", "middle name added", "DOB missing"):
        other, _, _ = CORRUPTIONS[case]
        assert outcome(BASE, other) is Outcome.AUTO_LINK, compare(BASE, other).explain()


def test_two_corruptions_at_once_still_link() -> None:
    b = person("P-b", "Bill", "Hlot", dob=date(1979, 2, 6), home=ELSEWHERE)
    assert outcome(BASE, b) in LINKED_OR_QUEUED, compare(BASE, b).explain()


def test_alias_names_are_compared() -> None:
    a = person("P-a", "Darren", aliases=(("Daz", "Holt"), ("Dazza", "Smith")))
    b = person("P-b", "Dazza", "Smith", home=None)
    assert outcome(a, b) is Outcome.AUTO_LINK
    assert "Dazza" in note(a, b, "given name")


# --- hard negatives ---------------------------------------------------------------------------


def test_father_and_son_with_one_name_and_address_stay_apart() -> None:
    son = person("P-son", dob=date(1990, 3, 14))
    father = person("P-father", dob=date(1964, 8, 30))
    result = compare(son, father)
    assert THRESHOLDS.outcome(result.score) in APART, result.explain()
    dob = result.feature("date of birth")
    assert dob is not None and dob.weight < -5 and "years apart" in dob.note


def test_twins_stay_apart() -> None:
    a = person("P-a", "Liam", dob=date(2001, 5, 5))
    b = person("P-b", "Peter", dob=date(2001, 5, 5))
    result = compare(a, b)
    assert THRESHOLDS.outcome(result.score) in APART, result.explain()
    assert "given names differ (Liam vs Peter)" in note(a, b, "given name")
    assert "as for twins" in note(a, b, "date of birth")


def test_twins_of_different_gender_stay_apart() -> None:
    a = person("P-a", "Oliver", dob=date(2001, 5, 5))
    b = person("P-b", "Olivia", dob=date(2001, 5, 5), gender="F")
    result = compare(a, b)
    assert THRESHOLDS.outcome(result.score) in APART, result.explain()
    assert "gender differs" in note(a, b, "gender")


def test_siblings_stay_apart() -> None:
    a = person("P-a", "Jack", dob=date(2004, 1, 20))
    b = person("P-b", "Sophie", dob=date(2006, 9, 2), gender="F")
    assert outcome(a, b) in APART
    assert "given names differ" in note(a, b, "given name")


def test_different_pnc_ids_keep_otherwise_identical_records_apart() -> None:
    a = replace(BASE, id="P-a", pnc_id="79/123456X", postcodes=(), addresses=())
    b = replace(BASE, id="P-b", pnc_id="84/555123K", postcodes=(), addresses=())
    result = compare(a, b)
    assert THRESHOLDS.outcome(result.score) in APART, result.explain()
    pnc = result.feature("PNC id")
    assert pnc is not None and pnc.weight < -15 and "different PNC ids" in pnc.note


def test_gender_disagreement_counts_against_and_missing_does_not() -> None:
    same = compare(BASE, person("P-b", home=None))
    other = compare(BASE, person("P-b", gender="F", home=None))
    unknown = compare(BASE, person("P-b", gender=None, home=None))
    assert other.score < unknown.score < same.score
    g = unknown.feature("gender")
    assert g is not None and g.similarity is None and g.weight == 0


def test_strangers_sharing_only_a_common_name_stay_apart() -> None:
    a = person("P-a", "John", "Smith", dob=None, home=None)
    b = person("P-b", "John", "Smith", dob=None, home=ELSEWHERE)
    assert outcome(a, b) in APART


def test_missing_fields_are_not_comparable_not_disagreements() -> None:
    a = person("P-a", dob=None, gender=None, home=None)
    result = compare(a, BASE)
    for name in ("date of birth", "gender", "PNC id", "address"):
        f = result.feature(name)
        assert f is not None and f.similarity is None and f.weight == 0.0, name
        assert "not compared" in f.note


# --- scores and thresholds ---------------------------------------------------------------------

NAMES = ["William", "Bill", "Wiliam", "Peter", "W", "Holt", "Hlot", "Holt-Sykes", "Sykes", ""]
record_strategy = st.builds(
    PersonFacts,
    id=st.sampled_from(["P-1", "P-2"]),
    source_system=st.none(),
    names=st.lists(
        st.tuples(st.sampled_from(NAMES), st.sampled_from(NAMES)), min_size=1, max_size=2
    ).map(tuple),
    dob=st.one_of(st.none(), st.dates(date(1950, 1, 1), date(2010, 12, 31))),
    gender=st.sampled_from([None, "M", "F", "X"]),
    pnc_id=st.sampled_from([None, "79/123456X", "79/123457X", "80/1Y"]),
    postcodes=st.sampled_from([(), ("EX1 4ML",), ("EX1 4MX",), ("AC3 9QT",)]),
    addresses=st.sampled_from([(), (HOME[1],), (ELSEWHERE[1],), ("16 Mill Lane",)]),
)


@given(record_strategy, record_strategy, st.booleans())
@settings(max_examples=400, deadline=None)
def test_fast_path_agrees_with_the_explanation(
    a: PersonFacts, b: PersonFacts, in_index: bool
) -> None:
    ctx = DEFAULT_CONTEXT
    if in_index:  # with an index's prior and name frequencies
        index = PersonIndex()
        for r in (replace(a, id="P-a"), replace(b, id="P-b"), *household()):
            index.add(r)
        ctx = index.context()
    pa, pb = prepare_person(a), prepare_person(b)
    full = compare_prepared(pa, pb, ctx)
    assert 0.0 <= full.score <= 1.0
    assert score_bits(pa, pb, ctx=ctx) == pytest.approx(full.bits)
    assert full.bits == pytest.approx(full.prior + sum(f.weight for f in full.features))
    for cut in (THRESHOLDS.review, THRESHOLDS.auto_link):
        floor = weights.odds_bits(cut)
        fast = score_bits(pa, pb, floor, ctx)
        if full.bits >= floor:  # an early exit never hides a pair that clears the floor
            assert fast == pytest.approx(full.bits)
        else:
            assert fast < floor
    assert compare_prepared(pb, pa, ctx).bits == pytest.approx(full.bits)  # symmetric


def test_common_full_names_count_for_less_than_rare_ones() -> None:
    index = PersonIndex()
    for i in range(40):  # forty different John Smiths
        index.add(person(f"P-js{i}", "John", "Smith", dob=date(1960 + i, 1, 1), home=None))
    index.add(person("P-rare", "Okonkwo", "Entwistle", home=None))
    ctx = index.context()
    common = compare_prepared(
        prepare_person(person("A", "John", "Smith")),
        prepare_person(person("B", "John", "Smith", dob=None, home=None)),
        ctx,
    )
    rare = compare_prepared(
        prepare_person(person("A", "Okonkwo", "Entwistle")),
        prepare_person(person("B", "Okonkwo", "Entwistle", dob=None, home=None)),
        ctx,
    )
    assert common.bits < rare.bits
    family = common.feature("family name")
    assert family is not None and "held by 40 records" in family.note


def test_the_prior_tightens_as_the_index_grows() -> None:
    assert weights.prior_bits(10) == weights.prior_bits(weights.MIN_POPULATION)
    assert weights.prior_bits(25_000) > weights.prior_bits(100_000) > weights.prior_bits(10**6)


def test_thresholds_are_validated_and_ordered() -> None:
    with pytest.raises(ValueError):
        Thresholds(auto_link=0.4, review=0.6)
    with pytest.raises(ValueError):
        Thresholds(review=0.5, possible=0.6)
    t = Thresholds()
    assert t.outcome(0.99) is Outcome.AUTO_LINK
    assert t.outcome(0.7) is Outcome.REVIEW
    assert t.outcome(0.3) is Outcome.POSSIBLE
    assert t.outcome(0.1) is Outcome.KEEP_APART


def test_possible_pairs_keep_the_full_comparisons_score_without_its_notes() -> None:
    """Pairs in the possible band are scored by the fast path only (there are many and
    nobody reviews them), with the same score the explained comparison gives."""
    records = [  # a record, and the name alone (as a report mention gives it)
        person("P-a", "Danny", "Edwick"),
        person("P-b", "Danny", "Edwick", dob=None, gender=None, home=None),
    ]
    others = [
        person(f"P-x{i}", given, family, dob=date(1960 + i, 1 + i % 9, 10 + i % 10), home=None)
        for i, (given, family) in enumerate(STRANGERS * 20)
    ]
    index = PersonIndex()
    for record in [*records, *others]:
        index.add(record)
    stats = ResolutionStats()
    [pair] = score_pairs(index, ["P-a", "P-b"], THRESHOLDS, stats)
    assert pair.outcome is Outcome.POSSIBLE and pair.features == ()
    full = compare_prepared(
        index.prepared_records()["P-a"], index.prepared_records()["P-b"], index.context()
    )
    assert pair.score == pytest.approx(full.score)
    assert stats.explained == 0 and stats.outcomes[Outcome.POSSIBLE] == 1


def test_scored_pair_ends_are_in_id_order() -> None:
    with pytest.raises(ValueError):
        ScoredPair("P-b", "P-a", 0.9, Outcome.REVIEW)


def test_weight_table_in_the_docstring_matches_the_code() -> None:
    assert weights.weight_table() in (weights.__doc__ or "")


def test_nickname_table_is_large_and_covers_the_usual_pairs() -> None:
    assert nickname_pair_count() >= 300
    for formal, nick in NICKNAMES:
        assert name_groups(formal.lower()) & name_groups(nick.lower())
    assert name_groups("al") >= {"alan", "albert", "alexander", "alfred"}


# --- index and incremental resolution ----------------------------------------------------------


def test_index_add_replace_remove() -> None:
    index = PersonIndex()
    index.add(BASE)
    index.add(person("P-b", "Bill", home=ELSEWHERE))
    assert index.candidates(BASE) == {"P-b"}
    index.add(person("P-b", "Zara", "Khan", dob=date(1995, 1, 1), gender="F", home=None))
    assert index.candidates(BASE) == set()  # the changed record is filed under its new keys
    index.remove("P-b")
    index.remove("P-unknown")
    assert len(index) == 1 and "P-b" not in index


def test_oversized_blocks_are_skipped_and_counted() -> None:
    index = PersonIndex(block_cap=3)
    for i in range(5):  # five 'J Smith's with no DOB or address: one shared name key
        index.add(person(f"P-{i}", "John", "Smith", dob=None, gender=None, home=None))
    assert index.candidates(person("P-new", "John", "Smith", dob=None, home=None)) == set()
    assert index.counts.skipped_lookups > 0 and index.counts.skipped_candidates >= 5
    assert PersonIndex().block_cap == BLOCK_CAP


def test_incremental_scoring_touches_only_new_records() -> None:
    index = PersonIndex()
    records = [BASE, person("P-c", "Sarah", "Khan", dob=date(1990, 1, 1), gender="F")]
    for r in records:
        index.add(r)
    index.add(person("P-new", "Bill", home=ELSEWHERE))
    stats = ResolutionStats()
    pairs = score_pairs(index, ["P-new"], THRESHOLDS, stats)
    assert [(p.a, p.b, p.outcome) for p in pairs] == [("P-base", "P-new", Outcome.AUTO_LINK)]
    assert all("P-new" in (a, b) for a, b in index.pairs_for(["P-new"]))
    assert stats.candidate_pairs >= 1


def household() -> list[PersonFacts]:
    """A family at one address with a duplicate of the son from another system."""
    return [
        person("P-1", "William", dob=date(1990, 3, 14)),  # son
        person("P-2", "William", dob=date(1964, 8, 30)),  # father, same name
        person("P-3", "Peter", dob=date(1990, 3, 14)),  # the son's twin
        person("P-4", "Sarah", dob=date(1966, 2, 1), gender="F"),  # mother
        person("P-5", "Bill", "Holt", dob=date(1990, 3, 14), home=ELSEWHERE),  # son, moved
        person("P-6", "Holt", "Sarah", dob=date(1966, 1, 2), gender="F", home=None),  # mother
    ]


def test_resolve_all_and_cluster_a_household() -> None:
    pairs = resolve_all(household(), THRESHOLDS)
    entity = cluster([r.id for r in household()], pairs, {})
    assert entity["P-1"] == entity["P-5"] == "ENT-P-1"
    assert entity["P-4"] == entity["P-6"] == "ENT-P-4"
    assert len({entity["P-1"], entity["P-2"], entity["P-3"], entity["P-4"]}) == 4


def test_clustering_is_deterministic_whatever_the_input_order() -> None:
    records = household()
    expected = cluster([r.id for r in records], resolve_all(records), {})
    rng = random.Random(3)
    for _ in range(5):
        rng.shuffle(records)
        pairs = resolve_all(records)
        rng.shuffle(pairs)
        assert cluster([r.id for r in records], pairs, {}) == expected


# --- clustering with judgements ----------------------------------------------------------------


def link(a: str, b: str, score: float, outcome: Outcome = Outcome.AUTO_LINK) -> ScoredPair:
    a, b = min(a, b), max(a, b)
    return ScoredPair(a, b, score, outcome)


def test_same_links_below_threshold_and_not_same_separates_above() -> None:
    ids = ["A", "B", "C", "D"]
    links = [link("A", "B", 0.99), link("C", "D", 0.6, Outcome.REVIEW)]
    assert cluster(ids, links, {}) == {"A": "ENT-A", "B": "ENT-A", "C": "ENT-C", "D": "ENT-D"}
    judged = cluster(ids, links, {("B", "A"): "not_same", ("C", "D"): "same"})
    assert judged == {"A": "ENT-A", "B": "ENT-B", "C": "ENT-C", "D": "ENT-C"}
    assert cluster(ids, links, {("A", "B"): "unsure"})["B"] == "ENT-A"


def test_not_same_is_never_violated_through_a_chain() -> None:
    ids = ["A", "B", "C"]
    links = [link("A", "B", 0.99), link("B", "C", 0.98)]
    result = cluster_explained(ids, links, {("A", "C"): "not_same"})
    assert result.entity_of == {"A": "ENT-A", "B": "ENT-A", "C": "ENT-C"}  # stronger link wins
    [refused] = result.refused
    assert (refused.a, refused.b, refused.conflict) == ("B", "C", ("A", "C"))
    assert "judged not_same" in refused.reason


def test_same_judgements_come_before_auto_links() -> None:
    ids = ["A", "B", "C"]
    links = [link("A", "B", 0.999)]
    result = cluster_explained(ids, links, {("B", "C"): "same", ("A", "C"): "not_same"})
    assert result.entity_of["B"] == result.entity_of["C"] != result.entity_of["A"]
    assert [(r.a, r.b) for r in result.refused] == [("A", "B")]


def test_unknown_ids_are_refused_not_invented() -> None:
    result = cluster_explained(["A"], [link("A", "Z", 0.99)], {("A", "Y"): "same"})
    assert result.entity_of == {"A": "ENT-A"}
    assert len(result.refused) == 2


@st.composite
def link_graphs(
    draw: st.DrawFn,
) -> tuple[list[str], list[ScoredPair], dict[tuple[str, str], str]]:
    n = draw(st.integers(2, 12))
    ids = [f"R{i:02d}" for i in range(n)]
    pair = st.tuples(st.sampled_from(ids), st.sampled_from(ids)).filter(lambda p: p[0] != p[1])
    links = [
        link(a, b, draw(st.sampled_from([0.95, 0.97, 0.99, 1.0])))
        for a, b in draw(st.lists(pair, max_size=30))
    ]
    verdicts = draw(
        st.dictionaries(pair, st.sampled_from(["same", "not_same", "unsure"]), max_size=15)
    )
    return ids, links, verdicts


@given(link_graphs(), st.randoms(use_true_random=False))
@settings(max_examples=400, deadline=None)
def test_property_not_same_never_violated_and_same_honoured(
    graph: tuple[list[str], list[ScoredPair], dict[tuple[str, str], str]], rng: random.Random
) -> None:
    ids, links, verdicts = graph
    result = cluster_explained(ids, links, verdicts)
    entity = result.entity_of
    members: dict[str, set[str]] = {}
    for rid, ent in entity.items():
        members.setdefault(ent, set()).add(rid)
    apart = {tuple(sorted(p)) for p, v in verdicts.items() if v == "not_same"}
    for a, b in apart:
        assert entity[a] != entity[b]
    for ent, group in members.items():
        assert ent == f"ENT-{min(group)}"
    for (a, b), v in verdicts.items():
        if v != "same" or tuple(sorted((a, b))) in apart or entity[a] == entity[b]:
            continue  # (a pair judged both same and not_same is kept apart)
        # a 'same' left unapplied must be one that would join a not_same pair
        joined = members[entity[a]] | members[entity[b]]
        assert any(x in joined and y in joined for x, y in apart)
        assert any({r.a, r.b} == {a, b} and r.conflict for r in result.refused)
    shuffled = list(links)
    rng.shuffle(shuffled)
    assert cluster(list(reversed(ids)), shuffled, verdicts) == entity


# --- mentions ----------------------------------------------------------------------------------


def mention_index() -> PersonIndex:
    index = PersonIndex()
    for r in household():
        index.add(r)
    index.add(person("P-9", "Darren", "Okafor", dob=date(1985, 7, 7), home=ELSEWHERE))
    return index


def mention(
    given_name: str,
    family: str,
    dob: date | None = None,
    address: str | None = None,
    postcode: str | None = None,
) -> MentionFacts:
    return MentionFacts("IR-1#0", (given_name, family), dob, address, postcode)


def test_mention_with_name_and_dob_matches() -> None:
    found = match_mention(mention_index(), mention("Daz", "Okafor", date(1985, 7, 7)))
    assert found is not None and found.person_id == "P-9"
    assert "nicknames" in found.comparison.explain()
    address = found.comparison.feature("address")
    assert address is not None and address.similarity is None  # missing, not a disagreement


def test_mention_with_name_and_address_matches() -> None:
    found = match_mention(mention_index(), mention("Darren", "Okafor", None, "7 Rowan Close"))
    assert found is not None and found.person_id == "P-9"


def test_mention_with_a_name_only_is_left_unmatched() -> None:
    assert match_mention(mention_index(), mention("Darren", "Okafor")) is None


def test_mention_that_fits_father_and_son_equally_is_ambiguous() -> None:
    index = mention_index()
    assert match_mention(index, mention("William", "Holt", None, HOME[1], HOME[0])) is None
    son = match_mention(index, mention("William", "Holt", date(1990, 3, 14)))
    assert son is not None and son.person_id in {"P-1", "P-5"}


def test_mention_at_a_named_building_without_postcode_matches() -> None:
    index = mention_index()
    index.add(
        person(
            "P-h",
            "Darren",
            "Quayle",
            dob=None,
            home=("EX4 4SQ", "Meadow Lodge Hostel, Vicarage Close"),
        )
    )
    found = match_mention(index, mention("Daz", "Quayle", None, "Meadow Lodge Hostel"))
    assert found is not None and found.person_id == "P-h"
    assert "same address line" in found.comparison.explain()


def test_mention_of_someone_without_a_record_is_unmatched() -> None:
    index = mention_index()
    assert match_mention(index, mention("Kerry", "Mason", date(1986, 11, 19), HOME[1])) is None
