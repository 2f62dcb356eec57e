"""NewsMTSC: stance toward targets in news sentences.

JSONL sentences with ``targets[{from, to, polarity}]`` (2 negative, 4 neutral, 6 positive), and
the validation carve by article used by every model trained on it. Stdlib only, the files stay
in the data folder.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["STANCE_LABELS", "StanceExample", "read_newsmtsc", "split_newsmtsc"]


STANCE_LABELS = ("negative", "neutral", "positive")


_POLARITY = {2.0: 0, 4.0: 1, 6.0: 2}


@dataclass(frozen=True)
class StanceExample:
    id: str
    text: str
    targets: tuple[tuple[int, int, int], ...]  # (start, end, label index)


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
