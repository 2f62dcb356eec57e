"""Export formats and the Label Studio round trip."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from corpus_docs import BRIDGE, BUDGET, HARBOUR, make_doc

from unspin.corpus.exchange import export_documents, import_labelstudio
from unspin.document import Document
from unspin.errors import InvalidInput

DOCS = [HARBOUR, BUDGET, BRIDGE]


def _export(fmt: str, docs=DOCS) -> str:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    export_documents(docs, fmt, out)
    return out.getvalue()


def test_export_jsonl_round_trips_documents():
    lines = _export("jsonl").splitlines()
    assert [Document.from_json(line).to_dict() for line in lines] == [d.to_dict() for d in DOCS]


def test_export_csv_has_one_row_per_document():
    rows = list(csv.DictReader(io.StringIO(_export("csv"))))
    assert [(r["id"], json.loads(r["techniques"])) for r in rows] == [
        (HARBOUR.id, {"Loaded_Language": 1}),
        (BUDGET.id, {}),
        (BRIDGE.id, {"Loaded_Language": 1, "Name_Calling,Labeling": 1}),
    ]


def test_export_parquet_keeps_layers(tmp_path: Path):
    import pyarrow.parquet as pq

    export_documents(DOCS, "parquet", tmp_path / "docs.parquet")
    table = pq.read_table(tmp_path / "docs.parquet").to_pylist()
    assert json.loads(table[2]["layers"]) == BRIDGE.to_dict()["layers"]


def test_export_parquet_to_a_stream_raises_invalid_input():
    with pytest.raises(InvalidInput, match="-o"):
        export_documents(DOCS, "parquet", io.StringIO())


def test_export_unknown_format_raises_invalid_input():
    with pytest.raises(InvalidInput, match="xml"):
        export_documents(DOCS, "xml", io.StringIO())


def _annotate(tasks: list[dict], *, utf16: bool = False) -> list[dict]:
    """Play the annotator: accept the predictions, and add one region of our own."""
    for number, task in enumerate(tasks):
        result = [
            dict(r, value=dict(r["value"]))
            for r in task.get("predictions", [{}])[0].get("result", [])
        ]
        text = task["data"]["text"]
        start = text.index("Okafor") if "Okafor" in text else None
        if start is not None:
            offset = start
            if utf16:
                offset += sum(1 for ch in text[:start] if ord(ch) > 0xFFFF)
            result.append(
                {
                    "from_name": "technique",
                    "to_name": "text",
                    "type": "labels",
                    "value": {
                        "start": offset,
                        "end": offset + 6,
                        "text": "Okafor",
                        "labels": ["Name_Calling,Labeling"],
                    },
                }
            )
        task["id"] = number + 1
        task["annotations"] = [{"id": 10 + number, "completed_by": 7, "result": result}]
    return tasks


def test_labelstudio_round_trip_writes_gold_layers(corpus):
    for doc in DOCS:
        corpus.add(doc)
    tasks = _annotate(json.loads(_export("labelstudio")))
    report = import_labelstudio(corpus, tasks)
    gold = corpus.get(BRIDGE.id).layers["persuasion-gold"]
    predicted = BRIDGE.layers["persuasion"]
    expected = sorted(
        [(s.start, s.end, s.label) for s in predicted.spans]
        + [(BRIDGE.text.index("Okafor"), BRIDGE.text.index("Okafor") + 6, "Name_Calling,Labeling")]
    )
    assert ([(s.start, s.end, s.label) for s in gold.spans], report.documents) == (expected, 3)


def test_labelstudio_import_keeps_predictions_and_versions(corpus):
    corpus.add(BRIDGE, producers={"persuasion": "1.0.0"})
    import_labelstudio(corpus, _annotate(json.loads(_export("labelstudio", [BRIDGE]))))
    assert (
        corpus.get(BRIDGE.id).layers["persuasion"] == BRIDGE.layers["persuasion"],
        corpus.has(BRIDGE.id, {"persuasion": "1.0.0"}),
    ) == (True, True)


def test_labelstudio_import_repairs_utf16_offsets(corpus):
    doc = make_doc(
        "Fans 🎉🎉 cheered while Okafor spoke of a reckless plan.",
        techniques=[("reckless", "Loaded_Language")],
    )
    corpus.add(doc)
    tasks = _annotate(json.loads(_export("labelstudio", [doc])), utf16=True)
    report = import_labelstudio(corpus, tasks)
    gold = corpus.get(doc.id).layers["persuasion-gold"]
    assert (report.repaired_offsets, [s.text(doc) for s in gold.spans]) == (
        1,
        ["Okafor", "reckless"],
    )


def test_labelstudio_import_skips_unknown_documents(corpus):
    tasks = [{"data": {"text": "Never stored."}, "annotations": [{"result": []}]}]
    assert import_labelstudio(corpus, tasks).skipped_tasks == 1


def test_labelstudio_import_gold_counts_as_its_own_facet(corpus):
    corpus.add(HARBOUR)
    import_labelstudio(corpus, _annotate(json.loads(_export("labelstudio", [HARBOUR]))))
    assert corpus.stats()["techniques"] == {"Loaded_Language": 1}


def test_labelstudio_import_rejects_non_tasks(corpus):
    with pytest.raises(InvalidInput):
        import_labelstudio(corpus, "not tasks")
