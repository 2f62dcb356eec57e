"""Export stored documents (JSONL, CSV, Parquet, Label Studio tasks) and import Label Studio
annotations back as gold layers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from unspin.document import Document, Layer, Span
from unspin.errors import InvalidInput, MissingExtra, NotFound
from unspin.formats.view import technique_counts

if TYPE_CHECKING:
    from unspin.store import Corpus

__all__ = ["EXPORT_FORMATS", "export_documents", "import_labelstudio", "ImportReport"]

EXPORT_FORMATS = ("jsonl", "csv", "parquet", "labelstudio")
CSV_COLUMNS = ("id", "source", "title", "published", "techniques", "actors", "text")


def _actor_names(doc: Document) -> list[str]:
    return [str(a.get("name") or a.get("canonical") or "") for a in doc.actors]


def export_documents(docs: Iterable[Document], fmt: str, out: IO[Any] | Path) -> int:
    """Write documents in a format.

    Args:
        docs: the documents.
        fmt: ``jsonl`` (the unspin.document/2 JSON, one a line), ``csv`` (id, source, title,
            published, technique counts, actor names, text), ``parquet`` (one row a document, meta
            and layers as JSON) or ``labelstudio`` (a JSON list of tasks with the persuasion
            layer as predictions, see :func:`unspin.formats.labelstudio.label_studio_tasks`).
        out: a text stream (jsonl, csv, labelstudio) or a file path (any format).

    Returns:
        How many documents were written.

    Raises:
        InvalidInput: unknown format, or parquet to a stream.
        MissingExtra: parquet without pyarrow.
    """
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    if fmt == "parquet":
        if not isinstance(out, Path):
            raise InvalidInput("parquet export needs an output file: give -o PATH")
        return _parquet(docs, out)
    if isinstance(out, Path):
        with out.open("w", encoding="utf-8", newline="") as handle:
            return export_documents(docs, fmt, handle)
    count = 0
    if fmt == "jsonl":
        from unspin.formats.json import write_jsonl

        count = write_jsonl(docs, out)  # type: ignore[arg-type]
    elif fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for doc in docs:
            meta = doc.meta
            writer.writerow(
                [
                    doc.id,
                    meta.get("source", ""),
                    meta.get("title", ""),
                    meta.get("published", ""),
                    json.dumps(technique_counts(doc)),
                    "; ".join(_actor_names(doc)),
                    doc.text,
                ]
            )
            count += 1
    else:
        from unspin.formats.labelstudio import label_studio_tasks

        tasks = label_studio_tasks(docs)
        json.dump(tasks, out, ensure_ascii=False, indent=1)
        out.write("\n")
        count = len(tasks)
    return count


def _parquet(docs: Iterable[Document], path: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingExtra("parquet export", "parquet", "pyarrow") from None
    columns: dict[str, list[Any]] = {
        k: [] for k in ("id", "source", "title", "published", "text", "meta", "layers")
    }
    for doc in docs:
        data = doc.to_dict()
        columns["id"].append(doc.id)
        columns["source"].append(str(doc.meta.get("source", "")))
        columns["title"].append(str(doc.meta.get("title", "")))
        columns["published"].append(doc.meta.get("published"))
        columns["text"].append(doc.text)
        columns["meta"].append(json.dumps(data["meta"], ensure_ascii=False))
        columns["layers"].append(json.dumps(data["layers"], ensure_ascii=False))
    pq.write_table(pa.table(columns), str(path))
    return len(columns["id"])


@dataclass(frozen=True)
class ImportReport:
    """What an import did."""

    documents: int
    spans: int
    skipped_tasks: int
    repaired_offsets: int
    rejected_spans: int


def _utf16_to_codepoints(text: str, offset: int) -> int:
    units = 0
    for index, char in enumerate(text):
        if units >= offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def _locate(text: str, value: Mapping[str, Any]) -> tuple[int, int, bool] | None:
    """Return code-point offsets of a Label Studio region, repairing UTF-16 offsets."""
    start, end = int(value["start"]), int(value["end"])
    quoted = value.get("text")
    if quoted is None or text[start:end] == quoted:
        return (start, end, False) if 0 <= start <= end <= len(text) else None
    start16, end16 = _utf16_to_codepoints(text, start), _utf16_to_codepoints(text, end)
    if text[start16:end16] == quoted:
        return start16, end16, True
    near = text.find(quoted, max(0, start - 50))
    if near >= 0 and abs(near - start) <= 50:
        return near, near + len(quoted), True
    return None


def import_labelstudio(
    corpus: Corpus, tasks: Any, *, layer: str = "persuasion-gold", producer: str = "labelstudio"
) -> ImportReport:
    """Store the latest annotation of each Label Studio task as a gold layer of its document.

    Args:
        corpus: the store holding the annotated documents.
        tasks: the parsed Label Studio JSON export (a list of tasks).
        layer: name of the gold layer to write.
        producer: the layer's producer name.

    Returns:
        Counts of documents updated, spans written, tasks skipped (no annotation or unknown
        document) and spans repaired or rejected for offsets that did not match the text.

    Raises:
        InvalidInput: the export is not a list of Label Studio tasks.
    """
    if isinstance(tasks, Mapping):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise InvalidInput("a Label Studio export is a JSON list of tasks")
    documents = spans_written = skipped = repaired = rejected = 0
    for task in tasks:
        if not isinstance(task, Mapping) or not isinstance(task.get("data"), Mapping):
            raise InvalidInput("a Label Studio task needs a 'data' object")
        annotations = [
            a
            for a in task.get("annotations") or task.get("completions") or []
            if not a.get("was_cancelled")
        ]
        doc = _task_document(corpus, task["data"])
        if doc is None or not annotations:
            skipped += 1
            continue
        annotation = annotations[-1]
        spans = []
        for region in annotation.get("result", []):
            value = region.get("value") or {}
            labels = value.get("labels") or []
            if region.get("type") != "labels" or not labels or "start" not in value:
                continue
            located = _locate(doc.text, value)
            if located is None:
                rejected += 1
                continue
            start, end, fixed = located
            repaired += int(fixed)
            for label in labels:
                spans.append(
                    Span(
                        start, end, str(label), None, {"annotator": annotation.get("completed_by")}
                    )
                )
        who = annotation.get("completed_by")
        gold = Layer(
            layer,
            tuple(spans),
            producer=f"{producer}@{annotation.get('id', 0)}",
            config={"annotator": who, "task": task.get("id")},
        )
        updated = doc.with_layer(gold)
        stored_producers = _stored_producers(corpus, doc)
        corpus.add(updated, producers=stored_producers)
        documents += 1
        spans_written += len(spans)
    return ImportReport(documents, spans_written, skipped, repaired, rejected)


def _stored_producers(corpus: Corpus, doc: Document) -> dict[str, str]:
    from unspin.store.sql import producers_of

    # keep the detector versions of the analysis: a gold layer does not make it current
    return {k: v for k, v in producers_of(doc).items() if k != "labelstudio"}


def _task_document(corpus: Corpus, data: Mapping[str, Any]) -> Document | None:
    from unspin.document import text_id

    candidates = [data.get("unspin_id"), data.get("doc_id"), data.get("id")]
    if isinstance(data.get("text"), str) and data["text"].strip():
        candidates.append(text_id(data["text"]))
    for candidate in candidates:
        if not candidate:
            continue
        try:
            return corpus.get(str(candidate))
        except NotFound:
            continue
    return None


def read_json(path: Path | str) -> Any:
    """Read a JSON file (``-`` for standard input).

    Raises:
        InvalidInput: the file is missing or not JSON.
    """
    import sys

    try:
        raw = sys.stdin.read() if str(path) == "-" else Path(path).read_text(encoding="utf-8")
        return json.loads(raw)
    except FileNotFoundError:
        raise InvalidInput(f"no such file: {path}") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path} is not JSON: {exc.msg} at line {exc.lineno}") from None


def to_text(docs: Iterable[Document], fmt: str) -> str:
    """Return the export of documents as a string (not for parquet)."""
    buffer = io.StringIO()
    export_documents(docs, fmt, buffer)
    return buffer.getvalue()
