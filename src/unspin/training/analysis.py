"""Train the multi-task ``analysis`` model: one MiniLM pass per sentence serving four heads.

Heads: check-worthy claims ([CLS] -> No/Yes, CT24), entities (BIO over PER/ORG/LOC/MISC per token,
CoNLL-2003, with a token-shape embedding added to the input since the encoder is uncased), stance
(mean of the target mention's token states + [CLS] -> negative/neutral/positive, NewsMTSC) and a
mean-pooled L2-normalised sentence ``embedding`` kept near the base model's by a cosine loss.

The command (:func:`build`) trains, then exports the best checkpoint to int8, tunes the claim
threshold and writes the complete model folder (``OUT/model``).

Example:
    python -m unspin.training analysis --data ../shared/data --out /work/runs/analysis/run1
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unspin.datasets.checkthat import read_checkthat
from unspin.datasets.conll import ENTITY_TYPES, conll_text, read_conll, split_conll
from unspin.datasets.newsmtsc import STANCE_LABELS, read_newsmtsc, split_newsmtsc
from unspin.models.features import SHAPES, shape_ids

__all__ = ["ENTITY_LABELS", "add_arguments", "build", "export", "finalize", "train"]

ENTITY_LABELS = ("O",) + tuple(f"{p}-{t}" for t in ENTITY_TYPES for p in ("B", "I"))
MAX_LENGTH = 128
INPUTS = ["input_ids", "attention_mask", "token_type_ids", "shape_ids", "target_mask"]
OUTPUTS = ["claim_logits", "entity_logits", "stance_logits", "embedding"]
VERSION = "1.0.0"


@dataclass
class Item:
    """One tokenised training sentence for one task."""

    task: str
    ids: list[int]
    shapes: list[int]
    claim: int = -100
    tags: list[int] | None = None
    targets: list[tuple[list[int], int]] | None = None  # (token indices, label)
    key: int = 0


def _tokenizer(folder: Path) -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=MAX_LENGTH)
    return tok


def _encode(tok: Any, text: str) -> tuple[list[int], list[tuple[int, int]], list[int]]:
    enc = tok.encode(text)
    offsets = [tuple(o) for o in enc.offsets]
    special = enc.special_tokens_mask
    offsets = [(0, 0) if special[i] else o for i, o in enumerate(offsets)]
    return list(enc.ids), offsets, shape_ids(text, offsets)  # type: ignore[arg-type]


def claim_items(tok: Any, examples: list[Any]) -> list[Item]:
    items = []
    for example in examples:
        ids, _, shapes = _encode(tok, example.text)
        items.append(Item("claims", ids, shapes, claim=example.label))
    return items


def ner_items(tok: Any, sentences: list[Any]) -> list[Item]:
    index = {label: i for i, label in enumerate(ENTITY_LABELS)}
    items = []
    for sentence in sentences:
        text, spans = conll_text(sentence.words)
        ids, offsets, shapes = _encode(tok, text)
        word_at = {}
        for w, (start, end) in enumerate(spans):
            for c in range(start, end):
                word_at[c] = w
        tags: list[int] = []
        seen_words: set[int] = set()
        for start, end in offsets:
            if end <= start:
                tags.append(-100)
                continue
            w = word_at.get(start, -1)
            tag = sentence.tags[w] if w >= 0 else "O"
            first = w not in seen_words
            seen_words.add(w)
            if tag.startswith("B-") and not first:
                tag = "I-" + tag[2:]
            tags.append(index[tag])
        items.append(Item("entities", ids, shapes, tags=tags))
    return items


def target_tokens(offsets: list[tuple[int, int]], start: int, end: int) -> list[int]:
    """Indices of the tokens that overlap the characters ``[start, end)``."""
    return [i for i, (s, e) in enumerate(offsets) if e > s and s < end and e > start]


def stance_items(tok: Any, examples: list[Any]) -> list[Item]:
    items = []
    for example in examples:
        ids, offsets, shapes = _encode(tok, example.text)
        targets = []
        for start, end, label in example.targets:
            tokens = target_tokens(offsets, start, end)
            if tokens:
                targets.append((tokens, label))
        if targets:
            items.append(Item("stance", ids, shapes, targets=targets))
    return items


def _batches(items: list[Item], *, max_tokens: int, max_rows: int, rng: random.Random) -> list:
    order = sorted(range(len(items)), key=lambda i: (len(items[i].ids), rng.random()))
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for i in order:
        length = len(items[i].ids)
        if current and (
            max(longest, length) * (len(current) + 1) > max_tokens or len(current) >= max_rows
        ):
            batches.append(current)
            current, longest = [], 0
        current.append(i)
        longest = max(longest, length)
    if current:
        batches.append(current)
    return batches


def collate(items: list[Item]) -> dict[str, Any]:
    """Pad a batch of items of one task into tensors (and the labels that task needs)."""
    import torch

    length = max(len(item.ids) for item in items)
    rows = len(items)
    k = max((len(item.targets) for item in items if item.targets), default=1)
    ids = torch.zeros(rows, length, dtype=torch.long)
    mask = torch.zeros(rows, length, dtype=torch.long)
    shapes = torch.zeros(rows, length, dtype=torch.long)
    target_mask = torch.zeros(rows, k, length)
    tags = torch.full((rows, length), -100, dtype=torch.long)
    stance = torch.full((rows, k), -100, dtype=torch.long)
    claims = torch.tensor([item.claim for item in items], dtype=torch.long)
    for r, item in enumerate(items):
        n = len(item.ids)
        ids[r, :n] = torch.tensor(item.ids)
        mask[r, :n] = 1
        shapes[r, :n] = torch.tensor(item.shapes)
        if item.tags is not None:
            tags[r, :n] = torch.tensor(item.tags)
        for t, (tokens, label) in enumerate(item.targets or []):
            target_mask[r, t, tokens] = 1.0
            stance[r, t] = label
    return {
        "input_ids": ids,
        "attention_mask": mask,
        "token_type_ids": torch.zeros_like(ids),
        "shape_ids": shapes,
        "target_mask": target_mask,
        "claims": claims,
        "tags": tags,
        "stance": stance,
    }


def build_model(encoder: Any) -> Any:
    """Wrap a ``BertModel`` with the shape embedding and the three heads."""
    import torch
    from torch import nn

    hidden = encoder.config.hidden_size

    class AnalysisNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.shape_embedding = nn.Embedding(len(SHAPES), hidden)
            nn.init.zeros_(self.shape_embedding.weight)
            self.dropout = nn.Dropout(0.1)
            self.claim_head = nn.Linear(hidden, 2)
            self.entity_head = nn.Linear(hidden, len(ENTITY_LABELS))
            self.stance_head = nn.Sequential(
                nn.Linear(2 * hidden, hidden),
                nn.Tanh(),
                nn.Dropout(0.1),
                nn.Linear(hidden, len(STANCE_LABELS)),
            )

        def forward(self, input_ids, attention_mask, token_type_ids, shape_ids, target_mask):  # type: ignore[no-untyped-def]
            words = self.encoder.embeddings.word_embeddings(input_ids)
            embeds = words + self.shape_embedding(shape_ids)
            states = self.encoder(
                inputs_embeds=embeds, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            cls = states[:, 0]
            claim_logits = self.claim_head(self.dropout(cls))
            entity_logits = self.entity_head(self.dropout(states))
            weights = target_mask.to(states.dtype)
            pooled = torch.matmul(weights, states) / weights.sum(-1, keepdim=True).clamp(min=1.0)
            both = torch.cat([pooled, cls.unsqueeze(1).expand_as(pooled)], dim=-1)
            stance_logits = self.stance_head(self.dropout(both))
            keep = attention_mask.unsqueeze(-1).to(states.dtype)
            mean = (states * keep).sum(1) / keep.sum(1).clamp(min=1e-9)
            embedding = nn.functional.normalize(mean, p=2.0, dim=-1)
            return claim_logits, entity_logits, stance_logits, embedding

    return AnalysisNet()


def _teacher_embeddings(teacher: Any, batch: dict[str, Any]) -> Any:
    import torch

    with torch.no_grad():
        states = teacher(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            token_type_ids=batch["token_type_ids"],
        ).last_hidden_state
        keep = batch["attention_mask"].unsqueeze(-1).float()
        mean = (states * keep).sum(1) / keep.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(mean, dim=-1)


def _losses(
    model: Any, batch: dict[str, Any], task: str, teacher_emb: Any, distill: float
) -> tuple[Any, dict[str, float]]:
    from torch.nn import functional as F

    claim_logits, entity_logits, stance_logits, embedding = model(*(batch[name] for name in INPUTS))
    if task == "claims":
        loss = F.cross_entropy(claim_logits, batch["claims"])
    elif task == "entities":
        loss = F.cross_entropy(
            entity_logits.flatten(0, 1), batch["tags"].flatten(), ignore_index=-100
        )
    else:
        loss = F.cross_entropy(
            stance_logits.flatten(0, 1), batch["stance"].flatten(), ignore_index=-100
        )
    cosine = (embedding * teacher_emb).sum(-1).mean()
    total = loss + distill * (1.0 - cosine)
    return total, {"loss": float(loss.detach()), "cosine": float(cosine.detach())}


def predict(model: Any, items: list[Item], *, max_tokens: int = 4096) -> list[dict[str, Any]]:
    """Run the torch model over items (in eval mode) and return per-item outputs."""
    import torch

    model.eval()
    results: list[dict[str, Any]] = [{} for _ in items]
    rng = random.Random(0)
    with torch.no_grad():
        for batch_index in _batches(items, max_tokens=max_tokens, max_rows=64, rng=rng):
            batch = collate([items[i] for i in batch_index])
            claim, entity, stance, emb = model(*(batch[name] for name in INPUTS))
            claim_p = claim.softmax(-1)[:, 1]
            for r, i in enumerate(batch_index):
                n = len(items[i].ids)
                results[i] = {
                    "claim": float(claim_p[r]),
                    "tags": entity[r, :n].argmax(-1).tolist(),
                    "stance": stance[r].argmax(-1).tolist(),
                    "embedding": emb[r],
                }
    model.train()
    return results


def evaluate(model: Any, valid: dict[str, list[Item]], teacher: Any) -> dict[str, Any]:
    """Validation figures: best-threshold claim F1, token-tag entity F1, stance macro-F1, cosine."""
    from unspin.evaluation.claims import best_threshold, f1_yes
    from unspin.evaluation.conll import entity_f1
    from unspin.evaluation.stance import macro_f1

    out: dict[str, Any] = {}
    items = valid["claims"]
    res = predict(model, items)
    scores = [r["claim"] for r in res]
    gold = [it.claim for it in items]
    threshold = best_threshold(gold, scores)
    out["claims_threshold"] = threshold
    out["claims_f1_yes"] = f1_yes(gold, [int(s >= threshold) for s in scores])
    out["claims_f1_yes_at_0.5"] = f1_yes(gold, [int(s >= 0.5) for s in scores])
    items = valid["entities"]
    res = predict(model, items)
    gold_seqs, pred_seqs = [], []
    for it, r in zip(items, res, strict=True):
        keep = [i for i, t in enumerate(it.tags or []) if t != -100]
        gold_seqs.append([ENTITY_LABELS[it.tags[i]] for i in keep])  # type: ignore[index]
        pred_seqs.append([ENTITY_LABELS[r["tags"][i]] for i in keep])
    out["entities_token_f1"] = entity_f1(gold_seqs, pred_seqs)["f1"]
    items = valid["stance"]
    res = predict(model, items)
    gold_s, pred_s = [], []
    for it, r in zip(items, res, strict=True):
        for t, (_, label) in enumerate(it.targets or []):
            gold_s.append(label)
            pred_s.append(r["stance"][t])
    out["stance_macro_f1"] = macro_f1(gold_s, pred_s, labels=[0, 1, 2])
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of the one command that builds the analysis model to ``parser``."""
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder")
    parser.add_argument("--out", type=Path, required=True, help="run folder (checkpoints, log)")
    parser.add_argument(
        "--to", type=Path, default=None, help="the model folder to write (default OUT/model)"
    )
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--max-tokens", type=int, default=1536, help="tokens per batch")
    parser.add_argument("--max-rows", type=int, default=32)
    parser.add_argument("--distill", type=float, default=2.0, help="weight of 1 - cosine to base")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--limit", type=int, default=0, help="examples per task (smoke tests)")
    parser.add_argument("--max-steps", type=int, default=0, help="stop after this many steps")
    parser.add_argument("--checkpoint-every", type=int, default=250)
    parser.add_argument("--eval-every", type=int, default=0, help="validate every N steps")
    parser.add_argument("--base", type=Path, default=None, help="base encoder folder (tests)")


def build(args: argparse.Namespace) -> Path:
    """Build the analysis model from the base encoder, in one go; return its folder.

    Trains (resuming from ``OUT/last.pt`` after a stop), then :func:`finalize` s the best
    checkpoint into ``--to`` (default ``OUT/model``): int8 export, the claim threshold tuned on
    CheckThat! 2024 dev with the int8 model, the embedding's fidelity to the base encoder
    (``OUT/model-figures.json``).
    """
    best = train(args)
    folder = Path(args.to) if args.to else Path(args.out) / "model"
    report = Path(args.out) / "model-figures.json"
    finalize(best, folder, Path(args.data), base=args.base, report=report)
    return folder


def _load_items(args: argparse.Namespace, tok: Any) -> tuple[dict, dict, dict]:
    data: Path = args.data
    ct = data / "checkthat2024-task1-en"
    claims_train = read_checkthat(ct / "CT24_checkworthy_english_train.tsv")
    claims_dev = read_checkthat(ct / "CT24_checkworthy_english_dev.tsv")
    ner_train, ner_valid = split_conll(read_conll(data / "conll2003-en" / "eng.train"))
    stance_train, stance_valid = split_newsmtsc(read_newsmtsc(data / "newsmtsc" / "train.jsonl"))
    raw_train = {"claims": claims_train, "entities": ner_train, "stance": stance_train}
    raw_valid = {"claims": claims_dev, "entities": ner_valid, "stance": stance_valid}
    if args.limit:
        rng = random.Random(args.seed)
        for raw in (raw_train, raw_valid):
            for task in raw:
                raw[task] = rng.sample(raw[task], min(args.limit, len(raw[task])))
    makers = {"claims": claim_items, "entities": ner_items, "stance": stance_items}
    train = {task: makers[task](tok, raw_train[task]) for task in makers}
    valid = {task: makers[task](tok, raw_valid[task]) for task in makers}
    sizes = {task: [len(train[task]), len(valid[task])] for task in makers}
    return train, valid, sizes


def train(args: argparse.Namespace) -> Path:
    """Train (resuming from ``out/last.pt`` if present); return the best checkpoint's path."""
    import torch

    from unspin.training.common import base_model_path, load_base_encoder

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    base = args.base or base_model_path()
    tok = _tokenizer(base)
    train_items, valid_items, sizes = _load_items(args, tok)
    log = (out / "log.jsonl").open("a", encoding="utf-8")

    def note(**fields: Any) -> None:
        fields["time"] = time.strftime("%H:%M:%S")
        log.write(json.dumps(fields) + "\n")
        log.flush()

    note(event="data", sizes=sizes, args={k: str(v) for k, v in vars(args).items()})
    model = build_model(load_base_encoder(base))
    teacher = load_base_encoder(base).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)

    rng = random.Random(args.seed)
    epoch_batches = []
    for task, items in train_items.items():
        for b in _batches(items, max_tokens=args.max_tokens, max_rows=args.max_rows, rng=rng):
            epoch_batches.append((task, b))
    per_epoch = len(epoch_batches)
    total_steps = int(math.ceil(per_epoch * args.epochs))
    if args.max_steps:
        total_steps = min(total_steps, args.max_steps)
    schedule: list[tuple[str, list[int]]] = []
    epoch = 0
    while len(schedule) < total_steps:
        order = list(epoch_batches)
        random.Random(args.seed * 1000 + epoch).shuffle(order)
        schedule.extend(order)
        epoch += 1
    schedule = schedule[:total_steps]

    head_params = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    enc_params = [p for n, p in model.named_parameters() if n.startswith("encoder.")]
    optimizer = torch.optim.AdamW(
        [{"params": enc_params, "lr": args.lr}, {"params": head_params, "lr": args.head_lr}],
        weight_decay=0.01,
    )
    warmup = max(1, int(0.06 * total_steps))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total_steps - step) / max(1, total_steps - warmup))

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    step, best, best_score = 0, out / "best.pt", -1.0
    teacher_cache: dict[tuple[str, int, int], Any] = {}
    last = out / "last.pt"
    if last.is_file():
        state = torch.load(last, map_location="cpu", weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step, best_score = state["step"], state["best_score"]
        note(event="resume", step=step)
    model.train()
    started = time.time()
    running: dict[str, list[float]] = {}
    eval_points = set()
    if args.eval_every:
        eval_points = set(range(args.eval_every, total_steps, args.eval_every))
    eval_points.update({int(per_epoch * (e + 1)) for e in range(int(args.epochs))})
    eval_points.add(total_steps)
    while step < total_steps:
        task, batch_index = schedule[step]
        items = [train_items[task][i] for i in batch_index]
        batch = collate(items)
        key = (task, batch_index[0], len(batch_index))
        if key not in teacher_cache:
            teacher_cache[key] = _teacher_embeddings(teacher, batch)
        total, parts = _losses(model, batch, task, teacher_cache[key], args.distill)
        optimizer.zero_grad()
        total.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        step += 1
        for name, value in parts.items():
            running.setdefault(f"{task}_{name}", []).append(value)
        if step % 50 == 0:
            note(
                event="train",
                step=step,
                of=total_steps,
                elapsed=round(time.time() - started),
                **{k: round(sum(v) / len(v), 4) for k, v in running.items()},
            )
            running = {}
        if step in eval_points:
            figures = evaluate(model, valid_items, teacher)
            score = (
                figures["claims_f1_yes"] + figures["entities_token_f1"] + figures["stance_macro_f1"]
            ) / 3
            note(event="valid", step=step, score=round(score, 4), **figures)
            if score > best_score:
                best_score = score
                torch.save({"model": model.state_dict(), "step": step, "figures": figures}, best)
        if step % args.checkpoint_every == 0 or step == total_steps:
            torch.save(
                {
                    "model": model.state_dict(),
                    "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(),
                    "step": step,
                    "best_score": best_score,
                },
                last,
            )
    note(event="done", step=step, best_score=best_score)
    log.close()
    return best


def _WithStates(model: Any) -> Any:
    """The model with its last hidden states as a fifth output (for the stance head graph)."""
    import torch
    from torch import nn

    class WithStates(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids, shape_ids, target_mask):  # type: ignore[no-untyped-def]
            m = self.model
            embeds = m.encoder.embeddings.word_embeddings(input_ids) + m.shape_embedding(shape_ids)
            states = m.encoder(
                inputs_embeds=embeds, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            cls = states[:, 0]
            weights = target_mask.to(states.dtype)
            pooled = torch.matmul(weights, states) / weights.sum(-1, keepdim=True).clamp(min=1.0)
            both = torch.cat([pooled, cls.unsqueeze(1).expand_as(pooled)], dim=-1)
            keep = attention_mask.unsqueeze(-1).to(states.dtype)
            mean = (states * keep).sum(1) / keep.sum(1).clamp(min=1e-9)
            return (
                m.claim_head(cls),
                m.entity_head(states),
                m.stance_head(both),
                nn.functional.normalize(mean, p=2.0, dim=-1),
                states,
            )

    return WithStates().eval()


def _StanceHead(model: Any) -> Any:
    import torch
    from torch import nn

    class StanceHead(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.head = model.stance_head

        def forward(self, states, target_mask):  # type: ignore[no-untyped-def]
            cls = states[:, 0]
            weights = target_mask.to(states.dtype)
            pooled = torch.matmul(weights, states) / weights.sum(-1, keepdim=True).clamp(min=1.0)
            both = torch.cat([pooled, cls.unsqueeze(1).expand_as(pooled)], dim=-1)
            return self.head(both)

    return StanceHead().eval()


def export(
    checkpoint: Path,
    folder: Path,
    *,
    base: Path | None = None,
    work: Path | None = None,
    claim_threshold: float | None = None,
) -> Path:
    """Export a checkpoint to ``folder``: int8 ``model.onnx``, ``stance_head.onnx``, tokenizer and
    manifest (with ``claim_threshold``, by default the one validation chose in training)."""
    import torch

    from unspin.training.common import (
        base_model_path,
        export_onnx,
        load_base_encoder,
        quantize_int8,
    )

    base = base or base_model_path()
    model = build_model(load_base_encoder(base))
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    model.load_state_dict(state["model"])
    model.eval()
    work = work or checkpoint.parent
    fp32 = work / "analysis-fp32.onnx"
    size = int(model.encoder.config.vocab_size)
    example = collate(
        [
            Item(
                "stance",
                [101 % size, 2023 % size, 2003 % size, 102 % size],
                [0, 2, 1, 0],
                targets=[([1], 0), ([2], 1)],
            ),
            Item("stance", [101 % size, 2023 % size, 102 % size], [0, 1, 0], targets=[([1], 2)]),
        ]
    )
    axes = {
        "input_ids": {0: "batch", 1: "tokens"},
        "attention_mask": {0: "batch", 1: "tokens"},
        "token_type_ids": {0: "batch", 1: "tokens"},
        "shape_ids": {0: "batch", 1: "tokens"},
        "target_mask": {0: "batch", 1: "targets", 2: "tokens"},
        "claim_logits": {0: "batch"},
        "entity_logits": {0: "batch", 1: "tokens"},
        "stance_logits": {0: "batch", 1: "targets"},
        "embedding": {0: "batch"},
    }
    wrapped = _WithStates(model)
    export_onnx(
        wrapped,
        tuple(example[name] for name in INPUTS),
        fp32,
        input_names=INPUTS,
        output_names=[*OUTPUTS, "states"],
        dynamic_axes={**axes, "states": {0: "batch", 1: "tokens"}},
    )
    folder.mkdir(parents=True, exist_ok=True)
    quantize_int8(fp32, folder / "model.onnx")
    # the stance head alone (fp32, tiny): scores mentions found by the entity head on the
    # states of the same pass, so no sentence is encoded twice
    with torch.no_grad():
        states = wrapped(*(example[name] for name in INPUTS))[-1]
    export_onnx(
        _StanceHead(model),
        (states, example["target_mask"]),
        folder / "stance_head.onnx",
        input_names=["states", "target_mask"],
        output_names=["stance_logits"],
        dynamic_axes={
            "states": {0: "batch", 1: "tokens"},
            "target_mask": {0: "batch", 1: "targets", 2: "tokens"},
            "stance_logits": {0: "batch", 1: "targets"},
        },
    )
    if claim_threshold is None:
        claim_threshold = float(state.get("figures", {}).get("claims_threshold", 0.5))
    _write_manifest(
        folder, tokenizer=base / "tokenizer.json", step=state.get("step"), threshold=claim_threshold
    )
    return folder


def _write_manifest(folder: Path, *, tokenizer: Path, step: Any, threshold: float) -> Path:
    from unspin.training.common import write_manifest

    config = {
        "inputs": INPUTS,
        "outputs": OUTPUTS,
        "max_length": MAX_LENGTH,
        "shapes": list(SHAPES),
        "claim_labels": ["No", "Yes"],
        "claim_threshold": round(float(threshold), 4),
        "entity_labels": list(ENTITY_LABELS),
        "stance_labels": list(STANCE_LABELS),
        "embedding_pooling": "mean, L2-normalised",
        "base": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0)",
        "step": step,
    }
    return write_manifest(
        folder,
        name="analysis",
        version=VERSION,
        config=config,
        tokenizer=tokenizer,
        extra_files=["stance_head.onnx"],
    )


def _doc_claim_score(pipe: Any, analysis: Any, text: str) -> float:
    from unspin.document import Document

    doc = pipe.run(Document(text))
    return max((s.claim for s in analysis.analyze(doc)), default=0.0)


def finalize(
    checkpoint: Path,
    folder: Path,
    data: Path,
    *,
    base: Path | None = None,
    report: Path | None = None,
) -> dict[str, Any]:
    """Export ``checkpoint`` to int8, tune the claim threshold on CT24 dev with the int8 model,
    measure how close its embedding stays to the base model's (CT24 dev), and write the model
    folder ``folder`` once, with that threshold (the int8 model is tuned in ``checkpoint``'s
    folder, ``stage-int8``).

    Returns:
        the figures (also written to ``report`` as JSON when given).
    """
    import numpy as np
    import torch

    from unspin.detectors.analysis.engine import AnalysisEngine
    from unspin.evaluation.claims import best_threshold, f1_yes
    from unspin.models.runtime import OnnxModel
    from unspin.pipeline import Pipeline
    from unspin.training.common import base_model_path, load_base_encoder, sha256_file

    base = base or base_model_path()
    stage = export(checkpoint, checkpoint.parent / "stage-int8", base=base)
    analysis = AnalysisEngine(OnnxModel("analysis", directory=stage))
    structure = Pipeline.from_names("structure")
    dev = read_checkthat(data / "checkthat2024-task1-en" / "CT24_checkworthy_english_dev.tsv")
    scores = [_doc_claim_score(structure, analysis, e.text) for e in dev]
    gold = [e.label for e in dev]
    threshold = best_threshold(gold, scores)
    figures: dict[str, Any] = {
        "claims_threshold": threshold,
        "ct24_dev_f1_yes_at_threshold": f1_yes(gold, [int(s >= threshold) for s in scores]),
    }
    # embedding fidelity: int8 model vs the frozen base model on held-out sentences
    texts = [e.text for e in dev[:600]]
    teacher = load_base_encoder(base).eval()
    tok = _tokenizer(base)
    base_emb = []
    with torch.no_grad():
        for text in texts:
            ids = torch.tensor([tok.encode(text).ids])
            states = teacher(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state
            base_emb.append(torch.nn.functional.normalize(states.mean(1), dim=-1)[0].numpy())
    ours = []
    for text in texts:
        enc = analysis.model.encode([text], max_length=MAX_LENGTH)
        offsets = enc.offsets[0]
        shapes = np.array([shape_ids(text, offsets)], dtype=np.int64)
        outputs = analysis.model.run(
            {
                "input_ids": enc.ids,
                "attention_mask": enc.mask,
                "token_type_ids": enc.type_ids,
                "shape_ids": shapes,
                "target_mask": np.zeros((1, 1, enc.ids.shape[1]), np.float32),
            }
        )
        ours.append(outputs[3][0])
    a, b = np.stack(base_emb), np.stack(ours)
    cosines = (a * b).sum(-1)
    sim_a, sim_b = a @ a.T, b @ b.T
    np.fill_diagonal(sim_a, -2)
    np.fill_diagonal(sim_b, -2)
    figures["embedding_cosine_to_base_mean"] = float(cosines.mean())
    figures["embedding_cosine_to_base_min"] = float(cosines.min())
    figures["embedding_nearest_neighbour_agreement"] = float(
        (sim_a.argmax(1) == sim_b.argmax(1)).mean()
    )
    iu = np.triu_indices(len(texts), 1)
    figures["embedding_pairwise_similarity_correlation"] = float(
        np.corrcoef(sim_a[iu], sim_b[iu])[0, 1]
    )
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("model.onnx", "stance_head.onnx"):
        shutil.copyfile(stage / name, folder / name)
    step = json.loads((stage / "manifest.json").read_text(encoding="utf-8"))["config"]["step"]
    _write_manifest(folder, tokenizer=stage / "tokenizer.json", step=step, threshold=threshold)
    figures["files"] = {
        f: {"bytes": (folder / f).stat().st_size, "sha256": sha256_file(folder / f)}
        for f in ("model.onnx", "stance_head.onnx", "tokenizer.json")
    }
    if report is not None:
        report.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return figures
