"""The ``baseline`` detectors: transparent rules that need no model.

- ``baseline-persuasion``: a hand-written lexicon of loaded words and labelling phrases.
- ``baseline-claims``: sentences with numbers, dates or attribution verbs; dates in ISO 8601.
- ``baseline-entities``: runs of capitalised words, typed PERSON / ORG / GPE / MISC by cue words.

Every span says which rule made it (``attrs["rule"]`` or ``attrs["rules"]``), so a reader can
check it. They are a floor to compare trained detectors with, not a substitute for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from unspin.detectors import register
from unspin.document import Document, Layer, Span

VERSION = "0.2.0"


def _words(text: str) -> list[str]:
    """Split a whitespace-separated word list (easier to read and edit than a list literal)."""
    return text.split()


# Hand-written for unspin (not taken from any corpus): words whose connotation does the arguing.
LOADED_WORDS = _words("""
absurd abhorrent appalling atrocious barbaric betrayal blatant bloodthirsty brazen brutal
catastrophic chaos corrupt craven cruel deadly deceitful depraved despicable devastating
diabolical disastrous disgraceful disgusting draconian evil fanatical farce filthy fraud heinous
horrific horrifying hysterical idiotic insane lunatic massacre monstrous murderous nefarious
obscene outrageous pathetic reckless ridiculous ruthless scandalous shameful shameless sinister
slaughter spineless stupid terrifying treacherous tyranny vicious vile wicked
""")

# Labels that put a person or group in a box (name calling).
LABEL_WORDS = _words("""
terrorist terrorists thug thugs traitor traitors puppet puppets regime cult cabal elite elites
globalist globalists propagandist propagandists fascist fascists warmonger warmongers zealot
zealots extremist extremists radicals crook crooks henchmen stooge stooges
""")

_LABEL_MODIFIERS = "so-called|self-proclaimed|self-styled|radical|terrorist|corrupt|murderous|evil"
_LABEL_PHRASE = re.compile(
    rf"\b(?:(?:{_LABEL_MODIFIERS})\s+)+[a-z]+\b|\b(?:" + "|".join(LABEL_WORDS) + r")\b",
    re.IGNORECASE,
)
_LOADED = re.compile(r"\b(?:" + "|".join(LOADED_WORDS) + r")\b", re.IGNORECASE)

MONTHS = _words(
    "january february march april may june july august september october november december"
)
_MONTH_NUMBER = {name: index for index, name in enumerate(MONTHS, start=1)}
_MONTH_NUMBER.update({name[:3]: index for name, index in list(_MONTH_NUMBER.items())})
_MONTH_NUMBER["sept"] = 9
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)"  # noqa: E501
_WEEKDAYS = frozenset(_words("monday tuesday wednesday thursday friday saturday sunday"))

# Each alternative names its parts so the date can be written in ISO 8601.
_DATE = re.compile(
    rf"\b(?:"
    rf"(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_MONTH})\.?(?:,?\s+(?P<y1>\d{{4}}))?"
    rf"|(?P<m2>{_MONTH})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y2>\d{{4}}))?"
    rf"|(?P<m3>{_MONTH})\s+(?P<y3>(?:1[89]|20)\d{{2}})"
    rf"|(?P<iso>(?P<y4>\d{{4}})-(?P<m4>\d{{2}})-(?P<d4>\d{{2}}))"
    rf"|(?:in|since|by|until|before|after|from)\s+(?P<y5>(?:1[89]|20)\d{{2}})"
    rf")\b"
)
_NUMBER = re.compile(
    r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s?(?:%|percent|per cent|million|billion|"
    r"trillion|thousand))?(?![\w])|\b(?:dozens|hundreds|thousands|millions|billions)\b",
    re.IGNORECASE,
)
_ATTRIBUTION = re.compile(
    r"\b(?:said|says|told|tells|wrote|writes|stated|states|claimed|claims|announced|announces|"
    r"reported|reports|according to|insisted|insists|argued|argues|declared|declares|admitted|"
    r"admits|denied|denies|confirmed|confirms|warned|warns|alleged|alleges)\b",
    re.IGNORECASE,
)

_NAME_WORD = r"(?:[A-Z][\w'’\-]*[\w]|[A-Z])"
_CAPITALISED = re.compile(
    rf"\b{_NAME_WORD}(?:(?:\s+(?:of|the|de|van|von|al|bin|for|and))*\s+{_NAME_WORD})*"
)
_CONNECTORS = frozenset(_words("of the de van von al bin for and"))
_FUNCTION_WORDS = frozenset(
    _words("""
    a an and as at but by for from he her his how i if in it its my no not of on or our she so
    that the their then there these they this those to we what when where which who why with yet
    you your after before during while however meanwhile yesterday today tomorrow also although
    all any both each every many most some such only even just now once our us them him
    mr mrs ms dr""")
)
_PERSON_TITLES = frozenset(
    _words("""
    president minister prime chancellor senator governor mayor general colonel king queen
    prince princess pope ambassador secretary judge mr mrs ms dr professor sheikh commander
    captain lieutenant chief director spokesman spokeswoman envoy brother sister father""")
)
_ORG_WORDS = frozenset(
    _words("""
    organization organisation group ministry council party army front union agency institute
    committee bank company corporation university movement commission parliament assembly
    court office department federation league alliance association foundation society church
    brigade brigades forces police service network coalition""")
)
_GPE_WORDS = frozenset(_words("republic kingdom state states city province county federation"))


def _producer(name: str) -> str:
    return f"{name}@{VERSION}"


class BaselinePersuasion:
    name: str = "baseline-persuasion"
    version: str = VERSION
    requires: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("persuasion",)

    def detect(self, doc: Document) -> Layer:
        spans: list[Span] = []
        for match in _LABEL_PHRASE.finditer(doc.text):
            attrs = {"rule": "label-lexicon"}
            spans.append(Span(match.start(), match.end(), "Name_Calling,Labeling", None, attrs))
        covered = [(s.start, s.end) for s in spans]
        for match in _LOADED.finditer(doc.text):
            inside = any(start <= match.start() and match.end() <= end for start, end in covered)
            if not inside:
                attrs = {"rule": "loaded-lexicon"}
                spans.append(Span(match.start(), match.end(), "Loaded_Language", None, attrs))
        return Layer("persuasion", tuple(_explained(spans)), producer=_producer(self.name))


def _explained(spans: list[Span]) -> list[Span]:
    """Add the taxonomy's group and explanation where the taxonomy module exists."""
    try:
        from unspin.taxonomy import describe
    except ImportError:
        return spans
    return [Span(s.start, s.end, s.label, s.score, {**describe(s.label), **s.attrs}) for s in spans]


def iso_date(match: re.Match[str]) -> str | None:
    """Write a ``_DATE`` match as ISO 8601 (``2024-03-05``, ``2024-03`` or ``2024``), if it can be.

    A day and month without a year cannot be placed in time, so they give None.
    """
    parts = match.groupdict()
    if parts["iso"]:
        try:
            return date.fromisoformat(parts["iso"]).isoformat()
        except ValueError:
            return None
    for day_key, month_key, year_key in (("d1", "m1", "y1"), ("d2", "m2", "y2")):
        if parts[month_key]:
            year = parts[year_key]
            if not year:
                return None
            month = _MONTH_NUMBER[parts[month_key].lower().rstrip(".")]
            try:
                return date(int(year), month, int(parts[day_key])).isoformat()
            except ValueError:
                return None
    if parts["m3"]:
        return f"{int(parts['y3']):04d}-{_MONTH_NUMBER[parts['m3'].lower()]:02d}"
    if parts["y5"]:
        return parts["y5"]
    return None


class BaselineClaims:
    name: str = "baseline-claims"
    version: str = VERSION
    requires: tuple[str, ...] = ("sentences",)
    reads: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("claims",)

    def detect(self, doc: Document) -> Layer:
        spans: list[Span] = []
        for sentence in doc.layers["sentences"].spans:
            text = doc.text[sentence.start : sentence.end]
            dates = []
            for match in _DATE.finditer(text):
                found = _offsets(match, sentence.start)
                found["iso"] = iso_date(match)
                dates.append(found)
            in_dates = [
                (sentence.start + m.start(), sentence.start + m.end()) for m in _DATE.finditer(text)
            ]
            numbers = []
            for match in _NUMBER.finditer(text):
                start, end = sentence.start + match.start(), sentence.start + match.end()
                # the day and year of a date are not separate numbers
                if not any(d_start <= start and end <= d_end for d_start, d_end in in_dates):
                    numbers.append(_offsets(match, sentence.start))
            attribution = [_offsets(m, sentence.start) for m in _ATTRIBUTION.finditer(text)]
            found_by = (("number", numbers), ("date", dates), ("attribution", attribution))
            rules = [rule for rule, found in found_by if found]
            if not rules:
                continue
            attrs = {"rules": rules, "numbers": numbers, "dates": dates, "attribution": attribution}
            spans.append(Span(sentence.start, sentence.end, "claim", None, attrs))
        return Layer("claims", tuple(spans), producer=_producer(self.name))


def _offsets(match: re.Match[str], base: int) -> dict[str, object]:
    return {"start": base + match.start(), "end": base + match.end(), "text": match.group(0)}


class BaselineEntities:
    name: str = "baseline-entities"
    version: str = VERSION
    requires: tuple[str, ...] = ("sentences",)
    reads: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("entities",)

    def detect(self, doc: Document) -> Layer:
        # words seen capitalised inside a sentence: evidence that a sentence-initial one is a name
        inner = _inner_capitalised(doc)
        spans: list[Span] = []
        for sentence in doc.layers["sentences"].spans:
            text = doc.text[sentence.start : sentence.end]
            first = _first_word_start(text)
            for start, end in _candidates(text, first, inner):
                surface = text[start:end]
                label, rule = _entity_type(surface, text[:start])
                attrs = {"rule": rule}
                spans.append(Span(sentence.start + start, sentence.start + end, label, None, attrs))
        return Layer("entities", tuple(spans), producer=_producer(self.name))


def _first_word_start(text: str) -> int:
    match = re.search(r"\w", text)
    return match.start() if match else 0


def _inner_capitalised(doc: Document) -> frozenset[str]:
    seen: set[str] = set()
    for sentence in doc.layers["sentences"].spans:
        text = doc.text[sentence.start : sentence.end]
        first = _first_word_start(text)
        for match in re.finditer(r"\b[A-Z][\w'’\-]*", text):
            if match.start() != first:
                seen.add(match.group(0))
    return frozenset(seen)


def _candidates(text: str, first: int, inner: frozenset[str]) -> Iterator[tuple[int, int]]:
    """Yield ``[start, end)`` of each capitalised run that looks like a name."""
    for match in _CAPITALISED.finditer(text):
        words = [
            (m.start() + match.start(), m.end() + match.start(), m.group(0))
            for m in re.finditer(r"\S+", match.group(0))
        ]
        # drop leading and trailing connectors and sentence-initial common words
        while words and (
            words[0][2].lower() in _CONNECTORS
            or (words[0][0] == first and _common_initial(words[0][2], inner))
        ):
            words = words[1:]
        while words and words[-1][2].lower() in _CONNECTORS:
            words = words[:-1]
        for run in _split_at_affiliation(words):
            if all(_not_a_name(word) for _, _, word in run):
                continue
            start, end, last = run[-1]
            if last.endswith(("'s", "’s")):  # the possessive is not part of the name
                end -= 2
            yield run[0][0], end


Word = tuple[int, int, str]


def _split_at_affiliation(words: list[Word]) -> list[list[Word]]:
    """Split "Ana Ruiz of the Institute" in two; keep "Council of Elders" whole.

    A run joined by a connector is two names when the part before it has two or more words and
    the part after starts with an organisation word.
    """
    for index, (_, _, word) in enumerate(words):
        if word.lower() not in _CONNECTORS or index < 2:
            continue
        rest = index
        while rest < len(words) and words[rest][2].lower() in _CONNECTORS:
            rest += 1
        if rest < len(words) and words[rest][2].lower() in _ORG_WORDS:
            return [words[:index], *_split_at_affiliation(words[rest:])]
    return [words]


def _common_initial(word: str, inner: frozenset[str]) -> bool:
    """A sentence-initial capital is no evidence of a name unless the word recurs capitalised."""
    return word.lower() in _FUNCTION_WORDS or word not in inner


def _not_a_name(word: str) -> bool:
    lower = word.lower().rstrip(".")
    return lower in _FUNCTION_WORDS or lower in _MONTH_NUMBER or lower in _WEEKDAYS


def _entity_type(surface: str, before: str) -> tuple[str, str]:
    words = surface.split()
    lowered = [w.lower().strip("'’") for w in words]
    previous = re.findall(r"[\w'’]+", before)[-1:]
    if any(w in _ORG_WORDS for w in lowered):
        return "ORG", "capitalised+org-word"
    if len(words) == 1 and re.fullmatch(r"[A-Z]{2,6}s?", words[0]):
        return "ORG", "acronym"
    titled = any(w in _PERSON_TITLES for w in lowered[:-1])
    if titled or (previous and previous[0].lower() in _PERSON_TITLES):
        return "PERSON", "capitalised+title"
    if any(w in _GPE_WORDS for w in lowered):
        return "GPE", "capitalised+place-word"
    return "MISC", "capitalised"


@register(
    "baseline-persuasion",
    provides=BaselinePersuasion.provides,
    version=VERSION,
    description="lexicon of loaded language and name calling (no model)",
)
def make_persuasion() -> BaselinePersuasion:
    return BaselinePersuasion()


@register(
    "baseline-claims",
    requires=BaselineClaims.requires,
    provides=BaselineClaims.provides,
    version=VERSION,
    description="claim candidates: numbers, dates (ISO 8601) and attribution verbs (no model)",
)
def make_claims() -> BaselineClaims:
    return BaselineClaims()


@register(
    "baseline-entities",
    requires=BaselineEntities.requires,
    provides=BaselineEntities.provides,
    version=VERSION,
    description="capitalised-name entity candidates typed by cue words (no model)",
)
def make_entities() -> BaselineEntities:
    return BaselineEntities()
