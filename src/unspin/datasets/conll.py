"""CoNLL-2003 English: named entities.

``word POS chunk NER`` lines with IOB1 tags, converted here to BIO; documents start at
``-DOCSTART-``. Stdlib only, the files stay in the data folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ENTITY_TYPES",
    "NerSentence",
    "read_conll",
    "iob1_to_bio",
    "conll_text",
    "bio_spans",
    "split_conll",
]


ENTITY_TYPES = ("PER", "ORG", "LOC", "MISC")


@dataclass(frozen=True)
class NerSentence:
    doc: int
    words: tuple[str, ...]
    tags: tuple[str, ...]  # BIO


def iob1_to_bio(tags: list[str]) -> list[str]:
    """Convert IOB1 tags (``I-`` starts an entity unless it continues one) to BIO."""
    out: list[str] = []
    previous = "O"
    for tag in tags:
        if tag.startswith("I-"):
            kind = tag[2:]
            continues = previous != "O" and previous[2:] == kind
            out.append(tag if continues else "B-" + kind)
        else:
            out.append(tag)
        previous = tag
    return out


def read_conll(path: Path) -> list[NerSentence]:
    """Read CoNLL-2003 (IOB1) into sentences with BIO tags, numbering documents."""
    sentences: list[NerSentence] = []
    words: list[str] = []
    tags: list[str] = []
    doc = -1

    def flush() -> None:
        if words:
            sentences.append(NerSentence(max(doc, 0), tuple(words), tuple(iob1_to_bio(tags))))
        words.clear()
        tags.clear()

    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line:
                flush()
                continue
            parts = line.split()
            if parts[0] == "-DOCSTART-":
                flush()
                doc += 1
                continue
            words.append(parts[0])
            tags.append(parts[-1])
    flush()
    return sentences


def conll_text(words: tuple[str, ...]) -> tuple[str, list[tuple[int, int]]]:
    """Join words with spaces; return the text and each word's ``[start, end)``."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for word in words:
        spans.append((pos, pos + len(word)))
        pos += len(word) + 1
    return " ".join(words), spans


def bio_spans(tags: list[str] | tuple[str, ...]) -> list[tuple[int, int, str]]:
    """Return ``(first word, last word + 1, type)`` of each entity in BIO tags (conlleval rules)."""
    spans: list[tuple[int, int, str]] = []
    start, kind = -1, ""
    for i, tag in enumerate(list(tags) + ["O"]):
        inside = tag.startswith("I-") and kind == tag[2:] and start >= 0
        if inside:
            continue
        if start >= 0:
            spans.append((start, i, kind))
            start, kind = -1, ""
        if tag != "O":
            start, kind = i, tag[2:]
    return spans


def split_conll(sentences: list[NerSentence], *, every: int = 10) -> tuple[list, list]:
    """Carve validation from training: every ``every``-th document."""
    train = [s for s in sentences if s.doc % every != every - 1]
    valid = [s for s in sentences if s.doc % every == every - 1]
    return train, valid
