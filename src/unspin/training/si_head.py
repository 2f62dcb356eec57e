"""Train the persuasion model's SI head on its frozen encoder states.

The head reads, for every token of an article, the int8 encoder's hidden states of its last three
layers (the ``token_states`` output, read on the window blocks like the token logits) and the 15
token logits,
and runs a bidirectional LSTM over the whole article (so a token sees beyond its window). It
outputs three logits per token: inside a technique span, first token of one, last token of one;
the detector decodes the "inside" channel (the other two are auxiliary targets).

Steps (``python -m unspin.training persuasion-si-head``):

1. copy the model folder's ``model.onnx`` with those encoder states added as an output
   (:func:`add_states_output`);
2. run it over the training articles through the detector's own windows and batches
   (:func:`collect`): the head trains on exactly the features it gets at run time;
3. train the head on the training split (:func:`train_head`), export it to ONNX and quantize it
   to int8 (per channel);
4. tune the decoding on the validation split and score it with ``unspin eval ptc`` (see
   :func:`unspin.training.package.package_si_head`).

Needs the ``train`` extra (torch, onnx).
"""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from unspin.detectors.persuasion.windows import ANY_CHANNEL, TokenizedText

log = logging.getLogger("unspin.training.si_head")

# an encoder layer's output in graphs exported by torch.onnx (opset 17) from a BertModel
LAYER_TENSOR = "/encoder/encoder/layer.{}/output/LayerNorm/LayerNormalization_output_0"
# the head reads the outputs of the last STATE_LAYERS encoder layers, last first, concatenated
STATE_LAYERS = 3
STATES_OUTPUT = "token_states"
HEAD_INPUTS = ["states", "logits"]
HEAD_OUTPUTS = ["si_logits"]


def add_states_output(source: Path, target: Path, layers: int = STATE_LAYERS) -> Path:
    """Copy the ONNX graph ``source`` to ``target`` with the outputs of its last ``layers``
    encoder layers (last first, concatenated on the hidden axis) also output as
    ``token_states`` [batch, sequence, layers x hidden]. A graph that has that output already
    (exported by :mod:`unspin.training.export`) is copied as is.

    Raises:
        ValueError: the graph has fewer encoder layers than ``layers``.
    """
    import onnx

    model = onnx.load(str(source))
    target.parent.mkdir(parents=True, exist_ok=True)
    if any(o.name == STATES_OUTPUT for o in model.graph.output):
        onnx.save(model, str(target))
        return target
    produced = {name for node in model.graph.node for name in node.output}
    depth = 0
    while LAYER_TENSOR.format(depth) in produced:
        depth += 1
    if depth < layers:
        raise ValueError(f"{source} has {depth} encoder layers, fewer than {layers}")
    tensors = [LAYER_TENSOR.format(depth - 1 - i) for i in range(layers)]
    model.graph.node.append(onnx.helper.make_node("Concat", tensors, [STATES_OUTPUT], axis=-1))
    model.graph.output.append(
        onnx.helper.make_tensor_value_info(
            STATES_OUTPUT, onnx.TensorProto.FLOAT, ["batch", "sequence", "hidden"]
        )
    )
    onnx.save(model, str(target))
    return target


@dataclass
class ArticleStates:
    """One article's token features and SI targets."""

    article_id: str
    text: str
    tokens: TokenizedText
    logits: np.ndarray  # float32 [N, 15]
    states: np.ndarray  # float16 [N, H]
    targets: np.ndarray  # float32 [N, 3]: inside, begin, end


def si_targets(tokens: TokenizedText, spans: list[tuple[int, int]]) -> np.ndarray:
    """Per-token targets [N, 3]: inside a gold span, first token of one, last token of one
    (overlapping gold spans are merged first)."""
    inside = np.zeros(len(tokens.ids), dtype=np.float32)
    for start, end in spans:
        a = int(np.searchsorted(tokens.ends, start, side="right"))
        b = int(np.searchsorted(tokens.starts, end, side="left"))
        inside[a:b] = 1.0
    before = np.concatenate([[0.0], inside[:-1]])
    after = np.concatenate([inside[1:], [0.0]])
    begin = (inside == 1) & (before == 0)
    end_ = (inside == 1) & (after == 0)
    return np.stack([inside, begin, end_], axis=1).astype(np.float32)


def collect(
    model_dir: Path, corpus: Path, ids: list[str], *, analysis_states: bool = False
) -> list[ArticleStates]:
    """Token logits, encoder states and targets of the given training articles, computed with
    the detector (structure sentences, its windows and batches) on the model in ``model_dir``;
    with ``analysis_states``, the shipped analysis model's state of each token is appended to
    its encoder states (as :meth:`PersuasionDetector.si_head_states` does at run time)."""

    from unspin.datasets.ptc import read_articles, read_si
    from unspin.detectors import registry
    from unspin.detectors.analysis.engine import engine
    from unspin.document import Document
    from unspin.errors import ModelError
    from unspin.training.persuasion_staged import staged_detector

    detector = staged_detector(model_dir)
    structure = registry.create("structure")
    texts = read_articles(corpus / "train-articles", ids)
    gold: dict[str, list[tuple[int, int]]] = {}
    for span in read_si(corpus / "train-task-si.labels"):
        gold.setdefault(span.article_id, []).append((span.start, span.end))
    out = []
    started = time.time()
    for n, (article_id, text) in enumerate(texts.items()):
        doc = Document(text, id=article_id)
        doc = doc.with_layers(structure.detect(doc))  # type: ignore[arg-type]
        tokens, windows = detector._prepare(text, detector._sentences(doc))
        logits, states = detector.token_pass(tokens, windows)
        if states is None:
            raise ModelError(f"{model_dir}/model.onnx outputs no {STATES_OUTPUT}")
        if analysis_states:
            extra = engine().token_states(doc, tokens.starts)
            states = np.concatenate([states, extra], axis=1)
        targets = si_targets(tokens, gold.get(article_id, []))
        out.append(
            ArticleStates(article_id, text, tokens, logits, states.astype(np.float16), targets)
        )
        if n % 50 == 0:
            log.info("states: %d/%d articles, %.0f s", n, len(texts), time.time() - started)
    return out


@dataclass
class HeadConfig:
    hidden: int = 128
    epochs: int = 8
    lr: float = 2e-3
    weight_decay: float = 0.01
    dropout: float = 0.3
    chunk: int = 256  # training rows: stretches of this many tokens (random offsets per epoch)
    batch_size: int = 8
    boundary_weight: float = 3.0  # positive weight of the begin/end targets
    seed: int = 13  # head k trains with seed + k
    heads: int = 1  # an ensemble: the exported graph averages the logits of this many heads
    threads: int = 1
    # also read the analysis model's token states (the sentence pass claims and entities run)
    analysis_states: bool = False


class SIHeadNet(nn.Module):
    """Projection, one bidirectional LSTM layer, three logits per token. ``forward`` is the
    exported ONNX signature: ``states`` [B, N, H], ``logits`` [B, N, 15] -> [B, N, 3]."""

    def __init__(self, states_dim: int, cfg: HeadConfig) -> None:
        super().__init__()
        self.dropout = nn.Dropout(cfg.dropout)
        self.proj = nn.Linear(states_dim + ANY_CHANNEL + 1, cfg.hidden)
        self.rnn = nn.LSTM(cfg.hidden, cfg.hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * cfg.hidden, 3)

    def forward(self, states: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        x = torch.cat([states, logits], dim=-1)
        h = torch.relu(self.proj(self.dropout(x)))
        h, _ = self.rnn(h)
        return self.out(self.dropout(h))  # type: ignore[no-any-return]


class SIHeadEnsemble(nn.Module):
    """The mean of the logits of several heads (same signature as :class:`SIHeadNet`)."""

    def __init__(self, heads: list[SIHeadNet]) -> None:
        super().__init__()
        self.heads = nn.ModuleList(heads)

    def forward(self, states: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        outs = [head(states, logits) for head in self.heads]
        return torch.stack(outs).mean(0)


def _pieces(
    articles: list[ArticleStates], chunk: int, rng: random.Random
) -> list[tuple[int, int, int]]:
    """(article, start, end) stretches of at most ``chunk`` tokens, shuffled, fresh offsets."""
    out = []
    for i, art in enumerate(articles):
        n = len(art.tokens.ids)
        offset = rng.randrange(chunk) if n > chunk else 0
        for s in range(-offset, n, chunk):
            a, b = max(0, s), min(n, s + chunk)
            if b - a >= 8:
                out.append((i, a, b))
    rng.shuffle(out)
    return out


def train_heads(
    articles: list[ArticleStates], cfg: HeadConfig, *, out: Path | None = None
) -> SIHeadEnsemble:
    """Train ``cfg.heads`` heads (seeds ``cfg.seed + k``) with :func:`train_head`."""
    heads = []
    for k in range(cfg.heads):
        folder = None if out is None else out / f"head{k}"
        heads.append(train_head(articles, cfg, out=folder, seed=cfg.seed + k))
    return SIHeadEnsemble(heads).eval()


def train_head(
    articles: list[ArticleStates],
    cfg: HeadConfig,
    *,
    out: Path | None = None,
    seed: int | None = None,
) -> SIHeadNet:
    """Train one head on ``articles`` (BCE on the three targets, AdamW, linear decay); with
    ``out``, save ``head.pt`` and ``head_config.json`` there after every epoch."""
    seed = cfg.seed if seed is None else seed
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    dim = articles[0].states.shape[1]
    net = SIHeadNet(dim, cfg)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps_per_epoch = (
        len(_pieces(articles, cfg.chunk, random.Random(0))) + cfg.batch_size - 1
    ) // (cfg.batch_size)
    total = max(1, cfg.epochs * steps_per_epoch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: max(0.02, 1.0 - k / total))
    pos_weight = torch.tensor([1.0, cfg.boundary_weight, cfg.boundary_weight])
    feats = [
        (torch.from_numpy(a.states.astype(np.float32)), torch.from_numpy(a.logits))
        for a in articles
    ]
    targets = [torch.from_numpy(a.targets) for a in articles]
    net.train()
    started = time.time()
    for epoch in range(cfg.epochs):
        pieces = _pieces(articles, cfg.chunk, rng)
        losses = []
        for k in range(0, len(pieces), cfg.batch_size):
            batch = pieces[k : k + cfg.batch_size]
            length = max(b - a for _, a, b in batch)
            x = torch.zeros(len(batch), length, dim)
            z = torch.zeros(len(batch), length, ANY_CHANNEL + 1)
            y = torch.zeros(len(batch), length, 3)
            m = torch.zeros(len(batch), length)
            for j, (i, a, b) in enumerate(batch):
                x[j, : b - a] = feats[i][0][a:b]
                z[j, : b - a] = feats[i][1][a:b]
                y[j, : b - a] = targets[i][a:b]
                m[j, : b - a] = 1.0
            loss_all = nn.functional.binary_cross_entropy_with_logits(
                net(x, z), y, reduction="none", pos_weight=pos_weight
            )
            loss = (loss_all.mean(-1) * m).sum() / m.sum()
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            losses.append(float(loss.item()))
        log.info(
            "head epoch %d: loss %.4f, %.0f s",
            epoch + 1,
            float(np.mean(losses)),
            time.time() - started,
        )
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            torch.save({"model": net.state_dict(), "epoch": epoch + 1, "dim": dim}, out / "head.pt")
            (out / "head_config.json").write_text(json.dumps(asdict(cfg), indent=2) + "\n")
    net.eval()
    return net


def export_head(net: SIHeadNet | SIHeadEnsemble, fp32: Path, int8: Path) -> Path:
    """Export a head (or an ensemble) to ONNX (opset 17, dynamic batch and length) and quantize
    it to int8 (per channel)."""
    from unspin.training import common

    first = net.heads[0] if isinstance(net, SIHeadEnsemble) else net
    assert isinstance(first, SIHeadNet)
    dim = first.proj.in_features - (ANY_CHANNEL + 1)
    example = (torch.zeros(1, 12, dim), torch.zeros(1, 12, ANY_CHANNEL + 1))
    axes = {
        "states": {0: "batch", 1: "sequence"},
        "logits": {0: "batch", 1: "sequence"},
        "si_logits": {0: "batch", 1: "sequence"},
    }
    common.export_onnx(
        net, example, fp32, input_names=HEAD_INPUTS, output_names=HEAD_OUTPUTS, dynamic_axes=axes
    )
    return common.quantize_int8(fp32, int8, op_types=None)


def run_head(session: Any, article: ArticleStates) -> np.ndarray:
    """The head's logits [N, 3] for one article from an onnxruntime session."""
    (out,) = session.run(
        None,
        {
            "states": article.states[None].astype(np.float32),
            "logits": article.logits[None].astype(np.float32),
        },
    )
    return np.asarray(out[0])
