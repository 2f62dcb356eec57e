"""CheckThat! 2024 task 1 (English): check-worthy sentences.

TSV with a header ``Sentence_id<TAB>Text<TAB>class_label`` (``Yes`` / ``No``); stdlib only, the
files stay in the data folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["ClaimExample", "read_checkthat"]


@dataclass(frozen=True)
class ClaimExample:
    id: str
    text: str
    label: int  # 1 = Yes (check-worthy)


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
