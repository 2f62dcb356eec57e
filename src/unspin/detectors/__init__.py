"""The detector Protocol and the registry of detector factories.

A detector has a ``name``, a ``version``, the layer names it ``requires`` and ``provides``, and a
``detect(doc) -> Layer`` method. The registry holds *factories*, so a model loads only when a
detector is created. Built-ins register exactly as plugins do; third parties add an entry point in
the group ``unspin.detectors`` whose object is a callable taking the registry.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

from unspin.document import Document, Layer
from unspin.errors import DetectorError, UnknownDetector, UnspinError

__all__ = ["Detector", "DetectorInfo", "Registry", "registry", "register"]


@runtime_checkable
class Detector(Protocol):
    """What the pipeline needs of a detector."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def requires(self) -> tuple[str, ...]:
        """Layer names this detector reads."""
        ...

    @property
    def provides(self) -> tuple[str, ...]:
        """Layer names this detector writes."""
        ...

    def detect(self, doc: Document) -> Layer | list[Layer]:
        """Return the new layer(s); never mutate ``doc``."""
        ...


@dataclass(frozen=True)
class DetectorInfo:
    """A registered detector: its factory and what it reads and writes."""

    name: str
    factory: Callable[..., Detector]
    requires: tuple[str, ...]
    provides: tuple[str, ...]
    description: str = ""
    model_files: tuple[str, ...] = ()
    version: str = ""


BUILTIN_MODULES = (
    "unspin.detectors.structure",
    "unspin.detectors.baseline",
    "unspin.detectors.persuasion.detector",
    # after persuasion: its "default" set (with the trained claims, entities, stance and actors)
    # replaces the one persuasion registers
    "unspin.detectors.analysis.engine",
    "unspin.detectors.analysis.claims",
    "unspin.detectors.analysis.entities",
    "unspin.detectors.analysis.stance",
    "unspin.detectors.analysis.actors",
)


class Registry:
    """Names -> detector factories, plus named sets of detectors (``baseline``, ``default``)."""

    def __init__(self) -> None:
        self._detectors: dict[str, DetectorInfo] = {}
        self._sets: dict[str, tuple[str, ...]] = {}
        self._loaded = False
        self._ready = False
        self._lock = threading.RLock()

    def add(self, info: DetectorInfo) -> None:
        self._detectors[info.name] = info

    def add_set(self, name: str, members: Iterable[str]) -> None:
        self._sets[name] = tuple(members)

    def _load(self) -> None:
        if self._ready:
            return
        # threads (the API's pool) that ask while another loads wait for it to finish; the
        # loading thread itself, re-entering from a module it imports, goes straight on
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            for module in BUILTIN_MODULES:
                import_module(module)
            for entry in entry_points(group="unspin.detectors"):
                try:
                    entry.load()(self)
                except Exception as exc:  # a broken plugin must not break the built-ins
                    raise DetectorError(f"plugin {entry.name!r} failed to register: {exc}") from exc
            # until trained detectors claim it, the default set is the transparent baseline
            if "default" not in self._sets and "baseline" in self._sets:
                self._sets["default"] = self._sets["baseline"]
            self._ready = True

    def names(self) -> list[str]:
        self._load()
        return sorted(self._detectors)

    def sets(self) -> dict[str, tuple[str, ...]]:
        self._load()
        return dict(self._sets)

    def info(self, name: str) -> DetectorInfo:
        self._load()
        try:
            return self._detectors[name]
        except KeyError:
            raise UnknownDetector(name, list(self._detectors) + list(self._sets)) from None

    def expand(self, names: Iterable[str]) -> list[str]:
        """Expand set names and add what each detector requires, in a runnable order.

        Raises:
            UnknownDetector: a name is neither a detector nor a set.
            DetectorError: a required layer has no registered producer.
        """
        self._load()
        wanted: list[str] = []
        for name in names:
            name = name.strip()
            if not name:
                continue
            members = self._sets.get(name, (name,))
            for member in members:
                self.info(member)
                if member not in wanted:
                    wanted.append(member)
        producers = {
            layer: info.name for info in self._detectors.values() for layer in info.provides
        }
        ordered: list[str] = []

        def visit(name: str, path: tuple[str, ...]) -> None:
            if name in ordered:
                return
            if name in path:
                raise DetectorError(f"detectors require each other in a cycle: {' -> '.join(path)}")
            for layer in self.info(name).requires:
                # a wanted detector that provides the layer wins over the default producer
                chosen = next(
                    (w for w in wanted if layer in self._detectors[w].provides),
                    producers.get(layer),
                )
                if chosen is None:
                    raise DetectorError(
                        f"detector {name!r} needs layer {layer!r}, which no detector makes"
                    )
                visit(chosen, (*path, name))
            ordered.append(name)

        for name in wanted:
            visit(name, ())
        return ordered

    def create(self, name: str, **config: Any) -> Detector:
        """Create a detector by name (loading its model now)."""
        return self.info(name).factory(**config)

    def describe(self, name: str) -> dict[str, Any]:
        """Say what a detector is and whether it can run here, for listings (CLI, API).

        A detector registered without a version is created to read it (loading its model), so
        one that cannot be created shows ``available: False`` and the reason, not a guess.

        Raises:
            UnknownDetector: the name is not registered.
        """
        info = self.info(name)
        version, problem = info.version, None
        if not version:
            try:
                version = str(getattr(self.create(name), "version", ""))
            except UnspinError as exc:
                problem = str(exc)
        return {
            "name": info.name,
            "version": version or None,
            "requires": list(info.requires),
            "provides": list(info.provides),
            "description": info.description,
            "model_files": list(info.model_files),
            "available": problem is None,
            "problem": problem,
        }


registry = Registry()


def register(
    name: str,
    *,
    requires: Iterable[str] = (),
    provides: Iterable[str] | None = None,
    description: str = "",
    model_files: Iterable[str] = (),
    version: str = "",
) -> Callable[[Callable[..., Detector]], Callable[..., Detector]]:
    """Register a detector factory under ``name`` (a decorator).

    ``version`` is optional; ``unspin detectors`` shows it without creating the detector.

    Example:
        >>> @register("shouting", provides=["shouting"])
        ... def make_shouting():
        ...     return Shouting()
    """

    def decorate(factory: Callable[..., Detector]) -> Callable[..., Detector]:
        registry.add(
            DetectorInfo(
                name=name,
                factory=factory,
                requires=tuple(requires),
                provides=tuple(provides if provides is not None else (name,)),
                description=description,
                model_files=tuple(model_files),
                version=version,
            )
        )
        return factory

    return decorate
