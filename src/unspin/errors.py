"""The exception tree. Every failure the library reports is an ``UnspinError``.

Messages carry the bad value and what is allowed, in one line, so the CLI and the API can show
them as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
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


class UnspinError(Exception):
    """Base class of every error unspin raises on purpose."""


class InvalidInput(UnspinError):
    """Empty text, undecodable bytes, bad offsets or an unknown format."""


class SourceError(UnspinError):
    """A file, URL or HTML page could not be read or had no article text."""


class DetectorError(UnspinError):
    """A detector could not be created or failed on a document."""


class UnknownDetector(DetectorError):
    """A detector or detector set name that is not registered."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = sorted(known)
        super().__init__(f"unknown detector {name!r}; known: {', '.join(self.known)}")


class MissingExtra(DetectorError):
    """An optional dependency is not installed; the message gives the pip command."""

    def __init__(self, what: str, extra: str, module: str) -> None:
        self.extra = extra
        super().__init__(f"{what} needs the {module!r} package: pip install 'unspin[{extra}]'")


class ModelError(DetectorError):
    """A shipped model file is missing, corrupt or does not match its card."""


class StorageError(UnspinError):
    """The corpus store could not be opened, read or written."""


class NotFound(StorageError):
    """No stored document has the asked-for id."""


@dataclass(frozen=True)
class Failure:
    """One item of a batch that could not be read or analysed; the batch goes on without it.

    Args:
        input: where the item came from: a path, URL or ``path:line`` for a JSONL/CSV row.
        error: the typed error; ``str(error)`` is a one-line reason.
    """

    input: str
    error: UnspinError

    @property
    def reason(self) -> str:
        """The one-line reason, without the input repeated in front of it."""
        message = str(self.error) or type(self.error).__name__
        prefix = f"{self.input}: "
        return message[len(prefix) :] if message.startswith(prefix) else message

    def __str__(self) -> str:
        return f"{self.input}: {self.reason}"
