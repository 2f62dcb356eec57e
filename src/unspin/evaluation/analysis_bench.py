"""Measure the analysis detectors on the dev splits through the JSONL interface.

Converts CT24 dev-test, CoNLL eng.testa (and, with ``--only conll-val``, the validation
documents carved from eng.train) and NewsMTSC dev-mt / dev-rw (and, with ``--only newsmtsc-val``
or ``newsmtsc-val-mt``, the validation carved from NewsMTSC train, all of it or its sentences with
several targets) into JSONL (``id``, ``text``,
``targets``) under ``--work`` (never in the repository), runs
``unspin analyze IN.jsonl --format jsonl -o OUT.jsonl -d <detectors>`` on each (or the same
pipeline in-process with ``--in-process``) and scores OUT.jsonl with the official metrics.

Example:
    PYTHONPATH=src python -m unspin.evaluation.analysis_bench --data ../shared/data \\
        --work /work/runs/analysis/eval
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from unspin.datasets.checkthat import read_checkthat
from unspin.datasets.conll import NerSentence, bio_spans, conll_text, read_conll, split_conll
from unspin.datasets.newsmtsc import STANCE_LABELS, read_newsmtsc, split_newsmtsc
from unspin.evaluation.claims import f1_yes
from unspin.evaluation.conll import span_f1
from unspin.evaluation.stance import macro_f1

__all__ = ["conll_rows", "convert", "score_claims", "score_entities", "score_stance", "main"]


#: validation carved from training sets: run only when named in ``--only``
CARVED = ("conll-val", "newsmtsc-val", "newsmtsc-val-mt")


def _write(path: Path, rows: Iterator[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def conll_rows(
    sentences: list[NerSentence], prefix: str, path: Path, *, unit: str = "document"
) -> tuple[Path, set[tuple[str, int, int, str]]]:
    """Write CoNLL sentences as JSONL lines and return the gold character spans.

    With ``unit="document"`` a line is one CoNLL document, its sentences one per line (each a
    paragraph of its own, so sentence bounds are the corpus's); with ``"sentence"`` one sentence.
    Words are joined by single spaces.
    """
    if unit not in ("document", "sentence"):
        raise ValueError(f"unit must be 'document' or 'sentence', not {unit!r}")
    groups: dict[str, list[NerSentence]] = {}
    for n, sentence in enumerate(sentences):
        key = f"{prefix}-d{sentence.doc}" if unit == "document" else f"{prefix}-{n}"
        groups.setdefault(key, []).append(sentence)
    rows: list[dict[str, Any]] = []
    gold: set[tuple[str, int, int, str]] = set()
    for key, members in groups.items():
        parts: list[str] = []
        offset = 0
        for sentence in members:
            text, spans = conll_text(sentence.words)
            if not text.strip():
                continue
            for first, last, kind in bio_spans(sentence.tags):
                gold.add((key, offset + spans[first][0], offset + spans[last - 1][1], kind))
            parts.append(text)
            offset += len(text) + 1
        if parts:
            rows.append({"id": key, "text": "\n".join(parts)})
    return _write(path, iter(rows)), gold


def convert(data: Path, work: Path, *, conll_unit: str = "document") -> dict[str, tuple[Path, Any]]:
    """Write the dev splits as JSONL inputs; return {split: (path, gold)}.

    ``conll-val`` is the validation carved from CoNLL eng.train (every 10th document, never
    trained on), for choosing post-processing before eng.testa is measured; ``newsmtsc-val`` and
    ``newsmtsc-val-mt`` the same for stance (the trainers' carve by article, never trained on).
    """
    out: dict[str, tuple[Path, Any]] = {}
    claims = read_checkthat(
        data / "checkthat2024-task1-en" / "CT24_checkworthy_english_dev-test.tsv"
    )
    out["ct24-dev-test"] = (
        _write(work / "ct24-dev-test.jsonl", ({"id": f"ct{e.id}", "text": e.text} for e in claims)),
        {f"ct{e.id}": e.label for e in claims},
    )
    testa = read_conll(data / "conll2003-en" / "eng.testa")
    out["conll-testa"] = conll_rows(testa, "testa", work / "conll-testa.jsonl", unit=conll_unit)
    _train, carved = split_conll(read_conll(data / "conll2003-en" / "eng.train"))
    out["conll-val"] = conll_rows(carved, "val", work / "conll-val.jsonl", unit=conll_unit)
    _stance_train, stance_carved = split_newsmtsc(read_newsmtsc(data / "newsmtsc" / "train.jsonl"))
    stance_sets = {
        "dev-mt": read_newsmtsc(data / "newsmtsc" / "dev-mt.jsonl"),
        "dev-rw": read_newsmtsc(data / "newsmtsc" / "dev-rw.jsonl"),
        "val": stance_carved,
        "val-mt": [e for e in stance_carved if len(e.targets) > 1],
    }
    for split, examples in stance_sets.items():
        rows = []  # reuse the list type above
        stance_gold: list[tuple[str, int, int, str]] = []
        for n, example in enumerate(examples):
            key = f"{split}-{n}"
            rows.append(
                {
                    "id": key,
                    "text": example.text,
                    "targets": [{"start": s, "end": e} for s, e, _ in example.targets],
                }
            )
            for s, e, label in example.targets:
                stance_gold.append((key, s, e, STANCE_LABELS[label]))
        out[f"newsmtsc-{split}"] = (
            _write(work / f"newsmtsc-{split}.jsonl", iter(rows)),
            stance_gold,
        )
    return out


def _read(path: Path) -> dict[str, dict[str, Any]]:
    docs = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                doc = json.loads(line)
                docs[str(doc["id"])] = doc
    return docs


def _spans(doc: dict[str, Any], layer: str) -> list[dict[str, Any]]:
    found = doc.get("layers", {}).get(layer)
    if found is None:
        raise ValueError(f"document {doc.get('id')!r} has no {layer!r} layer")
    return list(found["spans"])


def score_claims(out: Path, gold: dict[str, int]) -> dict[str, float]:
    """F1 of Yes: a line is predicted Yes when its claims layer has a span."""
    docs = _read(out)
    keys = sorted(gold)
    predicted = [int(bool(_spans(docs[k], "claims"))) for k in keys]
    return {"f1_yes": f1_yes([gold[k] for k in keys], predicted), "n": len(keys)}


def score_entities(out: Path, gold: set[tuple[str, int, int, str]]) -> dict[str, float]:
    """conlleval entity F1 (exact span + type) on character spans of the space-joined words."""
    predicted = set()
    for key, doc in _read(out).items():
        for span in _spans(doc, "entities"):
            predicted.add((key, span["start"], span["end"], span["label"]))
    return span_f1(gold, predicted)


def score_stance(out: Path, gold: list[tuple[str, int, int, str]]) -> dict[str, float]:
    """Macro-F1 per target (every annotated target, even two on the same mention): the label of
    the stance span at the target's offsets."""
    docs = _read(out)
    golds, preds = [], []
    for key, start, end, label in gold:
        spans = {(s["start"], s["end"]): s["label"] for s in _spans(docs[key], "stance")}
        golds.append(label)
        preds.append(spans.get((start, end), "missing"))
    return {"macro_f1": macro_f1(golds, preds, labels=list(STANCE_LABELS)), "n": len(golds)}


def _run(inp: Path, out: Path, detectors: str, *, in_process: bool) -> None:
    if in_process:
        from unspin.document import Document
        from unspin.pipeline import Pipeline

        pipe = Pipeline.from_names(detectors)
        with inp.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
            for line in src:
                row = json.loads(line)
                meta = {"targets": row["targets"]} if row.get("targets") else {}
                doc = pipe.run(Document(row["text"], meta=meta, id=row["id"]))
                dst.write(doc.to_json() + "\n")
        return
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "unspin.cli",
            "analyze",
            str(inp),
            "--format",
            "jsonl",
            "-o",
            str(out),
            "-d",
            detectors,
            "-q",
        ],
        check=True,
        env=env,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m unspin.evaluation.analysis_bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--work", type=Path, required=True, help="folder for JSONL in/out")
    parser.add_argument(
        "--in-process", action="store_true", help="run the pipeline here instead of through the CLI"
    )
    parser.add_argument("--only", default="", help="comma-separated splits to run")
    parser.add_argument(
        "--conll-unit",
        choices=("document", "sentence"),
        default="document",
        help="one JSONL line per CoNLL document (default) or per sentence",
    )
    args = parser.parse_args(argv)
    splits = convert(args.data, args.work, conll_unit=args.conll_unit)
    detectors = {
        "ct24-dev-test": "structure,claims",
        "conll-testa": "structure,entities",
        "conll-val": "structure,entities",
        "newsmtsc-dev-mt": "structure,entities,stance",
        "newsmtsc-dev-rw": "structure,entities,stance",
        "newsmtsc-val": "structure,entities,stance",
        "newsmtsc-val-mt": "structure,entities,stance",
    }
    scorers = {
        "ct24-dev-test": score_claims,
        "conll-testa": score_entities,
        "conll-val": score_entities,
        "newsmtsc-dev-mt": score_stance,
        "newsmtsc-dev-rw": score_stance,
        "newsmtsc-val": score_stance,
        "newsmtsc-val-mt": score_stance,
    }
    wanted = [s for s in args.only.split(",") if s] or [s for s in splits if s not in CARVED]
    results = {}
    for split in wanted:
        inp, gold = splits[split]
        out = args.work / f"{split}.out.jsonl"
        _run(inp, out, detectors[split], in_process=args.in_process)
        results[split] = scorers[split](out, gold)  # type: ignore[operator]
        print(json.dumps({split: results[split]}), flush=True)
    (args.work / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
