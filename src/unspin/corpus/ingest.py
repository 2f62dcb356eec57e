"""Analyse inputs and store them: the one code path behind ``unspin corpus add`` and the
distributed runner.

Each document is stored in its own transaction as soon as it is analysed, and a document already
stored by the same detector versions is skipped before analysis, so an interrupted run resumes
where it stopped with nothing lost or stored twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any

from unspin.document import Document
from unspin.errors import Failure, UnspinError

if TYPE_CHECKING:
    from unspin.pipeline import Pipeline
    from unspin.store import Corpus

__all__ = ["AddReport", "add_items", "add_inputs", "read_inputs"]


@dataclass(frozen=True)
class AddReport:
    """What an ``add`` did: documents analysed and stored, skipped as current, and failed."""

    added: int = 0
    skipped: int = 0
    failed: int = 0
    failures: tuple[str, ...] = field(default=())

    def __add__(self, other: AddReport) -> AddReport:
        return AddReport(
            self.added + other.added,
            self.skipped + other.skipped,
            self.failed + other.failed,
            self.failures + other.failures,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "skipped": self.skipped,
            "failed": self.failed,
            "failures": list(self.failures),
        }


def read_inputs(
    inputs: Sequence[str], *, allow_private: bool = False, timeout: float = 10.0
) -> Iterable[Document | Failure]:
    """Read every input (paths, folders, URLs, JSONL/CSV batches) lazily, failures included."""
    from unspin.sources import read_items

    return chain.from_iterable(
        read_items(source, allow_private=allow_private, timeout=timeout) for source in inputs
    )


def add_items(
    corpus: Corpus,
    items: Iterable[Document | Failure],
    pipeline: Pipeline,
    *,
    on_item: Callable[[str, Document | Failure], None] | None = None,
) -> AddReport:
    """Analyse and store documents, skipping those stored by the same detector versions.

    Args:
        corpus: the store to write to.
        items: documents (not yet analysed) and read failures.
        pipeline: the detectors to run; their versions decide what is current.
        on_item: called with ``("added" | "skipped" | "failed", item)`` after each item.

    Returns:
        The counts, with one line per failure.

    Raises:
        StorageError: the store could not be written (the documents stored so far stay).
    """
    producers = pipeline.producers
    added = skipped = 0
    failures: list[str] = []
    for item in items:
        if isinstance(item, Failure):
            failures.append(str(item))
            _notify(on_item, "failed", item)
            continue
        if corpus.has(item.id, producers):
            corpus.add_sighting(item)
            skipped += 1
            _notify(on_item, "skipped", item)
            continue
        try:
            doc = pipeline.run(item)
        except UnspinError as exc:
            failure = Failure(str(item.meta.get("source") or item.id), exc)
            failures.append(str(failure))
            _notify(on_item, "failed", failure)
            continue
        corpus.add(doc, producers=producers)
        added += 1
        _notify(on_item, "added", doc)
    return AddReport(added, skipped, len(failures), tuple(failures))


def _notify(callback: Any, what: str, item: Any) -> None:
    if callback is not None:
        callback(what, item)


def add_inputs(
    corpus: Corpus,
    inputs: Sequence[str],
    *,
    detectors: str = "default",
    allow_private: bool = False,
    timeout: float = 10.0,
    on_item: Callable[[str, Document | Failure], None] | None = None,
) -> AddReport:
    """Read, analyse and store inputs (see :func:`add_items`).

    Raises:
        UnknownDetector, DetectorError: the detectors cannot be created.
        StorageError: the store could not be written.
    """
    from unspin.pipeline import Pipeline

    pipeline = Pipeline.from_names(detectors)
    items = read_inputs(inputs, allow_private=allow_private, timeout=timeout)
    return add_items(corpus, items, pipeline, on_item=on_item)
