"""The ``structure`` detector: paragraphs and sentences, with offsets into the unchanged text.

Every other detector reads its ``sentences`` layer. Paragraphs are split at blank lines (or at
each line where there are none); sentences by pysbd, with the pieces it cuts too early joined
again (after a title, before a comma, a quotation and its attribution).
"""

from __future__ import annotations

import re
import threading
from typing import Any

from unspin.detectors import register
from unspin.document import Document, Layer, Span

__all__ = ["Structure", "paragraph_bounds", "sentence_bounds"]

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")


def paragraph_bounds(text: str) -> list[tuple[int, int]]:
    """Return ``[start, end)`` of each paragraph, trimmed of surrounding whitespace.

    Blank lines separate paragraphs where the text has any; otherwise each line is one (as in
    one-sentence-per-line corpora and extracted web articles).
    """
    separator = _BLANK_LINE if _BLANK_LINE.search(text) else re.compile(r"\n")
    bounds: list[tuple[int, int]] = []
    pos = 0
    for match in separator.finditer(text):
        bounds.append((pos, match.start()))
        pos = match.end()
    bounds.append((pos, len(text)))
    return [trimmed for start, end in bounds if (trimmed := _trim(text, start, end))]


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


_local = threading.local()


def _segmenter() -> Any:
    # one per thread: pysbd keeps the text being split on the segmenter, so threads sharing one
    # (the API's analysis pool) would find each other's sentences and drop their own
    segmenter = getattr(_local, "segmenter", None)
    if segmenter is None:
        import pysbd

        segmenter = _local.segmenter = pysbd.Segmenter(language="en", clean=False, char_span=False)
    return segmenter


#: titles written before a name: a sentence that "ends" with one goes on ("Sen. Vale said")
_TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sen",
        "rep",
        "gov",
        "gen",
        "lt",
        "col",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "maj",
        "rev",
        "st",
        "pres",
        "amb",
        "atty",
        "supt",
        "insp",
        "det",
        "cpl",
        "pvt",
        "hon",
        "fr",
        "sr",
        "jr",
    ]
)
_LAST_WORD = re.compile(r"([A-Za-z]+)\.[\"'”’)\]]*$")


#: a quotation closed after a comma, question or exclamation mark, or full stop
_QUOTE_END = re.compile(r"([,?!.])[\"'”’]+$")
#: the attribution of a quotation: a few words, then a speech verb, and little after it
_SAID = re.compile(
    r"(?:[^\s]+\s+){0,4}?(?:said|says|told|tells|tweeted|wrote|writes|added|adds|asked|asks"
    r"|explained|argued|insisted|noted|continued|replied|stated|declared|claimed|warned"
    r"|posted|recalled|responded|remarked|announced|concluded|joked|quipped|shouted"
    r"|exclaimed|cried|laughed|admitted|acknowledged|conceded|countered|complained)\b"
)


def _attribution(piece: str) -> bool:
    """Whether ``piece`` is the attribution of the quotation before it ("Cruz said today.")."""
    return _SAID.match(piece) is not None and len(piece.split()) <= 10


def _continues(text: str, end: int, next_start: int, next_end: int) -> bool:
    """Whether the sentence ending at ``end`` was cut too early: it ends with a title
    abbreviation; the next piece starts with punctuation no sentence starts with ("Rubio,
    R-Fla., said": pysbd cuts after "R-Fla."); or it ends with a quotation whose attribution
    the next piece is (a quotation closed after a comma always goes on; after "?" or "!" when
    the next piece starts in lower case or is an attribution; after a full stop when the next
    piece is an attribution: '"Who else?" Vale asked.')."""
    if "\n" in text[end:next_start]:
        return False
    last = _LAST_WORD.search(text, max(0, end - 12), end)
    if last is not None and last.group(1).lower() in _TITLES:
        return True
    if text[next_start : next_start + 1] in (",", ";", ":", ")", "]"):
        return True
    quote = _QUOTE_END.search(text, max(0, end - 6), end)
    if quote is None:
        return False
    if quote.group(1) == ",":
        return True
    piece = text[next_start:next_end]
    if quote.group(1) in "?!" and piece[:1].islower():
        return True
    return _attribution(piece)


def sentence_bounds(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Return ``[start, end)`` of each sentence of ``text[start:end]``, in absolute offsets.

    pysbd splits; offsets come from finding each piece in the original text in order, so they
    always index the text as it is (pysbd's own spans drift on some inputs). Pieces cut after a
    title ("Sen.", "Dr.") or before a comma, semicolon, colon or closing bracket, and a quotation
    cut from its attribution ('"Never," Vale said.'), are joined again.
    """
    return _rejoin(text, _pysbd_bounds(text, start, end))


def _rejoin(text: str, bounds: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in bounds:
        if out and _continues(text, out[-1][1], s, e):
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _pysbd_bounds(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    end = len(text) if end is None else end
    chunk = text[start:end]
    out: list[tuple[int, int]] = []
    pos = 0
    for piece in _segmenter().segment(chunk):
        stripped = piece.strip()
        if not stripped:
            continue
        found = chunk.find(stripped, pos)
        if found < 0:  # pysbd altered the piece; fall back to its length from here
            found = pos
            while found < len(chunk) and chunk[found].isspace():
                found += 1
            stop = min(len(chunk), found + len(stripped))
        else:
            stop = found + len(stripped)
        if stop > found:
            out.append((start + found, start + stop))
        pos = stop
    if pos < len(chunk) and (rest := _trim(chunk, pos, len(chunk))):
        out.append((start + rest[0], start + rest[1]))
    return out


VERSION = "1.0.0"


class Structure:
    name: str = "structure"
    version: str = VERSION
    requires: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("paragraphs", "sentences")

    def detect(self, doc: Document) -> list[Layer]:
        producer = f"{self.name}@{self.version}"
        paragraphs = paragraph_bounds(doc.text)
        sentences: list[Span] = []
        for index, (start, end) in enumerate(paragraphs):
            for s_start, s_end in sentence_bounds(doc.text, start, end):
                sentences.append(Span(s_start, s_end, "sentence", attrs={"paragraph": index}))
        return [
            Layer(
                "paragraphs",
                tuple(Span(s, e, "paragraph") for s, e in paragraphs),
                producer=producer,
            ),
            Layer("sentences", tuple(sentences), producer=producer),
        ]


@register(
    "structure",
    provides=Structure.provides,
    version=VERSION,
    description="paragraphs and sentences (pysbd) with offsets",
)
def make_structure() -> Structure:
    return Structure()
