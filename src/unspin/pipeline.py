"""Run detectors in order over documents, checking what each needs and wrapping failures."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from unspin.detectors import Detector, registry
from unspin.document import Document, Layer
from unspin.errors import DetectorError, Failure, InvalidInput, UnspinError

T = TypeVar("T")
R = TypeVar("R")

__all__ = ["Pipeline", "DEFAULT_DETECTORS"]

DEFAULT_DETECTORS = "default"


class Pipeline:
    """An ordered list of created detectors.

    Args:
        detectors: detectors in the order to run; each one's ``requires`` must be provided by an
            earlier one (or already be on the documents it runs on).

    Example:
        >>> pipe = Pipeline.from_names("baseline")
        >>> doc = pipe.run(Document("The corrupt elite lied again, the minister said."))
        >>> "persuasion" in doc.layers
        True
    """

    def __init__(self, detectors: Sequence[Detector]) -> None:
        self.detectors = tuple(detectors)
        available: set[str] = set()
        for detector in self.detectors:
            missing = [name for name in detector.requires if name not in available]
            if missing:
                raise DetectorError(
                    f"detector {detector.name!r} needs {', '.join(missing)}, which no earlier "
                    "detector provides"
                )
            available.update(detector.provides)

    @classmethod
    def from_names(cls, names: str | Iterable[str] = DEFAULT_DETECTORS) -> Pipeline:
        """Create the detectors named (comma-separated names or sets), with their requirements.

        Raises:
            UnknownDetector: a name is not registered.
            DetectorError, MissingExtra, ModelError: a detector could not be created.
        """
        if isinstance(names, str):
            names = names.split(",")
        ordered = registry.expand(names)
        return cls([registry.create(name) for name in ordered])

    @property
    def producers(self) -> dict[str, str]:
        """Detector name -> version, for telling whether a stored analysis is current."""
        return {detector.name: detector.version for detector in self.detectors}

    def run(self, doc: Document) -> Document:
        """Return ``doc`` with every detector's layers added.

        Raises:
            DetectorError: a detector failed; the message names it and the document.
        """
        for detector in self.detectors:
            try:
                result = detector.detect(doc)
            except UnspinError:
                raise
            except Exception as exc:
                raise DetectorError(
                    f"detector {detector.name!r} failed on document {doc.id}: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            layers: list[Layer] = [result] if isinstance(result, Layer) else list(result)
            doc = doc.with_layers(layers)
        return doc

    def run_many(self, docs: Iterable[Document], *, workers: int = 1) -> Iterator[Document]:
        """Run over documents in input order, holding only a few in memory.

        Args:
            workers: documents analysed at once in threads (the models release the GIL while
                they run); call ``unspin.models.runtime.set_threads(workers=...)`` before the
                models load so that they share the cores instead of oversubscribing them.
        """
        yield from _ordered_map(self.run, docs, workers)

    def run_items(
        self, items: Iterable[Document | Failure], *, workers: int = 1
    ) -> Iterator[Document | Failure]:
        """Run over a batch in input order, passing failures through and adding new ones.

        A document a detector fails on becomes a ``Failure`` naming its source (or id), so the
        rest of the batch goes on.

        Args:
            workers: documents analysed at once in threads, as in :meth:`run_many`.
        """
        yield from _ordered_map(self._run_item, items, workers)

    def _run_item(self, item: Document | Failure) -> Document | Failure:
        if isinstance(item, Failure):
            return item
        try:
            return self.run(item)
        except UnspinError as exc:
            return Failure(str(item.meta.get("source") or item.id), exc)


def _ordered_map(func: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """``map(func, items)`` on ``workers`` threads, in order, with at most 2 x workers pending."""
    if workers < 1:
        raise InvalidInput(f"workers must be at least 1, got {workers}")
    if workers == 1:
        for item in items:
            yield func(item)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="unspin") as pool:
        pending: deque[Future[R]] = deque()
        for item in items:
            pending.append(pool.submit(func, item))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
