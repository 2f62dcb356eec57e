"""The contract every registered detector keeps (built-ins, and plugins once installed): its
spans lie inside the text and come sorted, the same input gives the same layers, the document
it reads is never changed, and it says its version in every layer it makes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from unspin.detectors import Detector, registry
from unspin.document import Document, Layer
from unspin.pipeline import Pipeline

DATA = Path(__file__).resolve().parent / "data"
# English with techniques, names and claims, then emoji and non-Latin scripts (offsets in code
# points), with a given stance target
TEXT = (DATA / "persuasion_gate.txt").read_text(encoding="utf-8").strip() + "\n\n"
TEXT += (DATA / "multiscript.txt").read_text(encoding="utf-8")
META = {"published": "2024-04-12", "targets": [{"start": 0, "end": 3}]}


@dataclass(frozen=True)
class Run:
    """One detector run twice on a document holding what it requires and reads."""

    detector: Detector
    before: str
    doc: Document
    first: list[Layer]
    second: list[Layer]


def _as_list(result: Layer | list[Layer]) -> list[Layer]:
    return [result] if isinstance(result, Layer) else list(result)


@pytest.fixture(scope="module")
def runs() -> dict[str, Run]:
    out = {}
    for name in registry.names():
        info = registry.info(name)
        # every producer of what it needs or reads, in order, but not the detector itself
        wanted = [*info.requires, *info.reads]
        makers = [n for n in registry.names() if set(registry.info(n).provides) & set(wanted)]
        # prefer the default set's makers (one per layer)
        chosen = [n for n in makers if n in registry.sets()["default"]] or makers
        names = [n for n in registry.expand(chosen) if n != name]
        doc = Pipeline.from_names(names).run(Document(TEXT, meta=META)) if names else None
        doc = doc or Document(TEXT, meta=META)
        before = json.dumps(doc.to_dict(), sort_keys=True)
        detector = registry.create(name)
        first = _as_list(detector.detect(doc))
        second = _as_list(detector.detect(doc))
        out[name] = Run(detector, before, doc, first, second)
    return out


NAMES = registry.names()


@pytest.mark.parametrize("name", NAMES)
def test_detector_spans_lie_inside_the_text(runs: dict[str, Run], name: str) -> None:
    for layer in runs[name].first:
        assert all(0 <= s.start <= s.end <= len(TEXT) for s in layer.spans), layer.name


@pytest.mark.parametrize("name", NAMES)
def test_detector_spans_come_sorted(runs: dict[str, Run], name: str) -> None:
    for layer in runs[name].first:
        keys = [(s.start, s.end, s.label) for s in layer.spans]
        assert keys == sorted(keys), layer.name


@pytest.mark.parametrize("name", NAMES)
def test_detector_gives_the_same_layers_twice(runs: dict[str, Run], name: str) -> None:
    first = [layer.to_dict() for layer in runs[name].first]
    assert first == [layer.to_dict() for layer in runs[name].second]


@pytest.mark.parametrize("name", NAMES)
def test_detector_never_changes_the_document_it_reads(runs: dict[str, Run], name: str) -> None:
    assert json.dumps(runs[name].doc.to_dict(), sort_keys=True) == runs[name].before


@pytest.mark.parametrize("name", NAMES)
def test_detector_makes_only_the_layers_it_provides(runs: dict[str, Run], name: str) -> None:
    made = {layer.name for layer in runs[name].first}
    assert made and made <= set(runs[name].detector.provides)


@pytest.mark.parametrize("name", NAMES)
def test_detector_says_its_version_in_each_layer(runs: dict[str, Run], name: str) -> None:
    detector = runs[name].detector
    assert detector.version and registry.info(name).version in ("", detector.version)
    for layer in runs[name].first:
        assert layer.producer == f"{detector.name}@{detector.version}", layer.name
