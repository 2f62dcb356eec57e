"""Documents for the report tests, written for unspin (not taken from any corpus).

The article mixes emoji (astral code points, two UTF-16 units each), CJK and Greek text and an
HTML injection attempt, so offsets and escaping are checked where they usually break.
"""

from __future__ import annotations

from unspin.document import Document, Layer, Span
from unspin.pipeline import Pipeline

INJECTION = "<script>alert(1)</script>"

ARTICLE = (
    "Harbour bridge: why the doubters are wrong 🌉\n"
    "\n"
    "On 14 March 2026 the city council voted 7 to 2 to spend €48 million on a new harbour "
    'bridge. Mayor Lena Ortiz called it "a bridge to the future", and Ortiz said the project '
    "would create 1,200 jobs by 2028.\n"
    "\n"
    "The so-called experts at the planning office have done it again. 🙄 Either we build this "
    "bridge or the harbour district dies. Every family I know already supports the plan, so why "
    "are you still waiting?\n"
    "\n"
    "Critics such as the Harbour Residents Association warned that costs could double. But what "
    "about the tunnel they wanted in 2019? Their reckless scaremongering is a disgrace, and the "
    'mayor was right to call them "a handful of professional complainers".\n'
    "\n"
    "Visitors from Tokyo wrote 「素晴らしい橋だ」 in the guest book, and a shop owner told us, "
    "in Greek, «Αυτό είναι καταστροφή» if the plan fails. Build the bridge, build the future!\n"
    "\n"
    f"{INJECTION} Readers asked us for the full budget & the <b>tender</b> papers; we will "
    "print them.\n"
)

# (quoted text, occurrence, technique); offsets are found in ARTICLE, never typed by hand.
TECHNIQUE_QUOTES = (
    ("a bridge to the future", 0, "Slogans"),
    ("so-called experts", 0, "Name_Calling,Labeling"),
    ("The so-called experts at the planning office have done it again", 0, "Doubt"),
    ("Either we build this bridge or the harbour district dies", 0, "Black-and-White_Fallacy"),
    ("the harbour district dies", 0, "Appeal_to_fear-prejudice"),
    ("Every family I know already supports the plan", 0, "Bandwagon,Reductio_ad_hitlerum"),
    ("But what about the tunnel they wanted in 2019?", 0, "Whataboutism,Straw_Men,Red_Herring"),
    ("reckless scaremongering", 0, "Loaded_Language"),
    ("a handful of professional complainers", 0, "Name_Calling,Labeling"),
    ("καταστροφή", 0, "Loaded_Language"),
    ("Build the bridge, build the future!", 0, "Slogans"),
    ("build the future", 0, "Repetition"),
)


def find(text: str, quote: str, occurrence: int = 0) -> tuple[int, int]:
    """Return the code-point offsets of the ``occurrence``-th ``quote`` in ``text``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(quote, start + 1)
    return start, start + len(quote)


def persuasion_layer(text: str = ARTICLE) -> Layer:
    spans = []
    for k, (quote, occurrence, label) in enumerate(TECHNIQUE_QUOTES):
        start, end = find(text, quote, occurrence)
        spans.append(Span(start, end, label, round(0.55 + 0.035 * k, 3)))
    return Layer("persuasion", tuple(spans), producer="hand-annotated@fixture")


def _mentions(text: str, *quotes: str) -> list[dict[str, int]]:
    out = []
    for quote in quotes:
        start, end = find(text, quote)
        out.append({"start": start, "end": end})
    return out


def _aimed(text: str, *pairs: tuple[str, str]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for quote, label in pairs:
        start, end = find(text, quote)
        out.append({"label": label, "start": start, "end": end})
    return out


def actors_layer(text: str = ARTICLE) -> Layer:
    actors = [
        {
            "id": "a1",
            "name": "Lena Ortiz",
            "type": "PERSON",
            "aliases": ["Lena Ortiz", "Mayor Lena Ortiz", "Ortiz", "the mayor"],
            "mentions": _mentions(text, "Mayor Lena Ortiz", "Ortiz said", "mayor was right"),
            "stance": {
                "label": "favor",
                "score": 0.86,
                "evidence": _mentions(text, "the mayor was right to call them"),
            },
            "techniques": [],
        },
        {
            "id": "a2",
            "name": "Harbour Residents Association",
            "type": "ORG",
            "aliases": ["Critics", "they"],
            "mentions": _mentions(text, "Harbour Residents Association", "Critics"),
            "stance": {
                "label": "against",
                "score": 0.91,
                "evidence": _mentions(text, "Their reckless scaremongering is a disgrace"),
            },
            "techniques": _aimed(
                text,
                (
                    "But what about the tunnel they wanted in 2019?",
                    "Whataboutism,Straw_Men,Red_Herring",
                ),
                ("reckless scaremongering", "Loaded_Language"),
                ("a handful of professional complainers", "Name_Calling,Labeling"),
            ),
        },
        {
            "id": "a3",
            "name": "planning office",
            "type": "ORG",
            "aliases": ["the so-called experts"],
            "mentions": _mentions(text, "planning office"),
            "stance": {"label": "against", "score": 0.78, "evidence": []},
            "techniques": _aimed(
                text,
                ("so-called experts", "Name_Calling,Labeling"),
                ("The so-called experts at the planning office have done it again", "Doubt"),
            ),
        },
        {
            "id": "a4",
            "name": f"city council {INJECTION}",
            "type": "ORG",
            "aliases": [],
            "mentions": _mentions(text, "city council"),
            "stance": {"label": "neutral", "score": 0.52, "evidence": []},
            "techniques": [],
        },
    ]
    return Layer("actors", (), producer="hand-annotated@fixture", data={"actors": actors})


META = {
    "title": "Harbour bridge: why the doubters are wrong 🌉",
    "author": "A. Columnist",
    "published": "2026-03-15",
    "source": "https://example.org/opinion/harbour-bridge",
    "language": "en",
}


def report_doc() -> Document:
    """The full fixture: structure, claims and entities from the baseline, hand-made techniques
    and actors."""
    doc = Document(ARTICLE, meta=META)
    doc = Pipeline.from_names("structure,baseline-claims,baseline-entities").run(doc)
    return doc.with_layers([persuasion_layer(), actors_layer()])


def bare_doc() -> Document:
    """The article with no analysis layers at all."""
    return Document(ARTICLE, meta={"title": f"Bare {INJECTION}"})
