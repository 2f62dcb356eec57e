"""unspin: show how a news or opinion article tries to persuade.

Example:
    >>> import unspin
    >>> text = "The corrupt elite lied again, the minister said."
    >>> doc = unspin.analyze(text, detectors="baseline")
    >>> sorted(doc.layers)[:2]
    ['claims', 'entities']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from unspin.document import SCHEMA, Document, Layer, Span
from unspin.errors import (
    DetectorError,
    Failure,
    InvalidInput,
    MissingExtra,
    ModelError,
    NotFound,
    SourceError,
    StorageError,
    UnknownDetector,
    UnspinError,
)

if TYPE_CHECKING:
    from unspin.pipeline import Pipeline

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "SCHEMA",
    "Document",
    "Span",
    "Layer",
    "Pipeline",
    "analyze",
    "UnspinError",
    "InvalidInput",
    "SourceError",
    "DetectorError",
    "UnknownDetector",
    "MissingExtra",
    "ModelError",
    "StorageError",
    "NotFound",
    "Failure",
]


def analyze(
    source: str | Document, *, detectors: str = "default", meta: dict[str, Any] | None = None
) -> Document:
    """Analyse one article given as text or as a Document.

    Args:
        source: the article text, or a Document (from ``unspin.sources``).
        detectors: comma-separated detector or set names (``default``, ``baseline``, ...).
        meta: metadata for a text source (title, author, published, ...).

    Returns:
        The document with one layer per analysis.

    Raises:
        InvalidInput: the text is empty or blank.
        UnknownDetector: a detector name is not registered.
        DetectorError: a detector could not be created or failed.
    """
    from unspin.pipeline import Pipeline

    doc = source if isinstance(source, Document) else Document(source, meta=meta or {})
    return Pipeline.from_names(detectors).run(doc)


def __getattr__(name: str) -> Any:
    if name == "Pipeline":
        from unspin.pipeline import Pipeline

        return Pipeline
    raise AttributeError(f"module 'unspin' has no attribute {name!r}")
