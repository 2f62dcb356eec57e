import json

import pytest

from unspin.errors import InvalidInput
from unspin.taxonomy import GROUPS, SEMEVAL2023, TECHNIQUES, describe, group, technique

# Spelled as in propaganda-techniques-names-semeval2020task11.txt (label names, not data).
PTC_LABELS = (
    "Appeal_to_Authority",
    "Appeal_to_fear-prejudice",
    "Bandwagon,Reductio_ad_hitlerum",
    "Black-and-White_Fallacy",
    "Causal_Oversimplification",
    "Doubt",
    "Exaggeration,Minimisation",
    "Flag-Waving",
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Repetition",
    "Slogans",
    "Thought-terminating_Cliches",
    "Whataboutism,Straw_Men,Red_Herring",
)

GROUP_NAMES = (
    "Attack on reputation",
    "Justification",
    "Simplification",
    "Distraction",
    "Call",
    "Manipulative wording",
)


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_techniques_are_the_14_ptc_labels_in_file_order():
    assert TECHNIQUES == PTC_LABELS


def test_groups_are_the_six_semeval2023_groups():
    assert tuple(g.name for g in GROUPS.values()) == GROUP_NAMES


def test_semeval2023_lists_23_techniques():
    assert len(SEMEVAL2023) == 23


def test_semeval2023_techniques_each_belong_to_a_group():
    assert set(SEMEVAL2023.values()) == set(GROUPS)


@pytest.mark.parametrize("label", PTC_LABELS)
def test_describe_returns_the_shared_keys(label):
    assert set(describe(label)) == {"group", "group_name", "semeval2023", "explanation", "colour"}


@pytest.mark.parametrize("label", PTC_LABELS)
def test_describe_is_json_ready(label):
    assert json.loads(json.dumps(describe(label))) == describe(label)


@pytest.mark.parametrize("label", PTC_LABELS)
def test_describe_maps_to_semeval2023_names(label):
    names = describe(label)["semeval2023"]
    assert names and all(name in SEMEVAL2023 for name in names)


@pytest.mark.parametrize("label", PTC_LABELS)
def test_describe_group_is_that_of_the_first_semeval2023_name(label):
    info = describe(label)
    assert SEMEVAL2023[info["semeval2023"][0]] == info["group"]


@pytest.mark.parametrize("label", PTC_LABELS)
def test_describe_group_name_matches_group(label):
    info = describe(label)
    assert info["group_name"] == GROUPS[info["group"]].name


@pytest.mark.parametrize("label", PTC_LABELS)
def test_technique_has_explanation_and_example(label):
    entry = technique(label)
    assert len(entry.explanation) > 20 and len(entry.example) > 10


def test_technique_examples_are_all_different():
    examples = [technique(label).example for label in TECHNIQUES]
    assert len(set(examples)) == len(examples)


@pytest.mark.parametrize(
    "label", ["Loaded language", "loaded_language", "Name_Calling-Labeling", ""]
)
def test_describe_rejects_unknown_label(label):
    with pytest.raises(InvalidInput, match="known: Appeal_to_Authority"):
        describe(label)


def test_group_rejects_unknown_id():
    with pytest.raises(InvalidInput, match="known: attack_on_reputation"):
        group("politics")


@pytest.mark.parametrize("attribute", ["colour", "tint", "ink", "pattern", "marker"])
def test_groups_differ_in_every_visual_cue(attribute):
    values = [getattr(g, attribute) for g in GROUPS.values()]
    assert len(set(values)) == len(values)


@pytest.mark.parametrize("grp", list(GROUPS.values()), ids=list(GROUPS))
def test_group_ink_is_readable_on_white(grp):
    assert _contrast(grp.ink, "#FFFFFF") >= 4.5


@pytest.mark.parametrize("grp", list(GROUPS.values()), ids=list(GROUPS))
def test_group_tint_keeps_dark_text_readable(grp):
    assert _contrast(grp.tint, "#1D1F24") >= 7.0
