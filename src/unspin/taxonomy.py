"""The persuasion-technique taxonomy: the 14 PTC classes, their SemEval-2023 names and 6 groups.

The 14 labels are spelled exactly as in the SemEval-2020 Task 11 label files (``Loaded_Language``,
``Name_Calling,Labeling``, ...), so gold files read and predictions write without translation.
Each maps to one or more of the 23 techniques of SemEval-2023 Task 3 and to one of its 6 groups.
Definitions and example sentences are written for unspin in plain language; reports and the web
page show them next to every span.

Each group has a colour and, so that colour is never the only cue, an underline pattern and a
marker glyph. Colours follow the Okabe-Ito palette, which stays distinguishable under the common
forms of colour blindness; ``ink`` is a darker shade with at least 4.5:1 contrast on white.

Example:
    >>> describe("Loaded_Language")["group"]
    'manipulative_wording'
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from unspin.errors import InvalidInput

__all__ = [
    "TECHNIQUES",
    "GROUPS",
    "SEMEVAL2023",
    "Group",
    "Technique",
    "describe",
    "technique",
    "group",
    "is_technique",
]


@dataclass(frozen=True)
class Group:
    """One of the 6 SemEval-2023 Task 3 technique groups and how reports draw it.

    Args:
        id: stable identifier (``attack_on_reputation``, ...).
        name: the group's name as people read it.
        explanation: what the techniques of the group have in common.
        colour: the group's colour (hex), for swatches, chart bars and markers.
        tint: a light shade of the colour (hex) to highlight text with; dark text stays readable.
        ink: a dark shade of the colour (hex) for underlines and text on white.
        pattern: the underline style (a CSS ``text-decoration-style`` value or ``overline``).
        marker: a glyph that stands for the group where colour cannot be seen.
        terminal: a rich style for the terminal report.
    """

    id: str
    name: str
    explanation: str
    colour: str
    tint: str
    ink: str
    pattern: str
    marker: str
    terminal: str


@dataclass(frozen=True)
class Technique:
    """One PTC technique class with its SemEval-2023 names, group, definition and example.

    Args:
        label: the PTC label, spelled as in the SemEval-2020 Task 11 files.
        name: a readable name.
        group: the id of its group.
        semeval2023: the SemEval-2023 Task 3 technique name(s) it corresponds to.
        explanation: a short plain-language definition.
        example: an example sentence written for unspin.
    """

    label: str
    name: str
    group: str
    semeval2023: tuple[str, ...]
    explanation: str
    example: str


_GROUPS = (
    Group(
        "attack_on_reputation",
        "Attack on reputation",
        "Goes after the person or group making an argument instead of the argument itself.",
        colour="#D55E00",
        tint="#FBE0D2",
        ink="#A3410A",
        pattern="wavy",
        marker="▲",
        terminal="bold #D55E00",
    ),
    Group(
        "justification",
        "Justification",
        "Backs a claim with something other than evidence: authority, fear, pride or popularity.",
        colour="#0072B2",
        tint="#D6E9F6",
        ink="#005A8C",
        pattern="double",
        marker="■",
        terminal="bold #0072B2",
    ),
    Group(
        "simplification",
        "Simplification",
        "Makes a complicated question look simple: one cause, two options, an inevitable chain.",
        colour="#009E73",
        tint="#D3F1E7",
        ink="#00694C",
        pattern="dashed",
        marker="◆",
        terminal="bold #009E73",
    ),
    Group(
        "distraction",
        "Distraction",
        "Moves attention away from the point under discussion.",
        colour="#CC79A7",
        tint="#F6E1EC",
        ink="#94406F",
        pattern="dotted",
        marker="●",
        terminal="bold #CC79A7",
    ),
    Group(
        "call",
        "Call",
        "Pushes the reader to act or stop thinking, with a catchy phrase instead of a reason.",
        colour="#56B4E9",
        tint="#DDF0FB",
        ink="#1C6E99",
        pattern="overline",
        marker="★",
        terminal="bold #56B4E9",
    ),
    Group(
        "manipulative_wording",
        "Manipulative wording",
        "Chooses words for their emotional charge or vagueness rather than their meaning.",
        colour="#E69F00",
        tint="#FCEBC4",
        ink="#8A5F00",
        pattern="solid",
        marker="✚",
        terminal="bold #E69F00",
    ),
)

GROUPS: MappingProxyType[str, Group] = MappingProxyType({g.id: g for g in _GROUPS})
"""The 6 groups by id, in SemEval-2023 order."""

# The 23 SemEval-2023 Task 3 techniques (subtask 3) and their groups.
SEMEVAL2023: MappingProxyType[str, str] = MappingProxyType(
    {
        "Name_Calling-Labeling": "attack_on_reputation",
        "Guilt_by_Association": "attack_on_reputation",
        "Casting_Doubt": "attack_on_reputation",
        "Appeal_to_Hypocrisy": "attack_on_reputation",
        "Questioning_the_Reputation": "attack_on_reputation",
        "Flag_Waving": "justification",
        "Appeal_to_Authority": "justification",
        "Appeal_to_Popularity": "justification",
        "Appeal_to_Values": "justification",
        "Appeal_to_Fear-Prejudice": "justification",
        "Causal_Oversimplification": "simplification",
        "False_Dilemma-No_Choice": "simplification",
        "Consequential_Oversimplification": "simplification",
        "Straw_Man": "distraction",
        "Red_Herring": "distraction",
        "Whataboutism": "distraction",
        "Slogans": "call",
        "Conversation_Killer": "call",
        "Appeal_to_Time": "call",
        "Loaded_Language": "manipulative_wording",
        "Obfuscation-Vagueness-Confusion": "manipulative_wording",
        "Exaggeration-Minimisation": "manipulative_wording",
        "Repetition": "manipulative_wording",
    }
)

# Definitions and examples are unspin's own wording; the examples are invented sentences.
_TECHNIQUES = (
    Technique(
        "Appeal_to_Authority",
        "Appeal to authority",
        "justification",
        ("Appeal_to_Authority",),
        "Says a claim is true because an expert, official or famous person said so, "
        "without the evidence behind it.",
        "Every serious economist agrees with me, so the tax plan will work.",
    ),
    Technique(
        "Appeal_to_fear-prejudice",
        "Appeal to fear or prejudice",
        "justification",
        ("Appeal_to_Fear-Prejudice",),
        "Wins support by making readers afraid of an outcome or of a group, "
        "instead of weighing the options.",
        "If this bridge plan passes, our children will not be safe walking to school.",
    ),
    Technique(
        "Bandwagon,Reductio_ad_hitlerum",
        "Bandwagon or reductio ad Hitlerum",
        "justification",
        ("Appeal_to_Popularity", "Guilt_by_Association"),
        "Urges agreement because everyone else agrees, or rejects an idea because a hated "
        "person or group is said to support it.",
        "Millions of families have already switched, so why are you still waiting?",
    ),
    Technique(
        "Black-and-White_Fallacy",
        "Black-and-white fallacy",
        "simplification",
        ("False_Dilemma-No_Choice",),
        "Presents two options as the only ones when more exist, or one option as the only one.",
        "Either we close the library or the town goes bankrupt.",
    ),
    Technique(
        "Causal_Oversimplification",
        "Causal oversimplification",
        "simplification",
        ("Causal_Oversimplification",),
        "Blames a single cause for something that has many causes.",
        "Prices went up the week the new mayor arrived, so the mayor made us poorer.",
    ),
    Technique(
        "Doubt",
        "Doubt",
        "attack_on_reputation",
        ("Casting_Doubt",),
        "Questions someone's honesty or competence to undermine what they say, "
        "without showing that they are wrong.",
        "Can we really trust a council that cannot even fix its own website?",
    ),
    Technique(
        "Exaggeration,Minimisation",
        "Exaggeration or minimisation",
        "manipulative_wording",
        ("Exaggeration-Minimisation",),
        "Makes something look much bigger, better or worse than it is, or plays down "
        "something serious.",
        "The new parking rule is the worst disaster this city has ever faced.",
    ),
    Technique(
        "Flag-Waving",
        "Flag-waving",
        "justification",
        ("Flag_Waving",),
        "Appeals to pride in a nation, group or identity to justify a position.",
        "Any true patriot would support the new stadium.",
    ),
    Technique(
        "Loaded_Language",
        "Loaded language",
        "manipulative_wording",
        ("Loaded_Language",),
        "Uses words chosen for their strong emotional charge to sway the reader rather than "
        "to describe.",
        "The committee's outrageous scheme will gut our beloved parks.",
    ),
    Technique(
        "Name_Calling,Labeling",
        "Name calling or labelling",
        "attack_on_reputation",
        ("Name_Calling-Labeling",),
        "Attaches a label to a person or group, meant to make the reader fear, hate or "
        "admire them.",
        "The so-called experts on the planning board have done it again.",
    ),
    Technique(
        "Repetition",
        "Repetition",
        "manipulative_wording",
        ("Repetition",),
        "Repeats the same word, phrase or idea so often that it starts to feel true.",
        "Lower taxes. Lower taxes now. Nothing matters more than lower taxes.",
    ),
    Technique(
        "Slogans",
        "Slogan",
        "call",
        ("Slogans",),
        "A short, catchy phrase that stands in for an argument, often as a call to act.",
        "Clean streets, safe streets!",
    ),
    Technique(
        "Thought-terminating_Cliches",
        "Thought-terminating cliché",
        "call",
        ("Conversation_Killer",),
        "A stock phrase that ends discussion and discourages critical thought.",
        "It is what it is, and that is the end of it.",
    ),
    Technique(
        "Whataboutism,Straw_Men,Red_Herring",
        "Whataboutism, straw man or red herring",
        "distraction",
        ("Whataboutism", "Straw_Man", "Red_Herring"),
        "Dodges a criticism by pointing at someone else's faults, attacks a distorted version "
        "of an argument, or brings in an irrelevant topic.",
        "You complain about the potholes, but what about the roads in the next town?",
    ),
)

_BY_LABEL: MappingProxyType[str, Technique] = MappingProxyType({t.label: t for t in _TECHNIQUES})

TECHNIQUES: tuple[str, ...] = tuple(t.label for t in _TECHNIQUES)
"""The 14 PTC technique labels, sorted as in the SemEval-2020 Task 11 label-names file."""


def is_technique(label: str) -> bool:
    """Return whether ``label`` is one of the 14 PTC technique labels."""
    return label in _BY_LABEL


def technique(label: str) -> Technique:
    """Return the full entry of a PTC technique label.

    Args:
        label: a PTC label, spelled exactly as in the SemEval-2020 Task 11 files.

    Returns:
        The technique's entry.

    Raises:
        InvalidInput: the label is not one of the 14, with the allowed labels.
    """
    try:
        return _BY_LABEL[label]
    except (KeyError, TypeError):
        raise InvalidInput(f"unknown technique {label!r}; known: {', '.join(TECHNIQUES)}") from None


def group(group_id: str) -> Group:
    """Return a group by id.

    Raises:
        InvalidInput: the id is not one of the 6 groups, with the allowed ids.
    """
    try:
        return GROUPS[group_id]
    except (KeyError, TypeError):
        raise InvalidInput(
            f"unknown technique group {group_id!r}; known: {', '.join(GROUPS)}"
        ) from None


def describe(label: str) -> dict[str, Any]:
    """Describe a PTC technique label for people: its group, SemEval-2023 names and definition.

    The result is JSON-ready, so detectors can merge it into a span's ``attrs``.

    Args:
        label: a PTC label, spelled exactly as in the SemEval-2020 Task 11 files.

    Returns:
        ``{"group", "group_name", "semeval2023" (list), "explanation", "colour"}``.

    Raises:
        InvalidInput: the label is not one of the 14, with the allowed labels.

    Example:
        >>> describe("Bandwagon,Reductio_ad_hitlerum")["semeval2023"]
        ['Appeal_to_Popularity', 'Guilt_by_Association']
    """
    entry = technique(label)
    grp = GROUPS[entry.group]
    return {
        "group": grp.id,
        "group_name": grp.name,
        "semeval2023": list(entry.semeval2023),
        "explanation": entry.explanation,
        "colour": grp.colour,
    }
