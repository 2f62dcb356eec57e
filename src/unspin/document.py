"""The data model: a ``Document`` owns its text; every analysis is a ``Layer`` of ``Span`` s.

Stdlib only, no I/O. Offsets are ``[start, end)`` in Unicode code points into ``doc.text``, the
SemEval-2020 Task 11 convention.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from unspin.errors import InvalidInput

__all__ = ["SCHEMA", "READ_SCHEMAS", "Span", "Layer", "Document", "text_id"]

SCHEMA = "unspin.document/2"
"""The JSON schema this unspin writes (``src/unspin/schema/document-2.json``)."""
READ_SCHEMAS = ("unspin.document/1", SCHEMA)
"""The JSON schemas this unspin reads: /1 wrote the actors twice (top level and in the layer)."""


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping or {}))


def _plain(value: Any) -> Any:
    """Turn mapping proxies and tuples back into JSON-ready dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def text_id(text: str) -> str:
    """Return the content id of a text: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, eq=True)
class Span:
    """A labelled stretch ``[start, end)`` of a document's text.

    Args:
        start: first code point, inclusive.
        end: last code point, exclusive.
        label: what the span is (a technique name, an entity type, ...).
        score: a probability in [0, 1] where the producer has one, else None.
        attrs: further JSON-ready facts about the span.
    """

    start: int
    end: int
    label: str
    score: float | None = None
    attrs: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.start, int) or not isinstance(self.end, int):
            raise InvalidInput(f"span offsets must be integers, got {self.start!r}, {self.end!r}")
        if self.start < 0 or self.end < self.start:
            raise InvalidInput(
                f"bad span offsets [{self.start}, {self.end}): need 0 <= start <= end"
            )
        if self.score is not None and not 0.0 <= float(self.score) <= 1.0:
            raise InvalidInput(f"span score {self.score!r} is outside [0, 1]")
        object.__setattr__(self, "attrs", _frozen(self.attrs))

    def __hash__(self) -> int:
        return hash((self.start, self.end, self.label, self.score))

    def text(self, doc: Document) -> str:
        """Return the stretch of ``doc.text`` this span covers."""
        return doc.text[self.start : self.end]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"start": self.start, "end": self.end, "label": self.label}
        out["score"] = None if self.score is None else round(float(self.score), 6)
        out["attrs"] = _plain(self.attrs)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Span:
        try:
            return cls(
                start=data["start"],
                end=data["end"],
                label=str(data["label"]),
                score=data.get("score"),
                attrs=data.get("attrs") or {},
            )
        except KeyError as exc:
            raise InvalidInput(
                f"span is missing the field {exc.args[0]!r}: {dict(data)!r}"
            ) from None


def _sort_key(span: Span) -> tuple[int, int, str]:
    return (span.start, span.end, span.label)


@dataclass(frozen=True)
class Layer:
    """A named, sorted tuple of spans plus who produced them and how.

    Args:
        name: the layer name (``persuasion``, ``sentences``, ...).
        spans: spans in any order; they are stored sorted by (start, end, label). They may overlap.
        producer: ``"name@version"`` of the detector that made the layer.
        config: the options the producer ran with.
        data: layer-level results that are not spans (the ``actors`` list, for example).
    """

    name: str
    spans: tuple[Span, ...] = ()
    producer: str = ""
    config: Mapping[str, Any] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name:
            raise InvalidInput("a layer needs a name")
        object.__setattr__(self, "spans", tuple(sorted(self.spans, key=_sort_key)))
        object.__setattr__(self, "config", _frozen(self.config))
        object.__setattr__(self, "data", _frozen(self.data))

    def __len__(self) -> int:
        return len(self.spans)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.spans)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "producer": self.producer,
            "config": _plain(self.config),
            "spans": [span.to_dict() for span in self.spans],
        }
        if self.data:
            out["data"] = _plain(self.data)
        return out

    @classmethod
    def from_dict(cls, name: str, data: Mapping[str, Any]) -> Layer:
        spans = data.get("spans")
        if not isinstance(spans, list):
            raise InvalidInput(f"layer {name!r} needs a list of spans")
        return cls(
            name=name,
            spans=tuple(Span.from_dict(s) for s in spans),
            producer=str(data.get("producer", "")),
            config=data.get("config") or {},
            data=data.get("data") or {},
        )


@dataclass(frozen=True)
class Document:
    """An article: immutable text, metadata and analysis layers.

    Args:
        text: the article text. It never changes after creation.
        meta: title, author, published, source, language, encoding, and any other JSON values.
        layers: analyses by name.
        id: the id to keep (an input id from a JSONL batch); defaults to the content hash.

    Raises:
        InvalidInput: the text is empty or blank, or a layer's offsets fall outside it.

    Example:
        >>> doc = Document("Officials claimed 12,000 lives were lost.")
        >>> doc.id == doc.text_hash
        True
    """

    text: str
    meta: Mapping[str, Any] = field(default_factory=dict)
    layers: Mapping[str, Layer] = field(default_factory=dict)
    id: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise InvalidInput(f"document text must be a str, got {type(self.text).__name__}")
        if not self.text.strip():
            raise InvalidInput("document text is empty or blank")
        if "\x00" in self.text:
            raise InvalidInput("document text contains NUL bytes: binary input?")
        object.__setattr__(self, "meta", _frozen(self.meta))
        object.__setattr__(self, "id", str(self.id) if self.id else text_id(self.text))
        for name, layer in self.layers.items():
            if name != layer.name:
                raise InvalidInput(f"layer stored as {name!r} is named {layer.name!r}")
            self._check_offsets(layer)
        object.__setattr__(self, "layers", MappingProxyType(dict(self.layers)))

    def _check_offsets(self, layer: Layer) -> None:
        size = len(self.text)
        for span in layer.spans:
            if span.end > size:
                raise InvalidInput(
                    f"layer {layer.name!r} has a span [{span.start}, {span.end}) past the end "
                    f"of the text ({size} code points)"
                )

    @property
    def text_hash(self) -> str:
        """The content id of the text, whatever ``id`` was given."""
        return text_id(self.text)

    @property
    def actors(self) -> list[dict[str, Any]]:
        """The actors as JSON objects, from the ``actors`` layer's data (empty if not analysed;
        ``unspin.detectors.analysis.actors.actors_of`` gives them typed)."""
        layer = self.layers.get("actors")
        if layer is None:
            return []
        return _plain(layer.data.get("actors", []))  # type: ignore[no-any-return]

    def with_layer(self, layer: Layer) -> Document:
        """Return a new document with ``layer`` added or replaced."""
        layers = dict(self.layers)
        layers[layer.name] = layer
        return Document(text=self.text, meta=self.meta, layers=layers, id=self.id)

    def with_layers(self, layers: Iterable[Layer]) -> Document:
        """Return a new document with several layers added or replaced."""
        merged = dict(self.layers)
        for layer in layers:
            merged[layer.name] = layer
        return Document(text=self.text, meta=self.meta, layers=merged, id=self.id)

    def layer(self, name: str) -> Layer:
        """Return the layer called ``name``.

        Raises:
            KeyError: the document has no such layer.
        """
        return self.layers[name]

    def to_dict(self) -> dict[str, Any]:
        """Return the ``unspin.document/2`` JSON object (the actors are in the ``actors``
        layer's ``data``, once)."""
        return {
            "schema": SCHEMA,
            "id": self.id,
            "text": self.text,
            "meta": _plain(self.meta),
            "layers": {name: layer.to_dict() for name, layer in sorted(self.layers.items())},
        }

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Document:
        """Build a document from its ``unspin.document/2`` (or ``/1``) JSON object.

        A /1 document's top-level ``actors`` copy is read only where its ``actors`` layer lacks
        them.

        Raises:
            InvalidInput: the object is not of a schema this unspin reads, or its fields are
                malformed.
        """
        if not isinstance(data, Mapping):
            raise InvalidInput("a document must be a JSON object")
        schema = data.get("schema", SCHEMA)
        if schema not in READ_SCHEMAS:
            raise InvalidInput(
                f"unsupported schema {schema!r}; this unspin reads {', '.join(READ_SCHEMAS)}"
            )
        if "text" not in data:
            raise InvalidInput("document JSON has no 'text'")
        layers_data = data.get("layers") or {}
        if not isinstance(layers_data, Mapping):
            raise InvalidInput("document 'layers' must be an object")
        layers = {name: Layer.from_dict(name, ld) for name, ld in layers_data.items()}
        actors = layers.get("actors")
        old_copy = data.get("actors") if schema != SCHEMA else None
        if actors is not None and "actors" not in actors.data and isinstance(old_copy, list):
            with_actors = {**actors.data, "actors": old_copy}
            layers["actors"] = Layer(
                "actors", actors.spans, actors.producer, actors.config, with_actors
            )
        return cls(
            text=data["text"], meta=data.get("meta") or {}, layers=layers, id=data.get("id", "")
        )

    @classmethod
    def from_json(cls, text: str) -> Document:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
        return cls.from_dict(data)
