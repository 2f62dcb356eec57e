"""The ``baseline`` detectors: transparent rules that need no model.

- ``baseline-persuasion``: a hand-written lexicon of loaded words and labelling phrases.
- ``baseline-claims``: sentences with numbers, dates or attribution verbs.
- ``baseline-entities``: runs of capitalised words (not sentence-initial function words).

Every span says which rule made it, so a reader can check it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from unspin.detectors import register, registry
from unspin.document import Document, Layer, Span

VERSION = "0.1.0"

# Hand-written for unspin (not taken from any corpus): words whose connotation does the arguing.
LOADED_WORDS = """
absurd abhorrent appalling atrocious barbaric betrayal blatant brazen brutal catastrophic chaos
corrupt craven cruel dangerous deadly deceitful depraved despicable destroy destroyed devastating
diabolical disaster disastrous disgraceful disgusting draconian evil extremist fanatical farce
filthy fraud heinous horrific horrifying hysterical idiotic illegal insane lunatic massacre
monstrous nefarious obscene outrageous pathetic radical reckless ridiculous ruthless scandal
shameful shameless sinister slaughter spineless stupid terrifying treacherous tyranny vicious
vile wicked
""".split()

# Labels that put a person or group in a box (name calling).
LABEL_WORDS = """
terrorist terrorists thug thugs traitor traitors puppet puppets regime cult cabal elite elites
globalist globalists propagandist propagandists fascist fascists communist communists dictator
tyrant warmonger warmongers zealot zealots extremists radicals criminals liars crook crooks
""".split()

_LABEL_PHRASE = re.compile(
    r"\b(?:(?:so-called|self-proclaimed|radical|terrorist|corrupt|murderous|evil)\s+)+"
    r"[a-z]+\b|\b(?:" + "|".join(LABEL_WORDS) + r")\b",
    re.IGNORECASE,
)
_LOADED = re.compile(r"\b(?:" + "|".join(LOADED_WORDS) + r")\b", re.IGNORECASE)

_NUMBER = re.compile(
    r"(?<![\w.])(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s?(?:%|percent|per cent|million|billion|"
    r"thousand|hundred))?(?![\w])|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|dozens?|"
    r"hundreds|thousands|millions)\b",
    re.IGNORECASE,
)
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}\s+(?:{_MONTHS})\.?(?:\s+\d{{4}})?|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?"
    rf"(?:,?\s+\d{{4}})?|(?:{_MONTHS})\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|(?:in|since|by)\s+(?:19|20)\d{{2}})\b"
)
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|told|wrote|writes|stated|claimed|claims|announced|reported|according to|"
    r"insisted|argued|declared|admitted|denied|confirmed|warned|alleged)\b",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(
    r"\b(?:[A-Z][\w'’\-]*|[A-Z]{2,})(?:\s+(?:of|the|de|van|von|al|bin|for|and)?\s*(?:[A-Z][\w'’\-]*))*"
)
_FUNCTION_WORDS = frozenset(
    """a an and as at but by for from he her his how i if in it its my no not of on or our she so
    that the their then there these they this those to we what when where which who why with yet
    you your after before during while however meanwhile yesterday today""".split()
)


def _producer(name: str) -> str:
    return f"{name}@{VERSION}"


class BaselinePersuasion:
    name = "baseline-persuasion"
    version = VERSION
    requires: tuple[str, ...] = ()
    provides = ("persuasion",)

    def detect(self, doc: Document) -> Layer:
        spans: list[Span] = []
        for match in _LABEL_PHRASE.finditer(doc.text):
            spans.append(
                Span(match.start(), match.end(), "Name_Calling,Labeling", None, {"rule": "label-lexicon"})
            )
        taken = {(s.start, s.end) for s in spans}
        for match in _LOADED.finditer(doc.text):
            if (match.start(), match.end()) not in taken:
                spans.append(
                    Span(match.start(), match.end(), "Loaded_Language", None, {"rule": "loaded-lexicon"})
                )
        return Layer("persuasion", tuple(_explained(spans)), producer=_producer(self.name))


def _explained(spans: list[Span]) -> list[Span]:
    """Add the taxonomy's group and explanation where the taxonomy module exists."""
    try:
        from unspin.taxonomy import describe
    except ImportError:
        return spans
    return [Span(s.start, s.end, s.label, s.score, {**describe(s.label), **s.attrs}) for s in spans]


class BaselineClaims:
    name = "baseline-claims"
    version = VERSION
    requires = ("sentences",)
    provides = ("claims",)

    def detect(self, doc: Document) -> Layer:
        spans: list[Span] = []
        for sentence in doc.layers["sentences"].spans:
            text = doc.text[sentence.start : sentence.end]
            numbers = [_offsets(m, sentence.start) for m in _NUMBER.finditer(text)]
            dates = [_offsets(m, sentence.start) for m in _DATE.finditer(text)]
            attribution = [_offsets(m, sentence.start) for m in _ATTRIBUTION.finditer(text)]
            rules = [n for n, found in (("number", numbers), ("date", dates), ("attribution", attribution)) if found]
            if not rules:
                continue
            spans.append(
                Span(
                    sentence.start,
                    sentence.end,
                    "claim",
                    None,
                    {"rules": rules, "numbers": numbers, "dates": dates, "attribution": attribution},
                )
            )
        return Layer("claims", tuple(spans), producer=_producer(self.name))


def _offsets(match: re.Match[str], base: int) -> dict[str, object]:
    return {"start": base + match.start(), "end": base + match.end(), "text": match.group(0)}


class BaselineEntities:
    name = "baseline-entities"
    version = VERSION
    requires = ("sentences",)
    provides = ("entities",)

    def detect(self, doc: Document) -> Layer:
        spans: list[Span] = []
        for sentence in doc.layers["sentences"].spans:
            text = doc.text[sentence.start : sentence.end]
            for match in _CAPITALISED.finditer(text):
                start, end = match.start(), match.end()
                words = match.group(0).split()
                # a capital at the start of a sentence is no evidence of a name
                while words and start == 0 and words[0].lower() in _FUNCTION_WORDS:
                    start += len(words[0])
                    start += len(text[start:]) - len(text[start:].lstrip())
                    words = words[1:]
                if not words or (len(words) == 1 and words[0].lower() in _FUNCTION_WORDS):
                    continue
                spans.append(
                    Span(sentence.start + start, sentence.start + end, "MISC", None, {"rule": "capitalised"})
                )
        return Layer("entities", tuple(spans), producer=_producer(self.name))


@register("baseline-persuasion", provides=BaselinePersuasion.provides,
          description="lexicon of loaded language and name calling (no model)")
def make_persuasion() -> BaselinePersuasion:
    return BaselinePersuasion()


@register("baseline-claims", requires=BaselineClaims.requires, provides=BaselineClaims.provides,
          description="claim candidates: numbers, dates and attribution verbs (no model)")
def make_claims() -> BaselineClaims:
    return BaselineClaims()


@register("baseline-entities", requires=BaselineEntities.requires, provides=BaselineEntities.provides,
          description="capitalised-name entity candidates (no model)")
def make_entities() -> BaselineEntities:
    return BaselineEntities()


@lru_cache(maxsize=1)
def _sets() -> None:
    registry.add_set(
        "baseline", ["structure", "baseline-persuasion", "baseline-claims", "baseline-entities"]
    )


_sets()
