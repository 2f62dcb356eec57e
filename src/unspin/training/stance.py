"""Train a target-marked stance model: one encoder pass per (sentence, target) pair.

The shared analysis model scores a target from the states of one unmarked pass over the sentence
(so one pass serves every mention). This trainer measures the other design: the target is marked
in the input (``[unused1]`` before it, ``[unused2]`` after it, as relation-extraction "entity
markers" do) so every layer knows which actor the sentence is read for; the head reads [CLS], the
start marker and the mean of the target's tokens. It costs one pass per target.

The shipped model's recipe is one command, :func:`build` (``python -m unspin.training stance``):
two teachers, their soft labels, a student, an int8 export. Its steps are commands too:
``stance-train`` trains one model, ``stance-teach`` writes soft labels.

Distillation: ``python -m unspin.training stance-teach`` has trained models (teachers) score the
actor mentions of the training sentences that carry no gold label (the mentions the stance detector
scores at run time: ``unspin.detectors.analysis.actors.actor_mentions``), averaging their
probabilities; ``--soft`` then trains a model on the gold targets plus those soft-labelled ones. The
training sentences then look like an article's: several targets each, most of them secondary.
Teachers are training checkpoints (``.pt``) or exported model folders (the shipped int8 model);
``--texts`` adds the actor-naming sentences of other training articles (no gold target, soft targets
only).

Example:
    python -m unspin.training stance --data ../shared/data --out /work/runs/stance/run1
    python -m unspin.training stance-train --data ../shared/data --out /work/runs/stance/one
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from unspin.datasets.newsmtsc import STANCE_LABELS, StanceExample, read_newsmtsc, split_newsmtsc
from unspin.models.features import (
    END_MARK,
    OTHER_END_MARK,
    OTHER_START_MARK,
    START_MARK,
    MarkedTarget,
    mark_target,
)

__all__ = [
    "add_recipe_arguments",
    "add_teach_arguments",
    "add_train_arguments",
    "build",
    "contrast_examples",
    "read_soft",
    "soft_rows",
    "soft_texts",
    "swap_names",
    "teach",
    "export",
    "mark",
    "marked_pairs",
    "train",
]

MAX_LENGTH = 128


def _tokenizer(folder: Path) -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


def mark(
    tok: Any,
    text: str,
    start: int,
    end: int,
    label: int = -1,
    others: Sequence[tuple[int, int]] = (),
) -> MarkedTarget | None:
    """Mark ``[start, end)`` in ``text`` (see :func:`unspin.models.features.mark_target`)."""
    return mark_target(tok, text, start, end, label, max_length=MAX_LENGTH, others=others)


def marked_pairs(
    tok: Any, examples: list[StanceExample], *, others: bool = False
) -> list[MarkedTarget]:
    """One marked row per target; with ``others``, the sentence's other targets marked too."""
    return soft_rows(tok, examples, {}, others=others)[0]


Soft = dict[str, list[tuple[int, int, tuple[float, ...]]]]


def read_soft(path: Path) -> Soft:
    """Read ``stance-teach`` output: per sentence id, extra targets with teacher probabilities."""
    soft: Soft = {}
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                soft[str(row["id"])] = [
                    (int(t["start"]), int(t["end"]), tuple(float(x) for x in t["probs"]))
                    for t in row["targets"]
                ]
    return soft


def soft_texts(path: Path) -> list[StanceExample]:
    """The sentences of a ``stance-teach --texts`` file that are not NewsMTSC's (lines with a
    ``text``): examples with no gold target, whose soft targets :func:`read_soft` reads."""
    examples = []
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip() and "text" in (row := json.loads(line)):
                examples.append(StanceExample(str(row["id"]), str(row["text"]), ()))
    return examples


def soft_rows(
    tok: Any, examples: list[StanceExample], soft: Soft, *, others: bool = False
) -> tuple[list[MarkedTarget], list[tuple[float, ...]]]:
    """Marked rows for the gold targets (one-hot distributions) and each sentence's soft targets.

    With ``others``, every row marks all the sentence's other targets, gold and soft alike (the
    detector marks every other span it scores).
    """
    pairs: list[MarkedTarget] = []
    dists: list[tuple[float, ...]] = []
    n = len(STANCE_LABELS)
    for example in examples:
        spans = [(s, e, tuple(float(k == y) for k in range(n))) for s, e, y in example.targets]
        spans += soft.get(example.id, [])
        for k, (start, end, dist) in enumerate(spans):
            rest = [(s, e) for j, (s, e, _d) in enumerate(spans) if j != k]
            pair = mark(
                tok,
                example.text,
                start,
                end,
                int(max(range(n), key=dist.__getitem__)),
                rest if others else (),
            )
            if pair is not None:
                pairs.append(pair)
                dists.append(dist)
    return pairs, dists


def contrast_examples(
    examples: list[StanceExample], fraction: float, seed: int
) -> list[StanceExample]:
    """Extra two-sentence rows whose targets disagree, for the multi-target case.

    A ``fraction`` of the sentences is each joined with a partner sentence whose first target has
    another label; both sentences' targets are kept with their own labels. The model then sees
    one input holding opposite stances and must read each target's own context, as in NewsMTSC's
    multi-target set. Deterministic in ``seed``.
    """
    if fraction <= 0:
        return []
    rng = random.Random(seed)
    by_label: dict[int, list[StanceExample]] = {}
    for example in examples:
        if example.targets:
            by_label.setdefault(example.targets[0][2], []).append(example)
    chosen = rng.sample(examples, int(len(examples) * fraction))
    extra = []
    for example in chosen:
        if not example.targets:
            continue
        own = example.targets[0][2]
        other = rng.choice([k for k in by_label if k != own])
        partner = rng.choice(by_label[other])
        first, second = (example, partner) if rng.random() < 0.5 else (partner, example)
        shift = len(first.text) + 1
        targets = first.targets + tuple((s + shift, e + shift, y) for s, e, y in second.targets)
        extra.append(
            StanceExample(f"{first.id}+{second.id}", f"{first.text} {second.text}", targets)
        )
    return extra


def swap_names(
    examples: list[StanceExample], soft: Soft, fraction: float, seed: int
) -> tuple[list[StanceExample], Soft]:
    """Copies of a ``fraction`` of the sentences with every target's mention replaced.

    Each copy's gold and soft targets get mentions drawn at random from the gold mentions of all
    ``examples`` (another string than their own) and keep their labels, so a name cannot stand
    for a stance ("Vale" is not always criticised) and the model must read what the sentence says
    of each target. Copies are ``<id>+swap``; their soft targets are returned under that id.
    Sentences with overlapping targets are skipped. Deterministic in ``seed``.
    """
    if fraction <= 0:
        return [], {}
    rng = random.Random(seed)
    pool = sorted({ex.text[s:e] for ex in examples for s, e, _y in ex.targets if e > s})
    if len(pool) < 2:
        return [], {}
    out: list[StanceExample] = []
    out_soft: Soft = {}
    for example in rng.sample(examples, int(len(examples) * fraction)):
        spans: list[tuple[int, int, Any]] = [(s, e, y) for s, e, y in example.targets]
        spans += [(s, e, dist) for s, e, dist in soft.get(example.id, [])]
        spans.sort(key=lambda x: (x[0], x[1]))
        if not spans or any(b[0] < a[1] for a, b in zip(spans, spans[1:], strict=False)):
            continue
        text, pos = [], 0
        gold: list[tuple[int, int, int]] = []
        extra: list[tuple[int, int, tuple[float, ...]]] = []
        length = 0
        for s, e, label in spans:
            text.append(example.text[pos:s])
            length += s - pos
            own = example.text[s:e]
            name = own
            while name == own:
                name = rng.choice(pool)
            text.append(name)
            if isinstance(label, tuple):
                extra.append((length, length + len(name), label))
            else:
                gold.append((length, length + len(name), label))
            length += len(name)
            pos = e
        text.append(example.text[pos:])
        key = f"{example.id}+swap"
        out.append(StanceExample(key, "".join(text), tuple(gold)))
        if extra:
            out_soft[key] = extra
    return out, out_soft


def collate(
    pairs: list[MarkedTarget], dists: Sequence[Sequence[float]] | None = None
) -> dict[str, Any]:
    import torch

    length = max(len(p.ids) for p in pairs)
    ids = torch.zeros(len(pairs), length, dtype=torch.long)
    mask = torch.zeros(len(pairs), length, dtype=torch.long)
    target = torch.zeros(len(pairs), length)
    start = torch.zeros(len(pairs), dtype=torch.long)
    for r, p in enumerate(pairs):
        ids[r, : len(p.ids)] = torch.tensor(p.ids)
        mask[r, : len(p.ids)] = 1
        target[r, p.target] = 1.0
        start[r] = p.start
    labels = torch.tensor([p.label for p in pairs], dtype=torch.long)
    batch = {
        "input_ids": ids,
        "attention_mask": mask,
        "target_mask": target,
        "start": start,
        "labels": labels,
    }
    if dists is not None:
        batch["dist"] = torch.tensor([list(d) for d in dists], dtype=torch.float32)
    return batch


def build_model(encoder: Any) -> Any:
    import torch
    from torch import nn

    hidden = encoder.config.hidden_size

    class StanceNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.dropout = nn.Dropout(0.1)
            self.head = nn.Sequential(
                nn.Linear(3 * hidden, hidden),
                nn.Tanh(),
                nn.Dropout(0.1),
                nn.Linear(hidden, len(STANCE_LABELS)),
            )

        def forward(self, input_ids, attention_mask, target_mask, start):  # type: ignore[no-untyped-def]
            states = self.encoder(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            cls = states[:, 0]
            marker = states[torch.arange(states.shape[0]), start]
            w = target_mask.to(states.dtype).unsqueeze(-1)
            pooled = (states * w).sum(1) / w.sum(1).clamp(min=1.0)
            return self.head(self.dropout(torch.cat([cls, marker, pooled], dim=-1)))

    return StanceNet()


def _batches(pairs: list[MarkedTarget], size: int, rng: random.Random) -> list[list[int]]:
    order = sorted(range(len(pairs)), key=lambda i: (len(pairs[i].ids), rng.random()))
    batches = [order[i : i + size] for i in range(0, len(order), size)]
    rng.shuffle(batches)
    return batches


def predict(model: Any, pairs: list[MarkedTarget], size: int = 64) -> Any:
    import numpy as np
    import torch

    model.eval()
    out = np.zeros((len(pairs), len(STANCE_LABELS)), dtype=np.float32)
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i].ids))
    with torch.no_grad():
        for b in range(0, len(order), size):
            idx = order[b : b + size]
            batch = collate([pairs[i] for i in idx])
            logits = model(
                batch["input_ids"], batch["attention_mask"], batch["target_mask"], batch["start"]
            )
            out[idx] = torch.softmax(logits, -1).numpy()
    model.train()
    return out


def evaluate(model: Any, sets: dict[str, list[MarkedTarget]]) -> dict[str, float]:
    from unspin.evaluation.stance import macro_f1

    figures = {}
    for name, pairs in sets.items():
        probs = predict(model, pairs)
        figures[name] = round(
            macro_f1([p.label for p in pairs], probs.argmax(-1).tolist(), labels=[0, 1, 2]), 4
        )
    return figures


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of one stance model's training (``stance-train``) to ``parser``."""
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder")
    parser.add_argument("--out", type=Path, required=True, help="run folder (checkpoints, log)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--contrast",
        type=float,
        default=0.0,
        help="fraction of sentences also joined with a partner of another label",
    )
    parser.add_argument(
        "--mixed-repeats",
        type=int,
        default=0,
        help="add the sentences whose targets carry different labels this many more times",
    )
    parser.add_argument(
        "--mark-others",
        action="store_true",
        help="also mark the sentence's other targets ([unused3] ... [unused4])",
    )
    parser.add_argument(
        "--swap-names",
        type=float,
        default=0.0,
        help="fraction of sentences also added with every target's mention replaced by another",
    )
    parser.add_argument(
        "--soft",
        type=Path,
        default=None,
        help="stance-teach output: extra soft-labelled targets for the training sentences",
    )
    parser.add_argument("--max-steps", type=int, default=0, help="stop after this many (smoke)")
    parser.add_argument("--base", type=Path, default=None, help="base model folder (tests)")


def train(args: argparse.Namespace) -> Path:
    import torch

    from unspin.training.common import base_model_path, load_base_encoder

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    base = args.base or base_model_path()
    tok = _tokenizer(base)
    data = Path(args.data) / "newsmtsc"
    train_ex, valid_ex = split_newsmtsc(read_newsmtsc(data / "train.jsonl"))
    others = args.mark_others
    mixed = [e for e in train_ex if len({y for _s, _e, y in e.targets}) > 1]
    extra = contrast_examples(train_ex, args.contrast, args.seed + 1)
    extra += mixed * args.mixed_repeats
    soft = read_soft(args.soft) if args.soft else {}
    extra += soft_texts(args.soft) if args.soft else []
    held_ids = {e.id for e in valid_ex}
    if any(key in held_ids for key in soft):
        raise ValueError(f"{args.soft}: soft targets for carved validation sentences")
    swapped, swapped_soft = swap_names(train_ex, soft, args.swap_names, args.seed + 2)
    extra += swapped
    soft = {**soft, **swapped_soft}
    train_pairs, train_dists = soft_rows(tok, train_ex + extra, soft, others=others)
    # valid-mt: the carved validation's sentences with several targets (dev-mt's kind)
    sets = {
        "valid": marked_pairs(tok, valid_ex, others=others),
        "valid-mt": marked_pairs(tok, [e for e in valid_ex if len(e.targets) > 1], others=others),
    }
    for name in ("dev-mt", "dev-rw"):
        if (data / f"{name}.jsonl").exists():
            sets[name] = marked_pairs(tok, read_newsmtsc(data / f"{name}.jsonl"), others=others)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log = (out / "log.jsonl").open("a", encoding="utf-8")

    def note(**fields: Any) -> None:
        log.write(json.dumps({"time": round(time.time(), 1), **fields}) + "\n")
        log.flush()

    model = build_model(load_base_encoder(base))
    head_params = list(model.head.parameters())
    head_ids = {id(p) for p in head_params}
    opt = torch.optim.AdamW(
        [
            {"params": [p for p in model.parameters() if id(p) not in head_ids], "lr": args.lr},
            {"params": head_params, "lr": 1e-3},
        ],
        weight_decay=0.01,
    )
    per_epoch = math.ceil(len(train_pairs) / args.batch)
    total = per_epoch * args.epochs
    warm = max(1, int(0.06 * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (total - s) / max(1, total - warm))
    )
    step, epoch = 0, 0
    ckpt = out / "last.pt"
    if ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        step, epoch = state["step"], state["epoch"]
        rng.setstate(state["rng"])
    note(event="start", step=step, train=len(train_pairs), **{k: len(v) for k, v in sets.items()})
    model.train()
    best = -1.0
    if (out / "best.json").exists():
        best = json.loads((out / "best.json").read_text())["valid"]
    while epoch < args.epochs:
        batches = _batches(train_pairs, args.batch, rng)
        for b in batches[step - epoch * per_epoch :]:
            batch = collate([train_pairs[i] for i in b], [train_dists[i] for i in b])
            logits = model(
                batch["input_ids"], batch["attention_mask"], batch["target_mask"], batch["start"]
            )
            # cross-entropy against the row's distribution: one-hot (gold) or a teacher's
            loss = -(batch["dist"] * torch.log_softmax(logits, -1)).sum(-1).mean()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 20 == 0:
                note(step=step, loss=round(loss.item(), 4))
            if args.max_steps and step >= args.max_steps:
                break
        epoch += 1
        figures = evaluate(model, sets)
        note(event="epoch", epoch=epoch, step=step, **figures)
        torch.save(
            {
                "model": model.state_dict(),
                "opt": opt.state_dict(),
                "sched": sched.state_dict(),
                "step": step,
                "epoch": epoch,
                "rng": rng.getstate(),
            },
            ckpt,
        )
        torch.save(model.state_dict(), out / f"epoch{epoch}.pt")
        if figures["valid"] > best:
            best = figures["valid"]
            torch.save(model.state_dict(), out / "best.pt")
            (out / "best.json").write_text(json.dumps({"epoch": epoch, "step": step, **figures}))
        if args.max_steps and step >= args.max_steps:
            break
    note(event="done", step=step)
    return out / "best.pt"


def add_teach_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``stance-teach`` (soft labels from trained teachers) to ``parser``."""
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder")
    parser.add_argument(
        "--teachers",
        type=Path,
        nargs="+",
        required=True,
        help="weights (.pt), or exported model folders (src/unspin/models/stance: int8 ONNX)",
    )
    parser.add_argument(
        "--texts",
        type=Path,
        default=None,
        help="also label the actor mentions of these articles' sentences (a folder of .txt "
        "files: training articles of another corpus, never an evaluation split)",
    )
    parser.add_argument(
        "--min-mentions",
        type=int,
        default=2,
        help="with --texts, keep sentences naming at least this many actors (default 2)",
    )
    parser.add_argument("--out", type=Path, required=True, help="JSONL to write")
    parser.add_argument(
        "--mark-others", action="store_true", help="the teachers were trained with --mark-others"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--base", type=Path, default=None, help="base model folder (tests)")


def teach(args: argparse.Namespace) -> Path:
    """Write, per training sentence, its untargeted actor mentions with the teachers' mean
    probabilities (``{"id", "targets": [{"start", "end", "probs"}]}`` lines); returns the path.

    Mentions are found as at run time (the ``entities`` detector, then
    :func:`unspin.detectors.analysis.actors.actor_mentions` for PER / ORG / LOC); those overlapping
    a gold target are left out. Only the training part of the carve is labelled, never the
    validation sentences. With ``--texts``, each article sentence naming at least ``--min-mentions``
    actors is written too, its lines carrying the sentence as ``text`` (:func:`soft_texts` reads
    them back).
    """
    import numpy as np
    import torch

    from unspin.detectors.analysis.actors import actor_mentions
    from unspin.detectors.analysis.stance import STANCE_TYPES
    from unspin.document import Document
    from unspin.pipeline import Pipeline
    from unspin.training.common import base_model_path, load_base_encoder

    torch.set_num_threads(args.threads)
    base = args.base or base_model_path()
    tok = _tokenizer(base)
    train_ex, _valid = split_newsmtsc(read_newsmtsc(Path(args.data) / "newsmtsc" / "train.jsonl"))
    pipe = Pipeline.from_names("structure,entities")
    # article sentences keep the mentions found in their article (sentence offsets)
    known = _text_sentences(pipe, Path(args.texts), args.min_mentions) if args.texts else {}
    texts = {sid: example.text for sid, (example, _m) in known.items()}
    found: list[tuple[str, list[tuple[int, int]]]] = []
    rows: list[MarkedTarget] = []
    for example in train_ex + [ex for ex, _m in known.values()]:
        gold = [(s, e) for s, e, _y in example.targets]
        if example.id in known:
            mentions = known[example.id][1]
        else:
            mentions = actor_mentions(pipe.run(Document(example.text)), STANCE_TYPES)
        new = [(s, e) for s, e in mentions if not any(s < ge and gs < e for gs, ge in gold)]
        kept = []
        for s, e in new:
            rest = [x for x in gold + new if x != (s, e)] if args.mark_others else []
            row = mark(tok, example.text, s, e, -1, rest)
            if row is not None:
                rows.append(row)
                kept.append((s, e))
        if kept:
            found.append((example.id, kept))
    if not rows:
        raise ValueError("no untargeted mentions found in the training sentences")
    probs = np.zeros((len(rows), len(STANCE_LABELS)), dtype=np.float64)
    for weights in args.teachers:
        if Path(weights).is_dir():
            probs += _exported_predict(Path(weights), rows, args.threads, args.mark_others)
            continue
        model = build_model(load_base_encoder(base))
        model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
        probs += predict(model, rows)
    probs /= len(args.teachers)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    k = 0
    with out.open("w", encoding="utf-8") as handle:
        for sid, spans in found:
            targets = []
            for s, e in spans:
                targets.append(
                    {"start": s, "end": e, "probs": [round(float(x), 5) for x in probs[k]]}
                )
                k += 1
            line: dict[str, Any] = {"id": sid, "targets": targets}
            if sid in texts:
                line["text"] = texts[sid]
            handle.write(json.dumps(line) + "\n")
    return out


def _text_sentences(
    pipe: Any, folder: Path, min_mentions: int
) -> dict[str, tuple[StanceExample, list[tuple[int, int]]]]:
    """The sentences of ``folder``'s .txt articles that name at least ``min_mentions`` actors,
    by id (``text:<file stem>:<sentence index>``): each an example with no gold target and its
    actor mentions as found in the article, in the sentence's offsets."""
    from unspin.detectors.analysis.actors import actor_mentions
    from unspin.detectors.analysis.stance import STANCE_TYPES
    from unspin.document import Document

    files = sorted(folder.glob("*.txt"))
    if not files:
        raise ValueError(f"{folder}: no .txt articles")
    out = {}
    for path in files:
        text = path.read_text(encoding="utf-8")
        if not text.strip():
            continue
        doc = pipe.run(Document(text))
        mentions = actor_mentions(doc, STANCE_TYPES)
        for k, sentence in enumerate(doc.layers["sentences"].spans):
            lo, hi = sentence.start, sentence.end
            inside = [(s - lo, e - lo) for s, e in mentions if lo <= s and e <= hi]
            if len(inside) >= min_mentions:
                sid = f"text:{path.stem}:{k}"
                out[sid] = (StanceExample(sid, text[lo:hi], ()), inside)
    return out


def _exported_predict(
    folder: Path, rows: list[MarkedTarget], threads: int, mark_others: bool
) -> Any:
    """Probabilities of an exported stance model (the int8 ONNX the detector runs) for rows."""
    import numpy as np

    from unspin.detectors.analysis.stance import StanceModel
    from unspin.models.runtime import OnnxModel

    model = StanceModel(OnnxModel("stance", threads=threads, directory=folder))
    if model.labels != list(STANCE_LABELS):
        raise ValueError(f"{folder}: labels {model.labels}, expected {list(STANCE_LABELS)}")
    if model.mark_others != mark_others:
        raise ValueError(
            f"{folder}: exported with mark_others={model.mark_others}; "
            f"run stance-teach {'with' if model.mark_others else 'without'} --mark-others"
        )
    return np.stack(model.run_rows(rows))


VERSION = "2.1.0"
INPUTS = ["input_ids", "attention_mask", "target_mask", "start"]


def export(
    weights: Path,
    folder: Path,
    *,
    base: Path | None = None,
    step: int = 0,
    mark_others: bool = False,
) -> Path:
    """Export trained weights to ``folder`` (returned): int8 ``model.onnx``, tokenizer, manifest.

    ``mark_others`` records that the model was trained with the sentence's other targets marked
    (``--mark-others``), so the detector marks them too.

    The graph takes ``input_ids``, ``attention_mask`` [B,T] (int64), ``target_mask`` [B,T]
    (float32, 1 on the target's tokens) and ``start`` [B] (int64, the start marker's index) and
    gives ``stance_logits`` [B,3].
    """
    import tempfile

    import torch

    from unspin.training.common import (
        base_model_path,
        export_onnx,
        load_base_encoder,
        quantize_int8,
        write_manifest,
    )

    base = base or base_model_path()
    model = build_model(load_base_encoder(base))
    model.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    model.eval()
    tok = _tokenizer(base)
    example = collate([p for p in (mark(tok, "the grey circle met here", 4, 15, 0),) if p])
    folder = Path(folder)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = export_onnx(
            model,
            tuple(example[n] for n in INPUTS),
            Path(tmp) / "fp32.onnx",
            input_names=INPUTS,
            output_names=["stance_logits"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "target_mask": {0: "batch", 1: "tokens"},
                "start": {0: "batch"},
                "stance_logits": {0: "batch"},
            },
        )
        quantize_int8(fp32, folder / "model.onnx")
    config = {
        "base": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0)",
        "inputs": INPUTS,
        "outputs": ["stance_logits"],
        "stance_labels": list(STANCE_LABELS),
        "max_length": MAX_LENGTH,
        "markers": [START_MARK, END_MARK]
        + ([OTHER_START_MARK, OTHER_END_MARK] if mark_others else []),
        "mark_others": mark_others,
        "step": step,
    }
    write_manifest(
        folder, name="stance", version=VERSION, config=config, tokenizer=base / "tokenizer.json"
    )
    return folder


#: the shipped model's recipe (2.1.0): two teachers, their soft labels, one student
TEACHERS = (("teacher-a", 5e-5), ("teacher-b", 1e-4))
TEACHER_EPOCHS = 4
STUDENT_EPOCHS = 3
MIXED_REPEATS = 3


def add_recipe_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of the one command that builds the shipped stance model (``stance``)."""
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder")
    parser.add_argument(
        "--out", type=Path, required=True, help="run folder: teachers, soft labels, student"
    )
    parser.add_argument(
        "--to", type=Path, default=None, help="the model folder to write (default OUT/model)"
    )
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=1, help="torch threads per model")
    parser.add_argument("--max-steps", type=int, default=0, help="stop each model early (smoke)")
    parser.add_argument("--base", type=Path, default=None, help="base model folder (tests)")


def _train_args(args: argparse.Namespace, out: Path, **options: Any) -> argparse.Namespace:
    """One ``stance-train`` run's options: its defaults, the recipe's and ``options``."""
    parser = argparse.ArgumentParser(add_help=False)
    add_train_arguments(parser)
    run = parser.parse_args(["--data", str(args.data), "--out", str(out)])
    run.seed, run.threads, run.max_steps, run.base = (
        args.seed,
        args.threads,
        args.max_steps,
        args.base,
    )
    run.mark_others, run.mixed_repeats = True, MIXED_REPEATS
    for key, value in options.items():
        setattr(run, key, value)
    return run


def build(args: argparse.Namespace) -> Path:
    """Build the shipped stance model from the base encoder, in one go; return its folder.

    Two teachers (seed ``--seed``, encoder lr 5e-5 and 1e-4, 4 epochs, other targets marked,
    the sentences whose targets differ repeated 3 more times), their mean probabilities for the
    untargeted actor mentions of the training sentences (``stance-teach``), then the student on
    the gold and soft targets (3 epochs, no repeats), exported to int8 with its best epoch's step
    (each model's best epoch is the one with the best carved validation). Each run
    resumes where it stopped (``last.pt``), so the command can be run again after a stop.
    """
    out = Path(args.out)
    teachers = []
    for name, lr in TEACHERS:
        run = _train_args(args, out / name, lr=lr, epochs=TEACHER_EPOCHS)
        teachers.append(train(run))
    parser = argparse.ArgumentParser(add_help=False)
    add_teach_arguments(parser)
    soft = out / "soft.jsonl"
    options = ["--data", str(args.data), "--out", str(soft), "--mark-others"]
    teaching = parser.parse_args([*options, "--teachers", *map(str, teachers)])
    teaching.threads, teaching.base = args.threads, args.base
    teach(teaching)
    student_args = _train_args(args, out / "student", epochs=STUDENT_EPOCHS, soft=soft)
    student_args.mixed_repeats = 0  # the student sees each sentence once (s2 on the card)
    student = train(student_args)
    step = int(json.loads((student.parent / "best.json").read_text())["step"])
    folder = Path(args.to) if args.to else out / "model"
    return export(student, folder, base=args.base, step=step, mark_others=True)
