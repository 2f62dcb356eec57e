"""The detector Protocol, the registry of detector factories and the detector sets.

A detector has a ``name``, a ``version``, the layer names it ``requires`` (it cannot run
without them), ``reads`` (it uses them when they are there, so it runs after whatever makes them)
and ``provides``, and a ``detect(doc) -> Layer`` method that never mutates ``doc``. The registry
holds *factories*, so a model loads only when a detector is created. Built-ins register exactly
as plugins do; third parties add an entry point in the group ``unspin.detectors`` whose object
is a callable taking the registry.

One module or package per model family:

- :mod:`~unspin.detectors.structure`: paragraphs and sentences (every detector reads them).
- :mod:`~unspin.detectors.baseline`: the readable rules, no model.
- :mod:`~unspin.detectors.persuasion`: technique spans from the persuasion model.
- :mod:`~unspin.detectors.analysis`: claims, entities, stance and actors, on the analysis pass
  (and the separate stance model).

The detector sets (``default``, ``baseline``) are defined here, once: :data:`SETS`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

from unspin.document import Document, Layer
from unspin.errors import DetectorError, UnknownDetector, UnspinError

__all__ = [
    "Detector",
    "DetectorInfo",
    "DetectorDescription",
    "DetectorListing",
    "Registry",
    "SETS",
    "registry",
    "register",
]


@runtime_checkable
class Detector(Protocol):
    """What the pipeline needs of a detector."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def requires(self) -> tuple[str, ...]:
        """Layer names this detector needs."""
        ...

    @property
    def reads(self) -> tuple[str, ...]:
        """Layer names this detector uses when they are there (it runs after their makers)."""
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
    """A registered detector: its factory and what it needs, reads and writes."""

    name: str
    factory: Callable[..., Detector]
    requires: tuple[str, ...]
    provides: tuple[str, ...]
    description: str = ""
    model_files: tuple[str, ...] = ()
    version: str = ""
    reads: tuple[str, ...] = ()


@dataclass(frozen=True)
class DetectorDescription:
    """What a listing says about a detector (``unspin detectors``, ``/api/v1/detectors``).

    ``available`` is False, with the reason in ``problem``, when the detector cannot run here.
    """

    name: str
    version: str | None
    requires: tuple[str, ...]
    reads: tuple[str, ...]
    provides: tuple[str, ...]
    description: str
    model_files: tuple[str, ...]
    available: bool
    problem: str | None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (lists for tuples)."""
        return {
            "name": self.name,
            "version": self.version,
            "requires": list(self.requires),
            "reads": list(self.reads),
            "provides": list(self.provides),
            "description": self.description,
            "model_files": list(self.model_files),
            "available": self.available,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class DetectorListing:
    """Every registered detector and detector set: the one listing the CLI and the API show."""

    detectors: tuple[DetectorDescription, ...]
    sets: Mapping[str, tuple[str, ...]]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "detectors": [d.to_dict() for d in self.detectors],
            "sets": {name: list(members) for name, members in self.sets.items()},
        }


BUILTIN_MODULES = (
    "unspin.detectors.structure",
    "unspin.detectors.baseline",
    "unspin.detectors.persuasion.detector",
    "unspin.detectors.analysis.claims",
    "unspin.detectors.analysis.entities",
    "unspin.detectors.analysis.stance",
    "unspin.detectors.analysis.actors",
)

#: The detector sets, defined once: ``default`` runs the shipped models, ``baseline`` the rules.
SETS: Mapping[str, tuple[str, ...]] = {
    "default": ("structure", "persuasion", "claims", "entities", "stance", "actors"),
    "baseline": ("structure", "baseline-persuasion", "baseline-claims", "baseline-entities"),
}


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
            for name, members in SETS.items():
                self._sets.setdefault(name, members)
            for entry in entry_points(group="unspin.detectors"):
                try:
                    entry.load()(self)
                except Exception as exc:  # a broken plugin must not break the built-ins
                    raise DetectorError(f"plugin {entry.name!r} failed to register: {exc}") from exc
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

        A detector runs after the producers of the layers it ``requires`` (added when not named)
        and after the named detectors that make a layer it ``reads``; a read never adds a
        detector, and gives way where it would make a cycle.

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
            info = self.info(name)
            for layer in info.requires:
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
            for layer in info.reads:
                for other in wanted:
                    if other != name and other not in path and layer in self.info(other).provides:
                        visit(other, (*path, name))
            ordered.append(name)

        for name in wanted:
            visit(name, ())
        return ordered

    def create(self, name: str, **config: Any) -> Detector:
        """Create a detector by name (loading its model now)."""
        return self.info(name).factory(**config)

    def describe(self, name: str) -> DetectorDescription:
        """Say what a detector is and whether it can run here, for listings (CLI, API).

        A detector registered without a version is created to read it (loading its model), so
        one that cannot be created shows ``available: False`` and the reason, not a guess; one
        registered with a version is checked for its model files without loading them.

        Raises:
            UnknownDetector: the name is not registered.
        """
        info = self.info(name)
        version, problem = info.version, None
        if version:
            problem = _missing_files(info.model_files)
        else:
            try:
                version = str(getattr(self.create(name), "version", ""))
            except UnspinError as exc:
                problem = str(exc)
        return DetectorDescription(
            name=info.name,
            version=version or None,
            requires=info.requires,
            reads=info.reads,
            provides=info.provides,
            description=info.description,
            model_files=info.model_files,
            available=problem is None,
            problem=problem,
        )

    def listing(self) -> DetectorListing:
        """Describe every registered detector (by name) and every set (by name)."""
        return DetectorListing(
            detectors=tuple(self.describe(name) for name in self.names()),
            sets=dict(sorted(self.sets().items())),
        )


def _missing_files(model_files: Iterable[str]) -> str | None:
    """Say which of a detector's model files (relative to ``unspin/models``) are missing."""
    from unspin.models.runtime import MODELS_DIR

    missing = [name for name in model_files if not (MODELS_DIR / name).is_file()]
    if not missing:
        return None
    return f"missing model files: {', '.join(missing)}; reinstall unspin"


registry = Registry()


def register(
    name: str,
    *,
    requires: Iterable[str] = (),
    reads: Iterable[str] = (),
    provides: Iterable[str] | None = None,
    description: str = "",
    model_files: Iterable[str] = (),
    version: str = "",
) -> Callable[[Callable[..., Detector]], Callable[..., Detector]]:
    """Register a detector factory under ``name`` (a decorator).

    Args:
        name: the detector's name.
        requires: layers it cannot run without (their producers are added and run first).
        reads: layers it uses when present (their producers, when also asked for, run first).
        provides: layers it writes (default: its name).
        description: one line for listings.
        model_files: files under ``unspin/models`` it loads.
        version: its version, shown by listings without creating the detector.

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
                reads=tuple(reads),
                provides=tuple(provides if provides is not None else (name,)),
                description=description,
                model_files=tuple(model_files),
                version=version,
            )
        )
        return factory

    return decorate
