"""Turn a training run into the shipped ``persuasion`` model folder.

On the run's validation articles, with the int8 ONNX model and the detector's own code path:
fit the temperatures (SI token channel, TC softmax), tune the SI threshold and boundary
post-processing, then score fp32 and int8 with ``unspin.evaluation.ptc.evaluate_ptc`` and write
``model.onnx``, ``tokenizer.json``, ``manifest.json``, ``metrics.json`` into the target folder.
Needs numpy, onnxruntime and tokenizers only (no torch).
"""

from __future__ import annotations

import itertools
import json
import logging
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from unspin.detectors.persuasion_windows import ANY_CHANNEL, TECHNIQUES, DecodeConfig, decode_spans
from unspin.evaluation.ptc import SISpan, evaluate_ptc, read_si, read_tc, score_si
from unspin.training.ptc_data import TECHNIQUE_INDEX, find_corpus

log = logging.getLogger("unspin.training.package")

VERSION = "1.0.0"


def _manifest(directory: Path, config: dict[str, Any], version: str) -> None:
    from unspin.models.runtime import sha256_file

    files = {name: sha256_file(directory / name) for name in ("model.onnx", "tokenizer.json")}
    manifest = {"name": "persuasion", "version": version, "files": files, "config": config}
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def base_config(run_config: dict[str, Any]) -> dict[str, Any]:
    return {
        "labels": list(TECHNIQUES),
        "channels": [*TECHNIQUES, "any"],
        "windows": {
            "block_tokens": run_config["block_tokens"],
            "context_tokens": run_config["context_tokens"],
            "cls_id": 101,
            "sep_id": 102,
        },
        "decode": asdict(DecodeConfig()),
        "temperature": {"si": 1.0, "tc": 1.0},
        "base_model": "all-MiniLM-L6-v2 (sha256 53aa5117...)",
    }


def stage(model_file: Path, tokenizer_file: Path, target: Path, config: dict[str, Any],
          version: str = VERSION) -> Path:
    """Copy a model and tokenizer into ``target`` and write its manifest."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model_file, target / "model.onnx")
    shutil.copyfile(tokenizer_file, target / "tokenizer.json")
    _manifest(target, config, version)
    return target


def _fit_temperature(nll: Any) -> float:
    grid = np.exp(np.linspace(np.log(0.25), np.log(4.0), 81))
    losses = [nll(t) for t in grid]
    return float(grid[int(np.argmin(losses))])


def tune(model_dir: Path, corpus: Path, val_ids: list[str]) -> dict[str, Any]:
    """Fit temperatures and the SI decoding on validation articles; return config updates."""
    from unspin.detectors import registry
    from unspin.detectors.persuasion import make_persuasion
    from unspin.document import Document
    from unspin.evaluation.ptc import read_articles

    detector = make_persuasion(directory=model_dir)
    structure = registry.create("structure")
    texts = read_articles(corpus / "train-articles", val_ids)
    si_gold = [s for s in read_si(corpus / "train-task-si.labels") if s.article_id in texts]
    tc_gold = [s for s in read_tc(corpus / "train-task-flc-tc.labels") if s.article_id in texts]
    cache = []
    token_logits_all, token_labels_all, span_logits_all, span_labels_all = [], [], [], []
    for article_id, text in texts.items():
        doc = Document(text, id=article_id)
        doc = doc.with_layers(structure.detect(doc))  # type: ignore[arg-type]
        tokens, windows = detector._prepare(text, detector._sentences(doc))
        logits = detector.token_logits(tokens, windows)
        labels = np.zeros(len(tokens.ids), dtype=np.float32)
        for s in si_gold:
            if s.article_id == article_id:
                a = int(np.searchsorted(tokens.ends, s.start, side="right"))
                b = int(np.searchsorted(tokens.starts, s.end, side="left"))
                labels[a:b] = 1.0
        token_logits_all.append(logits[:, ANY_CHANNEL])
        token_labels_all.append(labels)
        mine = [s for s in tc_gold if s.article_id == article_id]
        rows = detector._label_spans(text, tokens, windows, [(s.start, s.end) for s in mine])
        for s, row in zip(mine, rows, strict=True):
            if row is not None:
                span_logits_all.append(row)
                span_labels_all.append(TECHNIQUE_INDEX[s.technique])
        cache.append((article_id, text, tokens, logits[:, ANY_CHANNEL]))
    z = np.concatenate(token_logits_all)
    y = np.concatenate(token_labels_all)

    def si_nll(t: float) -> float:
        p = np.clip(1 / (1 + np.exp(-z / t)), 1e-7, 1 - 1e-7)
        return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())

    zs = np.stack(span_logits_all)
    ys = np.asarray(span_labels_all)

    def tc_nll(t: float) -> float:
        x = zs / t
        x = x - x.max(axis=1, keepdims=True)
        logp = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(ys)), ys].mean())

    t_si, t_tc = _fit_temperature(si_nll), _fit_temperature(tc_nll)
    log.info("temperatures: si %.3f (nll %.4f -> %.4f), tc %.3f (nll %.4f -> %.4f)",
             t_si, si_nll(1.0), si_nll(t_si), t_tc, tc_nll(1.0), tc_nll(t_tc))
    best: tuple[float, DecodeConfig] | None = None
    grid = itertools.product(
        np.round(np.arange(0.15, 0.71, 0.05), 2), (0, 1, 2, 5, 10), (1, 3, 6, 10, 20), (True, False)
    )
    for threshold, gap, min_chars, words in grid:
        cfg = DecodeConfig(float(threshold), int(gap), int(min_chars), bool(words))
        predicted = []
        for article_id, text, tokens, logit in cache:
            probs = 1 / (1 + np.exp(-logit / t_si))
            for s, e, _p in decode_spans(text, tokens, probs, cfg):
                predicted.append(SISpan(article_id, s, e))
        f1 = score_si(predicted, si_gold, articles=list(texts)).f1
        if best is None or f1 > best[0]:
            best = (f1, cfg)
    assert best is not None
    log.info("best decoding %s: SI F1 %.4f", best[1], best[0])
    return {"decode": asdict(best[1]), "temperature": {"si": t_si, "tc": t_tc}}


def package(run: Path, data: Path, target: Path, *, version: str = VERSION) -> dict[str, Any]:
    """Tune on validation, score fp32 and int8 with the PTC evaluation, write the model folder.

    Returns:
        The metrics written to ``target/metrics.json``.
    """
    from unspin.training.persuasion import tokenizer_file as find_tokenizer

    run_config = json.loads((run / "config.json").read_text())
    val_ids = json.loads((run / "split.json").read_text())["validation"]
    corpus = find_corpus(data)
    tokenizer_file = find_tokenizer(tiny=bool(run_config.get("tiny")))
    config = base_config(run_config)
    int8_dir = stage(run / "export" / "model.onnx", tokenizer_file, run / "stage-int8", config)
    config.update(tune(int8_dir, corpus, val_ids))
    metrics: dict[str, Any] = {"validation_articles": len(val_ids)}
    for name, model_file in (("fp32", "model.fp32.onnx"), ("int8", "model.onnx")):
        staged = stage(run / "export" / model_file, tokenizer_file, run / f"stage-{name}", config)
        report = evaluate_ptc(
            corpus / "train-articles", out=run / f"eval-{name}", ids=val_ids,
            si_gold=corpus / "train-task-si.labels", tc_gold=corpus / "train-task-flc-tc.labels",
            model_dir=staged,
        )
        assert report.si is not None and report.tc is not None
        metrics[name] = {"si": asdict(report.si), "tc": asdict(report.tc)}
        log.info("%s: %s", name, " | ".join(report.lines()[2:5]))
    stage(run / "export" / "model.onnx", tokenizer_file, target, config, version)
    (target / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics
