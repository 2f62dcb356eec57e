"""Readers for the analysis model's corpora (stdlib only; the files stay in the data folder).

- CheckThat! 2024 task 1 (English): TSV ``Sentence_id, Text, class_label`` (Yes/No).
- CoNLL-2003 English: ``word POS chunk NER`` lines, IOB1 tags, converted here to BIO.
- NewsMTSC: JSONL sentences with ``targets[{from, to, polarity}]`` (2 neg, 4 neu, 6 pos).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ENTITY_TYPES",
    "STANCE_LABELS",
    "ClaimExample",
    "NerSentence",
    "StanceExample",
    "read_checkthat",
    "read_conll",
    "iob1_to_bio",
    "conll_text",
    "read_newsmtsc",
    "split_conll",
    "bio_spans",
    "split_newsmtsc",
]

ENTITY_TYPES = ("PER", "ORG", "LOC", "MISC")
STANCE_LABELS = ("negative", "neutral", "positive")
_POLARITY = {2.0: 0, 4.0: 1, 6.0: 2}


@dataclass(frozen=True)
class ClaimExample:
    id: str
    text: str
    label: int  # 1 = Yes (check-worthy)


@dataclass(frozen=True)
class NerSentence:
    doc: int
    words: tuple[str, ...]
    tags: tuple[str, ...]  # BIO


@dataclass(frozen=True)
class StanceExample:
    id: str
    text: str
    targets: tuple[tuple[int, int, int], ...]  # (start, end, label index)


def read_checkthat(path: Path) -> list[ClaimExample]:
    """Read a CT24 TSV (header ``Sentence_id\\tText\\tclass_label``)."""
    examples: list[ClaimExample] = []
    with Path(path).open(encoding="utf-8") as handle:
        header = handle.readline()
        if not header.lower().startswith("sentence_id"):
            raise ValueError(f"{path}: unexpected header {header!r}")
        for line in handle:
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                continue
            parts = line.split("\t")
            label = parts[-1].strip()
            if label not in ("Yes", "No"):
                raise ValueError(f"{path}: bad label {label!r} in {line[:60]!r}")
            examples.append(
                ClaimExample(parts[0], "\t".join(parts[1:-1]).strip(), int(label == "Yes"))
            )
    return examples


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


def read_newsmtsc(path: Path) -> list[StanceExample]:
    """Read NewsMTSC JSONL: each sentence with its targets' offsets and polarity."""
    examples: list[StanceExample] = []
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            text = row["sentence_normalized"]
            targets = tuple(
                (int(t["from"]), int(t["to"]), _POLARITY[float(t["polarity"])])
                for t in row["targets"]
            )
            examples.append(StanceExample(str(row["primary_gid"]), text, targets))
    return examples


def _article(gid: str) -> str:
    return "_".join(gid.split("_")[:3])


def split_newsmtsc(
    examples: list[StanceExample], *, percent: int = 10
) -> tuple[list[StanceExample], list[StanceExample]]:
    """Carve validation from training by article (a hash of the id's article part)."""

    def held(example: StanceExample) -> bool:
        return zlib.crc32(_article(example.id).encode()) % 100 < percent

    return [e for e in examples if not held(e)], [e for e in examples if held(e)]
