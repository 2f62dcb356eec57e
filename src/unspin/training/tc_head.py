"""Train the persuasion model's TC head on its frozen encoder states.

The head names the technique of a span from features of the token pass alone
(:func:`unspin.detectors.persuasion.detector.tc_features`): the mean and the max over the span of
the int8 encoder's last three layers' states (the ``token_states`` output, read on the window
blocks), the mean and the max of its 15 token channels, its token and character lengths and its
repetition feature. A small network (standardization, one tanh layer, 14 logits) reads them; it
replaces the span head and the token-channel mix where the manifest names it.

Steps (``python -m unspin.training persuasion-tc-head``):

1. run a packaged model (one whose graph outputs ``token_states``) over the training articles
   through the detector's own windows and batches, and take the features of their gold TC spans
   (:func:`collect_spans`): the head trains on exactly the features it gets at run time;
2. train the head (:func:`train_head`: cross-entropy, AdamW, linear decay) and export it to ONNX
   (float32: it is about 300k parameters);
3. fit its temperature on the validation split and score it with ``unspin eval ptc`` (see
   :func:`unspin.training.package.package_tc_head`).

Needs the ``train`` extra (torch, onnx).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from unspin.detectors.persuasion.windows import TECHNIQUES
from unspin.training.ptc_examples import TECHNIQUE_INDEX

log = logging.getLogger("unspin.training.tc_head")

TC_HEAD_FILE = "tc_head.onnx"
HEAD_INPUTS = ["features"]
HEAD_OUTPUTS = ["tc_logits"]


@dataclass
class TCHeadConfig:
    hidden: int = 128
    epochs: int = 12
    lr: float = 1e-3
    weight_decay: float = 0.01
    dropout: float = 0.3
    batch_size: int = 64
    seed: int = 13
    threads: int = 1


def collect_spans(
    model_dir: Path, corpus: Path, ids: list[str]
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The TC head's features [S, D] and technique indices [S] of the gold TC spans of the
    given training articles, with each span's article id, computed with the detector
    (structure sentences, its windows and batches) on the model in ``model_dir``."""

    from unspin.datasets.ptc import read_articles, read_tc
    from unspin.detectors import registry
    from unspin.detectors.persuasion.detector import STATES_OUTPUT, tc_features
    from unspin.document import Document
    from unspin.errors import ModelError
    from unspin.training.persuasion_staged import staged_detector

    detector = staged_detector(model_dir)
    structure = registry.create("structure")
    texts = read_articles(corpus / "train-articles", ids)
    gold: dict[str, list[tuple[int, int, int]]] = {}
    for span in read_tc(corpus / "train-task-flc-tc.labels"):
        gold.setdefault(span.article_id, []).append(
            (span.start, span.end, TECHNIQUE_INDEX[span.technique])
        )
    features: list[np.ndarray] = []
    labels: list[int] = []
    articles: list[str] = []
    started = time.time()
    for n, (article_id, text) in enumerate(texts.items()):
        spans = gold.get(article_id, [])
        if not spans:
            continue
        doc = Document(text, id=article_id)
        doc = doc.with_layers(structure.detect(doc))  # type: ignore[arg-type]
        tokens, windows = detector._prepare(text, detector._sentences(doc))
        if not windows:
            continue
        logits, states = detector.token_pass(tokens, windows)
        if states is None:
            raise ModelError(f"{model_dir}/model.onnx outputs no {STATES_OUTPUT}")
        features.append(tc_features(text, tokens, logits, states, [(s, e) for s, e, _ in spans]))
        labels.extend(t for _, _, t in spans)
        articles.extend([article_id] * len(spans))
        if n % 50 == 0:
            log.info("TC spans: %d/%d articles, %.0f s", n, len(texts), time.time() - started)
    if not features:
        raise ValueError("no gold TC span in the given articles")
    return np.concatenate(features), np.asarray(labels, dtype=np.int64), articles


class TCHeadNet(nn.Module):
    """Standardization (training-set mean and scale, kept in the graph), dropout, a tanh layer,
    14 logits. ``forward`` is the exported ONNX signature: ``features`` [S, D] -> [S, 14]."""

    def __init__(self, mean: np.ndarray, scale: np.ndarray, cfg: TCHeadConfig) -> None:
        super().__init__()
        self.mean: torch.Tensor
        self.scale: torch.Tensor
        self.register_buffer("mean", torch.from_numpy(mean.astype(np.float32)))
        self.register_buffer("scale", torch.from_numpy(scale.astype(np.float32)))
        self.dropout = nn.Dropout(cfg.dropout)
        self.hidden = nn.Linear(len(mean), cfg.hidden)
        self.out = nn.Linear(cfg.hidden, len(TECHNIQUES))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        x = (features - self.mean) / self.scale
        h = torch.tanh(self.hidden(self.dropout(x)))
        return self.out(self.dropout(h))  # type: ignore[no-any-return]


def train_head(features: np.ndarray, labels: np.ndarray, cfg: TCHeadConfig) -> TCHeadNet:
    """Train a head on span ``features`` [S, D] and technique indices ``labels`` [S]."""
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    rng = np.random.RandomState(cfg.seed)
    mean = features.mean(axis=0)
    scale = features.std(axis=0) + 1e-4
    net = TCHeadNet(mean, scale, cfg)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: max(0.05, 1.0 - e / cfg.epochs))
    x = torch.from_numpy(features.astype(np.float32))
    y = torch.from_numpy(labels.astype(np.int64))
    started = time.time()
    for epoch in range(cfg.epochs):
        net.train()
        order = rng.permutation(len(x))
        losses = []
        for k in range(0, len(order), cfg.batch_size):
            batch = torch.from_numpy(order[k : k + cfg.batch_size])
            loss = nn.functional.cross_entropy(net(x[batch]), y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss.item()))
        sched.step()
        log.info(
            "TC head epoch %d: loss %.4f, %.0f s",
            epoch + 1,
            float(np.mean(losses)),
            time.time() - started,
        )
    net.eval()
    return net


def export_head(net: TCHeadNet, path: Path) -> Path:
    """Export a head to float32 ONNX (opset 17, any number of spans)."""
    from unspin.training import common

    example = (torch.zeros(3, net.hidden.in_features),)
    axes = {"features": {0: "spans"}, "tc_logits": {0: "spans"}}
    common.export_onnx(
        net.eval(),
        example,
        path,
        input_names=HEAD_INPUTS,
        output_names=HEAD_OUTPUTS,
        dynamic_axes=axes,
    )
    return path
