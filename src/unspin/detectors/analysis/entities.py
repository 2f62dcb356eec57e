"""The ``entities`` detector: mentions of persons, organisations, locations and other names
(CoNLL-2003 types) from the analysis pass, plus the later occurrences of a whole name it found.
"""

from __future__ import annotations

from unspin.detectors import register
from unspin.detectors.analysis.actors import Mention, name_occurrences
from unspin.detectors.analysis.engine import MODEL_FILES, AnalysisEngine, engine
from unspin.document import Document, Layer, Span

__all__ = ["EntitiesDetector"]


class EntitiesDetector:
    """Mentions of persons, organisations, locations and other names (CoNLL-2003 types)."""

    name = "entities"
    version = "1.1.0"  # 1.1: later occurrences of a whole name the tagger found
    requires: tuple[str, ...] = ("sentences",)
    reads: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("entities",)

    def __init__(self, analysis: AnalysisEngine | None = None) -> None:
        self.analysis = analysis or engine()

    def detect(self, doc: Document) -> Layer:
        found = [
            Mention(start, end, label, doc.text[start:end], "ner", round(score, 6))
            for segment in self.analysis.analyze(doc)
            for start, end, label, score in segment.entities
        ]
        # every other occurrence of a whole name the tagger found somewhere in the document
        # (carved CoNLL validation 0.9064 -> 0.9081, eng.testa 0.9005 -> 0.9016)
        mentions = sorted(name_occurrences(doc.text, found), key=lambda m: (m.start, m.end))
        spans = [
            Span(
                m.start,
                m.end,
                m.type,
                m.score,
                {"text": m.text} if m.source == "ner" else {"text": m.text, "source": m.source},
            )
            for m in mentions
        ]
        return Layer(
            "entities",
            tuple(spans),
            producer=f"{self.name}@{self.version}",
            config={"model": self.analysis.producer},
        )


@register(
    "entities",
    version=EntitiesDetector.version,
    requires=EntitiesDetector.requires,
    provides=EntitiesDetector.provides,
    description="PER / ORG / LOC / MISC mentions (MiniLM + token shapes, CoNLL-2003)",
    model_files=MODEL_FILES,
)
def make_entities() -> EntitiesDetector:
    return EntitiesDetector()
