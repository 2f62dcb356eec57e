"""Fact-checks: import published reviews of claims into a store, index them, and match claims
to them.

- :mod:`~unspin.corpus.factchecks.records` reads ClaimReview (JSON-LD, data feeds, HTML pages),
  CheckThat!-style JSONL and CSV;
- :func:`import_factchecks` stores them (de-duplicated, resumable) and embeds them;
- :class:`~unspin.corpus.factchecks.matching.Matcher` finds the fact-checks of claims;
- :func:`open_matcher` builds one over a store's collection with the shipped models.

Heavy modules load on first use, so importing this package is cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unspin.errors import Failure

if TYPE_CHECKING:
    from unspin.corpus.factchecks.collection import StoreCollection
    from unspin.corpus.factchecks.matching import Matcher, MatchOptions
    from unspin.store.sql import Corpus

__all__ = [
    "ImportReport",
    "import_factchecks",
    "Encoder",
    "load_encoder",
    "open_matcher",
    "MODEL",
]

#: the shipped model that embeds claims and fact-checks and holds the scorer
MODEL = "retrieval"


@dataclass(frozen=True)
class ImportReport:
    """What an import did: records added, updated, skipped (stored already), duplicates of
    another stored record, failed (one line each), and fact-checks embedded."""

    added: int = 0
    updated: int = 0
    skipped: int = 0
    duplicates: int = 0
    failed: int = 0
    embedded: int = 0
    failures: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "skipped": self.skipped,
            "duplicates": self.duplicates,
            "failed": self.failed,
            "embedded": self.embedded,
            "failures": list(self.failures),
        }


@dataclass(frozen=True)
class Encoder:
    """An embedding function and the name its vectors are stored under (model and file hash)."""

    embed: Callable[[Sequence[str]], Any]
    name: str


def load_encoder(directory: Path | str | None = None) -> Encoder:
    """Load the encoder the matcher was fitted with: the ``retrieval`` model's own ONNX graph,
    or the ``embedding`` output of the shipped model its manifest names as ``encoder``.

    Args:
        directory: a ``retrieval`` model folder other than the shipped one.

    Raises:
        ModelError: a model is missing or corrupt.
    """
    from unspin.models.embeddings import Embedder
    from unspin.models.runtime import OnnxModel, load_manifest, shared_model

    folder = Path(directory) if directory else None
    manifest = load_manifest(MODEL, folder)
    source = str(manifest.config.get("encoder", MODEL))
    if source == MODEL:
        model = OnnxModel(MODEL, directory=folder) if folder else shared_model(MODEL)
    else:
        model = shared_model(source)
    embedder = Embedder(model, max_length=int(model.config.get("max_length", 128)), batch_size=64)
    digest = str(model.manifest.files.get("model.onnx", ""))[:12]
    return Encoder(embedder.embed, f"{model.producer}#{digest}")


def import_factchecks(
    corpus: Corpus,
    paths: Iterable[str | Path],
    *,
    encoder: Encoder | None = None,
    on_item: Callable[[str, Any], None] | None = None,
) -> ImportReport:
    """Read fact-check files and store their records; then embed what has no vector yet.

    Records already stored with the same content are skipped, so running an interrupted import
    again finishes it; a bad record is one failure line and the others go on.

    Args:
        corpus: the store.
        paths: files or folders (see :func:`~unspin.corpus.factchecks.records.read_factchecks`).
        encoder: embed the new records with it (None: leave that to the first match).
        on_item: called with ``(status, item)`` per record: ``added``, ``updated``,
            ``skipped``, ``duplicate`` (an :class:`~unspin.store.factchecks.AddOutcome`) or
            ``failed`` (a :class:`~unspin.errors.Failure`).

    Returns:
        The counts, with one line per failure.

    Raises:
        StorageError: the store could not be written (what was stored so far stays).
    """
    from unspin.corpus.factchecks.collection import embed_collection
    from unspin.corpus.factchecks.records import read_factchecks
    from unspin.store.factchecks import FactCheck

    counts = {"added": 0, "updated": 0, "skipped": 0, "duplicate": 0}
    failures: list[str] = []

    def good() -> Iterable[FactCheck]:
        for item in read_factchecks(paths):
            if isinstance(item, Failure):
                failures.append(str(item))
                if on_item is not None:
                    on_item("failed", item)
                continue
            yield item

    for outcome in corpus.factchecks.add(good()):
        counts[outcome.status] += 1
        if on_item is not None:
            on_item(outcome.status, outcome)
    embedded = embed_collection(corpus, encoder.embed, encoder.name) if encoder else 0
    return ImportReport(
        counts["added"],
        counts["updated"],
        counts["skipped"],
        counts["duplicate"],
        len(failures),
        embedded,
        tuple(failures),
    )


def open_matcher(
    corpus: Corpus,
    *,
    encoder: Encoder | None = None,
    options: MatchOptions | None = None,
    model_dir: Path | str | None = None,
    on_progress: Callable[[str, int], None] | None = None,
) -> Matcher:
    """Return a matcher over a store's fact-check collection with the shipped retrieval model.

    Embeds the fact-checks that have no vector yet and brings the saved index up to date.

    Raises:
        ModelError: the retrieval model is missing or corrupt.
        StorageError: the store or the index file could not be read or written.
    """
    from unspin.corpus.factchecks.collection import StoreCollection
    from unspin.corpus.factchecks.matching import Matcher, Scorer
    from unspin.models.runtime import load_manifest

    encoder = encoder or load_encoder(model_dir)
    manifest = load_manifest(MODEL, Path(model_dir) if model_dir else None)
    scorer = Scorer.from_config(manifest.config.get("scorer", {}))
    collection: StoreCollection = StoreCollection(
        corpus, encoder.embed, model=encoder.name, on_progress=on_progress
    )
    return Matcher(collection, encoder.embed, scorer, options=options)
