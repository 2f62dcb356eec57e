"""The ``structure`` detector: paragraphs and sentences, shared by every other detector."""

from __future__ import annotations

from unspin.detectors import register
from unspin.document import Document, Layer, Span
from unspin.text import paragraph_bounds, sentence_bounds

VERSION = "1.0.0"


class Structure:
    name: str = "structure"
    version: str = VERSION
    requires: tuple[str, ...] = ()
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
