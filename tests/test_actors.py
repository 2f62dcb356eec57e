"""Actor merging rules on a fictional article with aliases (entity layers built by hand)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from unspin.detectors.analysis.actors import Mention, build_actors, declared_aliases, initials
from unspin.detectors.structure import Structure
from unspin.document import Document, Layer, Span

ARTICLE = (Path(__file__).parent / "data" / "aliased_actors.txt").read_text(encoding="utf-8")
ENTITIES = [
    ("Iron Lantern Front", "ORG"),
    ("ILF", "ORG"),
    ("Port Amsel", "LOC"),
    ("Mara Vale", "PER"),
    ("Vale", "PER"),
    ("Ruritania", "LOC"),
    ("Baltic Council", "ORG"),
    ("Ruritanian", "MISC"),
]


def _doc(with_persuasion: bool = True, with_stance: bool = False) -> Document:
    doc = Document(ARTICLE)
    doc = doc.with_layers(Structure().detect(doc))
    spans: list[Span] = []
    for name, label in ENTITIES:
        for match in re.finditer(rf"\b{re.escape(name)}\b", ARTICLE):
            inside = any(match.start() >= s.start and match.end() <= s.end for s in spans)
            if not inside:
                spans.append(Span(match.start(), match.end(), label, 0.9))
    doc = doc.with_layer(Layer("entities", tuple(spans)))
    if with_persuasion:
        match = re.search("terrorist cult", ARTICLE)
        assert match
        doc = doc.with_layer(
            Layer("persuasion", (Span(match.start(), match.end(), "Name_Calling,Labeling", 0.8),))
        )
    if with_stance:
        stance = []
        for span in spans:
            label = "negative" if span.label == "ORG" else "neutral"
            probs = {"negative": 0.1, "neutral": 0.1, "positive": 0.1, label: 0.8}
            stance.append(Span(span.start, span.end, label, 0.8, {"probabilities": probs}))
        doc = doc.with_layer(Layer("stance", tuple(stance)))
    return doc


def _actor(actors: list[dict], alias: str) -> dict:
    found = [a for a in actors if alias in a.aliases]
    assert len(found) == 1, f"{alias!r} is in {len(found)} actors"
    return found[0]


def test_actors_surname_joins_full_name() -> None:
    actor = _actor(build_actors(_doc()), "Vale")
    assert actor.name == "Mara Vale"
    assert any(m["rule"] == "surname" for m in actor.merges)


def test_actors_acronym_joins_expansion() -> None:
    actor = _actor(build_actors(_doc()), "ILF")
    assert actor.name == "Iron Lantern Front"


def test_actors_declared_alias_and_its_later_occurrences_join() -> None:
    actor = _actor(build_actors(_doc()), "Lantern group")
    sources = {m.source for m in actor.mentions if m.text == "Lantern group"}
    assert sources == {"declared-alias", "alias-occurrence"}
    assert actor.name == "Iron Lantern Front"


def test_actors_country_and_its_government_join() -> None:
    actor = _actor(build_actors(_doc()), "Ruritania")
    texts = {m.text for m in actor.mentions}
    assert "The government of Ruritania" in texts
    assert "The government" in texts


def test_actors_distinct_names_stay_apart() -> None:
    actors = build_actors(_doc())
    assert _actor(actors, "Baltic Council").id != _actor(actors, "ILF").id


def test_actors_misc_only_cluster_is_not_an_actor() -> None:
    assert not [a for a in build_actors(_doc()) if "Ruritanian" in a.aliases]


def test_actors_name_calling_attaches_to_the_labelled_group() -> None:
    actor = _actor(build_actors(_doc()), "ILF")
    assert [(t.text, t.rule) for t in actor.techniques] == [("terrorist cult", "predicate")]


def test_actors_stance_is_none_without_a_stance_layer() -> None:
    assert all(a.stance is None for a in build_actors(_doc()))


def test_actors_stance_aggregates_mentions_with_evidence() -> None:
    actor = _actor(build_actors(_doc(with_stance=True)), "ILF")
    assert actor.stance.label == "negative"
    assert actor.stance.evidence


def test_actors_ambiguous_surname_is_not_merged() -> None:
    text = "Ann Vale met Tom Vale. Vale spoke first."
    mentions = [
        Mention(0, 8, "PER", "Ann Vale"),
        Mention(13, 21, "PER", "Tom Vale"),
        Mention(23, 27, "PER", "Vale"),
    ]
    doc = Document(text).with_layer(
        Layer("entities", tuple(Span(m.start, m.end, m.type) for m in mentions))
    )
    actors = build_actors(doc)
    assert len(actors) == 3


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Iron Lantern Front", "ILF"),
        ("Bank of the North", "BN"),
        ("Baltic-Sea Council", "BSC"),
    ],
)
def test_initials_skip_function_words(name: str, expected: str) -> None:
    assert initials(name) == expected


def test_declared_aliases_read_a_bracket_list() -> None:
    text = "the Organization (ABC, ABO, or better known as the X group) met."
    owner = Mention(4, 16, "ORG", "Organization")
    assert [a for _, _, a in declared_aliases(text, owner)] == ["ABC", "ABO", "X group"]


def test_declared_aliases_read_also_known_as() -> None:
    text = "Ivo Brand, also known as The Hammer, spoke."
    owner = Mention(0, 9, "PER", "Ivo Brand")
    assert [a for _, _, a in declared_aliases(text, owner)] == ["Hammer"]


def _technique_targets(text: str, labels: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Actor name -> rules of the techniques attached, with entities found by plain search."""
    from unspin.detectors.analysis.actors import build_actors
    from unspin.detectors.structure import sentence_bounds
    from unspin.document import Document, Layer, Span

    def spans_of(phrase: str, label: str, attrs: dict) -> list[Span]:
        out, at = [], text.find(phrase)
        while at >= 0:
            out.append(Span(at, at + len(phrase), label, 0.9, attrs))
            at = text.find(phrase, at + 1)
        return out

    entities = [s for name, kind in labels for s in spans_of(name, kind, {})]
    persuasion = spans_of("terrorist cult", "Name_Calling,Labeling", {})
    sentences = [Span(s, e, "sentence") for s, e in sentence_bounds(text)]
    doc = Document(
        text,
        layers={
            "sentences": Layer("sentences", tuple(sentences)),
            "entities": Layer("entities", tuple(entities)),
            "persuasion": Layer("persuasion", tuple(persuasion)),
        },
    )
    return {a.name: [t.rule for t in a.techniques] for a in build_actors(doc)}


def test_actors_pronoun_subject_label_goes_to_the_earlier_actor() -> None:
    text = (
        "The Grey Circle met again in Olvar. "
        "It is a terrorist cult, according to the Harbour Institute."
    )
    found = _technique_targets(
        text, [("Grey Circle", "ORG"), ("Olvar", "LOC"), ("Harbour Institute", "ORG")]
    )
    assert found["Grey Circle"] == ["pronoun-subject"]
    assert found["Harbour Institute"] == []


def test_actors_repeated_label_follows_the_firm_attachment() -> None:
    text = (
        "The Grey Circle met again. It is a terrorist cult. "
        "Tell Mayor Denk that whoever shelters a terrorist cult pays for it."
    )
    found = _technique_targets(text, [("Grey Circle", "ORG"), ("Mayor Denk", "PER")])
    assert found["Grey Circle"] == ["pronoun-subject", "same-label"]
    assert found["Denk"] == []  # the canonical name drops the title


def _actors_of(text: str, labels: list[tuple[str, str, int | None]]) -> list[dict]:
    """Actors of ``text`` with entity spans at the given occurrences (None: every one)."""
    spans = []
    for name, kind, nth in labels:
        found = [m for m in re.finditer(re.escape(name), text)]
        for k, match in enumerate(found):
            if nth is None or k == nth:
                spans.append(Span(match.start(), match.end(), kind, 0.9))
    doc = Document(text).with_layers(Structure().detect(Document(text)))
    return build_actors(doc.with_layer(Layer("entities", tuple(spans))))


def test_actors_later_occurrence_of_a_whole_name_replaces_a_cut_mention() -> None:
    text = "Stop Talking to the Grey Circle. The Grey Circle met in Olvar. Grey Circle men left."
    # the tagger found the name whole once, cut it to "Grey" once, missed it once
    actors = _actors_of(text, [("Grey Circle", "ORG", 1), ("Grey", "PER", 0)])
    assert [a.name for a in actors] == ["Grey Circle"]
    sources = [m.source for m in actors[0].mentions]
    assert sources == ["name-occurrence", "ner", "name-occurrence"]


def test_actors_given_name_joins_the_one_full_name() -> None:
    text = "Brother Aurel spoke. Aurel Maro had said the same in 2021. Ivo Sand agreed."
    actors = _actors_of(
        text, [("Aurel", "PER", 0), ("Aurel Maro", "PER", 0), ("Ivo Sand", "PER", 0)]
    )
    actor = _actor(actors, "Aurel")
    assert actor.name == "Aurel Maro"
    assert [m["rule"] for m in actor.merges] == ["given-name"]


def test_actors_given_name_that_is_also_a_surname_is_not_merged() -> None:
    text = "Aurel Maro spoke. Ivo Aurel replied. Aurel left."
    actors = _actors_of(
        text, [("Aurel Maro", "PER", 0), ("Ivo Aurel", "PER", 0), ("Aurel", "PER", 2)]
    )
    assert len(actors) == 3


def test_actors_state_form_joins_the_country() -> None:
    text = "The Republic of Kestria expelled six diplomats. Kestria denies it."
    actors = _actors_of(text, [("Republic of Kestria", "LOC", 0), ("Kestria", "LOC", 1)])
    assert len(actors) == 1
    assert "state-name" in [m["rule"] for m in actors[0].merges]


def test_actors_org_head_and_head_noun_reference_join() -> None:
    text = (
        "Leaders treated the Organization for Eastern Renewal as a partner. "
        "The Organization's defenders say it changed."
    )
    actors = _actors_of(text, [("Eastern Renewal", "MISC", 0)])
    assert [a.name for a in actors] == ["Organization for Eastern Renewal"]
    assert [m.source for m in actors[0].mentions] == ["org-head", "head-noun"]


def test_actors_org_head_absorbs_a_head_the_tagger_tagged_apart() -> None:
    text = (
        "Varga wrote to the Union of Coastal States (UCS) on Monday. "
        "The Union of Coastal States has promised an inquiry. The Council of Europe agreed."
    )
    actors = _actors_of(
        text,
        [
            ("Varga", "PER", 0),
            ("Union of", "ORG", 0),
            ("Coastal States", "LOC", 0),
            ("UCS", "ORG", 0),
            ("Union of", "ORG", 1),
            ("Coastal States", "LOC", 1),
            ("Europe", "LOC", 0),
        ],
    )
    names = {a.name: a for a in actors}
    assert set(names) == {"Varga", "Union of Coastal States", "Council of Europe"}
    union = names["Union of Coastal States"]
    assert set(union.aliases) == {"Union of Coastal States", "UCS"}
    assert names["Council of Europe"].type == "ORG"


def test_actors_canonical_person_name_drops_the_title() -> None:
    text = "Ambassador Piet Halloran left Veyra."
    actors = _actors_of(text, [("Ambassador Piet Halloran", "PER", 0)])
    assert actors[0].name == "Piet Halloran"
    assert actors[0].aliases == ("Ambassador Piet Halloran",)


def test_actors_stance_counts_each_sentence_once_and_the_attacks_aimed_at_it() -> None:
    text = "The Grey Circle and its Grey Circle allies met. The Grey Circle is a terrorist cult."
    spans = [Span(m.start(), m.end(), "ORG", 0.9) for m in re.finditer("Grey Circle", text)]
    positive = {"negative": 0.1, "neutral": 0.1, "positive": 0.8}
    stance = [Span(s.start, s.end, "positive", 0.8, {"probabilities": positive}) for s in spans[:2]]
    neutral = {"negative": 0.3, "neutral": 0.6, "positive": 0.1}
    stance.append(Span(spans[2].start, spans[2].end, "neutral", 0.6, {"probabilities": neutral}))
    at = text.index("a terrorist cult")
    doc = Document(text).with_layers(Structure().detect(Document(text)))
    doc = doc.with_layers(
        [
            Layer("entities", tuple(spans)),
            Layer("stance", tuple(stance)),
            Layer("persuasion", (Span(at, at + 16, "Name_Calling,Labeling", 0.9),)),
        ]
    )
    (actor,) = build_actors(doc)
    # votes: sentence 1 positive 0.8 (two mentions, one vote), sentence 2 neutral 0.6,
    # the name-calling negative 0.9: negative 0.1 + 0.3 + 0.9 = 1.3 beats positive 0.9
    assert actor.stance.label == "negative"
    assert actor.stance.mentions == 3 and actor.stance.attacks == 1
    assert actor.stance.score == pytest.approx(1.3 / 3, abs=1e-6)
    assert actor.stance.evidence[0].technique == "Name_Calling,Labeling"


def test_declared_aliases_read_known_to_someone_as() -> None:
    text = "Ilse Voss, known to her followers as the Widow, runs the wing."
    owner = Mention(0, 9, "PER", "Ilse Voss")
    assert [a for _, _, a in declared_aliases(text, owner)] == ["Widow"]
