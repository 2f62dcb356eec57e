"""Hand-built analysed documents for the corpus tests (texts written for unspin)."""

from __future__ import annotations

from typing import Any

from unspin.document import Document, Layer, Span


def make_doc(
    text: str,
    *,
    source: str = "",
    published: str | None = None,
    title: str = "",
    techniques: list[tuple[str, str]] = (),  # type: ignore[assignment]
    actors: list[dict[str, Any]] = (),  # type: ignore[assignment]
    doc_id: str = "",
    version: str = "1.0.0",
) -> Document:
    """Build a document with a ``persuasion`` layer (each technique on the first occurrence of
    its phrase) and an ``actors`` layer."""
    meta: dict[str, Any] = {"source": source, "title": title}
    if published:
        meta["published"] = published
    spans = []
    for phrase, label in techniques:
        start = text.index(phrase)
        spans.append(Span(start, start + len(phrase), label, 0.9))
    layers = [
        Layer("persuasion", tuple(spans), producer=f"persuasion@{version}"),
        Layer("actors", (), producer=f"actors@{version}", data={"actors": list(actors)}),
    ]
    return Document(text, meta=meta, id=doc_id).with_layers(layers)


def actor(name: str, stance: str, *aliases: str, score: float = 0.8) -> dict[str, Any]:
    return {
        "id": name.lower().replace(" ", "-"),
        "name": name,
        "type": "PER",
        "aliases": [name, *aliases],
        "mentions": [],
        "stance": {"label": stance, "score": score},
    }


HARBOUR = make_doc(
    "Harbour workers walked out on Monday after the port authority cut night shifts. "
    "The union called the decision a reckless betrayal of families.",
    source="https://www.tidewater-news.example/harbour-strike",
    published="2024-03-04",
    title="Harbour strike begins",
    techniques=[("reckless betrayal", "Loaded_Language")],
    actors=[actor("Port Authority", "negative", "the port authority")],
)
BUDGET = make_doc(
    "The finance minister Lena Okafor presented a budget that raises school funding by 4 percent. "
    "Critics said the plan ignores rural clinics.",
    source="/data/valley-herald/budget.txt",
    published="2024-03-06",
    title="Budget raises school funding",
    actors=[actor("Lena Okafor", "neutral", "Okafor")],
)
BRIDGE = make_doc(
    "So-called experts keep defending the crumbling bridge while the council does nothing. "
    "Lena Okafor promised repairs, and nothing happened.",
    source="https://valley-herald.example/bridge",
    published="2024-03-12",
    title="Bridge still crumbling",
    techniques=[
        ("So-called experts", "Name_Calling,Labeling"),
        ("does nothing", "Loaded_Language"),
    ],
    actors=[actor("Lena Okafor", "negative", "Okafor")],
)
