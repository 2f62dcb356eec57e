from __future__ import annotations

from dataclasses import dataclass

import pytest

from unspin.detectors import DetectorInfo, Registry, registry
from unspin.document import Document, Layer, Span
from unspin.errors import DetectorError, Failure, InvalidInput, UnknownDetector
from unspin.pipeline import Pipeline

TEXT = "The corrupt elite lied again, the minister said on 3 March 2024."


@dataclass
class Shouting:
    """A test double: marks words in capitals."""

    name: str = "shouting"
    version: str = "1.0"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("shouting",)

    def detect(self, doc: Document) -> Layer:
        spans = [Span(i, i + 1, "caps") for i, c in enumerate(doc.text) if c.isupper()]
        return Layer("shouting", tuple(spans), producer=f"{self.name}@{self.version}")


@dataclass
class Broken:
    name: str = "broken"
    version: str = "1.0"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("broken",)

    def detect(self, doc: Document) -> Layer:
        raise ZeroDivisionError("boom")


@dataclass
class NeedsSentences:
    name: str = "needs"
    version: str = "1.0"
    requires: tuple[str, ...] = ("sentences",)
    provides: tuple[str, ...] = ("needs",)

    def detect(self, doc: Document) -> Layer:
        return Layer("needs", (), producer="needs@1.0")


def test_pipeline_adds_every_layer_of_baseline() -> None:
    doc = Pipeline.from_names("baseline").run(Document(TEXT))
    assert {"paragraphs", "sentences", "persuasion", "claims", "entities"} <= set(doc.layers)


def test_pipeline_does_not_mutate_input() -> None:
    doc = Document(TEXT)
    Pipeline.from_names("baseline").run(doc)
    assert doc.layers == {}


def test_pipeline_adds_required_detectors() -> None:
    names = [d.name for d in Pipeline.from_names("baseline-claims").detectors]
    assert names == ["structure", "baseline-claims"]


def test_pipeline_unknown_detector_lists_known_names() -> None:
    with pytest.raises(UnknownDetector, match="baseline-claims"):
        Pipeline.from_names("nope")


def test_pipeline_rejects_missing_requirement() -> None:
    with pytest.raises(DetectorError, match="sentences"):
        Pipeline([NeedsSentences()])


def test_pipeline_wraps_detector_crash_with_its_name() -> None:
    with pytest.raises(DetectorError, match="broken"):
        Pipeline([Broken()]).run(Document(TEXT))


def test_pipeline_runs_a_protocol_double() -> None:
    doc = Pipeline([Shouting()]).run(Document("Hello World"))
    assert [s.start for s in doc.layers["shouting"]] == [0, 6]


def test_pipeline_run_items_turns_crash_into_failure() -> None:
    items = [Document("first one", meta={"source": "a.txt"}), Document("second one")]
    results = list(Pipeline([Broken()]).run_items(items))
    assert [type(r) for r in results] == [Failure, Failure] and results[0].input == "a.txt"


def test_pipeline_run_items_passes_failures_through() -> None:
    failure = Failure("x.jsonl:2", DetectorError("x"))
    results = list(Pipeline([Shouting()]).run_items([failure, Document("Ok")]))
    assert results[0] is failure and isinstance(results[1], Document)


def test_pipeline_producers_name_versions() -> None:
    assert Pipeline([Shouting()]).producers == {"shouting": "1.0"}


def test_baseline_producers_are_labelled_baseline() -> None:
    doc = Pipeline.from_names("baseline").run(Document(TEXT))
    for name in ("persuasion", "claims", "entities"):
        assert doc.layers[name].producer.startswith("baseline-")


def test_registry_expand_detects_cycles() -> None:
    reg = Registry()
    reg._loaded = True  # an isolated registry without the built-ins
    reg.add(DetectorInfo("a", lambda: Shouting(), requires=("b",), provides=("a",)))
    reg.add(DetectorInfo("b", lambda: Shouting(), requires=("a",), provides=("b",)))
    with pytest.raises(DetectorError, match="cycle"):
        reg.expand(["a"])


def test_registry_default_set_exists() -> None:
    assert "default" in registry.sets()


def _isolated(factory) -> Registry:  # type: ignore[no-untyped-def]
    reg = Registry()
    reg._loaded = True
    reg.add(DetectorInfo("x", factory, requires=(), provides=("x",)))
    return reg


def test_registry_describe_reads_version_from_created_detector() -> None:
    assert _isolated(Shouting).describe("x").version == "1.0"


def test_registry_describe_reports_detector_that_cannot_be_created() -> None:
    def missing_model() -> Shouting:
        raise DetectorError("model 'x' is not installed")

    about = _isolated(missing_model).describe("x")
    assert (about.available, about.problem) == (False, "model 'x' is not installed")


def _with_reads() -> Registry:
    """a makes A; b needs A; c needs A and reads B (made by b) and Z (made by z)."""
    reg = Registry()
    reg._loaded = True
    reg.add(DetectorInfo("a", Shouting, requires=(), provides=("A",)))
    reg.add(DetectorInfo("b", Shouting, requires=("A",), provides=("B",)))
    reg.add(DetectorInfo("c", Shouting, requires=("A",), provides=("C",), reads=("B", "Z")))
    reg.add(DetectorInfo("z", Shouting, requires=(), provides=("Z",), reads=("C",)))
    return reg


def test_registry_expand_runs_a_reader_after_the_maker_of_what_it_reads() -> None:
    assert _with_reads().expand(["c", "b"]) == ["a", "b", "c"]


def test_registry_expand_does_not_add_what_a_detector_only_reads() -> None:
    assert _with_reads().expand(["c"]) == ["a", "c"]


def test_registry_expand_lets_a_read_give_way_to_a_cycle() -> None:
    # c reads Z and z reads C: both run, the first named first
    assert _with_reads().expand(["z", "c"]) == ["a", "c", "z"]


def test_registry_expand_orders_actors_after_stance_it_reads() -> None:
    ordered = registry.expand(["entities", "actors", "stance"])
    assert ordered.index("stance") < ordered.index("actors")


@pytest.mark.parametrize("name", ["default", "baseline"])
def test_registry_sets_are_the_ones_defined_once(name: str) -> None:
    from unspin.detectors import SETS

    assert registry.sets()[name] == SETS[name]


def test_registry_listing_describes_every_detector_and_set() -> None:
    listing = registry.listing()
    assert [d.name for d in listing.detectors] == registry.names()
    assert set(listing.sets) == set(registry.sets())


@dataclass
class Slow:
    """A test double that finishes later the earlier its document comes, to scramble threads."""

    name: str = "slow"
    version: str = "1.0"
    requires: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("slow",)

    def detect(self, doc: Document) -> Layer:
        import time

        time.sleep(0.002 * (10 - int(doc.text.split()[-1])))
        return Layer("slow", (Span(0, 1, "seen"),), producer="slow@1.0")


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_pipeline_run_many_keeps_input_order(workers: int) -> None:
    docs = [Document(f"Document number {i}") for i in range(10)]
    out = list(Pipeline([Slow(), Shouting()]).run_many(docs, workers=workers))
    assert [d.text for d in out] == [d.text for d in docs]
    assert all("slow" in d.layers and "shouting" in d.layers for d in out)


def test_pipeline_run_items_in_threads_keeps_failures_in_place() -> None:
    failure = Failure("x.jsonl:2", DetectorError("x"))
    items = [Document("First"), failure, Document("Third")]
    results = list(Pipeline([Shouting()]).run_items(items, workers=2))
    assert isinstance(results[0], Document) and results[1] is failure
    assert isinstance(results[2], Document) and results[2].text == "Third"


def test_pipeline_run_many_rejects_zero_workers() -> None:
    with pytest.raises(InvalidInput, match="workers"):
        list(Pipeline([Shouting()]).run_many([Document("Hi")], workers=0))
